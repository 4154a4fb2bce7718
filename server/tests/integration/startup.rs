//! Starting servers: the binary refuses to start without SESSION_PASSWORD and
//! PASSWORD_PEPPER, reads them from .env, creates the SQLite file on first start and logs no error; a server started
//! beside another in one process leaves the other undisturbed.

use crate::helpers::{server_binary, TestApp, PASSWORD_PEPPER, SESSION_PASSWORD};
use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
};

#[test]
fn the_binary_reads_its_key_from_dotenv_and_creates_the_sqlite_file() {
    let folder = tempfile::tempdir().unwrap();
    let start = || {
        Command::new(server_binary())
            .current_dir(folder.path())
            .env_remove("SESSION_PASSWORD")
            .env_remove("PASSWORD_PEPPER")
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let refused = start().wait_with_output().unwrap();
    assert!(!refused.status.success(), "no key, no server");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("SESSION_PASSWORD is not set: run ./scripts/serve.sh once"),
        "{said}"
    );

    let dotenv = folder.path().join(".env");
    std::fs::write(&dotenv, format!("SESSION_PASSWORD={SESSION_PASSWORD}\n")).unwrap();
    let refused = start().wait_with_output().unwrap();
    assert!(!refused.status.success(), "no pepper, no server");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("PASSWORD_PEPPER is not set: run ./scripts/serve.sh once"),
        "{said}"
    );

    std::fs::write(
        &dotenv,
        format!("SESSION_PASSWORD={SESSION_PASSWORD}\nPASSWORD_PEPPER={PASSWORD_PEPPER}\n"),
    )
    .unwrap();
    let mut server = start();
    let output = BufReader::new(server.stdout.take().unwrap());
    let (said, heard) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in output.lines().map_while(Result::ok) {
            let _ = said.send(line);
        }
    });
    let mut start_up = Vec::new();
    let listening = std::iter::from_fn(|| heard.recv_timeout(std::time::Duration::from_secs(60)).ok()).any(|line| {
        let listening = line.contains("listening on http://127.0.0.1:");
        start_up.push(line);
        listening
    });
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(listening, "the server started");
    assert!(
        !start_up.iter().any(|line| line.contains("ERROR")),
        "a clean start logs no error: {start_up:#?}"
    );
    assert!(folder.path().join("data/app.db").exists(), "the default SQLite file");
}

/// Listing the app's routes stalls, process-wide, every resource that starts
/// loading meanwhile; a server started while another renders pages must not
/// leave those pages hanging (they did, about once in a few hundred).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_a_server_never_stalls_pages_another_is_rendering() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap();
    for _ in 0..20 {
        let pages: Vec<_> = (0..16)
            .map(|_| {
                let request = client.get(app.url("/users")).header(reqwest::header::COOKIE, &cookie);
                tokio::spawn(async move { request.send().await?.error_for_status()?.text().await })
            })
            .collect();
        let other = TestApp::start().await;
        for page in pages {
            let html = page.await.unwrap().expect("the page is answered");
            assert!(html.contains("Ada"), "the page lists the user");
        }
        other.stop().await;
    }
    app.stop().await;
}
