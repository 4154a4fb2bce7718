//! The audit log: every security event the product records, as one typed
//! [`AuditEvent`], written by [`AuditEvent::record`] and nowhere else. Each
//! event is one line under the `audit` target: its `action` and `outcome`,
//! then what it names (user, method, normalised email, reason) and the
//! client's address. Never a password, hash, token or cookie. Those that name
//! a user are also the account's activity its owner sees (`activity`).

use super::log_safe::Untrusted;
use crate::domain::UserId;
use crate::error::AppError;
use std::{fmt, net::IpAddr};
use strum::IntoStaticStr;

/// How someone proved, or tried to prove, who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method<'a> {
    Password,
    Passkey,
    /// At the identity provider with this id.
    Provider(&'a str),
    /// A code of the authenticator app (the second step).
    Totp,
    /// A recovery code (the second step, without the app).
    RecoveryCode,
}

impl fmt::Display for Method<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Password => f.write_str("password"),
            Self::Passkey => f.write_str("passkey"),
            Self::Provider(id) => write!(f, "oidc:{id}"),
            Self::Totp => f.write_str("totp"),
            Self::RecoveryCode => f.write_str("recovery_code"),
        }
    }
}

/// What was attempted: the `action` of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    Register,
    Login,
    Logout,
    LogoutEverywhere,
    EndSession,
    Reauthenticate,
    PasswordChange,
    PasswordSet,
    PasswordResetRequest,
    PasswordReset,
    VerificationMail,
    VerifyEmail,
    PasskeyRegistration,
    PasskeyAdded,
    PasskeyRemoved,
    IdentityLink,
    IdentityUnlink,
    AccountTakeover,
    DeviceCookie,
    CrossSiteRequest,
    /// The second step of a sign-in.
    SecondStep,
    /// Turning two-step verification on or off, new recovery codes.
    TwoFactorSettings,
    DeleteAccount,
    /// An operator's: `server admin disable` and `enable`.
    DisableAccount,
    EnableAccount,
    /// An operator's `server admin end-sessions`.
    EndSessions,
    EmailChange,
    UndoEmailChange,
}

/// How it ended: the `outcome` of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
    /// Past a limit: refused before any check.
    RateLimited,
    /// Taken on; what follows (a mail) happens later.
    Accepted,
    /// Taken on, but no mail is sent: the address had enough for now.
    MailLimited,
    /// Refused outright (a cross-site request).
    Refused,
}

/// Why an attempt failed, for the log only.
pub type Reason<'a> = &'a (dyn fmt::Display + Sync);

