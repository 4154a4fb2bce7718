//! Writing to logs: text that came from a request made safe, and errors shown
//! with their causes.

use std::fmt;

/// Longest piece of request text written to a log, in characters.
const MAX_CHARS: usize = 100;

/// Displays request text with every control character escaped (a newline
/// cannot forge a log line, an escape code cannot reach a terminal) and cut
/// to [`MAX_CHARS`] characters, saying how long it really was.
pub struct Untrusted<'a>(pub &'a str);

impl fmt::Display for Untrusted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars().take(MAX_CHARS) {
            if c.is_control() || c == '\\' {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        let chars = self.0.chars().count();
        if chars > MAX_CHARS {
            write!(f, "…({chars} characters)")?;
        }
        Ok(())
    }
}

/// Displays an error followed by each of its causes (`error: cause: cause`)
/// that its message does not already include: "cannot open the database"
/// says little without the I/O error under it.
pub struct Causes<'a>(pub &'a (dyn std::error::Error + 'static));

impl fmt::Display for Causes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut written = self.0.to_string();
        let mut cause = self.0.source();
        while let Some(err) = cause {
            let text = err.to_string();
            if !written.contains(&text) {
                written = format!("{written}: {text}");
            }
            cause = err.source();
        }
        f.write_str(&written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot open the database")]
    struct Opening(#[source] sqlx::Error);

    #[test]
    fn causes_follow_the_error_once_each() {
        let err = Opening(sqlx::Error::Io(std::io::Error::other("connection reset")));
        assert_eq!(
            Causes(&err).to_string(),
            "cannot open the database: error communicating with database: connection reset"
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        let shown = Untrusted("ada@example.com\naudit: action=login outcome=success\u{1b}[31m\\").to_string();
        assert!(!shown.chars().any(char::is_control), "{shown}");
        assert_eq!(
            shown,
            "ada@example.com\\naudit: action=login outcome=success\\u{1b}[31m\\\\"
        );
    }

    #[test]
    fn long_text_is_cut() {
        let shown = Untrusted(&"x".repeat(60_000)).to_string();
        assert!(shown.len() < 150, "{}", shown.len());
        assert!(shown.ends_with("…(60000 characters)"));
        assert_eq!(Untrusted("ünïcode").to_string(), "ünïcode");
    }
}
