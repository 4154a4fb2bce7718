//! The application: components, server functions and domain types shared by the
//! server (feature `ssr`) and the browser (feature `hydrate`).

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod domain;
pub mod error;
pub mod model;
mod pages;
pub mod user_session;

#[cfg(feature = "hydrate")]
pub use pages::account_area::prefetch_on_intent;

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos_meta::MetaTags;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, Lazy, SsrMode,
};
use pages::{
    account_area::AccountArea,
    guards::{GuestOnly, RequireUser},
    home::HomePage,
    nav::Nav,
    not_found::NotFound,
    register::RegisterPage,
    users::{UserPage, UsersPage},
    LOGIN_PATH,
};

/// The HTML document around the app, rendered on the server.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let state = backend::state().ok();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options/>
                {state.map(|state| view! { <BuiltFiles state/> })}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The page's css, and the module that loads the js and the wasm and
/// hydrates the page: what leptos' `HashedStylesheet` and `HydrationScripts`
/// write, from names read once at start (see `backend::assets`). `/login`
/// gets its own small script instead of the app ([`LoginRoute`]).
#[cfg(feature = "ssr")]
#[component]
fn BuiltFiles(state: backend::AppState) -> impl IntoView {
    let assets = &state.assets;
    let path = use_context::<http::request::Parts>().map(|request| request.uri.path().to_owned());
    let at_login = path.as_deref() == Some(LOGIN_PATH);
    // A first load of a page in the account area runs its chunk before the
    // page can hydrate: fetched beside the main wasm, not after it.
    let chunks = match path.as_deref().and_then(pages::account_area::AreaPage::at) {
        Some(_) => assets.area_chunks.clone(),
        None => Vec::new(),
    };
    // Before the stylesheet: a script after it waits for it.
    let prefetch = at_login.then(|| {
        view! { <script nonce=leptos::nonce::use_nonce()>{assets.app_prefetch_script().to_owned()}</script> }
    });
    let scripts = if at_login {
        view! { <script type="module" src=assets.login_script.clone() nonce=leptos::nonce::use_nonce()></script> }
            .into_any()
    } else {
        let script = assets.hydration_script().to_owned();
        view! {
            // Fetched early only where they will run: a browser without
            // JavaScript skips the app's 360 KB.
            <link rel="modulepreload" href=assets.js.clone() media="(scripting: enabled)"/>
            // The chunks' loader, which the app's js imports: hinted, or a
            // round trip after the js.
            {assets
                .chunk_loader()
                .map(|loader| view! { <link rel="modulepreload" href=loader.to_owned() media="(scripting: enabled)"/> })}
            <link
                rel="preload"
                media="(scripting: enabled)"
                href=assets.wasm.clone()
                r#as="fetch"
                r#type="application/wasm"
                crossorigin="anonymous"
            />
            {chunks
                .into_iter()
                .map(|chunk| {
                    view! {
                        <link
                            rel="preload"
                            media="(scripting: enabled)"
                            href=chunk
                            r#as="fetch"
                            r#type="application/wasm"
                            crossorigin="anonymous"
                        />
                    }
                })
                .collect_view()}
            <script type="module" nonce=leptos::nonce::use_nonce()>{script}</script>
        }
        .into_any()
    };
    view! {
        {prefetch}
        <link id="leptos" rel="stylesheet" href=assets.css.clone()/>
        {scripts}
    }
}

//{% capture line %}
/// The site's name, after each page's own in its title ("Users – Sessions"),
/// and in mail; an app made from this template (cargo-generate.toml) has its
/// own. A macro for `concat!`: the tests' expected titles and subjects.
#[macro_export]
macro_rules! site_name {
    () => {
        "Sessions"
    };
}
//{% endcapture %}{{ line | replace: "Sessions", site_name }}
pub const SITE_NAME: &str = site_name!();

//{% capture line %}
/// What the names of the app's cookies start with, after `__Host-` over
/// HTTPS: nothing here; an app made from this template has its own name and
/// a dash (`my-app-session`). Cookies ignore ports, so two apps served on one
/// host would otherwise read, and delete, each other's. A macro for `concat!`.
#[macro_export]
macro_rules! cookie_prefix {
    () => {
        ""
    };
}
//{% endcapture %}{{ line | replace: '""', cookie_prefix }}

/// Every page's title passes through here: the page's name, then the site's.
/// leptos_meta 0.8 writes the title into the server-rendered `<head>` without
/// escaping it, and a user's name is a title, so the server escapes it; the
/// browser sets `document.title` as plain text, where escaping would show as
/// `&lt;`.
fn page_title(page: String) -> String {
    let title = if page == SITE_NAME {
        page
    } else {
        format!("{page} – {SITE_NAME}")
    };
    #[cfg(feature = "ssr")]
    let title = html_escape::encode_text(&title).into_owned();
    title
}

