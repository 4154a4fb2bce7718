//! Where the API meets HTTP: error statuses, JSON bodies for every `/api` error,
//! redirects of server-rendered pages, and plain-HTML form posts.

use super::log_safe::Untrusted;
use crate::error::AppError;
use axum::{
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};
use leptos::{
    prelude::use_context,
    server_fn::error::{ServerFnUrlError, SERVER_FN_ERROR_HEADER},
};
use leptos_axum::ResponseOptions;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use url::{Position, Url};

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
    let mut response =
        if status == StatusCode::INTERNAL_SERVER_ERROR && response.headers().contains_key(SERVER_FN_ERROR_HEADER) {
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, MAX_ERROR_BODY).await.unwrap_or_default();
            if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
                parts.status = status_of(&err);
            }
            Response::from_parts(parts, Body::from(bytes))
        } else if (status.is_client_error() || status.is_server_error()) && !is_json(&response) {
            let message = status.canonical_reason().unwrap_or("Request refused");
            (status, Json(AppError::BadRequest(message.to_owned()))).into_response()
        } else {
            response
        };
    suggest_retry(&mut response);
    response
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"))
}

/// Seconds a client should wait before retrying while the service is unavailable.
const RETRY_UNAVAILABLE_AFTER: u32 = 5;

/// A 503 tells the client when to try again.
fn suggest_retry(response: &mut Response) {
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .entry(header::RETRY_AFTER)
            .or_insert(HeaderValue::from(RETRY_UNAVAILABLE_AFTER));
    }
}

/// An error answered directly: its status from [`AppError::status`], its JSON body.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = (status_of(&self), Json(self)).into_response();
        suggest_retry(&mut response);
        response
    }
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

fn status_of(err: &AppError) -> StatusCode {
    StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The site's origin as browsers see it (`PUBLIC_ORIGIN`), when configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicOrigin(pub Option<String>);

/// Refuses a state-changing request made by another site, before any work is
/// done: its `Origin` must be this site's, and without an `Origin` the browser
/// must not say it is `cross-site`. This site is `PUBLIC_ORIGIN` when set (so a
/// proxy may rewrite `Host`), else the host the request was sent to. Requests
/// from non-browser clients carry neither header and pass; `SameSite=Lax`
/// cookies are the second line of defence.
pub async fn refuse_cross_site(State(public_origin): State<PublicOrigin>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || is_same_site(request.headers(), public_origin.0.as_deref())
    {
        return next.run(request).await;
    }
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .map(|origin| String::from_utf8_lossy(origin.as_bytes()).into_owned())
        .unwrap_or_default();
    tracing::warn!(
        target: "audit",
        action = "cross_site_request",
        outcome = "refused",
        client = %address_in(request.extensions()),
        path = %Untrusted(request.uri().path()),
        origin = %Untrusted(&origin),
    );
    AppError::Forbidden.into_response()
}

fn is_same_site(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return headers
            .get("sec-fetch-site")
            .is_none_or(|site| site.as_bytes() != b"cross-site");
    };
    let origin = origin
        .to_str()
        .ok()
        .and_then(|origin| Url::parse(origin).ok())
        .filter(|origin| matches!(origin.scheme(), "http" | "https"));
    let Some(origin) = origin else {
        return false;
    };
    match public_origin {
        Some(public) => origin.origin().ascii_serialization() == public,
        None => {
            let host = headers.get(header::HOST).and_then(|host| host.to_str().ok());
            host.is_some_and(|host| origin[Position::BeforeHost..Position::AfterPort].eq_ignore_ascii_case(host))
        }
    }
}

