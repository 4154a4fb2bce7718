//! Mail, sent off the request path: a request queues a message and goes on;
//! one task sends the queue over SMTP, trying again with growing pauses while
//! the mail server is down. So a slow or dead mail server never slows a
//! request, and how long a request takes never tells whether it sent mail.
//!
//! The queue is in memory: messages still waiting when the server stops are
//! lost (and logged as such).

use lettre::{
    message::{Mailbox, MultiPart},
    AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
};
use secrecy::{ExposeSecret, SecretString};
use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::mpsc::{self, error::TrySendError};

/// Messages waiting to be sent; past this, new ones are dropped (and logged)
/// rather than held without bound while the mail server is down.
const BACKLOG: usize = 1000;
/// Tries per message: with pauses doubling from [`MailSettings::first_retry`]
/// (1 s in service), the last is about a minute after the first.
const ATTEMPTS: u32 = 7;
/// Messages the development mailbox keeps, newest first.
const MAILBOX_SIZE: usize = 100;

/// One message, in plain text and in simple HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// How mail leaves this server.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `smtp://host:port` or `smtps://user:pass@host:465`; `None`: mail is not sent.
    pub smtp_url: Option<SecretString>,
    /// The sender, `Name <address>`.
    pub from: String,
    /// The pause before the second try; each later pause is twice the one before.
    pub first_retry: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum MailSetupError {
    #[error("SMTP_URL is not a valid SMTP URL (smtp://host:port or smtps://user:password@host:port)")]
    Url,
    #[error("MAIL_FROM is not a mailbox such as `Sessions <no-reply@example.com>`: {0}")]
    From(String),
}

/// Where mail goes: queued for SMTP, kept for the development mailbox, or nowhere.
#[derive(Clone)]
pub struct Mailer {
    queue: Option<mpsc::Sender<Mail>>,
    mailbox: Option<DevMailbox>,
}

impl Mailer {
    /// Starts the sending task on the current runtime when `SMTP_URL` is set.
    /// Without it, says once that mail is not being sent; a debug build then
    /// keeps mail for `/dev/mailbox`.
    pub fn start(settings: MailSettings) -> Result<Self, MailSetupError> {
        let Some(url) = settings.smtp_url else {
            let mailbox = cfg!(debug_assertions).then(DevMailbox::default);
            tracing::warn!(
                kept_at = mailbox.as_ref().map(|_| "/dev/mailbox"),
                "mail is not being sent: SMTP_URL is not set"
            );
            return Ok(Self { queue: None, mailbox });
        };
        // The URL's own error could quote it, password included.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            .map_err(|_| MailSetupError::Url)?
            .build();
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|err: lettre::address::AddressError| MailSetupError::From(err.to_string()))?;
        let (queue, waiting) = mpsc::channel(BACKLOG);
        tokio::spawn(deliver(transport, from, waiting, settings.first_retry));
        Ok(Self {
            queue: Some(queue),
            mailbox: None,
        })
    }

    /// Queues `mail` and returns at once.
    pub fn send(&self, mail: Mail) {
        if let Some(mailbox) = &self.mailbox {
            return mailbox.keep(mail);
        }
        let Some(queue) = &self.queue else {
            return;
        };
        match queue.try_send(mail) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::error!(backlog = BACKLOG, "the mail backlog is full: a message was dropped")
            }
            Err(TrySendError::Closed(_)) => tracing::error!("the mail task has stopped: a message was dropped"),
        }
    }

    /// The development mailbox, in a debug build without SMTP.
    pub fn mailbox(&self) -> Option<&DevMailbox> {
        self.mailbox.as_ref()
    }
}

/// Sends the queue, in order. A message the server refuses for good (a 5xx
/// reply) is dropped at once; any other failure is tried again.
async fn deliver(
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    mut waiting: mpsc::Receiver<Mail>,
    first_retry: Duration,
) {
    while let Some(mail) = waiting.recv().await {
        let message = match message(&from, &mail) {
            Ok(message) => message,
            Err(err) => {
                tracing::error!(error = %err, "a message could not be written: dropped");
                continue;
            }
        };
        let mut pause = first_retry;
        for attempt in 1..=ATTEMPTS {
            match transport.send(message.clone()).await {
                Ok(_) => {
                    tracing::info!(attempt, "mail sent");
                    break;
                }
                Err(err) if err.is_permanent() || attempt == ATTEMPTS => {
                    tracing::error!(attempt, error = %err, "mail could not be sent: dropped");
                    break;
                }
                Err(err) => {
                    tracing::warn!(attempt, retry_in_ms = pause.as_millis() as u64, error = %err, "mail not sent yet");
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
            }
        }
    }
    if !waiting.is_empty() {
        tracing::warn!(left = waiting.len(), "stopping with mail not sent");
    }
}

fn message(from: &Mailbox, mail: &Mail) -> Result<lettre::Message, lettre::error::Error> {
    let to: Mailbox = mail.to.parse().map_err(|_| lettre::error::Error::MissingTo)?;
    lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&mail.subject)
        .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
}

/// Mail kept in memory instead of sent (debug builds without SMTP), newest first.
#[derive(Clone, Default)]
pub struct DevMailbox(Arc<Mutex<VecDeque<Mail>>>);

impl DevMailbox {
    fn keep(&self, mail: Mail) {
        let mut kept = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.push_front(mail);
        kept.truncate(MAILBOX_SIZE);
    }

    pub fn messages(&self) -> Vec<Mail> {
        let kept = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(n: usize) -> Mail {
        Mail {
            to: format!("user{n}@example.com"),
            subject: format!("Message {n}"),
            text: "text".into(),
            html: "<p>html</p>".into(),
        }
    }

    #[test]
    fn the_mailbox_keeps_the_newest_first_and_no_more_than_its_size() {
        let mailbox = DevMailbox::default();
        for n in 0..MAILBOX_SIZE + 5 {
            mailbox.keep(mail(n));
        }
        let kept = mailbox.messages();
        assert_eq!(kept.len(), MAILBOX_SIZE);
        assert_eq!(kept[0].subject, format!("Message {}", MAILBOX_SIZE + 4));
    }

    #[test]
    fn a_message_has_both_bodies() {
        let from: Mailbox = "Sessions <no-reply@example.com>".parse().unwrap();
        let written = String::from_utf8(message(&from, &mail(1)).unwrap().formatted()).unwrap();
        assert!(written.contains("multipart/alternative"), "{written}");
        assert!(
            written.contains("text/plain") && written.contains("text/html"),
            "{written}"
        );
        assert!(written.contains("To: user1@example.com"), "{written}");
    }

    #[test]
    fn a_bad_recipient_is_refused_before_sending() {
        let from: Mailbox = "Sessions <no-reply@example.com>".parse().unwrap();
        let mut bad = mail(1);
        bad.to = "not an address".into();
        assert!(message(&from, &bad).is_err());
    }

    #[test]
    fn an_smtp_url_with_a_password_is_never_quoted_in_its_error() {
        let settings = MailSettings {
            smtp_url: Some("ftp://user:hunter2secret@mail.example.com".into()),
            from: "Sessions <no-reply@example.com>".into(),
            first_retry: Duration::from_secs(1),
        };
        let err = Mailer::start(settings).err().expect("not an SMTP URL");
        assert!(!err.to_string().contains("hunter2secret"), "{err}");
    }
}
