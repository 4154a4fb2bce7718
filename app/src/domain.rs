//! Account rules shared by the browser and the server: each input is parsed once
//! into a type that can only hold a valid value.

use std::fmt;

/// Why an input was refused, naming the form field it belongs to. Messages
/// come only from [`MESSAGES`], so a page can tell a real one from text someone
/// put in a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub field: &'static str,
    pub message: &'static str,
}

impl ValidationError {
    fn new(field: &'static str, message: &'static str) -> Self {
        Self { field, message }
    }

    /// The same problem, reported on the form field `field`.
    pub fn in_field(self, field: &'static str) -> Self {
        Self { field, ..self }
    }
}

const EMAIL_REQUIRED: &str = "Email is required";
const EMAIL_TOO_LONG: &str = "Email must be at most 254 characters";
const EMAIL_INVALID: &str = "Enter a valid email address";
const NAME_REQUIRED: &str = "Name is required";
const NAME_TOO_LONG: &str = "Name must be at most 100 characters";
const NAME_UNUSABLE: &str = "Name contains a character that cannot be used, such as an invisible or control character";
const PASSKEY_NAME_TOO_LONG: &str = "Passkey name must be at most 64 characters";
const PASSKEY_NAME_UNUSABLE: &str =
    "Passkey name contains a character that cannot be used, such as an invisible or control character";
const PASSWORD_TOO_SHORT: &str = "Password must be at least 8 characters";
pub const PASSWORD_TOO_LONG: &str =
    "Password must be at most 72 bytes (bcrypt's limit; letters outside English take 2 to 4 bytes each)";
const PASSWORD_REQUIRED: &str = "Password is required";
const CURRENT_PASSWORD_REQUIRED: &str = "Current password is required";
const LIMIT_INVALID: &str = "limit must be a whole number from 1 to 100";
const AFTER_INVALID: &str = "after must be a user id";
const BEFORE_INVALID: &str = "before must be a user id";
const CURSORS_EXCLUSIVE: &str = "Give after or before, not both";
const ID_INVALID: &str = "id must be a user id";
/// When a password change is refused for the wrong current password.
pub const CURRENT_PASSWORD_WRONG: &str = "Current password is incorrect";

/// Every validation message there is.
pub const MESSAGES: &[&str] = &[
    EMAIL_REQUIRED,
    EMAIL_TOO_LONG,
    EMAIL_INVALID,
    NAME_REQUIRED,
    NAME_TOO_LONG,
    NAME_UNUSABLE,
    PASSKEY_NAME_TOO_LONG,
    PASSKEY_NAME_UNUSABLE,
    PASSWORD_TOO_SHORT,
    PASSWORD_TOO_LONG,
    PASSWORD_REQUIRED,
    CURRENT_PASSWORD_REQUIRED,
    LIMIT_INVALID,
    AFTER_INVALID,
    BEFORE_INVALID,
    CURSORS_EXCLUSIVE,
    ID_INVALID,
    CURRENT_PASSWORD_WRONG,
];

/// Every invalid field of a form, in form order; never empty. A page shows
/// them all at once; the API, which answers with one error, reports the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(Vec<ValidationError>);

impl Problems {
    /// The problems among `checks`, which hold at least one.
    fn among(checks: impl IntoIterator<Item = Option<ValidationError>>) -> Self {
        Self(checks.into_iter().flatten().collect())
    }

    pub fn first(&self) -> &ValidationError {
        &self.0[0]
    }

    pub fn into_vec(self) -> Vec<ValidationError> {
        self.0
    }
}

impl From<ValidationError> for Problems {
    fn from(err: ValidationError) -> Self {
        Self(vec![err])
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

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
            return Err(ValidationError::new("email", EMAIL_REQUIRED));
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::new("email", EMAIL_TOO_LONG));
        }
        trimmed
            .rsplit_once('@')
            .filter(|(local, domain)| !local.is_empty() && !domain.is_empty())
            .ok_or_else(|| ValidationError::new("email", EMAIL_INVALID))
    }

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        use precis_core::profile::PrecisFastInvocation;
        let (local, domain) = Self::check(input)?;
        let invalid = || ValidationError::new("email", EMAIL_INVALID);
        let local = precis_profiles::UsernameCaseMapped::enforce(local).map_err(|_| invalid())?;
        let domain = idna::domain_to_ascii_strict(domain).map_err(|_| invalid())?;
        let normalised = format!("{local}@{domain}");
        if normalised.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::new("email", EMAIL_TOO_LONG));
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
            return Err(ValidationError::new("name", NAME_REQUIRED));
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::new("name", NAME_TOO_LONG));
        }
        Ok(trimmed)
    }

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let name = nickname(
            Self::check(input)?,
            Self::MAX_CHARS,
            "name",
            NAME_TOO_LONG,
            NAME_UNUSABLE,
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
    too_long: &'static str,
    unusable: &'static str,
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
            return Err(ValidationError::new("passkey_name", PASSKEY_NAME_TOO_LONG));
        }
        let name = nickname(
            trimmed,
            Self::MAX_CHARS,
            "passkey_name",
            PASSKEY_NAME_TOO_LONG,
            PASSKEY_NAME_UNUSABLE,
        )?;
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for PasskeyName {
    fn default() -> Self {
        Self(Self::UNNAMED.to_owned())
    }
}

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
            return Err(ValidationError::new("password", PASSWORD_TOO_SHORT));
        }
        if input.len() > Self::MAX_BYTES {
            return Err(ValidationError::new("password", PASSWORD_TOO_LONG));
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

/// A registration form whose every field has been parsed.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub name: UserName,
    pub email: Email,
    pub password: Password,
}

