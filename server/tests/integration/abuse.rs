//! Over ten thousand malformed requests to every endpoint: never a 5xx, never a
//! panic, and the server keeps serving.

use crate::helpers::*;
use rand::{rngs::StdRng, Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use std::sync::Arc;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::Semaphore,
    task::JoinSet,
};

const HTTP_REQUESTS: usize = 10_000;
const RAW_REQUESTS: usize = 600;

const PATHS: &[&str] = &[
    "/api/register",
    "/api/auth/login",
    "/api/auth/logout",
    "/api/users",
    "/api/user",
    "/api/_auth/session",
    "/api/account/logout-everywhere",
    "/api/account/password",
    "/api/auth/forgot-password",
    "/api/auth/reset-password",
    "/api/auth/verify-email",
    "/api/account/verification-email",
    "/api/account/sessions",
    "/api/account/sessions/%00",
    "/api/account/end-session",
    "/api/unknown",
    "/",
    "/login",
    "/register",
    "/users",
    "/users/1",
    "/account",
    "/forgot-password",
    "/reset-password",
    "/verify-email",
    "/pkg/app.wasm",
];

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];

const CONTENT_TYPES: &[&str] = &[
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-16",
    "application/json",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/cbor",
    "",
];

fn natural_method(path: &str) -> Method {
    let changes_state = path == "/api/register" || path.starts_with("/api/auth/") || path.starts_with("/api/account/");
    if changes_state {
        Method::POST
    } else {
        Method::GET
    }
}

/// A malformed or hostile request body.
fn body(rng: &mut StdRng) -> Vec<u8> {
    match rng.random_range(0..10) {
        0 => (0..rng.random_range(0..400)).map(|_| rng.random()).collect(),
        1 => b"email=\xff\xfe&password=\xc3\x28".to_vec(),
        2 => b"name=a%00b&email=x%00%40y.z&password=\x00\x00\x00\x00\x00\x00\x00\x00&token=%00&id=%00%ff".to_vec(),
        3 => b"email=%&password=%ZZ%G1%".to_vec(),
        4 => b"a[b][c][d][e][f][g][h]=1&name[]=x&email[0]=y".to_vec(),
        5 => "name=x&".repeat(rng.random_range(1..2000)).into_bytes(),
        6 => format!("password={}", "p".repeat(rng.random_range(60..100_000))).into_bytes(),
        7 => br#"{"email": "a@b.c", "password": ["x"], "name": {"$ne": null}}"#.to_vec(),
        8 => b"limit=-99999999999999999999&after=NaN&id=1e309".to_vec(),
        _ => Vec::new(),
    }
}

fn query(rng: &mut StdRng) -> &'static str {
    [
        "",
        "?limit=0",
        "?limit=abc&after=%ff",
        "?id=%00",
        "?id=99999999999999999999999",
        "?redirect=//evil.example",
        "?__err=!!!&__path=/api/register",
        "?__err=eyJlcnJvciI6MX0&__path=%2Fapi%2Fregister",
        "?a[b][c][d][e][f][g]=1",
        "?before=-1&after=%00&page=0",
        "?token=%00%ff&done=%00",
    ][rng.random_range(0..11)]
}

/// A broken cookie, none, or now and then `valid` (a real session's), so that
/// the endpoints behind a login see the garbage too.
fn cookie(rng: &mut StdRng, valid: &str) -> Option<String> {
    let (session, flash) = (cookie_name("session"), cookie_name("flash"));
    match rng.random_range(0..8) {
        5 => Some(valid.to_owned()),
        0 => Some(format!("{session}={}", "A".repeat(rng.random_range(1..12_000)))),
        4 => Some(format!(
            "{flash}={}; __Host-{flash}=x",
            "B".repeat(rng.random_range(1..6_000))
        )),
        1 => Some(format!("{session}=%%%%; {session}=; __Host-{session}=x")),
        2 => Some((0..300).map(|n| format!("c{n}=v")).collect::<Vec<_>>().join("; ")),
        3 => Some(format!("{session}=\u{e9}\u{80}\u{fffd}")),
        _ => None,
    }
}

