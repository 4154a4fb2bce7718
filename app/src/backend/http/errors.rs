//! Errors become responses here, and only here: each its status from
//! [`AppError::status`] and its JSON body; a 429 or 503 says when to retry.

use super::super::log_safe::Untrusted;
use crate::error::AppError;
use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

/// Largest error body read back to find its status.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Gives every `/api` error its status from [`AppError::status`] and a JSON body.
///
/// Server functions answer every error with 500; the error's JSON body says which
/// error it is. Errors raised by the router and its layers (405, 408, 413) are plain text.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !is_api {
        return response;
    }
    let status = response.status();
    let mut retry_after = None;
    let mut response =
        if status == StatusCode::INTERNAL_SERVER_ERROR && response.headers().contains_key(SERVER_FN_ERROR_HEADER) {
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, MAX_ERROR_BODY).await.unwrap_or_default();
            if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
                parts.status = status_of(&err);
                retry_after = err.retry_after();
            }
            Response::from_parts(parts, Body::from(bytes))
        } else if (status.is_client_error() || status.is_server_error()) && !is_json(&response) {
            let message = status.canonical_reason().unwrap_or("Request refused");
            (status, Json(AppError::BadRequest(message.to_owned()))).into_response()
        } else {
            response
        };
    suggest_retry(&mut response, retry_after);
    response
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"))
}

/// Seconds a client should wait before retrying while the service is unavailable.
const RETRY_UNAVAILABLE_AFTER: u64 = 5;

/// A refusal past a limit says when its window ends (`retry_after`); a 503
/// says when to try again.
fn suggest_retry(response: &mut Response, retry_after: Option<u64>) {
    let seconds = match retry_after {
        Some(seconds) => seconds,
        None if response.status() == StatusCode::SERVICE_UNAVAILABLE => RETRY_UNAVAILABLE_AFTER,
        None => return,
    };
    response
        .headers_mut()
        .entry(header::RETRY_AFTER)
        .or_insert(HeaderValue::from(seconds));
}

/// An error answered directly: its status from [`AppError::status`], its JSON body.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let retry_after = self.retry_after();
        let mut response = (status_of(&self), Json(self)).into_response();
        suggest_retry(&mut response, retry_after);
        response
    }
}

/// What a page request gets while the database cannot be reached: a page in
/// the site's style (its stylesheet, no script), 503 with `Retry-After`.
pub fn unavailable_page() -> Response {
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
        <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
        <title>Service unavailable – {}</title><link rel=\"stylesheet\" href=\"/pkg/app.css\"></head>\
        <body><main id=\"main\"><h1>Service unavailable</h1>\
        <p>The service is temporarily unavailable. Try again in a moment.</p>\
        <p><a href=\"\">Try again</a></p></main></body></html>",
        crate::SITE_NAME
    );
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, axum::response::Html(page)).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    suggest_retry(&mut response, None);
    response
}

/// The answer to a request whose handler panicked (`CatchPanicLayer`): logged,
/// and a 500 with the usual JSON body instead of a dropped connection.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = %Untrusted(message), "request handler panicked");
    AppError::Internal.into_response()
}

fn status_of(err: &AppError) -> StatusCode {
    StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// `/api/...` paths that match nothing.
pub async fn api_not_found() -> Response {
    AppError::NotFound.into_response()
}
