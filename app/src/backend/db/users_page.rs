//! The most requested page, `GET /api/users`, read for many requests at once.
//!
//! Each statement is a hand-off to the database connection and back, most of
//! what this request costs (`docs/performance.md`, "Many requests, one
//! statement"). So one task reads every users page: while its statement
//! runs, the requests that come queue up, and the next statement checks all
//! their sessions and reads the page they ask for, once. A request that comes
//! alone goes at once, as before. Each request still gets its own session's
//! standing and nothing else: the page only while that session is valid.

use super::{database_error, Backend, Database, SessionStanding};
use crate::{
    domain::{Cursor, PageRequest},
    error::AppError,
    model::UserSummary,
};
use serde::de::DeserializeOwned;
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

/// Most sessions one statement checks.
const MOST_PER_STATEMENT: usize = 64;
/// Requests waiting beyond these wait to be queued.
const MOST_WAITING: usize = 1024;

/// A session's standing (`None`: not valid) and, only while it is valid, the page.
pub type PageForSession = (Option<SessionStanding>, Vec<UserSummary>);

/// One request's session and the page it asks for.
struct Ask {
    session_id: String,
    user_id: i64,
    now: i64,
    page: PageRequest,
    answer: oneshot::Sender<Result<PageForSession, AppError>>,
}

/// The queue of the task that reads users pages; the task ends with the last
/// clone of this.
#[derive(Clone)]
pub(super) struct UsersPages(mpsc::Sender<Ask>);

impl UsersPages {
    pub(super) fn start(pool: AnyPool, backend: Backend) -> Self {
        let (queue, asks) = mpsc::channel(MOST_WAITING);
        tokio::spawn(read_pages(pool, backend, asks));
        Self(queue)
    }

    /// The page next to `page`'s cursor for the session `session_id` of
    /// `user_id`, checked as valid at `now` (see `Database::session_standing`).
    pub(super) async fn read(
        &self,
        user_id: i64,
        session_id: &str,
        now: i64,
        page: PageRequest,
    ) -> Result<PageForSession, AppError> {
        let (answer, answered) = oneshot::channel();
        let ask = Ask {
            session_id: session_id.to_owned(),
            user_id,
            now,
            page,
            answer,
        };
        let closed = || database_error(sqlx::Error::PoolClosed);
        self.0.send(ask).await.map_err(|_| closed())?;
        answered.await.map_err(|_| closed())?
    }
}

impl Database {
    /// One page of users in id order, next to `page`'s cursor, read in the
    /// same statement as the check of the session asking for it (see
    /// [`Database::session_standing`]), and as one row; with the requests
    /// that come meanwhile. `None` and no users when the session is not valid.
    pub async fn users_page_for_session(
        &self,
        user_id: i64,
        session_id: &str,
        now: i64,
        page: PageRequest,
    ) -> Result<PageForSession, AppError> {
        self.users_pages.read(user_id, session_id, now, page).await
    }
}

/// Takes every request waiting (up to [`MOST_PER_STATEMENT`]) and answers
/// them with one statement per page asked for, until the queue closes.
async fn read_pages(pool: AnyPool, backend: Backend, mut asks: mpsc::Receiver<Ask>) {
    let mut waiting = Vec::with_capacity(MOST_PER_STATEMENT);
    while asks.recv_many(&mut waiting, MOST_PER_STATEMENT).await > 0 {
        while let Some(page) = waiting.first().map(|ask| ask.page) {
            let (same_page, others) = waiting.drain(..).partition(|ask| ask.page == page);
            waiting = others;
            let outcome = read_for_all(&pool, backend, page, &same_page).await;
            answer_each(same_page, outcome);
        }
    }
}

