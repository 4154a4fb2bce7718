//! Pages reached from mailed links, and the one that sends a reset link:
//! `/forgot-password`, `/reset-password`, `/verify-email`, and an email
//! change's `/confirm-email` and `/undo-email-change`.

use super::{
    done_without_javascript,
    form::{
        nothing_to_check, refresh_session_on_success, take_flash, title_of, CheckedForm, ErrorSummary, Field,
        FormProblems, SubmitButton, PASSWORD_HINT,
    },
    query_value, LoginLink,
};
use crate::{
    api::{ConfirmEmail, ForgotPassword, ResetPassword, SendVerificationEmail, UndoEmailChange, VerifyEmail},
    domain::{Email, Password, Problems},
    error::AppError,
    model::SignInOutcome,
    user_session::use_user_session,
};
use leptos::{
    prelude::*,
    server_fn::{codec::PostUrl, Http, ServerFn},
    task::spawn_local,
};
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use serde::de::DeserializeOwned;

/// `/forgot-password`: mails a reset link to the address typed, if it is an account's.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let flash = take_flash::<ForgotPassword>();
    let problems = FormProblems::new(flash.as_ref());
    let email = flash.as_ref().map(|flash| flash.value("email")).unwrap_or_default();
    let sent_before = query_value("sent").is_some();
    let sent = move || sent_before || matches!(action.value().get(), Some(Ok(_)));
    view! {
        <Title text=title_of("Forgot password", move || problems.any())/>
        <ErrorSummary problems/>
        <h1>"Forgot your password?"</h1>
        <p>"Type the email address of your account: we will send it a link to set a new password."</p>
        <CheckedForm
            action
            problems
            check=|input: &ForgotPassword| Email::check(&input.email).map(|_| ()).map_err(Problems::from)
        >
            <Field name="email" label="Email" kind="email" autocomplete="username" value=email problems/>
            <p role="status">
                {move || sent().then_some(
                    "If an account uses that address, a link to reset its password is on its way. \
                     It works for an hour.",
                )}
            </p>
            <SubmitButton label="Send reset link" pending=action.pending()/>
        </CheckedForm>
        <p><LoginLink>"Back to login"</LoginLink></p>
    }
}

/// `/reset-password?token=...`: sets a new password, and logs in.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let problems = FormProblems::new(take_flash::<ResetPassword>().as_ref());
    let token = query_value("token").unwrap_or_default();
    let session = use_user_session();
    let navigate = use_navigate();
    Effect::watch(
        move || action.version().get(),
        move |_, _, _| {
            match action.value().get_untracked() {
                Some(Ok(SignInOutcome::SignedIn(_))) => {
                    let navigate = navigate.clone();
                    // The account page is guarded: it must see the new session.
                    spawn_local(async move {
                        session.fetch().await;
                        navigate("/account?done=password", Default::default());
                    });
                }
                // The new password was the first step: a code must follow.
                Some(Ok(SignInOutcome::SecondStepDue { .. })) => {
                    navigate("/two-factor?redirect=%2Faccount%3Fdone%3Dpassword", Default::default())
                }
                _ => {}
            }
        },
        false,
    );
    view! {
        <Title text=title_of("Set a new password", move || problems.any())/>
        <ErrorSummary problems/>
        <h1>"Set a new password"</h1>
        <p>"Every other browser and device logged in to your account will be logged out."</p>
        <CheckedForm
            action
            problems
            check=|input: &ResetPassword| Password::parse(&input.password).map_err(Problems::from)
        >
            <input type="hidden" name="token" value=token/>
            <Field name="password" label="New password" kind="password" autocomplete="new-password"
                hint=PASSWORD_HINT problems/>
            <SubmitButton label="Set new password" pending=action.pending()/>
        </CheckedForm>
        <p><a href="/forgot-password">"Ask for a new link"</a></p>
    }
}

