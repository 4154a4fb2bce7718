//! The logged-in user's note: the guide's example (docs/guide.md).

use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::backend::{session, state};

/// `POST /api/notes`: the user's note; 401 without a session.
#[server(prefix = "/api", endpoint = "notes")]
pub async fn my_note() -> Result<String, AppError> {
    let session = session::require_user_session()?;
    state()?.db.note_of(session.user.id).await
}

/// `POST /api/notes/save` `note`: replaces the user's note.
#[server(prefix = "/api", endpoint = "notes/save")]
pub async fn save_note(#[server(default)] note: String) -> Result<(), AppError> {
    let session = session::require_user_session()?;
    state()?.db.set_note(session.user.id, note.trim()).await
}

/// `POST /api/notes/clear`: empties the note, only within minutes of a
/// proof of identity (403 `reauthentication_required` otherwise).
#[server(prefix = "/api", endpoint = "notes/clear")]
pub async fn clear_note() -> Result<(), AppError> {
    let state = state()?;
    let session = session::require_fresh_session(&state)?;
    state.db.set_note(session.user.id, "").await
}