impl NewAccount {
    /// Parses every field, reporting each invalid one.
    pub fn parse(name: &str, email: &str, password: &str) -> Result<Self, Problems> {
        match (UserName::parse(name), Email::parse(email), Password::parse(password)) {
            (Ok(name), Ok(email), Ok(password)) => Ok(Self { name, email, password }),
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
        missing(email, "email", EMAIL_REQUIRED),
        missing(password, "password", PASSWORD_REQUIRED),
    ) {
        (None, None) => Ok(()),
        (email, password) => Err(Problems::among([email, password])),
    }
}

/// A re-authentication as typed: the password given.
pub fn check_reauthentication_form(password: &str) -> Result<(), Problems> {
    match password.is_empty() {
        true => Err(Problems::among([Some(ValidationError::new(
            "password",
            PASSWORD_REQUIRED,
        ))])),
        false => Ok(()),
    }
}

/// A password change as typed: the current password given, and a new one that
/// follows the rules. Returns the new password.
pub fn check_password_change(current: &str, new: &str) -> Result<Password, Problems> {
    let current_missing = current
        .is_empty()
        .then(|| ValidationError::new("current_password", CURRENT_PASSWORD_REQUIRED));
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

/// Which page of the user list: at most `limit` users next to `cursor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub cursor: Cursor,
    pub limit: i64,
}

/// Where a page of users is, by id: the list is read by keyset, so a page
/// stays put however many users register meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// The users with ids above this one (`After(0)` is the first page).
    After(i64),
    /// The users just before this id: the page before one that starts there.
    Before(i64),
}

impl PageRequest {
    pub const DEFAULT_LIMIT: i64 = 10;
    pub const MAX_LIMIT: i64 = 100;

    pub fn parse(limit: Option<&str>, after: Option<&str>, before: Option<&str>) -> Result<Self, ValidationError> {
        fn given(value: Option<&str>) -> Option<&str> {
            value.map(str::trim).filter(|value| !value.is_empty())
        }
        let id = |text: &str, field, message| {
            text.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| ValidationError::new(field, message))
        };
        let limit = match given(limit) {
            None => Self::DEFAULT_LIMIT,
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=Self::MAX_LIMIT).contains(n))
                .ok_or_else(|| ValidationError::new("limit", LIMIT_INVALID))?,
        };
        let cursor = match (given(after), given(before)) {
            (None, None) => Cursor::After(0),
            (Some(after), None) => Cursor::After(id(after, "after", AFTER_INVALID)?),
            (None, Some(before)) => Cursor::Before(id(before, "before", BEFORE_INVALID)?),
            (Some(_), Some(_)) => return Err(ValidationError::new("before", CURSORS_EXCLUSIVE)),
        };
        Ok(Self { cursor, limit })
    }
}

/// A user id from a URL.
pub fn parse_user_id(input: &str) -> Result<i64, ValidationError> {
    input
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ValidationError::new("id", ID_INVALID))
}

/// The page to land on after login: only a same-site path is accepted, with its
/// dot segments resolved first (`/.//evil` and `/..//evil` are `//evil`, another
/// host); anything else (absolute URLs, `//host`, `/\\host`, schemes, control
/// characters) falls back to `/users`.
pub fn safe_redirect_target(requested: &str) -> String {
    redirect_target_or(requested, "/users")
}

/// Where a re-authentication goes back to: [`safe_redirect_target`], but
/// the account page when the path is missing or refused.
pub fn reauthentication_target(requested: &str) -> String {
    redirect_target_or(requested, "/account")
}

