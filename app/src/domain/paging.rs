//! Which page of the user list, and user ids from URLs.

use super::{Invalid, UserId, ValidationError};

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
                .ok_or_else(|| ValidationError::new("limit", Invalid::LimitInvalid))?,
        };
        let cursor = match (given(after), given(before)) {
            (None, None) => Cursor::After(0),
            (Some(after), None) => Cursor::After(id(after, "after", Invalid::AfterInvalid)?),
            (None, Some(before)) => Cursor::Before(id(before, "before", Invalid::BeforeInvalid)?),
            (Some(_), Some(_)) => return Err(ValidationError::new("before", Invalid::CursorsExclusive)),
        };
        Ok(Self { cursor, limit })
    }
}

/// A user id from a URL.
pub fn parse_user_id(input: &str) -> Result<UserId, ValidationError> {
    input
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(UserId::new)
        .ok_or_else(|| ValidationError::new("id", Invalid::IdInvalid))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(both.invalid, Invalid::CursorsExclusive);
    }

    #[test]
    fn user_id_must_be_positive_integer() {
        assert_eq!(parse_user_id("12"), Ok(UserId::new(12)));
        for bad in ["", "0", "-1", "abc", "1e3", "99999999999999999999"] {
            assert!(parse_user_id(bad).is_err(), "{bad}");
        }
    }
}
