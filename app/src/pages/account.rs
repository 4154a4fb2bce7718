use super::form::{Field, FormError, SubmitButton, PASSWORD_HINT};
use crate::{
    api::{ChangePassword, LogoutEverywhere},
    domain::Password,
    error::AppError,
    session::use_user_session,
};
use leptos::{html, prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/account`: change the password, or log out every other browser and device.
#[component]
pub fn AccountPage() -> impl IntoView {
    let session = use_user_session();
    let since = move || {
        session
            .session
            .get()
            .map(|s| super::time::time_in_words(&s.logged_in_at))
    };
    view! {
        <Title text="Account"/>
        <h1>"Account"</h1>
        <p>"Logged in since " {since} "."</p>
        <ChangePasswordForm/>
        <LogoutEverywhereForm/>
    }
}

/// Wires an account action's outcome. On success the session is re-read (the
/// new cookie carries a new login time) and `after_success` runs; a refusal for
/// lack of a session reaches the guards. Returns whether to show the
/// confirmation: after success here, or after a plain-HTML post redirected to
/// this page with `?done=<done>`.
fn track_account_change(
    outcome: impl Fn() -> Option<Result<(), AppError>> + Clone + Send + Sync + 'static,
    done: &'static str,
    after_success: impl Fn() + 'static,
) -> Signal<bool> {
    let session = use_user_session();
    let watched = outcome.clone();
    Effect::new(move |_| match watched() {
        Some(Ok(())) => {
            spawn_local(session.fetch());
            after_success();
        }
        Some(Err(err)) => session.note_error(&err),
        None => {}
    });
    let after_plain_post = use_query_map().read_untracked().get("done").as_deref() == Some(done);
    Signal::derive(move || match outcome() {
        Some(result) => result.is_ok(),
        None => after_plain_post,
    })
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let form = NodeRef::<html::Form>::new();
    let done = track_account_change(
        move || action.value().get(),
        "password",
        move || {
            if let Some(form) = form.get() {
                form.reset();
            }
        },
    );
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <section aria-labelledby="change-password">
            <h2 id="change-password">"Change password"</h2>
            <ActionForm action=action node_ref=form>
                <Field name="current_password" label="Current password" kind="password"
                    autocomplete="current-password" error/>
                <Field name="new_password" label="New password" kind="password" autocomplete="new-password"
                    minlength=Password::MIN_CHARS hint=PASSWORD_HINT error/>
                <FormError error/>
                <p role="status">
                    {move || done.get().then_some("Password changed. Every other session has been logged out.")}
                </p>
                <SubmitButton label="Change password" pending=action.pending()/>
            </ActionForm>
        </section>
    }
}

#[component]
fn LogoutEverywhereForm() -> impl IntoView {
    let action = ServerAction::<LogoutEverywhere>::new();
    let done = track_account_change(move || action.value().get(), "logout-everywhere", || {});
    view! {
        <section aria-labelledby="sessions">
            <h2 id="sessions">"Sessions"</h2>
            <p>"Logs out every other browser and device where you are logged in. This one stays logged in."</p>
            <ActionForm action=action>
                <p role="status">{move || done.get().then_some("Every other session has been logged out.")}</p>
                <SubmitButton label="Log out everywhere" pending=action.pending()/>
            </ActionForm>
        </section>
    }
}
