//! The one error type of the API. On the wire it is `{"error": message, "code":
//! code, "field"?: name, "problems"?: [...]}`; its HTTP status is decided by
//! [`AppError::status`] and nowhere else. Its stable machine-readable code is
//! the variant's name in snake_case, and its message is written once, in its
//! `#[error]` attribute.

use crate::domain::{ProblemBody, Problems, ValidationError};
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize, strum::EnumString, strum::EnumDiscriminants,
)]
#[serde(into = "ErrorBody", from = "ErrorBody")]
#[strum(serialize_all = "snake_case")]
#[strum_discriminants(
    name(ErrorCode),
    derive(strum::IntoStaticStr, strum::VariantNames),
    strum(serialize_all = "snake_case")
)]
pub enum AppError {
    /// Input that breaks the domain's rules: every problem of it, in form order.
    #[error("{}", .0.first())]
    #[strum(disabled)]
    InvalidInput(Problems),
    #[error("Email already registered")]
    EmailTaken,
    /// The site takes no new accounts (`REGISTRATION=closed`).
    #[error("This site is not taking new accounts")]
    RegistrationClosed,
    #[error("Invalid email or password")]
    InvalidCredentials,
    #[error("Not logged in")]
    Unauthorized,
    #[error("Cross-site request refused")]
    CrossSiteRefused,
    #[error("Not found")]
    NotFound,
    /// A mailed link (reset, verification) that is bad, used or expired.
    #[error("This link is invalid or has expired")]
    InvalidLink,
    /// The configuration requires a verified email, and the user's is not.
    #[error("Verify your email address to continue")]
    EmailUnverified,
    /// An operator disabled the account (`server admin disable`): no way in
    /// signs in to it.
    #[error("This account is disabled")]
    AccountDisabled,
    /// A passkey sign-in that does not verify: an unknown or removed passkey,
    /// a bad signature, a signature counter gone backwards.
    #[error("This passkey was not accepted")]
    PasskeyRefused,
    /// A new passkey whose registration does not verify.
    #[error("The new passkey could not be verified")]
    PasskeyInvalid,
    /// A passkey ceremony that is unknown, already finished or past its 5 minutes.
    #[error("The passkey request expired or was already used, try again")]
    PasskeyExpired,
    /// A passkey some account already has.
    #[error("This passkey is already registered")]
    PasskeyTaken,
    /// Removing the passkey would leave the account no way to sign in.
    #[error("This is your only way to sign in: set a password, add a passkey or link a provider first")]
    LastSignInMethod,
    /// Sign-in at an identity provider refused or cancelled there (`error=access_denied`).
    #[error("Sign-in was cancelled at the identity provider")]
    ProviderDenied,
    /// An identity provider that cannot be reached, or whose answer does not
    /// verify (its token, its signature, its issuer).
    #[error("The identity provider could not sign you in, try again later")]
    ProviderFailed,
    /// The provider shared no email address, which an account needs.
    #[error("The identity provider did not share your email address")]
    ProviderNoEmail,
    /// A return from a provider this browser did not start, or past its 10
    /// minutes, or already used.
    #[error("This sign-in expired or was already used, try again")]
    SignInExpired,
    /// An identity already linked to another user.
    #[error("This account at the provider is already linked to another user")]
    IdentityTaken,
    /// A first sign-in with an identity whose email belongs to an account it
    /// may not join by itself (see `oidc::accounts`).
    #[error("An account with this email already exists: log in to it, then link the provider from your account page")]
    IdentityNeedsLink,
    /// Past a brute-force limit; `retry_after`: seconds until the limit's window ends.
    #[error("Too many attempts, try again later")]
    TooManyRequests { retry_after: Option<u64> },
    #[error("Service temporarily unavailable, try again shortly")]
    Unavailable,
    #[error("Internal server error")]
    Internal,
    /// A change to how the account signs in, or whose it is, without a
    /// proof of identity younger than `REAUTHENTICATION_MAX_AGE`.
    #[error("Confirm it's you to continue")]
    ReauthenticationRequired,
    /// A re-authentication with the wrong password.
    #[error("Invalid password")]
    InvalidPassword,
    /// A second step with a wrong, used or expired code.
    #[error("Invalid code")]
    InvalidCode,
    /// Two-step verification is already on: turn it off first.
    #[error("Two-step verification is already on")]
    TwoFactorOn,
    /// Two-step verification is not on (or was not set up first).
    #[error("Two-step verification is not on")]
    TwoFactorOff,
    /// A body neither JSON nor a form.
    #[error("Send the body as application/json or application/x-www-form-urlencoded")]
    UnsupportedMediaType,
    /// A request the server could not decode (wrong encoding, malformed body).
    #[error("{0}")]
    #[strum(disabled)]
    BadRequest(String),
}

