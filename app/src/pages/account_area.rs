//! The pages few visits need: the account and what hangs off it, the second
//! step of a sign-in, and the pages a mailed link or a lost password leads to.
//! They come in one wasm chunk of their own (a lazy route; cargo leptos
//! `--split`), so the first load of the pages most visits see (home,
//! registration, the users) brings less code: docs/performance.md, "The
//! account area". One chunk for all of them, not one per page: each chunk is
//! a round trip, and the pages share most of their code.
//!
//! A link to one of them fetches the chunk as soon as the visitor shows the
//! intent to follow it (a pointer over it, a touch, the keyboard's focus), so
//! that a click seldom waits for code ([`prefetch_on_intent`]).

use super::{
    account::AccountPage,
    confirm::{EndSessionPage, LogOutEverywherePage, RemovePasskeyPage},
    delete_account::DeleteAccountPage,
    guards::{GuestOnly, RequireUser},
    not_found::NotFound,
    reauthenticate::ReauthenticatePage,
    recovery::{ConfirmEmailPage, ForgotPasswordPage, ResetPasswordPage, UndoEmailChangePage, VerifyEmailPage},
    two_factor::TwoFactorPage,
};
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// A page of the area, by its path. The routes in `App` name the same paths;
/// a unit test holds the two lists together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaPage {
    Account,
    DeleteAccount,
    EndSession,
    RemovePasskey,
    LogOutEverywhere,
    Reauthenticate,
    TwoFactor,
    ForgotPassword,
    ResetPassword,
    VerifyEmail,
    ConfirmEmail,
    UndoEmailChange,
}

impl AreaPage {
    pub const PATHS: [(&'static str, AreaPage); 12] = [
        ("/account", AreaPage::Account),
        ("/account/delete", AreaPage::DeleteAccount),
        ("/account/end-session", AreaPage::EndSession),
        ("/account/remove-passkey", AreaPage::RemovePasskey),
        ("/account/log-out-everywhere", AreaPage::LogOutEverywhere),
        ("/reauthenticate", AreaPage::Reauthenticate),
        ("/two-factor", AreaPage::TwoFactor),
        ("/forgot-password", AreaPage::ForgotPassword),
        ("/reset-password", AreaPage::ResetPassword),
        ("/verify-email", AreaPage::VerifyEmail),
        ("/confirm-email", AreaPage::ConfirmEmail),
        ("/undo-email-change", AreaPage::UndoEmailChange),
    ];

    /// The page at `path` (a trailing slash is the same page), if it is one
    /// of the area's.
    pub fn at(path: &str) -> Option<Self> {
        let path = match path.trim_end_matches('/') {
            "" => "/",
            trimmed => trimmed,
        };
        Self::PATHS.iter().find(|(at, _)| *at == path).map(|(_, page)| *page)
    }
}

/// The lazy route every page of the area is: its view, compiled into the
/// chunk, shows the page the location names.
pub struct AccountArea;

#[lazy_route]
impl LazyRoute for AccountArea {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        let path = leptos_router::hooks::use_location().pathname.get_untracked();
        match AreaPage::at(&path) {
            Some(AreaPage::Account) => view! { <RequireUser><AccountPage/></RequireUser> }.into_any(),
            Some(AreaPage::DeleteAccount) => view! { <RequireUser><DeleteAccountPage/></RequireUser> }.into_any(),
            Some(AreaPage::EndSession) => view! { <RequireUser><EndSessionPage/></RequireUser> }.into_any(),
            Some(AreaPage::RemovePasskey) => view! { <RequireUser><RemovePasskeyPage/></RequireUser> }.into_any(),
            Some(AreaPage::LogOutEverywhere) => view! { <RequireUser><LogOutEverywherePage/></RequireUser> }.into_any(),
            Some(AreaPage::Reauthenticate) => view! { <RequireUser><ReauthenticatePage/></RequireUser> }.into_any(),
            Some(AreaPage::TwoFactor) => view! { <GuestOnly><TwoFactorPage/></GuestOnly> }.into_any(),
            Some(AreaPage::ForgotPassword) => view! { <ForgotPasswordPage/> }.into_any(),
            Some(AreaPage::ResetPassword) => view! { <ResetPasswordPage/> }.into_any(),
            Some(AreaPage::VerifyEmail) => view! { <VerifyEmailPage/> }.into_any(),
            Some(AreaPage::ConfirmEmail) => view! { <ConfirmEmailPage/> }.into_any(),
            Some(AreaPage::UndoEmailChange) => view! { <UndoEmailChangePage/> }.into_any(),
            None => view! { <NotFound/> }.into_any(),
        }
    }
}

/// Fetches the area's chunk, once, when a link to one of its pages shows the
/// visitor's intent to follow it: a pointer comes over it (a touch does too,
/// before the tap) or it takes the keyboard's focus. Not when the connection
/// asks to save data (`navigator.connection.saveData`), and not for links
/// merely in view: every logged-in page shows the Account link, and fetching
/// on sight would bring the chunk to every visit, as if it were not split.
#[cfg(feature = "hydrate")]
pub fn prefetch_on_intent() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use wasm_bindgen::JsCast;
    static FETCHED: AtomicBool = AtomicBool::new(false);

    let on_intent = |event: web_sys::Event| {
        if FETCHED.load(Ordering::Relaxed) || saves_data() {
            return;
        }
        let link = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.closest("a[href]").ok().flatten())
            .and_then(|link| link.dyn_into::<web_sys::HtmlAnchorElement>().ok());
        let Some(link) = link else { return };
        let same_site = link.origin() == window().location().origin().unwrap_or_default();
        if same_site && AreaPage::at(&link.pathname()).is_some() && !FETCHED.swap(true, Ordering::Relaxed) {
            leptos::task::spawn_local(AccountArea::preload());
        }
    };
    // Window listeners for the document's life: the app never unmounts.
    std::mem::forget(window_event_listener(leptos::ev::pointerover, move |event| {
        on_intent(event.into())
    }));
    std::mem::forget(window_event_listener(leptos::ev::focusin, move |event| {
        on_intent(event.into())
    }));
}

/// Whether the browser says the connection should save data.
#[cfg(feature = "hydrate")]
fn saves_data() -> bool {
    let connection = js_sys::Reflect::get(&window().navigator(), &"connection".into()).ok();
    connection
        .filter(|connection| connection.is_object())
        .and_then(|connection| js_sys::Reflect::get(&connection, &"saveData".into()).ok())
        .and_then(|save_data| save_data.as_bool())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::AreaPage;

    #[test]
    fn each_path_of_the_area_is_its_page_with_or_without_a_trailing_slash() {
        for (path, page) in AreaPage::PATHS {
            assert_eq!(AreaPage::at(path), Some(page));
            assert_eq!(AreaPage::at(&format!("{path}/")), Some(page));
        }
    }

    #[test]
    fn the_pages_most_visits_see_are_not_in_the_area() {
        for path in [
            "/",
            "/register",
            "/login",
            "/users",
            "/users/1",
            "/account/other",
            "/accounts",
            "",
        ] {
            assert_eq!(AreaPage::at(path), None, "{path}");
        }
    }

    #[test]
    fn the_apps_routes_name_every_page_of_the_area() {
        let routes = include_str!("../lib.rs");
        for (path, _) in AreaPage::PATHS {
            let route = format!("<Route path=path!(\"{path}\") view={{Lazy::<AccountArea>::new()}}");
            assert!(routes.contains(&route), "no lazy route for {path} in lib.rs");
        }
    }
}