#[tokio::test]
async fn ten_thousand_malformed_requests_never_cause_a_server_error() {
    let app = Arc::new(TestApp::start().await);
    let (_, valid) = app.register("Target", "target@example.com").await;
    let permits = Arc::new(Semaphore::new(16));
    let mut tasks = JoinSet::new();
    let mut rng = StdRng::seed_from_u64(0x5e55_1075);
    for n in 0..HTTP_REQUESTS {
        let path = PATHS[rng.random_range(0..PATHS.len())];
        // Mostly the method the endpoint takes, so the bodies reach the decoders.
        let method = if rng.random_bool(0.7) {
            natural_method(path)
        } else {
            Method::from_bytes(METHODS[rng.random_range(0..METHODS.len())].as_bytes()).unwrap()
        };
        let url = app.url(&format!("{path}{}", query(&mut rng)));
        let content_type = CONTENT_TYPES[rng.random_range(0..CONTENT_TYPES.len())];
        let body = body(&mut rng);
        let cookie = cookie(&mut rng, &valid);
        let origin = rng.random_bool(0.1).then_some("https://evil.example");
        let app = app.clone();
        let permit = permits.clone().acquire_owned().await.unwrap();
        tasks.spawn(async move {
            let mut request = app.client.request(method.clone(), &url).body(body);
            if !content_type.is_empty() {
                request = request.header("content-type", content_type);
            }
            if let Some(cookie) = cookie {
                request = request.header("cookie", cookie);
            }
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            let status = request.send().await.map(|response| response.status());
            drop(permit);
            (n, method, url, status)
        });
    }
    let mut statuses = std::collections::BTreeMap::new();
    while let Some(result) = tasks.join_next().await {
        let (n, method, url, status) = result.unwrap();
        let status = status.unwrap_or_else(|err| panic!("request {n} {method} {url} failed: {err}"));
        assert!(!status.is_server_error(), "request {n}: {method} {url} -> {status}");
        *statuses.entry(status.as_u16()).or_insert(0) += 1;
    }
    println!("statuses of {HTTP_REQUESTS} malformed requests: {statuses:?}");
    assert!(statuses.contains_key(&413), "oversized bodies were refused");

    raw_garbage(&app.base).await;

    // Still serving, and serving correctly.
    let (_, cookie) = app.register("Survivor", "survivor@example.com").await;
    assert_eq!(app.session_status(&cookie).await, StatusCode::OK);
    Arc::into_inner(app).unwrap().stop().await;
}

/// Bytes no HTTP client library would send: broken request lines, bare
/// newlines, null bytes and oversized headers, straight onto the socket.
async fn raw_garbage(base: &str) {
    let address = base.trim_start_matches("http://").to_owned();
    let mut rng = StdRng::seed_from_u64(0xbad_b17e5);
    for n in 0..RAW_REQUESTS {
        let request: Vec<u8> = match n % 6 {
            0 => (0..rng.random_range(1..2000)).map(|_| rng.random()).collect(),
            1 => b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nemail\x00\x00".to_vec(),
            2 => format!(
                "GET /{} HTTP/1.1\r\nHost: x\r\n\r\n",
                "a".repeat(rng.random_range(1..70_000))
            )
            .into_bytes(),
            3 => format!("GET / HTTP/1.1\r\nHost: x\r\nCookie: {}\r\n\r\n", "s".repeat(200_000)).into_bytes(),
            4 => b"POST /api/register HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\xff\r\n0\r\n\r\n"
                .to_vec(),
            _ => b"GET /\x00\x01 HTTP/9.9\nHost:\n\n".to_vec(),
        };
        let Ok(mut stream) = TcpStream::connect(&address).await else {
            panic!("raw request {n}: the server stopped accepting connections");
        };
        let _ = stream.write_all(&request).await;
        let _ = stream.shutdown().await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
        let status_line = String::from_utf8_lossy(&answer[..answer.len().min(16)]).into_owned();
        assert!(!status_line.starts_with("HTTP/1.1 5"), "raw request {n}: {status_line}");
        // A well-formed request with a long path is answered, not dropped
        // (the client has only shut its sending side).
        if n % 6 == 2 {
            assert!(
                status_line.starts_with("HTTP/1.1 4"),
                "raw request {n}: {status_line:?}"
            );
        }
    }
}
