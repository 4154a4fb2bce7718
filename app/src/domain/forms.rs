//! The sign-up and login forms as wholes: every invalid field at once.

use super::{Email, Invalid, Password, Problems, UserName, ValidationError};

/// A registration form whose every field has been parsed.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub name: UserName,
    pub email: Email,
    pub password: Password,
}

impl NewAccount {
    /// Parses every field, reporting each invalid one; on the server, the
    /// password is also screened against the name, the email and the site's
    /// name (see [`Password::screen`]).
    pub fn parse(name: &str, email: &str, password: &str) -> Result<Self, Problems> {
        match (UserName::parse(name), Email::parse(email), Password::parse(password)) {
            (Ok(name), Ok(email), Ok(password)) => {
                #[cfg(feature = "ssr")]
                password.screen(&[name.as_str(), email.as_str(), crate::SITE_NAME])?;
                Ok(Self { name, email, password })
            }
            (name, email, password) => Err(Problems::among([name.err(), email.err(), password.err()])),
        }
    }
}

impl NewAccount {
    /// Every problem that the rules needing no Unicode tables find, for the
    /// browser to report before sending; the server's [`NewAccount::parse`]
    /// applies the rest (normalisation, unusable characters).
    pub fn check(name: &str, email: &str, password: &str) -> Result<(), Problems> {
        match (UserName::check(name), Email::check(email), Password::parse(password)) {
            (Ok(_), Ok(_), Ok(_)) => Ok(()),
            (name, email, password) => Err(Problems::among([name.err(), email.err(), password.err()])),
        }
    }
}

/// An account to be made with a passkey: a name and an email, no password.
#[derive(Debug, Clone)]
pub struct NewPasskeyAccount {
    pub name: UserName,
    pub email: Email,
}

impl NewPasskeyAccount {
    pub fn parse(name: &str, email: &str) -> Result<Self, Problems> {
        match (UserName::parse(name), Email::parse(email)) {
            (Ok(name), Ok(email)) => Ok(Self { name, email }),
            (name, email) => Err(Problems::among([name.err(), email.err()])),
        }
    }

    /// The checks the browser makes before asking for a passkey.
    pub fn check(name: &str, email: &str) -> Result<(), Problems> {
        match (UserName::check(name), Email::check(email)) {
            (Ok(_), Ok(_)) => Ok(()),
            (name, email) => Err(Problems::among([name.err(), email.err()])),
        }
    }
}

/// What the login form needs before it is worth sending: both fields filled
/// in. (Whether they match an account is for the server to say, with one
/// answer for every way of being wrong.)
pub fn check_login_form(email: &str, password: &str) -> Result<(), Problems> {
    let missing = |value: &str, field, message| value.trim().is_empty().then(|| ValidationError::new(field, message));
    match (
        missing(email, "email", Invalid::EmailRequired),
        missing(password, "password", Invalid::PasswordRequired),
    ) {
        (None, None) => Ok(()),
        (email, password) => Err(Problems::among([email, password])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_account_reports_every_invalid_field_in_form_order() {
        let fields = |problems: Problems| problems.iter().map(|p| p.field.clone()).collect::<Vec<_>>();
        assert_eq!(
            fields(NewAccount::parse("", "bad", "short").unwrap_err()),
            ["name", "email", "password"]
        );
        assert_eq!(
            fields(NewAccount::parse("Ada", "bad", "short").unwrap_err()),
            ["email", "password"]
        );
        let problems = NewAccount::parse("", "ada@example.com", "short").unwrap_err();
        assert_eq!(problems.first().invalid, Invalid::NameRequired);
        assert_eq!(fields(problems), ["name", "password"]);
        assert!(NewAccount::parse("Ada", "ada@example.com", "long enough").is_ok());
    }

    #[test]
    fn the_browser_side_check_finds_what_it_can_without_unicode_tables() {
        let fields = |problems: Problems| problems.iter().map(|p| p.field.clone()).collect::<Vec<_>>();
        assert_eq!(
            fields(NewAccount::check(" ", "x", "short").unwrap_err()),
            ["name", "email", "password"]
        );
        assert_eq!(
            NewAccount::check(&"n".repeat(101), "a@", "long enough")
                .unwrap_err()
                .as_slice(),
            [
                ValidationError::new("name", Invalid::NameTooLong),
                ValidationError::new("email", Invalid::EmailInvalid)
            ]
        );
        // What only the full rules refuse is left to the server.
        assert!(NewAccount::check("Ada\u{202e}", "ada@localhost", "long enough").is_ok());
        assert!(NewAccount::parse("Ada\u{202e}", "ada@localhost", "long enough").is_err());
    }

    #[test]
    fn login_form_needs_both_fields_and_nothing_more() {
        let problems = check_login_form(" ", "").unwrap_err();
        assert_eq!(
            problems.as_slice(),
            [
                ValidationError::new("email", Invalid::EmailRequired),
                ValidationError::new("password", Invalid::PasswordRequired)
            ]
        );
        // A malformed email or short password is the server's "invalid email or
        // password", never a hint about what accounts exist.
        assert!(check_login_form("not an email", "x").is_ok());
    }
}
