//! The audit trail: every authentication event is a structured `audit` event
//! with the user or normalised email, the client address and the outcome, and
//! never a password, hash or cookie.

use crate::helpers::*;
use reqwest::StatusCode;
use std::{
    cell::RefCell,
    io::Write,
    sync::{Arc, Mutex, Once},
};

/// The `audit` log lines of the calling thread, from now on.
///
/// Not `tracing-test`: it keeps the lines logged inside the test's own span,
/// and the server's events are logged in tasks that do not carry it. Not a
/// subscriber for this thread alone either: tracing caches per call site
/// whether anyone listens, and another test's thread hitting a call site first
/// could make this one miss events. So one subscriber for the whole binary
/// writes each line to the buffer of the thread that logged it, if it has one:
/// a `#[tokio::test]` runs the server's tasks on the test's own thread.
fn capture_this_thread() -> Captured {
    static SUBSCRIBER: Once = Once::new();
    SUBSCRIBER.call_once(|| {
        tracing_subscriber::fmt()
            .with_writer(|| ThreadBuffer)
            .with_ansi(false)
            .with_env_filter("audit=info")
            .init();
    });
    let captured = Captured::default();
    BUFFER.with(|buffer| *buffer.borrow_mut() = Some(captured.clone()));
    captured
}

thread_local! {
    static BUFFER: RefCell<Option<Captured>> = const { RefCell::new(None) };
}

/// Writes to the calling thread's [`Captured`], or nowhere.
struct ThreadBuffer;