/// The address of the client a request came from, as resolved by
/// [`resolve_client_address`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// Records the client's address on the request: the TCP peer, or, when the
/// server runs behind a proxy that is trusted to append it, the last
/// `X-Forwarded-For` entry (the one that proxy wrote; earlier ones are the
/// client's to forge).
pub async fn resolve_client_address(
    State(trust_forwarded_for): State<bool>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let forwarded = trust_forwarded_for
        .then(|| {
            request
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .next_back()?
                .to_str()
                .ok()?
                .rsplit(',')
                .next()?
                .trim()
                .parse()
                .ok()
        })
        .flatten();
    // An IPv4 client reaching an IPv6 socket shows as `::ffff:a.b.c.d`.
    request
        .extensions_mut()
        .insert(ClientAddress(forwarded.unwrap_or(peer).to_canonical()));
    next.run(request).await
}

fn address_in(extensions: &http::Extensions) -> IpAddr {
    extensions
        .get::<ClientAddress>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |address| address.0)
}

/// The address of the client whose request is being served.
pub fn client_address() -> IpAddr {
    use_context::<http::request::Parts>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |parts| address_in(&parts.extensions))
}

/// Headers for every response; pages replace the restrictive default CSP with
/// [`page_content_security_policy`].
pub fn security_headers(https: bool) -> Vec<(header::HeaderName, HeaderValue)> {
    let mut headers = vec![
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")),
        (
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(
                "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()",
            ),
        ),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
        ),
    ];
    if https {
        headers.push((
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        ));
    }
    headers
}

/// The CSP of a rendered page: only this site's script (the one inline
/// hydration script by its per-response nonce) and wasm, nothing framed.
pub fn page_content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sets [`page_content_security_policy`] on the page being rendered.
pub fn provide_page_security_policy() {
    if let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<ResponseOptions>()) {
        if let Ok(policy) = HeaderValue::from_str(&page_content_security_policy(&nonce.to_string())) {
            response.insert_header(header::CONTENT_SECURITY_POLICY, policy);
        }
    }
}

/// `/api/...` paths that match nothing.
pub async fn api_not_found() -> Response {
    AppError::NotFound.into_response()
}

/// Redirects a server-rendered page (the route guards use it). Always a real HTTP
/// redirect: a page request is a navigation whatever its `Accept` header says.
pub fn redirect_page(path: &str) {
    if let (Some(options), Ok(location)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(path)) {
        options.set_status(StatusCode::FOUND);
        options.insert_header(header::LOCATION, location);
    }
}

/// Finishes a server function that a `<form>` can post without JavaScript.
///
/// A script calling the API gets `result` as JSON. A plain HTML form post gets a
/// 303: on success to `success_path`; on failure back to the form's page with
/// the error (read by the page's `ServerAction`) and the non-secret values the
/// user typed (`echo`), so the form comes back filled in.
pub fn respond_to_form<T>(
    result: Result<T, AppError>,
    server_fn_path: &str,
    success_path: &str,
    echo: &[(&str, &str)],
) -> Result<T, AppError> {
    let (Some(request), Some(options)) = (use_context::<http::request::Parts>(), use_context::<ResponseOptions>())
    else {
        return result;
    };
    if !is_html_form_post(&request.headers) {
        return result;
    }
    let location = match &result {
        Ok(_) => success_path.to_owned(),
        Err(err) => form_error_location(&request.headers, server_fn_path, err, echo),
    };
    if let Ok(location) = HeaderValue::from_str(&location) {
        options.set_status(StatusCode::SEE_OTHER);
        options.insert_header(header::LOCATION, location);
    }
    result
}

