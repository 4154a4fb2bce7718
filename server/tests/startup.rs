//! The server binary's start: a debug build without SESSION_PASSWORD makes one
//! and keeps it in .env, and creates the SQLite file on first start.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
};

#[test]
fn a_debug_build_generates_a_session_password_into_dotenv() {
    let folder = tempfile::tempdir().unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_server"))
        .current_dir(folder.path())
        .env_remove("SESSION_PASSWORD")
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = BufReader::new(server.stdout.take().unwrap());
    let listening = output
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains("listening on http://127.0.0.1:"));
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(listening, "the server started");

    let dotenv = std::fs::read_to_string(folder.path().join(".env")).unwrap();
    let password = dotenv
        .lines()
        .find_map(|line| line.strip_prefix("SESSION_PASSWORD="))
        .expect("SESSION_PASSWORD in .env");
    assert!(password.len() >= 32, "{password}");
    assert!(folder.path().join("data/app.db").exists(), "the default SQLite file");
}
