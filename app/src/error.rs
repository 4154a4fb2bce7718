//! The one error type of the API. On the wire it is `{"error": message, "code":
//! code, "field"?: name}`; its HTTP status is decided by [`AppError::status`]
//! and nowhere else, its stable machine-readable code by [`AppError::code`].

use crate::domain::{Problems, ValidationError, MESSAGES};
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(into = "ErrorBody", from = "ErrorBody")]
pub enum AppError {
    #[error("{message}")]
    Validation { field: String, message: String },
    #[error("{}", Self::EMAIL_TAKEN)]
    EmailTaken,
    #[error("{}", Self::INVALID_CREDENTIALS)]
    InvalidCredentials,
    #[error("{}", Self::UNAUTHORIZED)]
    Unauthorized,
    #[error("{}", Self::FORBIDDEN)]
    Forbidden,
    #[error("{}", Self::NOT_FOUND)]
    NotFound,
    /// A mailed link (reset, verification) that is bad, used or expired.
    #[error("{}", Self::INVALID_LINK)]
    InvalidLink,
    /// The configuration requires a verified email, and the user's is not.
    #[error("{}", Self::EMAIL_UNVERIFIED)]
    EmailUnverified,
    /// A passkey sign-in that does not verify: an unknown or removed passkey,
    /// a bad signature, a signature counter gone backwards.
    #[error("{}", Self::PASSKEY_REFUSED)]
    PasskeyRefused,
    /// A new passkey whose registration does not verify.
    #[error("{}", Self::PASSKEY_INVALID)]
    PasskeyInvalid,
    /// A passkey ceremony that is unknown, already finished or past its 5 minutes.
    #[error("{}", Self::PASSKEY_EXPIRED)]
    PasskeyExpired,
    /// A passkey some account already has.
    #[error("{}", Self::PASSKEY_TAKEN)]
    PasskeyTaken,
    /// Removing the passkey would leave the account no way to sign in.
    #[error("{}", Self::LAST_SIGN_IN_METHOD)]
    LastSignInMethod,
    /// Sign-in at an identity provider refused or cancelled there (`error=access_denied`).
    #[error("{}", Self::PROVIDER_DENIED)]
    ProviderDenied,
    /// An identity provider that cannot be reached, or whose answer does not
    /// verify (its token, its signature, its issuer).
    #[error("{}", Self::PROVIDER_FAILED)]
    ProviderFailed,
    /// The provider shared no email address, which an account needs.
    #[error("{}", Self::PROVIDER_NO_EMAIL)]
    ProviderNoEmail,
    /// A return from a provider this browser did not start, or past its 10
    /// minutes, or already used.
    #[error("{}", Self::SIGN_IN_EXPIRED)]
    SignInExpired,
    /// An identity already linked to another user.
    #[error("{}", Self::IDENTITY_TAKEN)]
    IdentityTaken,
    /// A first sign-in with an identity whose email belongs to an account it
    /// may not join by itself (see `oidc::accounts`).
    #[error("{}", Self::IDENTITY_NEEDS_LINK)]
    IdentityNeedsLink,
    /// Past a brute-force limit; `retry_after`: seconds until the limit's window ends.
    #[error("{}", Self::TOO_MANY_REQUESTS)]
    TooManyRequests { retry_after: Option<u64> },
    #[error("{}", Self::UNAVAILABLE)]
    Unavailable,
    #[error("{}", Self::INTERNAL)]
    Internal,
    /// A change to how the account signs in, or whose it is, without a
    /// proof of identity younger than `REAUTHENTICATION_MAX_AGE`.
    #[error("{}", Self::REAUTHENTICATION_REQUIRED)]
    ReauthenticationRequired,
    /// A re-authentication with the wrong password.
    #[error("{}", Self::INVALID_PASSWORD)]
    InvalidPassword,
    /// A body neither JSON nor a form.
    #[error("{}", Self::UNSUPPORTED_MEDIA_TYPE)]
    UnsupportedMediaType,
    /// A request the server could not decode (wrong encoding, malformed body).
    #[error("{0}")]
    BadRequest(String),
}

