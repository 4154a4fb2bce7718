//! A user's name is shown to every other user: on their page (as its `<title>`
//! and heading), in the list of users, and in the nav and greeting of their own
//! pages. Registered under every name of the Big List of Naughty Strings plus
//! breakouts of each HTML context, the server-rendered pages, parsed as a
//! browser parses them, show the name only as text: never as a new element,
//! attribute or head entry.

use crate::helpers::*;
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

fn text_of(html: &Html, selector: &str) -> Vec<String> {
    let selector = Selector::parse(selector).unwrap();
    html.select(&selector).map(|element| element.text().collect()).collect()
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
    let app = TestApp::start_with(&[("REGISTER_MAX_PER_ADDRESS", "100000")]).await;
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
            [format!("{} – Sessions", user.name)],
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
            assert_eq!(link.children().count(), 1, "one text node per name");
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
/// its inputs' `value` attributes, taken from the link (so before any rule is
/// applied): every string of the corpus stays that attribute's value.
#[tokio::test]
async fn typed_values_echoed_into_forms_stay_attribute_values() {
    let app = TestApp::start().await;
    let benign_register = Html::parse_document(
        &app.get("/register?name=Ada&email=ada", None)
            .await
            .text()
            .await
            .unwrap(),
    );
    let benign_login = Html::parse_document(&app.get("/login?email=ada", None).await.text().await.unwrap());
    for text in naughty_strings::BLNS.iter().chain(BREAKOUTS) {
        let encoded = percent_encode(text);
        let register = app
            .get(&format!("/register?name={encoded}&email={encoded}"), None)
            .await;
        let register = Html::parse_document(&register.text().await.unwrap());
        assert_eq!(
            shape(&register),
            shape(&benign_register),
            "{text:?} echoed on /register"
        );
        let login = app.get(&format!("/login?email={encoded}"), None).await;
        let login = Html::parse_document(&login.text().await.unwrap());
        assert_eq!(shape(&login), shape(&benign_login), "{text:?} echoed on /login");
        // The router decodes query values twice (`%2541` comes back as `A`), so
        // only text without `%` is expected back exactly.
        if text.contains('%') {
            continue;
        }
        for (page, field) in [(&register, "name"), (&register, "email"), (&login, "email")] {
            let input = Selector::parse(&format!("input#{field}")).unwrap();
            let value = page.select(&input).next().unwrap().attr("value").unwrap_or_default();
            // What the browser's HTML parser makes of the attribute (it keeps NULs as U+FFFD
            // and turns CR LF into LF) is the text typed.
            let typed = text.replace("\r\n", "\n").replace('\r', "\n").replace('\0', "\u{fffd}");
            assert_eq!(value, typed, "{field} on {text:?}");
        }
    }
    app.stop().await;
}
