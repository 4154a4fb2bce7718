//! `/account/delete`: the confirmation before an account is deleted, saying
//! plainly what goes and what is kept. It works without JavaScript too.

use super::{
    confirm::OpenPage,
    form::{nothing_to_check, on_success, take_flash, title_of, CheckedForm, ErrorSummary, FormProblems, SubmitButton},
};
use crate::{
    api::{DeleteAccount, ACCOUNT_DELETED_PAGE},
    user_session::use_user_session,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DeleteAccountPage() -> impl IntoView {
    let action = ServerAction::<DeleteAccount>::new();
    let problems = FormProblems::new(take_flash::<DeleteAccount>().as_ref());
    let session = use_user_session();
    on_success(action, move |_| session.ended_here(ACCOUNT_DELETED_PAGE));
    view! {
        <Title text=title_of("Delete your account", move || problems.any())/>
        <ErrorSummary problems/>
        <h1>"Delete your account"</h1>
        <p><strong>"This cannot be undone."</strong></p>
        <p>"Deleted at once:"</p>
        <ul>
            <li>"your name, email address and password"</li>
            <li>"your passkeys, linked sign-in providers and two-step verification"</li>
            <li>"every session: you are logged out on every device"</li>
            <li>"links we mailed you that are not used yet"</li>
        </ul>
        <p>
            "The security log keeps that an account was deleted, by its number, without your address. "
            "We mail your address a notice, and it can be used to register again."
        </p>
        <CheckedForm action problems check={nothing_to_check::<DeleteAccount>}>
            <SubmitButton label="Delete account" class="warning" pending=action.pending()/>
        </CheckedForm>
        <p><a href="/account">"Keep my account"</a></p>
    }
}

/// The account page's way to the confirmation: a button, as people look
/// for one, that works without JavaScript.
#[component]
pub fn DeleteAccountSection() -> impl IntoView {
    view! {
        <section aria-labelledby="delete-account">
            <h2 id="delete-account">"Delete account"</h2>
            <p>"Delete your account and everything of it. You are asked to confirm first."</p>
            <OpenPage page="/account/delete">
                <button type="submit" class="warning">"Delete account"</button>
            </OpenPage>
        </section>
    }
}

/// The home page's word after an account was deleted here.
#[component]
pub fn AccountDeletedBanner() -> impl IntoView {
    super::done_without_javascript("account-deleted").then(|| {
        view! {
            <div class="notification" role="status">
                <p>"Your account was deleted. You are logged out on every device."</p>
            </div>
        }
    })
}
