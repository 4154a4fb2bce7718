//! The OpenAPI document at `/api/openapi.json`: every endpoint is in it and
//! nothing else, with both body encodings, its refusals and the session
//! cookie as its security.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;

/// The endpoints that are plain handlers rather than server functions.
const HANDLERS: &[(&str, &str)] = &[
    ("DELETE", "/api/account/sessions/{id}"),
    ("GET", "/auth/{provider}"),
    ("POST", "/auth/{provider}/link"),
    ("GET", "/auth/{provider}/callback"),
    ("GET", "/api/openapi.json"),
];

/// The document, as a client reads it.
pub async fn api_document(app: &TestApp) -> Value {
    let response = app.get("/api/openapi.json", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    json(response).await
}

/// Every `(method, path, operation)` of the document.
pub fn operations(document: &Value) -> Vec<(String, String, &Value)> {
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations.push((method.to_uppercase(), path.clone(), operation));
        }
    }
    operations
}

/// Whether the operation needs the session cookie, as the document says.
fn needs_session(operation: &Value) -> bool {
    operation["security"]
        .as_array()
        .is_some_and(|schemes| schemes.iter().any(|scheme| scheme.get("session").is_some()))
}

#[tokio::test]
async fn the_document_lists_every_endpoint_and_nothing_else() {
    let app = TestApp::start().await;
    let document = api_document(&app).await;
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1."));
    let documented: BTreeSet<(String, String)> = operations(&document)
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    let served: BTreeSet<(String, String)> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| (method.to_string(), path.to_owned()))
        .chain(
            HANDLERS
                .iter()
                .map(|(method, path)| ((*method).to_owned(), (*path).to_owned())),
        )
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let not_served: Vec<_> = documented.difference(&served).collect();
    assert!(undocumented.is_empty(), "served but not documented: {undocumented:?}");
    assert!(not_served.is_empty(), "documented but not served: {not_served:?}");
    // The handlers answer where the document says, not the router's fallback.
    for (method, path) in HANDLERS {
        let path = path.replace("{id}", "0123").replace("{provider}", "nope");
        let response = app
            .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), &path, None)
            .await;
        assert_ne!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        if response.status() == StatusCode::NOT_FOUND {
            assert_eq!(json(response).await["error"], "Not found", "{method} {path}");
        }
    }
}

#[tokio::test]
async fn each_operation_has_its_fields_in_both_encodings_its_refusals_and_its_security() {
    let app = TestApp::start().await;
    let document = api_document(&app).await;
    assert_eq!(
        document["components"]["securitySchemes"]["session"],
        serde_json::json!({"type": "apiKey", "in": "cookie", "name": cookie_name("session"),
            "description": document["components"]["securitySchemes"]["session"]["description"]})
    );
    // Every error names its code, one of a listed set that clients decide by.
    let error_body = &document["components"]["schemas"]["ErrorBody"];
    assert!(error_body["required"]
        .as_array()
        .unwrap()
        .contains(&Value::from("code")));
    let codes = error_body["properties"]["code"]["enum"].as_array().unwrap();
    for code in [
        "reauthentication_required",
        "email_unverified",
        "invalid_credentials",
        "too_many_requests",
    ] {
        assert!(codes.contains(&Value::from(code)), "{code}");
    }
    for (method, path, operation) in operations(&document) {
        let at = format!("{method} {path}");
        let responses = operation["responses"].as_object().unwrap();
        assert!(responses.contains_key("200") || responses.contains_key("303"), "{at}");
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody",
                    "{at} {status}"
                );
            }
            if status == "429" || status == "503" {
                assert!(response["headers"]["Retry-After"].is_object(), "{at} {status}");
            }
        }
        if let Some(body) = operation.get("requestBody") {
            let content = &body["content"];
            assert_eq!(
                content["application/json"], content["application/x-www-form-urlencoded"],
                "{at}"
            );
        }
        if path.starts_with("/api/") && method != "GET" {
            for status in ["400", "403", "413", "415"] {
                assert!(responses.contains_key(status), "{at} lacks {status}");
            }
        }
        if needs_session(operation) && path.starts_with("/api/") {
            assert!(responses.contains_key("401"), "{at}");
        }
    }
}

#[tokio::test]
async fn endpoints_for_logged_in_users_say_so_and_refuse_anyone_else() {
    let app = TestApp::start().await;
    let document = api_document(&app).await;
    assert!(needs_session(&document["paths"]["/api/users"]["get"]));
    for (method, path, operation) in operations(&document) {
        if !path.starts_with("/api/") {
            continue;
        }
        let response = app
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                &path.replace("{id}", "0123"),
                None,
            )
            .await;
        let status = response.status();
        let refused = status == StatusCode::UNAUTHORIZED && json(response).await["error"] == "Not logged in";
        // Documented as needing a session exactly when it refuses one without.
        assert_eq!(refused, needs_session(operation), "{method} {path}: {status}");
    }
}

#[tokio::test]
async fn a_query_that_cannot_be_decoded_is_a_documented_400() {
    // Found by fuzzing: the 400 of a field given twice was not in the document.
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let document = api_document(&app).await;
    for path in ["/api/users", "/api/user"] {
        let response = app
            .get(&format!("{path}?id=1&id=2&limit=1&limit=2"), Some(&cookie))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        assert!(document["paths"][path]["get"]["responses"]["400"].is_object(), "{path}");
    }
}

/// `/login` runs a script of its own (`login.js`) that names no endpoint: the
/// page tells it each one it calls (a `data-…-path`), and its forms post to
/// others. Each is an endpoint the document lists, taking a POST.
#[tokio::test]
async fn every_endpoint_the_login_page_names_is_in_the_document() {
    let app = TestApp::start().await;
    let document = api_document(&app).await;
    let page = scraper::Html::parse_document(&app.get("/login", None).await.text().await.unwrap());
    let every = scraper::Selector::parse("*").unwrap();
    let mut named: Vec<(String, String)> = page
        .select(&every)
        .flat_map(|element| element.value().attrs())
        .filter(|(name, _)| name.starts_with("data-") && name.ends_with("-path"))
        .map(|(name, path)| (name.to_owned(), path.to_owned()))
        .collect();
    let told: BTreeSet<&str> = named.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        told,
        BTreeSet::from(["data-login-path", "data-options-path", "data-sign-in-path"]),
        "what login.js reads"
    );
    let forms = scraper::Selector::parse("form[action^='/api/']").unwrap();
    named.extend(
        page.select(&forms)
            .filter_map(|form| form.value().attr("action"))
            .map(|action| ("form action".to_owned(), action.to_owned())),
    );
    for (name, path) in &named {
        assert!(
            document["paths"][path]["post"].is_object(),
            "{name}=\"{path}\" is not a POST in the document"
        );
    }
    // The script finds the login form by the path it is told.
    let login = &named.iter().find(|(name, _)| name == "data-login-path").unwrap().1;
    assert!(
        named.contains(&("form action".to_owned(), login.clone())),
        "no form posts to {login}"
    );
    assert!(!app::backend::assets::LOGIN_SCRIPT.contains("/api/"));
    app.stop().await;
}
