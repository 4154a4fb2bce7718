//! The end of an account's life and an operator's hold on it: deletion by
//! its owner (every session ends on every server, the address is free),
//! and `server admin ...` run as an operator would, as a process of its own
//! on a running server's database.

use crate::helpers::*;
use crate::passkeys::{sign_in as passkey_sign_in, sign_up, Device};
use reqwest::{header::LOCATION, StatusCode};

/// Past `REAUTHENTICATION_MAX_AGE`'s default.
const STALE: i64 = 601;

/// `server admin <args>` on the database of `app`: whether it exited 0,
/// and what it printed on stdout and stderr.
fn admin(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("admin")
        .args(args)
        .current_dir(std::env::temp_dir())
        .env("SESSION_PASSWORD", SESSION_PASSWORD)
        .env("PASSWORD_PEPPER", PASSWORD_PEPPER)
        .env("DATABASE_URL", &app.database_url)
        .env("NO_COLOR", "1")
        .env_remove("SMTP_URL")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).trim().to_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn assert_disabled(response: reqwest::Response) {
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        json(response).await,
        serde_json::json!({"error": "This account is disabled", "code": "account_disabled"})
    );
}

#[tokio::test]
async fn deleting_the_account_ends_every_session_on_every_server_and_frees_the_address() {
    let app = TestApp::start().await;
    let other = app.beside().start().await;
    let (id, cookie) = app.register("Ada", "ada@example.com").await;
    let (_, grace) = app.register("Grace", "grace@example.com").await;
    app.advance_clock(STALE);
    let stale = app.post_form("/api/account/delete", &[], Some(&cookie)).await;
    assert_eq!(stale.status(), StatusCode::FORBIDDEN, "a fresh proof first");
    assert_eq!(json(stale).await["code"], "reauthentication_required");
    assert_eq!(
        app.post_form("/api/account/delete", &[], None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let elsewhere = other.login_cookie("ada@example.com", PASSWORD).await;

    let deleted = other.post_form("/api/account/delete", &[], Some(&elsewhere)).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert!(set_cookie_named(&deleted, "session").is_some_and(|c| c.contains("Max-Age=0")));
    for (server, session) in [
        (&app, &cookie),
        (&other, &cookie),
        (&app, &elsewhere),
        (&other, &elsewhere),
    ] {
        assert_eq!(server.session_status(session).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.session_status(&grace).await, StatusCode::OK, "nobody else's");
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    for table in ["sessions", "account_tokens", "passkeys", "identities", "two_factor"] {
        let left = app.count_rows(table).await;
        assert!(left <= 1, "{table}: {left} rows left, Grace's at most");
    }
    let (again, _) = app.register("Ada", "ada@example.com").await;
    assert_ne!(again, id, "a new account, not the old one back");
    other.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn without_javascript_deletion_lands_on_the_home_page_logged_out() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let posted = html_form_post(&app, "/api/account/delete", &[], "/account/delete", Some(&cookie)).await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    assert_eq!(posted.headers()[LOCATION], "/?done=account-deleted");
    assert_eq!(app.session_status(&cookie).await, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn an_operator_disables_and_enables_an_account_and_every_way_in_is_refused_meanwhile() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let mut phone = Device::new(&app);
    let (_, passkey_session) = sign_up(&app, &mut phone, "Grace", "grace@example.com").await;

    let (ok, out, _) = admin(&app, &["disable", "--email", " Ada@Example.com "]);
    assert!(ok);
    assert_eq!(out, "disabled ada@example.com; ended 1 sessions");
    assert_eq!(app.session_status(&cookie).await, StatusCode::UNAUTHORIZED);
    assert_disabled(app.login("ada@example.com", PASSWORD).await).await;
    assert_eq!(
        app.login("ada@example.com", "a wrong password!").await.status(),
        StatusCode::UNAUTHORIZED,
        "only a right password learns it is disabled"
    );
    let (ok, out, _) = admin(&app, &["disable", "--email", "grace@example.com"]);
    assert!(ok, "{out}");
    assert_eq!(app.session_status(&passkey_session).await, StatusCode::UNAUTHORIZED);
    assert_disabled(passkey_sign_in(&app, &mut phone).await).await;

    let (ok, out, _) = admin(&app, &["enable", "--email", "ada@example.com"]);
    assert!(ok);
    assert_eq!(out, "enabled ada@example.com");
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
    let (ok, out, _) = admin(&app, &["enable", "--email", "ada@example.com"]);
    assert!(ok);
    assert_eq!(out, "ada@example.com was not disabled; nothing changed");
    app.stop().await;
}

#[tokio::test]
async fn an_operator_ends_sessions_lists_and_deletes_accounts() {
    let app = TestApp::start().await;
    let (_, ada) = app.register("Ada <b>", "ada@example.com").await;
    let (_, grace) = app.register("Grace", "grace@example.com").await;

    let (ok, out, _) = admin(&app, &["list", "--email", "ada@example.com"]);
    assert!(ok);
    assert!(
        out.starts_with("account 1: ada@example.com (Ada <b>)\ncreated: "),
        "{out}"
    );
    for line in [
        "email verified: no",
        "disabled: no",
        "password: yes",
        "passkeys: 0",
        "sessions: 1",
    ] {
        assert!(out.lines().any(|l| l == line), "{line} in {out}");
    }

    let (ok, out, _) = admin(&app, &["end-sessions", "--email", "ada@example.com"]);
    assert!(ok);
    assert_eq!(out, "ended 1 sessions of ada@example.com");
    assert_eq!(app.session_status(&ada).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.session_status(&grace).await, StatusCode::OK);
    let (ok, out, _) = admin(&app, &["end-sessions", "--all"]);
    assert!(ok);
    assert_eq!(out, "ended 1 sessions of every account");
    assert_eq!(app.session_status(&grace).await, StatusCode::UNAUTHORIZED);

    let (ok, out, _) = admin(&app, &["delete", "--email", "grace@example.com"]);
    assert!(ok);
    assert_eq!(
        out,
        "deleted grace@example.com with its sessions, passkeys, identities and tokens"
    );
    assert_eq!(
        app.login("grace@example.com", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.try_register("Grace", "grace@example.com").await.status(),
        StatusCode::OK
    );
    app.stop().await;
}

#[tokio::test]
async fn an_operator_is_told_plainly_of_a_bad_address_or_command() {
    let app = TestApp::start().await;
    let (ok, _, err) = admin(&app, &["disable", "--email", "nobody@example.com"]);
    assert!(!ok);
    assert!(
        err.contains("error: no account has the address nobody@example.com"),
        "{err}"
    );
    let (ok, _, err) = admin(&app, &["delete", "--email", "not an address"]);
    assert!(!ok);
    assert!(err.contains("error: not an email address: \"not an address\""), "{err}");
    let (ok, _, err) = admin(&app, &["end-sessions"]);
    assert!(!ok, "one account or --all, never neither");
    assert!(err.contains("--email") && err.contains("--all"), "{err}");
    let (ok, _, err) = admin(&app, &["end-sessions", "--email", "a@example.com", "--all"]);
    assert!(!ok, "never both: {err}");
    app.stop().await;
}
