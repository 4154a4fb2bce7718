//! Mail, sent off the request path: a request puts its message in the outbox
//! (a table, `db/outbox.rs`) and goes on; a task on each server sends what is
//! due over SMTP, trying again with growing pauses while the mail server is
//! down. So a slow or dead mail server never slows a request, how long a
//! request takes never tells whether it sent mail, and a restart (or a crash)
//! loses no mail: a message a stopped server had claimed is sent by any
//! server once its claim runs out.

use super::db::{ClaimedMail, Database};
use crate::error::AppError;
use lettre::{
    message::{Mailbox, MultiPart},
    AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
};
use secrecy::{ExposeSecret, SecretString};
use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};
use tokio::{
    sync::{watch, Notify},
    task::JoinHandle,
};

/// Messages the outbox holds at most; past this, new ones are dropped (and
/// logged) rather than piled up without bound while the mail server is down.
const BACKLOG: i64 = 1000;
/// Tries per message: with pauses doubling from [`MailSettings::first_retry`]
/// (1 s in service), the last is about a minute after the first.
const ATTEMPTS: i64 = 7;
/// How long a claim on a message lasts: longer than one SMTP exchange may take.
const CLAIM: Duration = Duration::from_secs(120);
/// How often the outbox is looked at without being woken: for retries that
/// came due, and for messages other servers queued.
const POLL: Duration = Duration::from_secs(1);
/// Longest a stopping server waits for the message being sent.
const STOP_WAIT: Duration = Duration::from_secs(5);
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

/// Where mail goes: the outbox, the development mailbox, or nowhere.
#[derive(Clone)]
pub struct Mailer(Delivery);

#[derive(Clone)]
enum Delivery {
    Outbox(Outbox),
    Mailbox(DevMailbox),
    Nowhere,
}

#[derive(Clone)]
struct Outbox {
    db: Database,
    /// Wakes the sending task when a message is queued.
    queued: Arc<Notify>,
    stop: Arc<watch::Sender<bool>>,
    task: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl Mailer {
    /// Starts the sending task on the current runtime when `SMTP_URL` is set.
    /// Without it, says once that mail is not being sent; a debug build then
    /// keeps mail for `/dev/mailbox`.
    pub fn start(settings: MailSettings, db: Database) -> Result<Self, MailSetupError> {
        let Some(url) = settings.smtp_url else {
            let kept = cfg!(debug_assertions);
            tracing::warn!(
                kept_at = kept.then_some("/dev/mailbox"),
                "mail is not being sent: SMTP_URL is not set"
            );
            return Ok(Self(if kept {
                Delivery::Mailbox(DevMailbox::default())
            } else {
                Delivery::Nowhere
            }));
        };
        let transport = smtp_transport(&url)?;
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|err: lettre::address::AddressError| MailSetupError::From(err.to_string()))?;
        let (stop, stopped) = watch::channel(false);
        let outbox = Outbox {
            db,
            queued: Arc::new(Notify::new()),
            stop: Arc::new(stop),
            task: Arc::default(),
        };
        let task = tokio::spawn(deliver(transport, from, outbox.clone(), stopped, settings.first_retry));
        *lock(&outbox.task) = Some(task);
        Ok(Self(Delivery::Outbox(outbox)))
    }

    /// Queues `mail`: one insert, no SMTP.
    pub async fn send(&self, mail: Mail) -> Result<(), AppError> {
        match &self.0 {
            Delivery::Outbox(outbox) => {
                if outbox.db.queue_mail(&mail, unix_millis(), BACKLOG).await? {
                    outbox.queued.notify_one();
                } else {
                    tracing::error!(backlog = BACKLOG, "the mail outbox is full: a message was dropped");
                }
            }
            Delivery::Mailbox(mailbox) => mailbox.keep(mail),
            Delivery::Nowhere => {}
        }
        Ok(())
    }

