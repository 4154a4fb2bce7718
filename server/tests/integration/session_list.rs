//! The list of a user's sessions: what it shows, ending one from another
//! browser (on every server at once), "last seen" written at most once a
//! minute, and records swept once expired.

use crate::helpers::{json, session_cookie, set_cookie_named, TestApp, PASSWORD};
use reqwest::{header::COOKIE, header::USER_AGENT, Method, StatusCode};
use serde_json::Value;

/// Logs Ada in from a browser announcing itself as `user_agent`.
async fn login_as(app: &TestApp, user_agent: &str) -> String {
    let response = app
        .client
        .post(app.url("/api/auth/login"))
        .header(USER_AGENT, user_agent)
        .form(&[("email", "ada@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    session_cookie(&response).unwrap()
}

async fn sessions(app: &TestApp, cookie: &str) -> Vec<Value> {
    let response = app.get("/api/account/sessions", Some(cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await.as_array().unwrap().clone()
}

async fn delete(app: &TestApp, id: &str, cookie: Option<&str>) -> reqwest::Response {
    app.request(Method::DELETE, &format!("/api/account/sessions/{id}"), cookie)
        .await
}

#[tokio::test]
async fn the_list_shows_each_session_newest_first_with_this_one_marked() {
    let app = TestApp::start().await;
    let (_, registered) = app.register("Ada", "ada@example.com").await;
    app.advance_clock(5);
    let laptop = login_as(&app, "Laptop Browser/1.0").await;
    app.advance_clock(5);
    let phone = login_as(&app, "Phone Browser/2.0").await;

    let listed = sessions(&app, &laptop).await;
    assert_eq!(listed.len(), 3, "{listed:?}");
    let agents: Vec<&str> = listed.iter().map(|s| s["user_agent"].as_str().unwrap()).collect();
    assert_eq!(agents[..2], ["Phone Browser/2.0", "Laptop Browser/1.0"]);
    // Named for people, from the user agent: its first product where the
    // dataset does not know it.
    let browsers: Vec<&str> = listed.iter().map(|s| s["browser"].as_str().unwrap()).collect();
    assert_eq!(browsers[..2], ["Phone Browser", "Laptop Browser"]);
    let current: Vec<bool> = listed.iter().map(|s| s["current"].as_bool().unwrap()).collect();
    assert_eq!(current, [false, true, false]);
    for session in &listed {
        let mut keys: Vec<&String> = session.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "address",
                "browser",
                "created_at",
                "current",
                "id",
                "last_seen_at",
                "user_agent"
            ],
            "{session}"
        );
        assert_eq!(session["address"], "127.0.0.1");
        assert!(session["created_at"].as_str().unwrap().ends_with('Z'));
    }
    // Another user sees only their own.
    let (_, bob) = app.register("Bob", "bob@example.com").await;
    assert_eq!(sessions(&app, &bob).await.len(), 1);
    let _ = (registered, phone);
    let anonymous = app.get("/api/account/sessions", None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

/// The id a session's cookie seals is in its server-only section: with it
/// and `SESSION_PASSWORD` a cookie for that session could be sealed anew, so
/// the list names each session by a handle the id cannot be learned from,
/// and ending one by its handle still works.
#[tokio::test]
async fn the_list_never_shows_the_ids_the_cookies_seal() {
    let app = TestApp::start().await;
    let (ada, registered) = app.register("Ada", "ada@example.com").await;
    let laptop = login_as(&app, "Laptop Browser/1.0").await;
    let sealed: Vec<String> = app
        .state()
        .db
        .sessions_of(ada, app.state().clock.unix_now())
        .await
        .unwrap()
        .into_iter()
        .map(|record| record.id.as_str().to_owned())
        .collect();
    assert_eq!(sealed.len(), 2);

    let listed = sessions(&app, &laptop).await;
    let body = app
        .get("/api/account/sessions", Some(&laptop))
        .await
        .text()
        .await
        .unwrap();
    for id in &sealed {
        assert!(!body.contains(id.as_str()), "a sealed id in the list: {body}");
    }
    let registered_listed = listed.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap();
    assert_eq!(registered_listed.len(), 32);
    // Nor does the raw id name a session to end.
    for id in &sealed {
        assert_eq!(
            delete(&app, id, Some(&registered)).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        delete(&app, registered_listed, Some(&registered)).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.session_status(&registered).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.session_status(&laptop).await, StatusCode::OK);
    app.stop().await;
}

/// A sign-in ends the session the browser held; a request that left with
/// the old cookie before it, answered after, must not delete the new cookie
/// (a tab's fetch racing a login in another tab): a dead session's cookie is
/// answered as no session and left alone.
#[tokio::test]
async fn an_answer_for_the_cookie_a_sign_in_replaced_leaves_the_new_cookie_alone() {
    let app = TestApp::start().await;
    let (_, old) = app.register("Ada", "ada@example.com").await;
    let signed_in = app
        .client
        .post(app.url("/api/auth/login"))
        .header(COOKIE, &old)
        .form(&[("email", "ada@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::OK);
    let new = session_cookie(&signed_in).unwrap();
    for path in ["/api/users", "/api/_auth/session", "/api/account/sessions", "/users"] {
        let late = app.get(path, Some(&old)).await;
        assert!(
            set_cookie_named(&late, "session").is_none(),
            "{path}: the answer would delete the browser's new cookie: {:?}",
            late.headers().get_all("set-cookie")
        );
    }
    assert_eq!(app.session_status(&old).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.session_status(&new).await, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn ending_a_session_from_another_browser_logs_that_one_out_at_once() {
    let app = TestApp::start().await;
    let (_, desk) = app.register("Ada", "ada@example.com").await;
    let stolen = login_as(&app, "Somewhere Else/1.0").await;
    let other_server = app.beside().start().await;
    assert_eq!(other_server.session_status(&stolen).await, StatusCode::OK);

    let listed = sessions(&app, &desk).await;
    let target = listed.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ended = delete(&app, &target, Some(&desk)).await;
    assert_eq!(ended.status(), StatusCode::OK);
    assert!(session_cookie(&ended).is_none(), "this browser keeps its cookie");
    assert_eq!(json(ended).await, serde_json::json!({}));

    assert_eq!(app.session_status(&stolen).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        other_server.session_status(&stolen).await,
        StatusCode::UNAUTHORIZED,
        "on every server"
    );
    assert_eq!(app.session_status(&desk).await, StatusCode::OK);
    assert_eq!(sessions(&app, &desk).await.len(), 1);
    // Ended already: not one of the user's sessions any more.
    assert_eq!(delete(&app, &target, Some(&desk)).await.status(), StatusCode::NOT_FOUND);
    other_server.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn no_one_ends_a_session_that_is_not_theirs() {
    let app = TestApp::start().await;
    let (_, ada) = app.register("Ada", "ada@example.com").await;
    let (_, bob) = app.register("Bob", "bob@example.com").await;
    let bobs = sessions(&app, &bob).await[0]["id"].as_str().unwrap().to_owned();
    for id in [bobs.as_str(), "nonexistent", "%00", "' OR 1=1 --"] {
        assert_eq!(
            delete(&app, id, Some(&ada)).await.status(),
            StatusCode::NOT_FOUND,
            "{id}"
        );
    }
    assert_eq!(delete(&app, &bobs, None).await.status(), StatusCode::UNAUTHORIZED);
    for id in [bobs.as_str(), "\0", "\u{feff}"] {
        let form = app
            .post_form("/api/account/end-session", &[("id", id)], Some(&ada))
            .await;
        assert_eq!(form.status(), StatusCode::NOT_FOUND, "{id:?}");
    }
    assert_eq!(app.session_status(&bob).await, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn ending_this_session_logs_out() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let id = sessions(&app, &cookie).await[0]["id"].as_str().unwrap().to_owned();
    let ended = app
        .post_form("/api/account/end-session", &[("id", &id)], Some(&cookie))
        .await;
    assert_eq!(ended.status(), StatusCode::OK);
    let removal = session_cookie(&ended).unwrap_or_default();
    let set_cookie = ended.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(set_cookie.contains("Max-Age=0"), "{set_cookie} {removal}");
    assert_eq!(app.session_status(&cookie).await, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

/// `GET /api/account/sessions` with `cookie`: 200 while its session lives,
/// 401 once it has ended.
async fn sessions_status(app: &TestApp, cookie: &str) -> StatusCode {
    app.get("/api/account/sessions", Some(cookie)).await.status()
}

/// Posts `form` to `path` from the browser holding the session `held`; the
/// new session's cookie, which replaces it there.
async fn sign_in_holding(app: &TestApp, path: &str, form: &[(&str, &str)], held: &str) -> String {
    let response = app.post_form(path, form, Some(held)).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    session_cookie(&response).unwrap()
}

/// A sign-in gives the browser a new cookie; the session its old cookie
/// named ends with it, whoever's it was, so a copy of that cookie taken
/// before (or the browser's own, should it keep it) is refused. Sessions in
/// other browsers live on.
#[tokio::test]
async fn a_sign_in_ends_the_session_the_browser_held_whoever_signs_in() {
    let app = TestApp::start().await;
    let (_, registered) = app.register("Ada", "ada@example.com").await;
    let phone = login_as(&app, "Phone Browser/2.0").await;
    let ada = [("email", "ada@example.com"), ("password", PASSWORD)];

    // Ada again, in the browser that holds her session.
    let again = sign_in_holding(&app, "/api/auth/login", &ada, &registered).await;
    assert_eq!(sessions_status(&app, &registered).await, StatusCode::UNAUTHORIZED);
    assert_eq!(sessions_status(&app, &again).await, StatusCode::OK);
    assert_eq!(sessions(&app, &phone).await.len(), 2, "this one and the new one");

    // Bob registers in that browser, then Ada logs in there over his session.
    let bob = [("name", "Bob"), ("email", "bob@example.com"), ("password", PASSWORD)];
    let bobs = sign_in_holding(&app, "/api/register", &bob, &again).await;
    assert_eq!(sessions_status(&app, &again).await, StatusCode::UNAUTHORIZED);
    let adas = sign_in_holding(&app, "/api/auth/login", &ada, &bobs).await;
    assert_eq!(sessions_status(&app, &bobs).await, StatusCode::UNAUTHORIZED);
    assert_eq!(sessions(&app, &adas).await.len(), 2, "the phone's and this one");

    // A passkey account made there, and a passkey sign-in there.
    let mut device = crate::passkeys::Device::new(&app);
    let (ceremony, options) = crate::passkeys::options(
        &app,
        "/api/auth/passkey/register/options",
        &[("name", "Carol"), ("email", "carol@example.com")],
        None,
    )
    .await;
    let credential = device.create(&options).await;
    let signed_up =
        crate::passkeys::finish(&app, "/api/auth/passkey/register", &ceremony, &credential, Some(&adas)).await;
    let carols = session_cookie(&signed_up).unwrap();
    assert_eq!(sessions_status(&app, &adas).await, StatusCode::UNAUTHORIZED);
    let (ceremony, assertion) = crate::passkeys::signed_challenge(&app, &mut device).await;
    let signed_in =
        crate::passkeys::finish(&app, "/api/auth/passkey/login", &ceremony, &assertion, Some(&carols)).await;
    let carol_again = session_cookie(&signed_in).unwrap();
    assert_eq!(sessions_status(&app, &carols).await, StatusCode::UNAUTHORIZED);
    assert_eq!(sessions(&app, &carol_again).await.len(), 1);

    assert_eq!(sessions(&app, &phone).await.len(), 1, "Ada's other browser");
    app.stop().await;
}

#[tokio::test]
async fn last_seen_is_written_at_most_once_a_minute() {
    let app = TestApp::start().await;
    let (_, cookie) = app.register("Ada", "ada@example.com").await;
    let last_seen = |list: Vec<Value>| list[0]["last_seen_at"].as_str().unwrap().to_owned();
    let at_login = last_seen(sessions(&app, &cookie).await);
    app.advance_clock(59);
    app.get("/api/users", Some(&cookie)).await;
    assert_eq!(
        last_seen(sessions(&app, &cookie).await),
        at_login,
        "not within the minute"
    );
    app.advance_clock(2);
    // This request notes the time; the list it makes may come before or after.
    app.get("/api/users", Some(&cookie)).await;
    let later = last_seen(sessions(&app, &cookie).await);
    assert_ne!(later, at_login);
    assert!(later > at_login, "{later} after {at_login}");
    app.stop().await;
}

/// The users page checks its session inside its own statement; it notes
/// "last seen" all the same (read from the record here: a request for the
/// list would note it itself).
#[tokio::test]
async fn the_users_page_notes_last_seen_like_any_request() {
    let app = TestApp::start().await;
    let (id, cookie) = app.register("Ada", "ada@example.com").await;
    let last_seen = || async {
        let now = app.state().clock.unix_now();
        app.state().db.sessions_of(id, now).await.unwrap()[0].last_seen_at
    };
    let at_login = last_seen().await;
    app.advance_clock(61);
    let page = app.get("/api/users", Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(last_seen().await, at_login.plus(61));
    app.stop().await;
}

#[tokio::test]
async fn logout_and_password_changes_end_records_and_expired_ones_are_swept() {
    let app = TestApp::start().await;
    let (_, first) = app.register("Ada", "ada@example.com").await;
    let second = login_as(&app, "Second/1.0").await;
    let third = login_as(&app, "Third/1.0").await;
    assert_eq!(sessions(&app, &first).await.len(), 3);
    let logout = app.post_form("/api/auth/logout", &[], Some(&third)).await;
    assert_eq!(logout.status(), StatusCode::OK);
    assert_eq!(sessions(&app, &first).await.len(), 2);

    let changed = app.change_password(&first, PASSWORD, "a brand new passphrase").await;
    let current = session_cookie(&changed).unwrap();
    assert_eq!(
        sessions(&app, &current).await.len(),
        1,
        "only the browser that changed it"
    );
    assert_eq!(app.session_status(&second).await, StatusCode::UNAUTHORIZED);

    // 31 days on, past every absolute expiry: the next login sweeps the table.
    app.advance_clock(31 * 24 * 3600);
    let response = app
        .client
        .post(app.url("/api/auth/login"))
        .form(&[("email", "ada@example.com"), ("password", "a brand new passphrase")])
        .send()
        .await
        .unwrap();
    let fresh = session_cookie(&response).unwrap();
    assert_eq!(app.session_status(&current).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count_rows("sessions").await, 1, "expired records are gone");
    assert_eq!(sessions(&app, &fresh).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_hostile_user_agent_is_shown_as_text_and_cut_short() {
    let app = TestApp::start().await;
    app.register("Ada", "ada@example.com").await;
    let hostile = format!(
        "<script>alert(1)</script><img src=x onerror=alert(2)>{}",
        "A".repeat(2000)
    );
    let cookie = login_as(&app, &hostile).await;
    let listed = sessions(&app, &cookie).await;
    let shown = listed.iter().find(|s| s["current"] == true).unwrap()["user_agent"]
        .as_str()
        .unwrap();
    assert_eq!(shown.chars().count(), 256);
    assert!(hostile.starts_with(shown));

    let page = app.get("/account", Some(&cookie)).await.text().await.unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "escaped");
    assert!(
        !page.contains("<script>alert(1)") && !page.contains("<img src=x"),
        "{page}"
    );
    assert!(page.contains(">This browser<"));
    app.stop().await;
}

#[tokio::test]
async fn a_common_browser_is_listed_by_name_and_system() {
    let app = TestApp::start().await;
    app.register("Ada", "ada@example.com").await;
    let windows = login_as(
        &app,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    )
    .await;
    let listed = sessions(&app, &windows).await;
    let this = listed.iter().find(|s| s["current"] == true).unwrap();
    assert_eq!(this["browser"], "Chrome on Windows");
    let page = app.get("/account", Some(&windows)).await.text().await.unwrap();
    assert!(page.contains("Chrome on Windows"), "{page}");
    assert!(
        page.contains("End<span class=\"visually-hidden\"> this browser’s session<!></span>"),
        "{page}"
    );
    app.stop().await;
}
