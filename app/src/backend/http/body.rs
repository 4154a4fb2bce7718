//! The request body limit.

use axum::{
    body::Body,
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Largest request body accepted; forms are far smaller.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Reads the whole request body before any handler sees it, refusing one over
/// [`MAX_BODY_BYTES`] with 413 whether its size was announced (`Content-Length`)
/// or not (chunked): server functions would otherwise meet the limit mid-read
/// and report a malformed request. Bodies here are small forms, so holding one
/// in memory costs nothing.
pub async fn limit_body(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Err(err) if is_length_limit(&err) => StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

fn is_length_limit(err: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}
