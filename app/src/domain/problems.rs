//! Why an input was refused: each rule's stable code and message, and a
//! form's problems all at once.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use strum::{EnumString, IntoStaticStr, VariantNames};

/// A broken input rule. Its code, for programs to decide by, is the variant's
/// name in snake_case; its message, for people, is written here and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, IntoStaticStr, EnumString, VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum Invalid {
    #[error("Email is required")]
    EmailRequired,
    #[error("Email must be at most 254 characters")]
    EmailTooLong,
    #[error("Enter a valid email address")]
    EmailInvalid,
    #[error("That is already your email address")]
    EmailUnchanged,
    #[error("Name is required")]
    NameRequired,
    #[error("Name must be at most 100 characters")]
    NameTooLong,
    #[error("Name contains a character that cannot be used, such as an invisible or control character")]
    NameUnusable,
    #[error("Passkey name must be at most 64 characters")]
    PasskeyNameTooLong,
    #[error("Passkey name contains a character that cannot be used, such as an invisible or control character")]
    PasskeyNameUnusable,
    #[error("Password must be at least 8 characters")]
    PasswordTooShort,
    #[error("Password must be at most 128 characters")]
    PasswordTooLong,
    #[error("Password contains a character that cannot be used: a control character, or a symbol newer than this site's Unicode tables, such as some recent emoji")]
    PasswordUnusable,
    #[error("This is one of the most common passwords, which are tried first: choose one that is harder to guess")]
    PasswordCommon,
    #[error("Password must not be made of your name, your email address or the site's name")]
    PasswordFromContext,
    #[error("This password has appeared in a data breach, so attackers try it: choose another")]
    PasswordBreached,
    #[error("Password is required")]
    PasswordRequired,
    #[error("Enter the 6-digit code from your authenticator app")]
    CodeRequired,
    /// A code that is not the authenticator's current one.
    #[error("Invalid code")]
    CodeWrong,
    #[error("Current password is required")]
    CurrentPasswordRequired,
    /// A password change refused for the wrong current password.
    #[error("Current password is incorrect")]
    CurrentPasswordWrong,
    #[error("limit must be a whole number from 1 to 100")]
    LimitInvalid,
    #[error("after must be a user id")]
    AfterInvalid,
    #[error("before must be a user id")]
    BeforeInvalid,
    #[error("Give after or before, not both")]
    CursorsExclusive,
    #[error("id must be a user id")]
    IdInvalid,
}

impl Invalid {
    pub fn code(self) -> &'static str {
        self.into()
    }
}

/// One refused input: which rule, on which form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "ProblemBody", try_from = "ProblemBody")]
pub struct ValidationError {
    pub field: Cow<'static, str>,
    pub invalid: Invalid,
}

impl ValidationError {
    pub fn new(field: &'static str, invalid: Invalid) -> Self {
        Self {
            field: Cow::Borrowed(field),
            invalid,
        }
    }

    /// The same problem, reported on the form field `field`.
    pub fn in_field(self, field: &'static str) -> Self {
        Self::new(field, self.invalid)
    }
}

impl std::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.invalid.fmt(f)
    }
}

/// A problem on the wire: `{"field", "code", "error"}`. Read back by its code
/// alone, so the words shown are always this site's own.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(as = Problem))]
pub(crate) struct ProblemBody {
    /// The input field.
    field: String,
    /// Which rule the input breaks, as a stable name.
    code: String,
    /// The rule in words to show the user.
    error: String,
}

impl From<ValidationError> for ProblemBody {
    fn from(problem: ValidationError) -> Self {
        Self {
            field: problem.field.into_owned(),
            code: problem.invalid.code().to_owned(),
            error: problem.invalid.to_string(),
        }
    }
}

impl TryFrom<ProblemBody> for ValidationError {
    type Error = strum::ParseError;

    fn try_from(body: ProblemBody) -> Result<Self, Self::Error> {
        Ok(Self {
            field: Cow::Owned(body.field),
            invalid: body.code.parse()?,
        })
    }
}

/// Every invalid field of a form, in form order; never empty. A page shows
/// them all at once, and so does the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<ValidationError>")]
pub struct Problems(Vec<ValidationError>);

impl Problems {
    /// The problems among `checks`, which hold at least one.
    pub(super) fn among(checks: impl IntoIterator<Item = Option<ValidationError>>) -> Self {
        let found: Vec<_> = checks.into_iter().flatten().collect();
        assert!(!found.is_empty(), "Problems::among needs a problem");
        Self(found)
    }

    pub fn first(&self) -> &ValidationError {
        &self.0[0]
    }

    pub fn iter(&self) -> impl Iterator<Item = &ValidationError> {
        self.0.iter()
    }

    pub fn as_slice(&self) -> &[ValidationError] {
        &self.0
    }
}

impl From<ValidationError> for Problems {
    fn from(err: ValidationError) -> Self {
        Self(vec![err])
    }
}

impl TryFrom<Vec<ValidationError>> for Problems {
    type Error = &'static str;

    fn try_from(problems: Vec<ValidationError>) -> Result<Self, Self::Error> {
        match problems.is_empty() {
            true => Err("a validation error names at least one problem"),
            false => Ok(Self(problems)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_travels_as_field_code_and_words() {
        let problem = ValidationError::new("email", Invalid::EmailInvalid);
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"field": "email", "code": "email_invalid", "error": "Enter a valid email address"})
        );
        assert_eq!(serde_json::from_value::<ValidationError>(json).unwrap(), problem);
    }

    #[test]
    fn a_problem_is_read_by_its_code_never_by_its_words() {
        let read: ValidationError =
            serde_json::from_str(r#"{"field": "name", "code": "name_required", "error": "Call +1 555 0100"}"#).unwrap();
        assert_eq!(read.to_string(), "Name is required");
        assert!(
            serde_json::from_str::<ValidationError>(r#"{"field": "name", "code": "call_us", "error": "x"}"#).is_err()
        );
        assert!(serde_json::from_str::<Problems>("[]").is_err());
    }

    #[test]
    fn every_rule_has_its_own_code() {
        let mut codes = Invalid::VARIANTS.to_vec();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Invalid::VARIANTS.len());
        assert!(codes.iter().all(|code| code.parse::<Invalid>().is_ok()));
    }
}
