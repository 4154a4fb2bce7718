//! One module per page, plus the parts they share.

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

/// Loads `target` from the server (the login page, or home after an account
/// is deleted) in place of the page being left: Back then skips a page the
/// user can no longer see.
#[cfg(not(feature = "ssr"))]
pub fn load_page(target: &str) {
    let _ = leptos::prelude::window().location().replace(target);
}

/// A link to the login page. `rel="external"` keeps the router out of it, so
/// the browser loads the page at once (see [`LOGIN_PATH`]). Given the path
/// of the page shown (`here`, as the navigation does), it is marked the
/// current page's link (`aria-current`) on the login page.
#[leptos::component]
pub fn LoginLink(
    #[prop(optional)] here: Option<leptos::prelude::Memo<String>>,
    children: leptos::children::Children,
) -> impl leptos::IntoView {
    use leptos::prelude::*;
    let current = move || here.is_some_and(|here| here.get() == LOGIN_PATH).then_some("page");
    view! { <a href=LOGIN_PATH rel="external" aria-current=current>{children()}</a> }
}

/// Whether a form posted without JavaScript landed here with `?done=<what>`.
pub fn done_without_javascript(what: &str) -> bool {
    query_value("done").as_deref() == Some(what)
}

pub mod account;
pub mod account_area;
pub mod activity;
pub mod confirm;
pub mod delete_account;
pub mod features;
pub mod form;
pub mod guards;
pub mod home;
#[cfg(feature = "ssr")]
pub mod login;
pub mod nav;
pub mod not_found;
pub mod notice;
pub mod passkeys;
pub mod providers;
pub mod reauthenticate;
pub mod recovery;
pub mod register;
pub mod time;
pub mod two_factor;
pub mod users;
