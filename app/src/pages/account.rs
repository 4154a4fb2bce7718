use super::form::{take_flash, title_of, CheckedForm, ErrorSummary, Field, FormProblems, SubmitButton, PASSWORD_HINT};
use crate::{
    api::{ChangePassword, LogoutEverywhere},
    domain::{check_password_change, Problems},
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
    let password_problems = FormProblems::new(take_flash::<ChangePassword>().as_ref());
    let sessions_problems = FormProblems::new(take_flash::<LogoutEverywhere>().as_ref());
    view! {
        <Title text=title_of("Account", move || password_problems.any() || sessions_problems.any())/>
        <ErrorSummary problems=password_problems/>
        <ErrorSummary problems=sessions_problems/>
        <h1>"Account"</h1>
        <p>"Logged in since " {since} "."</p>
        <ChangePasswordForm problems=password_problems/>
        <LogoutEverywhereForm problems=sessions_problems/>
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
fn ChangePasswordForm(problems: FormProblems) -> impl IntoView {
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
    view! {
        <section aria-labelledby="change-password">
            <h2 id="change-password">"Change password"</h2>
            <CheckedForm
                action
                problems
                node_ref=form
                check=|input: &ChangePassword| check_password_change(&input.current_password, &input.new_password)
            >
                <Field name="current_password" label="Current password" kind="password"
                    autocomplete="current-password" problems/>
                <Field name="new_password" label="New password" kind="password" autocomplete="new-password"
                    hint=PASSWORD_HINT problems/>
                <p role="status">
                    {move || done.get().then_some("Password changed. Every other session has been logged out.")}
                </p>
                <SubmitButton label="Change password" pending=action.pending()/>
            </CheckedForm>
        </section>
    }
}

#[component]
fn LogoutEverywhereForm(problems: FormProblems) -> impl IntoView {
    let action = ServerAction::<LogoutEverywhere>::new();
    let done = track_account_change(move || action.value().get(), "logout-everywhere", || {});
    view! {
        <section aria-labelledby="sessions">
            <h2 id="sessions">"Sessions"</h2>
            <p>"Logs out every other browser and device where you are logged in. This one stays logged in."</p>
            <CheckedForm action problems check=nothing_to_check>
                <p role="status">{move || done.get().then_some("Every other session has been logged out.")}</p>
                <SubmitButton label="Log out everywhere" pending=action.pending()/>
            </CheckedForm>
        </section>
    }
}

/// The form has no fields: nothing can be wrong with it before it is sent.
fn nothing_to_check(_: &LogoutEverywhere) -> Result<(), Problems> {
    Ok(())
}
