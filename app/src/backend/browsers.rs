//! A browser as its owner recognises it in a list of sessions or of sign-ins:
//! "Chrome on Windows", not the user agent's 120 characters. The names come
//! from woothee's maintained dataset; the raw string stays available beside
//! them, for the details.

use std::sync::LazyLock;

/// woothee's parser, whose patterns compile once.
static PARSER: LazyLock<woothee::parser::Parser> = LazyLock::new(woothee::parser::Parser::new);

/// The longest name made of an unrecognised user agent's first product.
const PRODUCT_MAX: usize = 40;

/// "Chrome on Windows", "Safari on iPhone", "Firefox" (system unknown); for
/// a user agent woothee does not know, its first product ("Other Browser"
/// of "Other Browser/1.0"); "Unknown browser" for none.
pub fn browser_in_words(user_agent: &str) -> String {
    let parsed = PARSER.parse(user_agent).unwrap_or_default();
    let known = |value: &str| (!value.is_empty() && value != woothee::woothee::VALUE_UNKNOWN).then(|| value.to_owned());
    match (known(parsed.name), known(parsed.os).map(|os| system_in_words(&os))) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(browser), None) => browser,
        (None, _) => first_product(user_agent).unwrap_or_else(|| "Unknown browser".to_owned()),
    }
}

/// woothee's system names as people say them: every Windows since 10 says
/// "Windows NT 10.0", so no version is worth showing.
fn system_in_words(os: &str) -> String {
    match os {
        windows if windows.starts_with("Windows") => "Windows".to_owned(),
        "Mac OSX" => "macOS".to_owned(),
        other => other.to_owned(),
    }
}

/// The name of the user agent's first product: what comes before its first
/// `/` or `(`, trimmed, if there is any.
fn first_product(user_agent: &str) -> Option<String> {
    let product = user_agent.split(['/', '(']).next()?.trim();
    (!product.is_empty()).then(|| product.chars().take(PRODUCT_MAX).collect())
}

#[cfg(test)]
mod tests {
    use super::browser_in_words;

    #[test]
    fn common_browsers_read_as_browser_on_system() {
        for (user_agent, words) in [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                "Chrome on Windows",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                "Safari on macOS",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Linux",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
        ] {
            assert_eq!(browser_in_words(user_agent), words, "{user_agent}");
        }
    }

    #[test]
    fn an_unknown_agent_is_named_by_its_first_product_and_none_is_unknown() {
        assert_eq!(browser_in_words("Other Browser/1.0"), "Other Browser");
        assert_eq!(browser_in_words(""), "Unknown browser");
        assert_eq!(browser_in_words("   "), "Unknown browser");
        assert_eq!(browser_in_words(&"x".repeat(300)).chars().count(), 40);
    }
}