impl AppError {
    const EMAIL_TAKEN: &'static str = "Email already registered";
    const INVALID_CREDENTIALS: &'static str = "Invalid email or password";
    const UNAUTHORIZED: &'static str = "Not logged in";
    const FORBIDDEN: &'static str = "Cross-site request refused";
    const NOT_FOUND: &'static str = "Not found";
    const INVALID_LINK: &'static str = "This link is invalid or has expired";
    const EMAIL_UNVERIFIED: &'static str = "Verify your email address to continue";
    const PASSKEY_REFUSED: &'static str = "This passkey was not accepted";
    const PASSKEY_INVALID: &'static str = "The new passkey could not be verified";
    const PASSKEY_EXPIRED: &'static str = "The passkey request expired or was already used, try again";
    const PASSKEY_TAKEN: &'static str = "This passkey is already registered";
    const LAST_SIGN_IN_METHOD: &'static str =
        "This is your only way to sign in: set a password, add a passkey or link a provider first";
    const PROVIDER_DENIED: &'static str = "Sign-in was cancelled at the identity provider";
    const PROVIDER_FAILED: &'static str = "The identity provider could not sign you in, try again later";
    const PROVIDER_NO_EMAIL: &'static str = "The identity provider did not share your email address";
    const SIGN_IN_EXPIRED: &'static str = "This sign-in expired or was already used, try again";
    const IDENTITY_TAKEN: &'static str = "This account at the provider is already linked to another user";
    const IDENTITY_NEEDS_LINK: &'static str =
        "An account with this email already exists: log in to it, then link the provider from your account page";
    const REAUTHENTICATION_REQUIRED: &'static str = "Confirm it's you to continue";
    const INVALID_PASSWORD: &'static str = "Invalid password";
    const UNSUPPORTED_MEDIA_TYPE: &'static str =
        "Send the body as application/json or application/x-www-form-urlencoded";
    const TOO_MANY_REQUESTS: &'static str = "Too many attempts, try again later";
    const UNAVAILABLE: &'static str = "Service temporarily unavailable, try again shortly";
    const INTERNAL: &'static str = "Internal server error";
    /// What the browser shows for an error whose text it cannot vouch for.
    const UNREADABLE: &'static str = "The request could not be processed";

    /// The HTTP status of each error: the single place where errors meet HTTP.
    pub fn status(&self) -> u16 {
        match self {
            Self::Validation { .. } => 422,
            Self::EmailTaken
            | Self::PasskeyTaken
            | Self::LastSignInMethod
            | Self::IdentityTaken
            | Self::IdentityNeedsLink => 409,
            Self::InvalidCredentials
            | Self::InvalidPassword
            | Self::Unauthorized
            | Self::PasskeyRefused
            | Self::ProviderDenied => 401,
            Self::Forbidden | Self::EmailUnverified | Self::ReauthenticationRequired => 403,
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
    pub const CODES: &'static [&'static str] = &[
        "invalid_input",
        "email_taken",
        "invalid_credentials",
        "invalid_password",
        "unauthorized",
        "cross_site_refused",
        "not_found",
        "invalid_link",
        "email_unverified",
        "passkey_refused",
        "passkey_invalid",
        "passkey_expired",
        "passkey_taken",
        "last_sign_in_method",
        "provider_denied",
        "provider_failed",
        "provider_no_email",
        "sign_in_expired",
        "identity_taken",
        "identity_needs_link",
        "too_many_requests",
        "reauthentication_required",
        "unavailable",
        "internal",
        "unsupported_media_type",
        "bad_request",
    ];

    /// The stable, machine-readable name of the error: what a client decides
    /// by, never the words of the message.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation { .. } => "invalid_input",
            Self::EmailTaken => "email_taken",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidPassword => "invalid_password",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "cross_site_refused",
            Self::NotFound => "not_found",
            Self::InvalidLink => "invalid_link",
            Self::EmailUnverified => "email_unverified",
            Self::PasskeyRefused => "passkey_refused",
            Self::PasskeyInvalid => "passkey_invalid",
            Self::PasskeyExpired => "passkey_expired",
            Self::PasskeyTaken => "passkey_taken",
            Self::LastSignInMethod => "last_sign_in_method",
            Self::ProviderDenied => "provider_denied",
            Self::ProviderFailed => "provider_failed",
            Self::ProviderNoEmail => "provider_no_email",
            Self::SignInExpired => "sign_in_expired",
            Self::IdentityTaken => "identity_taken",
            Self::IdentityNeedsLink => "identity_needs_link",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::ReauthenticationRequired => "reauthentication_required",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::BadRequest(_) => "bad_request",
        }
    }

    /// The form field the error belongs to, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Validation { field, .. } => Some(field),
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
        Self::Validation {
            field: err.field.to_owned(),
            message: err.message.to_owned(),
        }
    }
}

