use super::form::{take_flash, take_flash_of, title_of, ErrorSummary, Field, FormProblems};
use super::passkeys::{PasskeySignIn, BROWSER_REFUSALS, OTHER_BROWSER_REFUSAL, UNSUPPORTED};
use super::providers::ContinueWithProvider;
use crate::{
    api::{self, Login, PasskeySignInOptions},
    error::AppError,
    model::IDENTITY_FLASH,
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use std::collections::BTreeMap;

/// The script `/login` runs instead of the app's wasm.
pub const SCRIPT: &str = include_str!("login.js");

/// `/login`, optionally `?redirect=/path` to land on after logging in.
///
/// The server's page alone: its forms are plain HTML posts, whose failures
/// come back as this page with the problems (a flash, see
/// `backend::http::forms`), with or without JavaScript. What needs a script
/// (passkeys, and a single post of the login) is in [`SCRIPT`], a few KB.
/// Most visits start here, and the 300 KB of the app's wasm would buy nothing
/// on this page (`docs/performance.md`, "`/login` runs no wasm"). In the
/// running app, going to `/login` loads it from the server.
///
/// Everything the script is told comes from here, as data attributes of the
/// page's outer element, never from words or paths written a second time in
/// the script: the endpoints it calls (each `data-…-path`, a server
/// function's own path) and what it says, the wasm's words for the same
/// refusal.
#[component]
pub fn LoginPage() -> impl IntoView {
    // A sign-in at a provider that failed comes back here to say why.
    let flash = take_flash::<Login>().or_else(|| take_flash_of(IDENTITY_FLASH));
    let problems = FormProblems::new(flash.as_ref());
    let email = flash.as_ref().map(|flash| flash.value("email")).unwrap_or_default();
    let redirect = super::query_value("redirect").unwrap_or_default();
    let features = super::features::features();
    // Autofill offers passkeys among the addresses only when there are any.
    let email_autocomplete = if features.passkeys {
        "username webauthn"
    } else {
        "username"
    };

    view! {
        <Title text=title_of("Login", move || problems.any())/>
        <div
            class="login-page"
            data-login-path=Login::PATH
            data-options-path=PasskeySignInOptions::PATH
            data-sign-in-path=api::PasskeySignIn::PATH
            data-browser-refusals=browser_refusals_json()
            data-other-refusal=OTHER_BROWSER_REFUSAL
            data-unsupported=UNSUPPORTED
            data-unavailable=AppError::Unavailable.to_string()
        >
            <ErrorSummary problems/>
            {(super::done_without_javascript("logged-out") && !problems.any()).then(|| view! {
                <div class="notification-banner success" role="status">
                    <p class="notification-banner-heading">"You have logged out."</p>
                </div>
            })}
            <h1>"Login"</h1>
            <form action=Login::PATH method="post" novalidate>
                <input type="hidden" name="redirect" value=redirect/>
                <Field name="email" label="Email" kind="email" autocomplete=email_autocomplete value=email
                    problems/>
                <Field name="password" label="Password" kind="password" autocomplete="current-password" problems/>
                <button type="submit">"Login"</button>
            </form>
            {features.passkeys.then(|| view! { <PasskeySignIn/> })}
            <ContinueWithProvider/>
            <p><a href="/forgot-password">"Forgot your password?"</a></p>
            {features.registration.then(|| view! { <p>"No account yet? " <a href="/register">"Register"</a></p> })}
        </div>
    }
}

/// `BROWSER_REFUSALS` as `login.js` reads it: a JSON object of each
/// `DOMException`'s name and its words (`null`: nothing to say).
fn browser_refusals_json() -> String {
    let refusals: BTreeMap<&str, Option<&str>> = BROWSER_REFUSALS.into_iter().collect();
    serde_json::to_string(&refusals).unwrap_or_default()
}
