//! Pages reached from mailed links, and the one that sends a reset link:
//! `/forgot-password`, `/reset-password`, `/verify-email`, and an email
//! change's `/confirm-email` and `/undo-email-change`.

use super::{
    confirm::OpenPage,
    done_without_javascript,
    form::{
        nothing_to_check, on_success, refresh_session_on_success, take_flash, title_of, CheckedForm, ErrorSummary,
        Field, FormProblems, SubmitButton, PASSWORD_HINT,
    },
    notice::{announcer, Notice},
    query_value, LoginLink,
};
use crate::{
    api::{
        check_mailed_link, ConfirmEmail, ForgotPassword, ResetPassword, SendVerificationEmail, UndoEmailChange,
        VerifyEmail,
    },
    domain::{Email, Password, Problems},
    error::AppError,
    model::{Done, SignInOutcome},
    user_session::use_user_session,
};
use leptos::{
    either::Either,
    prelude::*,
    server_fn::{codec::PostUrl, Http, ServerFn},
    task::spawn_local,
};
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use serde::de::DeserializeOwned;

/// `/forgot-password`: mails a reset link to the address typed, if it is an
/// account's; then "Check your email" (GOV.UK's confirmation of a sent
/// link): where it went, for how long it works, what to do if nothing comes.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let flash = take_flash::<ForgotPassword>();
    let problems = FormProblems::new(flash.as_ref());
    let email = flash.as_ref().map(|flash| flash.value("email")).unwrap_or_default();
    // The address the last request was for, kept past its answer to be shown.
    let asked_for = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(input) = action.input().get() {
            asked_for.set(Some(input.email));
        }
    });
    let sent_before = query_value("sent").is_some();
    let sent = move || sent_before || matches!(action.value().get(), Some(Ok(_)));
    view! {
        <Show
            when=sent
            fallback=move || {
                let email = email.clone();
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
                        <SubmitButton label="Send reset link" pending=action.pending()/>
                    </CheckedForm>
                    <p><LoginLink>"Back to login"</LoginLink></p>
                }
            }
        >
            <Title text="Check your email"/>
            <h1>"Check your email"</h1>
            <p>
                {move || match asked_for.get() {
                    Some(address) => Either::Left(view! {
                        "If an account uses " <strong class="email">{address}</strong>
                        ", we have sent it a link to set a new password."
                    }),
                    None => Either::Right(view! { "If an account uses the address you typed, we have sent it a link to set a new password." }),
                }}
            </p>
            <p>"The link works once, for an hour."</p>
            <h2>"If the email does not arrive"</h2>
            <ul>
                <li>"It can take a few minutes. Look in your spam or junk folder too."</li>
                <li>"Make sure it is the address you registered with: " <a href="/forgot-password" rel="external">"try another address"</a>"."</li>
            </ul>
            <p><LoginLink>"Back to login"</LoginLink></p>
        </Show>
    }
}

/// `/reset-password?token=...`: sets a new password, and logs in.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let problems = FormProblems::new(take_flash::<ResetPassword>().as_ref());
    let token = StoredValue::new(query_value("token").unwrap_or_default());
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
        <LiveLink renew=|| view! { <SendNewResetLink/> }>
            <Title text=title_of("Set a new password", move || problems.any())/>
            <ErrorSummary problems/>
            <h1>"Set a new password"</h1>
            <p>"Every other browser and device logged in to your account will be logged out."</p>
            <CheckedForm
                action
                problems
                check=|input: &ResetPassword| Password::parse(&input.password).map_err(Problems::from)
            >
                <input type="hidden" name="token" value=token.get_value()/>
                <Field name="password" label="New password" kind="password" autocomplete="new-password"
                    hint=PASSWORD_HINT problems/>
                <SubmitButton label="Set new password" pending=action.pending()/>
            </CheckedForm>
            <p><a href="/forgot-password">"Ask for a new link"</a></p>
        </LiveLink>
    }
}

/// `/verify-email?token=...`: confirms the address.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let session = use_user_session();
    let renew = move || {
        if session.logged_in.get_untracked() {
            view! { <p>"Have a new link sent to your address:"</p><SendVerificationForm/> }.into_any()
        } else {
            view! {
                <p>
                    <LoginLink>"Log in"</LoginLink>
                    " and your account page sends a new link, or "
                    <a href="/forgot-password">"reset your password"</a>
                    ", which verifies the address too."
                </p>
            }
            .into_any()
        }
    };
    view! {
        <MailedLinkPage action={ServerAction::<VerifyEmail>::new()} title="Verify email" heading="Verify your email address" button="Verify email" renew>
            <p role="status">"Your email address is verified."</p>
            <p><a href="/account">"Go to your account"</a></p>
        </MailedLinkPage>
    }
}

