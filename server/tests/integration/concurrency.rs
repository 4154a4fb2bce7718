//! Bursts of concurrent requests, on whichever backend the suite runs on: one
//! email registered at once in many spellings gets exactly one account, and
//! hundreds of reads and logins at once all succeed, none with a 5xx.

use crate::helpers::*;
use futures::future::join_all;
use reqwest::StatusCode;
use std::collections::BTreeMap;

/// How many of each status `statuses` holds.
fn tally(statuses: &[StatusCode]) -> BTreeMap<u16, usize> {
    statuses.iter().fold(BTreeMap::new(), |mut tally, status| {
        *tally.entry(status.as_u16()).or_default() += 1;
        tally
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_email_registered_at_once_in_a_hundred_spellings_is_one_account() {
    let app = TestApp::builder()
        .env(&[("REGISTER_MAX_PER_ADDRESS", "1000")])
        .start()
        .await;
    // ada@example.com with each letter's case taken from the bits of n.
    let spelling = |n: u32| -> String {
        "ada@example.com"
            .chars()
            .enumerate()
            .map(|(i, c)| match n >> (i % 16) & 1 {
                1 => c.to_ascii_uppercase(),
                _ => c,
            })
            .collect()
    };
    let attempts = (0..100).map(|n| {
        let app = &app;
        async move { app.try_register(&format!("Ada {n}"), &spelling(n)).await.status() }
    });
    let statuses = join_all(attempts).await;
    assert_eq!(tally(&statuses), BTreeMap::from([(200, 1), (409, 99)]));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_reads_at_once_all_succeed() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let reads = (0..500).map(|n| {
        let (app, cookie) = (&app, &cookie);
        async move {
            let path = if n % 2 == 0 { "/api/users" } else { "/api/_auth/session" };
            app.get(path, Some(cookie)).await.status()
        }
    });
    let statuses = join_all(reads).await;
    assert_eq!(tally(&statuses), BTreeMap::from([(200, 500)]));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_logins_of_different_users_at_once_all_succeed() {
    let app = TestApp::builder()
        .env(&[
            ("REGISTER_MAX_PER_ADDRESS", "1000"),
            ("LOGIN_MAX_FAILURES_PER_ADDRESS", "1000"),
        ])
        .start()
        .await;
    for n in 0..200 {
        app.register(&format!("User {n}"), &format!("user{n}@example.com"))
            .await;
    }
    let logins = (0..200).map(|n| {
        let app = &app;
        async move { app.login(&format!("user{n}@example.com"), PASSWORD).await.status() }
    });
    let statuses = join_all(logins).await;
    assert_eq!(tally(&statuses), BTreeMap::from([(200, 200)]));
    app.stop().await;
}
