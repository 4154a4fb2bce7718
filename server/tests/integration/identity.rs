//! Sign-in with an identity provider, against a real one: npm's
//! oidc-provider (end2end/oidc/provider.mjs, installed by scripts/test.sh),
//! driven through its own login and consent pages as a browser would.

use crate::helpers::*;
use reqwest::{header::LOCATION, redirect::Policy, StatusCode};
use scraper::{Html, Selector};
use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

const CLIENT_ID: &str = "sessions-test";
const CLIENT_SECRET: &str = "a-client-secret-for-the-tests-only-0123456789";
const MISSING: &str = "the OpenID provider (node end2end/oidc/provider.mjs, with npm's oidc-provider) \
                       did not start: run ./scripts/test.sh, which installs it";

/// The provider process, stopped when dropped.
pub struct IdentityProvider {
    child: Child,
    pub issuer: String,
    pub port: u16,
}

impl IdentityProvider {
    /// A provider on `port` (0: any) that sends users back to `redirect_uris`.
    pub fn start_on(port: u16, redirect_uris: &[String]) -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end/oidc/provider.mjs");
        let options = serde_json::json!({
            "port": port,
            "clientId": CLIENT_ID,
            "clientSecret": CLIENT_SECRET,
            "redirectUris": redirect_uris,
        });
        let mut child = Command::new("node")
            .arg(script)
            .arg(options.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect(MISSING);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let issuer = lines
            .find_map(|line| line.ok()?.strip_prefix("listening ").map(str::to_owned))
            .expect(MISSING);
        // Its later notices must find the pipe open, or writing them kills it.
        std::thread::spawn(move || lines.for_each(drop));
        let port = issuer.rsplit(':').next().unwrap().parse().unwrap();
        Self { child, issuer, port }
    }

    /// The configuration of a provider `id` at this one.
    pub fn config(&self, id: &str) -> Vec<(String, String)> {
        let id = id.to_uppercase();
        vec![
            (format!("OIDC_{id}_ISSUER"), self.issuer.clone()),
            (format!("OIDC_{id}_CLIENT_ID"), CLIENT_ID.into()),
            (format!("OIDC_{id}_CLIENT_SECRET"), CLIENT_SECRET.into()),
        ]
    }
}

impl Drop for IdentityProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An app whose provider `test` is `provider` (started for it, unless given).
pub struct WithProvider {
    pub app: TestApp,
    pub provider: IdentityProvider,
    /// The app as browsers reach it: its public origin.
    pub origin: String,
}

impl WithProvider {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// The app must listen on the port its provider sends users back to,
    /// chosen before either starts: a parallel test may take that port
    /// first, and then both start again on another.
    pub async fn start_with(overrides: &[(&str, &str)]) -> Self {
        for _ in 0..5 {
            let port = free_port();
            let origin = format!("http://localhost:{port}");
            let provider = IdentityProvider::start_on(0, &[format!("{origin}/auth/test/callback")]);
            match Self::try_start_beside_provider(provider, port, overrides).await {
                Ok(started) => return started,
                Err(server::StartError::Bind(..)) => continue,
                Err(err) => panic!("the app did not start: {err}"),
            }
        }
        panic!("no port stayed free for the app in five tries");
    }

    async fn try_start_beside_provider(
        provider: IdentityProvider,
        port: u16,
        overrides: &[(&str, &str)],
    ) -> Result<Self, server::StartError> {
        let origin = format!("http://localhost:{port}");
        let config = provider.config("test");
        let site = format!("127.0.0.1:{port}");
        let mut all: Vec<(&str, &str)> = config.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        all.push(("LEPTOS_SITE_ADDR", &site));
        all.extend_from_slice(overrides);
        let app = TestApp::builder().env(&all).try_start().await?;
        Ok(Self { app, provider, origin })
    }

    /// A browser: a cookie jar for both sites, following no redirect by itself.
    pub fn browser() -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(Policy::none())
            .cookie_store(true)
            .build()
            .unwrap()
    }
}

