//! Where a browser may be sent after a sign-in or a re-authentication.

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