/// The API answers with one error: the first problem, in form order.
impl From<Problems> for AppError {
    fn from(problems: Problems) -> Self {
        problems.first().clone().into()
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
    /// The input field the problem is in, for a field's problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
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
        }
    }
}

/// Rebuilds the variant from its code, so the browser sees the same error the
/// server raised and decides by the code alone.
///
/// Errors also reach pages through links (`?__err=`, how a form posted without
/// JavaScript shows its error), so only known messages are shown: a
/// validation message the domain does not have, or any text of a free-text
/// error, becomes [`AppError::UNREADABLE`] rather than words of a stranger's
/// choosing on this site's page.
impl From<ErrorBody> for AppError {
    fn from(body: ErrorBody) -> Self {
        let unreadable = || Self::BadRequest(Self::UNREADABLE.to_owned());
        match body.code.as_str() {
            "invalid_input" => match (body.field, MESSAGES.contains(&body.error.as_str())) {
                (Some(field), true) => Self::Validation {
                    field,
                    message: body.error,
                },
                _ => unreadable(),
            },
            "email_taken" => Self::EmailTaken,
            "invalid_credentials" => Self::InvalidCredentials,
            "invalid_password" => Self::InvalidPassword,
            "unauthorized" => Self::Unauthorized,
            "cross_site_refused" => Self::Forbidden,
            "not_found" => Self::NotFound,
            "invalid_link" => Self::InvalidLink,
            "email_unverified" => Self::EmailUnverified,
            "passkey_refused" => Self::PasskeyRefused,
            "passkey_invalid" => Self::PasskeyInvalid,
            "passkey_expired" => Self::PasskeyExpired,
            "passkey_taken" => Self::PasskeyTaken,
            "last_sign_in_method" => Self::LastSignInMethod,
            "provider_denied" => Self::ProviderDenied,
            "provider_failed" => Self::ProviderFailed,
            "provider_no_email" => Self::ProviderNoEmail,
            "sign_in_expired" => Self::SignInExpired,
            "identity_taken" => Self::IdentityTaken,
            "identity_needs_link" => Self::IdentityNeedsLink,
            "too_many_requests" => Self::TooManyRequests {
                retry_after: body.retry_after,
            },
            "reauthentication_required" => Self::ReauthenticationRequired,
            "unavailable" => Self::Unavailable,
            "internal" => Self::Internal,
            "unsupported_media_type" => Self::UnsupportedMediaType,
            _ => unreadable(),
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

    #[test]
    fn every_error_round_trips_through_its_json_body() {
        let all = [
            AppError::Validation {
                field: "email".into(),
                message: "Enter a valid email address".into(),
            },
            AppError::BadRequest(AppError::UNREADABLE.into()),
            AppError::EmailTaken,
            AppError::InvalidCredentials,
            AppError::Unauthorized,
            AppError::Forbidden,
            AppError::NotFound,
            AppError::InvalidLink,
            AppError::EmailUnverified,
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
            serde_json::json!({"error": "Name is required", "code": "invalid_input", "field": "name"})
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
