//! Security headers for every response, and the content security policy of pages.

use crate::backend::AppState;
use axum::http::{header, HeaderValue};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

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
/// Under `cargo leptos watch`, pages may also reach the live-reload websocket
/// on `live_reload_port`. Forms post to this site, which may redirect them on
/// to the `identity_providers`' origins (linking one from the account page):
/// browsers hold the redirects of a form to `form-action` too.
pub fn page_content_security_policy(nonce: &str, live_reload_port: Option<u16>, identity_providers: &str) -> String {
    let live_reload = live_reload_port.map_or_else(String::new, |port| format!(" ws://*:{port}"));
    let form_action = match identity_providers {
        "" => String::new(),
        origins => format!(" {origins}"),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'{live_reload}; object-src 'none'; base-uri 'none'; \
         form-action 'self'{form_action}; frame-ancestors 'none'"
    )
}

/// Sets [`page_content_security_policy`] on the page being rendered.
pub fn provide_page_security_policy() {
    if let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<ResponseOptions>()) {
        let state = use_context::<AppState>();
        let live_reload_port = state.as_ref().and_then(|state| state.live_reload_port);
        let providers = state.as_ref().map(|state| state.identity_providers.origins());
        let policy = page_content_security_policy(&nonce.to_string(), live_reload_port, providers.unwrap_or_default());
        if let Ok(policy) = HeaderValue::from_str(&policy) {
            response.insert_header(header::CONTENT_SECURITY_POLICY, policy);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_policy_allows_only_own_scripts() {
        let policy = page_content_security_policy("abc123", None, "");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(policy.contains("connect-src 'self';"));
        assert!(!policy.contains("unsafe-inline"));
    }

    #[test]
    fn live_reload_may_connect_only_under_watch() {
        let policy = page_content_security_policy("abc123", Some(3001), "");
        assert!(policy.contains("connect-src 'self' ws://*:3001;"), "{policy}");
    }

    #[test]
    fn forms_may_be_sent_on_only_to_configured_providers() {
        let policy = page_content_security_policy("abc123", None, "");
        assert!(policy.contains("form-action 'self';"), "{policy}");
        let policy = page_content_security_policy("abc123", None, "https://accounts.google.com");
        assert!(
            policy.contains("form-action 'self' https://accounts.google.com;"),
            "{policy}"
        );
    }
}