impl Write for ThreadBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        BUFFER.with(|buffer| {
            if let Some(captured) = &*buffer.borrow() {
                captured.0.lock().unwrap().extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn lines(&self) -> Vec<String> {
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// The one audit line with all of `parts`.
fn find<'a>(lines: &'a [String], parts: &[&str]) -> &'a str {
    let found: Vec<&String> = lines
        .iter()
        .filter(|line| parts.iter().all(|part| line.contains(part)))
        .collect();
    assert_eq!(found.len(), 1, "one event with {parts:?} in:\n{}", lines.join("\n"));
    found[0]
}

#[tokio::test]
async fn authentication_events_are_logged_without_secrets() {
    let captured = capture_this_thread();

    let app = TestApp::builder()
        .env(&[("LOGIN_MAX_FAILURES_PER_EMAIL", "2")])
        .start()
        .await;
    let (id, cookie) = app.register("Ada", "Ada@Example.com").await;
    let good = app.login("ada@example.com", PASSWORD).await;
    let login_cookie = session_cookie(&good).unwrap();
    for _ in 0..3 {
        app.login(" ADA@example.com", "wrong guess 1").await;
    }
    app.post_form("/api/account/logout-everywhere", &[], Some(&login_cookie))
        .await;
    let changed = app.change_password(&cookie, PASSWORD, "another passphrase").await;
    assert_eq!(
        changed.status(),
        StatusCode::UNAUTHORIZED,
        "revoked by logout-everywhere"
    );
    let fresh = app.login("grace@example.com", PASSWORD).await;
    assert_eq!(fresh.status(), StatusCode::UNAUTHORIZED);
    let (_, grace) = app.register("Grace", "grace@example.com").await;
    app.change_password(&grace, PASSWORD, "another passphrase").await;
    let (_, eve) = app.register("Eve", "eve@example.com").await;
    app.post_form("/api/auth/logout", &[], Some(&eve)).await;
    app.post_form_with("/api/auth/logout", &[], &[("origin", "https://evil.example")])
        .await;
    // Typed text that tries to forge a log line, reach a terminal, and fill the disk.
    let forged = format!(
        "x@example.com\nFORGED audit: action=\"login\" outcome=\"success\"\u{1b}[2J{}",
        "y".repeat(60_000)
    );
    app.login(&forged, "wrong guess 1").await;
    app.stop().await;

    let lines = captured.lines();
    let user = format!("user_id={id}");
    find(
        &lines,
        &[
            "action=\"register\"",
            "outcome=\"success\"",
            &user,
            "email=ada@example.com",
            "client=127.0.0.1",
        ],
    );
    find(
        &lines,
        &[
            "action=\"login\"",
            "outcome=\"success\"",
            &user,
            "email=ada@example.com",
            "client=127.0.0.1",
        ],
    );
    let failures = lines
        .iter()
        .filter(|l| {
            l.contains("action=\"login\"") && l.contains("outcome=\"failure\"") && l.contains("email=ada@example.com")
        })
        .count();
    assert_eq!(failures, 2);
    find(
        &lines,
        &[
            "action=\"login\"",
            "outcome=\"rate_limited\"",
            "email=ada@example.com",
            "client=127.0.0.1",
        ],
    );
    find(
        &lines,
        &["action=\"login\"", "outcome=\"failure\"", "email=grace@example.com"],
    );
    find(
        &lines,
        &[
            "action=\"logout_everywhere\"",
            "outcome=\"success\"",
            &user,
            "client=127.0.0.1",
        ],
    );
    find(
        &lines,
        &["action=\"password_change\"", "outcome=\"success\"", "client=127.0.0.1"],
    );
    find(
        &lines,
        &["action=\"logout\"", "outcome=\"success\"", "client=127.0.0.1"],
    );
    find(
        &lines,
        &[
            "action=\"cross_site_request\"",
            "outcome=\"refused\"",
            "client=127.0.0.1",
        ],
    );

    assert!(
        !lines.iter().any(|line| line.starts_with("FORGED")),
        "a typed newline started a log line"
    );
    assert!(
        !lines.iter().any(|line| line.contains('\u{1b}')),
        "an escape code reached the log"
    );
    let longest = lines.iter().map(String::len).max().unwrap_or(0);
    assert!(longest < 2_000, "a {longest}-byte log line");
    find(
        &lines,
        &["action=\"login\"", "outcome=\"failure\"", "x@example.com\\nforged"],
    );

    let all = lines.join("\n");
    for secret in [
        PASSWORD,
        "wrong guess 1",
        "another passphrase",
        "$2b$",
        &cookie,
        &login_cookie,
        &grace,
        &eve,
    ] {
        let value = secret.split_once('=').map_or(secret, |(_, v)| v);
        assert!(!all.contains(value), "{secret:?} leaked into the logs");
    }
}

#[tokio::test]
async fn passkey_events_name_their_method() {
    use crate::passkeys::{finish, sign_in, sign_up, signed_challenge, Device};
    let captured = capture_this_thread();
    let app = TestApp::start().await;
    let mut device = Device::new(&app);
    let (id, _) = sign_up(&app, &mut device, "Ada", "Ada@Example.com").await;
    assert_eq!(sign_in(&app, &mut device).await.status(), StatusCode::OK);
    let (ceremony, mut assertion) = signed_challenge(&app, &mut device).await;
    assertion["response"]["signature"] = "AAAA".into();
    finish(&app, "/api/auth/passkey/login", &ceremony, &assertion, None).await;
    app.stop().await;

    let lines = captured.lines();
    let user = format!("user_id={id}");
    let passkey = "method=passkey";
    find(
        &lines,
        &[
            "action=\"register\"",
            "outcome=\"success\"",
            passkey,
            &user,
            "email=ada@example.com",
        ],
    );
    find(
        &lines,
        &[
            "action=\"login\"",
            "outcome=\"success\"",
            passkey,
            &user,
            "client=127.0.0.1",
        ],
    );
    find(
        &lines,
        &["action=\"login\"", "outcome=\"failure\"", passkey, "client=127.0.0.1"],
    );
}

#[tokio::test]
async fn a_mailed_token_never_reaches_a_log_line_even_at_debug_level() {
    let store = TestStore::new().await;
    let server = ServerProcess::start(&store.url, &[("RUST_LOG", "debug")]);
    let app = server.client(&store.url);
    let token = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7";
    app.get(&format!("/reset-password?token={token}"), None)
        .await
        .text()
        .await
        .unwrap();
    app.get(&format!("/verify-email?token={token}"), None)
        .await
        .text()
        .await
        .unwrap();
    let form = [("token", token), ("password", "a brand new passphrase")];
    app.post_form("/api/auth/reset-password", &form, None)
        .await
        .text()
        .await
        .unwrap();
    app.post_form("/api/auth/verify-email", &form[..1], None)
        .await
        .text()
        .await
        .unwrap();
    // Everything those requests logged comes before the answer to a later one.
    app.get("/api/log-marker", None).await;
    let logged = server.lines_until(
        "the marker request's trace line",
        std::time::Duration::from_secs(10),
        request_finished("/api/log-marker"),
    );
    assert!(
        logged.iter().any(|line| line.contains("/reset-password")),
        "the requests were logged: {logged:#?}"
    );
    let leaks: Vec<&String> = logged.iter().filter(|line| line.contains(token)).collect();
    assert!(leaks.is_empty(), "{leaks:#?}");
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn sign_ins_at_identity_providers_are_audited_with_their_outcome() {
    use crate::identity::{sign_in_with_provider, through_provider, AtProvider, WithProvider};
    let captured = capture_this_thread();
    let setup = WithProvider::start().await;
    sign_in_with_provider(&setup, &WithProvider::browser(), "ada@example.com", "/users").await;
    let browser = WithProvider::browser();
    let start = format!("{}/auth/test", setup.origin);
    let cancelled = through_provider(&browser, &start, &setup.origin, AtProvider::Cancel).await;
    browser.get(&cancelled).send().await.unwrap();
    WithProvider::browser().get(&cancelled).send().await.unwrap();
    setup.app.stop().await;

    let lines = captured.lines();
    for parts in [
        &[
            "action=\"register\"",
            "outcome=\"success\"",
            "method=oidc:test",
            "user_id=1",
        ][..],
        &[
            "action=\"login\"",
            "outcome=\"success\"",
            "method=oidc:test",
            "user_id=1",
            "client=127.0.0.1",
        ],
        &[
            "action=\"login\"",
            "outcome=\"failure\"",
            "refused at the provider",
            "refused at the provider: access_denied",
        ],
        &[
            "action=\"login\"",
            "outcome=\"failure\"",
            "no live flow for this browser",
        ],
    ] {
        find(&lines, parts);
    }
}
