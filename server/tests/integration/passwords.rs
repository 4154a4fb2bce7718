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
    for (password, code) in [
        ("password1", "password_common"),
        ("Iloveyou1", "password_common"),
        ("qwertyuiop", "password_common"),
        ("lovelace1815", "password_from_context"),
        ("Ada Lovelace!", "password_from_context"),
        ("countess.example", "password_from_context"),
        ("Sessions2026", "password_from_context"),
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
