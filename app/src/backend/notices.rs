//! Security notices: mail telling a user that their account changed, so that
//! a change they did not make does not go unnoticed. Sent after the change is
//! committed: a notice that cannot be queued is logged, never an error of the
//! change. No notice holds a password or a token.

use super::{log_safe::Untrusted, mail::Mail, AppState};
use crate::domain::UserId;
use crate::{pages::time::time_in_words, SITE_NAME};
use std::net::IpAddr;
use time::format_description::well_known::Rfc3339;

/// What happened to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice<'a> {
    PasswordChanged,
    LoggedOutEverywhere,
    PasskeyAdded,
    /// An account at an identity provider can now sign in to this one.
    IdentityLinked,
    TwoFactorEnabled,
    TwoFactorDisabled,
    /// A recovery code was spent on a sign-in.
    RecoveryCodeUsed,
    /// Wrong codes at the second step, past the limit: someone has the password.
    SecondStepGuessed,
    /// Sent to the address of an account that no longer exists.
    AccountDeleted,
    /// A sign-in from a browser that had not signed in to the account
    /// before: `how` as [`SignedIn::method`](super::accounts::SignedIn)
    /// writes it, `browser` its user agent.
    NewSignIn {
        how: &'a str,
        browser: &'a str,
    },
    /// A link was mailed to `to` that makes it the account's address.
    EmailChangeAsked {
        to: &'a str,
    },
}

impl Notice<'_> {
    /// The message to `to`, about a change made at `when` from `client`;
    /// `account_page` is where its owner can act on it.
    fn mail(self, to: &str, when: &str, client: IpAddr, account_page: &str) -> Mail {
        let written;
        let (subject, what, advice) = match self {
            Notice::PasswordChanged => (
                format!("Your {SITE_NAME} password was changed"),
                "The password of your account was changed",
                "If it was not you, someone else knows your password: every other session of your account \
                 ended when it changed. Ask the site's administrators to get your account back.",
            ),
            Notice::LoggedOutEverywhere => (
                format!("Your {SITE_NAME} account was logged out everywhere"),
                "Every session of your account was ended, except the browser that asked",
                "If it was not you, someone else is logged in to your account: change your password at once.",
            ),
            Notice::PasskeyAdded => (
                format!("A passkey was added to your {SITE_NAME} account"),
                "A new passkey was added to your account",
                "If it was not you, someone else is logged in to your account and can now sign in with \
                 that passkey: remove it on your account page and log out everywhere at once.",
            ),
            Notice::IdentityLinked => (
                format!("A sign-in provider was linked to your {SITE_NAME} account"),
                "An account at an identity provider was linked to your account",
                "If it was not you, someone else can now sign in to your account: unlink the provider on \
                 your account page and log out everywhere at once.",
            ),
            Notice::TwoFactorEnabled => (
                format!("Two-step verification was turned on for your {SITE_NAME} account"),
                "Two-step verification was turned on for your account",
                "If it was not you, someone else is logged in to your account and holds its codes: ask the \
                 site's administrators to get your account back.",
            ),
            Notice::TwoFactorDisabled => (
                format!("Two-step verification was turned off for your {SITE_NAME} account"),
                "Two-step verification was turned off for your account",
                "If it was not you, someone else is logged in to your account: change your password, turn \
                 two-step verification back on and log out everywhere at once.",
            ),
            Notice::RecoveryCodeUsed => (
                format!("A recovery code was used to sign in to your {SITE_NAME} account"),
                "A recovery code was used to sign in to your account",
                "If it was not you, someone has your password and your recovery codes: change your password \
                 and make new recovery codes on your account page at once.",
            ),
            Notice::SecondStepGuessed => (
                format!("Someone is trying to sign in to your {SITE_NAME} account"),
                "Wrong two-step verification codes were given, after the right password of your account,",
                "If it was not you, someone knows your password: change it at once. Without a code they \
                 cannot sign in.",
            ),
            Notice::NewSignIn { how, browser } => {
                let how = crate::pages::activity::how(how).unwrap_or_default();
                let browser = match browser {
                    "" => "an unknown browser".to_owned(),
                    known => Untrusted(known).to_string(),
                };
                written = format!("Your account was signed in to {how} from a browser that had not signed in to it before ({browser}),");
                (
                    format!("New sign-in to your {SITE_NAME} account"),
                    written.as_str(),
                    "If it was not you, someone else can sign in to your account: end that session on your account \
                     page at once, and change your password.",
                )
            }
            Notice::EmailChangeAsked { to } => {
                written = format!(
                    "A change of your account's email address to {} was asked for",
                    Untrusted(to)
                );
                (
                    format!("A change of your {SITE_NAME} email address was asked for"),
                    written.as_str(),
                    "Nothing changes unless the link mailed to the new address is followed. If it was not you, \
                     someone is signed in to your account: change your password and log out everywhere at once.",
                )
            }
            Notice::AccountDeleted => (
                format!("Your {SITE_NAME} account was deleted"),
                "Your account was deleted, with its passkeys, linked providers and sessions,",
                "If it was not you, someone else was signed in to your account. The address is free: you \
                 can register with it again, and tell the site's administrators.",
            ),
        };
        let happened = format!("{what} on {when}, from the network address {client}.");
        let fine = "If it was you, there is nothing to do.";
        let page = format!("Your account page: {account_page}");
        Mail {
            to: to.to_owned(),
            text: format!("{happened}\n\n{fine}\n\n{advice}\n\n{page}\n"),
            html: format!(
                "<p>{}</p><p>{fine}</p><p>{advice}</p><p><a href=\"{}\">Your account page</a></p>",
                html_escape::encode_text(&happened),
                html_escape::encode_double_quoted_attribute(account_page),
            ),
            subject,
        }
    }
}

