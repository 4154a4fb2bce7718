//! The identifiers a person types: an email address, a display name, a
//! passkey's name.

use super::{Invalid, ValidationError};

/// An email address in one canonical form, so that one mailbox is one account:
/// the local part under the PRECIS `UsernameCaseMapped` profile (RFC 8265: width
/// and case folded, NFC, no invisible or direction-changing characters) and the
/// domain in its IDNA ASCII form (UTS 46), so `exämple.com`, `EXÄMPLE.com`,
/// `ｅxämple.com` and `xn--exmple-cua.com` are one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_CHARS: usize = 254;

    /// The rules that need no Unicode tables: given, not too long, and
    /// `something@something`. Run first by [`Email::parse`], so a huge input
    /// costs nothing, and alone by the browser, whose bundle stays small.
    pub fn check(input: &str) -> Result<(&str, &str), ValidationError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ValidationError::new("email", Invalid::EmailRequired));
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::new("email", Invalid::EmailTooLong));
        }
        trimmed
            .rsplit_once('@')
            .filter(|(local, domain)| !local.is_empty() && !domain.is_empty())
            .ok_or_else(|| ValidationError::new("email", Invalid::EmailInvalid))
    }

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        use precis_core::profile::PrecisFastInvocation;
        let (local, domain) = Self::check(input)?;
        let invalid = || ValidationError::new("email", Invalid::EmailInvalid);
        let local = precis_profiles::UsernameCaseMapped::enforce(local).map_err(|_| invalid())?;
        let domain = idna::domain_to_ascii_strict(domain).map_err(|_| invalid())?;
        let normalised = format!("{local}@{domain}");
        if normalised.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::new("email", Invalid::EmailTooLong));
        }
        // The crate accepts quoted local parts and IP-literal domains; a sign-up form
        // only wants the ordinary `local@domain.tld` shape.
        let ordinary = email_address::EmailAddress::parse_with_options(
            &normalised,
            email_address::Options::default()
                .without_display_text()
                .without_domain_literal(),
        )
        .is_ok_and(|address| address.domain().contains('.') && !address.local_part().starts_with('"'));
        if !ordinary {
            return Err(invalid());
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name under the PRECIS `Nickname` profile (RFC 8266): spaces
/// collapsed, NFKC, and no control, invisible or direction-changing characters,
/// so that a name cannot pose as another or reorder the text around it; 1 to
/// 100 characters. (The profile's tables are Unicode 6.3's, as the PRECIS
/// registry's, so a few newer emoji are refused too.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName(String);

impl UserName {
    pub const MAX_CHARS: usize = 100;

    /// The rules that need no Unicode tables: given and not too long. Run
    /// first by [`UserName::parse`], and alone by the browser.
    pub fn check(input: &str) -> Result<&str, ValidationError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ValidationError::new("name", Invalid::NameRequired));
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::new("name", Invalid::NameTooLong));
        }
        Ok(trimmed)
    }

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let name = nickname(
            Self::check(input)?,
            Self::MAX_CHARS,
            "name",
            Invalid::NameTooLong,
            Invalid::NameUnusable,
        )?;
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `text` under the PRECIS `Nickname` profile, at most `max_chars` long after
/// it (compatibility forms can expand: one ligature becomes several
/// letters); otherwise the problem with `field`, `too_long` or `unusable`.
fn nickname(
    text: &str,
    max_chars: usize,
    field: &'static str,
    too_long: Invalid,
    unusable: Invalid,
) -> Result<String, ValidationError> {
    use precis_core::profile::PrecisFastInvocation;
    let name = precis_profiles::Nickname::enforce(text).map_err(|_| ValidationError::new(field, unusable))?;
    if name.chars().count() > max_chars {
        return Err(ValidationError::new(field, too_long));
    }
    Ok(name.into_owned())
}

/// What the account page lists a passkey as: the user's own words for it,
/// under the rules of [`UserName`], at most 64 characters; left empty, it is
/// "Passkey".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyName(String);

impl PasskeyName {
    pub const MAX_CHARS: usize = 64;
    const UNNAMED: &str = "Passkey";

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Ok(Self::default());
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::new("passkey_name", Invalid::PasskeyNameTooLong));
        }
        let name = nickname(
            trimmed,
            Self::MAX_CHARS,
            "passkey_name",
            Invalid::PasskeyNameTooLong,
            Invalid::PasskeyNameUnusable,
        )?;
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// This name, or, when the account has a passkey called so already (one
    /// of `taken`), the first of "Name (2)", "Name (3)", ... that it has not:
    /// the account page must tell its passkeys apart, and so must a screen
    /// reader's list of its `Remove` buttons.
    pub fn numbered_apart_from(self, taken: &[&str]) -> Self {
        if !taken.contains(&self.as_str()) {
            return self;
        }
        (2..)
            .map(|number| {
                let suffix = format!(" ({number})");
                let room = Self::MAX_CHARS - suffix.chars().count();
                let base: String = self.0.chars().take(room).collect();
                format!("{}{suffix}", base.trim_end())
            })
            .find(|numbered| !taken.contains(&numbered.as_str()))
            .map_or(self, Self)
    }
}

