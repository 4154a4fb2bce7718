//! Pieces shared by the login and registration forms.

use crate::{error::AppError, model::UserSummary, session::use_user_session};
use leptos::{html, prelude::*, server_fn::ServerFn, task::spawn_local};

/// A labelled input whose `id` and `name` are both `name`. When the last
/// submission failed because of it, it is marked invalid and described by the
/// error message.
#[component]
pub fn Field(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    autocomplete: &'static str,
    /// The value to start with (typed before a failed plain-HTML submission).
    #[prop(optional)]
    value: String,
    #[prop(optional)] node_ref: NodeRef<html::Input>,
    /// Browser-side length limits, mirroring the domain rules.
    #[prop(optional)]
    minlength: Option<usize>,
    #[prop(optional)] maxlength: Option<usize>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let invalid = move || error.get().is_some_and(|err| blames(&err, name));
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input
                id=name
                name=name
                type=kind
                autocomplete=autocomplete
                value=value
                required
                minlength=minlength
                maxlength=maxlength
                node_ref=node_ref
                aria-invalid=move || invalid().then_some("true")
                aria-describedby=move || invalid().then_some("form-error")
            />
        </div>
    }
}

/// Whether `err` is about the input named `field`.
fn blames(err: &AppError, field: &str) -> bool {
    match err {
        AppError::InvalidCredentials => field == "email" || field == "password",
        AppError::EmailTaken => field == "email",
        other => other.field() == Some(field),
    }
}

/// The last submission's error, announced to screen readers as it appears.
#[component]
pub fn FormError(error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error
            .get()
            .map(|err| view! { <p id="form-error" class="error" role="alert">{message(&err)}</p> })
    }
}

/// What a person reads for `err`: the API's message, except that a refusal
/// past the limits says how long to wait, in whole minutes.
fn message(err: &AppError) -> String {
    match err.retry_after() {
        Some(seconds) => {
            let minutes = seconds.div_ceil(60).max(1);
            let unit = if minutes == 1 { "minute" } else { "minutes" };
            format!("Too many attempts. Try again in {minutes} {unit}.")
        }
        None => err.to_string(),
    }
}

/// Wires a login or registration form's outcome: on failure the password is
/// cleared and the error returned for display; on success the session is
/// re-read, after which the page's guard moves the user on.
pub fn track_auth_submission<S>(action: ServerAction<S>, password: NodeRef<html::Input>) -> Signal<Option<AppError>>
where
    S: ServerFn<Output = UserSummary, Error = AppError> + Clone + Send + Sync + 'static,
{
    let session = use_user_session();
    Effect::new(move |_| match action.value().get() {
        Some(Ok(_)) => spawn_local(session.fetch()),
        Some(Err(_)) => {
            if let Some(input) = password.get() {
                input.set_value("");
            }
        }
        None => {}
    });
    Signal::derive(move || action.value().get().and_then(Result::err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_past_the_limits_says_how_long_to_wait() {
        let wait = |retry_after| message(&AppError::TooManyRequests { retry_after });
        assert_eq!(wait(Some(900)), "Too many attempts. Try again in 15 minutes.");
        assert_eq!(wait(Some(61)), "Too many attempts. Try again in 2 minutes.");
        assert_eq!(wait(Some(1)), "Too many attempts. Try again in 1 minute.");
        assert_eq!(wait(None), "Too many attempts, try again later");
        assert_eq!(message(&AppError::InvalidCredentials), "Invalid email or password");
    }
}
