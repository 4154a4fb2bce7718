//! The HTTP API and the server-rendered pages, spoken to over real HTTP: each test
//! starts the real server on port 0 with a fresh SQLite database.

use crate::helpers::*;
use reqwest::{
    header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE},
    Method, StatusCode,
};
use scraper::Html;
use serde_json::{json, Value};

#[tokio::test]
async fn register_returns_the_user_and_a_sealed_session_cookie() {
    let app = TestApp::start().await;
    let response = app
        .post_form(
            "/api/register",
            &[("name", " Ada "), ("email", "Ada@Example.com"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = set_cookie_header(&response).unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=604800"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http by default: {cookie}");
    // Sealed: the value's bytes do not hold the payload. (Checked on the
    // decoded bytes: the name's few letters turn up in a random base64 text
    // about once in a thousand cookies, and a cookie that was only base64
    // would show none of them.)
    let pair = session_cookie(&response).unwrap();
    let value = percent_encoding::percent_decode_str(pair.trim_start_matches(&format!("{}=", cookie_name("session"))))
        .decode_utf8()
        .unwrap();
    let sealed = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, value.as_bytes()).unwrap();
    for plain in [&b"\"Ada\""[..], b"ada@example.com"] {
        assert!(
            !sealed.windows(plain.len()).any(|window| window == plain),
            "the payload is encrypted: {cookie}"
        );
    }
    let body = json(response).await;
    assert_eq!(body, json!({"id": 1, "name": "Ada"}));
    app.stop().await;
}

#[tokio::test]
async fn register_rejects_invalid_input_with_the_field() {
    let app = TestApp::start().await;
    let long_password = "a".repeat(129);
    let cases: [(&[(&str, &str)], &str); 7] = [
        (
            &[("name", ""), ("email", "a@example.com"), ("password", PASSWORD)],
            "name",
        ),
        (
            &[
                ("name", &"n".repeat(101)),
                ("email", "a@example.com"),
                ("password", PASSWORD),
            ],
            "name",
        ),
        (
            &[("name", "Ada"), ("email", "not-an-email"), ("password", PASSWORD)],
            "email",
        ),
        (
            &[("name", "Ada"), ("email", "a@example.com"), ("password", "short")],
            "password",
        ),
        (
            &[
                ("name", "Ada"),
                ("email", "a@example.com"),
                ("password", &long_password),
            ],
            "password",
        ),
        (&[("email", "a@example.com"), ("password", PASSWORD)], "name"),
        (&[], "name"),
    ];
    for (form, field) in cases {
        let response = app.post_form("/api/register", form, None).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
        assert!(session_cookie(&response).is_none());
        let body = json(response).await;
        assert_eq!(body["field"], field, "{form:?}: {body}");
        assert!(body["error"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let response = app
        .post_form(
            "/api/register",
            &[
                ("name", "Ada"),
                ("email", "a@example.com"),
                ("password", &long_password),
            ],
            None,
        )
        .await;
    let body = json(response).await;
    assert!(body["error"].as_str().unwrap().contains("128 characters"), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn register_refuses_a_taken_email_whatever_its_case() {
    let app = TestApp::start().await;
    app.register("Ada", "ada@example.com").await;
    let response = app
        .post_form(
            "/api/register",
            &[("name", "Eve"), ("email", " ADA@example.COM"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(session_cookie(&response).is_none());
    assert_eq!(
        json(response).await,
        json!({"error": "Email already registered", "code": "email_taken"})
    );
    app.stop().await;
}

#[tokio::test]
async fn login_issues_a_new_session_cookie() {
    let app = TestApp::start().await;
    let (id, register_cookie) = app.register("Ada", "ada@example.com").await;
    let response = app
        .post_form(
            "/api/auth/login",
            &[("email", "ADA@example.com"), ("password", PASSWORD)],
            Some(&register_cookie),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = session_cookie(&response).unwrap();
    assert_ne!(cookie, register_cookie, "replaced, never reused");
    assert_eq!(json(response).await, json!({"id": id, "name": "Ada"}));
    let users = app.get("/api/users", Some(&cookie)).await;
    assert_eq!(users.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = TestApp::start().await;
    app.register("Ada", "ada@example.com").await;
    let mut answers = Vec::new();
    for (email, password) in [
        ("ada@example.com", "wrong password"),
        ("nobody@example.com", PASSWORD),
        ("not an email", PASSWORD),
    ] {
        let response = app.login(email, password).await;
        assert!(session_cookie(&response).is_none());
        let status = response.status();
        let mut headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .filter(|(name, _)| name.as_str() != "date")
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
            .collect();
        headers.sort();
        answers.push((status, headers, response.text().await.unwrap()));
    }
    assert_eq!(answers[0].0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        answers[0].2,
        r#"{"error":"Invalid email or password","code":"invalid_credentials"}"#
    );
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
    app.stop().await;
}

#[tokio::test]
async fn password_longer_than_72_bytes_never_logs_in_as_its_prefix() {
    let app = TestApp::start().await;
    let stored = "a".repeat(72);
    let response = app
        .post_form(
            "/api/register",
            &[("name", "Ada"), ("email", "ada@example.com"), ("password", &stored)],
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let longer = format!("{stored}X");
    let response = app.login("ada@example.com", &longer).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn logout_clears_the_cookie() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let response = app.post_form("/api/auth/logout", &[], Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cleared = set_cookie_header(&response).unwrap();
    assert!(
        cleared.starts_with(&format!("{}=;", cookie_name("session"))) && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    app.stop().await;
}

#[tokio::test]
async fn delete_session_is_the_same_as_logout() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let response = app.request(Method::DELETE, "/api/_auth/session", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cleared = set_cookie_header(&response).unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    app.stop().await;
}

#[tokio::test]
async fn session_endpoint_shows_the_public_session_only() {
    let app = TestApp::start().await;
    let anonymous = app.get("/api/_auth/session", None).await;
    assert_eq!(anonymous.status(), StatusCode::OK);
    assert!(
        anonymous.headers().get(SET_COOKIE).is_none(),
        "anonymous requests get no cookie"
    );
    assert_eq!(json(anonymous).await, json!({}));

    let (id, cookie) = app.register("Ada", "ada@example.com").await;
    let body = json(app.get("/api/_auth/session", Some(&cookie)).await).await;
    assert_eq!(
        body["user"],
        json!({"id": id, "name": "Ada", "email_verified": false, "two_factor": false})
    );
    let logged_in_at = body["logged_in_at"].as_str().unwrap();
    assert!(time::OffsetDateTime::parse(logged_in_at, &time::format_description::well_known::Rfc3339).is_ok());
    assert_eq!(body.as_object().unwrap().len(), 2, "never the secure section: {body}");
    app.stop().await;
}

#[tokio::test]
async fn users_list_is_paginated_by_id_cursor() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("User 1", "u1@example.com").await;
    for n in 2..=12 {
        app.register(&format!("User {n}"), &format!("u{n}@example.com")).await;
    }
    let first = json(app.get("/api/users", Some(&cookie)).await).await;
    let first = first.as_array().unwrap();
    assert_eq!(first.len(), 10, "default limit");
    assert_eq!(first[0], json!({"id": 1, "name": "User 1"}));
    let rest = json(app.get("/api/users?after=10&limit=5", Some(&cookie)).await).await;
    assert_eq!(
        rest,
        json!([{"id": 11, "name": "User 11"}, {"id": 12, "name": "User 12"}])
    );
    let ids = |list: serde_json::Value| -> Vec<i64> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_i64().unwrap())
            .collect()
    };
    let three = json(app.get("/api/users?limit=3&after=4", Some(&cookie)).await).await;
    assert_eq!(ids(three), [5, 6, 7]);
    // Going back: the nearest users below the cursor, still in id order.
    let before = json(app.get("/api/users?limit=3&before=8", Some(&cookie)).await).await;
    assert_eq!(ids(before), [5, 6, 7]);
    let start = json(app.get("/api/users?limit=5&before=3", Some(&cookie)).await).await;
    assert_eq!(ids(start), [1, 2]);
    app.stop().await;
}

/// The most requested endpoint makes one SQL statement, the session check
/// included (`session::middleware::checks_in_its_query`): a statement is
/// most of what a request costs (`docs/performance.md`). Counted from the
/// statements the database driver and SQLite's shared reader
/// (`db/reader.rs`) log at debug level, between the trace lines of requests
/// to a path that makes none, before and after the one counted.
#[tokio::test]
async fn a_page_of_users_costs_one_sql_statement_with_its_session_check() {
    let store = TestStore::new().await;
    let log_filter = format!("info,{REQUEST_TRACES},sqlx::query=debug,app::backend::db::reader=debug");
    let server = ServerProcess::start(&store.url, &[("RUST_LOG", &log_filter)]);
    let app = server.client(&store.url);
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let mark = async |name: &str| {
        let path = format!("/api/log-marker/{name}");
        assert_eq!(app.get(&path, None).await.status(), StatusCode::NOT_FOUND);
        server.lines_until(&path, std::time::Duration::from_secs(10), request_finished(&path))
    };
    let is_statement = |line: &String| line.contains("sqlx::query") || line.contains("db::reader");
    mark("start").await;
    // A marker request makes no statement itself.
    let between: Vec<String> = mark("again").await.into_iter().filter(is_statement).collect();
    assert!(between.is_empty(), "{between:#?}");
    let pages = [("", json!([{"id": 1, "name": "Ada"}])), ("?after=1", json!([]))];
    for (n, (query, expected)) in pages.into_iter().enumerate() {
        let page = app.get(&format!("/api/users{query}"), Some(&cookie)).await;
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(json(page).await, expected);
        let statements: Vec<String> = mark(&n.to_string()).await.into_iter().filter(is_statement).collect();
        assert_eq!(statements.len(), 1, "{query}: {statements:#?}");
    }
}

#[tokio::test]
async fn users_list_rejects_bad_paging_and_anonymous_callers() {
    let app = TestApp::start().await;
    let anonymous = app.get("/api/users", None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        json(anonymous).await,
        json!({"error": "Not logged in", "code": "unauthorized"})
    );
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("after=-1", "after"),
        ("before=x", "before"),
        ("after=1&before=9", "before"),
    ] {
        let response = app.get(&format!("/api/users?{query}"), Some(&cookie)).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(json(response).await["field"], field);
    }
    let max = app.get("/api/users?limit=100", Some(&cookie)).await;
    assert_eq!(max.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn one_user_by_id() {
    let app = TestApp::start().await;
    let (id, cookie) = app.register("Ada", "ada@example.com").await;
    let body = json(app.get(&format!("/api/user?id={id}"), Some(&cookie)).await).await;
    assert_eq!(body["id"], id.get());
    assert_eq!(body["name"], "Ada");
    let created_at = body["created_at"].as_str().unwrap();
    assert!(time::OffsetDateTime::parse(created_at, &time::format_description::well_known::Rfc3339).is_ok());
    assert!(body.get("email").is_none() && body.get("password").is_none(), "{body}");

    let missing = app.get("/api/user?id=999", Some(&cookie)).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(json(missing).await, json!({"error": "Not found", "code": "not_found"}));
    let anonymous = app.get(&format!("/api/user?id={id}"), None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn tampered_or_foreign_cookie_is_no_session_and_is_cleared() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let (name, value) = cookie.split_once('=').unwrap();
    let mut tampered = value.as_bytes().to_vec();
    // A base64 letter past the middle, outside any `%XX` escape (changing an
    // escape makes the header unreadable, which is another case).
    let middle = (tampered.len() / 2..tampered.len())
        .find(|&i| tampered[i].is_ascii_alphanumeric() && !tampered[i - 2..i].contains(&b'%'))
        .unwrap();
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{name}={}", String::from_utf8(tampered).unwrap());
    let truncated = format!("{name}={}", &value[..value.len() / 2]);
    for bad in [tampered, truncated, format!("{}=garbage", cookie_name("session"))] {
        let response = app.get("/api/users", Some(&bad)).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{bad}");
        let cleared = set_cookie_header(&response).expect("a bad cookie is cleared");
        assert!(cleared.contains("Max-Age=0"));
        let session = app.get("/api/_auth/session", Some(&bad)).await;
        assert_eq!(json(session).await, json!({}));
    }
    app.stop().await;

    let other_key = TestApp::builder()
        .env(&[("SESSION_PASSWORD", "a completely different session password!!")])
        .start()
        .await;
    let response = other_key.get("/api/users", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    other_key.stop().await;
}

#[tokio::test]
async fn expired_session_is_refused() {
    let app = TestApp::builder().env(&[("SESSION_MAX_AGE", "1")]).start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    assert_eq!(app.session_status(&cookie).await, StatusCode::OK);
    app.advance_clock(1);
    let response = app.get("/api/users", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookie_header(&response).unwrap().contains("Max-Age=0"));
    app.stop().await;
}

#[tokio::test]
async fn protected_pages_redirect_anonymous_visitors_to_login() {
    let app = TestApp::start().await;
    for (path, location) in [
        ("/users", "/login?redirect=/users"),
        ("/users/1", "/login?redirect=/users/1"),
        ("/users?after=10", "/login?redirect=/users%3Fafter%3D10"),
    ] {
        let response = app.get(path, None).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{path}");
        assert_eq!(response.headers()[LOCATION], location);
        let html = response.text().await.unwrap();
        assert!(!html.contains("<h1>Users"), "no protected content rendered");
    }
    app.stop().await;
}

#[tokio::test]
async fn users_page_is_rendered_on_the_server_with_the_users_name() {
    let app = TestApp::start().await;
    let (id, cookie) = app.register("Ada Lovelace", "ada@example.com").await;
    app.register("Grace Hopper", "grace@example.com").await;
    let response = app.get("/users", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("<h1>Users"), "{html}");
    assert!(html.contains("Ada Lovelace") && html.contains("Grace Hopper"));
    assert!(html.contains(&format!("href=\"/users/{id}\"")));
    assert!(html.contains("Logout"), "nav with a logout button");
    // With a trailing slash, as the router in the browser reads it.
    let slashed = app.get("/users/", Some(&cookie)).await;
    assert_eq!(slashed.status(), StatusCode::OK);
    assert!(slashed.text().await.unwrap().contains("<h1>Users"));

    let detail = app.get(&format!("/users/{id}"), Some(&cookie)).await;
    assert_eq!(detail.status(), StatusCode::OK);
    let html = detail.text().await.unwrap();
    assert!(html.contains("Ada Lovelace"));
    // The test clock's date, in words.
    let today = app.state().clock.now().date();
    let since = format!("{} {} {}", today.day(), today.month(), today.year());
    assert!(
        html.contains("Member since <time") && html.contains(&format!(">{since}<")),
        "{html}"
    );
    app.stop().await;
}

#[tokio::test]
async fn unknown_user_page_is_a_real_404() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    for path in ["/users/999", "/users/abc", "/no/such/page"] {
        let response = app.get(path, Some(&cookie)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(response.text().await.unwrap().contains("Not found"));
    }
    app.stop().await;
}

#[tokio::test]
async fn logged_in_users_are_sent_from_login_and_register_to_users() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    for path in ["/register", "/login"] {
        let response = app.get(path, Some(&cookie)).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{path}");
        assert_eq!(response.headers()[LOCATION], "/users");
    }
    let response = app.get("/login?redirect=/users/1", Some(&cookie)).await;
    assert_eq!(response.headers()[LOCATION], "/users/1");
    for path in ["/register", "/login", "/"] {
        assert_eq!(app.get(path, None).await.status(), StatusCode::OK, "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn home_page_greets_the_user_by_name() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let html = app.get("/", Some(&cookie)).await.text().await.unwrap();
    assert!(
        html.contains("Welcome, <!>Ada") || html.contains("Welcome, Ada"),
        "{html}"
    );
    let html = app.get("/", None).await.text().await.unwrap();
    assert!(html.contains("href=\"/register\"") && html.contains("href=\"/login\""));
    app.stop().await;
}

#[tokio::test]
async fn forms_work_without_javascript() {
    let app = TestApp::start().await;
    let register = html_form_post(
        &app,
        "/api/register",
        &[("name", "Ada"), ("email", "ada@example.com"), ("password", PASSWORD)],
        "/register",
        None,
    )
    .await;
    assert_eq!(register.status(), StatusCode::SEE_OTHER);
    assert_eq!(register.headers()[LOCATION], "/users");
    let cookie = session_cookie(&register).unwrap();

    let logout = html_form_post(&app, "/api/auth/logout", &[], "/users", Some(&cookie)).await;
    assert_eq!(logout.status(), StatusCode::SEE_OTHER);
    assert_eq!(logout.headers()[LOCATION], "/login?done=logged-out");
    let said = app.get("/login?done=logged-out", None).await.text().await.unwrap();
    assert!(said.contains("You have logged out."), "{said}");

    let login = html_form_post(
        &app,
        "/api/auth/login",
        &[
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("redirect", "/users/1"),
        ],
        "/login?redirect=/users/1",
        None,
    )
    .await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    assert_eq!(login.headers()[LOCATION], "/users/1");
    assert!(session_cookie(&login).is_some());

    let evil = html_form_post(
        &app,
        "/api/auth/login",
        &[
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("redirect", "//evil.example"),
        ],
        "/login",
        None,
    )
    .await;
    assert_eq!(evil.headers()[LOCATION], "/users");
    app.stop().await;
}

#[tokio::test]
async fn failed_form_post_without_javascript_returns_to_the_form_with_the_error() {
    let app = TestApp::start().await;
    app.register("Ada", "ada@example.com").await;
    let response = html_form_post(
        &app,
        "/api/auth/login",
        &[
            ("email", "ada@example.com"),
            ("password", "wrong password"),
            ("redirect", "/users/1"),
        ],
        "/login?redirect=/users/1",
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(session_cookie(&response).is_none());
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    assert_eq!(location, "/login?redirect=/users/1", "nothing typed goes into the URL");
    let flash = flash_cookie(&response).expect("a flash cookie");
    assert!(!flash.contains("ada") && !flash.contains("wrong"), "sealed: {flash}");

    let page = app.get(&location, Some(&flash)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        page.headers()[CACHE_CONTROL],
        "no-store",
        "the page holds what was typed"
    );
    let removal = set_cookie_named(&page, "flash").expect("the flash is deleted once read");
    assert!(removal.contains("Max-Age=0"), "{removal}");
    let html = Html::parse_document(&page.text().await.unwrap());
    assert_eq!(
        text_of(&html, ".error-summary[role=alert] li a[href='#email']"),
        ["Invalid email or password"]
    );
    assert_eq!(text_of(&html, "title"), [concat!("Error: Login – ", app::site_name!())]);
    assert_eq!(
        attribute_of(&html, "input#email", "value"),
        Some("ada@example.com".into())
    );
    assert_eq!(attribute_of(&html, "input#email", "aria-invalid"), Some("true".into()));
    assert_eq!(
        attribute_of(&html, "input#password", "value"),
        None,
        "the password is never echoed"
    );
    assert_eq!(
        attribute_of(&html, "input[name=redirect]", "value"),
        Some("/users/1".into())
    );

    // The flash is for its own form only, and a reload shows a clean form.
    let register = Html::parse_document(&app.get("/register", Some(&flash)).await.text().await.unwrap());
    assert!(text_of(&register, ".error-summary").is_empty());
    let clean = Html::parse_document(&app.get(&location, None).await.text().await.unwrap());
    assert!(text_of(&clean, ".error-summary").is_empty());
    assert_eq!(text_of(&clean, "title"), [concat!("Login – ", app::site_name!())]);
    app.stop().await;
}

#[tokio::test]
async fn a_plain_html_post_reports_every_problem_of_the_form_at_once() {
    let app = TestApp::start().await;
    let form = [("name", " "), ("email", "not an email"), ("password", "short")];
    let response = html_form_post(&app, "/api/register", &form, "/register", None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/register");
    let flash = flash_cookie(&response).unwrap();
    let html = Html::parse_document(&app.get("/register", Some(&flash)).await.text().await.unwrap());
    assert_eq!(
        text_of(&html, ".error-summary li"),
        [
            "Enter your name",
            "Enter an email address in the correct format, like name@example.com",
            "Password must be at least 8 characters"
        ]
    );
    for field in ["name", "email", "password"] {
        assert_eq!(
            attribute_of(&html, &format!("input#{field}"), "aria-invalid"),
            Some("true".into())
        );
        let described = attribute_of(&html, &format!("input#{field}"), "aria-describedby").unwrap();
        assert!(described.contains(&format!("{field}-error")), "{field}: {described}");
        assert_eq!(text_of(&html, &format!("#{field}-error")).len(), 1, "{field}");
    }
    assert_eq!(attribute_of(&html, "input#email", "value"), Some("not an email".into()));
    assert_eq!(attribute_of(&html, "form", "novalidate"), Some(String::new()));

    // The API answers with the same problems, every one with its code; the
    // first one's words and field stay where a client of one problem looks.
    let api = app.post_form("/api/register", &form, None).await;
    assert_eq!(api.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json(api).await,
        json!({
            "error": "Name is required",
            "code": "invalid_input",
            "field": "name",
            "problems": [
                {"field": "name", "code": "name_required", "error": "Name is required"},
                {"field": "email", "code": "email_invalid", "error": "Enter a valid email address"},
                {"field": "password", "code": "password_too_short", "error": "Password must be at least 8 characters"}
            ]
        })
    );

    // An empty login is two problems, on the page (in words that say what
    // to do) and from the API (which states the rules) alike:
    // there is no password to check, so nothing is counted as a failed login.
    let response = html_form_post(&app, "/api/auth/login", &[], "/login", None).await;
    let flash = flash_cookie(&response).unwrap();
    let html = Html::parse_document(&app.get("/login", Some(&flash)).await.text().await.unwrap());
    assert_eq!(
        text_of(&html, ".error-summary li"),
        ["Enter your email address", "Enter your password"]
    );
    let api = app.post_form("/api/auth/login", &[], None).await;
    assert_eq!(api.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let codes: Vec<Value> = json(api).await["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|problem| problem["code"].clone())
        .collect();
    assert_eq!(codes, [json!("email_required"), json!("password_required")]);
    app.stop().await;
}

#[tokio::test]
async fn a_flash_cookie_that_was_tampered_with_or_is_stale_shows_nothing() {
    let app = TestApp::start().await;
    let response = html_form_post(&app, "/api/auth/login", &[], "/login", None).await;
    let flash = flash_cookie(&response).unwrap();
    let (name, value) = flash.split_once('=').unwrap();
    let mut bytes = value.as_bytes().to_vec();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{name}={}", String::from_utf8(bytes).unwrap());
    // The last does not even decode: a tampered `%2F` can become that.
    let flash = cookie_name("flash");
    for cookie in [tampered, format!("{flash}=garbage"), format!("{flash}=a%AFb")] {
        let page = app.get("/login", Some(&cookie)).await;
        assert_eq!(page.status(), StatusCode::OK);
        assert!(
            set_cookie_named(&page, "flash").is_some(),
            "a bad flash is deleted too: {cookie}"
        );
        let html = Html::parse_document(&page.text().await.unwrap());
        assert!(text_of(&html, ".error-summary").is_empty(), "{cookie}");
    }
    app.advance_clock(121);
    let html = Html::parse_document(&app.get("/login", Some(&flash)).await.text().await.unwrap());
    assert!(text_of(&html, ".error-summary").is_empty(), "a stale flash is ignored");
    app.stop().await;
}

#[tokio::test]
async fn api_errors_are_json_with_the_right_status() {
    let app = TestApp::start().await;
    let unknown = app.get("/api/nothing-here", None).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(json(unknown).await, json!({"error": "Not found", "code": "not_found"}));

    let wrong_method = app.get("/api/register", None).await;
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(json(wrong_method).await["error"].is_string());

    let huge = app
        .post_form("/api/register", &[("name", &"x".repeat(100_000))], None)
        .await;
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(json(huge).await["error"].is_string());

    let not_utf8 = app
        .client
        .post(app.url("/api/auth/login"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(vec![b'e', b'm', b'a', b'i', b'l', b'=', 0xff, 0xfe])
        .send()
        .await
        .unwrap();
    assert!(not_utf8.status().is_client_error(), "{}", not_utf8.status());
    assert!(json(not_utf8).await["error"].is_string());
    app.stop().await;
}

#[tokio::test]
async fn concurrent_registrations_all_land() {
    let app = std::sync::Arc::new(
        TestApp::builder()
            .env(&[("REGISTER_MAX_PER_ADDRESS", "1000")])
            .start()
            .await,
    );
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..40 {
        let app = app.clone();
        tasks.spawn(async move {
            let email = format!("user{n}@example.com");
            let form = [
                ("name", "Concurrent"),
                ("email", email.as_str()),
                ("password", PASSWORD),
            ];
            app.post_form("/api/register", &form, None).await.status()
        });
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.unwrap(), StatusCode::OK);
    }
    let (_, cookie) = app.register("Last", "last@example.com").await;
    let users = json(app.get("/api/users?limit=100", Some(&cookie)).await).await;
    assert_eq!(users.as_array().unwrap().len(), 41, "no lost write");
    std::sync::Arc::into_inner(app).unwrap().stop().await;
}

#[tokio::test]
async fn database_unavailable_is_503_not_500() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    app.state().db.close().await;
    let page = app.get("/api/users", Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(json(page).await["error"].is_string());
    let register = app
        .post_form(
            "/api/register",
            &[("name", "Eve"), ("email", "eve@example.com"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(register.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(json(register).await["error"].is_string());
    app.stop().await;
}

#[tokio::test]
async fn the_built_files_are_served_apart_from_the_session() {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    std::fs::write(site.path().join("pkg/app.js"), "export {};").unwrap();
    std::fs::write(
        site.path().join("pkg/app.js.br"),
        [0x8b, 0x04, 0x80, 0x65, 0x78, 0x70, 0x03],
    )
    .unwrap();
    let root = site.path().display().to_string();
    let app = TestApp::builder().env(&[("LEPTOS_SITE_ROOT", &root)]).start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;

    // Cacheable even for a logged-in browser, and the sealed cookie is not even opened.
    for cookie in [cookie.clone(), format!("{}=tampered", cookie_name("session"))] {
        let response = app.get("/pkg/app.js", Some(&cookie)).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["cache-control"],
            "no-cache",
            "plain names: revalidated"
        );
        assert!(response.headers().get(SET_COOKIE).is_none(), "{cookie}");
    }
    let compressed = app
        .client
        .get(app.url("/pkg/app.js"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.headers()["content-encoding"], "br", "the build-time copy");
    assert_eq!(
        compressed.headers()["vary"],
        "accept-encoding",
        "a shared cache keeps each encoding apart"
    );

    // Pages still carry the session.
    let page = app.get("/users", Some(&cookie)).await;
    assert_eq!(page.headers()["cache-control"], "no-store");
    app.stop().await;
}

#[tokio::test]
async fn built_files_named_by_their_content_are_kept_for_good() {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    std::fs::write(site.path().join("pkg/app.0123abcd.js"), "export {};").unwrap();
    let root = site.path().display().to_string();
    let app = TestApp::builder()
        .env(&[("LEPTOS_SITE_ROOT", &root)])
        .adjust(|config| config.http.asset_hashes = Some("js: 0123abcd\n".into()))
        .start()
        .await;

    let file = app.get("/pkg/app.0123abcd.js", None).await;
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()["cache-control"], "public, max-age=31536000, immutable");
    // A name no build wrote (yet) must not be remembered as missing.
    let missing = app.get("/pkg/app.fedcba98.js", None).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.headers()["cache-control"], "no-store");
    app.stop().await;
}

#[tokio::test]
async fn login_runs_its_own_script_and_every_other_page_the_app() {
    let app = TestApp::start().await;
    let page_at = |path: &'static str| {
        let app = &app;
        async move { Html::parse_document(&app.get(path, None).await.text().await.unwrap()) }
    };

    let login = page_at("/login").await;
    let script = attribute_of(&login, "head script[type=module][src]", "src").expect("/login's script");
    // The router in the browser reads `/login/` as `/login`: so does the server.
    let slashed = page_at("/login/").await;
    assert_eq!(
        attribute_of(&slashed, "head script[type=module][src]", "src").as_deref(),
        Some(&*script)
    );
    assert_eq!(
        script,
        app::backend::assets::BuiltAssets::named("/pkg", "app", None).login_script
    );
    assert!(script.starts_with("/pkg/login.") && script.ends_with(".js"), "{script}");
    let app_files =
        scraper::Selector::parse("link[href$='.wasm'], link[rel=modulepreload], head script[type=module]:not([src])")
            .unwrap();
    assert!(login.select(&app_files).next().is_none(), "no wasm, no app module");
    // Its one inline script fetches the app for the next page, and runs none of it.
    let inline = text_of(&login, "head script:not([src])");
    let [prefetch] = &inline[..] else { panic!("{inline:?}") };
    assert!(
        prefetch.contains("fetch(href)") && !prefetch.contains("import"),
        "{prefetch}"
    );
    // Every other page starts the app.
    for path in ["/", "/register", "/forgot-password", "/no-such-page"] {
        let page = page_at(path).await;
        assert!(
            attribute_of(&page, "link[rel=preload][href$='.wasm']", "href").is_some(),
            "{path}"
        );
        assert_eq!(attribute_of(&page, "head script[src]", "src"), None, "{path}");
    }

    // Kept for good (its name changes with its content), compressed, apart from the session.
    let file = app
        .client
        .get(app.url(&script))
        .header("accept-encoding", "br")
        .header("cookie", format!("{}=tampered", cookie_name("session")))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()[CONTENT_TYPE], "text/javascript; charset=utf-8");
    assert_eq!(file.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert_eq!(file.headers()["content-encoding"], "br");
    assert!(file.headers().get(SET_COOKIE).is_none());
    let plain = app.get(&script, None).await;
    assert_eq!(plain.text().await.unwrap(), app::backend::assets::LOGIN_SCRIPT);
    let stale = app.get("/pkg/login.AAAAAAAAAAAAAAAA.js", None).await;
    assert_eq!(stale.status(), StatusCode::NOT_FOUND);
    assert_eq!(stale.headers()[CACHE_CONTROL], "no-store");
    app.stop().await;
}

#[tokio::test]
async fn pages_are_compressed_and_small_api_answers_are_not() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    // A page of ten users: a few hundred bytes of JSON.
    for n in 2..=10 {
        app.register(&format!("User {n}"), &format!("user{n}@example.com"))
            .await;
    }
    let fetch = |path: &'static str| {
        app.client
            .get(app.url(path))
            .header("cookie", &cookie)
            .header("accept-encoding", "br, gzip")
            .send()
    };
    let small = fetch("/api/users").await.unwrap();
    assert_eq!(small.status(), StatusCode::OK);
    assert!(
        small.headers().get("content-encoding").is_none(),
        "a few hundred bytes go as they are"
    );
    let page = fetch("/users").await.unwrap();
    assert_eq!(page.headers()["content-encoding"], "br");
    app.stop().await;
}

/// Tests about SQLite alone (see `helpers::require_backend`).
mod sqlite_only {
    use crate::helpers::*;
    use app::backend::db::Backend;
    use server::config::Config;

    #[tokio::test]
    async fn data_folder_and_database_are_created_on_first_start() {
        require_backend(Backend::Sqlite);
        let data = tempfile::tempdir().unwrap();
        let nested = data.path().join("nested/folder/app.db");
        let url = format!("sqlite://{}", nested.display());
        let vars = [
            ("SESSION_PASSWORD", SESSION_PASSWORD),
            ("PASSWORD_PEPPER", PASSWORD_PEPPER),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
            ("DATABASE_URL", &url),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned()));
        let config = Config::from_vars(&vars.into_iter().collect()).unwrap();
        let server = server::start(config.clone()).await.unwrap();
        assert!(nested.exists());
        server.stop().await.unwrap();
        // A second start finds the migrations already applied.
        server::start(config).await.unwrap().stop().await.unwrap();
    }
}
