//! Security properties of the HTTP surface, each proven over real HTTP.

use crate::helpers::*;
use app::backend::{clock::UnixTime, limits::Counter};
use reqwest::{
    header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, LOCATION, RETRY_AFTER, SET_COOKIE},
    StatusCode,
};
use serde_json::json;

#[tokio::test]
async fn failed_logins_per_email_are_limited_without_bcrypt_work() {
    let app = TestApp::start().await;
    app.register("Ada", "ada@example.com").await;
    let wrong = [("email", "ada@example.com"), ("password", "wrong password")];
    for _ in 0..5 {
        let response = app.post_form("/api/auth/login", &wrong, None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let verified = app.state().passwords.verifications();
    // Also under another spelling of the same address, and with the right password.
    for email in ["ada@example.com", " ADA@Example.com "] {
        for password in ["wrong password", PASSWORD] {
            let response = app.login(email, password).await;
            assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
            // The window (15 minutes) began with the first failure; the clock stands still.
            assert_eq!(response.headers()[RETRY_AFTER], "900");
            assert!(session_cookie(&response).is_none());
            assert_eq!(
                json(response).await,
                json!({"error": "Too many attempts, try again later", "code": "too_many_requests", "retry_after": 900})
            );
        }
    }
    assert_eq!(
        app.state().passwords.verifications(),
        verified,
        "no bcrypt work past the limit"
    );
    // Another account is not affected.
    app.register("Grace", "grace@example.com").await;
    let other = app.login("grace@example.com", PASSWORD).await;
    assert_eq!(other.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn a_successful_login_resets_the_email_count() {
    let app = TestApp::start().await;
    app.register("Ada", "ada@example.com").await;
    let wrong = [("email", "ada@example.com"), ("password", "wrong password")];
    let right = [("email", "ada@example.com"), ("password", PASSWORD)];
    for _ in 0..4 {
        app.post_form("/api/auth/login", &wrong, None).await;
    }
    assert_eq!(
        app.post_form("/api/auth/login", &right, None).await.status(),
        StatusCode::OK
    );
    for _ in 0..4 {
        assert_eq!(
            app.post_form("/api/auth/login", &wrong, None).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.post_form("/api/auth/login", &right, None).await.status(),
        StatusCode::OK
    );
    app.stop().await;
}

#[tokio::test]
async fn failed_logins_per_address_are_limited() {
    let app = TestApp::builder()
        .env(&[("LOGIN_MAX_FAILURES_PER_ADDRESS", "3")])
        .start()
        .await;
    for n in 0..3 {
        let email = format!("guess{n}@example.com");
        let response = app.login(&email, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = app.login("fresh@example.com", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key(RETRY_AFTER));
    app.stop().await;
}

#[tokio::test]
async fn registrations_per_address_are_limited() {
    let app = TestApp::builder()
        .env(&[("REGISTER_MAX_PER_ADDRESS", "2")])
        .start()
        .await;
    app.register("One", "one@example.com").await;
    app.register("Two", "two@example.com").await;
    let response = app
        .post_form(
            "/api/register",
            &[
                ("name", "Three"),
                ("email", "three@example.com"),
                ("password", PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key(RETRY_AFTER));
    app.stop().await;
}

#[tokio::test]
async fn unknown_email_and_wrong_password_each_cost_exactly_one_verification() {
    let app = TestApp::start().await;
    app.register("Ada", "ada@example.com").await;
    for (email, password) in [
        ("ada@example.com", "wrong password"),
        ("nobody@example.com", PASSWORD),
        ("not an email", PASSWORD),
        ("ada@example.com", PASSWORD),
    ] {
        let before = app.state().passwords.verifications();
        app.login(email, password).await;
        assert_eq!(
            app.state().passwords.verifications() - before,
            1,
            "{email} / {password}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn cross_site_requests_are_refused_before_any_work() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let own_origin = app.base.clone();
    let cookie_header = ("cookie", cookie.as_str());
    let refused: [&[(&str, &str)]; 3] = [
        &[cookie_header, ("origin", "https://evil.example")],
        &[cookie_header, ("origin", "null")],
        &[cookie_header, ("sec-fetch-site", "cross-site")],
    ];
    for headers in refused {
        let response = app.post_form_with("/api/auth/logout", &[], headers).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
        assert!(response.headers().get(SET_COOKIE).is_none());
        assert_eq!(
            json(response).await,
            json!({"error": "Cross-site request refused", "code": "cross_site_refused"})
        );
    }
    // The session is still valid: nothing was done.
    assert_eq!(app.session_status(&cookie).await, StatusCode::OK);

    // Login CSRF: refused without a bcrypt verification or a cookie.
    let before = app.state().passwords.verifications();
    let login = app
        .post_form_with(
            "/api/auth/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(login.status(), StatusCode::FORBIDDEN);
    assert!(session_cookie(&login).is_none());
    assert_eq!(app.state().passwords.verifications(), before);

    // The site's own pages, with or without JavaScript, still work.
    let same = app
        .post_form_with(
            "/api/auth/logout",
            &[],
            &[
                cookie_header,
                ("origin", &own_origin),
                ("sec-fetch-site", "same-origin"),
            ],
        )
        .await;
    assert_eq!(same.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn state_changing_endpoints_refuse_get() {
    let app = TestApp::start().await;
    for path in ["/api/register", "/api/auth/login", "/api/auth/logout"] {
        let response = app.get(path, None).await;
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert!(json(response).await["error"].is_string());
    }
    app.stop().await;
}

#[tokio::test]
async fn pages_carry_a_nonce_based_content_security_policy_and_hardening_headers() {
    let app = TestApp::start().await;
    let response = app.get("/login", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    let policy = headers[CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(
        policy.contains("'wasm-unsafe-eval'") && policy.contains("frame-ancestors 'none'"),
        "{policy}"
    );
    let nonce = policy
        .split_once("'nonce-")
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(nonce, _)| nonce.to_owned())
        .expect("a nonce in script-src");
    let html = response.text().await.unwrap();
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert!(
        html.matches(&format!("nonce=\"{nonce}\"")).count() >= scripts,
        "every script has the nonce"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "strict-origin-when-cross-origin");
    assert!(headers["permissions-policy"].to_str().unwrap().contains("camera=()"));
    assert!(headers.get("strict-transport-security").is_none(), "plain http");

    // A second response gets a different nonce.
    let again = app.get("/login", None).await;
    assert_ne!(again.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap(), policy);

    // JSON and static responses are locked down too.
    let api = app.get("/api/_auth/session", None).await;
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
    assert!(api.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .starts_with("default-src 'none'"));
    app.stop().await;
}

#[tokio::test]
async fn https_deployments_get_hsts_and_a_host_prefixed_secure_cookie() {
    let app = TestApp::builder().env(&[("COOKIE_SECURE", "true")]).start().await;
    let response = app
        .post_form(
            "/api/register",
            &[("name", "Ada"), ("email", "ada@example.com"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert!(response.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .contains("max-age="));
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with(&format!("__Host-{}=", cookie_name("session")))
            && cookie.contains("Secure")
            && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
    app.stop().await;
}

#[tokio::test]
async fn responses_with_sessions_are_never_cached_and_anonymous_ones_get_no_cookie() {
    let app = TestApp::start().await;
    for path in ["/", "/login", "/register", "/api/_auth/session", "/api/users"] {
        let response = app.get(path, None).await;
        assert!(response.headers().get(SET_COOKIE).is_none(), "{path}");
    }
    let register = app
        .post_form(
            "/api/register",
            &[("name", "Ada"), ("email", "ada@example.com"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(register.headers()[CACHE_CONTROL], "no-store");
    let cookie = session_cookie(&register).unwrap();
    for path in ["/users", "/api/users", "/api/_auth/session", "/"] {
        let response = app.get(path, Some(&cookie)).await;
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store", "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn login_redirect_only_follows_local_paths() {
    let app = TestApp::start().await;
    app.register("Ada", "ada@example.com").await;
    let cases = [
        ("/users/1", "/users/1"),
        ("/users?after=3", "/users?after=3"),
        ("http://evil.example", "/users"),
        ("https://evil.example/users", "/users"),
        ("//evil.example", "/users"),
        ("///evil.example", "/users"),
        ("/\\evil.example", "/users"),
        ("\\\\evil.example", "/users"),
        ("javascript:alert(1)", "/users"),
        ("https:evil.example", "/users"),
        ("%2F%2Fevil.example", "/users"),
        ("/%5Cevil.example", "/%5Cevil.example"),
        ("", "/users"),
    ];
    for (redirect, expected) in cases {
        let response = html_form_post(
            &app,
            "/api/auth/login",
            &[
                ("email", "ada@example.com"),
                ("password", PASSWORD),
                ("redirect", redirect),
            ],
            "/login",
            None,
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{redirect}");
        assert_eq!(response.headers()[LOCATION], expected, "{redirect}");
    }
    // The page guard that sends a logged-in visitor on uses the same rule.
    let (_, cookie) = app.register("Grace", "grace@example.com").await;
    for (redirect, expected) in [
        ("//evil.example", "/users"),
        ("/users/1", "/users/1"),
        ("https://evil.example", "/users"),
    ] {
        let response = app
            .get(&format!("/login?redirect={}", percent_encode(redirect)), Some(&cookie))
            .await;
        assert_eq!(response.headers()[LOCATION], expected, "{redirect}");
    }
    app.stop().await;
}

/// `GET /api/users` checks the session in its page's statement, after
/// reading its input: a dead cookie must still be found out and cleared when
/// the input is refused first, and the page must never be served on it.
/// A cookie whose session was ended is no session, whatever the input; it
/// is left in the browser (the middleware says why), where it opens nothing.
#[tokio::test]
async fn a_dead_cookie_gets_no_users_whatever_the_input() {
    let app = TestApp::start().await;
    app.register("Grace", "grace@example.com").await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let copy = cookie.clone();
    app.post_form("/api/auth/logout", &[], Some(&cookie)).await;
    for (query, status) in [
        ("", StatusCode::UNAUTHORIZED),
        ("?before=1", StatusCode::UNAUTHORIZED),
        ("?limit=0", StatusCode::UNPROCESSABLE_ENTITY),
        ("?after=x", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let response = app.get(&format!("/api/users{query}"), Some(&copy)).await;
        assert_eq!(response.status(), status, "{query}");
        assert_eq!(set_cookie_header(&response), None, "{query}");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        let body = response.text().await.unwrap();
        assert!(!body.contains("Grace"), "{query}: {body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_cookie_copied_before_logout_is_refused_after_it() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let copy = cookie.clone();
    let logout = app.post_form("/api/auth/logout", &[], Some(&cookie)).await;
    assert_eq!(logout.status(), StatusCode::OK);
    let replay = app.get("/api/users", Some(&copy)).await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    let page = app.get("/users", Some(&copy)).await;
    assert_eq!(page.status(), StatusCode::FOUND);
    // DELETE /api/_auth/session ends the session the same way.
    let second = app.login_cookie("ada@example.com", PASSWORD).await;
    app.request(reqwest::Method::DELETE, "/api/_auth/session", Some(&second))
        .await;
    assert_eq!(app.session_status(&second).await, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn each_login_is_a_new_session_ending_only_itself_on_logout() {
    let app = TestApp::start().await;
    let (_, laptop) = app.register("Ada", "ada@example.com").await;
    let phone = app.login_cookie("ada@example.com", PASSWORD).await;
    assert_ne!(laptop, phone);
    app.post_form("/api/auth/logout", &[], Some(&phone)).await;
    assert_eq!(app.session_status(&phone).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.session_status(&laptop).await, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn logging_out_everywhere_revokes_every_other_cookie_at_once() {
    let app = TestApp::start().await;
    let (_, laptop) = app.register("Ada", "ada@example.com").await;
    let phone = app.login_cookie("ada@example.com", PASSWORD).await;
    let response = app
        .post_form("/api/account/logout-everywhere", &[], Some(&laptop))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let renewed = session_cookie(&response).expect("this browser gets a new session");
    assert_eq!(app.session_status(&phone).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.session_status(&laptop).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.session_status(&renewed).await, StatusCode::OK);
    // Logging in again works as before.
    let fresh = app.login_cookie("ada@example.com", PASSWORD).await;
    assert_eq!(app.session_status(&fresh).await, StatusCode::OK);

    let anonymous = app.post_form("/api/account/logout-everywhere", &[], None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_revokes_other_sessions() {
    let app = TestApp::start().await;
    let (_, laptop) = app.register("Ada", "ada@example.com").await;
    let phone = app.login_cookie("ada@example.com", PASSWORD).await;
    let new_password = "a brand new passphrase";

    let wrong = app.change_password(&laptop, "not it at all", new_password).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(wrong).await["field"], "current_password");
    let weak = app.change_password(&laptop, PASSWORD, "short").await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(weak).await["field"], "new_password");
    assert_eq!(app.session_status(&phone).await, StatusCode::OK, "nothing changed yet");

    let changed = app.change_password(&laptop, PASSWORD, new_password).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let renewed = session_cookie(&changed).unwrap();
    assert_eq!(app.session_status(&phone).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.session_status(&laptop).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.session_status(&renewed).await, StatusCode::OK);
    let old = app.login("ada@example.com", PASSWORD).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    app.login_cookie("ada@example.com", new_password).await;
    app.stop().await;
}

#[tokio::test]
async fn sessions_roll_forward_but_never_past_the_absolute_maximum() {
    let app = TestApp::builder()
        .env(&[("SESSION_MAX_AGE", "4"), ("SESSION_ABSOLUTE_MAX_AGE", "6")])
        .start()
        .await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let fresh = app.get("/api/users", Some(&cookie)).await;
    assert!(set_cookie_header(&fresh).is_none(), "not re-sealed while young");
    app.advance_clock(3);
    let rolled = app.get("/api/users", Some(&cookie)).await;
    assert_eq!(rolled.status(), StatusCode::OK);
    let rolled = session_cookie(&rolled).expect("re-sealed past half its idle lifetime");
    assert_ne!(rolled, cookie);
    app.advance_clock(1);
    // The original expired (4 s idle); the rolled one still works.
    assert_eq!(app.session_status(&cookie).await, StatusCode::UNAUTHORIZED);
    let still = app.get("/api/users", Some(&rolled)).await;
    assert_eq!(still.status(), StatusCode::OK);
    let rolled_again = session_cookie(&still).unwrap_or(rolled);
    app.advance_clock(2);
    // Six seconds after login: over, however recently it was used.
    assert_eq!(app.session_status(&rolled_again).await, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn cookies_under_a_previous_key_are_accepted_and_resealed() {
    let old_key = "the session password before the rotation!!";
    let new_key = "the session password after the rotation!!!";
    let before = TestApp::builder().env(&[("SESSION_PASSWORD", old_key)]).start().await;
    let (_, old_cookie) = before.register("Ada", "ada@example.com").await;
    let data = before.stop_keeping_data().await;

    let rotated = TestApp::builder()
        .store(data)
        .env(&[("SESSION_PASSWORD", new_key), ("SESSION_PASSWORD_PREVIOUS", old_key)])
        .start()
        .await;
    let response = rotated.get("/api/users", Some(&old_cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let resealed = session_cookie(&response).expect("re-sealed under the current key");
    let data = rotated.stop_keeping_data().await;

    let retired = TestApp::builder()
        .store(data)
        .env(&[("SESSION_PASSWORD", new_key)])
        .start()
        .await;
    assert_eq!(retired.session_status(&resealed).await, StatusCode::OK);
    assert_eq!(retired.session_status(&old_cookie).await, StatusCode::UNAUTHORIZED);
    retired.stop().await;
}

#[tokio::test]
async fn a_raised_bcrypt_cost_rehashes_the_password_at_the_next_login() {
    let before = TestApp::builder().env(&[("BCRYPT_COST", "4")]).start().await;
    let (id, _) = before.register("Ada", "ada@example.com").await;
    let stored = before.state().db.password_hash(id).await.unwrap().unwrap();
    assert!(stored.starts_with("$hmac-sha256$2b$04$"), "{stored}");
    let data = before.stop_keeping_data().await;

    let after = TestApp::builder()
        .store(data)
        .env(&[("BCRYPT_COST", "5")])
        .start()
        .await;
    after.login_cookie("ada@example.com", PASSWORD).await;
    let stored = after.state().db.password_hash(id).await.unwrap().unwrap();
    assert!(stored.starts_with("$hmac-sha256$2b$05$"), "{stored}");
    after.login_cookie("ada@example.com", PASSWORD).await;
    after.stop().await;
}

#[tokio::test]
async fn limits_are_shared_by_every_server_on_the_database() {
    let first = TestApp::builder()
        .env(&[("LOGIN_MAX_FAILURES_PER_EMAIL", "3")])
        .start()
        .await;
    let second = first
        .beside()
        .env(&[("LOGIN_MAX_FAILURES_PER_EMAIL", "3")])
        .start()
        .await;
    first.register("Ada", "ada@example.com").await;
    let wrong = [("email", "ada@example.com"), ("password", "wrong password")];
    let unauthorized = StatusCode::UNAUTHORIZED;
    let limited = StatusCode::TOO_MANY_REQUESTS;
    // Failures on either server count for both.
    for (server, expected) in [
        (&first, unauthorized),
        (&second, unauthorized),
        (&first, unauthorized),
        (&second, limited),
        (&first, limited),
    ] {
        assert_eq!(
            server.post_form("/api/auth/login", &wrong, None).await.status(),
            expected
        );
    }
    second.stop().await;
    first.stop().await;
}

#[tokio::test]
async fn limits_end_with_their_window_and_leave_no_rows_behind() {
    let app = TestApp::builder()
        .env(&[("LOGIN_MAX_FAILURES_PER_EMAIL", "2"), ("LIMIT_WINDOW", "1")])
        .start()
        .await;
    let wrong = [("email", "ada@example.com"), ("password", "wrong password")];
    app.post_form("/api/auth/login", &wrong, None).await;
    app.post_form("/api/auth/login", &wrong, None).await;
    assert_eq!(
        app.post_form("/api/auth/login", &wrong, None).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    app.advance_clock(1);
    // A failure for another account sweeps out every finished window.
    let other = [("email", "grace@example.com"), ("password", "wrong password")];
    assert_eq!(
        app.post_form("/api/auth/login", &other, None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let db = &app.state().db;
    let key = |email| Counter::LoginByAccount(email).key();
    assert!(db
        .attempts(&key("ada@example.com"), UnixTime::from_seconds(i64::MIN))
        .await
        .unwrap()
        .is_none());
    assert!(db
        .attempts(&key("grace@example.com"), UnixTime::from_seconds(i64::MIN))
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        app.post_form("/api/auth/login", &wrong, None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}

#[tokio::test]
async fn the_client_address_is_the_peer_unless_a_proxy_is_trusted() {
    let wrong = [("email", "someone@example.com"), ("password", "wrong password")];
    let from = |forwarded: &'static str| [("x-forwarded-for", forwarded)];

    // Not trusted: the header is ignored, every attempt is 127.0.0.1's.
    let direct = TestApp::builder()
        .env(&[("LOGIN_MAX_FAILURES_PER_ADDRESS", "2")])
        .start()
        .await;
    for forwarded in ["10.0.0.1", "10.0.0.2"] {
        let response = direct.post_form_with("/api/auth/login", &wrong, &from(forwarded)).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = direct
        .post_form_with("/api/auth/login", &wrong, &from("10.0.0.3"))
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    direct.stop().await;

    // Trusted: the proxy's own (last) entry counts; what the client wrote before it does not.
    let proxied = TestApp::builder()
        .env(&[
            ("LOGIN_MAX_FAILURES_PER_ADDRESS", "2"),
            ("LOGIN_MAX_FAILURES_PER_EMAIL", "100"),
            ("TRUST_FORWARDED_FOR", "true"),
        ])
        .start()
        .await;
    for forwarded in ["1.1.1.1, 203.0.113.7", "9.9.9.9, 203.0.113.7"] {
        let response = proxied
            .post_form_with("/api/auth/login", &wrong, &from(forwarded))
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let spoofed = proxied
        .post_form_with("/api/auth/login", &wrong, &from("8.8.8.8, 203.0.113.7"))
        .await;
    assert_eq!(spoofed.status(), StatusCode::TOO_MANY_REQUESTS);
    let other_client = proxied
        .post_form_with("/api/auth/login", &wrong, &from("203.0.113.8"))
        .await;
    assert_eq!(other_client.status(), StatusCode::UNAUTHORIZED);
    proxied.stop().await;
}

#[tokio::test]
async fn an_error_planted_in_a_link_is_never_shown() {
    let app = TestApp::start().await;
    // Leptos' own way for a plain form post's error to reach its page is the
    // link (`?__err=`); this product's forms use a sealed flash cookie instead,
    // so a link can put no words on the page at all, genuine or not:
    // `{"error":"Your account is locked, call +1 555 0100"}`, then `{"error":"Invalid email or password"}`.
    for planted in [
        "/login?__path=%2Fapi%2Fauth%2Flogin&__err=eyJlcnJvciI6IllvdXIgYWNjb3VudCBpcyBsb2NrZWQsIGNhbGwgKzEgNTU1IDAxMDAifQ%3D%3D",
        "/login?__path=%2Fapi%2Fauth%2Flogin&__err=eyJlcnJvciI6IkludmFsaWQgZW1haWwgb3IgcGFzc3dvcmQifQ%3D%3D",
    ] {
        let html = app.get(planted, None).await.text().await.unwrap();
        assert!(!html.contains("555 0100"), "planted text rendered");
        assert!(!html.contains("Invalid email or password"), "planted error rendered");
        assert!(!html.contains("There is a problem"));
    }
    app.stop().await;
}
