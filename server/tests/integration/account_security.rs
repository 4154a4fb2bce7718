//! The guard between the ways into an account: a recent proof of identity
//! before any change to how it signs in, a verified email before a lasting
//! way in, no access kept by whoever registered someone else's address
//! first, and the holes between the limits.

use crate::{
    helpers::*,
    identity::{session_of, sign_in_with_provider, through_provider, AtProvider, WithProvider},
    passkeys::{add_passkey, sign_in, sign_up, Device},
};
use reqwest::{header::LOCATION, StatusCode};
use serde_json::Value;

/// Past `REAUTHENTICATION_MAX_AGE`'s default.
const STALE: i64 = 601;
const REAUTHENTICATE: &str = "/api/account/reauthenticate";

async fn assert_reauthentication_required(response: reqwest::Response) {
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        json(response).await,
        serde_json::json!({"error": "Confirm it's you to continue", "code": "reauthentication_required"})
    );
}

async fn reauthenticate(app: &TestApp, cookie: &str, password: &str) -> reqwest::Response {
    app.post_form(REAUTHENTICATE, &[("password", password)], Some(cookie))
        .await
}

/// The id of the session of `cookie`, as the account page lists it.
async fn current_session_id(app: &TestApp, cookie: &str) -> String {
    let listed = json(app.get("/api/account/sessions", Some(cookie)).await).await;
    let current = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|session| session["current"] == true);
    current.unwrap()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_change_to_the_ways_in_needs_a_recent_proof_and_changes_nothing_without_one() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    app.mark_email_verified("ada@example.com").await;
    let other = app.login_cookie("ada@example.com", PASSWORD).await;
    let other_id = current_session_id(&app, &other).await;
    app.advance_clock(STALE);
    for (path, form) in [
        ("/api/account/logout-everywhere", vec![]),
        (
            "/api/account/set-password",
            vec![("new_password", "another passphrase")],
        ),
        ("/api/account/passkeys/options", vec![]),
        ("/api/account/passkeys", vec![("ceremony", "x"), ("credential", "{}")]),
        ("/api/account/remove-passkey", vec![("id", "abc")]),
        (
            "/api/account/unlink-identity",
            vec![("provider", "x"), ("subject", "y")],
        ),
        ("/api/account/end-session", vec![("id", other_id.as_str())]),
    ] {
        let response = app.post_form(path, &form, Some(&cookie)).await;
        assert_reauthentication_required(response).await;
    }
    let deleted = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/account/sessions/{other_id}"),
            Some(&cookie),
        )
        .await;
    assert_reauthentication_required(deleted).await;
    assert_eq!(app.session_status(&other).await, StatusCode::OK, "nothing ended");
    assert_eq!(app.count_rows("sessions").await, 2);

    // Logging out of this very session needs no proof.
    let logout = app.post_form("/api/auth/logout", &[], Some(&other)).await;
    assert_eq!(logout.status(), StatusCode::OK);

    // A password change carrying the current password is its own proof.
    let changed = app.change_password(&cookie, PASSWORD, "a brand new passphrase").await;
    assert_eq!(changed.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn a_password_reauthentication_rotates_the_session_and_keeps_its_absolute_expiry() {
    let app = TestApp::builder()
        .env(&[("SESSION_ABSOLUTE_MAX_AGE", "3600")])
        .start()
        .await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    app.advance_clock(3000);
    let wrong = reauthenticate(&app, &cookie, "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        json(wrong).await,
        serde_json::json!({"error": "Invalid password", "code": "invalid_password"})
    );
    let empty = reauthenticate(&app, &cookie, "").await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let proved = reauthenticate(&app, &cookie, PASSWORD).await;
    assert_eq!(proved.status(), StatusCode::OK);
    let fresh = session_cookie(&proved).expect("a new session cookie");
    assert_ne!(fresh, cookie);
    // The old id is gone: a copy of the cookie from before is refused.
    assert_eq!(app.session_status(&cookie).await, StatusCode::UNAUTHORIZED);
    let everywhere = app.post_form("/api/account/logout-everywhere", &[], Some(&fresh)).await;
    assert_eq!(everywhere.status(), StatusCode::OK);
    let fresh = session_cookie(&everywhere).unwrap();
    // No new lifetime: the session still ends an hour after the login.
    app.advance_clock(601);
    assert_eq!(app.session_status(&fresh).await, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn a_renewed_cookie_is_no_new_proof() {
    let app = TestApp::builder().env(&[("SESSION_MAX_AGE", "1000")]).start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    // Past half its idle lifetime: the next request renews the cookie.
    app.advance_clock(700);
    let renewed = app.get("/api/_auth/session", Some(&cookie)).await;
    let renewed = session_cookie(&renewed).expect("a renewed cookie");
    assert_ne!(renewed, cookie);
    let refused = app
        .post_form("/api/account/logout-everywhere", &[], Some(&renewed))
        .await;
    assert_reauthentication_required(refused).await;
    app.stop().await;
}

#[tokio::test]
async fn wrong_passwords_of_a_signed_in_user_count_with_the_accounts_failed_logins() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    // So do wrong current passwords at a password change.
    for _ in 0..3 {
        let wrong = reauthenticate(&app, &cookie, "guess").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    for _ in 0..2 {
        let wrong = app.change_password(&cookie, "guess", "a brand new passphrase").await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // The stolen cookie is no way around the limit: neither it nor a login
    // may try again, even with the right password.
    let limited = reauthenticate(&app, &cookie, PASSWORD).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let login = app.login("ada@example.com", PASSWORD).await;
    assert_eq!(login.status(), StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

#[tokio::test]
async fn without_javascript_a_stale_form_goes_to_reauthenticate_and_comes_back() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    app.advance_clock(STALE);
    let posted = html_form_post(&app, "/api/account/logout-everywhere", &[], "/account", Some(&cookie)).await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    assert_eq!(posted.headers()[LOCATION], "/reauthenticate?redirect=%2Faccount");
    let page = app.get("/reauthenticate?redirect=%2Faccount", Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = scraper::Html::parse_document(&page.text().await.unwrap());
    assert_eq!(text_of(&html, "h1"), ["Confirm it's you"]);
    let referer = "/reauthenticate?redirect=%2Faccount";
    let confirmed = html_form_post(
        &app,
        REAUTHENTICATE,
        &[("password", PASSWORD), ("redirect", "/account")],
        referer,
        Some(&cookie),
    )
    .await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    assert_eq!(confirmed.headers()[LOCATION], "/account");
    let fresh = session_cookie(&confirmed).unwrap();
    let posted = html_form_post(&app, "/api/account/logout-everywhere", &[], "/account", Some(&fresh)).await;
    assert_eq!(posted.headers()[LOCATION], "/account?done=logout-everywhere");
    // Somewhere else than this site is never where it comes back to.
    let elsewhere = html_form_post(
        &app,
        REAUTHENTICATE,
        &[("password", PASSWORD), ("redirect", "//evil.example")],
        referer,
        Some(&session_cookie(&posted).unwrap()),
    )
    .await;
    assert_eq!(elsewhere.headers()[LOCATION], "/account");
    app.stop().await;
}

/// "Confirm with a passkey" in the session of `cookie`, with `device`.
async fn confirm_with_passkey(app: &TestApp, device: &mut Device, cookie: &str) -> reqwest::Response {
    let options = app
        .post_form("/api/account/reauthenticate/passkey/options", &[], Some(cookie))
        .await;
    assert_eq!(options.status(), StatusCode::OK);
    let options = json(options).await;
    let signed = device.sign(&options["options"]).await;
    app.post_form(
        "/api/account/reauthenticate/passkey",
        &[
            ("ceremony", options["ceremony"].as_str().unwrap()),
            ("credential", &signed.to_string()),
        ],
        Some(cookie),
    )
    .await
}

#[tokio::test]
async fn a_passkey_proves_it_is_the_user_and_only_the_users_own() {
    let app = TestApp::start().await;
    let mut phone = Device::new(&app);
    let (_, cookie) = sign_up(&app, &mut phone, "Ada", "ada@example.com").await;
    let mut other = Device::new(&app);
    sign_up(&app, &mut other, "Bob", "bob@example.com").await;
    app.advance_clock(STALE);
    let someone_elses = confirm_with_passkey(&app, &mut other, &cookie).await;
    assert_eq!(someone_elses.status(), StatusCode::UNAUTHORIZED);
    let own = confirm_with_passkey(&app, &mut phone, &cookie).await;
    assert_eq!(own.status(), StatusCode::OK);
    let fresh = session_cookie(&own).unwrap();
    assert_eq!(app.session_status(&cookie).await, StatusCode::UNAUTHORIZED);
    let everywhere = app.post_form("/api/account/logout-everywhere", &[], Some(&fresh)).await;
    assert_eq!(everywhere.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn an_unverified_account_cannot_add_a_passkey() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let refused = app.post_form("/api/account/passkeys/options", &[], Some(&cookie)).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(refused).await["code"], "email_unverified");
    assert_eq!(app.count_rows("ceremonies").await, 0);
    app.mark_email_verified("ada@example.com").await;
    let added = add_passkey(&app, &mut Device::new(&app), &cookie, "Phone").await;
    assert_eq!(added.status(), StatusCode::OK);
    app.stop().await;
}

async fn start_mailing(smtp: &SmtpServer, overrides: &[(&str, &str)]) -> TestApp {
    let smtp_url = smtp.url();
    let mut all = vec![
        ("SMTP_URL", smtp_url.as_str()),
        ("MAIL_FROM", "Sessions <no-reply@example.com>"),
    ];
    all.extend_from_slice(overrides);
    TestApp::builder().env(&all).start().await
}

/// The owner of `email` asks for a reset link and sets `password` with it.
async fn owner_resets(app: &TestApp, smtp: &SmtpServer, email: &str, password: &str) -> reqwest::Response {
    let asked = app
        .post_form("/api/auth/forgot-password", &[("email", email)], None)
        .await;
    assert_eq!(asked.status(), StatusCode::OK);
    let token = smtp
        .one_about(concat!("Reset your ", app::site_name!(), " password"))
        .await
        .token("/reset-password");
    app.post_form(
        "/api/auth/reset-password",
        &[("token", &token), ("password", password)],
        None,
    )
    .await
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn the_owners_reset_takes_back_an_account_registered_with_their_address() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[]).await;
    // The attacker makes the account with a passkey and the victim's address,
    // then also gives it a password.
    let mut attackers = Device::new(&app);
    let (_, attacker) = sign_up(&app, &mut attackers, "Victim", "victim@example.com").await;
    let set = app
        .post_form(
            "/api/account/set-password",
            &[("new_password", "the attacker's password")],
            Some(&attacker),
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    let attacker = session_cookie(&set).unwrap();
    // Unverified: no further lasting way in.
    let refused = app
        .post_form("/api/account/passkeys/options", &[], Some(&attacker))
        .await;
    assert_eq!(json(refused).await["code"], "email_unverified");

    let reset = owner_resets(&app, &smtp, "victim@example.com", "the owner's passphrase").await;
    assert_eq!(reset.status(), StatusCode::OK);
    let owner = session_cookie(&reset).unwrap();
    // The attacker's session, passkey and password are gone.
    assert_eq!(app.session_status(&attacker).await, StatusCode::UNAUTHORIZED);
    assert_eq!(sign_in(&app, &mut attackers).await.status(), StatusCode::UNAUTHORIZED);
    let login = app.login("victim@example.com", "the attacker's password").await;
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
    let methods = json(app.get("/api/account/passkeys", Some(&owner)).await).await;
    assert_eq!(methods["passkeys"], serde_json::json!([]));
    // The reset proved the address.
    let session = json(app.get("/api/_auth/session", Some(&owner)).await).await;
    assert_eq!(session["user"]["email_verified"], true);
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn a_reset_of_an_account_its_owner_claimed_keeps_their_passkeys() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[]).await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    // Verified in a session of the account: the claim.
    let token = smtp
        .one_about("Confirm your email address")
        .await
        .token("/verify-email");
    let verified = app
        .post_form("/api/auth/verify-email", &[("token", &token)], Some(&cookie))
        .await;
    assert_eq!(verified.status(), StatusCode::OK);
    let mut phone = Device::new(&app);
    assert_eq!(
        add_passkey(&app, &mut phone, &cookie, "Phone").await.status(),
        StatusCode::OK
    );
    let reset = owner_resets(&app, &smtp, "ada@example.com", "a brand new passphrase").await;
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(sign_in(&app, &mut phone).await.status(), StatusCode::OK);
    app.stop().await;
}

/// Signs in at the provider as `login` in a browser of its own: the id of
/// the user it signed in to.
async fn user_signed_in_at_provider(setup: &WithProvider, login: &str) -> Value {
    let browser = WithProvider::browser();
    let response = sign_in_with_provider(setup, &browser, login, "/users").await;
    assert!(session_cookie(&response).is_some());
    session_of(setup, &browser).await["user"]["id"].clone()
}

#[tokio::test]
#[ignore = "needs aiosmtpd and npm's oidc-provider, which ./scripts/test.sh installs"]
async fn the_owner_who_verifies_and_signs_in_at_a_provider_takes_the_account_over() {
    let smtp = SmtpServer::start().await;
    let smtp_url = smtp.url();
    let setup = WithProvider::start_with(&[
        ("SMTP_URL", &smtp_url),
        ("MAIL_FROM", "Sessions <no-reply@example.com>"),
    ])
    .await;
    let app = &setup.app;
    let (user_id, attacker) = app.register("Ada", "ada@example.com").await;
    // The owner follows the verification link the attacker's registration
    // sent them, signed in nowhere.
    let token = smtp
        .one_about("Confirm your email address")
        .await
        .token("/verify-email");
    let verified = app
        .post_form("/api/auth/verify-email", &[("token", &token)], None)
        .await;
    assert_eq!(verified.status(), StatusCode::OK);
    assert_eq!(app.session_status(&attacker).await, StatusCode::OK);

    assert_eq!(
        user_signed_in_at_provider(&setup, "ada@example.com").await,
        user_id.get()
    );
    assert_eq!(app.session_status(&attacker).await, StatusCode::UNAUTHORIZED);
    let login = app.login("ada@example.com", PASSWORD).await;
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
    setup.app.stop().await;
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn a_provider_joins_an_account_its_owner_claimed_and_keeps_its_password() {
    let setup = WithProvider::start().await;
    let app = &setup.app;
    let (user_id, cookie) = app.register("Ada", "ada@example.com").await;
    app.mark_email_verified("ada@example.com").await;
    assert_eq!(
        user_signed_in_at_provider(&setup, "ada@example.com").await,
        user_id.get()
    );
    assert_eq!(app.session_status(&cookie).await, StatusCode::OK);
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
    // A provider that does not vouch for the address never joins.
    let browser = WithProvider::browser();
    let response = sign_in_with_provider(&setup, &browser, "unverified:ada@example.com", "/users").await;
    assert!(session_cookie(&response).is_none());
    setup.app.stop().await;
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn linking_a_provider_needs_a_verified_email_and_a_recent_proof() {
    let setup = WithProvider::start().await;
    let app = &setup.app;
    let browser = WithProvider::browser();
    let registered = browser
        .post(format!("{}/api/register", setup.origin))
        .form(&[("name", "Ada"), ("email", "ada@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::OK);
    let link = |browser: &reqwest::Client| {
        browser
            .post(format!("{}/auth/test/link", setup.origin))
            .header("origin", &setup.origin)
            .send()
    };
    let unverified = link(&browser).await.unwrap();
    assert_eq!(unverified.headers()[LOCATION], "/account");
    assert_eq!(app.count_rows("ceremonies").await, 0);
    app.mark_email_verified("ada@example.com").await;
    app.advance_clock(STALE);
    let stale = link(&browser).await.unwrap();
    assert_eq!(stale.headers()[LOCATION], "/reauthenticate?redirect=%2Faccount");
    assert_eq!(app.count_rows("ceremonies").await, 0);
    setup.app.stop().await;
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn a_provider_reauthenticates_only_the_user_it_is_linked_to() {
    let setup = WithProvider::start().await;
    let app = &setup.app;
    let browser = WithProvider::browser();
    let response = sign_in_with_provider(&setup, &browser, "ada@example.com", "/users").await;
    assert!(session_cookie(&response).is_some());
    app.advance_clock(STALE);
    let start = format!("{}/auth/test?reauthenticate=1&redirect=%2Faccount", setup.origin);
    let callback = through_provider(&browser, &start, &setup.origin, AtProvider::LogIn("ada@example.com")).await;
    let back = browser.get(&callback).send().await.unwrap();
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert_eq!(back.headers()[LOCATION], "/account");
    let fresh = browser
        .post(format!("{}/api/account/logout-everywhere", setup.origin))
        .header("origin", &setup.origin)
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), StatusCode::OK);
    // Someone else's account at the provider proves nothing here.
    app.advance_clock(STALE);
    let callback = through_provider(&browser, &start, &setup.origin, AtProvider::LogIn("bob@example.com")).await;
    let back = browser.get(&callback).send().await.unwrap();
    assert_eq!(back.headers()[LOCATION], "/reauthenticate");
    let stale = browser
        .post(format!("{}/api/account/logout-everywhere", setup.origin))
        .header("origin", &setup.origin)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);
    setup.app.stop().await;
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn a_non_ascii_return_path_comes_back_encoded_not_as_an_error() {
    let setup = WithProvider::start().await;
    let browser = WithProvider::browser();
    let start = format!("{}/auth/test?redirect=/%C3%A9", setup.origin);
    let callback = through_provider(&browser, &start, &setup.origin, AtProvider::LogIn("ada@example.com")).await;
    let back = browser.get(&callback).send().await.unwrap();
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert_eq!(back.headers()[LOCATION], "/%C3%A9");
    assert!(session_cookie(&back).is_some());
    setup.app.stop().await;
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn a_cross_site_request_starts_no_sign_in_at_a_provider() {
    let setup = WithProvider::start().await;
    let app = &setup.app;
    for (site, mode) in [
        ("cross-site", "no-cors"),
        ("cross-site", "navigate"),
        ("same-origin", "no-cors"),
    ] {
        let response = app
            .client
            .get(app.url("/auth/test"))
            .header("sec-fetch-site", site)
            .header("sec-fetch-mode", mode)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{site} {mode}");
        assert_eq!(response.headers()[LOCATION], "/login");
    }
    assert_eq!(app.count_rows("ceremonies").await, 0);
    let own = app
        .client
        .get(app.url("/auth/test"))
        .header("sec-fetch-site", "same-origin")
        .header("sec-fetch-mode", "navigate")
        .send()
        .await
        .unwrap();
    assert!(own.headers()[LOCATION]
        .to_str()
        .unwrap()
        .starts_with(&setup.provider.issuer));
    setup.app.stop().await;
}

#[tokio::test]
async fn views_of_the_login_page_never_use_up_a_networks_passkey_sign_ins() {
    let app = TestApp::builder()
        .env(&[("LOGIN_MAX_FAILURES_PER_ADDRESS", "2")])
        .start()
        .await;
    let mut phone = Device::new(&app);
    let (id, _) = sign_up(&app, &mut phone, "Ada", "ada@example.com").await;
    // Far more views (each begins a ceremony for autofill) than the limits.
    for _ in 0..120 {
        let options = app.post_form("/api/auth/passkey/login/options", &[], None).await;
        assert_eq!(options.status(), StatusCode::OK);
    }
    assert!(app.count_rows("ceremonies").await <= 100, "bounded per network");
    let signed_in = sign_in(&app, &mut phone).await;
    assert_eq!(json(signed_in).await["id"], id);
    app.stop().await;
}

#[tokio::test]
async fn checking_whether_an_address_has_a_passkey_account_is_limited_like_registering() {
    let app = TestApp::builder()
        .env(&[("REGISTER_MAX_PER_ADDRESS", "3")])
        .start()
        .await;
    app.register("Ada", "ada@example.com").await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let response = app
            .post_form(
                "/api/auth/passkey/register/options",
                &[("name", "Eve"), ("email", "ada@example.com")],
                None,
            )
            .await;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [409, 409, 429, 429, 429]);
    app.stop().await;
}

#[tokio::test]
async fn setting_a_first_password_checks_before_hashing_and_keeps_the_absolute_expiry() {
    let app = TestApp::builder()
        .env(&[("SESSION_ABSOLUTE_MAX_AGE", "3600")])
        .start()
        .await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let before = app.state().passwords.hashes_made();
    let refused = app
        .post_form(
            "/api/account/set-password",
            &[("new_password", "another passphrase")],
            Some(&cookie),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.state().passwords.hashes_made(), before, "no bcrypt work");

    let mut phone = Device::new(&app);
    let (_, passkey_account) = sign_up(&app, &mut phone, "Bob", "bob@example.com").await;
    let own_name = app
        .post_form(
            "/api/account/set-password",
            &[("new_password", "bob@example.com")],
            Some(&passkey_account),
        )
        .await;
    assert_eq!(own_name.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.state().passwords.hashes_made(), before, "screened before hashing");
    app.advance_clock(500);
    let set = app
        .post_form(
            "/api/account/set-password",
            &[("new_password", "another passphrase")],
            Some(&passkey_account),
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    let carried_on = session_cookie(&set).unwrap();
    app.advance_clock(3200);
    assert_eq!(app.session_status(&carried_on).await, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn a_burst_of_resets_with_one_link_hashes_once() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[]).await;
    app.register("Ada", "ada@example.com").await;
    app.post_form("/api/auth/forgot-password", &[("email", "ada@example.com")], None)
        .await;
    let token = smtp
        .one_about(concat!("Reset your ", app::site_name!(), " password"))
        .await
        .token("/reset-password");
    let before = app.state().passwords.hashes_made();
    let form = [("token", token.as_str()), ("password", "a brand new passphrase")];
    let burst = (0..8).map(|_| app.post_form("/api/auth/reset-password", &form, None));
    let statuses: Vec<u16> = futures::future::join_all(burst)
        .await
        .iter()
        .map(|response| response.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|&&status| status == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(app.state().passwords.hashes_made() - before, 1);
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn strangers_cannot_use_up_the_owners_reset_links_nor_void_the_one_they_hold() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[("TRUST_FORWARDED_FOR", "true")]).await;
    app.register("Ada", "ada@example.com").await;
    let server = &app;
    let ask = |from: &'static str| async move {
        server
            .post_form_with(
                "/api/auth/forgot-password",
                &[("email", "ada@example.com")],
                &[("x-forwarded-for", from)],
            )
            .await
    };
    assert_eq!(ask("198.51.100.1").await.status(), StatusCode::OK);
    let owners = smtp
        .one_about(concat!("Reset your ", app::site_name!(), " password"))
        .await
        .token("/reset-password");
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(ask("203.0.113.9").await.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429]);
    // The owner, elsewhere, may still ask; and the link they hold still works.
    assert_eq!(ask("198.51.100.1").await.status(), StatusCode::OK);
    let reset = app
        .post_form(
            "/api/auth/reset-password",
            &[("token", owners.as_str()), ("password", "a brand new passphrase")],
            None,
        )
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    // At most five links a window reach the mailbox, whoever asks.
    smtp.assert_nothing_more_about(&app, concat!("Reset your ", app::site_name!(), " password"), 5)
        .await;
    app.stop().await;
}

#[tokio::test]
async fn a_new_password_voids_the_device_cookies_given_for_the_old_one() {
    let app = TestApp::start().await;
    app.register("Ada", "ada@example.com").await;
    let logged_in = app.login("ada@example.com", PASSWORD).await;
    let old_device = device_cookie(&logged_in).expect("a device cookie");
    let cookie = session_cookie(&logged_in).unwrap();
    let changed = app.change_password(&cookie, PASSWORD, "a brand new passphrase").await;
    assert_eq!(changed.status(), StatusCode::OK);
    // A stranger's guesses lock the account for untrusted clients...
    for _ in 0..5 {
        assert_eq!(
            app.login("ada@example.com", "guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // ...and the old device cookie is one of those now.
    let with_old = app
        .post_form_with(
            "/api/auth/login",
            &[("email", "ada@example.com"), ("password", "guess")],
            &[("cookie", &old_device)],
        )
        .await;
    assert_eq!(with_old.status(), StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

#[tokio::test]
async fn a_network_is_given_a_bounded_number_of_device_cookies_and_they_count_against_it() {
    let app = TestApp::builder()
        .env(&[("LOGIN_MAX_FAILURES_PER_ADDRESS", "3")])
        .start()
        .await;
    app.register("Ada", "ada@example.com").await;
    let mut given = Vec::new();
    for _ in 0..4 {
        let response = app.login("ada@example.com", PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK);
        given.push(device_cookie(&response));
    }
    // The registration was given the first of the three.
    let issued: Vec<bool> = given.iter().map(Option::is_some).collect();
    assert_eq!(issued, [true, true, false, false]);
    // Guesses from a trusted browser still count against its network.
    let device = given[0].clone().unwrap();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let response = app
            .post_form_with(
                "/api/auth/login",
                &[("email", "ada@example.com"), ("password", "guess")],
                &[("cookie", &device)],
            )
            .await;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429]);
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn an_identity_at_a_provider_no_longer_configured_is_no_way_to_sign_in() {
    let setup = WithProvider::start().await;
    let browser = WithProvider::browser();
    let response = sign_in_with_provider(&setup, &browser, "ada@example.com", "/users").await;
    let cookie = session_cookie(&response).unwrap();
    let mut phone = Device::new(&setup.app);
    let added = add_passkey(&setup.app, &mut phone, &cookie, "Phone").await;
    let passkey: Value = json(added).await;
    let store = setup.app.stop_keeping_data().await;
    // The provider leaves the configuration: the passkey is the last way in.
    let app = TestApp::builder().store(store).start().await;
    let removed = app
        .post_form(
            "/api/account/remove-passkey",
            &[("id", passkey["id"].as_str().unwrap())],
            Some(&cookie),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::CONFLICT);
    assert_eq!(json(removed).await["code"], "last_sign_in_method");
    app.stop().await;
}
