//! One module per page, plus the parts they share.

/// Declares `$route`, a route whose view is `$view`, loaded from a wasm chunk
/// of its own the first time the browser shows it. The server renders it like
/// any other route. Its data loads inside the page, as the page's own
/// resources, so `data` has nothing to start.
macro_rules! lazy_page {
    ($route:ident => $view:expr) => {
        struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                $crate::pages::preload_chunks_of(stringify!($route));
                $view.into_any()
            }
        }
    };
}

/// On the server, hints the browser to fetch the wasm chunks of the lazy page
/// `route` beside the main wasm: without the hints it would ask for them only
/// once hydration reached the page. (leptos adds such hints itself only when
/// the page's view happens to start before the head is written.)
pub fn preload_chunks_of(route: &'static str) {
    #[cfg(feature = "ssr")]
    if let Ok(state) = crate::backend::state() {
        use leptos::prelude::*;
        for href in state.assets.chunks_of(route) {
            // A `leptos_meta` tag rendered to HTML registers itself for the
            // head instead of returning markup.
            let _ = view! {
                <leptos_meta::Link
                    rel="preload"
                    href=href.clone()
                    as_="fetch"
                    type_="application/wasm"
                    crossorigin="anonymous"
                />
            }
            .to_html();
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = route;
}

/// The query parameter `name` of the page's URL, as first loaded.
pub fn query_value(name: &str) -> Option<String> {
    use leptos::prelude::ReadUntracked;
    leptos_router::hooks::use_query_map().read_untracked().get(name)
}

/// `path` with the query `search` (as the router gives it, with or without
/// its `?`), or `path` alone when the query is empty.
pub fn with_query(path: &str, search: &str) -> String {
    match search.trim_start_matches('?') {
        "" => path.to_owned(),
        query => format!("{path}?{query}"),
    }
}

/// Where the login page is. The server alone renders it, with a script of its
/// own and no wasm (`login`): the app leaves for it rather than showing it.
pub const LOGIN_PATH: &str = "/login";

/// Loads the login page at `target` from the server, in place of the page
/// being left: Back then skips a page the user can no longer see.
#[cfg(not(feature = "ssr"))]
pub fn load_login_page(target: &str) {
    let _ = leptos::prelude::window().location().replace(target);
}

/// A link to the login page. `rel="external"` keeps the router out of it, so
/// the browser loads the page at once (see [`LOGIN_PATH`]).
#[leptos::component]
pub fn LoginLink(children: leptos::children::Children) -> impl leptos::IntoView {
    use leptos::prelude::*;
    view! { <a href=LOGIN_PATH rel="external">{children()}</a> }
}

/// Whether a form posted without JavaScript landed here with `?done=<what>`.
pub fn done_without_javascript(what: &str) -> bool {
    query_value("done").as_deref() == Some(what)
}

pub mod account;
pub mod form;
pub mod guards;
pub mod home;
#[cfg(feature = "ssr")]
pub mod login;
pub mod nav;
pub mod not_found;
pub mod passkeys;
pub mod providers;
pub mod reauthenticate;
pub mod recovery;
pub mod register;
pub mod time;
pub mod users;