fn redirect_target_or(requested: &str, default: &str) -> String {
    if !requested.starts_with('/') || requested.chars().any(|c| c.is_control() || c == '\\') {
        return default.to_owned();
    }
    let (path, rest) = requested.split_at(requested.find(['?', '#']).unwrap_or(requested.len()));
    let path = resolve_dot_segments(path);
    if path.starts_with("//") {
        return default.to_owned();
    }
    percent_encode_non_ascii(&(path + rest))
}

/// `target` with every character outside printable ASCII percent-encoded
/// as UTF-8, as a browser sends it: a `Location` header holds nothing else.
fn percent_encode_non_ascii(target: &str) -> String {
    let mut encoded = String::with_capacity(target.len());
    for c in target.chars() {
        if c.is_ascii_graphic() {
            encoded.push(c);
        } else {
            let mut bytes = [0; 4];
            for byte in c.encode_utf8(&mut bytes).bytes() {
                encoded.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    encoded
}

/// RFC 3986 section 5.2.4 on an absolute path, with `%2e` read as `.` as
/// browsers do. Written here because the `url` crate is not part of the wasm build.
fn resolve_dot_segments(path: &str) -> String {
    let is_dot = |segment: &str| segment == "." || segment.eq_ignore_ascii_case("%2e");
    let is_dot_dot = |segment: &str| matches!(segment.to_ascii_lowercase().as_str(), ".." | ".%2e" | "%2e." | "%2e%2e");
    let segments: Vec<&str> = path[1..].split('/').collect();
    let mut resolved: Vec<&str> = Vec::with_capacity(segments.len());
    for (index, segment) in segments.iter().enumerate() {
        let last = index + 1 == segments.len();
        if is_dot_dot(segment) {
            resolved.pop();
        } else if !is_dot(segment) {
            resolved.push(segment);
            continue;
        }
        // `/a/b/..` is `/a/`: a dot segment at the end leaves the folder's slash.
        if last {
            resolved.push("");
        }
    }
    format!("/{}", resolved.join("/"))
}

#[cfg(test)]
mod tests {
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
        assert_eq!(err.message, EMAIL_TOO_LONG);
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
                Err(err) => assert_eq!(err.message, EMAIL_INVALID, "{spelling:?}"),
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
            assert_eq!(Email::parse(hidden).unwrap_err().message, EMAIL_INVALID, "{hidden:?}");
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
                UserName::parse(hidden).unwrap_err().message,
                NAME_UNUSABLE,
                "{hidden:?}"
            );
        }
        assert_eq!(UserName::parse("Ａｄａ").unwrap().as_str(), "Ada", "width folded");
        assert_eq!(UserName::parse("Ada   Lovelace").unwrap().as_str(), "Ada Lovelace");
        for fine in ["Zoë Ĳssel", "李小龙", "مرحبا", "Ada 😀", "O'Brien-Smith"] {
            assert!(UserName::parse(fine).is_ok(), "{fine:?}");
        }
    }

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
        assert!(err.message.contains("72 bytes"));
        assert!(MESSAGES.contains(&err.message));
        // 25 three-byte characters are 75 bytes although only 25 characters.
        assert!(Password::parse(&"€".repeat(25)).is_err());
    }

    #[test]
    fn messages_state_the_limits_the_code_enforces() {
        assert!(EMAIL_TOO_LONG.contains(&Email::MAX_CHARS.to_string()));
        assert!(NAME_TOO_LONG.contains(&UserName::MAX_CHARS.to_string()));
        assert!(PASSWORD_TOO_SHORT.contains(&Password::MIN_CHARS.to_string()));
        assert!(PASSWORD_TOO_LONG.contains(&Password::MAX_BYTES.to_string()));
        assert!(LIMIT_INVALID.contains(&PageRequest::MAX_LIMIT.to_string()));
    }

    #[test]
    fn password_debug_hides_the_secret() {
        let password = Password::parse("correct horse").unwrap();
        assert_eq!(format!("{password:?}"), "Password(..)");
    }

    #[test]
    fn new_account_reports_every_invalid_field_in_form_order() {
        let fields = |problems: Problems| problems.into_vec().iter().map(|p| p.field).collect::<Vec<_>>();
        assert_eq!(
            fields(NewAccount::parse("", "bad", "short").unwrap_err()),
            ["name", "email", "password"]
        );
        assert_eq!(
            fields(NewAccount::parse("Ada", "bad", "short").unwrap_err()),
            ["email", "password"]
        );
        let problems = NewAccount::parse("", "ada@example.com", "short").unwrap_err();
        assert_eq!(problems.first().message, NAME_REQUIRED);
        assert_eq!(fields(problems), ["name", "password"]);
        assert!(NewAccount::parse("Ada", "ada@example.com", "long enough").is_ok());
    }

    #[test]
    fn the_browser_side_check_finds_what_it_can_without_unicode_tables() {
        let fields = |problems: Problems| problems.into_vec().iter().map(|p| p.field).collect::<Vec<_>>();
        assert_eq!(
            fields(NewAccount::check(" ", "x", "short").unwrap_err()),
            ["name", "email", "password"]
        );
        assert_eq!(
            NewAccount::check(&"n".repeat(101), "a@", "long enough")
                .unwrap_err()
                .into_vec(),
            [
                ValidationError::new("name", NAME_TOO_LONG),
                ValidationError::new("email", EMAIL_INVALID)
            ]
        );
        // What only the full rules refuse is left to the server.
        assert!(NewAccount::check("Ada\u{202e}", "ada@localhost", "long enough").is_ok());
        assert!(NewAccount::parse("Ada\u{202e}", "ada@localhost", "long enough").is_err());
    }

    #[test]
    fn login_form_needs_both_fields_and_nothing_more() {
        let problems = check_login_form(" ", "").unwrap_err().into_vec();
        assert_eq!(
            problems,
            [
                ValidationError::new("email", EMAIL_REQUIRED),
                ValidationError::new("password", PASSWORD_REQUIRED)
            ]
        );
        // A malformed email or short password is the server's "invalid email or
        // password", never a hint about what accounts exist.
        assert!(check_login_form("not an email", "x").is_ok());
    }

    #[test]
    fn password_change_names_its_own_fields() {
        let problems = check_password_change("", "short").unwrap_err().into_vec();
        assert_eq!(
            problems,
            [
                ValidationError::new("current_password", CURRENT_PASSWORD_REQUIRED),
                ValidationError::new("new_password", PASSWORD_TOO_SHORT)
            ]
        );
        assert_eq!(
            check_password_change("old", "long enough").unwrap().expose(),
            "long enough"
        );
    }

    #[test]
    fn page_request_defaults_and_bounds() {
        let page = |limit, cursor| PageRequest { cursor, limit };
        assert_eq!(
            PageRequest::parse(None, None, None).unwrap(),
            page(10, Cursor::After(0))
        );
        assert_eq!(
            PageRequest::parse(Some("100"), Some("42"), None).unwrap(),
            page(100, Cursor::After(42))
        );
        assert_eq!(
            PageRequest::parse(None, Some(" "), Some("42")).unwrap(),
            page(10, Cursor::Before(42))
        );
        for bad in ["0", "101", "-1", "ten", "1.5"] {
            assert_eq!(
                PageRequest::parse(Some(bad), None, None).unwrap_err().field,
                "limit",
                "{bad}"
            );
        }
        for bad in ["x", "-3"] {
            assert_eq!(PageRequest::parse(None, Some(bad), None).unwrap_err().field, "after");
            assert_eq!(PageRequest::parse(None, None, Some(bad)).unwrap_err().field, "before");
        }
        let both = PageRequest::parse(None, Some("1"), Some("9")).unwrap_err();
        assert_eq!(both.message, CURSORS_EXCLUSIVE);
    }

    #[test]
    fn user_id_must_be_positive_integer() {
        assert_eq!(parse_user_id("12"), Ok(12));
        for bad in ["", "0", "-1", "abc", "1e3", "99999999999999999999"] {
            assert!(parse_user_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn redirect_target_only_accepts_local_paths() {
        for good in ["/users", "/users/3", "/users?after=10", "/users?q=http://a"] {
            assert_eq!(safe_redirect_target(good), good);
        }
        assert_eq!(safe_redirect_target("/users/./3"), "/users/3");
        assert_eq!(safe_redirect_target("/users/x/../3?a=/../b"), "/users/3?a=/../b");
        assert_eq!(safe_redirect_target("/users/.."), "/");
        assert_eq!(safe_redirect_target("/a//b"), "/a//b");
        assert_eq!(safe_redirect_target("/é?q=ü x"), "/%C3%A9?q=%C3%BC%20x");
        assert_eq!(reauthentication_target(""), "/account");
        assert_eq!(reauthentication_target("//evil.example"), "/account");
        assert_eq!(reauthentication_target("/account?done=1"), "/account?done=1");
        for bad in [
            "",
            "users",
            "http://evil.example",
            "https://evil.example/users",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "https:evil.example",
            "/users\n/evil",
            "/.//evil.invalid",
            "/..//evil.invalid",
            "/%2e//evil.invalid",
            "/%2E%2e//evil.invalid",
            "/x/../..//evil.invalid",
            "/././/evil.invalid/users",
        ] {
            assert_eq!(safe_redirect_target(bad), "/users", "{bad:?}");
        }
    }
}
