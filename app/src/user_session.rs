//! The session as the components see it: `use_user_session()` and `<AuthState>`.
//!
//! The first value comes from the server render (serialised into the page), so
//! the browser's first render matches the server's. After that the browser keeps
//! it current: after login and logout, when another tab of the same browser
//! changes it, and whenever the tab regains focus.

use crate::{
    api::{end_session, get_session},
    error::AppError,
    model::{SessionInfo, SessionUser, SessionView},
};
use leptos::{prelude::*, server::SharedValue};

/// Reactive view of the user's session, shared by every component.
#[derive(Clone, Copy)]
pub struct UserSession {
    /// `false` until the session is known.
    pub ready: Signal<bool>,
    pub logged_in: Signal<bool>,
    pub user: Signal<Option<SessionUser>>,
    pub session: Signal<Option<SessionInfo>>,
    /// `None` until known, then the session or its absence.
    known: Signal<Option<Option<SessionInfo>>>,
    /// Set by the browser once it has learnt something newer than the server render.
    latest: RwSignal<Option<Option<SessionInfo>>>,
    /// The user logged out in this tab (rather than the session ending by itself).
    logged_out_here: RwSignal<bool>,
}

impl UserSession {
    fn new() -> Self {
        // Known synchronously on the server (the middleware opened the cookie)
        // and written into the page, so the first render needs no async work
        // and the browser's hydration reads the same value.
        let rendered = SharedValue::new(rendered_session).into_inner().map(|view| view.session);
        let latest = RwSignal::new(None);
        let known = Signal::derive(move || latest.get().or_else(|| rendered.clone()));
        Self {
            ready: Signal::derive(move || known.get().is_some()),
            logged_in: Signal::derive(move || matches!(known.get(), Some(Some(_)))),
            user: Signal::derive(move || known.get().flatten().map(|s| s.user)),
            session: Signal::derive(move || known.get().flatten()),
            known,
            latest,
            logged_out_here: RwSignal::new(false),
        }
    }

    /// `Some(logged in?)` once known, for guards that must wait.
    pub fn state(&self) -> Option<bool> {
        self.known.get().map(|session| session.is_some())
    }

    /// Asks the server for the current session.
    pub async fn fetch(self) {
        match get_session().await {
            Ok(view) => self.update(view.session),
            Err(AppError::Unauthorized) => self.update(None),
            Err(_) => {}
        }
    }

    /// Logs out (`DELETE /api/_auth/session`), forgets the session here and
    /// loads the login page.
    pub async fn clear(self) {
        let _ = end_session().await;
        self.logged_out_here();
    }

    /// Records a logout made in this tab, and loads `/login` saying so: no offer to
    /// come back to the page the user chose to leave. The guards leave that
    /// navigation alone, so the browser starts one load, not two.
    pub fn logged_out_here(&self) {
        self.ended_here(crate::api::LOGGED_OUT_PAGE);
    }

    /// Records that the session ended in this tab (a logout, the account
    /// deleted) and loads `page` from the server.
    pub fn ended_here(&self, page: &str) {
        self.logged_out_here.set(true);
        self.update(None);
        #[cfg(not(feature = "ssr"))]
        crate::pages::load_page(page);
        #[cfg(feature = "ssr")]
        let _ = page;
    }

    pub fn did_log_out_here(&self) -> bool {
        self.logged_out_here.get_untracked()
    }

    /// The server refused a request for lack of a session (expired, revoked or
    /// logged out elsewhere): the guards take the user to the login page. For
    /// lack of a recent proof of identity: the browser goes to
    /// `/reauthenticate`, which brings it back here once the user confirms.
    pub fn note_error(&self, err: &AppError) {
        match err {
            AppError::Unauthorized => self.update(None),
            #[cfg(feature = "hydrate")]
            AppError::ReauthenticationRequired => crate::pages::reauthenticate::go_confirm(),
            _ => {}
        }
    }

    /// Records a newly learnt session, telling the other tabs when it changed.
    pub(crate) fn update(&self, session: Option<SessionInfo>) {
        if session.is_some() {
            self.logged_out_here.set(false);
        }
        if self.known.get_untracked() != Some(session.clone()) {
            self.latest.set(Some(session));
            #[cfg(feature = "hydrate")]
            tabs::announce_change();
        }
    }
}

/// The session as the server render knows it; `None` (not known) only if the
/// browser renders without a value from the server. A [`SessionView`], never a
/// bare `Option`, goes into the page: `Some(None)` and `None` would both be
/// written as `null`, and a logged-out page would hydrate as "not known".
fn rendered_session() -> Option<SessionView> {
    #[cfg(feature = "ssr")]
    let known = Some(SessionView {
        session: crate::backend::session::session_info(),
    });
    #[cfg(not(feature = "ssr"))]
    let known = None;
    known
}

/// Creates the session context; called once, by the root component.
pub fn provide_user_session() -> UserSession {
    let session = UserSession::new();
    provide_context(session);
    #[cfg(feature = "hydrate")]
    {
        tabs::keep_in_sync(session);
        if !session.ready.get_untracked() {
            leptos::task::spawn_local(session.fetch());
        }
    }
    session
}

/// The session context created by [`provide_user_session`].
pub fn use_user_session() -> UserSession {
    expect_context::<UserSession>()
}

/// Renders `logged_in` or `logged_out` by session state, and `placeholder` (empty
/// by default) until the state is known.
#[component]
pub fn AuthState(
    #[prop(into)] logged_in: ViewFn,
    #[prop(into)] logged_out: ViewFn,
    #[prop(optional, into)] placeholder: ViewFn,
) -> impl IntoView {
    let session = use_user_session();
    let state = Memo::new(move |_| session.state());
    move || match state.get() {
        Some(true) => logged_in.run(),
        Some(false) => logged_out.run(),
        None => placeholder.run(),
    }
}

/// Keeps the tabs of one browser in agreement: a change in one makes the
/// others ask the server, and so does a tab regaining focus.
#[cfg(feature = "hydrate")]
mod tabs {
    use super::UserSession;
    use leptos::{ev, prelude::*, task::spawn_local};
    use wasm_bindgen::{closure::Closure, JsCast};

    const CHANNEL: &str = "user-session";

    pub fn announce_change() {
        if let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL) {
            let _ = channel.post_message(&"changed".into());
            channel.close();
        }
    }

    pub fn keep_in_sync(session: UserSession) {
        if let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL) {
            let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |_| {
                spawn_local(session.fetch());
            });
            channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            // Both live as long as the page does.
            on_message.forget();
            std::mem::forget(channel);
        }
        let focus = window_event_listener(ev::focus, move |_| spawn_local(session.fetch()));
        // The listener also lives as long as the page.
        std::mem::forget(focus);
    }
}
