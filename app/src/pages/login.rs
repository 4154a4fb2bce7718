use super::form::{
    refresh_session_on_success, take_flash, take_flash_of, title_of, CheckedForm, ErrorSummary, Field, FormProblems,
    SubmitButton,
};
use super::{passkeys::PasskeySignIn, providers::ContinueWithProvider};
use crate::{api::Login, domain::check_login_form, model::IDENTITY_FLASH};
use leptos::prelude::*;
use leptos_meta::Title;

/// The script `/login` runs instead of the app's wasm.
pub const SCRIPT: &str = include_str!("login.js");

/// `/login`, optionally `?redirect=/path` to land on after logging in.
///
/// The server's page alone: its forms work as plain HTML posts, and what
/// needs a script (passkeys) is in [`SCRIPT`], a few KB. Most visits start
/// here, and the 300 KB of the app's wasm would buy nothing on this page
/// (`docs/performance.md`, "`/login` runs no wasm"). In the running app, going to
/// `/login` loads it from the server.
#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    refresh_session_on_success(action);
    // A sign-in at a provider that failed comes back here to say why.
    let flash = take_flash::<Login>().or_else(|| take_flash_of(IDENTITY_FLASH));
    let problems = FormProblems::new(flash.as_ref());
    let email = flash.as_ref().map(|flash| flash.value("email")).unwrap_or_default();
    let redirect = super::query_value("redirect").unwrap_or_default();

    view! {
        <Title text=title_of("Login", move || problems.any())/>
        <ErrorSummary problems/>
        <h1>"Login"</h1>
        <CheckedForm action problems check=|input: &Login| check_login_form(&input.email, &input.password)>
            <input type="hidden" name="redirect" value=redirect/>
            <Field name="email" label="Email" kind="email" autocomplete="username webauthn" value=email
                problems/>
            <Field name="password" label="Password" kind="password" autocomplete="current-password" problems/>
            <SubmitButton label="Login" pending=action.pending()/>
        </CheckedForm>
        <PasskeySignIn/>
        <ContinueWithProvider/>
        <p><a href="/forgot-password">"Forgot your password?"</a></p>
        <p>"No account yet? " <a href="/register">"Register"</a></p>
    }
}