/// The standings of the valid sessions among `asks` (by their place in it),
/// and the page, as one row.
async fn read_for_all(
    pool: &AnyPool,
    backend: Backend,
    page: PageRequest,
    asks: &[Ask],
) -> Result<(Vec<(usize, i64, Option<String>)>, Vec<UserSummary>), AppError> {
    // The session check of `Database::session_standing`, for each
    // `[place, session id, user id, now]` of the JSON array `$1`.
    macro_rules! beside_standings {
        ($standings:expr, $aggregate:expr, $users:expr) => {
            concat!(
                "SELECT (",
                $standings,
                "), (",
                $aggregate,
                " FROM (",
                $users,
                ") AS page)"
            )
        };
    }
    macro_rules! sqlite_standings {
        () => {
            "SELECT json_group_array(json_array(asked.value ->> 0, sessions.last_seen_at, users.email_verified_at)) \
             FROM json_each($1) AS asked \
             JOIN sessions ON sessions.id = asked.value ->> 1 AND sessions.user_id = asked.value ->> 2 \
              AND sessions.expires_at > asked.value ->> 3 \
             JOIN users ON users.id = sessions.user_id"
        };
    }
    macro_rules! postgres_standings {
        () => {
            "SELECT COALESCE(json_agg(json_build_array(asked.value -> 0, sessions.last_seen_at, \
              users.email_verified_at)), '[]')::text \
             FROM json_array_elements($1::json) AS asked \
             JOIN sessions ON sessions.id = asked.value ->> 1 AND sessions.user_id = (asked.value ->> 2)::bigint \
              AND sessions.expires_at > (asked.value ->> 3)::bigint \
             JOIN users ON users.id = sessions.user_id"
        };
    }
    macro_rules! sqlite_array {
        () => {
            "SELECT json_group_array(json_object('id', id, 'name', name) ORDER BY id)"
        };
    }
    macro_rules! postgres_array {
        () => {
            "SELECT COALESCE(json_agg(json_build_object('id', id, 'name', name) ORDER BY id), '[]')::text"
        };
    }
    macro_rules! users_after {
        () => {
            "SELECT id, name FROM users WHERE id > $2 ORDER BY id LIMIT $3"
        };
    }
    // The nearest users below the cursor, which the aggregate puts back in id order.
    macro_rules! users_before {
        () => {
            "SELECT id, name FROM users WHERE id < $2 ORDER BY id DESC LIMIT $3"
        };
    }
    let sql = match (backend, page.cursor) {
        (Backend::Sqlite, Cursor::After(_)) => beside_standings!(sqlite_standings!(), sqlite_array!(), users_after!()),
        (Backend::Sqlite, Cursor::Before(_)) => {
            beside_standings!(sqlite_standings!(), sqlite_array!(), users_before!())
        }
        (Backend::Postgres, Cursor::After(_)) => {
            beside_standings!(postgres_standings!(), postgres_array!(), users_after!())
        }
        (Backend::Postgres, Cursor::Before(_)) => {
            beside_standings!(postgres_standings!(), postgres_array!(), users_before!())
        }
    };
    let asked: Vec<_> = asks
        .iter()
        .enumerate()
        .map(|(place, ask)| (place, &ask.session_id, ask.user_id, ask.now))
        .collect();
    let asked = serde_json::to_string(&asked).map_err(|_| AppError::Internal)?;
    let (Cursor::After(cursor) | Cursor::Before(cursor)) = page.cursor;
    let (standings, users): (String, String) = sqlx::query_as(sql)
        .bind(asked)
        .bind(cursor)
        .bind(page.limit)
        .fetch_one(pool)
        .await
        .map_err(database_error)?;
    Ok((parsed(&standings)?, parsed(&users)?))
}

fn parsed<T: DeserializeOwned>(json: &str) -> Result<T, AppError> {
    serde_json::from_str(json).map_err(|err| {
        tracing::error!(error = %err, "the database's JSON for a users page cannot be read");
        AppError::Internal
    })
}

/// Gives each request its own session's standing, and the page only with a valid one.
fn answer_each(asks: Vec<Ask>, outcome: Result<(Vec<(usize, i64, Option<String>)>, Vec<UserSummary>), AppError>) {
    let (standings, users) = match outcome {
        Ok(read) => read,
        Err(err) => {
            for ask in asks {
                let _ = ask.answer.send(Err(err.clone()));
            }
            return;
        }
    };
    let mut standing_of = vec![None; asks.len()];
    for (place, last_seen_at, email_verified_at) in standings {
        if let Some(standing) = standing_of.get_mut(place) {
            *standing = Some(SessionStanding::from_row(last_seen_at, email_verified_at));
        }
    }
    for (ask, standing) in asks.into_iter().zip(standing_of) {
        let page = if standing.is_some() { users.clone() } else { Vec::new() };
        // A request that has gone (its client left) needs no answer.
        let _ = ask.answer.send(Ok((standing, page)));
    }
}