impl Default for PasskeyName {
    fn default() -> Self {
        Self(Self::UNNAMED.to_owned())
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_passkey_name_the_account_has_is_numbered() {
        let name = |input: &str| PasskeyName::parse(input).unwrap();
        assert_eq!(name("Phone").numbered_apart_from(&["Laptop"]).as_str(), "Phone");
        assert_eq!(name("Phone").numbered_apart_from(&["Phone"]).as_str(), "Phone (2)");
        assert_eq!(
            name("").numbered_apart_from(&["Passkey", "Passkey (2)"]).as_str(),
            "Passkey (3)"
        );
        let long = "x".repeat(PasskeyName::MAX_CHARS);
        let numbered = name(&long).numbered_apart_from(&[&long]);
        assert_eq!(numbered.as_str().chars().count(), PasskeyName::MAX_CHARS);
        assert!(numbered.as_str().ends_with(" (2)"));
    }
    use super::*;

    #[test]
    fn email_is_trimmed_and_lower_cased() {
        let email = Email::parse("  Alice@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "alice@example.com");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "   ",
            "alice",
            "alice@",
            "@example.com",
            "alice@example",
            "a b@example.com",
            "\"quoted\"@example.com",
            "alice@[127.0.0.1]",
            "Alice <alice@example.com>",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.field, "email", "{bad:?}");
        }
    }

    #[test]
    fn email_length_is_capped_at_254_characters() {
        let local = "a".repeat(60);
        let domain = format!("{}.{}.{}.example.com", "b".repeat(60), "c".repeat(60), "d".repeat(50));
        let at_limit = format!("{local}@{domain}");
        assert!(at_limit.len() <= 254);
        assert!(Email::parse(&at_limit).is_ok());
        let too_long = format!(
            "{}@{}.{}.{}.com",
            "a".repeat(64),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(63)
        );
        let err = Email::parse(&too_long).unwrap_err();
        assert_eq!(err.invalid, Invalid::EmailTooLong);
    }

    #[test]
    fn name_is_trimmed_and_bounded() {
        assert_eq!(UserName::parse("  Ada  ").unwrap().as_str(), "Ada");
        assert!(UserName::parse("   ").is_err());
        assert!(UserName::parse(&"x".repeat(100)).is_ok());
        assert!(UserName::parse(&"é".repeat(100)).is_ok(), "counted in characters");
        assert!(UserName::parse(&"x".repeat(101)).is_err());
        assert!(UserName::parse("a\u{0}b").is_err());
    }

    #[test]
    fn look_alike_emails_are_one_account() {
        let canonical = Email::parse("alice@example.com").unwrap();
        for spelling in [
            "ALICE@EXAMPLE.COM",
            "alice@ｅxample.com",
            "ａｌｉｃｅ@example.com",
            "alice@example.com.",
        ] {
            match Email::parse(spelling) {
                Ok(email) => assert_eq!(email, canonical, "{spelling:?}"),
                Err(err) => assert_eq!(err.invalid, Invalid::EmailInvalid, "{spelling:?}"),
            }
        }
        let unicode = Email::parse("alice@exämple.com").unwrap();
        assert_eq!(unicode.as_str(), "alice@xn--exmple-cua.com");
        assert_eq!(Email::parse("Alice@EXÄMPLE.com").unwrap(), unicode);
        assert_eq!(Email::parse("alice@xn--exmple-cua.com").unwrap(), unicode);
    }

    #[test]
    fn invisible_and_direction_characters_are_refused_in_emails() {
        for hidden in [
            "alice\u{200b}@example.com",
            "\u{feff}alice@example.com",
            "al\u{202e}ice@example.com",
            "alice\u{2066}@example.com",
            "alice@exa\u{200d}mple.com",
            "alice\u{00ad}@example.com",
        ] {
            assert_eq!(
                Email::parse(hidden).unwrap_err().invalid,
                Invalid::EmailInvalid,
                "{hidden:?}"
            );
        }
    }

    #[test]
    fn names_refuse_invisible_and_direction_characters() {
        for hidden in [
            "Ada\u{202e}gnirts",
            "A\u{200b}da",
            "\u{feff}Ada",
            "Ada\u{2067}",
            "Ada\u{061c}",
            "Ad\u{00ad}a",
        ] {
            assert_eq!(
                UserName::parse(hidden).unwrap_err().invalid,
                Invalid::NameUnusable,
                "{hidden:?}"
            );
        }
        assert_eq!(UserName::parse("Ａｄａ").unwrap().as_str(), "Ada", "width folded");
        assert_eq!(UserName::parse("Ada   Lovelace").unwrap().as_str(), "Ada Lovelace");
        for fine in ["Zoë Ĳssel", "李小龙", "مرحبا", "Ada 😀", "O'Brien-Smith"] {
            assert!(UserName::parse(fine).is_ok(), "{fine:?}");
        }
    }
}
