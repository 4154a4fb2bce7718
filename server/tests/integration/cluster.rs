//! Several app servers on one database, as behind a load balancer: two server
//! processes with one `SESSION_PASSWORD` and one `DATABASE_URL` (PostgreSQL
//! when the suite runs on it). Sessions are sealed cookies and everything else
//! they share lives in the database, so any server serves any user, and what
//! one server ends, every server refuses at once.

use crate::helpers::*;
use reqwest::{header::LOCATION, StatusCode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_on_one_database_are_one_site() {
    let store = TestStore::new().await;
    let limits = [
        ("LOGIN_MAX_FAILURES_PER_EMAIL", "5"),
        ("LOGIN_MAX_FAILURES_PER_ADDRESS", "1000"),
    ];
    let [process_a, process_b] = two_processes(&store.url, &limits);
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
    let statuses = thirty_wrong_passwords(&a, &b, |_| "ada@example.com".to_owned()).await;
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
    let [process_a, process_b] = two_processes(&store.url, &limits);
    let (a, b) = (process_a.client(&store.url), process_b.client(&store.url));
    // Different accounts, one address: only the address limit applies.
    let statuses = thirty_wrong_passwords(&a, &b, |n| format!("user{n}@example.com")).await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert_eq!(checked, 5, "{statuses:?}");
}

/// Two server processes on `database_url`, each with `env`.
fn two_processes(database_url: &str, env: &[(&str, &str)]) -> [ServerProcess; 2] {
    [
        ServerProcess::start(database_url, env),
        ServerProcess::start(database_url, env),
    ]
}

/// The statuses of 30 wrong passwords sent at once for `email_of(n)`,
/// alternately to `a` and `b`.
async fn thirty_wrong_passwords(a: &TestApp, b: &TestApp, email_of: impl Fn(usize) -> String) -> Vec<StatusCode> {
    let attempts = (0..30).map(|n| {
        let (server, email) = (if n % 2 == 0 { a } else { b }, email_of(n));
        async move { server.login(&email, "wrong password").await.status() }
    });
    futures::future::join_all(attempts).await
}

/// The example nginx configuration (`deploy/nginx.conf`), with the test's
/// ports and a certificate made for it: nginx accepts it, sends plain http to
/// https, and a person registers and logs in through it over HTTP/2, served by
/// two instances.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs nginx, which ./scripts/test.sh installs"]
async fn the_example_nginx_configuration_serves_two_instances_over_http2() {
    let nginx = which_nginx().expect("nginx not found: run ./scripts/test.sh, which installs it");
    let store = TestStore::new().await;
    let (port, plain_port) = (free_port(), free_port());
    let origin = format!("https://localhost:{port}");
    let env = [
        ("TRUST_FORWARDED_FOR", "true"),
        ("COOKIE_SECURE", "true"),
        ("PUBLIC_ORIGIN", origin.as_str()),
    ];
    let instances = two_processes(&store.url, &env);
    let folder = tempfile::tempdir().unwrap();
    let certificate = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert_path, key_path) = (folder.path().join("cert.pem"), folder.path().join("key.pem"));
    std::fs::write(&cert_path, certificate.cert.pem()).unwrap();
    std::fs::write(&key_path, certificate.key_pair.serialize_pem()).unwrap();
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/nginx.conf")).unwrap();
    let upstreams = instances
        .iter()
        .map(|instance| format!("server {};", instance.base.trim_start_matches("http://")))
        .collect::<Vec<_>>()
        .join("\n        ");
    let dir = folder.path().display();
    let config = example
        .replace("server 127.0.0.1:3001;\n        server 127.0.0.1:3002;", &upstreams)
        .replace("listen 443 ssl http2;", &format!("listen 127.0.0.1:{port} ssl http2;"))
        .replace("listen 80;", &format!("listen 127.0.0.1:{plain_port};"))
        .replace("/etc/ssl/sessions/fullchain.pem", &cert_path.display().to_string())
        .replace("/etc/ssl/sessions/privkey.pem", &key_path.display().to_string())
        .replace(
            "events {}",
            &format!("pid {dir}/nginx.pid;\nerror_log {dir}/error.log;\nevents {{}}"),
        )
        .replace("/var/log/nginx/access.log", &format!("{dir}/access.log"));
    for part in [
        &upstreams,
        &format!("{port} ssl http2"),
        &plain_port.to_string(),
        &format!("{dir}/cert.pem"),
    ] {
        assert!(
            config.contains(part.as_str()),
            "the example changed shape: {part} is missing"
        );
    }
    let path = folder.path().join("nginx.conf");
    std::fs::write(&path, &config).unwrap();
    let nginx_with = |extra: &[&str]| {
        let mut command = std::process::Command::new(&nginx);
        command.arg("-p").arg(folder.path()).arg("-c").arg(&path).args(extra);
        command
    };
    let checked = nginx_with(&["-t"]).output().unwrap();
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
    // Its workers must never hold the test's output open, and must stop with it.
    let running = nginx_with(&["-g", "daemon off;"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _nginx = StopsOnDrop(running, nginx_with(&["-s", "stop"]));

    wait_until_listening(port, "nginx listens", std::time::Duration::from_secs(10)).await;

    let plain = TestApp::client_of(format!("http://127.0.0.1:{plain_port}"), store.url.clone());
    let sent_on = plain.get("/users?page=2", None).await;
    assert_eq!(sent_on.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(sent_on.headers()[LOCATION], "https://127.0.0.1/users?page=2");

    let trusted = reqwest::Certificate::from_pem(certificate.cert.pem().as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(trusted)
        .resolve("localhost", std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    let proxied = TestApp::client_through(client, origin.clone(), store.url.clone());
    let page = proxied.get("/login", None).await;
    assert_eq!(page.version(), reqwest::Version::HTTP_2, "the page came over HTTP/2");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers().contains_key("strict-transport-security"));
    proxied.register("Ada", "ada@example.com").await;
    let cookie = proxied.login_cookie("ada@example.com", PASSWORD).await;
    assert!(
        cookie.starts_with(&format!("__Host-{}=", cookie_name("session"))),
        "{cookie}"
    );
    // Round robin: every request lands on the other instance, each accepts the cookie.
    for _ in 0..4 {
        assert_eq!(proxied.session_status(&cookie).await, StatusCode::OK);
    }
    // A mailed link's token stays out of the access log.
    let token = "0123456789abcdef".repeat(4);
    proxied.get(&format!("/reset-password?token={token}"), None).await;
    drop(_nginx);
    let access = std::fs::read_to_string(folder.path().join("access.log")).unwrap();
    assert!(access.contains("\"GET /reset-password\""), "{access}");
    assert!(!access.contains(&token), "{access}");
}

/// nginx, stopped by its own command (which stops its workers too; killing
/// the master alone would leave them running), even when the test fails.
struct StopsOnDrop(std::process::Child, std::process::Command);

impl Drop for StopsOnDrop {
    fn drop(&mut self) {
        let _ = self
            .1
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        let _ = self.0.wait();
    }
}

fn which_nginx() -> Result<std::path::PathBuf, ()> {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .map(std::path::PathBuf::from)
        .find(|path| path.exists())
        .ok_or(())
}