impl AppError {
    /// What the browser shows for an error whose text it cannot vouch for.
    const UNREADABLE: &'static str = "The request could not be processed";

    /// The HTTP status of each error: the single place where errors meet HTTP.
    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidInput(_) => 422,
            Self::EmailTaken
            | Self::PasskeyTaken
            | Self::LastSignInMethod
            | Self::IdentityTaken
            | Self::IdentityNeedsLink
            | Self::TwoFactorOn
            | Self::TwoFactorOff => 409,
            Self::InvalidCredentials
            | Self::InvalidPassword
            | Self::InvalidCode
            | Self::Unauthorized
            | Self::PasskeyRefused
            | Self::ProviderDenied => 401,
            Self::CrossSiteRefused
            | Self::EmailUnverified
            | Self::AccountDisabled
            | Self::ReauthenticationRequired
            | Self::RegistrationClosed => 403,
            Self::NotFound => 404,
            Self::InvalidLink
            | Self::PasskeyInvalid
            | Self::PasskeyExpired
            | Self::SignInExpired
            | Self::ProviderNoEmail => 400,
            Self::ProviderFailed => 502,
            Self::UnsupportedMediaType => 415,
            Self::TooManyRequests { .. } => 429,
            Self::Unavailable => 503,
            Self::Internal => 500,
            Self::BadRequest(_) => 400,
        }
    }

    /// Every [`AppError::code`], for the API's document.
    pub const CODES: &'static [&'static str] = <ErrorCode as strum::VariantNames>::VARIANTS;

    /// The stable, machine-readable name of the error: what a client decides
    /// by, never the words of the message.
    pub fn code(&self) -> &'static str {
        ErrorCode::from(self).into()
    }

    /// The form field the error belongs to, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::InvalidInput(problems) => Some(&problems.first().field),
            _ => None,
        }
    }

    /// Seconds the client should wait before trying again, if the error says.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests { retry_after } => *retry_after,
            _ => None,
        }
    }
}

impl From<ValidationError> for AppError {
    fn from(err: ValidationError) -> Self {
        Self::InvalidInput(err.into())
    }
}

impl From<Problems> for AppError {
    fn from(problems: Problems) -> Self {
        Self::InvalidInput(problems)
    }
}

/// The JSON shape of every error response.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub(crate) struct ErrorBody {
    /// What went wrong, in words to show the user.
    error: String,
    /// What went wrong, as a stable name for programs to decide by.
    #[serde(default)]
    code: String,
    /// The input field the problem is in, for a field's problem (the first, if
    /// several fields have one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// Every invalid field at once, in form order, for `invalid_input`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    problems: Option<Vec<ProblemBody>>,
    /// Also sent as `Retry-After`; in the body for scripts that see no headers
    /// (a server function's caller in the browser).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
}

impl From<AppError> for ErrorBody {
    fn from(err: AppError) -> Self {
        Self {
            field: err.field().map(str::to_owned),
            retry_after: err.retry_after(),
            code: err.code().to_owned(),
            error: err.to_string(),
            problems: match err {
                AppError::InvalidInput(problems) => Some(problems.iter().cloned().map(ProblemBody::from).collect()),
                _ => None,
            },
        }
    }
}

