//! Pages and forms that work without JavaScript: real redirects of
//! server-rendered pages, and 303s that bring a failed form back filled in,
//! by way of a flash cookie (or a successful one's recovery codes to the
//! page that shows them).

use crate::{
    backend::{sealed::SealedCookie, session::CookieKeys, AppState},
    domain::UserId,
    error::AppError,
    model::FormFlash,
};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum_extra::extract::cookie::SameSite;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use url::{Position, Url};

/// Long enough for the redirect back to the form on a slow connection.
const FLASH_LIFETIME: Duration = Duration::minutes(2);

/// Redirects a server-rendered page (the route guards use it). Always a real HTTP
/// redirect: a page request is a navigation whatever its `Accept` header says.
pub fn redirect_page(path: &str) {
    if let (Some(options), Ok(location)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(path)) {
        options.set_status(StatusCode::FOUND);
        options.insert_header(header::LOCATION, location);
    }
}

/// A form that can be posted without JavaScript, as its server function sees it.
pub struct FormPost<'a> {
    /// The server function's path, which tells the forms of a page apart.
    pub form: &'static str,
    /// The form's page, for a post that does not say where it came from.
    pub page: &'static str,
    /// Where a successful post lands.
    pub success: &'a str,
    /// What was typed that may come back into the form: never a password.
    pub refill: &'a [(&'static str, &'a str)],
}

