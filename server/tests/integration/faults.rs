//! The database going away and coming back, and the server process dying or
//! being stopped: answers stay quick and honest (503 with `Retry-After`, a
//! page for pages), the server recovers by itself, a starting server waits a
//! bounded time, and no acknowledged write is lost.

use crate::helpers::*;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_answered_200_survives_the_server_being_killed() {
    let store = TestStore::new().await;
    let first = ServerProcess::start(&store.url, &[]);
    let response = first.client(&store.url).try_register("Ada", "ada@example.com").await;
    assert_eq!(response.status(), StatusCode::OK);
    // SIGKILL, the moment the answer is in: no chance to flush anything.
    let mut first = first;
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let second = ServerProcess::start(&store.url, &[]);
    second
        .client(&store.url)
        .login_cookie("ada@example.com", PASSWORD)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_login_in_flight_finish_then_exits_0() {
    let store = TestStore::new().await;
    // A slow hash keeps the login in flight long enough to stop the server under it.
    // The request's trace line says when the server has it in hand.
    let log = format!("info,{REQUEST_TRACES}");
    let mut server = ServerProcess::start(&store.url, &[("BCRYPT_COST", "13"), ("RUST_LOG", &log)]);
    let client = server.client(&store.url);
    client.register("Ada", "ada@example.com").await;
    let login = tokio::spawn(async move { client.login("ada@example.com", PASSWORD).await });
    server.lines_until(
        "the login reaches the server",
        Duration::from_secs(10),
        request_started("/api/auth/login"),
    );
    let pid = server.child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let login = login.await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    assert!(session_cookie(&login).is_some());
    let status = server.exit_status(Duration::from_secs(10)).expect("exited in time");
    assert!(status.success(), "{status:?}");
    assert!(
        reqwest::get(format!("{}/api/_auth/session", server.base))
            .await
            .is_err(),
        "no longer listening"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_waits_no_longer_than_the_shutdown_timeout() {
    let store = TestStore::new().await;
    // A login (of an unknown email: the same bcrypt work) costing seconds
    // outlasts the half second the server is given to stop.
    // The request's trace line says when the server has it in hand.
    let mut server = ServerProcess::start(
        &store.url,
        &[
            ("BCRYPT_COST", "16"),
            ("SHUTDOWN_TIMEOUT", "0.5"),
            ("RUST_LOG", "info,tower_http=debug"),
        ],
    );
    let slow = tokio::spawn(
        server
            .client(&store.url)
            .login_owned("nobody@example.com", "a wrong password"),
    );
    assert!(server.wait_for_line("started processing request", Duration::from_secs(10)));
    let stopped = Instant::now();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let status = server.exit_status(Duration::from_secs(5)).expect("exited in time");
    assert!(stopped.elapsed() < Duration::from_secs(3), "{:?}", stopped.elapsed());
    assert!(!status.success(), "requests were cut: not a clean exit");
    let logged = server.output_to_the_end(Duration::from_secs(5)).join("\n");
    assert!(
        logged.contains("requests still in flight after SHUTDOWN_TIMEOUT"),
        "{logged}"
    );
    assert!(slow.await.unwrap().is_err(), "the cut request gets no answer");
}

/// Tests about a database reached over the network: PostgreSQL alone (see
/// `helpers::require_backend`).
mod postgres_only {
    use crate::helpers::*;
    use app::backend::db::Backend;
    use reqwest::{
        header::{CONTENT_TYPE, RETRY_AFTER},
        StatusCode,
    };
    use std::time::{Duration, Instant};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "PostgreSQL only: ./scripts/test.sh runs it with TEST_DATABASE=postgres"]
    async fn a_lost_database_is_answered_503_quickly_and_the_server_recovers_by_itself() {
        require_backend(Backend::Postgres);
        let store = TestStore::new().await;
        let relay = Relay::to(&store.url).await;
        let through = relay.url_through(&store.url);
        let app = TestApp::builder()
            .database_url(&through)
            .env(&[("DATABASE_ACQUIRE_TIMEOUT", "2")])
            .start()
            .await;
        let (_, cookie) = app.register("Ada", "ada@example.com").await;

        relay.cut();
        let asked = Instant::now();
        let api = app.get("/api/users", Some(&cookie)).await;
        let waited = asked.elapsed();
        assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(api.headers().contains_key(RETRY_AFTER));
        assert!(waited < Duration::from_secs(4), "answered after {waited:?}");
        assert_eq!(
            json(api).await,
            serde_json::json!({"error": "Service temporarily unavailable, try again shortly", "code": "unavailable"})
        );
        let login = app.login("ada@example.com", PASSWORD).await;
        assert_eq!(login.status(), StatusCode::SERVICE_UNAVAILABLE);

        // A page that needs the database is a page saying so; one that needs none still works.
        let page = app.get("/users", Some(&cookie)).await;
        assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(page.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
        assert!(page.headers().contains_key(RETRY_AFTER));
        assert!(page.text().await.unwrap().contains("<h1>Service unavailable</h1>"));
        for path in ["/login", "/register"] {
            assert_eq!(app.get(path, None).await.status(), StatusCode::OK, "{path}");
        }

        relay.restore();
        let restored = Instant::now();
        wait_until("the server recovers", Duration::from_secs(15), async || {
            app.get("/api/users", Some(&cookie)).await.status() == StatusCode::OK
        })
        .await;
        println!("recovered {:?} after the database came back", restored.elapsed());
        app.login_cookie("ada@example.com", PASSWORD).await;
        app.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "PostgreSQL only: ./scripts/test.sh runs it with TEST_DATABASE=postgres"]
    async fn a_server_started_without_its_database_retries_then_gives_up_or_starts_when_it_comes() {
        require_backend(Backend::Postgres);
        let store = TestStore::new().await;
        let relay = Relay::to(&store.url).await;
        let through = relay.url_through(&store.url);
        relay.cut();

        let mut gives_up = ServerProcess::spawn(&through, &[("DATABASE_STARTUP_TIMEOUT", "2")]);
        let status = gives_up.exit_status(Duration::from_secs(15)).expect("gave up in time");
        assert!(!status.success());
        let logged = gives_up.output_to_the_end(Duration::from_secs(10));
        let retries = logged
            .iter()
            .filter(|line| line.contains("cannot be reached yet"))
            .count();
        assert!(retries >= 2, "{logged:#?}");
        assert!(
            logged
                .iter()
                .any(|line| line.contains("error: cannot open the database")),
            "{logged:#?}"
        );

        let waits = ServerProcess::spawn(&through, &[("DATABASE_STARTUP_TIMEOUT", "30")]);
        // It has found the database away at least once before it comes.
        assert!(waits.wait_for_line("cannot be reached yet", Duration::from_secs(10)));
        relay.restore();
        let started = tokio::task::spawn_blocking(move || {
            let line = std::iter::from_fn(|| waits.log.recv_timeout(Duration::from_secs(30)).ok())
                .find(|line| line.contains("listening on http://"));
            (waits, line)
        })
        .await
        .unwrap();
        assert!(started.1.is_some(), "started once the database came");
    }
}
