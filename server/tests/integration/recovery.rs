//! Password reset and email verification through a real SMTP server: the
//! tests read the delivered messages and follow their links.

use crate::helpers::{
    attribute_of, flash_cookie, html_form_post, json, session_cookie, text_of, SmtpServer, TestApp, PASSWORD,
};
use reqwest::{header::LOCATION, StatusCode};
use scraper::Html;
use serde_json::json;
use std::time::Duration;

const MAIL_FROM: (&str, &str) = ("MAIL_FROM", "Sessions <no-reply@example.com>");
const RESET: &str = concat!("Reset your ", app::site_name!(), " password");
const VERIFY: &str = "Confirm your email address";
const CHANGED: &str = concat!("Your ", app::site_name!(), " password was changed");
const INVALID_LINK: &str = "This link is invalid or has expired";
const NEW_PASSWORD: &str = "a brand new passphrase";

pub(crate) async fn start_mailing(smtp: &SmtpServer, overrides: &[(&str, &str)]) -> TestApp {
    let smtp_url = smtp.url();
    let mut all = vec![("SMTP_URL", smtp_url.as_str()), MAIL_FROM];
    all.extend_from_slice(overrides);
    TestApp::builder().env(&all).start().await
}

async fn forgot(app: &TestApp, email: &str) -> reqwest::Response {
    app.post_form("/api/auth/forgot-password", &[("email", email)], None)
        .await
}

async fn reset(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.post_form(
        "/api/auth/reset-password",
        &[("token", token), ("password", password)],
        None,
    )
    .await
}

async fn assert_invalid_link(response: reqwest::Response) {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json(response).await,
        json!({"error": INVALID_LINK, "code": "invalid_link"})
    );
}

