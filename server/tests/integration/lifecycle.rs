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
    let output = std::process::Command::new(server_binary())
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
    // The owner sees what the operator did, and the refused sign-in.
    let cookie = app.login_cookie("ada@example.com", PASSWORD).await;
    let listed = json(app.get("/api/account/activity", Some(&cookie)).await).await;
    let operator: Vec<(&str, &str, &str)> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["event"] != "logged_in" && entry["event"] != "login_failed")
        .map(|entry| {
            let text = |field: &str| entry[field].as_str().unwrap();
            (text("event"), text("user_agent"), text("address"))
        })
        .collect();
    assert_eq!(
        operator[..3],
        [
            ("account_enabled", "server admin", "127.0.0.1"),
            ("disabled_account_refused", "", "127.0.0.1"),
            ("account_disabled", "server admin", "127.0.0.1"),
        ]
    );
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

/// The events of the session `cookie`'s account, newest first:
/// (event, method, user agent).
async fn activity(app: &TestApp, cookie: &str) -> Vec<(String, String, String)> {
    let listed = json(app.get("/api/account/activity", Some(cookie)).await).await;
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            assert_eq!(entry["address"], "127.0.0.1");
            assert!(entry["at"].as_str().unwrap().ends_with('Z'), "{entry}");
            let text = |field: &str| entry[field].as_str().unwrap().to_owned();
            (text("event"), text("method"), text("user_agent"))
        })
        .collect()
}

fn events(listed: &[(String, String, String)]) -> Vec<&str> {
    listed.iter().map(|(event, _, _)| event.as_str()).collect()
}

