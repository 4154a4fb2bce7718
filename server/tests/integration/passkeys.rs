//! Passkeys over HTTP, with a software authenticator (the `passkey` crate)
//! standing in for the browser and its authenticator: creating an account,
//! usernameless sign-in, adding and removing passkeys, and every way an
//! answer can be wrong: replayed, late, tampered, cloned, someone else's.

use crate::helpers::*;
use passkey::{
    authenticator::{Authenticator, UiHint, UserCheck, UserValidationMethod},
    client::{Client, DefaultClientData},
    crypto::rust_crypto::RustCryptoBackend,
    types::{
        ctap2::{Aaguid, Ctap2Error},
        webauthn::{CredentialCreationOptions, CredentialRequestOptions},
        Passkey,
    },
};
use reqwest::StatusCode;
use serde_json::Value;

/// A user who always consents and always passes verification.
struct Consenting;

#[async_trait::async_trait]
impl UserValidationMethod for Consenting {
    type PasskeyItem = Passkey;

    async fn check_user<'a>(
        &self,
        _hint: UiHint<'a, Passkey>,
        _presence: bool,
        _verification: bool,
    ) -> Result<UserCheck, Ctap2Error> {
        Ok(UserCheck {
            presence: true,
            verification: true,
        })
    }

    fn is_verification_enabled(&self) -> Option<bool> {
        Some(true)
    }

    fn is_presence_enabled(&self) -> bool {
        true
    }
}

/// One authenticator holding at most one passkey, and the browser using it
/// on the server's origin.
pub(crate) struct Device {
    client: Client<Option<Passkey>, Consenting, RustCryptoBackend, public_suffix::PublicSuffixList, ()>,
    origin: url::Url,
}

impl Device {
    pub(crate) fn new(app: &TestApp) -> Self {
        let mut authenticator = Authenticator::new(Aaguid::new_empty(), None, Consenting, RustCryptoBackend);
        // A hardware-like key: its signature counter goes up with each use.
        authenticator.set_make_credentials_with_signature_counter(true);
        Self {
            client: Client::new(authenticator).allows_insecure_localhost(true),
            origin: url::Url::parse(&app.state().public_origin).unwrap(),
        }
    }

    /// `navigator.credentials.create()` with the server's options, as JSON.
    pub(crate) async fn create(&mut self, options: &Value) -> Value {
        let options: CredentialCreationOptions = serde_json::from_value(options.clone()).unwrap();
        let created = self
            .client
            .register(&self.origin, options, DefaultClientData)
            .await
            .unwrap();
        serde_json::to_value(created).unwrap()
    }

    /// `navigator.credentials.get()` with the server's options, as JSON.
    pub(crate) async fn sign(&mut self, options: &Value) -> Value {
        let options: CredentialRequestOptions = serde_json::from_value(options.clone()).unwrap();
        let signed = self
            .client
            .authenticate(&self.origin, options, DefaultClientData)
            .await
            .unwrap();
        serde_json::to_value(signed).unwrap()
    }

    fn stored(&self) -> Passkey {
        self.client.authenticator().store().clone().unwrap()
    }

    fn restore(&mut self, passkey: Passkey) {
        *self.client.authenticator_mut().store_mut() = Some(passkey);
    }
}

/// A ceremony's first step: its id and options.
pub(crate) async fn options(app: &TestApp, path: &str, form: &[(&str, &str)], cookie: Option<&str>) -> (String, Value) {
    let response = app.post_form(path, form, cookie).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let body = json(response).await;
    (body["ceremony"].as_str().unwrap().to_owned(), body["options"].clone())
}

pub(crate) async fn finish(
    app: &TestApp,
    path: &str,
    ceremony: &str,
    credential: &Value,
    cookie: Option<&str>,
) -> reqwest::Response {
    app.post_form(
        path,
        &[("ceremony", ceremony), ("credential", &credential.to_string())],
        cookie,
    )
    .await
}

