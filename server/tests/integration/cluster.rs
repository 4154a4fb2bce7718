//! Several app servers on one database, as behind a load balancer: two server
//! processes with one `SESSION_PASSWORD` and one `DATABASE_URL` (PostgreSQL
//! when the suite runs on it). Sessions are sealed cookies and everything else
//! they share lives in the database, so any server serves any user, and what
//! one server ends, every server refuses at once.

use crate::helpers::*;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_on_one_database_are_one_site() {
    let store = TestStore::new().await;
    let limits = [
        ("LOGIN_MAX_FAILURES_PER_EMAIL", "5"),
        ("LOGIN_MAX_FAILURES_PER_ADDRESS", "1000"),
    ];
    let (process_a, process_b) = (
        ServerProcess::start(&store.url, &limits),
        ServerProcess::start(&store.url, &limits),
    );
    let (a, b) = (process_a.client(&store.url), process_b.client(&store.url));

    // Registered on A, the cookie works on B.
    let (_, registered) = a.register("Ada", "ada@example.com").await;
    assert_eq!(b.session_status(&registered).await, StatusCode::OK);

    // Logged out on A, a copy of the cookie is refused on B.
    let copy = a.login_cookie("ada@example.com", PASSWORD).await;
    assert_eq!(b.session_status(&copy).await, StatusCode::OK);
    let logout = a.post_form("/api/auth/logout", &[], Some(&copy)).await;
    assert_eq!(logout.status(), StatusCode::OK);
    assert_eq!(b.session_status(&copy).await, StatusCode::UNAUTHORIZED);

    // "Log out everywhere" on A ends B's sessions at once.
    let on_b = b.login_cookie("ada@example.com", PASSWORD).await;
    let on_a = a.login_cookie("ada@example.com", PASSWORD).await;
    let everywhere = a.post_form("/api/account/logout-everywhere", &[], Some(&on_a)).await;
    assert_eq!(everywhere.status(), StatusCode::OK);
    assert_eq!(b.session_status(&on_b).await, StatusCode::UNAUTHORIZED);
    let kept = session_cookie(&everywhere).unwrap();
    assert_eq!(
        b.session_status(&kept).await,
        StatusCode::OK,
        "the one that asked stays"
    );

    // So does a password change on A.
    let on_b = b.login_cookie("ada@example.com", PASSWORD).await;
    let changed = a.change_password(&kept, PASSWORD, "a new passphrase").await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(b.session_status(&on_b).await, StatusCode::UNAUTHORIZED);
    b.login_cookie("ada@example.com", "a new passphrase").await;

    // The per-account limit counts the attempts made on both: of 30 parallel
    // wrong passwords split over A and B, at most 5 are even checked.
    let attempts = (0..30).map(|n| {
        let server = if n % 2 == 0 { &a } else { &b };
        async move { server.login("ada@example.com", "wrong password").await.status() }
    });
    let statuses = futures::future::join_all(attempts).await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((checked, limited), (5, 25), "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_address_limit_counts_attempts_on_both_servers() {
    let store = TestStore::new().await;
    let limits = [
        ("LOGIN_MAX_FAILURES_PER_ADDRESS", "5"),
        ("LOGIN_MAX_FAILURES_PER_EMAIL", "1000"),
    ];
    let (process_a, process_b) = (
        ServerProcess::start(&store.url, &limits),
        ServerProcess::start(&store.url, &limits),
    );
    let (a, b) = (process_a.client(&store.url), process_b.client(&store.url));
    // Different accounts, one address: only the address limit applies.
    let attempts = (0..30).map(|n| {
        let server = if n % 2 == 0 { &a } else { &b };
        async move {
            server
                .login(&format!("user{n}@example.com"), "wrong password")
                .await
                .status()
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert_eq!(checked, 5, "{statuses:?}");
}
