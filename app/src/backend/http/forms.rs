//! Pages and forms that work without JavaScript: real redirects of
//! server-rendered pages, and 303s that bring a failed form back filled in.

use crate::error::AppError;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use leptos::{prelude::use_context, server_fn::error::ServerFnUrlError};
use leptos_axum::ResponseOptions;
use url::{Position, Url};

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

    #[test]
    fn error_location_without_referer_is_the_home_page() {
        let location = form_error_location(&HeaderMap::new(), "/api/register", &AppError::EmailTaken, &[]);
        assert!(location.starts_with("/?__path=%2Fapi%2Fregister&__err="), "{location}");
    }
}