/// Creates an account with a new passkey on `device`: its id and cookie.
pub(crate) async fn sign_up(app: &TestApp, device: &mut Device, name: &str, email: &str) -> (i64, String) {
    let (ceremony, options) = options(
        app,
        "/api/auth/passkey/register/options",
        &[("name", name), ("email", email)],
        None,
    )
    .await;
    let credential = device.create(&options).await;
    let response = finish(app, "/api/auth/passkey/register", &ceremony, &credential, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = session_cookie(&response).unwrap();
    (json(response).await["id"].as_i64().unwrap(), cookie)
}

/// A signed answer to a fresh sign-in challenge, not yet sent.
pub(crate) async fn signed_challenge(app: &TestApp, device: &mut Device) -> (String, Value) {
    let (ceremony, options) = options(app, "/api/auth/passkey/login/options", &[], None).await;
    (ceremony, device.sign(&options).await)
}

pub(crate) async fn sign_in(app: &TestApp, device: &mut Device) -> reqwest::Response {
    let (ceremony, assertion) = signed_challenge(app, device).await;
    finish(app, "/api/auth/passkey/login", &ceremony, &assertion, None).await
}

pub(crate) async fn add_passkey(app: &TestApp, device: &mut Device, cookie: &str, name: &str) -> reqwest::Response {
    let (ceremony, options) = options(app, "/api/account/passkeys/options", &[], Some(cookie)).await;
    let credential = device.create(&options).await;
    app.post_form(
        "/api/account/passkeys",
        &[
            ("ceremony", &ceremony),
            ("credential", &credential.to_string()),
            ("passkey_name", name),
        ],
        Some(cookie),
    )
    .await
}

async fn methods(app: &TestApp, cookie: &str) -> Value {
    let response = app.get("/api/account/passkeys", Some(cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await
}

async fn remove(app: &TestApp, cookie: &str, id: &str) -> reqwest::Response {
    app.post_form("/api/account/remove-passkey", &[("id", id)], Some(cookie))
        .await
}

#[tokio::test]
async fn an_account_made_with_a_passkey_signs_in_without_an_email_and_has_no_password() {
    let app = TestApp::start().await;
    let mut device = Device::new(&app);
    let (id, cookie) = sign_up(&app, &mut device, "Ada", "Ada@Example.com").await;
    assert_eq!(app.session_status(&cookie).await, StatusCode::OK);

    // The options asked for a discoverable credential verified by the user.
    let (_, challenge) = options(
        &app,
        "/api/auth/passkey/register/options",
        &[("name", "Bob"), ("email", "bob@example.com")],
        None,
    )
    .await;
    let selection = &challenge["publicKey"]["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required", "{challenge}");
    assert_eq!(selection["userVerification"], "required", "{challenge}");
    assert_eq!(challenge["publicKey"]["rp"]["id"], "localhost");

    let signed_in = sign_in(&app, &mut device).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let fresh = session_cookie(&signed_in).unwrap();
    assert_ne!(fresh, cookie, "a new session");
    assert_eq!(json(signed_in).await, serde_json::json!({"id": id, "name": "Ada"}));
    assert_eq!(app.session_status(&fresh).await, StatusCode::OK);

    let listed = methods(&app, &fresh).await;
    assert_eq!(listed["has_password"], false);
    let passkeys = listed["passkeys"].as_array().unwrap();
    assert_eq!(passkeys.len(), 1);
    assert_eq!(passkeys[0]["name"], "Passkey");
    assert!(passkeys[0]["last_used_at"].as_str().unwrap().ends_with('Z'));

    // No password: any password fails like a wrong one.
    for guess in ["password1", "Passkey"] {
        let response = app.login("ada@example.com", guess).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{guess:?}");
    }
    // The email is taken like any other.
    let taken = app
        .post_form(
            "/api/auth/passkey/register/options",
            &[("name", "Eve"), ("email", "ADA@example.com")],
            None,
        )
        .await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    assert_eq!(
        app.try_register("Eve", "ada@example.com").await.status(),
        StatusCode::CONFLICT
    );
    app.stop().await;
}

#[tokio::test]
async fn the_name_and_email_are_checked_before_the_authenticator_is_asked() {
    let app = TestApp::start().await;
    let response = app
        .post_form(
            "/api/auth/passkey/register/options",
            &[("name", ""), ("email", "not an email")],
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(response).await["field"], "name");
    assert_eq!(app.count_rows("ceremonies").await, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_passkey_session_ends_like_any_other() {
    let app = TestApp::start().await;
    let mut device = Device::new(&app);
    let (_, first) = sign_up(&app, &mut device, "Ada", "ada@example.com").await;
    let second = session_cookie(&sign_in(&app, &mut device).await).unwrap();

    app.post_form("/api/auth/logout", &[], Some(&first)).await;
    assert_eq!(app.session_status(&first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.session_status(&second).await, StatusCode::OK);

    let third = session_cookie(&sign_in(&app, &mut device).await).unwrap();
    let everywhere = app.post_form("/api/account/logout-everywhere", &[], Some(&third)).await;
    assert_eq!(everywhere.status(), StatusCode::OK);
    assert_eq!(app.session_status(&second).await, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn an_answer_is_good_for_one_sign_in_only() {
    let app = TestApp::start().await;
    let mut device = Device::new(&app);
    sign_up(&app, &mut device, "Ada", "ada@example.com").await;
    let (ceremony, assertion) = signed_challenge(&app, &mut device).await;
    let first = finish(&app, "/api/auth/passkey/login", &ceremony, &assertion, None).await;
    assert_eq!(first.status(), StatusCode::OK);

    let replayed = finish(&app, "/api/auth/passkey/login", &ceremony, &assertion, None).await;
    assert_eq!(replayed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json(replayed).await["error"],
        "The passkey request expired or was already used, try again"
    );
    assert!(session_cookie_of_replay(&app, &assertion).await.is_none());
    app.stop().await;
}

/// The same signed answer sent for a fresh ceremony: its challenge differs.
async fn session_cookie_of_replay(app: &TestApp, assertion: &Value) -> Option<String> {
    let (ceremony, _) = options(app, "/api/auth/passkey/login/options", &[], None).await;
    let response = finish(app, "/api/auth/passkey/login", &ceremony, assertion, None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    session_cookie(&response)
}

#[tokio::test]
async fn parallel_answers_to_one_challenge_sign_in_once() {
    let app = TestApp::start().await;
    let mut device = Device::new(&app);
    sign_up(&app, &mut device, "Ada", "ada@example.com").await;
    let (ceremony, assertion) = signed_challenge(&app, &mut device).await;
    let answers = (0..8).map(|_| finish(&app, "/api/auth/passkey/login", &ceremony, &assertion, None));
    let statuses: Vec<StatusCode> = futures::future::join_all(answers)
        .await
        .iter()
        .map(|response| response.status())
        .collect();
    assert_eq!(
        statuses.iter().filter(|status| **status == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_challenge_expires_after_five_minutes() {
    let app = TestApp::start().await;
    let mut device = Device::new(&app);
    sign_up(&app, &mut device, "Ada", "ada@example.com").await;
    let (ceremony, assertion) = signed_challenge(&app, &mut device).await;
    app.advance_clock(5 * 60);
    let late = finish(&app, "/api/auth/passkey/login", &ceremony, &assertion, None).await;
    assert_eq!(late.status(), StatusCode::BAD_REQUEST);

    // Just in time works; the expired row is swept when the next one starts.
    let (ceremony, assertion) = signed_challenge(&app, &mut device).await;
    app.advance_clock(5 * 60 - 1);
    let in_time = finish(&app, "/api/auth/passkey/login", &ceremony, &assertion, None).await;
    assert_eq!(in_time.status(), StatusCode::OK);
    app.advance_clock(5 * 60);
    options(&app, "/api/auth/passkey/login/options", &[], None).await;
    assert_eq!(app.count_rows("ceremonies").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_tampered_signature_or_client_data_is_refused() {
    let app = TestApp::start().await;
    let mut device = Device::new(&app);
    sign_up(&app, &mut device, "Ada", "ada@example.com").await;
    for field in ["signature", "clientDataJSON", "authenticatorData"] {
        let (ceremony, mut assertion) = signed_challenge(&app, &mut device).await;
        let original = assertion["response"][field].as_str().unwrap().to_owned();
        // Another byte in the middle, still valid base64url.
        let middle = original.len() / 2;
        let flipped = if &original[middle..=middle] == "A" { "B" } else { "A" };
        assertion["response"][field] = format!("{}{flipped}{}", &original[..middle], &original[middle + 1..]).into();
        let response = finish(&app, "/api/auth/passkey/login", &ceremony, &assertion, None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{field}");
        assert!(session_cookie(&response).is_none(), "{field}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_signature_counter_going_backwards_is_refused() {
    let app = TestApp::start().await;
    let mut device = Device::new(&app);
    sign_up(&app, &mut device, "Ada", "ada@example.com").await;
    let before = device.stored();
    assert_eq!(sign_in(&app, &mut device).await.status(), StatusCode::OK);
    // A copy of the key as it was: its next counter is one the server saw.
    device.restore(before);
    let cloned = sign_in(&app, &mut device).await;
    assert_eq!(cloned.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn a_passkey_signs_in_only_its_own_account() {
    let app = TestApp::start().await;
    let mut ada_device = Device::new(&app);
    let mut bob_device = Device::new(&app);
    sign_up(&app, &mut ada_device, "Ada", "ada@example.com").await;
    let (bob, _) = sign_up(&app, &mut bob_device, "Bob", "bob@example.com").await;
    let (_, bob_signed) = signed_challenge(&app, &mut bob_device).await;

    // Ada's signature, claiming to be Bob's account.
    let (ceremony, mut assertion) = signed_challenge(&app, &mut ada_device).await;
    assertion["response"]["userHandle"] = bob_signed["response"]["userHandle"].clone();
    let response = finish(&app, "/api/auth/passkey/login", &ceremony, &assertion, None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Ada's signature, naming Bob's credential.
    let (ceremony, mut assertion) = signed_challenge(&app, &mut ada_device).await;
    for field in ["id", "rawId"] {
        assertion[field] = bob_signed[field].clone();
    }
    assertion["response"]["userHandle"] = bob_signed["response"]["userHandle"].clone();
    let response = finish(&app, "/api/auth/passkey/login", &ceremony, &assertion, None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Bob's own still works.
    let own = sign_in(&app, &mut bob_device).await;
    assert_eq!(json(own).await["id"], bob);
    app.stop().await;
}

#[tokio::test]
async fn a_passkey_this_server_never_stored_is_refused() {
    let app = TestApp::start().await;
    let elsewhere = TestApp::start().await;
    let mut device = Device::new(&elsewhere);
    sign_up(&elsewhere, &mut device, "Ada", "ada@example.com").await;
    let mut here = Device::new(&app);
    here.restore(device.stored());
    let response = sign_in(&app, &mut here).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(response).await["error"], "This passkey was not accepted");
    app.stop().await;
    elsewhere.stop().await;
}

#[tokio::test]
async fn failed_passkey_sign_ins_count_against_the_network_limit() {
    let app = TestApp::builder()
        .env(&[("LOGIN_MAX_FAILURES_PER_ADDRESS", "3")])
        .start()
        .await;
    let mut device = Device::new(&app);
    sign_up(&app, &mut device, "Ada", "ada@example.com").await;
    for _ in 0..3 {
        let (ceremony, mut assertion) = signed_challenge(&app, &mut device).await;
        assertion["response"]["signature"] = "AAAA".into();
        let response = finish(&app, "/api/auth/passkey/login", &ceremony, &assertion, None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = sign_in(&app, &mut device).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    // The same limit holds for passwords from this network.
    assert_eq!(
        app.login("ada@example.com", "whatever1").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    app.stop().await;
}

#[tokio::test]
async fn a_password_account_adds_a_passkey_signs_in_with_it_and_removes_it() {
    let app = TestApp::start().await;
    let (id, cookie) = app.register("Ada", "ada@example.com").await;
    app.mark_email_verified("ada@example.com").await;
    let mut device = Device::new(&app);
    let added = add_passkey(&app, &mut device, &cookie, "  Work laptop ").await;
    assert_eq!(added.status(), StatusCode::OK);
    let added = json(added).await;
    assert_eq!(added["name"], "Work laptop");
    assert_eq!(added["last_used_at"], Value::Null);

    let signed_in = sign_in(&app, &mut device).await;
    assert_eq!(json(signed_in).await["id"], id.get());
    let listed = methods(&app, &cookie).await;
    assert_eq!(listed["email"], "ada@example.com");
    assert_eq!(listed["has_password"], true);
    assert_eq!(listed["passkeys"][0]["id"], added["id"]);

    // With a password left, the only passkey can go; then it signs in no more.
    let removed = remove(&app, &cookie, added["id"].as_str().unwrap()).await;
    assert_eq!(removed.status(), StatusCode::OK);
    assert_eq!(methods(&app, &cookie).await["passkeys"], serde_json::json!([]));
    assert_eq!(sign_in(&app, &mut device).await.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

/// The account page, and a screen reader's list of `Remove` buttons, must
/// tell the passkeys apart: a name the account has already is numbered.
#[tokio::test]
async fn a_second_passkey_of_the_same_name_is_numbered() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    app.mark_email_verified("ada@example.com").await;
    for (typed, named) in [
        ("Phone", "Phone"),
        ("Phone", "Phone (2)"),
        (" Phone ", "Phone (3)"),
        ("", "Passkey"),
    ] {
        let added = add_passkey(&app, &mut Device::new(&app), &cookie, typed).await;
        assert_eq!(added.status(), StatusCode::OK);
        assert_eq!(json(added).await["name"], named);
    }
    let listed = methods(&app, &cookie).await;
    let mut names: Vec<&str> = listed["passkeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|passkey| passkey["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["Passkey", "Phone", "Phone (2)", "Phone (3)"]);
    app.stop().await;
}

#[tokio::test]
async fn the_last_way_to_sign_in_cannot_be_removed() {
    let app = TestApp::start().await;
    let mut phone = Device::new(&app);
    let (_, cookie) = sign_up(&app, &mut phone, "Ada", "ada@example.com").await;
    app.mark_email_verified("ada@example.com").await;
    let phone_id = methods(&app, &cookie).await["passkeys"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = remove(&app, &cookie, &phone_id).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_eq!(
        json(refused).await["error"],
        "This is your only way to sign in: set a password, add a passkey or link a provider first"
    );

    // With a second passkey, either can go, but not both, even at once.
    let mut laptop = Device::new(&app);
    let laptop_added = add_passkey(&app, &mut laptop, &cookie, "Laptop").await;
    let laptop_id = json(laptop_added).await["id"].as_str().unwrap().to_owned();
    let (a, b) = tokio::join!(remove(&app, &cookie, &phone_id), remove(&app, &cookie, &laptop_id));
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    assert_eq!(methods(&app, &cookie).await["passkeys"].as_array().unwrap().len(), 1);

    // Someone else's passkey, or garbage, is not found.
    let (_, bob) = app.register("Bob", "bob@example.com").await;
    for id in [laptop_id.as_str(), phone_id.as_str(), "", "a\0b", "../../etc"] {
        assert_eq!(remove(&app, &bob, id).await.status(), StatusCode::NOT_FOUND, "{id:?}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_passkey_account_sets_a_first_password_once() {
    let app = TestApp::start().await;
    let mut device = Device::new(&app);
    let (_, cookie) = sign_up(&app, &mut device, "Ada", "ada@example.com").await;
    let other = session_cookie(&sign_in(&app, &mut device).await).unwrap();
    let set = app
        .post_form(
            "/api/account/set-password",
            &[("new_password", "first passphrase")],
            Some(&cookie),
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    let cookie = session_cookie(&set).unwrap();
    assert_eq!(
        app.session_status(&other).await,
        StatusCode::UNAUTHORIZED,
        "other sessions end"
    );
    assert_eq!(
        app.login("ada@example.com", "first passphrase").await.status(),
        StatusCode::OK
    );
    assert_eq!(methods(&app, &cookie).await["has_password"], true);

    let again = app
        .post_form(
            "/api/account/set-password",
            &[("new_password", "second passphrase")],
            Some(&cookie),
        )
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.login("ada@example.com", "second passphrase").await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}

#[tokio::test]
async fn a_ceremony_finishes_only_what_and_for_whom_it_was_started() {
    let app = TestApp::start().await;
    let (_, ada) = app.register("Ada", "ada@example.com").await;
    let (_, bob) = app.register("Bob", "bob@example.com").await;
    app.mark_email_verified("ada@example.com").await;
    app.mark_email_verified("bob@example.com").await;
    let mut device = Device::new(&app);
    let (ceremony, challenge) = options(&app, "/api/account/passkeys/options", &[], Some(&ada)).await;
    let credential = device.create(&challenge).await;
    // Bob cannot finish Ada's ceremony, nor can sign-up.
    let form = [("ceremony", ceremony.as_str()), ("credential", &credential.to_string())];
    let as_bob = app.post_form("/api/account/passkeys", &form, Some(&bob)).await;
    assert_eq!(as_bob.status(), StatusCode::BAD_REQUEST);
    let (ceremony, challenge) = options(&app, "/api/account/passkeys/options", &[], Some(&ada)).await;
    let credential = device.create(&challenge).await;
    let as_sign_up = finish(&app, "/api/auth/passkey/register", &ceremony, &credential, None).await;
    assert_eq!(as_sign_up.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count_rows("passkeys").await, 0);
    // Logged out, adding is 401 at either step.
    let logged_out = app.post_form("/api/account/passkeys/options", &[], None).await;
    assert_eq!(logged_out.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn malformed_answers_are_clear_errors() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    app.mark_email_verified("ada@example.com").await;
    for credential in ["", "{}", "null", "not json", "{\"id\": \"\u{0}\"}", &"[".repeat(10_000)] {
        let (ceremony, _) = options(&app, "/api/auth/passkey/login/options", &[], None).await;
        let response = app
            .post_form(
                "/api/auth/passkey/login",
                &[("ceremony", &ceremony), ("credential", credential)],
                None,
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{credential:.20}");
        let (ceremony, _) = options(&app, "/api/account/passkeys/options", &[], Some(&cookie)).await;
        let response = app
            .post_form(
                "/api/account/passkeys",
                &[("ceremony", &ceremony), ("credential", credential)],
                Some(&cookie),
            )
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{credential:.20}");
    }
    for ceremony in ["", "x", "a\0b", &"f".repeat(32), &"0".repeat(10_000)] {
        let response = app
            .post_form(
                "/api/auth/passkey/login",
                &[("ceremony", ceremony), ("credential", "{}")],
                None,
            )
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{ceremony:.20}");
    }
    let named = add_passkey(&app, &mut Device::new(&app), &cookie, &"x".repeat(65)).await;
    assert_eq!(named.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(named).await["field"], "passkey_name");
    app.stop().await;
}

#[tokio::test]
async fn an_origin_that_cannot_host_passkeys_stops_the_start() {
    let store = TestStore::new().await;
    for origin in ["http://127.0.0.1:3000", "http://app.example.com"] {
        let config = test_config(&store.url, &[("PUBLIC_ORIGIN", origin)]);
        let err = server::start(config).await.err().expect(origin).to_string();
        assert!(err.contains(origin) && err.contains("cannot host passkeys"), "{err}");
    }
}

#[tokio::test]
async fn a_ceremony_started_on_one_server_finishes_on_another() {
    // Servers behind one name share the site's origin.
    let origin = [("PUBLIC_ORIGIN", "http://localhost:3999")];
    let first = TestApp::builder().env(&origin).start().await;
    let second = first.beside().env(&origin).start().await;
    let mut device = Device::new(&first);
    sign_up(&first, &mut device, "Ada", "ada@example.com").await;
    let (ceremony, assertion) = signed_challenge(&first, &mut device).await;
    let response = finish(&second, "/api/auth/passkey/login", &ceremony, &assertion, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    // Spent on the second, so gone on the first.
    let again = finish(&first, "/api/auth/passkey/login", &ceremony, &assertion, None).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    second.stop().await;
    first.stop().await;
}

#[tokio::test]
#[ignore = "needs the aiosmtpd SMTP server, which ./scripts/test.sh installs"]
async fn a_new_passkey_sends_the_security_notice_and_a_passkey_account_its_verification_link() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder()
        .env(&[
            ("SMTP_URL", &smtp.url()),
            ("MAIL_FROM", "Sessions <no-reply@example.com>"),
        ])
        .start()
        .await;
    let mut phone = Device::new(&app);
    let (_, cookie) = sign_up(&app, &mut phone, "Ada", "ada@example.com").await;
    let link = smtp.one_about("Confirm your email address").await;
    assert_eq!(link.to, "ada@example.com");
    let verified = app
        .post_form(
            "/api/auth/verify-email",
            &[("token", &link.token("/verify-email"))],
            Some(&cookie),
        )
        .await;
    assert_eq!(verified.status(), StatusCode::OK);
    let mut laptop = Device::new(&app);
    assert_eq!(
        add_passkey(&app, &mut laptop, &cookie, "Laptop").await.status(),
        StatusCode::OK
    );
    let notice = smtp.one_about("A passkey was added").await;
    assert_eq!(notice.to, "ada@example.com");
    assert!(
        notice.text.contains("remove it on your account page"),
        "{}",
        notice.text
    );
    app.stop().await;
}

#[tokio::test]
async fn passkey_sign_ups_count_against_the_network_registration_limit() {
    let app = TestApp::builder()
        .env(&[("REGISTER_MAX_PER_ADDRESS", "2")])
        .start()
        .await;
    for n in 0..2 {
        sign_up(&app, &mut Device::new(&app), "Ada", &format!("ada{n}@example.com")).await;
    }
    let refused = app
        .post_form(
            "/api/auth/passkey/register/options",
            &[("name", "Eve"), ("email", "eve@example.com")],
            None,
        )
        .await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        app.try_register("Eve", "eve@example.com").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(app.count_rows("users").await, 2);
    app.stop().await;
}