/// A security event. `email` is the address as typed or normalised: it is
/// written escaped and cut short ([`Untrusted`]).
#[derive(Clone, Copy, IntoStaticStr, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum AuditEvent<'a> {
    Registered {
        method: Method<'a>,
        user_id: UserId,
        email: &'a str,
    },
    RegistrationFailed {
        method: Method<'a>,
        email: &'a str,
        reason: Reason<'a>,
    },
    RegistrationLimited {
        method: Method<'a>,
        email: &'a str,
    },
    LoggedIn {
        method: Method<'a>,
        user_id: UserId,
        email: Option<&'a str>,
        trusted_device: Option<bool>,
    },
    LoginFailed {
        method: Method<'a>,
        user_id: Option<UserId>,
        email: Option<&'a str>,
        reason: Option<Reason<'a>>,
        trusted_device: Option<bool>,
    },
    LoginLimited {
        method: Method<'a>,
        email: Option<&'a str>,
        trusted_device: Option<bool>,
    },
    LoggedOut {
        user_id: UserId,
    },
    LoggedOutEverywhere {
        user_id: UserId,
    },
    /// One session of the user's list ended; `current`: the one making the request.
    SessionEnded {
        user_id: UserId,
        current: bool,
    },
    Reauthenticated {
        method: Method<'a>,
        user_id: UserId,
    },
    ReauthenticationFailed {
        method: Method<'a>,
        user_id: UserId,
        reason: Option<Reason<'a>>,
    },
    ReauthenticationLimited {
        method: Method<'a>,
        user_id: UserId,
    },
    PasswordChanged {
        user_id: UserId,
    },
    PasswordChangeFailed {
        user_id: UserId,
    },
    PasswordChangeLimited {
        user_id: UserId,
    },
    PasswordSet {
        user_id: UserId,
    },
    PasswordSetLimited {
        user_id: UserId,
    },
    PasswordResetRequested {
        email: &'a str,
    },
    PasswordResetRequestLimited {
        email: &'a str,
    },
    PasswordResetMailLimited {
        user_id: UserId,
    },
    PasswordReset {
        user_id: UserId,
    },
    PasswordResetFailed,
    PasswordResetLimited,
    VerificationMailRequested {
        user_id: UserId,
    },
    VerificationMailLimited {
        user_id: UserId,
    },
    /// `in_session`: the link was followed while signed in to the account.
    EmailVerified {
        in_session: bool,
    },
    EmailVerificationFailed,
    PasskeyRegistrationFailed {
        reason: Reason<'a>,
    },
    PasskeyAdded {
        user_id: UserId,
    },
    PasskeyRemoved {
        user_id: UserId,
    },
    /// `automatic`: at a first sign-in, to the account of the same verified address.
    IdentityLinked {
        method: Method<'a>,
        user_id: UserId,
        automatic: bool,
    },
    IdentityLinkFailed {
        method: Method<'a>,
        user_id: Option<UserId>,
        reason: Reason<'a>,
    },
    IdentityUnlinked {
        method: Method<'a>,
        user_id: UserId,
    },
    /// The owner of an address signed in at a provider to an account someone
    /// else registered with it and never claimed.
    AccountTakenOver {
        method: Method<'a>,
        user_id: UserId,
    },
    DeviceCookieLimited {
        user_id: UserId,
    },
    /// A sign-in's second step passed with `method` (a code or a recovery code).
    SecondStepPassed {
        method: Method<'a>,
        user_id: UserId,
    },
    SecondStepFailed {
        user_id: UserId,
    },
    SecondStepLimited {
        user_id: UserId,
    },
    TwoFactorEnabled {
        user_id: UserId,
    },
    TwoFactorDisabled {
        user_id: UserId,
    },
    RecoveryCodesRenewed {
        user_id: UserId,
    },
    /// A way in proved who this is, but an operator disabled the account.
    DisabledAccountRefused {
        user_id: UserId,
    },
    AccountDeleted {
        user_id: UserId,
    },
    /// A link to a new address was mailed (or, for an address with an
    /// account, word that it has one).
    EmailChangeRequested {
        user_id: UserId,
    },
    EmailChangeLimited {
        user_id: UserId,
    },
    EmailChanged {
        user_id: UserId,
    },
    EmailChangeFailed,
    EmailChangeUndone {
        user_id: UserId,
    },
    EmailChangeUndoFailed,
    AccountDisabled {
        user_id: UserId,
    },
    AccountEnabled {
        user_id: UserId,
    },
    /// Of one user, or with `None` of everyone.
    SessionsEnded {
        user_id: Option<UserId>,
    },
    CrossSiteRequestRefused {
        path: &'a str,
        origin: &'a str,
    },
}

/// The fields of a line beyond `action` and `outcome`.
#[derive(Default)]
struct Fields<'a> {
    method: Option<Method<'a>>,
    user_id: Option<UserId>,
    email: Option<&'a str>,
    reason: Option<Reason<'a>>,
    trusted_device: Option<bool>,
    automatic: Option<bool>,
    in_session: Option<bool>,
    current: Option<bool>,
    path: Option<&'a str>,
    origin: Option<&'a str>,
}

impl<'a> AuditEvent<'a> {
    pub fn action(&self) -> Action {
        use AuditEvent::*;
        match self {
            Registered { .. } | RegistrationFailed { .. } | RegistrationLimited { .. } => Action::Register,
            LoggedIn { .. } | LoginFailed { .. } | LoginLimited { .. } => Action::Login,
            LoggedOut { .. } => Action::Logout,
            LoggedOutEverywhere { .. } => Action::LogoutEverywhere,
            SessionEnded { .. } => Action::EndSession,
            Reauthenticated { .. } | ReauthenticationFailed { .. } | ReauthenticationLimited { .. } => {
                Action::Reauthenticate
            }
            PasswordChanged { .. } | PasswordChangeFailed { .. } | PasswordChangeLimited { .. } => {
                Action::PasswordChange
            }
            PasswordSet { .. } | PasswordSetLimited { .. } => Action::PasswordSet,
            PasswordResetRequested { .. } | PasswordResetRequestLimited { .. } | PasswordResetMailLimited { .. } => {
                Action::PasswordResetRequest
            }
            PasswordReset { .. } | PasswordResetFailed | PasswordResetLimited => Action::PasswordReset,
            VerificationMailRequested { .. } | VerificationMailLimited { .. } => Action::VerificationMail,
            EmailVerified { .. } | EmailVerificationFailed => Action::VerifyEmail,
            PasskeyRegistrationFailed { .. } => Action::PasskeyRegistration,
            PasskeyAdded { .. } => Action::PasskeyAdded,
            PasskeyRemoved { .. } => Action::PasskeyRemoved,
            IdentityLinked { .. } | IdentityLinkFailed { .. } => Action::IdentityLink,
            IdentityUnlinked { .. } => Action::IdentityUnlink,
            AccountTakenOver { .. } => Action::AccountTakeover,
            DeviceCookieLimited { .. } => Action::DeviceCookie,
            SecondStepPassed { .. } | SecondStepFailed { .. } | SecondStepLimited { .. } => Action::SecondStep,
            TwoFactorEnabled { .. } | TwoFactorDisabled { .. } | RecoveryCodesRenewed { .. } => {
                Action::TwoFactorSettings
            }
            CrossSiteRequestRefused { .. } => Action::CrossSiteRequest,
            DisabledAccountRefused { .. } => Action::Login,
            AccountDeleted { .. } => Action::DeleteAccount,
            EmailChangeRequested { .. } | EmailChangeLimited { .. } | EmailChanged { .. } | EmailChangeFailed => {
                Action::EmailChange
            }
            EmailChangeUndone { .. } | EmailChangeUndoFailed => Action::UndoEmailChange,
            AccountDisabled { .. } => Action::DisableAccount,
            AccountEnabled { .. } => Action::EnableAccount,
            SessionsEnded { .. } => Action::EndSessions,
        }
    }

