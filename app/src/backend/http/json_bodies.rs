//! JSON bodies for the API, beside forms. The server functions read forms
//! (`application/x-www-form-urlencoded`, what a `<form>` sends without
//! JavaScript); a request to `/api/` that sends `application/json` instead
//! has its object of fields re-encoded as that form before any of them sees
//! it, so every endpoint takes both with the same field names, validation,
//! statuses and errors. Written here rather than as a codec per server
//! function: one place for every endpoint, present and future.

use crate::error::AppError;
use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value};

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// Passes forms on, turns JSON objects into forms, and refuses any other
/// body of a state-changing API request: 415 for another media type, 400
/// naming the problem for JSON that is malformed or not flat.
pub async fn accept_json_bodies(request: Request, next: Next) -> Response {
    let changes_state = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if !(changes_state && request.uri().path().starts_with("/api/")) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    // Read in full already by `limit_body`, so within its limit.
    let Ok(bytes) = axum::body::to_bytes(body, super::MAX_BODY_BYTES).await else {
        return AppError::BadRequest("The request body could not be read".into()).into_response();
    };
    let body = match media_type(&parts.headers).as_deref() {
        Some(FORM) => bytes,
        None if bytes.is_empty() => bytes,
        Some(JSON) => match form_of(&bytes) {
            Ok(form) => {
                parts
                    .headers
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static(FORM));
                parts
                    .headers
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(form.len()));
                form.into()
            }
            Err(err) => return err.into_response(),
        },
        _ => return AppError::UnsupportedMediaType.into_response(),
    };
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// The media type of the body, lower-cased, without parameters (`charset`).
fn media_type(headers: &http::HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next()?.trim().to_ascii_lowercase())
}

/// A JSON object of fields as the form with the same fields. Every field of
/// the API is a string (its document says so), so a value of another type is
/// refused rather than guessed at.
fn form_of(json: &[u8]) -> Result<String, AppError> {
    let malformed = |problem: String| AppError::BadRequest(format!("Malformed JSON body: {problem}"));
    let fields: Map<String, Value> = match serde_json::from_slice(json) {
        Ok(Value::Object(fields)) => fields,
        Ok(_) => return Err(malformed("expected an object of fields".into())),
        Err(err) => return Err(malformed(err.to_string())),
    };
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in &fields {
        let Value::String(text) = value else {
            return Err(malformed(format!("field {name:?} must be a string")));
        };
        form.append_pair(name, text);
    }
    Ok(form.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_object_becomes_the_same_form() {
        let form = form_of(br#"{"email": "a+b@example.com", "password": "p&ss=word", "name": ""}"#).unwrap();
        let mut fields: Vec<(String, String)> = url::form_urlencoded::parse(form.as_bytes()).into_owned().collect();
        fields.sort();
        let expected = [("email", "a+b@example.com"), ("name", ""), ("password", "p&ss=word")]
            .map(|(name, value)| (name.to_owned(), value.to_owned()));
        assert_eq!(fields, expected);
    }

    #[test]
    fn anything_else_is_a_bad_request_that_says_why() {
        for (json, problem) in [
            (&b"{\"email\": "[..], "EOF"),
            (b"[1, 2]", "expected an object of fields"),
            (b"\"ada\"", "expected an object of fields"),
            (br#"{"email": ["a", "b"]}"#, r#"field "email" must be a string"#),
            (br#"{"user": {"email": "a"}}"#, r#"field "user" must be a string"#),
            (br#"{"name": false}"#, r#"field "name" must be a string"#),
            (br#"{"id": 5}"#, r#"field "id" must be a string"#),
            (br#"{"redirect": null}"#, r#"field "redirect" must be a string"#),
        ] {
            let err = form_of(json).unwrap_err();
            assert_eq!(err.status(), 400);
            assert!(err.to_string().starts_with("Malformed JSON body: "), "{err}");
            assert!(err.to_string().contains(problem), "{err}");
        }
    }

    #[test]
    fn the_media_type_ignores_parameters_and_case() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("Application/JSON; charset=utf-8"),
        );
        assert_eq!(media_type(&headers).as_deref(), Some(JSON));
    }
}
