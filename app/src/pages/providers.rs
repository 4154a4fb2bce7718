//! Identity providers on the pages: `Continue with <label>` on `/login` and
//! `/register`, and the account page's linked providers. Starting a sign-in
//! is a full navigation to the server (`/auth/<id>`), which sends the
//! browser on to the provider: the links are `rel="external"`, so the
//! router does not take them as pages of the app.
//!
//! The configured providers are fixed at start-up (`features`).

use super::{
    features::features,
    form::{nothing_to_check, CheckedForm, FormProblems, SubmitButton},
    notice::{announcer, Notice},
    time::LocalTime,
};
use crate::{
    api::UnlinkIdentity,
    model::{IdentityProviderLink, IdentitySummary},
    user_session::use_user_session,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

fn providers() -> Vec<IdentityProviderLink> {
    features().identity_providers
}

/// Whether the provider `id` is configured: an identity at one that is not
/// can sign nobody in.
pub fn is_configured(id: &str) -> bool {
    providers().iter().any(|provider| provider.id == id)
}

/// One `Continue with <label>` link per configured provider, keeping the
/// page's `?redirect=` for the return; nothing when none is configured.
#[component]
pub fn ContinueWithProvider() -> impl IntoView {
    let query = use_query_map()
        .read_untracked()
        .get("redirect")
        .map(|redirect| {
            let encoded = percent_encoding::utf8_percent_encode(&redirect, percent_encoding::NON_ALPHANUMERIC);
            format!("?redirect={encoded}")
        })
        .unwrap_or_default();
    let providers = providers();
    (!providers.is_empty()).then(|| {
        view! {
            <section aria-labelledby="providers" class="providers">
                <h2 id="providers">"Or use an account elsewhere"</h2>
                <ul>
                    {providers
                        .into_iter()
                        .map(|provider| {
                            view! {
                                <li>
                                    <a class="provider-link" rel="external" href=format!("/auth/{}{query}", provider.id)>
                                        "Continue with " {provider.label}
                                    </a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </section>
        }
    })
}

/// The account page's providers: those linked, each with `Unlink`, and a
/// `Link <label>` button per configured provider; nothing on a site without
/// providers for a user without identities.
#[component]
pub fn IdentitiesSection(
    identities: Vec<IdentitySummary>,
    unlink: ServerAction<UnlinkIdentity>,
    problems: FormProblems,
) -> impl IntoView {
    let announce = announcer();
    let session = use_user_session();
    Effect::watch(
        move || unlink.version().get(),
        move |_, _, _| match unlink.value().get_untracked() {
            Some(Ok(_)) => announce(Notice::ProviderUnlinked),
            Some(Err(err)) => session.note_error(&err),
            None => {}
        },
        false,
    );
    let providers = providers();
    (!(providers.is_empty() && identities.is_empty())).then(|| {
        view! {
            <section aria-labelledby="identities" class="summary-card">
                <h2 id="identities" class="summary-card-title">"Sign-in providers"</h2>
                <IdentityList identities unlink problems/>
                {providers
                    .into_iter()
                    .map(|provider| {
                        view! {
                            <form method="post" action=format!("/auth/{}/link", provider.id)>
                                <button type="submit">"Link " {provider.label}</button>
                            </form>
                        }
                    })
                    .collect_view()}
            </section>
        }
    })
}

#[component]
fn IdentityList(
    identities: Vec<IdentitySummary>,
    unlink: ServerAction<UnlinkIdentity>,
    problems: FormProblems,
) -> impl IntoView {
    if identities.is_empty() {
        return view! { <p>"No linked providers."</p> }.into_any();
    }
    view! {
        <ul class="identities">
            {identities
                .into_iter()
                .enumerate()
                .map(|(index, identity)| view! { <IdentityItem index identity unlink problems/> })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn IdentityItem(
    index: usize,
    identity: IdentitySummary,
    unlink: ServerAction<UnlinkIdentity>,
    problems: FormProblems,
) -> impl IntoView {
    let unlinks = format!(" {}, {}", identity.label, identity.email);
    let described = format!("identity-{index}");
    let last_used = match identity.last_used_at {
        Some(at) => leptos::either::Either::Left(view! { "last used " <LocalTime at/> }),
        None => leptos::either::Either::Right("never used to sign in"),
    };
    view! {
        <li class="identity-item">
            <p class="identity-name" id=described.clone()>{identity.label} ": " {identity.email}</p>
            <p class="identity-details">"Linked " <LocalTime at=identity.created_at/> ", " {last_used} "."</p>
            <CheckedForm action=unlink problems check={nothing_to_check::<UnlinkIdentity>}>
                <input type="hidden" name="provider" value=identity.provider/>
                <input type="hidden" name="subject" value=identity.subject/>
                <SubmitButton label="Unlink" hidden_context=unlinks pending=unlink.pending() {..} aria-describedby=described/>
            </CheckedForm>
        </li>
    }
}
