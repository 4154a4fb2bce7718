//! The application: components, server functions and domain types shared by the
//! server (feature `ssr`) and the browser (feature `hydrate`).

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod domain;
pub mod error;
pub mod model;
mod pages;
pub mod session;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};
use pages::{
    account::AccountPage,
    guards::{GuestOnly, RequireUser},
    home::HomePage,
    login::LoginPage,
    nav::Nav,
    not_found::NotFound,
    register::RegisterPage,
    users::{UserPage, UsersPage},
};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Every page's title passes through here. leptos_meta 0.8 writes the title
/// into the server-rendered `<head>` without escaping it, and a user's name is
/// a title, so the server escapes it; the browser sets `document.title` as
/// plain text, where escaping would show as `&lt;`.
fn escape_title_on_server(title: String) -> String {
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
    session::provide_user_session();

    view! {
        <Stylesheet id="leptos" href="/pkg/app.css"/>
        <Title formatter=escape_title_on_server text="Sessions"/>
        <Router>
            <Nav/>
            <main>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route
                        path=path!("/register")
                        view=|| view! { <GuestOnly><RegisterPage/></GuestOnly> }
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/login")
                        view=|| view! { <GuestOnly><LoginPage/></GuestOnly> }
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/users")
                        view=|| view! { <RequireUser><UsersPage/></RequireUser> }
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/account")
                        view=|| view! { <RequireUser><AccountPage/></RequireUser> }
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/users/:id")
                        view=|| view! { <RequireUser><UserPage/></RequireUser> }
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
        </Router>
    }
}
