//! Passwords as typed, and the forms that carry them.

use super::{Invalid, Problems, ValidationError};
use std::fmt;

/// A new password as typed: at least 8 characters and at most 72 bytes, because
/// bcrypt ignores every byte past the 72nd and a silently shortened password is
/// weaker than the one the user chose.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_BYTES: usize = 72;

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        if input.chars().count() < Self::MIN_CHARS {
            return Err(ValidationError::new("password", Invalid::PasswordTooShort));
        }
        if input.len() > Self::MAX_BYTES {
            return Err(ValidationError::new("password", Invalid::PasswordTooLong));
        }
        Ok(Self(input.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Never print a password, not even in debug logs.
impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

/// A re-authentication as typed: the password given.
pub fn check_reauthentication_form(password: &str) -> Result<(), Problems> {
    match password.is_empty() {
        true => Err(Problems::among([Some(ValidationError::new(
            "password",
            Invalid::PasswordRequired,
        ))])),
        false => Ok(()),
    }
}

/// A password change as typed: the current password given, and a new one that
/// follows the rules. Returns the new password.
pub fn check_password_change(current: &str, new: &str) -> Result<Password, Problems> {
    let current_missing = current
        .is_empty()
        .then(|| ValidationError::new("current_password", Invalid::CurrentPasswordRequired));
    let new = Password::parse(new).map_err(|err| err.in_field("new_password"));
    match (current_missing, new) {
        (None, Ok(new)) => Ok(new),
        (current_missing, new) => Err(Problems::among([current_missing, new.err()])),
    }
}

/// The first password of an account made with a passkey, as typed.
pub fn check_first_password(new: &str) -> Result<Password, Problems> {
    Password::parse(new).map_err(|err| err.in_field("new_password").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_needs_eight_characters() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse("ééééééé").is_err(), "7 characters, 14 bytes");
    }

    #[test]
    fn password_over_72_bytes_is_refused_not_truncated() {
        assert!(Password::parse(&"a".repeat(72)).is_ok());
        let err = Password::parse(&"a".repeat(73)).unwrap_err();
        assert_eq!(err.field, "password");
        assert!(err.invalid.to_string().contains("72 bytes"));
        // 25 three-byte characters are 75 bytes although only 25 characters.
        assert!(Password::parse(&"€".repeat(25)).is_err());
    }

    #[test]
    fn password_debug_hides_the_secret() {
        let password = Password::parse("correct horse").unwrap();
        assert_eq!(format!("{password:?}"), "Password(..)");
    }

    #[test]
    fn password_change_names_its_own_fields() {
        let problems = check_password_change("", "short").unwrap_err();
        assert_eq!(
            problems.as_slice(),
            [
                ValidationError::new("current_password", Invalid::CurrentPasswordRequired),
                ValidationError::new("new_password", Invalid::PasswordTooShort)
            ]
        );
        assert_eq!(
            check_password_change("old", "long enough").unwrap().expose(),
            "long enough"
        );
    }
}
