//! A user's name is shown to every other user: on their page (as its `<title>`
//! and heading), in the list of users, and in the nav and greeting of their own
//! pages. Registered under every name of the Big List of Naughty Strings plus
//! breakouts of each HTML context, the server-rendered pages, parsed as a
//! browser parses them, show the name only as text: never as a new element,
//! attribute or head entry.

use crate::helpers::*;
use app::domain::{Email, UserName};
use reqwest::StatusCode;
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

/// Breakouts of the contexts a name is written into, beyond the big list's own.
const BREAKOUTS: &[&str] = &[
    "</title><meta http-equiv=refresh content='0;url=https://evil.test/'>",
    "</title><script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'><svg onload=alert(1)>",
    "</script><script>alert(1)</script>",
    "</textarea><b>bold</b>",
    "<!--",
    "]]><b>x</b>",
    "<base href=//evil.test/>",
    "<style>*{display:none}</style>",
    "&lt;b&gt;not a tag&lt;/b&gt;",
    "&amp; &#60;b&#62;",
    "javascript:alert(1)",
    "\\u003c/script\\u003e",
    "{{7*7}} ${alert(1)}",
];

/// Every element in document order as `tag[attribute names]`: a page's shape,
/// whatever its text. The server's own scripts, which carry the response's
/// nonce, are left out: how many there are depends on when the data they
/// stream is ready. A script planted through a name cannot know the nonce.
fn shape(html: &Html) -> Vec<String> {
    let nonce = Selector::parse("head script[nonce]").unwrap();
    let nonce = html.select(&nonce).next().and_then(|script| script.attr("nonce"));
    html.root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|element| element.value().name() != "script" || element.attr("nonce") != nonce)
        .map(|element| {
            let mut names: Vec<&str> = element.value().attrs().map(|(name, _)| name).collect();
            names.sort_unstable();
            format!("{}[{}]", element.value().name(), names.join(","))
        })
        .collect()
}

struct Registered {
    id: i64,
    /// As stored (names are normalised).
    name: String,
    cookie: String,
}

async fn register(app: &TestApp, name: &str, email: &str) -> Option<Registered> {
    let response = app.try_register(name, email).await;
    if response.status() != StatusCode::OK {
        assert!(
            matches!(response.status(), StatusCode::UNPROCESSABLE_ENTITY),
            "{name:?}: {}",
            response.status()
        );
        return None;
    }
    let cookie = session_cookie(&response).unwrap();
    let body: Value = response.json().await.unwrap();
    Some(Registered {
        id: body["id"].as_i64().unwrap(),
        name: body["name"].as_str().unwrap().to_owned(),
        cookie,
    })
}

async fn page(app: &TestApp, path: &str, cookie: &str) -> Html {
    let response = app.get(path, Some(cookie)).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    Html::parse_document(&response.text().await.unwrap())
}

#[tokio::test]
async fn names_are_only_ever_text_on_every_page_that_shows_them() {
    let app = TestApp::builder()
        .env(&[("REGISTER_MAX_PER_ADDRESS", "100000")])
        .start()
        .await;
    let benign = register(&app, "Plain Name", "plain@example.com").await.unwrap();
    let benign_profile = page(&app, &format!("/users/{}", benign.id), &benign.cookie).await;
    let benign_home = page(&app, "/", &benign.cookie).await;

    let corpus = naughty_strings::BLNS.iter().chain(BREAKOUTS);
    let mut registered = vec![];
    for (n, name) in corpus.enumerate() {
        if let Some(user) = register(&app, name, &format!("hostile{n}@example.com")).await {
            registered.push(user);
        }
    }
    assert!(
        registered.len() > 450,
        "most of the corpus is a valid name: {}",
        registered.len()
    );

    for user in &registered {
        let profile = page(&app, &format!("/users/{}", user.id), &benign.cookie).await;
        assert_eq!(shape(&profile), shape(&benign_profile), "{:?} on its page", user.name);
        assert_eq!(
            text_of(&profile, "title"),
            [format!("{} – {}", user.name, app::SITE_NAME)],
            "title"
        );
        assert_eq!(
            text_of(&profile, "main h1"),
            std::slice::from_ref(&user.name),
            "heading"
        );

        let home = page(&app, "/", &user.cookie).await;
        assert_eq!(
            shape(&home),
            shape(&benign_home),
            "{:?} on its own home page",
            user.name
        );
        assert_eq!(text_of(&home, "span.who"), std::slice::from_ref(&user.name), "nav");
        assert_eq!(
            text_of(&home, "main h1"),
            [format!("Welcome, {}", user.name)],
            "greeting"
        );
    }

    // The list, a page at a time, shows every name as one link's text.
    let mut listed = vec![];
    let mut path = "/users".to_owned();
    loop {
        let list = page(&app, &path, &benign.cookie).await;
        let links = Selector::parse("ul.users li > a").unwrap();
        for link in list.select(&links) {
            // Beside hydration's comment markers, one text node and no element.
            assert!(
                link.children().all(|node| !node.value().is_element()),
                "no element in a name"
            );
            assert_eq!(
                link.children().filter(|node| node.value().is_text()).count(),
                1,
                "one text node per name"
            );
            listed.push(link.text().collect::<String>());
        }
        match text_of(&list, "a[rel=next]").is_empty() {
            true => break,
            false => {
                let next = Selector::parse("a[rel=next]").unwrap();
                path = list.select(&next).next().unwrap().attr("href").unwrap().to_owned();
            }
        }
    }
    let expected: Vec<String> = std::iter::once(benign.name)
        .chain(registered.into_iter().map(|user| user.name))
        .collect();
    assert_eq!(listed, expected);
    app.stop().await;
}

