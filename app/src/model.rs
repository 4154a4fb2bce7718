//! Data that crosses the wire between the server and the browser.

use serde::{Deserialize, Serialize};

/// A user as listed: what any logged-in user may see of another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub name: String,
}

/// One user's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    pub id: i64,
    pub name: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// The public part of a session: everything the browser may know about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user: UserSummary,
    /// RFC 3339, UTC.
    pub logged_in_at: String,
}

/// `GET /api/_auth/session`: the session's fields when logged in, `{}` otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionView {
    #[serde(flatten, default)]
    pub session: Option<SessionInfo>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_session_is_an_empty_object() {
        assert_eq!(serde_json::to_string(&SessionView::default()).unwrap(), "{}");
        let parsed: SessionView = serde_json::from_str("{}").unwrap();
        assert_eq!(parsed.session, None);
    }

    #[test]
    fn logged_in_session_is_flat() {
        let view = SessionView {
            session: Some(SessionInfo {
                user: UserSummary {
                    id: 1,
                    name: "Ada".into(),
                },
                logged_in_at: "2026-01-01T00:00:00Z".into(),
            }),
        };
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"user": {"id": 1, "name": "Ada"}, "logged_in_at": "2026-01-01T00:00:00Z"})
        );
        assert_eq!(serde_json::from_value::<SessionView>(json).unwrap(), view);
    }
}