/// Rebuilds the variant from its code, so the browser sees the same error the
/// server raised and decides by the code alone.
///
/// Errors also reach pages through links (`?__err=`, how a form posted without
/// JavaScript shows its error), so the words shown are always this site's
/// own: a problem is rebuilt from its code, and an unknown code, or any text
/// of a free-text error, becomes [`AppError::UNREADABLE`] rather than words of
/// a stranger's choosing on this site's page.
impl From<ErrorBody> for AppError {
    fn from(body: ErrorBody) -> Self {
        let unreadable = || Self::BadRequest(Self::UNREADABLE.to_owned());
        if body.code == <&str>::from(ErrorCode::InvalidInput) {
            let problems = body
                .problems
                .unwrap_or_default()
                .into_iter()
                .map(ValidationError::try_from);
            return problems
                .collect::<Result<Vec<_>, _>>()
                .ok()
                .and_then(|problems| Problems::try_from(problems).ok())
                .map_or_else(unreadable, Self::InvalidInput);
        }
        match body.code.parse() {
            Ok(Self::TooManyRequests { .. }) => Self::TooManyRequests {
                retry_after: body.retry_after,
            },
            Ok(err) => err,
            Err(_) => unreadable(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(detail) | ServerFnErrorErr::MissingArg(detail) => {
                Self::BadRequest(format!("Malformed request: {detail}"))
            }
            // On the server this is a request body it cannot read (not UTF-8, say);
            // in the browser, a response it cannot read.
            ServerFnErrorErr::Deserialization(detail) if cfg!(feature = "ssr") => {
                Self::BadRequest(format!("Malformed request: {detail}"))
            }
            ServerFnErrorErr::UnsupportedRequestMethod(method) => {
                Self::BadRequest(format!("Unsupported method {method}"))
            }
            // The browser could not reach the server or read its answer.
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) | ServerFnErrorErr::Deserialization(_) => {
                Self::Unavailable
            }
            _ => Self::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Invalid;

    #[test]
    fn every_error_round_trips_through_its_json_body() {
        let all = [
            AppError::from(ValidationError::new("email", Invalid::EmailInvalid)),
            AppError::InvalidInput(crate::domain::NewAccount::parse("", "bad", "").map(|_| ()).unwrap_err()),
            AppError::BadRequest(AppError::UNREADABLE.into()),
            AppError::EmailTaken,
            AppError::RegistrationClosed,
            AppError::InvalidCredentials,
            AppError::Unauthorized,
            AppError::CrossSiteRefused,
            AppError::NotFound,
            AppError::InvalidLink,
            AppError::EmailUnverified,
            AppError::AccountDisabled,
            AppError::PasskeyRefused,
            AppError::PasskeyInvalid,
            AppError::PasskeyExpired,
            AppError::PasskeyTaken,
            AppError::LastSignInMethod,
            AppError::ProviderDenied,
            AppError::ProviderFailed,
            AppError::ProviderNoEmail,
            AppError::SignInExpired,
            AppError::IdentityTaken,
            AppError::IdentityNeedsLink,
            AppError::UnsupportedMediaType,
            AppError::ReauthenticationRequired,
            AppError::InvalidPassword,
            AppError::InvalidCode,
            AppError::TwoFactorOn,
            AppError::TwoFactorOff,
            AppError::TooManyRequests { retry_after: Some(900) },
            AppError::TooManyRequests { retry_after: None },
            AppError::Unavailable,
            AppError::Internal,
        ];
        let mut codes: Vec<&str> = all.iter().map(AppError::code).collect();
        for err in all {
            let json = serde_json::to_string(&err).unwrap();
            assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), err, "{json}");
        }
        // The document's list of codes is every variant's, each once.
        codes.sort_unstable();
        codes.dedup();
        let mut listed = AppError::CODES.to_vec();
        listed.sort_unstable();
        assert_eq!(codes, listed);
    }

    #[test]
    fn text_from_elsewhere_is_never_shown_as_is() {
        for body in [
            r#"{"error": "Your account is locked, call +1 555 0100"}"#,
            r#"{"error": "Your account is locked, call +1 555 0100", "code": "bad_request"}"#,
            r#"{"error": "Visit evil.example to unlock", "code": "invalid_input", "field": "email"}"#,
            r#"{"error": "x", "code": "invalid_input", "problems": []}"#,
            r#"{"error": "x", "code": "invalid_input", "problems": [{"field": "email", "code": "call_us", "error": "x"}]}"#,
        ] {
            let err: AppError = serde_json::from_str(body).unwrap();
            assert_eq!(
                err,
                AppError::BadRequest("The request could not be processed".into()),
                "{body}"
            );
        }
    }

    #[test]
    fn body_has_only_error_code_field_and_retry_after() {
        let json = serde_json::to_value(AppError::InvalidCredentials).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": "Invalid email or password", "code": "invalid_credentials"})
        );
        let err = crate::domain::UserName::parse("").unwrap_err();
        let json = serde_json::to_value(AppError::from(err)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "error": "Name is required",
                "code": "invalid_input",
                "field": "name",
                "problems": [{"field": "name", "code": "name_required", "error": "Name is required"}]
            })
        );
        let json = serde_json::to_value(AppError::TooManyRequests { retry_after: Some(60) }).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": "Too many attempts, try again later", "code": "too_many_requests", "retry_after": 60})
        );
        let json = serde_json::to_value(AppError::ReauthenticationRequired).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": "Confirm it's you to continue", "code": "reauthentication_required"})
        );
    }
}
