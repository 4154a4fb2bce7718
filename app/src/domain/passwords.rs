//! Passwords as typed, the rules a new one must pass, and the forms that
//! carry them.

use super::{Invalid, Problems, ValidationError};
use std::fmt;

/// A new password: 8 to 128 characters of any script, every one of them
/// counting (the server pre-hashes it before bcrypt, so nothing past bcrypt's
/// 72 bytes is lost). On the server it is held under the PRECIS
/// `OpaqueString` profile (RFC 8265: other spaces mapped to the ASCII space,
/// NFC), so the same password typed on two keyboards is one password; the
/// browser checks only the length, which needs no Unicode tables.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;
    /// The longest input worth reading (128 characters of at most 4 bytes):
    /// a longer one is refused before a character of it is counted,
    /// normalised or hashed.
    pub const MAX_BYTES: usize = Self::MAX_CHARS * 4;

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let too_long = || ValidationError::new("password", Invalid::PasswordTooLong);
        // Nothing typed is a missing password, on both sides alike (the
        // server's PRECIS step would call it an unusable one).
        if input.is_empty() {
            return Err(ValidationError::new("password", Invalid::PasswordRequired));
        }
        if input.len() > Self::MAX_BYTES {
            return Err(too_long());
        }
        #[cfg(feature = "ssr")]
        let input =
            &*Self::normalise(input).ok_or_else(|| ValidationError::new("password", Invalid::PasswordUnusable))?;
        let chars = input.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(ValidationError::new("password", Invalid::PasswordTooShort));
        }
        if chars > Self::MAX_CHARS {
            return Err(too_long());
        }
        Ok(Self(input.to_owned()))
    }

    /// `input` under the PRECIS `OpaqueString` profile; `None` when it cannot
    /// be a password at all (empty, or holding a control character). A login
    /// is checked in this form too.
    #[cfg(feature = "ssr")]
    pub fn normalise(input: &str) -> Option<String> {
        use precis_core::profile::PrecisFastInvocation;
        precis_profiles::OpaqueString::enforce(input)
            .ok()
            .map(std::borrow::Cow::into_owned)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Screening, on the server only: the list is not worth the browser's bytes.
#[cfg(feature = "ssr")]
impl Password {
    /// Refuses a password an attacker would try first: one of the 10,000 most
    /// common (`app/data/README.md` names the list), compared without regard
    /// to case, or one made only of the words of `context` (the person's
    /// name and email, the site's name) with digits and symbols around them.
    /// Nothing else about its make-up is judged (NIST SP 800-63B forbids
    /// composition rules).
    pub fn screen(&self, context: &[&str]) -> Result<(), ValidationError> {
        let lowered = self.0.to_lowercase();
        if common_passwords().contains(lowered.as_str()) {
            return Err(ValidationError::new("password", Invalid::PasswordCommon));
        }
        if made_of(&lowered, context) {
            return Err(ValidationError::new("password", Invalid::PasswordFromContext));
        }
        Ok(())
    }
}

/// The published list, lower-cased, read once.
#[cfg(feature = "ssr")]
fn common_passwords() -> &'static std::collections::HashSet<String> {
    static LIST: std::sync::LazyLock<std::collections::HashSet<String>> =
        std::sync::LazyLock::new(|| COMMON_PASSWORDS.lines().map(str::to_lowercase).collect());
    &LIST
}

#[cfg(feature = "ssr")]
const COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");