/// The root component: session context, navigation and routes.
///
/// Every route renders in `SsrMode::Async` so that a guard's redirect and a
/// not-found status are decided before the first byte of the response is sent.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    #[cfg(feature = "ssr")]
    {
        leptos_router::components::provide_server_redirect(backend::http::redirect_page);
        backend::http::provide_page_security_policy();
    }
    user_session::provide_user_session();
    pages::form::provide_form_flash();
    pages::features::provide_features();
    let (is_routing, set_is_routing) = signal(false);

    view! {
        <Title formatter=page_title text=SITE_NAME/>
        <Router set_is_routing>
            // `target` keeps the router's hands off: the browser follows the
            // fragment itself, and moves focus to <main>.
            <a class="skip-link" href="#main" target="_self">"Skip to main content"</a>
            <Nav/>
            <FocusOnNavigation is_routing/>
            <main id="main" tabindex="-1">
                // A page whose code or data is still on its way (a slow
                // phone may take seconds) says so, rather than show nothing.
                <Show when=move || is_routing.get()>
                    <p class="loading route-loading" role="status">"Loading…"</p>
                </Show>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/register") view=RegisterRoute ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginRoute ssr=SsrMode::Async/>
                    <Route path=path!("/users") view=UsersRoute ssr=SsrMode::Async/>
                    <Route path=path!("/users/:id") view=UserRoute ssr=SsrMode::Async/>
                    // The account area: one wasm chunk (pages::account_area).
                    <Route path=path!("/account") view={Lazy::<AccountArea>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/account/delete") view={Lazy::<AccountArea>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/account/end-session") view={Lazy::<AccountArea>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/account/remove-passkey") view={Lazy::<AccountArea>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/account/log-out-everywhere") view={Lazy::<AccountArea>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/reauthenticate") view={Lazy::<AccountArea>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/two-factor") view={Lazy::<AccountArea>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password") view={Lazy::<AccountArea>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/reset-password") view={Lazy::<AccountArea>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/verify-email") view={Lazy::<AccountArea>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/confirm-email") view={Lazy::<AccountArea>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/undo-email-change") view={Lazy::<AccountArea>::new()} ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}

/// `/login`: the server's page with a script of its own and no wasm
/// (`pages::login`). The app's links, guards and logout load it from the
/// server; a route the router still reaches (an old history entry, say) does
/// the same. The server also sends a logged-in user on.
#[component]
fn LoginRoute() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        view! { <GuestOnly><pages::login::LoginPage/></GuestOnly> }
    }
    #[cfg(not(feature = "ssr"))]
    {
        // The server sends no wasm to `/login` (nor to `/login/`, the same
        // page to it), so this cannot load itself again. In place of the
        // entry the router reached: Back leaves the page.
        let search = leptos_router::hooks::use_location().search.get_untracked();
        pages::load_page(&pages::with_query(LOGIN_PATH, &search));
    }
}

// The guarded pages most visits see, in the wasm every first load brings, so
// that a navigation among them fetches no code (docs/performance.md, "One
// wasm"). Components, not closures in the routes: closures cost the wasm 30 KB
// (8 KB brotli).
#[component]
fn RegisterRoute() -> impl IntoView {
    view! { <GuestOnly><RegisterPage/></GuestOnly> }
}

#[component]
fn UsersRoute() -> impl IntoView {
    view! { <RequireUser><UsersPage/></RequireUser> }
}

#[component]
fn UserRoute() -> impl IntoView {
    view! { <RequireUser><UserPage/></RequireUser> }
}

/// After a navigation inside the app (nothing reloads, so nothing tells a
/// screen reader that the page changed), focus moves to the new page's heading,
/// or to `<main>` while the heading is still loading and then to the heading
/// when it comes, unless the user has moved on meanwhile. While the router
/// is still on its way to the new page (`is_routing`), the old page's heading
/// must not be the one focused.
#[component]
fn FocusOnNavigation(is_routing: ReadSignal<bool>) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    Effect::new(move |focused_for: Option<String>| {
        let here = format!("{}{}", location.pathname.get(), location.search.get());
        let routing = is_routing.get();
        match focused_for {
            Some(focused_for) if routing => focused_for,
            Some(focused_for) if focused_for != here => {
                #[cfg(feature = "hydrate")]
                request_animation_frame(|| focus_heading(HEADING_WAITS));
                here
            }
            _ => here,
        }
    });
}

/// How many times, 50 ms apart, to look for a heading that is still loading.
#[cfg(feature = "hydrate")]
const HEADING_WAITS: u32 = 60;

#[cfg(feature = "hydrate")]
fn focus_heading(waits_left: u32) {
    use wasm_bindgen::JsCast;
    let focus = |element: web_sys::Element| {
        if let Ok(target) = element.dyn_into::<web_sys::HtmlElement>() {
            // Focusable from script only, not a stop in the tab order.
            if !target.has_attribute("tabindex") {
                let _ = target.set_attribute("tabindex", "-1");
            }
            let _ = target.focus();
        }
    };
    let main = document().get_element_by_id("main");
    // A page that arrives with news (the account page's banner) starts there.
    if let Some(heading) = document()
        .query_selector("main .notification-banner, main h1")
        .ok()
        .flatten()
    {
        return focus(heading);
    }
    let first_look = waits_left == HEADING_WAITS;
    if first_look {
        if let Some(main) = main.clone() {
            focus(main);
        }
    }
    let still_on_main = document().active_element() == main;
    if waits_left > 0 && still_on_main {
        set_timeout(
            move || focus_heading(waits_left - 1),
            std::time::Duration::from_millis(50),
        );
    }
}