/// What the user does at the provider.
#[derive(Clone, Copy)]
pub enum AtProvider<'a> {
    /// Logs in as `login` (see provider.mjs) and consents.
    LogIn(&'a str),
    /// Cancels at the login page.
    Cancel,
}

/// Follows the browser from `start` (a URL) through the provider until it
/// is sent back to the app's callback, and returns that callback's URL
/// without visiting it.
pub async fn through_provider(browser: &reqwest::Client, start: &str, origin: &str, user: AtProvider<'_>) -> String {
    let mut next = Some((reqwest::Method::GET, start.to_owned(), Vec::<(String, String)>::new()));
    for _ in 0..20 {
        let (method, url, form) = next.take().unwrap();
        if url.starts_with(origin) && url.contains("/callback") {
            return url;
        }
        let response = browser.request(method, &url).form(&form).send().await.unwrap();
        if response.status().is_redirection() {
            let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
            let location = response.url().join(&location).unwrap().to_string();
            next = Some((reqwest::Method::GET, location, Vec::new()));
            continue;
        }
        let page_url = response.url().clone();
        assert_eq!(response.status(), StatusCode::OK, "{page_url}");
        let page = Html::parse_document(&response.text().await.unwrap());
        if let AtProvider::Cancel = user {
            let abort = page
                .select(&Selector::parse("a[href*='abort']").unwrap())
                .next()
                .expect("a cancel link");
            let href = abort.value().attr("href").unwrap();
            next = Some((
                reqwest::Method::GET,
                page_url.join(href).unwrap().to_string(),
                Vec::new(),
            ));
            continue;
        }
        let form = page
            .select(&Selector::parse("form").unwrap())
            .next()
            .expect("a login or consent form");
        let action = page_url.join(form.value().attr("action").unwrap()).unwrap().to_string();
        let mut fields = Vec::new();
        for input in form.select(&Selector::parse("input").unwrap()) {
            let name = input.value().attr("name").unwrap_or_default().to_owned();
            let value = match (name.as_str(), user) {
                ("login", AtProvider::LogIn(login)) => login.to_owned(),
                ("password", _) => "any password".to_owned(),
                _ => input.value().attr("value").unwrap_or_default().to_owned(),
            };
            fields.push((name, value));
        }
        next = Some((reqwest::Method::POST, action, fields));
    }
    panic!("the provider never sent the browser back");
}