/// Whether `password` (lower-cased) is nothing but words of `context` (runs
/// of letters and digits, at least 3 long) with digits, spaces and symbols:
/// `ada1815!` or `Lovelace Ada` for Ada Lovelace, `sessions2024` here.
#[cfg(feature = "ssr")]
fn made_of(password: &str, context: &[&str]) -> bool {
    let mut words: Vec<String> = context
        .iter()
        .flat_map(|text| {
            text.to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|word| word.chars().count() >= 3)
        .collect();
    // Longest first, so `adaline` goes whole before `ada` can split it.
    words.sort_by_key(|word| std::cmp::Reverse(word.len()));
    let mut rest = password.to_owned();
    for word in &words {
        rest = rest.replace(word.as_str(), " ");
    }
    rest != password && !rest.chars().any(char::is_alphabetic)
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

/// A second step as typed: a code given. (Whether it is right is for the
/// server to say.)
pub fn check_code_form(code: &str) -> Result<(), Problems> {
    match code.trim().is_empty() {
        true => Err(Problems::among([Some(ValidationError::new(
            "code",
            Invalid::CodeRequired,
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
        assert!(Password::parse("éééééééé").is_ok(), "8 characters, 16 bytes");
    }

    #[test]
    fn password_may_have_128_characters_of_any_script() {
        assert!(Password::parse(&"a".repeat(128)).is_ok());
        // 64 two-byte characters: 128 bytes, far past bcrypt's 72.
        assert!(Password::parse(&"é".repeat(64)).is_ok());
        assert!(Password::parse(&"密".repeat(128)).is_ok(), "384 bytes");
        let err = Password::parse(&"a".repeat(129)).unwrap_err();
        assert_eq!(err, ValidationError::new("password", Invalid::PasswordTooLong));
        assert!(err.invalid.to_string().contains("128 characters"));
    }

    #[test]
    fn a_huge_password_is_refused_by_its_bytes_alone() {
        assert_eq!(
            Password::parse(&"密".repeat(50_000)).unwrap_err().invalid,
            Invalid::PasswordTooLong
        );
        assert!(Password::parse(&"a".repeat(Password::MAX_BYTES + 1)).is_err());
    }

    #[test]
    #[cfg(feature = "ssr")]
    fn one_password_typed_two_ways_is_one_password() {
        // NFC: a decomposed é (e + combining acute) is the composed one.
        let composed = Password::parse("caf\u{e9} au lait").unwrap();
        let decomposed = Password::parse("cafe\u{301} au lait").unwrap();
        assert_eq!(composed.expose(), decomposed.expose());
        // A no-break or ideographic space is a space.
        assert_eq!(
            Password::parse("correct\u{a0}horse\u{3000}battery").unwrap().expose(),
            "correct horse battery"
        );
        // Case, width and everything else stay as typed.
        assert_ne!(
            Password::parse("Correct horse").unwrap(),
            Password::parse("correct horse").unwrap()
        );
    }

    #[test]
    #[cfg(feature = "ssr")]
    fn a_password_with_a_control_character_is_refused() {
        assert_eq!(
            Password::parse("correct\u{7}horse").unwrap_err().invalid,
            Invalid::PasswordUnusable
        );
    }

    #[test]
    #[cfg(feature = "ssr")]
    fn common_list_is_the_published_one() {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(COMMON_PASSWORDS.as_bytes());
        let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        assert_eq!(hex, "0279e0e7d854dc40460db18a7cf2e09fb661837dc0ae7d3b8dc6e783ba5d84b4");
        assert_eq!(COMMON_PASSWORDS.lines().count(), 10_000);
    }

    #[test]
    #[cfg(feature = "ssr")]
    fn common_passwords_are_refused_whatever_their_case() {
        for common in [
            "password",
            "PASSWORD",
            "12345678",
            "qwertyuiop",
            "Iloveyou1",
            "football1",
        ] {
            assert_eq!(
                Password::parse(common).unwrap().screen(&[]).unwrap_err(),
                ValidationError::new("password", Invalid::PasswordCommon),
                "{common}"
            );
        }
        assert!(Password::parse("correct horse battery").unwrap().screen(&[]).is_ok());
    }

    #[test]
    #[cfg(feature = "ssr")]
    fn passwords_made_of_the_persons_own_details_are_refused() {
        let context = ["Ada Lovelace", "ada.king@analytical.example", "Sessions"];
        for made_of_them in [
            "adalovelace",
            "Lovelace Ada",
            "ada.king1815",
            "analytical!!",
            "Sessions2024",
            "lovelace-lovelace",
        ] {
            assert_eq!(
                Password::parse(made_of_them).unwrap().screen(&context).unwrap_err(),
                ValidationError::new("password", Invalid::PasswordFromContext),
                "{made_of_them}"
            );
        }
        for own_words_and_more in [
            "ada loves engines",
            "lovelace bernoulli",
            "12345678x9",
            "sessionable tea",
        ] {
            assert!(
                Password::parse(own_words_and_more).unwrap().screen(&context).is_ok(),
                "{own_words_and_more}"
            );
        }
    }

    #[test]
    fn an_empty_password_is_missing_not_unusable() {
        assert_eq!(
            Password::parse("").unwrap_err(),
            ValidationError::new("password", Invalid::PasswordRequired)
        );
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
