//! `/dev/mailbox`: the mail a debug build without SMTP kept instead of
//! sending, newest first, links clickable. Never routed in a release build.

use crate::{backend::AppState, SITE_NAME};
use axum::{extract::State, response::Html};
use html_escape::{encode_double_quoted_attribute, encode_text};

pub async fn dev_mailbox_page(State(state): State<AppState>) -> Html<String> {
    let messages = state
        .mailer
        .mailbox()
        .map(|mailbox| mailbox.messages())
        .unwrap_or_default();
    let mut page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Mailbox – {SITE_NAME}</title></head>\
         <body><h1>Mailbox</h1><p>Mail this development server kept instead of sending (SMTP_URL is not set), newest first.</p>",
    );
    if messages.is_empty() {
        page.push_str("<p>No mail yet.</p>");
    }
    for mail in messages {
        page.push_str(&format!(
            "<article><h2>{}</h2><p>To: {}</p><pre>{}</pre></article>",
            encode_text(&mail.subject),
            encode_text(&mail.to),
            linked(&mail.text)
        ));
    }
    page.push_str("</body></html>");
    Html(page)
}

/// The text, escaped, with each `http(s)://` word made a link.
fn linked(text: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|word| {
            let bare = word.trim_end();
            if bare.starts_with("http://") || bare.starts_with("https://") {
                format!(
                    "<a href=\"{}\">{}</a>{}",
                    encode_double_quoted_attribute(bare),
                    encode_text(bare),
                    &word[bare.len()..]
                )
            } else {
                encode_text(word).into_owned()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_clickable_and_the_rest_is_text() {
        let html = linked("Open http://localhost:3000/reset?token=a&b=1 now <b>\n");
        assert_eq!(
            html,
            "Open <a href=\"http://localhost:3000/reset?token=a&amp;b=1\">http://localhost:3000/reset?token=a&amp;b=1</a> now &lt;b&gt;\n"
        );
    }

    #[test]
    fn a_quote_cannot_leave_the_link() {
        let html = linked("https://x.example/\"onmouseover=\"alert(1)");
        // Quotes are escaped inside the attribute; in the link's text they are only text.
        assert!(
            html.starts_with("<a href=\"https://x.example/&quot;onmouseover=&quot;alert(1)\">"),
            "{html}"
        );
    }
}