#[tokio::test]
async fn the_activity_lists_sign_ins_failures_and_changes_newest_first_for_its_owner_only() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let (_, grace) = app.register("Grace", "grace@example.com").await;
    assert_eq!(
        app.login("ada@example.com", "a wrong password!").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let other = app
        .post_form_with(
            "/api/auth/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
            &[("user-agent", "Other Browser/2.0")],
        )
        .await;
    let other = session_cookie(&other).unwrap();
    let changed = app
        .change_password(&cookie, PASSWORD, "an entirely different passphrase")
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let cookie = session_cookie(&changed).unwrap();
    assert_eq!(app.session_status(&other).await, StatusCode::UNAUTHORIZED);

    let listed = activity(&app, &cookie).await;
    assert_eq!(
        events(&listed),
        ["password_changed", "logged_in", "login_failed", "registered"]
    );
    assert_eq!(listed[1].1, "password");
    assert_eq!(listed[1].2, "Other Browser/2.0");
    assert_eq!(events(&activity(&app, &grace).await), ["registered"]);
    assert_eq!(
        app.get("/api/account/activity", None).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // The page says it in words, escaping what a browser sent.
    let page = app.get("/account", Some(&cookie)).await.text().await.unwrap();
    let page = scraper::Html::parse_document(&page);
    let said = text_of(&page, ".activity strong");
    assert_eq!(
        said,
        [
            "Password changed",
            "Logged in with a password",
            "Failed login with a password",
            "Account created with a password"
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn the_activity_keeps_the_newest_fifty_bounds_what_a_browser_sends_and_sweeps_old_rows() {
    let app = TestApp::builder().env(&[("ACTIVITY_RETENTION", "3600")]).start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let hostile = format!("<script>alert(1)</script>{}", "x".repeat(1000));
    let response = app
        .post_form_with(
            "/api/auth/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
            &[("user-agent", &hostile)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let listed = activity(&app, &cookie).await;
    assert_eq!(listed[0].2.chars().count(), 256, "cut short");
    let page = app.get("/account", Some(&cookie)).await.text().await.unwrap();
    assert!(!page.contains("<script>alert(1)"), "escaped");
    assert!(page.contains("&lt;script&gt;alert(1)"));

    app.advance_clock(3601);
    for _ in 0..52 {
        assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
    }
    let listed = activity(&app, &cookie).await;
    assert_eq!(listed.len(), 50);
    assert!(events(&listed).iter().all(|event| *event == "logged_in"));
    assert_eq!(app.count_rows("activity").await, 52, "the hour-old rows are swept");
    let (ok, _, _) = admin(&app, &["delete", "--email", "ada@example.com"]);
    assert!(ok);
    assert_eq!(app.count_rows("activity").await, 0, "deletion takes them");
    app.stop().await;
}

/// The subjects of the mail kept in the development mailbox (no SMTP_URL in
/// a debug build), with their text.
fn mailed(app: &TestApp) -> Vec<(String, String)> {
    let mailbox = app.state().mailer.mailbox().expect("a debug build keeps mail");
    mailbox
        .messages()
        .into_iter()
        .map(|mail| (mail.subject, mail.text))
        .collect()
}

const NEW_SIGN_IN: &str = concat!("New sign-in to your ", app::site_name!(), " account");

fn new_sign_ins(app: &TestApp) -> Vec<String> {
    mailed(app)
        .into_iter()
        .filter(|(subject, _)| subject == NEW_SIGN_IN)
        .map(|(_, text)| text)
        .collect()
}

/// Logs in from a browser with `cookies`: the cookies it then holds.
async fn log_in_from(app: &TestApp, cookies: &str, user_agent: &str) -> String {
    let response = app
        .post_form_with(
            "/api/auth/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
            &[("cookie", cookies), ("user-agent", user_agent)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|cookie| cookie.to_str().unwrap().split(';').next())
        .filter(|pair| !pair.ends_with('='))
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn a_sign_in_from_a_new_browser_is_mailed_once_per_browser_and_at_most_once_a_window() {
    let app = TestApp::start().await;
    app.register("Ada", "ada@example.com").await;
    assert!(new_sign_ins(&app).is_empty(), "registering is no news");

    let phone = log_in_from(&app, "", "Phone Browser/1.0").await;
    let told = new_sign_ins(&app);
    assert_eq!(told.len(), 1);
    assert!(
        told[0].contains(
            "signed in to with a password from a browser that had not signed in to it before (Phone Browser/1.0)"
        ),
        "{}",
        told[0]
    );
    assert!(told[0].contains("/account"), "{}", told[0]);
    log_in_from(&app, &phone, "Phone Browser/1.0").await;
    assert_eq!(new_sign_ins(&app).len(), 1, "the same browser again is no news");

    log_in_from(&app, "", "Laptop Browser/1.0").await;
    assert_eq!(new_sign_ins(&app).len(), 1, "at most one a window");
    app.advance_clock(15 * 60 + 1);
    log_in_from(&app, "", "Tablet Browser/1.0").await;
    let told = new_sign_ins(&app);
    assert_eq!(told.len(), 2);
    assert!(told.iter().any(|text| text.contains("Tablet Browser/1.0")));
    app.stop().await;
}

#[tokio::test]
async fn requests_racing_the_accounts_deletion_are_answered_never_as_a_server_error() {
    let app = TestApp::start().await;
    let mut statuses = Vec::new();
    for round in 0..5 {
        let email = format!("racer{round}@example.com");
        let (_, cookie) = app.register("Racer", &email).await;
        let setups = (0..6).map(|_| app.post_form("/api/account/two-factor/setup", &[], Some(&cookie)));
        let wrong = (0..4).map(|_| {
            app.post_form(
                "/api/account/reauthenticate",
                &[("password", "not the password")],
                Some(&cookie),
            )
        });
        let (deleted, setups, wrong) = tokio::join!(
            app.post_form("/api/account/delete", &[], Some(&cookie)),
            futures::future::join_all(setups),
            futures::future::join_all(wrong),
        );
        assert_eq!(deleted.status(), StatusCode::OK);
        statuses.extend(setups.iter().chain(&wrong).map(reqwest::Response::status));
    }
    assert!(
        statuses.iter().all(|status| [200, 401, 429].contains(&status.as_u16())),
        "a request whose account went meanwhile is not logged in, never a server error: {statuses:?}"
    );
    app.stop().await;
}