/// A form that failed without JavaScript comes back with the typed values in
/// its inputs' `value` attributes (by way of the flash cookie, and in the
/// page's hydration data): every string of the corpus stays that attribute's
/// value, and the page keeps the shape of one with plain values and the same
/// problems.
#[tokio::test]
async fn typed_values_echoed_into_forms_stay_attribute_values() {
    let app = TestApp::start().await;
    let failed_form = |path: &'static str, page: &'static str, form: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(field, value)| (*field, value.as_str())).collect();
            let response = html_form_post(app, path, &form, page, None).await;
            let flash = flash_cookie(&response).expect("a flash");
            Html::parse_document(&app.get(page, Some(&flash)).await.text().await.unwrap())
        }
    };
    let register = |name: &str, email: &str| {
        let form = vec![
            ("name", name.to_owned()),
            ("email", email.to_owned()),
            ("password", "short".to_owned()),
        ];
        failed_form("/api/register", "/register", form)
    };
    let login = |email: &str| failed_form("/api/auth/login", "/login", vec![("email", email.to_owned())]);
    for text in naughty_strings::BLNS.iter().chain(BREAKOUTS) {
        // A benign form with the same problems has the same shape.
        let invalid_name = "x".repeat(101);
        let name = match (text.is_empty(), UserName::parse(text)) {
            (true, _) => "",
            (false, Ok(_)) => "Ada",
            (false, Err(_)) => &invalid_name,
        };
        let email = match (text.is_empty(), Email::parse(text)) {
            (true, _) => "",
            (false, Ok(_)) => "ada@example.com",
            (false, Err(_)) => "ada",
        };
        let hostile_register = register(text, text).await;
        let benign_register = register(name, email).await;
        assert_eq!(
            shape(&hostile_register),
            shape(&benign_register),
            "{text:?} echoed on /register"
        );
        let hostile_login = login(text).await;
        let benign_login = login(match (text.is_empty(), text.trim().is_empty()) {
            (true, _) => "",
            (false, true) => " ",
            (false, false) => "ada",
        })
        .await;
        assert_eq!(shape(&hostile_login), shape(&benign_login), "{text:?} echoed on /login");
        for (page, field) in [
            (&hostile_register, "name"),
            (&hostile_register, "email"),
            (&hostile_login, "email"),
        ] {
            let value = attribute_of(page, &format!("input#{field}"), "value").unwrap_or_default();
            // What the browser's HTML parser makes of the attribute (it keeps NULs as U+FFFD
            // and turns CR LF into LF) is the text typed.
            let typed = text.replace("\r\n", "\n").replace('\r', "\n").replace('\0', "\u{fffd}");
            assert_eq!(value, typed, "{field} on {text:?}");
        }
    }
    app.stop().await;
}

/// A passkey's name is the user's own text too, shown on their account page:
/// every breakout that is a valid name stays that list item's text.
#[tokio::test]
async fn passkey_names_are_only_ever_text_on_the_account_page() {
    use crate::passkeys::{add_passkey, Device};
    let app = TestApp::builder()
        .env(&[("REGISTER_MAX_PER_ADDRESS", "100000")])
        .start()
        .await;
    let account_with_passkey = |n: usize, name: &'static str| {
        let app = &app;
        async move {
            let email = format!("passkey{n}@example.com");
            let (_, cookie) = app.register("Ada", &email).await;
            app.mark_email_verified(&email).await;
            let added = add_passkey(app, &mut Device::new(app), &cookie, name).await;
            let stored = match added.status() {
                StatusCode::OK => added.json::<Value>().await.unwrap()["name"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                status => {
                    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
                    return None;
                }
            };
            Some((stored, page(app, "/account", &cookie).await))
        }
    };
    let (_, benign) = account_with_passkey(0, "Plain").await.unwrap();
    let mut shown = 0;
    for (n, name) in BREAKOUTS.iter().enumerate() {
        let Some((stored, account)) = account_with_passkey(n + 1, name).await else {
            continue;
        };
        shown += 1;
        assert_eq!(shape(&account), shape(&benign), "{name:?} on the account page");
        assert_eq!(text_of(&account, ".passkey-name"), [stored], "{name:?}");
    }
    assert!(shown > 10, "most breakouts are valid passkey names: {shown}");
    app.stop().await;
}
