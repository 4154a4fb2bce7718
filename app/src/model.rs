//! Data that crosses the wire between the server and the browser.

use crate::{domain::UserId, error::AppError};
use serde::{Deserialize, Serialize};

/// A user as listed: what any logged-in user may see of another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserSummary {
    #[cfg_attr(feature = "ssr", schema(value_type = i64))]
    pub id: UserId,
    pub name: String,
}

/// What a right password (a login, a finished reset) answers: the user, now
/// signed in, or `{"two_factor": true}` when a code must follow
/// (`POST /api/auth/two-factor`) before there is a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum SignInOutcome {
    SignedIn(UserSummary),
    SecondStepDue { two_factor: bool },
}

/// The secret of two-step verification being set up: in base32 to type,
/// and as the `otpauth://` URI an authenticator reads from a QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TwoFactorSetup {
    pub secret: String,
    pub uri: String,
    /// The URI as a QR code: an SVG image, drawn by the server.
    pub qr_svg: String,
}

/// Recovery codes, shown once: each signs in once without the authenticator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// The answer of an action with nothing more to say: `{}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Done {}

/// One user's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserProfile {
    #[cfg_attr(feature = "ssr", schema(value_type = i64))]
    pub id: UserId,
    pub name: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// The logged-in user, as the session tells the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionUser {
    #[cfg_attr(feature = "ssr", schema(value_type = i64))]
    pub id: UserId,
    pub name: String,
    pub email_verified: bool,
    /// Whether two-step verification is on.
    pub two_factor: bool,
}

/// One event of the account's activity, as `GET /api/account/activity`
/// lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActivityEntry {
    /// RFC 3339, UTC.
    pub at: String,
    /// What happened, as the audit event's name: `registered`, `logged_in`,
    /// `login_failed`, `logged_out`, `password_changed`, `passkey_added`,
    /// `two_factor_enabled`, `second_step_failed`, `session_ended`, ...
    pub event: String,
    /// How: `password`, `passkey`, `oidc:<provider>`, `totp`,
    /// `recovery_code`; `""` when it does not say.
    pub method: String,
    pub address: String,
    pub user_agent: String,
    /// The browser and system in words ("Chrome on Windows"), from `user_agent`.
    pub browser: String,
}

/// The public part of a session: everything the browser may know about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub user: SessionUser,
    /// RFC 3339, UTC.
    pub logged_in_at: String,
}

/// `GET /api/_auth/session`: the session's fields when logged in, `{}` otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionView {
    #[serde(flatten, default)]
    pub session: Option<SessionInfo>,
}

/// One of the user's sessions, as the account page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActiveSession {
    pub id: String,
    /// The session of the request that asked.
    pub current: bool,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC; to the minute.
    pub last_seen_at: String,
    pub user_agent: String,
    /// The browser and system in words ("Chrome on Windows"), from `user_agent`.
    pub browser: String,
    pub address: String,
}

/// The first step of a passkey ceremony: the options the browser hands to
/// `navigator.credentials`, and the id that names the ceremony when the
/// browser's answer comes back.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasskeyChallenge {
    pub ceremony: String,
    /// `{"publicKey": {...}}` in the JSON form of WebAuthn Level 3 (binary
    /// fields as base64url), for `PublicKeyCredential.parse…OptionsFromJSON`.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub options: Box<serde_json::value::RawValue>,
}

/// One of the user's passkeys, as the account page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasskeySummary {
    /// The credential id, base64url.
    pub id: String,
    pub name: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC; `None` until it is first used to sign in.
    pub last_used_at: Option<String>,
}

/// One of the user's accounts at identity providers, as the account page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IdentitySummary {
    /// The provider's configured id.
    pub provider: String,
    pub label: String,
    /// The provider's subject for the user: with `provider`, what unlinking names.
    pub subject: String,
    /// The address the provider gave when the identity was linked.
    pub email: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC; `None` until it is first used to sign in.
    pub last_used_at: Option<String>,
}

/// What the site offers, fixed at start-up by its configuration: passkeys
/// (`PASSKEYS`), registration (`REGISTRATION`) and the identity providers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Features {
    pub passkeys: bool,
    pub registration: bool,
    pub identity_providers: Vec<IdentityProviderLink>,
}

/// A configured identity provider: a `Continue with <label>` link to `/auth/<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IdentityProviderLink {
    pub id: String,
    pub label: String,
}

/// How the user can sign in: a password or not, their passkeys, and their
/// identities at providers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SignInMethods {
    /// The address the account signs in with.
    pub email: String,
    pub has_password: bool,
    /// Whether two-step verification is on.
    pub two_factor: bool,
    /// A set-up waiting for its code, while the session's proof is fresh.
    pub two_factor_setup: Option<TwoFactorSetup>,
    pub passkeys: Vec<PasskeySummary>,
    pub identities: Vec<IdentitySummary>,
}

/// The `form` of the flash a sign-in at an identity provider leaves when it
/// fails: the pages it returns to (`/login`, `/account`) show it.
pub const IDENTITY_FLASH: &str = "/auth";

/// What a form posted without JavaScript leaves for its page when it fails (in
/// a short-lived sealed cookie, read once): the error to show and what was
/// typed, never a password. Nothing of it goes into the URL, so it stays out
/// of history, bookmarks and server logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFlash {
    /// The path of the server function the form posts to: which form of the
    /// page it is for.
    pub form: String,
    pub values: Vec<(String, String)>,
    pub error: AppError,
}

impl FormFlash {
    /// What was typed into `field`, or nothing.
    pub fn value(&self, field: &str) -> String {
        self.values
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_session_is_an_empty_object() {
        assert_eq!(serde_json::to_string(&SessionView::default()).unwrap(), "{}");
        let parsed: SessionView = serde_json::from_str("{}").unwrap();
        assert_eq!(parsed.session, None);
    }

    #[test]
    fn logged_in_session_is_flat() {
        let view = SessionView {
            session: Some(SessionInfo {
                user: SessionUser {
                    id: UserId::new(1),
                    name: "Ada".into(),
                    email_verified: false,
                    two_factor: true,
                },
                logged_in_at: "2026-01-01T00:00:00Z".into(),
            }),
        };
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"user": {"id": 1, "name": "Ada", "email_verified": false, "two_factor": true}, "logged_in_at": "2026-01-01T00:00:00Z"})
        );
        assert_eq!(serde_json::from_value::<SessionView>(json).unwrap(), view);
    }
}