fn is_html_form_post(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// The path (never the host) of the page that posted the form, with this
/// failure's error and echoed values in place of any earlier ones.
fn form_error_location(headers: &HeaderMap, server_fn_path: &str, err: &AppError, echo: &[(&str, &str)]) -> String {
    let origin = Url::parse("http://form.invalid/").expect("a valid base URL");
    let mut page = headers
        .get(header::REFERER)
        .and_then(|referer| referer.to_str().ok())
        .and_then(|referer| Url::parse(referer).ok())
        .and_then(|referer| origin.join(&referer[Position::BeforePath..Position::AfterQuery]).ok())
        .unwrap_or_else(|| origin.clone());
    let kept: Vec<(String, String)> = page
        .query_pairs()
        .filter(|(key, _)| key != "__err" && key != "__path" && !echo.iter().any(|(name, _)| key == name))
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    page.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .extend_pairs(echo.iter().filter(|(_, value)| !value.is_empty()));
    let page = page.as_str().trim_end_matches('?').to_owned();
    match ServerFnUrlError::new(server_fn_path, err.clone()).to_url(&page) {
        Ok(url) => url[Position::BeforePath..].to_owned(),
        Err(_) => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_with_referer(referer: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::REFERER, HeaderValue::from_str(referer).unwrap());
        headers
    }

    #[test]
    fn error_location_keeps_the_page_and_its_query_but_never_the_host() {
        let headers = headers_with_referer("https://evil.example/login?redirect=%2Fusers%2F3&email=old%40x.io");
        let location = form_error_location(
            &headers,
            "/api/auth/login",
            &AppError::InvalidCredentials,
            &[("email", "ada@example.com")],
        );
        assert!(
            location.starts_with("/login?redirect=%2Fusers%2F3&email=ada%40example.com&__path="),
            "{location}"
        );
        assert!(location.contains("__err="));
        assert!(!location.contains("old%40x.io"));
    }

    fn origin_headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn same_site_requests_pass_and_cross_site_ones_do_not() {
        let host = ("host", "app.example:3000");
        let is_same_site = |headers: &HeaderMap| super::is_same_site(headers, None);
        assert!(is_same_site(&origin_headers(&[
            host,
            ("origin", "http://app.example:3000")
        ])));
        assert!(is_same_site(&origin_headers(&[
            host,
            ("origin", "https://APP.example:3000")
        ])));
        assert!(
            is_same_site(&origin_headers(&[host])),
            "no browser headers: not a browser"
        );
        assert!(is_same_site(&origin_headers(&[
            host,
            ("sec-fetch-site", "same-origin")
        ])));
        for refused in [
            origin_headers(&[host, ("origin", "http://evil.example")]),
            origin_headers(&[host, ("origin", "http://app.example:3001")]),
            origin_headers(&[host, ("origin", "http://app.example")]),
            origin_headers(&[host, ("origin", "null")]),
            origin_headers(&[host, ("origin", "file:///etc/passwd")]),
            origin_headers(&[("origin", "http://app.example:3000")]),
            origin_headers(&[host, ("sec-fetch-site", "cross-site")]),
        ] {
            assert!(!is_same_site(&refused), "{refused:?}");
        }
    }

    #[test]
    fn with_a_public_origin_only_that_origin_passes_whatever_the_host() {
        let public = Some("https://app.example.com");
        let proxied = ("host", "10.0.0.7:3000");
        for passing in [
            origin_headers(&[proxied, ("origin", "https://app.example.com")]),
            origin_headers(&[proxied, ("origin", "https://APP.example.com:443")]),
            origin_headers(&[proxied]),
        ] {
            assert!(is_same_site(&passing, public), "{passing:?}");
        }
        for refused in [
            origin_headers(&[proxied, ("origin", "http://app.example.com")]),
            origin_headers(&[proxied, ("origin", "https://app.example.com:8443")]),
            origin_headers(&[("host", "evil.example"), ("origin", "https://evil.example")]),
            origin_headers(&[proxied, ("origin", "http://10.0.0.7:3000")]),
            origin_headers(&[proxied, ("sec-fetch-site", "cross-site")]),
        ] {
            assert!(!is_same_site(&refused, public), "{refused:?}");
        }
    }

    #[test]
    fn page_policy_allows_only_own_scripts() {
        let policy = page_content_security_policy("abc123");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-inline"));
    }

    #[test]
    fn error_location_without_referer_is_the_home_page() {
        let location = form_error_location(&HeaderMap::new(), "/api/register", &AppError::EmailTaken, &[]);
        assert!(location.starts_with("/?__path=%2Fapi%2Fregister&__err="), "{location}");
    }
}
