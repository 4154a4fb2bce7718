//! Route guards. On the first load they run on the server, whose redirect is a
//! real HTTP redirect; in the running app they navigate in the browser.

use crate::{domain::safe_redirect_target, user_session::use_user_session};
use leptos::{either::EitherOf3, prelude::*};
use leptos_router::{
    components::Redirect,
    hooks::{use_location, use_query_map},
};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Characters kept as they are in a query value: a path stays readable
/// (`/login?redirect=/users/3`) while `&`, `=`, `?`, `#` and the rest are escaped.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Shows `children` to logged-in users; sends everyone else to the login page,
/// which brings them back here afterwards. A logout in this tab is already
/// loading the login page: nothing to do then.
#[component]
pub fn RequireUser(children: ChildrenFn) -> impl IntoView {
    let session = use_user_session();
    let location = use_location();
    let login_path = move || {
        if session.did_log_out_here() {
            return None;
        }
        let here = super::with_query(&location.pathname.get_untracked(), &location.search.get_untracked());
        Some(format!(
            "{}?redirect={}",
            super::LOGIN_PATH,
            utf8_percent_encode(&here, QUERY_VALUE)
        ))
    };
    view! { <Guard logged_in=true otherwise=login_path>{children()}</Guard> }
}

/// Shows `children` (the login and register forms) to logged-out users; a
/// logged-in user goes where the login would have taken them.
#[component]
pub fn GuestOnly(children: ChildrenFn) -> impl IntoView {
    let query = use_query_map();
    let target = move || {
        let requested = query.read_untracked().get("redirect").unwrap_or_default();
        Some(safe_redirect_target(&requested))
    };
    view! { <Guard logged_in=false otherwise=target>{children()}</Guard> }
}

/// Shows `children` while the login state is `logged_in`, redirects to
/// `otherwise()` when it is not (if it names a page), and shows nothing until
/// it is known.
#[component]
fn Guard(
    logged_in: bool,
    otherwise: impl Fn() -> Option<String> + Send + Sync + 'static,
    children: ChildrenFn,
) -> impl IntoView {
    let session = use_user_session();
    let state = Memo::new(move |_| session.state());
    move || match state.get() {
        Some(now) if now == logged_in => EitherOf3::A(children()),
        Some(_) => EitherOf3::B(otherwise().map(|path| view! { <RedirectTo path/> })),
        None => EitherOf3::C(()),
    }
}

/// The router's redirect, except to the login page in the browser: that page
/// is the server's alone, so the browser loads it from there at once.
#[component]
fn RedirectTo(path: String) -> impl IntoView {
    #[cfg(not(feature = "ssr"))]
    if path.split(['?', '#']).next() == Some(super::LOGIN_PATH) {
        super::load_page(&path);
        return None;
    }
    Some(view! { <Redirect path/> })
}
