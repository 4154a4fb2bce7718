//! Changing the address an account signs in with, through a real SMTP
//! server: a link to the new address, a notice to the old one, the change
//! only once the link is followed, then a way back for the old address
//! that ends every session. A taken address gets the same answer.

use crate::helpers::*;
use crate::recovery::start_mailing;
use reqwest::StatusCode;

const CONFIRM: &str = concat!("Confirm your new email address for ", app::site_name!());
const ASKED: &str = concat!("A change of your ", app::site_name!(), " email address was asked for");
const CHANGED: &str = concat!("Your ", app::site_name!(), " email address was changed");
const TAKEN: &str = concat!("Your email address already has a ", app::site_name!(), " account");

async fn ask(app: &TestApp, cookie: &str, email: &str) -> reqwest::Response {
    app.post_form("/api/account/email", &[("email", email)], Some(cookie))
        .await
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn the_new_address_is_the_login_once_its_link_is_followed_and_the_old_one_can_take_it_back() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[]).await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let reset = app
        .post_form("/api/auth/forgot-password", &[("email", "ada@example.com")], None)
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    let reset_token = smtp
        .one_about(concat!("Reset your ", app::site_name!(), " password"))
        .await
        .token("/reset-password");

    assert_eq!(
        ask(&app, &cookie, " Ada.New@Example.com ").await.status(),
        StatusCode::OK
    );
    let notice = smtp.one_about(ASKED).await;
    assert_eq!(notice.to, "ada@example.com");
    assert!(notice.text.contains("to ada.new@example.com"), "{}", notice.text);
    let link = smtp.one_about(CONFIRM).await;
    assert_eq!(link.to, "ada.new@example.com");
    let token = link.token("/confirm-email");
    // Nothing changes yet.
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), StatusCode::OK);

    let confirmed = app
        .post_form("/api/auth/confirm-email", &[("token", &token)], None)
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let replayed = app
        .post_form("/api/auth/confirm-email", &[("token", &token)], None)
        .await;
    assert_eq!(replayed.status(), StatusCode::BAD_REQUEST, "a link works once");
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let new_login = app.login_cookie("ada.new@example.com", PASSWORD).await;
    let session = json(app.get("/api/_auth/session", Some(&new_login)).await).await;
    assert_eq!(
        session["user"]["email_verified"], true,
        "the link proved the new address"
    );
    assert_eq!(
        app.session_status(&cookie).await,
        StatusCode::OK,
        "a change the owner made ends nothing"
    );
    let reset_after = app
        .post_form(
            "/api/auth/reset-password",
            &[("token", &reset_token), ("password", "another long passphrase")],
            None,
        )
        .await;
    assert_eq!(
        reset_after.status(),
        StatusCode::BAD_REQUEST,
        "links mailed to the old address are void"
    );

    // "This wasn't me": the old address takes the account back.
    let undo = smtp.one_about(CHANGED).await;
    assert_eq!(undo.to, "ada@example.com");
    assert!(undo.text.contains("to ada.new@example.com"));
    let undo_token = undo.token("/undo-email-change");
    let undone = app
        .post_form("/api/auth/undo-email-change", &[("token", &undo_token)], None)
        .await;
    assert_eq!(undone.status(), StatusCode::OK);
    for session in [&cookie, &new_login] {
        assert_eq!(
            app.session_status(session).await,
            StatusCode::UNAUTHORIZED,
            "every session ends"
        );
    }
    // Whoever changed it knew the password: it goes, with every other way
    // in, and the address gets a link to set a new one.
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("ada.new@example.com", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let mut resets = smtp
        .wait_for_about(
            concat!("Reset your ", app::site_name!(), " password"),
            2,
            std::time::Duration::from_secs(10),
        )
        .await;
    resets.retain(|mail| mail.token("/reset-password") != reset_token);
    assert_eq!(resets.len(), 1);
    assert_eq!(resets[0].to, "ada@example.com");
    let new_password = "the owner's own passphrase";
    let reset = app
        .post_form(
            "/api/auth/reset-password",
            &[
                ("token", &resets[0].token("/reset-password")),
                ("password", new_password),
            ],
            None,
        )
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(
        app.login("ada@example.com", new_password).await.status(),
        StatusCode::OK
    );
    let again = app
        .post_form("/api/auth/undo-email-change", &[("token", &undo_token)], None)
        .await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn a_taken_address_gets_the_same_answer_and_its_owner_a_word_without_a_link() {
    let smtp = SmtpServer::start().await;
    let app = start_mailing(&smtp, &[]).await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    app.register("Grace", "grace@example.com").await;
    let free = ask(&app, &cookie, "free@example.com").await;
    let taken = ask(&app, &cookie, "grace@example.com").await;
    assert_eq!(free.status(), taken.status());
    assert_eq!(json(free).await, json(taken).await);
    let told = smtp.one_about(TAKEN).await;
    assert_eq!(told.to, "grace@example.com");
    assert!(!told.text.contains("token="), "no link: {}", told.text);
    // The free address's link: a newer request voids it.
    let first = smtp.one_about(CONFIRM).await.token("/confirm-email");
    assert_eq!(ask(&app, &cookie, "other@example.com").await.status(), StatusCode::OK);
    let voided = app
        .post_form("/api/auth/confirm-email", &[("token", &first)], None)
        .await;
    assert_eq!(voided.status(), StatusCode::BAD_REQUEST);
    app.stop().await;
}

#[tokio::test]
async fn asking_needs_a_fresh_proof_a_valid_new_address_and_is_limited() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let same = ask(&app, &cookie, "ADA@example.com").await;
    assert_eq!(same.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(same).await["error"], "That is already your email address");
    let bad = ask(&app, &cookie, "not an address").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(bad).await["field"], "email");
    let addresses: Vec<String> = (0..8).map(|i| format!("new{i}@example.com")).collect();
    let limited: Vec<StatusCode> = futures::future::join_all(addresses.iter().map(|email| ask(&app, &cookie, email)))
        .await
        .iter()
        .map(reqwest::Response::status)
        .collect();
    assert_eq!(
        limited.iter().filter(|status| **status == StatusCode::OK).count(),
        5,
        "{limited:?}"
    );
    assert!(limited
        .iter()
        .all(|s| *s == StatusCode::OK || *s == StatusCode::TOO_MANY_REQUESTS));
    app.advance_clock(601);
    let stale = ask(&app, &cookie, "later@example.com").await;
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);
    assert_eq!(ask(&app, "", "x@example.com").await.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}