/// Finishes a server function that a `<form>` can post without JavaScript.
///
/// A script calling the API gets `result` as JSON. A plain HTML form post gets a
/// 303: on success to `post.success`; without a recent enough proof of
/// identity to `/reauthenticate`, which comes back to the form's page; on
/// any other failure back to the page it came from, with a flash cookie for
/// that page holding the error (an invalid input's every problem) and the
/// values to refill.
pub fn respond_to_form<T>(result: Result<T, AppError>, post: FormPost<'_>) -> Result<T, AppError> {
    let (Some(request), Some(options), Some(state)) = (
        use_context::<http::request::Parts>(),
        use_context::<ResponseOptions>(),
        use_context::<AppState>(),
    ) else {
        return result;
    };
    if !is_html_form_post(&request.headers) {
        return result;
    }
    let location = match &result {
        Ok(_) => post.success.to_owned(),
        Err(AppError::ReauthenticationRequired) => {
            let back = referring_page(&request.headers).unwrap_or_else(|| post.page.to_owned());
            format!(
                "/reauthenticate?redirect={}",
                percent_encoding::utf8_percent_encode(&back, percent_encoding::NON_ALPHANUMERIC)
            )
        }
        Err(err) => {
            let flash = FormFlash {
                form: post.form.to_owned(),
                values: post
                    .refill
                    .iter()
                    .map(|(field, value)| ((*field).to_owned(), (*value).to_owned()))
                    .collect(),
                error: err.clone(),
            };
            if let Some(cookie) = state.flashes.seal(flash, state.clock.now()) {
                options.append_header(header::SET_COOKIE, cookie);
            }
            referring_page(&request.headers).unwrap_or_else(|| post.page.to_owned())
        }
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

/// The path and query (never the host) of the page that posted the form.
fn referring_page(headers: &HeaderMap) -> Option<String> {
    let referer = Url::parse(headers.get(header::REFERER)?.to_str().ok()?).ok()?;
    let page = &referer[Position::BeforePath..Position::AfterQuery];
    // `//host/path` would be read as another host.
    Some(format!("/{}", page.trim_start_matches('/')))
}

/// What a form posted without JavaScript leaves for the page it lands on,
/// sealed with the session keys: a failed form's flash, and the recovery
/// codes a successful one made, which the page shows once.
pub struct FormFlashes {
    flash: SealedCookie,
    codes: SealedCookie,
}

/// A flash as sealed: it expires however the browser treats Max-Age.
#[derive(Serialize, Deserialize)]
struct SealedFlash {
    flash: FormFlash,
    #[serde(with = "time::serde::timestamp")]
    expires_at: OffsetDateTime,
}

impl FormFlashes {
    pub fn new(keys: CookieKeys, secure: bool) -> Self {
        // Lax: sent on the redirect back, whatever brought the user to the form.
        Self {
            flash: SealedCookie::new(keys.clone(), "flash", secure, SameSite::Lax, FLASH_LIFETIME),
            codes: SealedCookie::new(keys, "codes", secure, SameSite::Lax, FLASH_LIFETIME),
        }
    }

    /// The flash cookie for `flash`. If what was typed makes it too large
    /// for a browser to keep, the problems go without the values.
    pub fn seal(&self, mut flash: FormFlash, now: OffsetDateTime) -> Option<HeaderValue> {
        let expires_at = now + FLASH_LIFETIME;
        self.flash
            .seal(&SealedFlash {
                flash: flash.clone(),
                expires_at,
            })
            .or_else(|_| {
                flash.values.clear();
                self.flash.seal(&SealedFlash { flash, expires_at })
            })
            .ok()
    }

    /// The request's flash, if it is genuine and fresh.
    fn open(&self, headers: &HeaderMap, now: OffsetDateTime) -> Option<FormFlash> {
        self.flash
            .open::<SealedFlash>(headers)
            .filter(|sealed| sealed.expires_at > now)
            .map(|sealed| sealed.flash)
    }
}

/// The flash a failed form post left for the page being rendered, taken: the
/// response deletes the cookie, so a reload shows a clean form. The page then
/// holds what the user typed, so no cache may keep it.
pub fn take_form_flash() -> Option<FormFlash> {
    let request = use_context::<http::request::Parts>()?;
    let state = use_context::<AppState>()?;
    if !state.flashes.flash.is_sent_in(&request.headers) {
        return None;
    }
    if let Some(options) = use_context::<ResponseOptions>() {
        options.append_header(header::SET_COOKIE, state.flashes.flash.removal());
        options.insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    state.flashes.open(&request.headers, state.clock.now())
}

/// Recovery codes on their way to the page that shows them, for one user.
#[derive(Serialize, Deserialize)]
struct CodesToShow {
    user_id: UserId,
    codes: Vec<String>,
    #[serde(with = "time::serde::timestamp")]
    expires_at: OffsetDateTime,
}

/// Leaves `codes`, just made for `user_id`, for the page a form posted
/// without JavaScript lands on; a script has them in its answer.
pub fn leave_codes_for_page(user_id: UserId, codes: &[String]) -> Result<(), AppError> {
    let (Some(request), Some(options), Some(state)) = (
        use_context::<http::request::Parts>(),
        use_context::<ResponseOptions>(),
        use_context::<AppState>(),
    ) else {
        return Ok(());
    };
    if is_html_form_post(&request.headers) {
        let sealed = CodesToShow {
            user_id,
            codes: codes.to_vec(),
            expires_at: state.clock.now() + FLASH_LIFETIME,
        };
        options.append_header(header::SET_COOKIE, state.flashes.codes.seal(&sealed)?);
    }
    Ok(())
}

/// The codes a form left for `user_id`, taken: the response deletes them,
/// so they are shown once, and no cache may keep the page.
pub fn take_codes_to_show(user_id: UserId) -> Option<Vec<String>> {
    let request = use_context::<http::request::Parts>()?;
    let state = use_context::<AppState>()?;
    if !state.flashes.codes.is_sent_in(&request.headers) {
        return None;
    }
    if let Some(options) = use_context::<ResponseOptions>() {
        options.append_header(header::SET_COOKIE, state.flashes.codes.removal());
        options.insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    state
        .flashes
        .codes
        .open::<CodesToShow>(&request.headers)
        .filter(|left| left.user_id == user_id && left.expires_at > state.clock.now())
        .map(|left| left.codes)
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
    fn the_referring_page_keeps_its_path_and_query_but_never_the_host() {
        let page = |referer| referring_page(&headers_with_referer(referer));
        assert_eq!(
            page("https://evil.example/login?redirect=%2Fusers%2F3").as_deref(),
            Some("/login?redirect=%2Fusers%2F3")
        );
        assert_eq!(
            page("https://site.example//evil.example/x").as_deref(),
            Some("/evil.example/x")
        );
        assert_eq!(page("not a url"), None);
        assert_eq!(referring_page(&HeaderMap::new()), None);
    }

    fn flashes() -> FormFlashes {
        FormFlashes::new(
            CookieKeys::derive(&"a test password that is long enough!".into(), &[]),
            false,
        )
    }

    fn request_with(set_cookie: &HeaderValue) -> HeaderMap {
        let pair = set_cookie.to_str().unwrap().split(';').next().unwrap().to_owned();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(&pair).unwrap());
        headers
    }

    fn flash(name: &str) -> FormFlash {
        FormFlash {
            form: "/api/register".into(),
            values: vec![("name".into(), name.into())],
            error: AppError::EmailTaken,
        }
    }

    #[test]
    fn a_flash_opens_until_it_expires() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let cookie = flashes().seal(flash("Ada"), now).unwrap();
        let headers = request_with(&cookie);
        assert_eq!(
            flashes().open(&headers, now + Duration::seconds(119)),
            Some(flash("Ada"))
        );
        assert_eq!(flashes().open(&headers, now + FLASH_LIFETIME), None);
        let text = cookie.to_str().unwrap();
        assert!(text.contains("HttpOnly") && text.contains("Max-Age=120"), "{text}");
    }

    #[test]
    fn a_flash_too_large_for_a_browser_keeps_its_error_and_drops_the_values() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let cookie = flashes().seal(flash(&"\u{1F600}".repeat(2000)), now).unwrap();
        assert!(cookie.len() <= 4096);
        let opened = flashes().open(&request_with(&cookie), now).unwrap();
        assert_eq!(opened.error, AppError::EmailTaken);
        assert!(opened.values.is_empty());
    }
}
