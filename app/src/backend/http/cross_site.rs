//! Refusing state-changing requests made by other sites.

use super::client::address_in;
use crate::backend::audit::AuditEvent;
use crate::error::AppError;
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};
use url::{Position, Url};

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
    AuditEvent::CrossSiteRequestRefused {
        path: request.uri().path(),
        origin: &origin,
    }
    .record(address_in(request.extensions()));
    AppError::CrossSiteRefused.into_response()
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

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
}