/// Asks for a reset link for `email` and returns the token of the mail that
/// comes, the one not among `seen`, which it joins.
async fn reset_token(app: &TestApp, smtp: &SmtpServer, email: &str, seen: &mut Vec<String>) -> String {
    assert_eq!(forgot(app, email).await.status(), StatusCode::OK);
    let mails = smtp
        .wait_for_about(RESET, seen.len() + 1, Duration::from_secs(10))
        .await;
    let token = mails
        .iter()
        .map(|mail| mail.token("/reset-password"))
        .find(|token| !seen.contains(token))
        .expect("a new reset mail");
    seen.push(token.clone());
    token
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn a_forgotten_password_is_reset_through_the_mailed_link() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[]).await;
    let (id, first_browser) = app.register("Ada", "ada@example.com").await;
    let second_browser = app.login_cookie("ada@example.com", PASSWORD).await;

    let asked = forgot(&app, "ADA@example.com ").await;
    assert_eq!(asked.status(), StatusCode::OK);
    assert_eq!(json(asked).await, json!({}));
    let mail = smtp.one_about(RESET).await;
    assert_eq!(mail.to, "ada@example.com");
    let port = app.base.rsplit(':').next().unwrap();
    let link = mail.link("http://");
    assert!(
        link.starts_with(&format!("http://localhost:{port}/reset-password?token=")),
        "absolute, from the configured origin: {link}"
    );
    assert!(mail.html.contains(&format!("href=\"{link}\"")), "{}", mail.html);
    let token = mail.token("/reset-password");
    assert_eq!(token.len(), 64);

    let page = app.get(&format!("/reset-password?token={token}"), None).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Set new password"));

    let done = reset(&app, &token, NEW_PASSWORD).await;
    assert_eq!(done.status(), StatusCode::OK);
    let new_cookie = session_cookie(&done).expect("logged in");
    assert_eq!(json(done).await, json!({"id": id, "name": "Ada"}));
    assert_eq!(app.session_status(&new_cookie).await, StatusCode::OK);
    for ended in [&first_browser, &second_browser] {
        assert_eq!(app.session_status(ended).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.login_cookie("ada@example.com", NEW_PASSWORD).await;
    let notice = smtp.one_about(CHANGED).await;
    assert!(!notice.text.contains(NEW_PASSWORD) && !notice.text.contains(&token));

    // Single use.
    assert_invalid_link(reset(&app, &token, "yet another passphrase").await).await;
    app.stop().await;
}

/// A reset signs its browser in: the session that browser held ends,
/// another account's as well, and that account's other sessions live on.
#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn a_reset_ends_the_session_the_browser_held() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[]).await;
    app.register("Ada", "ada@example.com").await;
    let (_, bobs) = app.register("Bob", "bob@example.com").await;
    let bobs_other = app.login_cookie("bob@example.com", PASSWORD).await;
    let token = reset_token(&app, &smtp, "ada@example.com", &mut Vec::new()).await;

    let done = app
        .post_form(
            "/api/auth/reset-password",
            &[("token", &token), ("password", NEW_PASSWORD)],
            Some(&bobs),
        )
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let adas = session_cookie(&done).expect("logged in");
    assert_eq!(
        app.get("/api/account/sessions", Some(&bobs)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/account/sessions", Some(&adas)).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.session_status(&bobs_other).await, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn every_bad_reset_token_gets_the_same_400() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[]).await;
    app.register("Ada", "ada@example.com").await;
    let token = reset_token(&app, &smtp, "ada@example.com", &mut Vec::new()).await;
    let verification = smtp.one_about(VERIFY).await.token("/verify-email");

    let mut tampered = token.clone().into_bytes();
    tampered[10] = if tampered[10] == b'a' { b'b' } else { b'a' };
    let tampered = String::from_utf8(tampered).unwrap();
    let huge = "f".repeat(10_000);
    for bad in [
        tampered.as_str(),
        &token[..63],
        &token.to_uppercase(),
        "",
        "not a token",
        &huge,
        // A token for something else.
        &verification,
    ] {
        assert_invalid_link(reset(&app, bad, NEW_PASSWORD).await).await;
    }
    // A weak password is refused as such, and the token is not spent by it.
    let weak = reset(&app, &token, "short").await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(weak).await["field"], "password");
    // So are a common one and one made of the account's own name, screened
    // before the token is spent.
    for (refused, code) in [
        ("superman1", "password_common"),
        ("ada.ada.ada", "password_from_context"),
    ] {
        let answer = json(reset(&app, &token, refused).await).await;
        let problem = &answer["problems"][0];
        assert_eq!(
            (problem["field"].as_str(), problem["code"].as_str()),
            (Some("password"), Some(code))
        );
    }

    // Expired after an hour.
    app.advance_clock(3601);
    assert_invalid_link(reset(&app, &token, NEW_PASSWORD).await).await;
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn a_reset_link_outlives_newer_ones_but_not_a_password_change() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[]).await;
    app.register("Ada", "ada@example.com").await;
    let mut seen = Vec::new();
    // A newer link (asked for by a stranger, say) leaves the older one working.
    let older = reset_token(&app, &smtp, "ada@example.com", &mut seen).await;
    let newer = reset_token(&app, &smtp, "ada@example.com", &mut seen).await;

    // The password changes by another route while a link waits.
    let cookie = app.login_cookie("ada@example.com", PASSWORD).await;
    let changed = app
        .change_password(&cookie, PASSWORD, "changed while a link waits")
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_invalid_link(reset(&app, &newer, NEW_PASSWORD).await).await;
    assert_invalid_link(reset(&app, &older, NEW_PASSWORD).await).await;

    // And by another reset.
    let first = reset_token(&app, &smtp, "ada@example.com", &mut seen).await;
    let spent = reset(&app, &first, NEW_PASSWORD).await;
    assert_eq!(spent.status(), StatusCode::OK);
    assert_invalid_link(reset(&app, &first, "one more passphrase").await).await;
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn two_resets_with_one_token_in_parallel_succeed_once() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[]).await;
    app.register("Ada", "ada@example.com").await;
    let token = reset_token(&app, &smtp, "ada@example.com", &mut Vec::new()).await;
    let attempts = (0..8).map(|i| {
        let app = &app;
        let token = &token;
        async move { reset(app, token, &format!("parallel passphrase {i}")).await.status() }
    });
    let statuses = futures::future::join_all(attempts).await;
    let succeeded = statuses.iter().filter(|status| **status == StatusCode::OK).count();
    assert_eq!(succeeded, 1, "{statuses:?}");
    assert!(statuses
        .iter()
        .all(|status| *status == StatusCode::OK || *status == StatusCode::BAD_REQUEST));
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn forgot_password_answers_alike_for_unknown_emails_and_sends_nothing() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[]).await;
    app.register("Ada", "ada@example.com").await;
    // The unknown address first: its lookup starts before the known one's.
    let unknown = forgot(&app, "nobody@example.com").await;
    let known = forgot(&app, "ada@example.com").await;
    assert_eq!(known.status(), unknown.status());
    let (known_headers, unknown_headers) = (known.headers().clone(), unknown.headers().clone());
    assert_eq!(json(known).await, json(unknown).await);
    for name in ["content-type", "content-length", "set-cookie", "cache-control"] {
        assert_eq!(known_headers.get(name), unknown_headers.get(name), "{name}");
    }
    let mail = smtp.one_about(RESET).await;
    assert_eq!(mail.to, "ada@example.com");
    // Nothing for the unknown address.
    smtp.assert_nothing_more_about(&app, RESET, 1).await;

    let malformed = forgot(&app, "not an email").await;
    assert_eq!(malformed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(malformed).await["field"], "email");
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn forgot_password_is_limited_per_email_and_per_address_even_in_a_burst() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(
        &smtp,
        &[
            ("LOGIN_MAX_FAILURES_PER_EMAIL", "3"),
            ("LOGIN_MAX_FAILURES_PER_ADDRESS", "6"),
        ],
    )
    .await;
    app.register("Ada", "ada@example.com").await;
    let burst = futures::future::join_all((0..10).map(|_| forgot(&app, "ada@example.com"))).await;
    let statuses: Vec<StatusCode> = burst.iter().map(|response| response.status()).collect();
    // Requests in flight count against the address too, so a burst may get
    // fewer than the email's 3 through, never more.
    let through = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert!((1..=3).contains(&through), "{statuses:?}");
    let refused = burst
        .iter()
        .find(|response| response.status() == StatusCode::TOO_MANY_REQUESTS)
        .unwrap();
    assert!(refused.headers().get("retry-after").is_some());
    // Other emails from the same address, one after the other: the address's
    // limit holds across them all (a refused attempt may use some of it up).
    let mut others = Vec::new();
    for i in 0..10 {
        others.push(forgot(&app, &format!("someone{i}@example.com")).await.status());
    }
    let others_through = others.iter().filter(|s| **s == StatusCode::OK).count();
    assert!(through + others_through <= 6, "{statuses:?} {others:?}");
    assert_eq!(others.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{others:?}");
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn registration_sends_a_verification_link_that_verifies_the_email_once() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[]).await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let session = json(app.get("/api/_auth/session", Some(&cookie)).await).await;
    assert_eq!(session["user"]["email_verified"], false);

    let mail = smtp.one_about(VERIFY).await;
    assert_eq!(mail.to, "ada@example.com");
    let token = mail.token("/verify-email");
    let page = app.get(&format!("/verify-email?token={token}"), None).await;
    assert_eq!(page.status(), StatusCode::OK);
    // Opening the link (as a mail scanner does) verifies nothing by itself.
    let session = json(app.get("/api/_auth/session", Some(&cookie)).await).await;
    assert_eq!(session["user"]["email_verified"], false);

    // From any browser, logged in or not.
    let verified = app
        .post_form("/api/auth/verify-email", &[("token", &token)], None)
        .await;
    assert_eq!(verified.status(), StatusCode::OK);
    let session = json(app.get("/api/_auth/session", Some(&cookie)).await).await;
    assert_eq!(
        session["user"]["email_verified"], true,
        "on the next request, same cookie"
    );
    assert_invalid_link(
        app.post_form("/api/auth/verify-email", &[("token", &token)], None)
            .await,
    )
    .await;
    // Verified: asking again sends nothing.
    let again = app
        .post_form("/api/account/verification-email", &[], Some(&cookie))
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    smtp.assert_nothing_more_about(&app, VERIFY, 1).await;
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn a_verification_link_expires_and_send_again_replaces_it_within_limits() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[("LOGIN_MAX_FAILURES_PER_EMAIL", "2")]).await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let first = smtp.one_about(VERIFY).await.token("/verify-email");
    let anonymous = app.post_form("/api/account/verification-email", &[], None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let again = app
        .post_form("/api/account/verification-email", &[], Some(&cookie))
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    let mails = smtp.wait_for_about(VERIFY, 2, Duration::from_secs(10)).await;
    let second = mails
        .iter()
        .map(|mail| mail.token("/verify-email"))
        .find(|token| *token != first)
        .unwrap();
    assert_invalid_link(
        app.post_form("/api/auth/verify-email", &[("token", &first)], None)
            .await,
    )
    .await;

    app.post_form("/api/account/verification-email", &[], Some(&cookie))
        .await;
    let limited = app
        .post_form("/api/account/verification-email", &[], Some(&cookie))
        .await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);

    // The link of the last mail sent (the third) works for 24 hours only.
    let third = smtp
        .wait_for_about(VERIFY, 3, Duration::from_secs(10))
        .await
        .iter()
        .map(|mail| mail.token("/verify-email"))
        .find(|token| *token != first && *token != second)
        .unwrap();
    assert_invalid_link(
        app.post_form("/api/auth/verify-email", &[("token", &second)], None)
            .await,
    )
    .await;
    app.advance_clock(24 * 3600 + 1);
    assert_invalid_link(
        app.post_form("/api/auth/verify-email", &[("token", &third)], None)
            .await,
    )
    .await;
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn a_site_requiring_verified_emails_keeps_unverified_users_out_until_they_verify() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[("REQUIRE_VERIFIED_EMAIL", "true")]).await;
    let (id, cookie) = app.register("Ada", "ada@example.com").await;
    for path in ["/api/users".to_owned(), format!("/api/user?id={id}")] {
        let refused = app.get(&path, Some(&cookie)).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(
            json(refused).await,
            json!({"error": "Verify your email address to continue", "code": "email_unverified"})
        );
    }
    let page = app.get("/users", Some(&cookie)).await.text().await.unwrap();
    assert!(
        page.contains("Verify your email address") && page.contains("Send again"),
        "{page}"
    );
    let account = app.get("/account", Some(&cookie)).await;
    assert_eq!(account.status(), StatusCode::OK, "the account page stays open");

    let token = smtp.one_about(VERIFY).await.token("/verify-email");
    assert_eq!(
        app.post_form("/api/auth/verify-email", &[("token", &token)], None)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(app.get("/api/users", Some(&cookie)).await.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn by_default_unverified_users_are_let_in() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[]).await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    assert_eq!(app.get("/api/users", Some(&cookie)).await.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn forgot_password_is_answered_at_once_while_the_mail_server_is_down() {
    let port = crate::helpers::free_port();
    let app = TestApp::builder()
        .env(&[("SMTP_URL", &format!("smtp://127.0.0.1:{port}")), MAIL_FROM])
        .adjust(|config| config.mail.first_retry = Duration::from_millis(200))
        .start()
        .await;
    app.register("Ada", "ada@example.com").await;
    let asked = std::time::Instant::now();
    assert_eq!(forgot(&app, "ada@example.com").await.status(), StatusCode::OK);
    assert!(asked.elapsed() < Duration::from_secs(2), "{:?}", asked.elapsed());
    let smtp = SmtpServer::start_on(port).await;
    let mail = smtp.wait_for_about(RESET, 1, Duration::from_secs(20)).await;
    assert_eq!(mail.len(), 1, "sent once the mail server is back");
    app.stop().await;
}

#[tokio::test]
async fn without_javascript_the_forgot_form_comes_back_with_what_was_typed_as_text() {
    let app = TestApp::start().await;
    let hostile = "\"><script>alert(1)</script>";
    let response = html_form_post(
        &app,
        "/api/auth/forgot-password",
        &[("email", hostile)],
        "/forgot-password",
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/forgot-password");
    let flash = flash_cookie(&response).expect("a flash cookie");
    let page = app.get("/forgot-password", Some(&flash)).await.text().await.unwrap();
    assert!(!page.contains("<script>alert(1)"), "{page}");
    let html = Html::parse_document(&page);
    assert_eq!(attribute_of(&html, "input#email", "value").as_deref(), Some(hostile));
    assert_eq!(
        text_of(&html, ".error-summary li a[href='#email']"),
        ["Enter an email address in the correct format, like name@example.com"]
    );

    let sent = html_form_post(
        &app,
        "/api/auth/forgot-password",
        &[("email", "ada@example.com")],
        "/forgot-password",
        None,
    )
    .await;
    assert_eq!(sent.headers()[LOCATION], "/forgot-password?sent=1");
    let page = Html::parse_document(&app.get("/forgot-password?sent=1", None).await.text().await.unwrap());
    assert_eq!(text_of(&page, "main h1"), ["Check your email"]);
    assert!(text_of(&page, "main p")[0].contains("we have sent it a link to set a new password"));
    assert!(text_of(&page, "input#email").is_empty(), "no form once sent");
    app.stop().await;
}

#[tokio::test]
async fn without_javascript_a_bad_reset_link_comes_back_to_its_page_which_says_it_no_longer_works() {
    let app = TestApp::start().await;
    let link = "/reset-password?token=0123";
    let response = html_form_post(
        &app,
        "/api/auth/reset-password",
        &[("token", "0123"), ("password", NEW_PASSWORD)],
        link,
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], link, "back to the same link");
    let flash = flash_cookie(&response).unwrap();
    let html = Html::parse_document(&app.get(link, Some(&flash)).await.text().await.unwrap());
    assert_eq!(text_of(&html, "main h1"), ["This link no longer works"]);
    assert!(text_of(&html, "input[name=password]").is_empty());
    assert_eq!(
        attribute_of(&html, "form[action='/forgot-password']", "method").as_deref(),
        Some("get")
    );
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn a_burst_of_send_again_gets_no_more_mails_through_than_the_limit() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[("LOGIN_MAX_FAILURES_PER_EMAIL", "3")]).await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let burst = futures::future::join_all(
        (0..12).map(|_| app.post_form("/api/account/verification-email", &[], Some(&cookie))),
    )
    .await;
    let through = burst
        .iter()
        .filter(|response| response.status() == StatusCode::OK)
        .count();
    assert!((1..=3).contains(&through), "{through}");
    assert!(burst
        .iter()
        .all(|r| r.status() == StatusCode::OK || r.status() == StatusCode::TOO_MANY_REQUESTS));
    // The registration's mail, and one per request let through.
    smtp.assert_nothing_more_about(&app, VERIFY, through + 1).await;
    app.stop().await;
}

/// `GET /api/auth/mailed-link`: whether a link still works, asked by its
/// page on opening. It never spends the link, says the same 400 for every
/// link that does not work, and the page it guards renders "This link no
/// longer works" (with the way to a new one) instead of the form.
#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn a_mailed_link_is_checked_on_opening_without_being_spent() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[]).await;
    app.register("Ada", "ada@example.com").await;
    let token = reset_token(&app, &smtp, "ada@example.com", &mut Vec::new()).await;
    let verification = smtp.one_about(VERIFY).await.token("/verify-email");
    let check = |page: &str, token: &str| format!("/api/auth/mailed-link?page={page}&token={token}");

    for _ in 0..3 {
        let live = app.get(&check("/reset-password", &token), None).await;
        assert_eq!(live.status(), StatusCode::OK);
        assert_eq!(json(live).await, json!({}));
    }
    assert_eq!(
        app.get(&check("/verify-email", &verification), None).await.status(),
        StatusCode::OK
    );
    // A token is good for its own page only; an unknown page takes none.
    for (page, bad) in [
        ("/verify-email", token.as_str()),
        ("/reset-password", verification.as_str()),
        ("/reset-password", &token[..63]),
        ("/reset-password", ""),
        ("/confirm-email", token.as_str()),
        ("/users", token.as_str()),
        ("", token.as_str()),
    ] {
        assert_invalid_link(app.get(&check(page, bad), None).await).await;
    }

    let form = app.get(&format!("/reset-password?token={token}"), None).await;
    let form = form.text().await.unwrap();
    assert!(form.contains("Set new password") && !form.contains("This link no longer works"));

    // Checked three times and rendered once, the link still does its work once.
    assert_eq!(reset(&app, &token, NEW_PASSWORD).await.status(), StatusCode::OK);
    assert_invalid_link(app.get(&check("/reset-password", &token), None).await).await;
    let spent = app.get(&format!("/reset-password?token={token}"), None).await;
    assert_eq!(spent.status(), StatusCode::OK);
    let spent = Html::parse_document(&spent.text().await.unwrap());
    assert_eq!(text_of(&spent, "main h1"), ["This link no longer works"]);
    assert!(text_of(&spent, "input[name=password]").is_empty());
    assert_eq!(
        attribute_of(&spent, "form[action='/forgot-password']", "method").as_deref(),
        Some("get")
    );
    app.stop().await;
}