/// `/confirm-email?token=...`: makes the new address the account's.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    view! {
        <MailedLinkPage
            action={ServerAction::<ConfirmEmail>::new()}
            title="Confirm new email"
            heading="Confirm your new email address"
            button="Confirm new email"
            renew=|| view! {
                <p>"Change your address again from " <a href="/account#email-address">"your account"</a> ": a new link goes to it."</p>
            }
        >
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
        <MailedLinkPage
            action={ServerAction::<UndoEmailChange>::new()}
            title="Undo email change"
            heading="Undo the change of your email address"
            button="Undo the change"
            renew=|| view! {
                <p>
                    "If someone else changed your address, "
                    <a href="/forgot-password">"reset the password"</a>
                    " from the new address, or write to the site's operators."
                </p>
            }
        >
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
    /// The way to a new link, when this one no longer works.
    #[prop(into)]
    renew: ViewFn,
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
    let token = StoredValue::new(query_value("token").unwrap_or_default());
    let children = StoredValue::new(children);
    let done_before = query_value("done").is_some();
    refresh_session_on_success(action);
    let done = move || done_before || matches!(action.value().get(), Some(Ok(_)));
    view! {
        <LiveLink renew>
            <Title text=title_of(title, move || problems.any())/>
            <ErrorSummary problems/>
            <h1>{heading}</h1>
            <Show
                when=done
                fallback=move || {
                    view! {
                        <CheckedForm action problems check={nothing_to_check::<S>}>
                            <input type="hidden" name="token" value=token.get_value()/>
                            <SubmitButton label=button pending=action.pending()/>
                        </CheckedForm>
                    }
                }
            >
                {children.with_value(|children| children())}
            </Show>
        </LiveLink>
    }
}

/// A mailed link's page: `children` while the link works; once it does not
/// (used, expired, cut short on its way), says so, with `renew`: the way to
/// a new one. Asked when the page opens, leaving the link unspent, so that
/// nobody fills in a form only to learn the link was dead. The page after
/// the link did its work (`?done=`) is shown as it is.
#[component]
fn LiveLink(#[prop(into)] renew: ViewFn, children: ChildrenFn) -> impl IntoView {
    let page = leptos_router::hooks::use_location().pathname.get_untracked();
    let token = query_value("token").unwrap_or_default();
    let done = query_value("done").is_some();
    let check = Resource::new(
        || (),
        move |_| {
            let (page, token) = (page.clone(), token.clone());
            async move {
                match done {
                    true => Ok(Done {}),
                    false => check_mailed_link(page, token).await,
                }
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Checking the link…"</p> }>
            {move || {
                let (children, renew) = (children.clone(), renew.clone());
                Suspend::new(async move {
                    match check.await {
                        Err(AppError::InvalidLink) => Either::Right(view! {
                            <Title text="This link no longer works"/>
                            <h1>"This link no longer works"</h1>
                            <p>
                                "A link we email works once, and for a while only: an hour to set a new password, "
                                "a day to verify an address. It may also have been cut short on its way."
                            </p>
                            {renew.run()}
                        }),
                        // Any other answer leaves it to the form to find out.
                        _ => Either::Left(children()),
                    }
                })
            }}
        </Suspense>
    }
}

/// The way to a new reset link.
#[component]
fn SendNewResetLink() -> impl IntoView {
    view! {
        <OpenPage page="/forgot-password">
            <button type="submit">"Send a new link"</button>
        </OpenPage>
    }
}

/// A "Send again" button for a new verification link. On the account page
/// its problems are the page's (`problems`, listed in the page's summary)
/// and its outcome is the page's banner; elsewhere it shows both itself.
#[component]
pub fn SendVerificationForm(#[prop(optional)] problems: Option<FormProblems>) -> impl IntoView {
    let action = ServerAction::<SendVerificationEmail>::new();
    let own_page = problems.is_none();
    let problems = problems.unwrap_or_else(|| FormProblems::new(take_flash::<SendVerificationEmail>().as_ref()));
    let announce = announcer();
    on_success(action, move |_| announce(Notice::VerificationSent));
    let sent_before = own_page && done_without_javascript("verification-sent");
    let sent = move || own_page && (sent_before || matches!(action.value().get(), Some(Ok(_))));
    view! {
        {own_page.then(|| view! { <ErrorSummary problems/> })}
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
