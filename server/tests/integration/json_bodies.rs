//! JSON bodies beside forms: the same fields, validation, statuses and
//! errors on every endpoint; anything else a clear 400 or 415.

use crate::{
    helpers::*,
    openapi::{api_document, operations},
};
use reqwest::{
    header::{CONTENT_TYPE, COOKIE},
    Method, StatusCode,
};
use serde_json::json;

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    content_type: &str,
    body: String,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .request(Method::from_bytes(method.as_bytes()).unwrap(), app.url(path))
        .header(CONTENT_TYPE, content_type)
        .body(body);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    request.send().await.unwrap()
}

async fn post_json(app: &TestApp, path: &str, body: serde_json::Value, cookie: Option<&str>) -> reqwest::Response {
    send(app, "POST", path, "application/json", body.to_string(), cookie).await
}

/// A JSON object's fields as a form.
fn form_of(fields: &serde_json::Value) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields.as_object().unwrap() {
        form.append_pair(name, value.as_str().unwrap());
    }
    form.finish()
}

/// The top-level field names of a JSON answer.
fn fields_of(body: &str) -> Vec<String> {
    match serde_json::from_str(body).unwrap() {
        serde_json::Value::Object(fields) => fields.keys().cloned().collect(),
        other => vec![other.to_string()],
    }
}

#[tokio::test]
async fn every_endpoint_answers_json_as_it_answers_the_same_form() {
    let app = TestApp::builder()
        .env(&[("LOGIN_MAX_FAILURES_PER_EMAIL", "100")])
        .start()
        .await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    // Fields that each endpoint refuses in the same way, whatever the encoding.
    let fields = json!({
        "name": "", "email": "not an email", "password": "short", "current_password": "wrong",
        "new_password": "short", "token": "0123", "id": "nope", "ceremony": "0", "credential": "{}",
        "passkey_name": "", "provider": "nope", "subject": "nope",
    });
    // Every state-changing endpoint of the API, as its document lists them.
    let document = api_document(&app).await;
    let endpoints = operations(&document)
        .into_iter()
        .filter(|(method, path, _)| method != "GET" && path.starts_with("/api/"))
        .map(|(method, path, _)| (method, path.replace("{id}", "0123456789abcdef0123456789abcdef")));
    for (method, path) in endpoints {
        let (method, path) = (method.as_str(), path.as_str());
        for cookie in [None, Some(cookie.as_str())] {
            let as_form = send(
                &app,
                method,
                path,
                "application/x-www-form-urlencoded",
                form_of(&fields),
                cookie,
            )
            .await;
            let as_json = send(&app, method, path, "application/json", fields.to_string(), cookie).await;
            let (form_status, json_status) = (as_form.status(), as_json.status());
            let (form_body, json_body) = (as_form.text().await.unwrap(), as_json.text().await.unwrap());
            assert_eq!(
                form_status,
                json_status,
                "{method} {path} logged in: {}",
                cookie.is_some()
            );
            if json_status.is_success() {
                // A new ceremony's id and challenge are random: the same fields, then.
                assert_eq!(fields_of(&form_body), fields_of(&json_body), "{method} {path}");
            } else {
                assert_eq!(form_body, json_body, "{method} {path}");
            }
            assert_ne!(json_status, StatusCode::INTERNAL_SERVER_ERROR, "{method} {path}");
            assert_ne!(json_status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{method} {path}");
        }
    }
}

#[tokio::test]
async fn a_json_client_registers_logs_in_and_reads_the_users() {
    let app = TestApp::start().await;
    let registered = post_json(
        &app,
        "/api/register",
        json!({"name": "Ada", "email": "ada@example.com", "password": PASSWORD}),
        None,
    )
    .await;
    assert_eq!(registered.status(), StatusCode::OK);
    let wrong = post_json(
        &app,
        "/api/auth/login",
        json!({"email": "ada@example.com", "password": "wrong password"}),
        None,
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let login = post_json(
        &app,
        "/api/auth/login",
        json!({"email": "ada@example.com", "password": PASSWORD}),
        None,
    )
    .await;
    assert_eq!(login.status(), StatusCode::OK);
    let cookie = session_cookie(&login).unwrap();
    assert_eq!(json(login).await["name"], "Ada");
    let users = app.get("/api/users", Some(&cookie)).await;
    assert_eq!(users.status(), StatusCode::OK);
    let invalid = post_json(
        &app,
        "/api/register",
        json!({"name": "Grace", "email": "grace", "password": PASSWORD}),
        None,
    )
    .await;
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json(invalid).await,
        json!({
            "error": "Enter a valid email address",
            "code": "invalid_input",
            "field": "email",
            "problems": [{"field": "email", "code": "email_invalid", "error": "Enter a valid email address"}]
        })
    );
}

#[tokio::test]
async fn malformed_json_is_a_bad_request_that_says_why_never_a_failed_login() {
    let app = TestApp::start().await;
    for (body, problem) in [
        ("{\"email\": \"ada@example.com\", ", "EOF while parsing"),
        ("[\"ada@example.com\"]", "expected an object of fields"),
        (
            "{\"email\": [\"ada@example.com\"]}",
            "field \\\"email\\\" must be a string",
        ),
        ("", "EOF while parsing"),
    ] {
        let response = send(&app, "POST", "/api/auth/login", "application/json", body.into(), None).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let text = response.text().await.unwrap();
        assert!(
            text.contains("Malformed JSON body") && text.contains(problem),
            "{body}: {text}"
        );
    }
}

#[tokio::test]
async fn other_media_types_are_refused_with_415() {
    let app = TestApp::start().await;
    for content_type in ["text/plain", "multipart/form-data; boundary=x", "application/xml"] {
        let response = send(
            &app,
            "POST",
            "/api/auth/login",
            content_type,
            "email=ada@example.com".into(),
            None,
        )
        .await;
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type}");
        assert_eq!(
            json(response).await,
            json!({"error": "Send the body as application/json or application/x-www-form-urlencoded", "code": "unsupported_media_type"})
        );
    }
    // No body at all needs no type.
    let logout = app.client.post(app.url("/api/auth/logout")).send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::OK);
}
