//! What the configuration switches off: registration (`REGISTRATION=closed`)
//! and passkeys (`PASSKEYS=false`), in the API and on the pages.

use crate::helpers::*;
use crate::passkeys::{sign_up, Device};
use reqwest::StatusCode;
use scraper::Html;

async fn page(app: &TestApp, path: &str, cookie: Option<&str>) -> Html {
    let response = app.get(path, cookie).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    Html::parse_document(&response.text().await.unwrap())
}

fn links_to(html: &Html, href: &str) -> usize {
    text_of(html, &format!("a[href=\"{href}\"]")).len()
}

#[tokio::test]
async fn closed_registration_makes_no_account_and_offers_none() {
    let open = TestApp::start().await;
    open.register("Ada", "ada@example.com").await;
    let store = open.stop_keeping_data().await;
    let app = TestApp::builder()
        .env(&[("REGISTRATION", "closed")])
        .store(store)
        .start()
        .await;

    let refused = app.try_register("Bob", "bob@example.com").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(session_cookie(&refused).is_none());
    let body = json(refused).await;
    assert_eq!(body["code"], "registration_closed", "{body}");
    assert_eq!(body["error"], "This site is not taking new accounts");
    let by_passkey = app
        .post_form(
            "/api/auth/passkey/register/options",
            &[("name", "Bob"), ("email", "bob@example.com")],
            None,
        )
        .await;
    assert_eq!(by_passkey.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(by_passkey).await["code"], "registration_closed");
    assert_eq!(app.count_rows("users").await, 1);

    // The pages say so, and nothing links to a form that is not there.
    let register = page(&app, "/register", None).await;
    assert_eq!(text_of(&register, "h1"), ["Registration is closed"]);
    assert!(text_of(&register, "form").is_empty());
    for path in ["/", "/login", "/register"] {
        assert_eq!(links_to(&page(&app, path, None).await, "/register"), 0, "{path}");
    }

    // Who has an account still logs in.
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn registration_is_open_by_default_and_linked() {
    let app = TestApp::start().await;
    for path in ["/", "/login", "/register"] {
        assert!(links_to(&page(&app, path, None).await, "/register") >= 1, "{path}");
    }
    assert_eq!(text_of(&page(&app, "/register", None).await, "h1"), ["Register"]);
    app.stop().await;
}

#[tokio::test]
async fn switched_off_passkeys_are_not_there() {
    // An account made with a passkey while they were offered.
    let offered = TestApp::start().await;
    let mut phone = Device::new(&offered);
    let (_, cookie) = sign_up(&offered, &mut phone, "Ada", "ada@example.com").await;
    offered.mark_email_verified("ada@example.com").await;
    let store = offered.stop_keeping_data().await;
    let app = TestApp::builder()
        .env(&[("PASSKEYS", "false")])
        .store(store)
        .start()
        .await;

    for path in [
        "/api/auth/passkey/register/options",
        "/api/auth/passkey/register",
        "/api/auth/passkey/login/options",
        "/api/auth/passkey/login",
        "/api/account/passkeys/options",
        "/api/account/passkeys",
        "/api/account/reauthenticate/passkey/options",
        "/api/account/reauthenticate/passkey",
    ] {
        let form = [
            ("name", "Bob"),
            ("email", "bob@example.com"),
            ("ceremony", "0123456789abcdef0123456789abcdef"),
            ("credential", "{}"),
        ];
        let response = app.post_form(path, &form, Some(&cookie)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(json(response).await["code"], "not_found", "{path}");
    }
    // The account's passkeys are not listed, and no page offers one.
    let methods = json(app.get("/api/account/passkeys", Some(&cookie)).await).await;
    assert_eq!(methods["passkeys"], serde_json::json!([]), "{methods}");
    let login = page(&app, "/login", None).await;
    assert!(text_of(&login, "section.passkey").is_empty());
    let email_field = scraper::Selector::parse("input#email").unwrap();
    let autocomplete = login.select(&email_field).next().unwrap().attr("autocomplete");
    assert_eq!(
        autocomplete,
        Some("username"),
        "no passkeys among autofill's suggestions"
    );
    assert!(text_of(&page(&app, "/register", None).await, "section.passkey").is_empty());
    let account = page(&app, "/account", Some(&cookie)).await;
    assert!(!text_of(&account, "h2").contains(&"Passkeys".to_owned()));
    app.stop().await;
}

#[tokio::test]
async fn passkeys_are_offered_by_default() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    app.mark_email_verified("ada@example.com").await;
    assert_eq!(
        text_of(&page(&app, "/login", None).await, "section.passkey h2").len(),
        1
    );
    assert_eq!(
        text_of(&page(&app, "/register", None).await, "section.passkey h2").len(),
        1
    );
    let account = page(&app, "/account", Some(&cookie)).await;
    assert!(text_of(&account, "h2").contains(&"Passkeys".to_owned()));
    app.stop().await;
}

#[tokio::test]
async fn switched_off_passkeys_need_no_origin_fit_for_them() {
    // Browsers refuse passkeys on a bare IP address: the site may still run there without them.
    let origin = [("PUBLIC_ORIGIN", "http://127.0.0.1:3000")];
    assert!(TestApp::builder().env(&origin).try_start().await.is_err());
    let app = TestApp::builder()
        .env(&[origin[0], ("PASSKEYS", "false")])
        .start()
        .await;
    app.stop().await;
}