    /// Stops the sending task once the message in hand is sent and its row
    /// updated (waiting [`STOP_WAIT`] at most); the rest stays in the outbox.
    pub async fn stop(&self) {
        let Delivery::Outbox(outbox) = &self.0 else {
            return;
        };
        let _ = outbox.stop.send(true);
        let task = lock(&outbox.task).take();
        if let Some(task) = task {
            if tokio::time::timeout(STOP_WAIT, task).await.is_err() {
                tracing::warn!("stopping with a message being sent: its claim runs out and it is sent again");
            }
        }
    }

    /// Whether mail goes anywhere (SMTP, or the development mailbox).
    pub fn delivers(&self) -> bool {
        !matches!(self.0, Delivery::Nowhere)
    }

    /// The development mailbox, in a debug build without SMTP.
    pub fn mailbox(&self) -> Option<&DevMailbox> {
        match &self.0 {
            Delivery::Mailbox(mailbox) => Some(mailbox),
            _ => None,
        }
    }
}

fn smtp_transport(url: &SecretString) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailSetupError> {
    // The URL's own error could quote it, password included.
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
        .map(|builder| builder.build())
        .map_err(|_| MailSetupError::Url)
}

/// The outbox's times are the system's, not the app's [`Clock`](super::clock::Clock):
/// they pace real sockets and real sleeps.
fn unix_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}

/// Sends what is due, oldest first, until stopped.
async fn deliver(
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    outbox: Outbox,
    mut stop: watch::Receiver<bool>,
    first_retry: Duration,
) {
    while !*stop.borrow() {
        match outbox.db.claim_due_mail(unix_millis(), CLAIM.as_millis() as i64).await {
            Ok(Some(claimed)) => {
                send_one(&transport, &from, &outbox.db, claimed, first_retry).await;
                continue;
            }
            Ok(None) => {}
            Err(err) => tracing::warn!(error = %err, "the mail outbox cannot be read"),
        }
        tokio::select! {
            () = outbox.queued.notified() => {}
            () = tokio::time::sleep(POLL) => {}
            _ = stop.changed() => {}
        }
    }
}

/// One try: sent or refused for good, the message leaves the outbox; any
/// other failure puts it back for later, until the last try.
async fn send_one(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    db: &Database,
    claimed: ClaimedMail,
    first_retry: Duration,
) {
    let attempt = claimed.attempts;
    let outcome = match message(from, &claimed.mail) {
        Ok(message) => match transport.send(message).await {
            Ok(_) => {
                tracing::info!(attempt, "mail sent");
                db.remove_mail(claimed.id).await
            }
            Err(err) if err.is_permanent() || attempt >= ATTEMPTS => {
                tracing::error!(attempt, error = %err, "mail could not be sent: dropped");
                db.remove_mail(claimed.id).await
            }
            Err(err) => {
                let pause = first_retry * 2_u32.pow((attempt - 1).clamp(0, 20) as u32);
                tracing::warn!(attempt, retry_in_ms = pause.as_millis() as u64, error = %err, "mail not sent yet");
                db.retry_mail(claimed.id, unix_millis() + pause.as_millis() as i64)
                    .await
            }
        },
        Err(err) => {
            tracing::error!(error = %err, "a message could not be written: dropped");
            db.remove_mail(claimed.id).await
        }
    };
    if let Err(err) = outcome {
        // The claim runs out and the message is tried again: sent at least once.
        tracing::warn!(error = %err, "the mail outbox could not be updated");
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

/// A lock whose holder never panics while holding it; taken even if one did.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl DevMailbox {
    fn keep(&self, mail: Mail) {
        let mut kept = lock(&self.0);
        kept.push_front(mail);
        kept.truncate(MAILBOX_SIZE);
    }

    pub fn messages(&self) -> Vec<Mail> {
        lock(&self.0).iter().cloned().collect()
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

    // A transport starts its connection pool on the runtime.
    #[tokio::test]
    async fn an_smtp_url_with_a_password_is_never_quoted_in_its_error() {
        let url = SecretString::from("ftp://user:hunter2secret@mail.example.com");
        let Err(err) = smtp_transport(&url) else {
            panic!("not an SMTP URL")
        };
        assert!(!err.to_string().contains("hunter2secret"), "{err}");
        assert!(smtp_transport(&SecretString::from("smtps://user:pw@mail.example.com:465")).is_ok());
    }
}
