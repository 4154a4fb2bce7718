//! `/reauthenticate?redirect=<path>`: the logged-in user confirms who they
//! are (password, passkey, or a linked identity provider) before a change to
//! how the account signs in, then goes back to the page that asked. Any
//! refusal for lack of a recent proof brings the browser here: a form
//! posted without JavaScript by a redirect from the server, a request made
//! by the app through [`go_confirm`].

use super::{
    form::{take_flash, take_flash_of, title_of, CheckedForm, ErrorSummary, Field, FormProblems, SubmitButton},
    passkeys::ConfirmWithPasskey,
    providers::is_configured,
    query_value,
};
use crate::{
    api::{list_passkeys, Reauthenticate},
    domain::{check_reauthentication_form, reauthentication_target},
    model::{IdentitySummary, IDENTITY_FLASH},
    user_session::use_user_session,
};
use leptos::{either::Either, prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

/// Loads `/reauthenticate` in place of the page being shown, to come back
/// to it once the user has confirmed who they are.
#[cfg(feature = "hydrate")]
pub fn go_confirm() {
    const REAUTHENTICATE_PATH: &str = "/reauthenticate";
    let location = window().location();
    let path = location.pathname().unwrap_or_default();
    if path == REAUTHENTICATE_PATH {
        return;
    }
    let here = format!("{path}{}", location.search().unwrap_or_default());
    let _ = location.assign(&format!(
        "{REAUTHENTICATE_PATH}?redirect={}",
        utf8_percent_encode(&here, NON_ALPHANUMERIC)
    ));
}

#[component]
pub fn ReauthenticatePage() -> impl IntoView {
    let action = ServerAction::<Reauthenticate>::new();
    // A provider that could not confirm comes back here to say why.
    let problems = FormProblems::new(
        take_flash::<Reauthenticate>()
            .or_else(|| take_flash_of(IDENTITY_FLASH))
            .as_ref(),
    );
    let redirect = query_value("redirect").unwrap_or_default();
    let target = reauthentication_target(&redirect);
    let session = use_user_session();
    let navigate = use_navigate();
    let confirmed = Callback::new({
        let target = target.clone();
        move |()| {
            let (navigate, target) = (navigate.clone(), target.clone());
            // The page that asked must see the new session.
            spawn_local(async move {
                session.fetch().await;
                navigate(&target, Default::default());
            });
        }
    });
    Effect::watch(
        move || action.version().get(),
        move |_, _, _| {
            if action.value().with_untracked(|outcome| matches!(outcome, Some(Ok(_)))) {
                confirmed.run(());
            }
        },
        false,
    );
    let methods = Resource::new(|| (), |_| list_passkeys());
    let back = target.clone();
    view! {
        <Title text=title_of("Confirm it's you", move || problems.any())/>
        <ErrorSummary problems/>
        <h1>"Confirm it's you"</h1>
        <p>"You are about to change how your account is signed in to. Confirm it is you first."</p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let target = target.clone();
                Suspend::new(async move {
                    match methods.await {
                        Ok(methods) => Either::Left(view! {
                            {methods.has_password.then(|| {
                                let target = target.clone();
                                view! {
                                <CheckedForm
                                    action
                                    problems
                                    check=|input: &Reauthenticate| check_reauthentication_form(&input.password)
                                >
                                    <input type="hidden" name="redirect" value=target/>
                                    <Field name="password" label="Password" kind="password"
                                        autocomplete="current-password" problems/>
                                    <SubmitButton label="Confirm" pending=action.pending()/>
                                </CheckedForm>
                            }
                            })}
                            {(!methods.passkeys.is_empty()).then(|| view! { <ConfirmWithPasskey confirmed/> })}
                            {providers_of(methods.identities, &target)}
                        }),
                        Err(err) => {
                            use_user_session().note_error(&err);
                            Either::Right(view! { <p role="alert">{err.to_string()}</p> })
                        }
                    }
                })
            }}
        </Transition>
        <p><a href=back>"Cancel"</a></p>
    }
}

/// `Continue with <LABEL>` for each of the user's identities at a provider
/// configured now, each coming back to `target`; nothing without one.
fn providers_of(identities: Vec<IdentitySummary>, target: &str) -> Option<impl IntoView> {
    let links: Vec<_> = identities
        .into_iter()
        .filter(|identity| is_configured(&identity.provider))
        .map(|identity| {
            let href = format!(
                "/auth/{}?reauthenticate=1&redirect={}",
                identity.provider,
                utf8_percent_encode(target, NON_ALPHANUMERIC)
            );
            view! {
                <li>
                    <a class="provider-link" rel="external" href=href>"Continue with " {identity.label}</a>
                </li>
            }
        })
        .collect();
    (!links.is_empty()).then(|| view! { <ul class="providers">{links}</ul> })
}
