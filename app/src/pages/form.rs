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
            .map(|err| view! { <p id="form-error" class="error" role="alert">{err.to_string()}</p> })
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
