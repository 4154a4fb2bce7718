//! Pieces shared by the login and registration forms.

use crate::{error::AppError, model::UserSummary, session::use_user_session};
use leptos::{html, prelude::*, server_fn::ServerFn, task::spawn_local};

/// The password rules in plain words (the domain's are 8 characters and 72
/// bytes; an accented letter or an emoji takes more than one byte).
pub const PASSWORD_HINT: &str = "Use 8 to 72 characters (fewer if you use accents or emoji).";

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
    /// Guidance shown between the label and the input, and read with it.
    #[prop(optional)]
    hint: Option<&'static str>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let invalid = move || error.get().is_some_and(|err| blames(&err, name));
    let hint_id = format!("{name}-hint");
    let described_by = {
        let hint_id = hint_id.clone();
        move || {
            let ids: Vec<&str> = hint
                .map(|_| hint_id.as_str())
                .into_iter()
                .chain(invalid().then_some("form-error"))
                .collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=name>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
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
                aria-describedby=described_by
            />
        </div>
    }
}

/// A form's submit button. While the form is being sent it stays focusable
/// and announced as unavailable (`aria-disabled`; `disabled` would drop focus
/// to the page), and a second press sends nothing.
#[component]
pub fn SubmitButton(label: &'static str, #[prop(into)] pending: Signal<bool>) -> impl IntoView {
    view! {
        <button
            type="submit"
            aria-disabled=move || pending.get().then_some("true")
            on:click=move |ev| {
                if pending.get_untracked() {
                    ev.prevent_default();
                }
            }
        >
            {label}
        </button>
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

/// Wires a login or registration form's outcome: on failure the error is
/// returned for display, and the password cleared only if the error is about
/// it (a taken email or a bad name keeps it, so a password the browser made up
/// is not lost); on success the session is re-read, after which the page's
/// guard moves the user on.
pub fn track_auth_submission<S>(action: ServerAction<S>, password: NodeRef<html::Input>) -> Signal<Option<AppError>>
where
    S: ServerFn<Output = UserSummary, Error = AppError> + Clone + Send + Sync + 'static,
{
    let session = use_user_session();
    Effect::new(move |_| match action.value().get() {
        Some(Ok(_)) => spawn_local(session.fetch()),
        Some(Err(err)) if blames(&err, "password") => {
            if let Some(input) = password.get() {
                input.set_value("");
            }
        }
        _ => {}
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
