//! Text that came from a request, made safe to write to a log.

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

#[cfg(test)]
mod tests {
    use super::*;

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
