//! The password rules over HTTP: any script up to 128 characters with every
//! character counting, hashes of before the pepper upgraded at login, and the
//! screening of new passwords wherever one is set.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;

async fn register_with(app: &TestApp, name: &str, email: &str, password: &str) -> reqwest::Response {
    app.post_form(
        "/api/register",
        &[("name", name), ("email", email), ("password", password)],
        None,
    )
    .await
}

/// Asserts a 422 of the one rule `code` on the form field `field`.
async fn assert_refused(response: reqwest::Response, field: &str, code: &str) {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["field"].as_str(), Some(field), "{body}");
    assert_eq!(body["problems"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(body["problems"][0]["code"].as_str(), Some(code), "{body}");
}

#[tokio::test]
async fn sixty_four_two_byte_characters_are_a_password_and_every_one_counts() {
    let app = TestApp::start().await;
    let long = "é".repeat(64);
    assert_eq!(
        register_with(&app, "Ada", "ada@example.com", &long).await.status(),
        StatusCode::OK
    );
    // The same first 72 bytes (36 of the é) and a different rest.
    let same_start = format!("{}{}", "é".repeat(36), "e".repeat(28));
    assert_eq!(
        app.login("ada@example.com", &same_start).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Typed decomposed (e and a combining acute accent), it is the same password.
    app.login_cookie("ada@example.com", &"e\u{301}".repeat(64)).await;
    app.login_cookie("ada@example.com", &long).await;
    app.stop().await;
}

#[tokio::test]
async fn a_hash_stored_before_the_pepper_logs_in_and_is_upgraded() {
    let app = TestApp::start().await;
    let (id, _) = app.register("Ada", "ada@example.com").await;
    let old = bcrypt::hash(PASSWORD, 4).unwrap();
    let sql = format!("UPDATE users SET password_hash = '{old}' WHERE id = {id}");
    app.execute_sql(&sql, &sql).await;

    assert_eq!(
        app.login("ada@example.com", "correct horse").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.state().db.password_hash(id).await.unwrap().as_deref(),
        Some(old.as_str())
    );
    app.login_cookie("ada@example.com", PASSWORD).await;
    let upgraded = app.state().db.password_hash(id).await.unwrap().unwrap();
    assert!(upgraded.starts_with("$hmac-sha256$2b$04$"), "{upgraded}");
    app.login_cookie("ada@example.com", PASSWORD).await;
    app.stop().await;
}

#[tokio::test]
async fn registration_refuses_common_and_own_passwords_and_129_characters() {
    let app = TestApp::start().await;
    // The site's name: its words that count (3 characters or more), and digits.
    let of_site_name: String = app::SITE_NAME
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.chars().count() >= 3)
        .chain(["20262026"])
        .collect();
    for (password, code) in [
        ("password1", "password_common"),
        ("Iloveyou1", "password_common"),
        ("qwertyuiop", "password_common"),
        ("lovelace1815", "password_from_context"),
        ("Ada Lovelace!", "password_from_context"),
        ("countess.example", "password_from_context"),
        (&of_site_name, "password_from_context"),
        (&"a".repeat(129), "password_too_long"),
        ("bell\u{7}ringer", "password_unusable"),
    ] {
        let refused = register_with(&app, "Ada Lovelace", "countess@example.com", password).await;
        assert_refused(refused, "password", code).await;
    }
    assert_eq!(app.state().passwords.hashes_made(), 0, "nothing refused was hashed");
    let accepted = register_with(&app, "Ada Lovelace", "countess@example.com", &"a".repeat(128)).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn a_50000_character_password_is_refused_without_hashing() {
    let app = TestApp::start().await;
    let huge = "a".repeat(50_000);
    let refused = register_with(&app, "Ada", "ada@example.com", &huge).await;
    assert_refused(refused, "password", "password_too_long").await;
    assert_eq!(app.state().passwords.hashes_made(), 0);

    app.register("Bob", "bob@example.com").await;
    let before = app.state().passwords.work();
    assert_eq!(
        app.login("bob@example.com", &huge).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.state().passwords.work() - before,
        1 << 4,
        "one verification at the configured cost, as for any wrong password"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_new_password_is_screened_at_a_change() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada Lovelace", "countess@example.com").await;
    let before = app.state().passwords.hashes_made();
    assert_refused(
        app.change_password(&cookie, PASSWORD, "football1").await,
        "new_password",
        "password_common",
    )
    .await;
    assert_refused(
        app.change_password(&cookie, PASSWORD, "countess-lovelace").await,
        "new_password",
        "password_from_context",
    )
    .await;
    assert_eq!(app.state().passwords.hashes_made(), before);
    assert_eq!(app.session_status(&cookie).await, StatusCode::OK, "nothing changed");
    let changed = app.change_password(&cookie, PASSWORD, "a brand new passphrase").await;
    assert_eq!(changed.status(), StatusCode::OK);
    app.stop().await;
}

/// Each range asked for, with the request's `Add-Padding` header.
type Asked = std::sync::Arc<std::sync::Mutex<Vec<(String, Option<String>)>>>;

/// A breached-password service by range on port 0, answering as the Pwned
/// Passwords API does: the suffixes it knows in the range asked for, and
/// padding lines with a count of 0. What it was asked is recorded.
struct BreachService {
    url: String,
    asked: Asked,
}

impl BreachService {
    async fn start(breached: &[&str]) -> Self {
        use axum::{extract::Path, http::HeaderMap, routing::get};
        use sha1::{Digest, Sha1};
        let hashes: Vec<String> = breached
            .iter()
            .map(|password| {
                Sha1::digest(password.as_bytes())
                    .iter()
                    .map(|b| format!("{b:02X}"))
                    .collect()
            })
            .collect();
        let asked = Asked::default();
        let recorded = std::sync::Arc::clone(&asked);
        let range = move |Path(prefix): Path<String>, headers: HeaderMap| async move {
            let padding = headers
                .get("add-padding")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            recorded.lock().unwrap().push((prefix.clone(), padding));
            let mut lines: Vec<String> = hashes
                .iter()
                .filter_map(|hash| hash.strip_prefix(prefix.as_str()))
                .map(|suffix| format!("{suffix}:42"))
                .collect();
            lines.push("0000000000000000000000000000000000A:0".to_owned());
            lines.join("\r\n")
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let router = axum::Router::new().route("/range/{prefix}", get(range));
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self { url, asked }
    }
}

#[tokio::test]
async fn a_password_the_breach_service_lists_is_refused_and_only_a_hash_prefix_is_sent() {
    const BREACHED: &str = "a passphrase in every breach";
    let service = BreachService::start(&[BREACHED]).await;
    let app = TestApp::builder()
        .env(&[("PWNED_PASSWORDS_URL", &service.url)])
        .start()
        .await;
    assert_refused(
        register_with(&app, "Ada", "ada@example.com", BREACHED).await,
        "password",
        "password_breached",
    )
    .await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    assert_refused(
        app.change_password(&cookie, PASSWORD, BREACHED).await,
        "new_password",
        "password_breached",
    )
    .await;

    let asked = service.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 3, "{asked:?}");
    for (prefix, padding) in asked {
        assert!(
            prefix.len() == 5 && prefix.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()),
            "only 5 hex characters of the hash leave the server: {prefix}"
        );
        assert_eq!(padding.as_deref(), Some("true"));
    }
    app.stop().await;
}

#[tokio::test]
async fn an_unreachable_breach_service_lets_passwords_through_and_says_so() {
    let store = TestStore::new().await;
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let server = ServerProcess::start(&store.url, &[("PWNED_PASSWORDS_URL", &nowhere)]);
    server.client(&store.url).register("Ada", "ada@example.com").await;
    assert!(server.wait_for_line(
        "the breached-password service did not answer",
        std::time::Duration::from_secs(10)
    ));
}