/// Signs in with provider `test` as `login`, landing at `redirect`: the
/// callback's answer.
pub async fn sign_in_with_provider(
    setup: &WithProvider,
    browser: &reqwest::Client,
    login: &str,
    redirect: &str,
) -> reqwest::Response {
    let start = format!("{}/auth/test?redirect={}", setup.origin, percent_encode(redirect));
    let callback = through_provider(browser, &start, &setup.origin, AtProvider::LogIn(login)).await;
    browser.get(&callback).send().await.unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// The problems a page shows after a failed flow, following the redirect
/// back with the browser's cookies.
async fn problems_shown(setup: &WithProvider, browser: &reqwest::Client, response: reqwest::Response) -> Vec<String> {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    problems_on(browser, &format!("{}{}", setup.origin, location(&response))).await
}

/// The problems the page at `url` shows this browser.
async fn problems_on(browser: &reqwest::Client, url: &str) -> Vec<String> {
    let page = browser.get(url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    text_of(&Html::parse_document(&page.text().await.unwrap()), ".error-summary li")
}

impl WithProvider {
    /// `GET path` from the browser, as JSON.
    async fn json_of(&self, browser: &reqwest::Client, path: &str) -> serde_json::Value {
        json(browser.get(format!("{}{path}", self.origin)).send().await.unwrap()).await
    }

    /// Unlinks the identity `subject` at the test provider.
    async fn unlink(&self, browser: &reqwest::Client, subject: &str) -> reqwest::Response {
        self.post(
            browser,
            "/api/account/unlink-identity",
            &[("provider", "test"), ("subject", subject)],
        )
        .await
    }

    /// A POST of `form` to `path` from the app's own pages.
    async fn post(&self, browser: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        browser
            .post(format!("{}{path}", self.origin))
            .header("origin", &self.origin)
            .form(form)
            .send()
            .await
            .unwrap()
    }
}

pub async fn session_of(setup: &WithProvider, browser: &reqwest::Client) -> serde_json::Value {
    setup.json_of(browser, "/api/_auth/session").await
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn a_first_sign_in_creates_the_account_and_lands_where_the_user_was_going() {
    let setup = WithProvider::start().await;
    let browser = WithProvider::browser();
    let response = sign_in_with_provider(&setup, &browser, "Ada Lovelace <ada@example.com>", "/users?page=2").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/users?page=2");
    assert!(session_cookie(&response).is_some());
    let session = session_of(&setup, &browser).await;
    assert_eq!(session["user"]["name"], "Ada Lovelace", "{session}");
    // The provider vouched for the address: no mail needed to verify it.
    assert_eq!(session["user"]["email_verified"], true, "{session}");
    // A second sign-in finds the same account.
    let again = WithProvider::browser();
    sign_in_with_provider(&setup, &again, "Ada Lovelace <ada@example.com>", "/users").await;
    assert_eq!(session_of(&setup, &again).await["user"]["id"], session["user"]["id"]);
    assert_eq!(setup.app.count_rows("users").await, 1);
    assert_eq!(setup.app.count_rows("ceremonies").await, 0, "each flow is spent");
}

/// A sign-in at the provider from a browser that holds a session ends that
/// session, as any sign-in does.
#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn a_provider_sign_in_ends_the_session_the_browser_held() {
    let setup = WithProvider::start().await;
    let browser = WithProvider::browser();
    let first = sign_in_with_provider(&setup, &browser, "Ada Lovelace <ada@example.com>", "/users").await;
    let held = session_cookie(&first).unwrap();
    let again = sign_in_with_provider(&setup, &browser, "Ada Lovelace <ada@example.com>", "/users").await;
    let session = session_cookie(&again).unwrap();
    let sessions = |cookie| setup.app.get("/api/account/sessions", Some(cookie));
    assert_eq!(sessions(&held).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(sessions(&session).await.status(), StatusCode::OK);
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn the_return_target_is_kept_only_when_it_is_a_local_path() {
    let setup = WithProvider::start().await;
    for (asked, landed) in [
        ("/account", "/account"),
        ("https://evil.example/", "/users"),
        ("//evil.example", "/users"),
    ] {
        let browser = WithProvider::browser();
        let response = sign_in_with_provider(&setup, &browser, "ada@example.com", asked).await;
        assert_eq!(location(&response), landed, "{asked}");
    }
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn cancelling_at_the_provider_comes_back_to_login_saying_so() {
    let setup = WithProvider::start().await;
    let browser = WithProvider::browser();
    let start = format!("{}/auth/test", setup.origin);
    let callback = through_provider(&browser, &start, &setup.origin, AtProvider::Cancel).await;
    assert!(callback.contains("error=access_denied"), "{callback}");
    let response = browser.get(&callback).send().await.unwrap();
    assert_eq!(location(&response), "/login");
    assert!(session_cookie(&response).is_none());
    assert_eq!(
        problems_shown(&setup, &browser, response).await,
        ["Sign-in was cancelled at the identity provider"]
    );
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn a_replayed_return_is_refused() {
    let setup = WithProvider::start().await;
    let browser = WithProvider::browser();
    let to_provider = browser.get(format!("{}/auth/test", setup.origin)).send().await.unwrap();
    // The flow cookie, copied before its first use...
    let flow_cookie = set_cookie_named(&to_provider, "oidc").unwrap();
    let flow_cookie = flow_cookie.split(';').next().unwrap();
    let callback = through_provider(
        &browser,
        &location(&to_provider),
        &setup.origin,
        AtProvider::LogIn("ada@example.com"),
    )
    .await;
    let first = browser.get(&callback).send().await.unwrap();
    assert!(session_cookie(&first).is_some());
    // ...comes back with the same return.
    let replay = WithProvider::browser()
        .get(&callback)
        .header("cookie", flow_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&replay), "/login");
    assert!(session_cookie(&replay).is_none());
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn a_return_this_browser_did_not_start_is_refused() {
    let setup = WithProvider::start().await;
    // The attacker's own flow, finished at the provider but not returned...
    let attacker = WithProvider::browser();
    let start = format!("{}/auth/test", setup.origin);
    let callback = through_provider(
        &attacker,
        &start,
        &setup.origin,
        AtProvider::LogIn("mallory@example.com"),
    )
    .await;
    // ...is handed to the victim, whose browser started a flow of its own.
    let victim = WithProvider::browser();
    victim.get(&start).send().await.unwrap();
    let response = victim.get(&callback).send().await.unwrap();
    assert_eq!(location(&response), "/login");
    assert!(session_cookie(&response).is_none(), "no login as the attacker");
    assert_eq!(
        problems_shown(&setup, &victim, response).await,
        ["This sign-in expired or was already used, try again"]
    );
    // And a return with no flow at all.
    let response = WithProvider::browser().get(&callback).send().await.unwrap();
    assert_eq!(location(&response), "/login");
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn a_flow_expires_after_ten_minutes() {
    let setup = WithProvider::start().await;
    let browser = WithProvider::browser();
    let start = format!("{}/auth/test", setup.origin);
    let callback = through_provider(&browser, &start, &setup.origin, AtProvider::LogIn("ada@example.com")).await;
    setup.app.advance_clock(10 * 60 + 1);
    let response = browser.get(&callback).send().await.unwrap();
    assert_eq!(location(&response), "/login");
    assert!(session_cookie(&response).is_none());
}

#[tokio::test]
#[ignore = "needs aiosmtpd and npm's oidc-provider, which ./scripts/test.sh installs"]
async fn an_existing_account_is_never_joined_on_an_address_the_provider_did_not_verify() {
    let smtp = SmtpServer::start().await;
    let mail = [
        ("SMTP_URL", smtp.url()),
        ("MAIL_FROM", "Sessions <no-reply@example.com>".into()),
    ];
    let mail: Vec<(&str, &str)> = mail.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let setup = WithProvider::start_with(&mail).await;
    let (user_id, cookie) = setup.app.register("Ada", "ada@example.com").await;
    setup.app.mark_email_verified("ada@example.com").await;
    let browser = WithProvider::browser();
    let response = sign_in_with_provider(&setup, &browser, "unverified:ada@example.com", "/users").await;
    assert!(session_cookie(&response).is_none());
    assert_eq!(
        problems_shown(&setup, &browser, response).await,
        ["An account with this email already exists: log in to it, then link the provider from your account page"]
    );
    assert_eq!(setup.app.session_status(&cookie).await, StatusCode::OK);
    // Verified at the provider too: joined, and the owner is told.
    let browser = WithProvider::browser();
    let response = sign_in_with_provider(&setup, &browser, "ada@example.com", "/users").await;
    assert!(session_cookie(&response).is_some());
    assert_eq!(session_of(&setup, &browser).await["user"]["id"], user_id.get());
    smtp.one_about("A sign-in provider was linked").await;
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn a_provider_down_at_start_up_does_not_stop_the_server_and_is_found_once_it_is_up() {
    let provider_port = free_port();
    let port = free_port();
    let origin = format!("http://localhost:{port}");
    let issuer = format!("http://127.0.0.1:{provider_port}");
    let site = format!("127.0.0.1:{port}");
    let app = TestApp::builder()
        .env(&[
            ("OIDC_TEST_ISSUER", &issuer),
            ("OIDC_TEST_CLIENT_ID", CLIENT_ID),
            ("OIDC_TEST_CLIENT_SECRET", CLIENT_SECRET),
            ("LEPTOS_SITE_ADDR", &site),
        ])
        .start()
        .await;
    // Every other way to sign in works.
    app.register("Ada", "ada@example.com").await;
    let browser = WithProvider::browser();
    let response = browser.get(format!("{origin}/auth/test")).send().await.unwrap();
    assert_eq!(location(&response), "/login");
    assert_eq!(
        problems_on(&browser, &format!("{origin}/login")).await,
        ["The identity provider could not sign you in, try again later"]
    );
    // The provider comes up: the next sign-in finds it.
    let provider = IdentityProvider::start_on(provider_port, &[format!("{origin}/auth/test/callback")]);
    let setup = WithProvider { app, provider, origin };
    let browser = poll_for(
        "the provider is found",
        std::time::Duration::from_secs(10),
        async || {
            let browser = WithProvider::browser();
            let attempt = browser.get(format!("{}/auth/test", setup.origin)).send().await.unwrap();
            location(&attempt)
                .starts_with(&setup.provider.issuer)
                .then_some(browser)
        },
    )
    .await;
    let response = sign_in_with_provider(&setup, &browser, "grace@example.com", "/users").await;
    assert!(session_cookie(&response).is_some());
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn a_provider_that_goes_down_during_sign_in_gives_a_message_not_an_error() {
    let setup = WithProvider::start().await;
    let browser = WithProvider::browser();
    let start = format!("{}/auth/test", setup.origin);
    let callback = through_provider(&browser, &start, &setup.origin, AtProvider::LogIn("ada@example.com")).await;
    let WithProvider { app, provider, origin } = setup;
    drop(provider);
    let response = browser.get(&callback).send().await.unwrap();
    assert_eq!(location(&response), "/login");
    assert_eq!(
        problems_on(&browser, &format!("{origin}/login")).await,
        ["The identity provider could not sign you in, try again later"]
    );
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn a_code_from_another_provider_is_never_accepted() {
    // Mix-up: the flow started for `test` is finished at another provider
    // (same client id and redirect), whose code comes back to `test`'s callback.
    let setup = WithProvider::start().await;
    let other = IdentityProvider::start_on(0, &[format!("{}/auth/test/callback", setup.origin)]);
    let finished_at_other = || async {
        let browser = WithProvider::browser();
        let to_provider = browser.get(format!("{}/auth/test", setup.origin)).send().await.unwrap();
        let authorize = location(&to_provider).replace(&setup.provider.issuer, &other.issuer);
        let callback = through_provider(
            &browser,
            &authorize,
            &setup.origin,
            AtProvider::LogIn("ada@example.com"),
        )
        .await;
        (browser, callback)
    };
    let (browser, callback) = finished_at_other().await;
    let response = browser.get(&callback).send().await.unwrap();
    assert_eq!(location(&response), "/login");
    assert!(session_cookie(&response).is_none());
    // Without the issuer in the return (providers that do not send it), the
    // code still fails at the right provider's token endpoint.
    let (browser, callback) = finished_at_other().await;
    let without_iss: String = callback
        .split('&')
        .filter(|pair| !pair.starts_with("iss="))
        .collect::<Vec<_>>()
        .join("&");
    let response = browser.get(&without_iss).send().await.unwrap();
    assert_eq!(location(&response), "/login");
    assert!(session_cookie(&response).is_none());
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn an_id_token_signed_with_an_unknown_key_is_refused_until_the_keys_are_read_again() {
    // The provider restarts with new keys between discovery and sign-in:
    // its id token's signature does not verify with the keys the app holds.
    let setup = WithProvider::start().await;
    // Discovered (keys fetched) by a first flow.
    WithProvider::browser()
        .get(format!("{}/auth/test", setup.origin))
        .send()
        .await
        .unwrap();
    let WithProvider { app, provider, origin } = setup;
    let port = provider.port;
    drop(provider);
    let provider = IdentityProvider::start_on(port, &[format!("{origin}/auth/test/callback")]);
    let setup = WithProvider { app, provider, origin };
    // Just read: a forged token cannot make the app ask the provider again.
    let response = sign_in_with_provider(&setup, &WithProvider::browser(), "ada@example.com", "/users").await;
    assert_eq!(location(&response), "/login");
    assert!(session_cookie(&response).is_none());
    // Five minutes on, an unknown key is taken for a rotation: the keys are
    // read again, and the token verifies with the new ones.
    setup.app.advance_clock(5 * 60);
    let response = sign_in_with_provider(&setup, &WithProvider::browser(), "ada@example.com", "/users").await;
    assert_eq!(location(&response), "/users");
    assert!(session_cookie(&response).is_some());
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn unknown_providers_are_not_found() {
    let setup = WithProvider::start().await;
    for path in ["/auth/nope", "/auth/nope/callback", "/auth/TEST"] {
        let response = setup.app.get(path, None).await;
        assert_ne!(response.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert!(session_cookie(&response).is_none(), "{path}");
    }
    assert_eq!(setup.app.get("/auth/nope", None).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn a_linked_identity_signs_in_and_the_last_way_to_sign_in_cannot_be_unlinked() {
    let setup = WithProvider::start().await;
    let browser = WithProvider::browser();
    sign_in_with_provider(&setup, &browser, "ada@example.com", "/users").await;
    let methods = setup.json_of(&browser, "/api/account/passkeys").await;
    assert_eq!(methods["has_password"], false, "{methods}");
    let identity = &methods["identities"][0];
    assert_eq!(identity["provider"], "test", "{methods}");
    assert_eq!(identity["email"], "ada@example.com", "{methods}");
    let subject = identity["subject"].as_str().unwrap();
    let unlink = setup.unlink(&browser, subject).await;
    assert_eq!(unlink.status(), StatusCode::CONFLICT);
    assert_eq!(
        json(unlink).await["error"],
        "This is your only way to sign in: set a password, add a passkey or link a provider first"
    );
    assert_eq!(setup.app.count_rows("identities").await, 1);
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn a_logged_in_user_links_an_identity_from_the_account_page_and_unlinks_it() {
    let setup = WithProvider::start().await;
    setup.app.register("Ada", "ada@example.com").await;
    setup.app.mark_email_verified("ada@example.com").await;
    let browser = WithProvider::browser();
    let login = setup
        .post(
            &browser,
            "/api/auth/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(login.status(), StatusCode::OK, "{}", login.text().await.unwrap());
    // Linking is a POST from the account page: a link elsewhere cannot start it.
    let cross_site = browser
        .post(format!("{}/auth/test/link", setup.origin))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let to_provider = setup.post(&browser, "/auth/test/link", &[]).await;
    let authorize = location(&to_provider);
    // Another address at the provider: linking does not need them to match.
    let callback = through_provider(
        &browser,
        &authorize,
        &setup.origin,
        AtProvider::LogIn("ada.work@example.org"),
    )
    .await;
    let response = browser.get(&callback).send().await.unwrap();
    assert_eq!(location(&response), "/account?done=identity-linked");
    let methods = setup.json_of(&browser, "/api/account/passkeys").await;
    assert_eq!(methods["identities"][0]["email"], "ada.work@example.org", "{methods}");
    // It signs in to this account from now on.
    let other_browser = WithProvider::browser();
    sign_in_with_provider(&setup, &other_browser, "ada.work@example.org", "/users").await;
    let session = session_of(&setup, &other_browser).await;
    assert_eq!(session["user"]["name"], "Ada", "{session}");
    // The password remains: the identity can go.
    let unlink = setup.unlink(&browser, "ada.work@example.org").await;
    assert_eq!(unlink.status(), StatusCode::OK);
    assert_eq!(setup.app.count_rows("identities").await, 0);
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn an_identity_linked_to_one_user_cannot_be_linked_to_another() {
    let setup = WithProvider::start().await;
    sign_in_with_provider(&setup, &WithProvider::browser(), "ada@example.com", "/users").await;
    setup.app.register("Grace", "grace@example.com").await;
    setup.app.mark_email_verified("grace@example.com").await;
    let browser = WithProvider::browser();
    let login = setup
        .post(
            &browser,
            "/api/auth/login",
            &[("email", "grace@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(login.status(), StatusCode::OK);
    let to_provider = setup.post(&browser, "/auth/test/link", &[]).await;
    let callback = through_provider(
        &browser,
        &location(&to_provider),
        &setup.origin,
        AtProvider::LogIn("ada@example.com"),
    )
    .await;
    let response = browser.get(&callback).send().await.unwrap();
    assert_eq!(location(&response), "/account");
    assert_eq!(
        problems_shown(&setup, &browser, response).await,
        ["This account at the provider is already linked to another user"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn sign_in_pages_render_on_any_worker_thread() {
    // A page that waits for data may end its render (and be disposed) on
    // another worker than it began on. /login once waited for the provider
    // list, and its passkey button's browser-only value, kept for the thread
    // that made it, panicked there: that value is now thread-safe on the
    // server, and this keeps the sign-in pages under a multi-thread runtime.
    let setup = WithProvider::start().await;
    let pages = futures::future::join_all((0..40).map(|n| {
        let path = if n % 2 == 0 { "/login" } else { "/register" };
        setup.app.get(path, None)
    }))
    .await;
    for page in pages {
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.text().await.unwrap().contains("href=\"/auth/test\""));
    }
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn a_hostile_name_from_the_provider_is_shown_as_text() {
    let setup = WithProvider::start().await;
    let browser = WithProvider::browser();
    let hostile = "<img src=x onerror=alert(1)>";
    sign_in_with_provider(&setup, &browser, &format!("{hostile} <ada@example.com>"), "/users").await;
    let session = session_of(&setup, &browser).await;
    assert_eq!(session["user"]["name"], hostile, "{session}");
    let page = browser
        .get(format!("{}/users", setup.origin))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains(hostile), "unescaped in the page");
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"), "{page}");
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn with_registration_closed_a_provider_signs_in_only_to_accounts_that_exist() {
    let setup = WithProvider::start_with(&[("REGISTRATION", "closed")]).await;
    let browser = WithProvider::browser();
    let response = sign_in_with_provider(&setup, &browser, "ada@example.com", "/users").await;
    assert_eq!(location(&response), "/login");
    assert!(session_cookie(&response).is_none());
    assert_eq!(
        problems_shown(&setup, &browser, response).await,
        ["This site is not taking new accounts"]
    );
    assert_eq!(setup.app.count_rows("users").await, 0);
}

#[tokio::test]
#[ignore = "needs npm's oidc-provider (end2end/node_modules), which ./scripts/test.sh installs"]
async fn with_passkeys_switched_off_a_passkey_is_not_a_way_in_that_is_left() {
    let setup = WithProvider::start_with(&[("PASSKEYS", "false")]).await;
    let browser = WithProvider::browser();
    sign_in_with_provider(&setup, &browser, "ada@example.com", "/users").await;
    // A passkey made while they were offered.
    let insert = "INSERT INTO passkeys (id, user_id, name, credential, created_at) \
                  SELECT 'cHJldmlvdXM', id, 'Phone', '{}', 0 FROM users";
    setup.app.execute_sql(insert, insert).await;
    let methods = setup.json_of(&browser, "/api/account/passkeys").await;
    assert_eq!(methods["passkeys"], serde_json::json!([]), "{methods}");
    let subject = methods["identities"][0]["subject"].as_str().unwrap();
    let unlink = setup.unlink(&browser, subject).await;
    assert_eq!(unlink.status(), StatusCode::CONFLICT);
    assert_eq!(json(unlink).await["code"], "last_sign_in_method");
    assert_eq!(setup.app.count_rows("identities").await, 1);
}