/// `/verify-email?token=...`: confirms the address.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    view! {
        <MailedLinkPage action={ServerAction::<VerifyEmail>::new()} title="Verify email" heading="Verify your email address" button="Verify email">
            <p role="status">"Your email address is verified."</p>
            <p><a href="/account">"Go to your account"</a></p>
        </MailedLinkPage>
    }
}

/// `/confirm-email?token=...`: makes the new address the account's.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    view! {
        <MailedLinkPage action={ServerAction::<ConfirmEmail>::new()} title="Confirm new email" heading="Confirm your new email address" button="Confirm new email">
            <p role="status">"Your new email address is confirmed: log in with it from now on."</p>
            <p><a href="/account">"Go to your account"</a></p>
        </MailedLinkPage>
    }
}

/// `/undo-email-change?token=...`: puts the old address back, with every
/// way in the other party may have set up gone.
#[component]
pub fn UndoEmailChangePage() -> impl IntoView {
    view! {
        <MailedLinkPage action={ServerAction::<UndoEmailChange>::new()} title="Undo email change" heading="Undo the change of your email address" button="Undo the change">
            <p role="status">"Your email address is back, and every session of your account has ended."</p>
            <p>
                "Whoever changed it may have set up ways to sign in: the password, passkeys, sign-in providers "
                "and two-step verification of the account are gone. We sent a link to set a new password to "
                "your address."
            </p>
        </MailedLinkPage>
    }
}

/// A page a mailed link opens: its token goes back with a button, never on
/// merely opening the link (which mail scanners do); `children` once done.
#[component]
fn MailedLinkPage<S, OutputProtocol>(
    action: ServerAction<S>,
    title: &'static str,
    heading: &'static str,
    button: &'static str,
    children: ChildrenFn,
) -> impl IntoView
where
    S: ServerFn<Protocol = Http<PostUrl, OutputProtocol>, Error = AppError>
        + DeserializeOwned
        + Clone
        + Send
        + Sync
        + 'static,
    S::Output: Clone + Send + Sync + 'static,
    OutputProtocol: 'static,
{
    let problems = FormProblems::new(take_flash::<S>().as_ref());
    let token = query_value("token").unwrap_or_default();
    let done_before = query_value("done").is_some();
    refresh_session_on_success(action);
    let done = move || done_before || matches!(action.value().get(), Some(Ok(_)));
    view! {
        <Title text=title_of(title, move || problems.any())/>
        <ErrorSummary problems/>
        <h1>{heading}</h1>
        <Show
            when=done
            fallback=move || {
                let token = token.clone();
                view! {
                    <CheckedForm action problems check={nothing_to_check::<S>}>
                        <input type="hidden" name="token" value=token/>
                        <SubmitButton label=button pending=action.pending()/>
                    </CheckedForm>
                }
            }
        >
            {children()}
        </Show>
    }
}

/// A "Send again" button for a new verification link, with its outcome.
#[component]
pub fn SendVerificationForm() -> impl IntoView {
    let action = ServerAction::<SendVerificationEmail>::new();
    let problems = FormProblems::new(take_flash::<SendVerificationEmail>().as_ref());
    let sent_before = done_without_javascript("verification-sent");
    let sent = move || sent_before || matches!(action.value().get(), Some(Ok(_)));
    view! {
        <ErrorSummary problems/>
        <CheckedForm action problems check={nothing_to_check::<SendVerificationEmail>}>
            <p role="status">{move || sent().then_some("A new link is on its way. It works for 24 hours.")}</p>
            <SubmitButton label="Send again" pending=action.pending()/>
        </CheckedForm>
    }
}

/// What a guarded page shows instead of itself when the site requires a
/// verified email and the user's is not.
#[component]
pub fn VerifyEmailFirst() -> impl IntoView {
    view! {
        <Title text="Verify your email address"/>
        <h1>"Verify your email address"</h1>
        <p>
            "This site lets you in once you have followed the link we sent to your email address. "
            "Did it not arrive? Look in your spam folder, or have it sent again."
        </p>
        <SendVerificationForm/>
    }
}
