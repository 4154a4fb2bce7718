//! Property tests: for any input at all, parsing and cookie opening never panic
//! and never let through what the rules refuse.

use app::domain::{safe_redirect_target, Email, Password, UserName};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn email_parsing_normalises_and_is_idempotent(
        input in "\\PC{0,300}|[ A-Za-z0-9._%+-]{1,40}@[A-Za-z0-9.-]{1,40}|[a-zÀ-ɏ\u{200b}\u{202e}\u{ff21}-\u{ff5a}]{1,10}@[a-zà-ÿ.]{1,20}"
    ) {
        if let Ok(email) = Email::parse(&input) {
            let text = email.as_str();
            prop_assert!(text.chars().count() <= Email::MAX_CHARS);
            prop_assert_eq!(Email::parse(text).unwrap(), email.clone());
            prop_assert_eq!(Email::parse(&input.to_ascii_uppercase()).ok(), Some(email.clone()));
            let (_, domain) = text.rsplit_once('@').unwrap();
            prop_assert!(domain.is_ascii(), "{}", domain);
            prop_assert!(!text.chars().any(|c| c.is_control() || c.is_whitespace() || is_invisible(c)));
        }
    }

    #[test]
    fn names_are_trimmed_bounded_and_printable(input in "\\PC{0,120}|[\\x00-\\x1f a-z]{0,10}") {
        if let Ok(name) = UserName::parse(&input) {
            let text = name.as_str();
            prop_assert_eq!(UserName::parse(text).unwrap(), name.clone());
            prop_assert!((1..=UserName::MAX_CHARS).contains(&text.chars().count()));
            prop_assert!(!text.chars().any(|c| c.is_control() || is_invisible(c)));
        }
    }

    #[test]
    fn passwords_are_accepted_exactly_within_the_bounds(input in "[ -~À-ɏА-я]{0,140}") {
        let chars = input.chars().count();
        let acceptable = (Password::MIN_CHARS..=Password::MAX_CHARS).contains(&chars);
        prop_assert_eq!(Password::parse(&input).is_ok(), acceptable);
    }

    #[test]
    fn any_password_accepted_is_within_the_bounds_and_a_huge_one_never_is(input in "\\PC{0,140}|\\PC{400,600}") {
        match Password::parse(&input) {
            Ok(password) => {
                let chars = password.expose().chars().count();
                prop_assert!((Password::MIN_CHARS..=Password::MAX_CHARS).contains(&chars));
                prop_assert!(input.len() <= Password::MAX_BYTES);
            }
            Err(_) => prop_assert!(
                input.len() > Password::MAX_BYTES
                    || !(Password::MIN_CHARS..=Password::MAX_CHARS).contains(&input.chars().count())
                    || !input.is_ascii(),
                "an ASCII password within the bounds is refused: {:?}", input
            ),
        }
    }

    #[test]
    fn redirect_targets_are_always_local(input in "\\PC{0,60}|[/\\\\:a-z.%0-9]{0,20}|(/|\\.|\\.\\.|%2[eE]|[a-z]){0,12}") {
        let target = safe_redirect_target(&input);
        prop_assert!(target.starts_with('/'));
        prop_assert!(!target.starts_with("//") && !target.starts_with("/\\"));
        prop_assert!(!target.contains('\\') && !target.chars().any(char::is_control));
        // Resolving it again changes nothing: a browser lands where the check looked.
        prop_assert_eq!(safe_redirect_target(&target), target);
    }
}

/// Format characters (`Cf`: zero-width spaces and joiners, byte-order marks,
/// bidi controls) that the identifier rules refuse, by the ranges that hold them.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}' | '\u{feff}')
}

#[cfg(feature = "ssr")]
mod server_side {
    use app::{
        api::Register,
        backend::{
            clock::Clock,
            session::{CookieKeys, Lifetimes, OpenedCookie, SessionConfig},
        },
        model::UserSummary,
    };
    use http::{header::COOKIE, HeaderMap, HeaderValue};
    use proptest::prelude::*;
    use time::Duration;

    const LIFETIMES: Lifetimes = Lifetimes {
        max_age: Duration::days(7),
        absolute_max_age: Duration::days(30),
        reauthentication_max_age: Duration::minutes(10),
    };

    fn config() -> SessionConfig {
        SessionConfig::new(
            CookieKeys::derive(&"a property-test password, long enough".into(), &[]),
            LIFETIMES,
            false,
        )
    }

    fn headers(cookie: &[u8]) -> Option<HeaderMap> {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_bytes(cookie).ok()?);
        Some(headers)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn decoding_any_form_body_never_panics(body in "\\PC{0,200}|[a-z=&%\\[\\]0-9]{0,80}") {
            // The exact decoder and settings of the server functions' form input.
            let _ = serde_qs::Config::new(5, false).deserialize_str::<Register>(&body);
        }

        #[test]
        fn any_cookie_header_is_at_most_rejected(value in proptest::collection::vec(any::<u8>(), 0..600)) {
            let mut cookie = b"session=".to_vec();
            cookie.extend(value);
            if let Some(headers) = headers(&cookie) {
                let opened = config().open(&headers, Clock::default().now());
                let valid = matches!(opened, OpenedCookie::Valid { .. });
                prop_assert!(!valid, "a made-up cookie opened");
            }
        }

        #[test]
        fn any_change_to_a_sealed_cookie_is_rejected(position in any::<prop::sample::Index>(), replacement in any::<u8>()) {
            let config = config();
            let now = Clock::default().now();
            let session = config.start(UserSummary { id: app::domain::UserId::new(1), name: "Ada".into() }, now);
            let sealed = config.seal(&session, now).unwrap();
            let pair = sealed.to_str().unwrap().split(';').next().unwrap().as_bytes().to_vec();
            let mut changed = pair.clone();
            let at = "session=".len() + position.index(pair.len() - "session=".len());
            changed[at] = replacement;
            if let Some(headers) = headers(&changed) {
                if let OpenedCookie::Valid { session: opened, .. } = config.open(&headers, now) {
                    // Only a change that decodes to the same bytes (`%2F` to `%2f`,
                    // say) may open it, and then to the very same session.
                    prop_assert_eq!(opened, session);
                }
            }
        }
    }
}