/// Queues `notice` to the user's address.
pub async fn notify(state: &AppState, user_id: UserId, notice: Notice<'_>, client: IpAddr) {
    if !state.mailer.delivers() {
        return;
    }
    match state.db.email_of(user_id).await {
        Ok(Some(email)) => notify_address(state, &email, notice, client).await,
        Ok(None) => {}
        Err(err) => tracing::warn!(%user_id, ?notice, error = %err, "security notice not sent"),
    }
}

/// Queues `notice` to `email`: for an account that is gone by now.
pub async fn notify_address(state: &AppState, email: &str, notice: Notice<'_>, client: IpAddr) {
    let when = state
        .clock
        .now()
        .format(&Rfc3339)
        .map(|now| time_in_words(&now))
        .unwrap_or_default();
    let account_page = format!("{}/account", state.public_origin);
    if let Err(err) = state
        .mailer
        .send(notice.mail(email, &when, client, &account_page))
        .await
    {
        tracing::warn!(?notice, error = %err, "security notice not queued");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://sessions.example/account";

    #[test]
    fn a_new_sign_in_says_how_and_from_which_browser_escaped() {
        let client: IpAddr = "203.0.113.9".parse().unwrap();
        let notice = Notice::NewSignIn {
            how: "oidc:test",
            browser: "<b>Evil</b>\nBrowser",
        };
        let mail = notice.mail("ada@example.com", "now", client, PAGE);
        assert_eq!(
            mail.subject,
            concat!("New sign-in to your ", crate::site_name!(), " account")
        );
        assert!(mail
            .text
            .contains("signed in to with test from a browser that had not signed in to it before"));
        assert!(
            mail.text
                .contains("Your account page: https://sessions.example/account"),
            "{}",
            mail.text
        );
        assert!(!mail.html.contains("<b>Evil"), "{}", mail.html);
        assert!(!mail.text.contains("\nBrowser"), "one line: {}", mail.text);
    }

    #[test]
    fn a_notice_says_what_when_and_from_where() {
        let client: IpAddr = "203.0.113.9".parse().unwrap();
        let mail = Notice::PasswordChanged.mail("ada@example.com", "28 November 2026, 15:49 UTC", client, PAGE);
        assert_eq!(mail.to, "ada@example.com");
        assert_eq!(
            mail.subject,
            concat!("Your ", crate::site_name!(), " password was changed")
        );
        assert!(mail
            .text
            .contains("on 28 November 2026, 15:49 UTC, from the network address 203.0.113.9."));
        assert!(mail.html.starts_with("<p>The password of your account was changed"));
        let everywhere = Notice::LoggedOutEverywhere.mail("ada@example.com", "now", client, PAGE);
        assert_eq!(
            everywhere.subject,
            concat!("Your ", crate::site_name!(), " account was logged out everywhere")
        );
    }
}
