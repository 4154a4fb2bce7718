//! Two-step verification over HTTP: turning it on with a code computed from
//! the secret shown (as an authenticator app would), signing in with a code
//! or a recovery code, each once, the limits on wrong codes, and every way in
//! that must ask for a code (a password, a reset, a provider) or need not (a
//! passkey).

use crate::helpers::*;
use crate::identity::{sign_in_with_provider, WithProvider};
use crate::passkeys::{sign_in as passkey_sign_in, sign_up};
use crate::recovery::start_mailing;
use reqwest::{header::LOCATION, StatusCode};
use serde_json::Value;
use totp_rs::{Builder, Secret};

/// The code an authenticator app with `secret` shows at the server's time.
fn code_now(app: &TestApp, secret: &str) -> String {
    let totp = Builder::new()
        .with_secret(Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap();
    let now = app.state().clock.unix_now().seconds();
    totp.generate(u64::try_from(now).unwrap()).to_string()
}

/// Sets up and turns on two-step verification for the session `cookie`
/// (which must be fresh): the secret and the recovery codes. The clock then
/// moves on a step, as a person would take to sign in again.
async fn turn_on(app: &TestApp, cookie: &str) -> (String, Vec<String>) {
    let setup = app.post_form("/api/account/two-factor/setup", &[], Some(cookie)).await;
    assert_eq!(setup.status(), StatusCode::OK);
    let setup = json(setup).await;
    let secret = setup["secret"].as_str().unwrap().to_owned();
    let uri = setup["uri"].as_str().unwrap();
    // The label is percent-encoded: a site named "My App" is `My%20App`.
    let label = percent_encoding::percent_decode_str(uri).decode_utf8().unwrap();
    assert!(
        label.starts_with(concat!("otpauth://totp/", app::site_name!(), ":"))
            && uri.contains(&format!("secret={secret}")),
        "{uri}"
    );
    let enabled = app
        .post_form(
            "/api/account/two-factor/enable",
            &[("code", &code_now(app, &secret))],
            Some(cookie),
        )
        .await;
    assert_eq!(enabled.status(), StatusCode::OK);
    let codes: Vec<String> = serde_json::from_value(json(enabled).await["recovery_codes"].clone()).unwrap();
    assert_eq!(codes.len(), 10);
    app.advance_clock(30);
    (secret, codes)
}

/// The pending sign-in's cookie (`name=value`) a right password left.
fn pending_cookie(response: &reqwest::Response) -> Option<String> {
    set_cookie_named(response, "second-step").map(|header| header.split(';').next().unwrap().to_owned())
}

/// Logs in with the password: must answer that a code is due, with no session.
async fn password_step(app: &TestApp, email: &str) -> String {
    let response = app.login(email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(session_cookie(&response).is_none(), "no session before the code");
    let pending = pending_cookie(&response).expect("a pending sign-in");
    assert_eq!(json(response).await, serde_json::json!({"two_factor": true}));
    pending
}

async fn second_step(app: &TestApp, pending: &str, code: &str) -> reqwest::Response {
    app.post_form("/api/auth/two-factor", &[("code", code)], Some(pending))
        .await
}

#[tokio::test]
async fn a_password_then_a_code_signs_in_and_a_code_works_once() {
    let app = TestApp::start().await;
    let (id, cookie) = app.register("Ada", "ada@example.com").await;
    let (secret, _) = turn_on(&app, &cookie).await;

    let pending = password_step(&app, "ada@example.com").await;
    let code = code_now(&app, &secret);
    let signed_in = second_step(&app, &pending, &code).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let session = session_cookie(&signed_in).expect("the session, now");
    assert!(
        set_cookie_named(&signed_in, "second-step").is_some_and(|c| c.contains("Max-Age=0")),
        "forgotten"
    );
    assert_eq!(json(signed_in).await["id"], id.get());
    assert_eq!(app.session_status(&session).await, StatusCode::OK);

    // The same code again, on another sign-in, even within its 30 seconds.
    let again = password_step(&app, "ada@example.com").await;
    let replayed = second_step(&app, &again, &code).await;
    assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(replayed).await["code"], "invalid_code");
    app.advance_clock(30);
    assert_eq!(
        second_step(&app, &again, &code_now(&app, &secret)).await.status(),
        StatusCode::OK
    );
    app.stop().await;
}

/// The sign-in waiting for its code is no session and ends none: the
/// session the browser holds ends when the code starts the new one.
#[tokio::test]
async fn the_second_step_ends_the_session_the_browser_held() {
    let app = TestApp::start().await;
    let (_, bobs) = app.register("Bob", "bob@example.com").await;
    let (_, adas) = app.register("Ada", "ada@example.com").await;
    let (secret, _) = turn_on(&app, &adas).await;

    // Ada signs in from the browser that holds Bob's session.
    let password = app
        .post_form(
            "/api/auth/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
            Some(&bobs),
        )
        .await;
    assert_eq!(password.status(), StatusCode::OK);
    assert!(session_cookie(&password).is_none());
    let pending = pending_cookie(&password).unwrap();
    let both = format!("{pending}; {bobs}");
    let wrong = if code_now(&app, &secret) == "000000" {
        "111111"
    } else {
        "000000"
    };
    assert_eq!(second_step(&app, &both, wrong).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get("/api/account/sessions", Some(&bobs)).await.status(),
        StatusCode::OK
    );

    let signed_in = second_step(&app, &both, &code_now(&app, &secret)).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let session = session_cookie(&signed_in).unwrap();
    assert_eq!(
        app.get("/api/account/sessions", Some(&bobs)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/account/sessions", Some(&session)).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.session_status(&adas).await, StatusCode::OK, "Ada's other browser");
    app.stop().await;
}

#[tokio::test]
async fn without_a_pending_sign_in_a_code_is_nothing() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let (secret, _) = turn_on(&app, &cookie).await;
    let code = code_now(&app, &secret);
    assert_eq!(
        second_step(&app, &format!("{}=forged", cookie_name("second-step")), &code)
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(second_step(&app, "", &code).await.status(), StatusCode::BAD_REQUEST);
    // A pending sign-in lasts five minutes.
    let pending = password_step(&app, "ada@example.com").await;
    app.advance_clock(301);
    let expired = second_step(&app, &pending, &code_now(&app, &secret)).await;
    assert_eq!(json(expired).await["code"], "sign_in_expired");
    app.stop().await;
}

#[tokio::test]
async fn a_recovery_code_works_once_and_a_new_set_voids_the_old() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let (_, codes) = turn_on(&app, &cookie).await;

    let pending = password_step(&app, "ada@example.com").await;
    // As typed by hand: upper case, no dash.
    let typed = codes[0].replace('-', "").to_uppercase();
    assert_eq!(second_step(&app, &pending, &typed).await.status(), StatusCode::OK);
    let again = password_step(&app, "ada@example.com").await;
    assert_eq!(
        second_step(&app, &again, &codes[0]).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let renewed = app
        .post_form("/api/account/two-factor/recovery-codes", &[], Some(&cookie))
        .await;
    assert_eq!(renewed.status(), StatusCode::OK);
    let renewed: Vec<String> = serde_json::from_value(json(renewed).await["recovery_codes"].clone()).unwrap();
    assert_eq!(
        second_step(&app, &again, &codes[1]).await.status(),
        StatusCode::UNAUTHORIZED,
        "the old set"
    );
    assert_eq!(second_step(&app, &again, &renewed[0]).await.status(), StatusCode::OK);
    app.stop().await;
}

/// A recovery code is about 124 random bits (a plain hash of it is kept,
/// which ASVS allows from 112), written to be copied by hand: five groups of
/// five characters of an alphabet without look-alikes. Typed in any case,
/// with or without its dashes, it works, once.
#[tokio::test]
async fn a_recovery_code_is_124_bits_to_copy_by_hand_read_however_typed_and_works_once() {
    const ALPHABET: &str = "23456789abcdefghjkmnpqrstuvwxyz";
    let app = TestApp::start().await;
    let (id, cookie) = app.register("Ada", "ada@example.com").await;
    let (_, codes) = turn_on(&app, &cookie).await;
    for code in &codes {
        let groups: Vec<&str> = code.split('-').collect();
        assert_eq!(groups.len(), 5, "{code}");
        for group in groups {
            assert!(
                group.len() == 5 && group.chars().all(|c| ALPHABET.contains(c)),
                "{code}"
            );
        }
    }
    let bits = 25.0 * (ALPHABET.len() as f64).log2();
    assert!(bits >= 120.0, "{bits}");
    // Drawn from the whole alphabet: 250 characters leave 8 or more of the
    // 31 out with a chance below 10^-20.
    let drawn: std::collections::BTreeSet<char> = codes.concat().chars().filter(|c| *c != '-').collect();
    assert!(drawn.len() > ALPHABET.len() - 8, "{drawn:?}");

    let pending = password_step(&app, "ada@example.com").await;
    assert_eq!(second_step(&app, &pending, &codes[0]).await.status(), StatusCode::OK);
    let again = password_step(&app, "ada@example.com").await;
    assert_eq!(
        second_step(&app, &again, &codes[0]).await.status(),
        StatusCode::UNAUTHORIZED,
        "once"
    );
    let typed = codes[1].replace('-', "");
    assert_eq!(second_step(&app, &again, &typed).await.status(), StatusCode::OK);
    let third = password_step(&app, "ada@example.com").await;
    let typed = codes[2].replace('-', " ").to_uppercase();
    assert_eq!(second_step(&app, &third, &typed).await.status(), StatusCode::OK);

    // A code of a set made before, `xxxxx-xxxxx`, kept as the SHA-256 of its
    // 10 characters: it still works.
    let before = format!(
        "INSERT INTO recovery_codes (user_id, code_hash) VALUES ({}, '{}')",
        id.get(),
        app::backend::sha256_hex("k7m2pq9xbc")
    );
    app.execute_sql(&before, &before).await;
    let fourth = password_step(&app, "ada@example.com").await;
    assert_eq!(second_step(&app, &fourth, "K7M2P-Q9XBC").await.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn wrong_codes_are_limited_per_sign_in_and_per_account() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let (secret, _) = turn_on(&app, &cookie).await;
    let pending = password_step(&app, "ada@example.com").await;
    let wrong = if code_now(&app, &secret) == "000000" {
        "111111"
    } else {
        "000000"
    };
    // A parallel burst: at most five are checked, the rest refused unchecked.
    let burst = (0..8).map(|_| second_step(&app, &pending, wrong));
    let statuses: Vec<u16> = futures::future::join_all(burst)
        .await
        .iter()
        .map(|response| response.status().as_u16())
        .collect();
    let checked = statuses.iter().filter(|&&status| status == 401).count();
    assert!((1..=5).contains(&checked), "at most five codes checked: {statuses:?}");
    assert!(
        statuses.iter().all(|&status| status == 401 || status == 429),
        "{statuses:?}"
    );
    // The right code too, now: and a fresh sign-in counts under the account.
    let right = code_now(&app, &secret);
    assert_eq!(
        second_step(&app, &pending, &right).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let another = password_step(&app, "ada@example.com").await;
    assert_eq!(
        second_step(&app, &another, &right).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    app.advance_clock(901);
    let later = password_step(&app, "ada@example.com").await;
    assert_eq!(
        second_step(&app, &later, &code_now(&app, &secret)).await.status(),
        StatusCode::OK,
        "the window is over"
    );
    app.stop().await;
}

#[tokio::test]
async fn setting_it_up_and_off_needs_a_fresh_proof_and_turning_it_on_a_right_code() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let setup = json(app.post_form("/api/account/two-factor/setup", &[], Some(&cookie)).await).await;
    let secret = setup["secret"].as_str().unwrap().to_owned();
    let wrong = app
        .post_form("/api/account/two-factor/enable", &[("code", "000000")], Some(&cookie))
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(wrong).await["problems"][0]["code"], "code_wrong");
    let on = app
        .post_form(
            "/api/account/two-factor/enable",
            &[("code", &code_now(&app, &secret))],
            Some(&cookie),
        )
        .await;
    assert_eq!(on.status(), StatusCode::OK);
    let twice = app.post_form("/api/account/two-factor/setup", &[], Some(&cookie)).await;
    assert_eq!(json(twice).await["code"], "two_factor_on");

    app.advance_clock(601);
    for path in [
        "/api/account/two-factor/disable",
        "/api/account/two-factor/recovery-codes",
    ] {
        let stale = app.post_form(path, &[], Some(&cookie)).await;
        assert_eq!(stale.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(json(stale).await["code"], "reauthentication_required");
    }
    let proved = app
        .post_form("/api/account/reauthenticate", &[("password", PASSWORD)], Some(&cookie))
        .await;
    let fresh = session_cookie(&proved).unwrap();
    assert_eq!(
        app.post_form("/api/account/two-factor/disable", &[], Some(&fresh))
            .await
            .status(),
        StatusCode::OK
    );
    let direct = app.login("ada@example.com", PASSWORD).await;
    assert!(session_cookie(&direct).is_some(), "off: a password alone signs in");
    app.stop().await;
}

#[tokio::test]
async fn a_passkey_signs_in_without_a_code() {
    let app = TestApp::start().await;
    let mut phone = crate::passkeys::Device::new(&app);
    let (_, cookie) = sign_up(&app, &mut phone, "Ada", "ada@example.com").await;
    turn_on(&app, &cookie).await;
    let signed_in = passkey_sign_in(&app, &mut phone).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    assert!(
        session_cookie(&signed_in).is_some(),
        "a user-verifying passkey is two factors"
    );
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn a_password_reset_asks_for_the_code_too() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[]).await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    app.mark_email_verified("ada@example.com").await;
    let (secret, _) = turn_on(&app, &cookie).await;
    app.post_form("/api/auth/forgot-password", &[("email", "ada@example.com")], None)
        .await;
    let token = smtp
        .one_about(concat!("Reset your ", app::site_name!(), " password"))
        .await
        .token("/reset-password");
    let reset = app
        .post_form(
            "/api/auth/reset-password",
            &[("token", &token), ("password", "a brand new passphrase")],
            None,
        )
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    assert!(session_cookie(&reset).is_none(), "the reset alone signs no one in");
    let pending = pending_cookie(&reset).unwrap();
    assert_eq!(json(reset).await, serde_json::json!({"two_factor": true}));
    assert_eq!(
        app.session_status(&cookie).await,
        StatusCode::UNAUTHORIZED,
        "every session ended"
    );
    assert_eq!(
        second_step(&app, &pending, &code_now(&app, &secret)).await.status(),
        StatusCode::OK
    );
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn a_provider_sign_in_asks_for_the_code_too() {
    let setup = WithProvider::start().await;
    let browser = WithProvider::browser();
    sign_in_with_provider(&setup, &browser, "Ada Lovelace <ada@example.com>", "/users").await;
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        browser
            .post(format!("{}{path}", setup.origin))
            .header("origin", &setup.origin)
            .form(&form)
            .send()
    };
    let secret: Value = post("/api/account/two-factor/setup", vec![])
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = secret["secret"].as_str().unwrap().to_owned();
    let on = post(
        "/api/account/two-factor/enable",
        vec![("code", code_now(&setup.app, &secret))],
    )
    .await
    .unwrap();
    assert_eq!(on.status(), StatusCode::OK);
    setup.app.advance_clock(30);

    let other = WithProvider::browser();
    let back = sign_in_with_provider(&setup, &other, "Ada Lovelace <ada@example.com>", "/users").await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert_eq!(back.headers()[LOCATION], "/two-factor?redirect=%2Fusers");
    assert!(session_cookie(&back).is_none(), "no session before the code");
    let done = other
        .post(format!("{}/api/auth/two-factor", setup.origin))
        .header("origin", &setup.origin)
        .form(&[("code", code_now(&setup.app, &secret))])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert!(session_cookie(&done).is_some());
}

#[tokio::test]
async fn a_trusted_browser_still_gives_a_code() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let (secret, _) = turn_on(&app, &cookie).await;
    let pending = password_step(&app, "ada@example.com").await;
    let signed_in = second_step(&app, &pending, &code_now(&app, &secret)).await;
    let device = device_cookie(&signed_in).expect("this browser is now trusted for password attempts");
    // The device cookie changes how failures are counted, never what a sign-in needs.
    let again = app
        .post_form_with(
            "/api/auth/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
            &[("cookie", &device)],
        )
        .await;
    assert!(session_cookie(&again).is_none());
    assert_eq!(json(again).await, serde_json::json!({"two_factor": true}));
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn the_owner_is_told_of_turning_on_and_off_a_recovery_code_used_and_codes_guessed() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[]).await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let (_, codes) = turn_on(&app, &cookie).await;
    let on = smtp.one_about("Two-step verification was turned on").await;
    assert_eq!(on.to, "ada@example.com");

    let pending = password_step(&app, "ada@example.com").await;
    second_step(&app, &pending, &codes[0]).await;
    let used = smtp.one_about("A recovery code was used").await;
    assert!(!used.text.contains(&codes[0]), "no code in a mail");

    let guessing = password_step(&app, "ada@example.com").await;
    for _ in 0..8 {
        second_step(&app, &guessing, "not-a-code").await;
    }
    smtp.assert_nothing_more_about(&app, "Someone is trying to sign in", 1)
        .await;

    app.post_form("/api/account/two-factor/disable", &[], Some(&cookie))
        .await;
    smtp.one_about("Two-step verification was turned off").await;
    app.stop().await;
}

#[tokio::test]
async fn a_burst_of_settings_changes_is_answered_never_as_busy() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let statuses =
        |responses: Vec<reqwest::Response>| responses.iter().map(|r| r.status().as_u16()).collect::<Vec<_>>();
    let setups = (0..8).map(|_| app.post_form("/api/account/two-factor/setup", &[], Some(&cookie)));
    assert_eq!(statuses(futures::future::join_all(setups).await), [200; 8]);
    let offs = (0..8).map(|_| app.post_form("/api/account/two-factor/disable", &[], Some(&cookie)));
    assert_eq!(
        statuses(futures::future::join_all(offs).await),
        [409; 8],
        "it was never on"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_password_changed_meanwhile_voids_a_sign_in_waiting_for_its_code() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let (secret, _) = turn_on(&app, &cookie).await;
    // A thief with the password is asked for a code; the owner, signed in
    // elsewhere, changes the password before the thief has one.
    let pending = password_step(&app, "ada@example.com").await;
    let changed = app
        .change_password(&cookie, PASSWORD, "an entirely different passphrase")
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    app.advance_clock(30);
    let voided = second_step(&app, &pending, &code_now(&app, &secret)).await;
    assert_eq!(voided.status(), StatusCode::BAD_REQUEST);
    assert!(session_cookie(&voided).is_none());
    assert_eq!(json(voided).await["code"], "sign_in_expired");
    // The code was not spent on it: a sign-in with the new password takes it.
    let response = app.login("ada@example.com", "an entirely different passphrase").await;
    let pending = pending_cookie(&response).expect("a pending sign-in");
    assert_eq!(
        second_step(&app, &pending, &code_now(&app, &secret)).await.status(),
        StatusCode::OK
    );
    app.stop().await;
}

#[tokio::test]
async fn the_session_says_whether_two_step_verification_is_on() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let two_factor = async |cookie: &str| {
        json(app.get("/api/_auth/session", Some(cookie)).await).await["user"]["two_factor"].clone()
    };
    assert_eq!(two_factor(&cookie).await, false);
    let (secret, _) = turn_on(&app, &cookie).await;
    assert_eq!(two_factor(&cookie).await, true);
    let pending = password_step(&app, "ada@example.com").await;
    let session = session_cookie(&second_step(&app, &pending, &code_now(&app, &secret)).await).unwrap();
    assert_eq!(two_factor(&session).await, true);
    assert_eq!(
        app.post_form("/api/account/two-factor/disable", &[], Some(&session))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(two_factor(&session).await, false);
    // Set up but not confirmed with a code is not on.
    let setup = app
        .post_form("/api/account/two-factor/setup", &[], Some(&session))
        .await;
    assert_eq!(setup.status(), StatusCode::OK);
    assert_eq!(two_factor(&session).await, false);
    app.stop().await;
}

/// The account page as the server renders it for `cookie`.
async fn account_page(app: &TestApp, cookie: &str) -> (reqwest::header::HeaderMap, scraper::Html) {
    let page = app.get("/account", Some(cookie)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let headers = page.headers().clone();
    (headers, scraper::Html::parse_document(&page.text().await.unwrap()))
}

fn redirect_of(response: &reqwest::Response) -> &str {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response.headers()[LOCATION].to_str().unwrap()
}

#[tokio::test]
async fn without_javascript_it_is_set_up_turned_on_and_its_codes_shown_once() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let (_, other) = app.register("Grace", "grace@example.com").await;

    let posted = html_form_post(&app, "/api/account/two-factor/setup", &[], "/account", Some(&cookie)).await;
    assert_eq!(redirect_of(&posted), "/account#two-factor");
    let (_, page) = account_page(&app, &cookie).await;
    let secret = text_of(&page, "#two-factor-secret")
        .pop()
        .expect("the secret, shown again");
    assert_eq!(text_of(&page, ".qr svg").len(), 1, "and its QR code");

    // A wrong code comes back as the form's problem.
    let wrong = html_form_post(
        &app,
        "/api/account/two-factor/enable",
        &[("code", "000000")],
        "/account",
        Some(&cookie),
    )
    .await;
    assert_eq!(redirect_of(&wrong), "/account");
    let flash = set_cookie_named(&wrong, "flash").unwrap();
    let with_flash = format!("{cookie}; {}", flash.split(';').next().unwrap());
    let (_, page) = account_page(&app, &with_flash).await;
    assert_eq!(
        text_of(&page, "title"),
        [concat!("Error: Account – ", app::site_name!())]
    );
    assert_eq!(text_of(&page, ".error-summary li"), ["Invalid code"]);

    let code = code_now(&app, &secret);
    let enabled = html_form_post(
        &app,
        "/api/account/two-factor/enable",
        &[("code", &code)],
        "/account",
        Some(&cookie),
    )
    .await;
    assert_eq!(redirect_of(&enabled), "/account?done=two-factor-on");
    let left = set_cookie_named(&enabled, "codes").expect("the codes, for the page");
    let left = left.split(';').next().unwrap().to_owned();

    // Another account's page in the same browser does not show them.
    let (_, page) = account_page(&app, &format!("{other}; {left}")).await;
    assert!(text_of(&page, ".codes code").is_empty());

    let (headers, page) = account_page(&app, &format!("{cookie}; {left}")).await;
    let codes = text_of(&page, ".codes code");
    assert_eq!(codes.len(), 10, "{codes:?}");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(
        headers
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with(&format!("{}=;", cookie_name("codes")))),
        "taken: the response deletes them"
    );
    assert!(text_of(&page, "#two-factor-secret").is_empty(), "the set-up is over");
    assert!(text_of(&page, "button").iter().any(|b| b == "Turn off"));

    // A code shown works once, as a recovery code.
    let pending = password_step(&app, "ada@example.com").await;
    assert_eq!(second_step(&app, &pending, &codes[0]).await.status(), StatusCode::OK);

    // New codes and turning off work as plain forms too.
    let renewed = html_form_post(
        &app,
        "/api/account/two-factor/recovery-codes",
        &[],
        "/account",
        Some(&cookie),
    )
    .await;
    assert_eq!(redirect_of(&renewed), "/account?done=recovery-codes");
    assert!(set_cookie_named(&renewed, "codes").is_some());
    let off = html_form_post(&app, "/api/account/two-factor/disable", &[], "/account", Some(&cookie)).await;
    assert_eq!(redirect_of(&off), "/account?done=two-factor-off");
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn a_set_up_waiting_for_its_code_is_shown_again_only_while_the_proof_is_fresh() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let setup = json(app.post_form("/api/account/two-factor/setup", &[], Some(&cookie)).await).await;
    let methods = json(app.get("/api/account/passkeys", Some(&cookie)).await).await;
    assert_eq!(methods["two_factor"], false);
    assert_eq!(methods["two_factor_setup"]["secret"], setup["secret"]);
    app.advance_clock(601);
    let methods = json(app.get("/api/account/passkeys", Some(&cookie)).await).await;
    assert_eq!(methods["two_factor_setup"], Value::Null);
    let (_, page) = account_page(&app, &cookie).await;
    assert!(text_of(&page, "#two-factor-secret").is_empty());
    app.stop().await;
}
