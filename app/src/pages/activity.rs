//! The account page's "Recent activity": the account's newest events in
//! words, newest first, each with when, how, and the browser and address
//! it came from.

use super::time::LocalTime;
use crate::{api::account_activity, model::ActivityEntry, user_session::use_user_session};
use leptos::{either::Either, prelude::*};

#[component]
pub fn ActivitySection() -> impl IntoView {
    let session = use_user_session();
    let activity = Resource::new(|| (), |_| account_activity());
    view! {
        <section aria-labelledby="recent-activity">
            <h2 id="recent-activity">"Recent activity"</h2>
            <Transition fallback=|| view! { <p>"Loading activity…"</p> }>
                {move || Suspend::new(async move {
                    match activity.await {
                        Ok(entries) => Either::Left(view! {
                            <ol class="activity">
                                {entries.into_iter().map(|entry| view! { <ActivityItem entry/> }).collect_view()}
                            </ol>
                        }),
                        Err(err) => {
                            session.note_error(&err);
                            Either::Right(view! { <p role="alert">{err.to_string()}</p> })
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ActivityItem(entry: ActivityEntry) -> impl IntoView {
    let what = match how(&entry.method) {
        Some(how) => format!("{} {how}", what(&entry.event)),
        None => what(&entry.event).to_owned(),
    };
    let browser = entry.browser;
    view! {
        <li>
            <p><strong>{what}</strong></p>
            <p class="hint"><LocalTime at=entry.at/> ", from " {entry.address} ", " {browser}</p>
        </li>
    }
}

/// An event, as its owner reads it.
fn what(event: &str) -> &'static str {
    match event {
        "registered" => "Account created",
        "logged_in" => "Logged in",
        "login_failed" => "Failed login",
        "disabled_account_refused" => "Login refused: the account is disabled",
        "logged_out" => "Logged out",
        "logged_out_everywhere" => "Logged out every other session",
        "session_ended" => "A session was ended",
        "sessions_ended" => "Every session was ended by an administrator",
        "reauthenticated" => "Confirmed it was you",
        "reauthentication_failed" => "Failed to confirm it was you",
        "password_changed" => "Password changed",
        "password_change_failed" => "Failed password change",
        "password_set" => "Password set",
        "password_reset" => "Password reset with a mailed link",
        "passkey_added" => "Passkey added",
        "passkey_removed" => "Passkey removed",
        "identity_linked" => "Sign-in provider linked",
        "identity_link_failed" => "Failed to link a sign-in provider",
        "identity_unlinked" => "Sign-in provider unlinked",
        "account_taken_over" => "Account taken back by the owner of its email address",
        "second_step_passed" => "Two-step verification passed",
        "second_step_failed" => "Wrong two-step verification code",
        "two_factor_enabled" => "Two-step verification turned on",
        "two_factor_disabled" => "Two-step verification turned off",
        "recovery_codes_renewed" => "New recovery codes made",
        "account_disabled" => "Account disabled by an administrator",
        "email_changed" => "Email address changed",
        "email_change_undone" => "Email address change undone: every session ended",
        "account_enabled" => "Account enabled by an administrator",
        _ => "Account changed",
    }
}

/// How it was done, as its owner reads it; `None` when it does not say.
pub fn how(method: &str) -> Option<String> {
    let how = match method {
        "" => return None,
        "password" => "with a password".to_owned(),
        "passkey" => "with a passkey".to_owned(),
        "totp" => "with a code from the authenticator app".to_owned(),
        "recovery_code" => "with a recovery code".to_owned(),
        other => match other.strip_prefix("oidc:") {
            Some(provider) => format!("with {provider}"),
            None => return None,
        },
    };
    Some(how)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every event that names its user, but those never listed (refusals
    /// past a limit, mail asked for, device cookies, the deletion that takes
    /// the list with it) and those that name none (a bad link).
    #[cfg(feature = "ssr")]
    #[test]
    fn every_event_a_user_can_see_has_words_of_its_own() {
        use strum::VariantNames;
        let never_listed = |name: &str| {
            name.ends_with("_limited")
                || name.ends_with("_requested")
                || name.starts_with("registration_")
                || name.starts_with("password_reset_")
                || name.starts_with("email_verif")
                || name.starts_with("passkey_registration_")
                || name == "cross_site_request_refused"
                || name == "account_deleted"
                || name == "email_change_failed"
                || name == "email_change_undo_failed"
        };
        for event in crate::backend::audit::AuditEvent::VARIANTS {
            if !never_listed(event) {
                assert_ne!(what(event), "Account changed", "{event}");
            }
        }
        assert_eq!(how("oidc:test").as_deref(), Some("with test"));
        assert_eq!(how(""), None);
    }
}
