//! The one error type of the API. On the wire it is `{"error": message, "field"?: name}`;
//! its HTTP status is decided by [`AppError::status`] and nowhere else.

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
            Self::InvalidCredentials | Self::Unauthorized | Self::PasskeyRefused | Self::ProviderDenied => 401,
            Self::Forbidden | Self::EmailUnverified => 403,
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
            error: err.to_string(),
        }
    }
}

/// Rebuilds the variant from its fixed message, so the browser sees the same
/// error the server raised without the wire format carrying its name.
///
/// Errors also reach pages through links (`?__err=`, how a form posted without
/// JavaScript shows its error), so only known messages are kept: any other text
/// becomes [`AppError::UNREADABLE`] rather than words of a stranger's choosing
/// on this site's page.
impl From<ErrorBody> for AppError {
    fn from(body: ErrorBody) -> Self {
        if let Some(field) = body.field {
            return match MESSAGES.contains(&body.error.as_str()) {
                true => Self::Validation {
                    field,
                    message: body.error,
                },
                false => Self::BadRequest(Self::UNREADABLE.to_owned()),
            };
        }
        match body.error.as_str() {
            Self::EMAIL_TAKEN => Self::EmailTaken,
            Self::INVALID_CREDENTIALS => Self::InvalidCredentials,
            Self::UNAUTHORIZED => Self::Unauthorized,
            Self::FORBIDDEN => Self::Forbidden,
            Self::NOT_FOUND => Self::NotFound,
            Self::INVALID_LINK => Self::InvalidLink,
            Self::EMAIL_UNVERIFIED => Self::EmailUnverified,
            Self::PASSKEY_REFUSED => Self::PasskeyRefused,
            Self::PASSKEY_INVALID => Self::PasskeyInvalid,
            Self::PASSKEY_EXPIRED => Self::PasskeyExpired,
            Self::PASSKEY_TAKEN => Self::PasskeyTaken,
            Self::LAST_SIGN_IN_METHOD => Self::LastSignInMethod,
            Self::PROVIDER_DENIED => Self::ProviderDenied,
            Self::PROVIDER_FAILED => Self::ProviderFailed,
            Self::PROVIDER_NO_EMAIL => Self::ProviderNoEmail,
            Self::SIGN_IN_EXPIRED => Self::SignInExpired,
            Self::IDENTITY_TAKEN => Self::IdentityTaken,
            Self::IDENTITY_NEEDS_LINK => Self::IdentityNeedsLink,
            Self::UNSUPPORTED_MEDIA_TYPE => Self::UnsupportedMediaType,
            Self::TOO_MANY_REQUESTS => Self::TooManyRequests {
                retry_after: body.retry_after,
            },
            Self::UNAVAILABLE => Self::Unavailable,
            Self::INTERNAL => Self::Internal,
            _ => Self::BadRequest(Self::UNREADABLE.to_owned()),
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
            AppError::TooManyRequests { retry_after: Some(900) },
            AppError::TooManyRequests { retry_after: None },
            AppError::Unavailable,
            AppError::Internal,
        ];
        for err in all {
            let json = serde_json::to_string(&err).unwrap();
            assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), err, "{json}");
        }
    }

    #[test]
    fn text_from_elsewhere_is_never_shown_as_is() {
        for body in [
            r#"{"error": "Your account is locked, call +1 555 0100"}"#,
            r#"{"error": "Visit evil.example to unlock", "field": "email"}"#,
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
    fn body_has_only_error_field_and_retry_after() {
        let json = serde_json::to_value(AppError::InvalidCredentials).unwrap();
        assert_eq!(json, serde_json::json!({"error": "Invalid email or password"}));
        let err = crate::domain::UserName::parse("").unwrap_err();
        let json = serde_json::to_value(AppError::from(err)).unwrap();
        assert_eq!(json, serde_json::json!({"error": "Name is required", "field": "name"}));
        let json = serde_json::to_value(AppError::TooManyRequests { retry_after: Some(60) }).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": "Too many attempts, try again later", "retry_after": 60})
        );
    }
}
