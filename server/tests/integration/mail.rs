//! Mail through a real SMTP server: delivered in both bodies, never holding a
//! request up while the server is down, sent once it is back; without SMTP, a
//! debug build's mailbox page shows it as text.

use crate::helpers::{free_port, SmtpServer, TestApp, PASSWORD};
use app::backend::{mail::Mail, AppState};
use axum::{extract::State, routing::post, Router};
use reqwest::StatusCode;
use std::time::Duration;

/// A route that queues one message, as a feature will.
fn sending_route(subject: &'static str) -> Router<AppState> {
    Router::new().route(
        "/test/send",
        post(move |State(state): State<AppState>| async move {
            state
                .mailer
                .send(Mail {
                    to: "ada@example.com".into(),
                    subject: subject.into(),
                    text: "Open http://localhost:3000/verify-email?token=abc to go on.\n".into(),
                    html: "<p>Open <a href=\"http://localhost:3000/verify-email?token=abc\">the link</a>.</p>".into(),
                })
                .await
                .unwrap();
        }),
    )
}

const MAIL_FROM: (&str, &str) = ("MAIL_FROM", "Sessions <no-reply@example.com>");

/// A server sending its mail to `smtp`, with `extra` routes.
async fn start_sending_to(smtp: &SmtpServer, extra: Router<AppState>) -> TestApp {
    TestApp::builder()
        .env(&[("SMTP_URL", &smtp.url()), MAIL_FROM])
        .routes(extra)
        .start()
        .await
}

/// A server whose mail server (on the port returned) is not there yet; it
/// tries again after 200 ms, then 400, 800...
async fn start_sending_nowhere(extra: Router<AppState>) -> (TestApp, u16) {
    let port = free_port();
    let app = TestApp::builder()
        .env(&[("SMTP_URL", &format!("smtp://127.0.0.1:{port}")), MAIL_FROM])
        .routes(extra)
        .adjust(|config| config.mail.first_retry = Duration::from_millis(200))
        .start()
        .await;
    (app, port)
}

async fn send(app: &TestApp) {
    let response = app.client.post(app.url("/test/send")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn mail_reaches_a_real_smtp_server_in_text_and_html() {
    let smtp = SmtpServer::start().await;
    let app = start_sending_to(&smtp, sending_route("Confirm your email")).await;
    send(&app).await;
    let delivered = smtp.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(delivered.len(), 1);
    let message = &delivered[0];
    assert!(message.contains("Subject: Confirm your email"), "{message}");
    assert!(message.contains("From: Sessions <no-reply@example.com>"), "{message}");
    assert!(message.contains("To: ada@example.com"), "{message}");
    assert!(
        message.contains("text/plain") && message.contains("text/html"),
        "{message}"
    );
    // No mailbox page when mail is really sent.
    assert_eq!(app.get("/dev/mailbox", None).await.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn a_dead_mail_server_holds_no_request_up_and_gets_the_mail_once_back() {
    let (app, port) = start_sending_nowhere(sending_route("Your password was changed")).await;
    // Answered while nothing listens for mail.
    send(&app).await;
    let smtp = SmtpServer::start_on(port).await;
    let delivered = smtp.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(delivered.len(), 1, "sent by a later try");
    assert!(delivered[0].contains("Subject: Your password was changed"));
    app.stop().await;
}

#[tokio::test]
async fn without_smtp_a_debug_build_shows_mail_as_text_at_dev_mailbox() {
    let app = TestApp::builder()
        .routes(sending_route("<script>alert(1)</script>"))
        .start()
        .await;
    let empty = app.get("/dev/mailbox", None).await;
    assert_eq!(empty.status(), StatusCode::OK);
    assert!(empty.text().await.unwrap().contains("No mail yet."));

    send(&app).await;
    let page = app.get("/dev/mailbox", None).await.text().await.unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{page}");
    assert!(!page.contains("<script>"), "{page}");
    assert!(
        page.contains("<a href=\"http://localhost:3000/verify-email?token=abc\">"),
        "{page}"
    );
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn mail_waiting_for_a_dead_mail_server_survives_a_restart() {
    let (app, port) = start_sending_nowhere(sending_route("Reset your password")).await;
    send(&app).await;
    let store = app.stop_keeping_data().await;

    let smtp = SmtpServer::start_on(port).await;
    let restarted = TestApp::builder()
        .store(store)
        .env(&[("SMTP_URL", &smtp.url()), MAIL_FROM])
        .start()
        .await;
    let delivered = smtp.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(delivered.len(), 1, "sent by the restarted server");
    assert!(delivered[0].contains("Subject: Reset your password"));
    // Sent once, and gone from the outbox.
    smtp.assert_nothing_more_about(&restarted, "Reset your password", 1)
        .await;
    restarted.wait_for_empty_outbox().await;
    restarted.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn two_servers_on_one_database_send_each_message_once() {
    let smtp = SmtpServer::start().await;
    let first = start_sending_to(&smtp, sending_route("One of many")).await;
    let second = first
        .beside()
        .env(&[("SMTP_URL", &smtp.url()), MAIL_FROM])
        .start()
        .await;
    futures::future::join_all((0..20).map(|_| send(&first))).await;

    let delivered = smtp.wait_for(20, Duration::from_secs(20)).await;
    assert_eq!(delivered.len(), 20);
    // No second copies: once the outbox is empty nothing is left to send,
    // and a stopping server first finishes the message in hand, so once
    // both have stopped nothing more can come.
    first.wait_for_empty_outbox().await;
    second.stop().await;
    first.stop().await;
    assert_eq!(smtp.wait_for(21, Duration::ZERO).await.len(), 20);
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn password_changes_and_logging_out_everywhere_are_told_by_mail() {
    let smtp = SmtpServer::start().await;
    let app = start_sending_to(&smtp, Router::new()).await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let new_password = "a brand new passphrase";
    let changed = app.change_password(&cookie, PASSWORD, new_password).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let cookie = app.login_cookie("ada@example.com", new_password).await;
    let everywhere = app
        .post_form("/api/account/logout-everywhere", &[], Some(&cookie))
        .await;
    assert_eq!(everywhere.status(), StatusCode::OK);

    // And the verification mail of the registration, and the login's from
    // a client that had not signed in before.
    let delivered = smtp.wait_for(4, Duration::from_secs(10)).await;
    assert_eq!(delivered.len(), 4, "{delivered:?}");
    let subjects: Vec<bool> = [
        concat!("Subject: Your ", app::site_name!(), " password was changed"),
        concat!(
            "Subject: Your ",
            app::site_name!(),
            " account was logged out everywhere"
        ),
        concat!("Subject: New sign-in to your ", app::site_name!(), " account"),
    ]
    .iter()
    .map(|subject| delivered.iter().any(|message| message.contains(subject)))
    .collect();
    assert_eq!(subjects, [true, true, true], "{delivered:?}");
    for message in delivered
        .iter()
        .filter(|message| !message.contains("Confirm your email"))
    {
        assert!(message.contains("To: ada@example.com"), "{message}");
        assert!(message.contains("127.0.0.1"), "from where: {message}");
        assert!(
            !message.contains(new_password) && !message.contains(PASSWORD),
            "no password in a notice"
        );
    }
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn a_wrong_current_password_sends_no_notice() {
    let smtp = SmtpServer::start().await;
    let app = start_sending_to(&smtp, Router::new()).await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let refused = app
        .change_password(&cookie, "not the password", "a brand new passphrase")
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    smtp.one_about("Confirm your email address").await;
    smtp.assert_nothing_more_about(&app, "password was changed", 0).await;
    app.stop().await;
}