    pub fn outcome(&self) -> Outcome {
        use AuditEvent::*;
        match self {
            RegistrationFailed { .. }
            | LoginFailed { .. }
            | ReauthenticationFailed { .. }
            | PasswordChangeFailed { .. }
            | PasswordResetFailed
            | EmailVerificationFailed
            | PasskeyRegistrationFailed { .. }
            | IdentityLinkFailed { .. }
            | SecondStepFailed { .. }
            | EmailChangeFailed
            | EmailChangeUndoFailed => Outcome::Failure,
            RegistrationLimited { .. }
            | LoginLimited { .. }
            | ReauthenticationLimited { .. }
            | PasswordChangeLimited { .. }
            | PasswordSetLimited { .. }
            | PasswordResetRequestLimited { .. }
            | PasswordResetLimited
            | VerificationMailLimited { .. }
            | DeviceCookieLimited { .. }
            | SecondStepLimited { .. }
            | EmailChangeLimited { .. } => Outcome::RateLimited,
            PasswordResetRequested { .. } | VerificationMailRequested { .. } | EmailChangeRequested { .. } => {
                Outcome::Accepted
            }
            PasswordResetMailLimited { .. } => Outcome::MailLimited,
            CrossSiteRequestRefused { .. } | DisabledAccountRefused { .. } => Outcome::Refused,
            _ => Outcome::Success,
        }
    }

    /// Writes the event to the log: a warning for what may be an attack
    /// (a limit reached, a takeover, a cross-site request), else information.
    pub fn record(&self, client: impl Into<Option<IpAddr>>) {
        let client = client.into();
        let warn = matches!(
            self.outcome(),
            Outcome::RateLimited | Outcome::MailLimited | Outcome::Refused
        ) || matches!(self, Self::AccountTakenOver { .. });
        let fields = self.fields();
        let action: &'static str = self.action().into();
        let outcome: &'static str = self.outcome().into();
        // One field list for both levels: tracing needs each level's call written out.
        macro_rules! line {
            ($level:expr) => {
                tracing::event!(
                    target: "audit",
                    $level,
                    action,
                    outcome,
                    method = fields.method.map(tracing::field::display),
                    user_id = fields.user_id.map(UserId::get),
                    email = fields.email.map(|email| tracing::field::display(Untrusted(email))),
                    reason = fields.reason.map(tracing::field::display),
                    trusted_device = fields.trusted_device,
                    automatic = fields.automatic,
                    in_session = fields.in_session,
                    current = fields.current,
                    path = fields.path.map(|path| tracing::field::display(Untrusted(path))),
                    origin = fields.origin.map(|origin| tracing::field::display(Untrusted(origin))),
                    client = client.map(tracing::field::display),
                )
            };
        }
        match warn {
            true => line!(tracing::Level::WARN),
            false => line!(tracing::Level::INFO),
        }
        super::activity::note(self, client);
    }

