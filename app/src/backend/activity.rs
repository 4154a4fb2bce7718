//! The account's activity, as its owner sees it on the account page: every
//! audit event that names a user (sign-ins and their failures, sign-outs,
//! changes to how the account signs in), with the browser and address it
//! came from. [`AuditEvent::record`] notes each in the request it happens
//! in; [`record_activity`], around every request, stores the request's
//! notes once it is answered, in one transaction (and [`recording`] an
//! operator's command's). A request that notes
//! nothing (nearly all of them) costs nothing more.

use super::{
    audit::{AuditEvent, Outcome},
    browsers::browser_in_words,
    clock::UnixTime,
    db::ActivityRecord,
    http::user_agent_of,
    AppState,
};
use crate::{backend::clock::rfc3339_of, domain::UserId};
use crate::{error::AppError, model::ActivityEntry};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use std::{
    future::Future,
    net::IpAddr,
    sync::{Arc, Mutex},
};

/// How many events the account page shows.
pub const SHOWN: i64 = 50;

tokio::task_local! {
    /// The events of the request being served, and its browser.
    static NOTED: Noted;
}

#[derive(Clone)]
struct Noted {
    user_agent: String,
    events: Arc<Mutex<Vec<ActivityRecord>>>,
}

/// Notes `event` for the activity of the user it names, if it is one the
/// owner should see: not a refusal past a limit (a flood would fill the
/// list) nor a mail merely asked for. Outside [`recording`], nothing is
/// noted.
pub fn note(event: &AuditEvent<'_>, client: Option<IpAddr>) {
    let Some((user_id, name, method)) = entry_of(event) else {
        return;
    };
    let _ = NOTED.try_with(|noted| {
        let record = ActivityRecord {
            user_id,
            // Stamped when stored: one request's events share a time.
            at: UnixTime::from_seconds(0),
            event: name,
            method,
            address: client.map(|client| client.to_string()).unwrap_or_default(),
            user_agent: noted.user_agent.clone(),
        };
        noted
            .events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(record);
    });
}

/// The user, the event's name and its method, for an event the owner sees.
fn entry_of(event: &AuditEvent<'_>) -> Option<(UserId, String, String)> {
    use super::audit::Action;
    let user_id = event.user_id()?;
    if matches!(
        event.outcome(),
        Outcome::RateLimited | Outcome::MailLimited | Outcome::Accepted
    ) || matches!(event.action(), Action::DeviceCookie | Action::VerificationMail)
    {
        return None;
    }
    let method = event.method().map(|method| method.to_string()).unwrap_or_default();
    Some((user_id, event.name().to_owned(), method))
}

/// Stores the activity the request noted, once it is answered: a failure to
/// store is logged, never the request's.
pub async fn record_activity(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let user_agent = user_agent_of(request.headers());
    recording(&state, user_agent, next.run(request)).await
}

/// Runs `work`, noting the events it records as coming from `user_agent`,
/// then stores them: each request's, and each operator's command.
pub async fn recording<T>(state: &AppState, user_agent: String, work: impl Future<Output = T>) -> T {
    let noted = Noted {
        user_agent,
        events: Arc::default(),
    };
    let done = NOTED.scope(noted.clone(), work).await;
    let mut events = std::mem::take(&mut *noted.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    if events.is_empty() {
        return done;
    }
    let now = state.clock.unix_now();
    for event in &mut events {
        event.at = now;
    }
    let swept_before = UnixTime::from_seconds(now.seconds() - state.activity_retention);
    match state.db.insert_activity(&events, swept_before).await {
        // The account was deleted meanwhile, and its activity with it.
        Ok(()) | Err(AppError::Unauthorized) => {}
        Err(err) => tracing::warn!(error = %err, events = events.len(), "account activity not stored"),
    }
    done
}

/// The user's newest events, newest first, for the account page.
pub async fn recent(state: &AppState, user_id: UserId) -> Result<Vec<ActivityEntry>, AppError> {
    Ok(state
        .db
        .recent_activity(user_id, SHOWN)
        .await?
        .into_iter()
        .map(|record| ActivityEntry {
            at: rfc3339_of(record.at),
            event: record.event,
            method: record.method,
            address: record.address,
            browser: browser_in_words(&record.user_agent),
            user_agent: record.user_agent,
        })
        .collect())
}