    /// The event's own name: `logged_in`, `login_failed`, `password_changed`, ...
    pub fn name(&self) -> &'static str {
        self.into()
    }

    /// The user the event is about, if it names one.
    pub fn user_id(&self) -> Option<UserId> {
        self.fields().user_id
    }

    /// How the user proved, or tried to prove, who they are, if it says.
    pub fn method(&self) -> Option<Method<'a>> {
        self.fields().method
    }

    fn fields(&self) -> Fields<'a> {
        use AuditEvent::*;
        match *self {
            Registered { method, user_id, email } => Fields {
                method: Some(method),
                user_id: Some(user_id),
                email: Some(email),
                ..Fields::default()
            },
            RegistrationFailed { method, email, reason } => Fields {
                method: Some(method),
                email: Some(email),
                reason: Some(reason),
                ..Fields::default()
            },
            RegistrationLimited { method, email } => Fields {
                method: Some(method),
                email: Some(email),
                ..Fields::default()
            },
            LoggedIn {
                method,
                user_id,
                email,
                trusted_device,
            } => Fields {
                method: Some(method),
                user_id: Some(user_id),
                email,
                trusted_device,
                ..Fields::default()
            },
            LoginFailed {
                method,
                user_id,
                email,
                reason,
                trusted_device,
            } => Fields {
                method: Some(method),
                user_id,
                email,
                reason,
                trusted_device,
                ..Fields::default()
            },
            LoginLimited {
                method,
                email,
                trusted_device,
            } => Fields {
                method: Some(method),
                email,
                trusted_device,
                ..Fields::default()
            },
            Reauthenticated { method, user_id }
            | ReauthenticationLimited { method, user_id }
            | SecondStepPassed { method, user_id } => Fields {
                method: Some(method),
                user_id: Some(user_id),
                ..Fields::default()
            },
            ReauthenticationFailed {
                method,
                user_id,
                reason,
            } => Fields {
                method: Some(method),
                user_id: Some(user_id),
                reason,
                ..Fields::default()
            },
            SessionEnded { user_id, current } => Fields {
                user_id: Some(user_id),
                current: Some(current),
                ..Fields::default()
            },
            PasswordChangeFailed { user_id } | PasswordChangeLimited { user_id } => Fields {
                method: Some(Method::Password),
                user_id: Some(user_id),
                ..Fields::default()
            },
            LoggedOut { user_id }
            | LoggedOutEverywhere { user_id }
            | PasswordChanged { user_id }
            | PasswordSet { user_id }
            | PasswordSetLimited { user_id }
            | PasswordResetMailLimited { user_id }
            | PasswordReset { user_id }
            | VerificationMailRequested { user_id }
            | VerificationMailLimited { user_id }
            | PasskeyAdded { user_id }
            | PasskeyRemoved { user_id }
            | DeviceCookieLimited { user_id }
            | SecondStepFailed { user_id }
            | SecondStepLimited { user_id }
            | TwoFactorEnabled { user_id }
            | TwoFactorDisabled { user_id }
            | RecoveryCodesRenewed { user_id }
            | DisabledAccountRefused { user_id }
            | AccountDeleted { user_id }
            | AccountDisabled { user_id }
            | AccountEnabled { user_id }
            | EmailChangeRequested { user_id }
            | EmailChangeLimited { user_id }
            | EmailChanged { user_id }
            | EmailChangeUndone { user_id } => Fields {
                user_id: Some(user_id),
                ..Fields::default()
            },
            SessionsEnded { user_id } => Fields {
                user_id,
                ..Fields::default()
            },
            PasswordResetRequested { email } | PasswordResetRequestLimited { email } => Fields {
                email: Some(email),
                ..Fields::default()
            },
            PasswordResetFailed
            | PasswordResetLimited
            | EmailVerificationFailed
            | EmailChangeFailed
            | EmailChangeUndoFailed => Fields::default(),
            EmailVerified { in_session } => Fields {
                in_session: Some(in_session),
                ..Fields::default()
            },
            PasskeyRegistrationFailed { reason } => Fields {
                reason: Some(reason),
                ..Fields::default()
            },
            IdentityLinked {
                method,
                user_id,
                automatic,
            } => Fields {
                method: Some(method),
                user_id: Some(user_id),
                automatic: Some(automatic),
                ..Fields::default()
            },
            IdentityLinkFailed {
                method,
                user_id,
                reason,
            } => Fields {
                method: Some(method),
                user_id,
                reason: Some(reason),
                ..Fields::default()
            },
            IdentityUnlinked { method, user_id } | AccountTakenOver { method, user_id } => Fields {
                method: Some(method),
                user_id: Some(user_id),
                ..Fields::default()
            },
            CrossSiteRequestRefused { path, origin } => Fields {
                path: Some(path),
                origin: Some(origin),
                ..Fields::default()
            },
        }
    }
}

/// Passes a limit reservation's result on, recording `refused` when it is a
/// refusal past the limits.
pub fn record_refusal(reserved: Result<(), AppError>, refused: AuditEvent<'_>, client: IpAddr) -> Result<(), AppError> {
    if matches!(reserved, Err(AppError::TooManyRequests { .. })) {
        refused.record(client);
    }
    reserved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_and_outcomes_are_the_logs_words() {
        let event = AuditEvent::LoginLimited {
            method: Method::Password,
            email: Some("ada@example.com"),
            trusted_device: Some(false),
        };
        assert_eq!(<&str>::from(event.action()), "login");
        assert_eq!(<&str>::from(event.outcome()), "rate_limited");
        assert_eq!(<&str>::from(Action::CrossSiteRequest), "cross_site_request");
        assert_eq!(Method::Provider("test").to_string(), "oidc:test");
    }
}
