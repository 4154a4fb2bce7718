//! The guide's note (docs/guide.md), on either database (TEST_DATABASE).

use crate::helpers::{json, TestApp};

#[tokio::test]
async fn a_note_is_its_users_alone_and_clearing_it_needs_a_fresh_proof() {
    let app = TestApp::start().await;
    assert_eq!(app.post_form("/api/notes", &[], None).await.status(), 401);
    let (_, ada) = app.register("Ada", "ada@example.com").await;
    let (_, bob) = app.register("Bob", "bob@example.com").await;

    let saved = app
        .post_form("/api/notes/save", &[("note", " Buy milk ")], Some(&ada))
        .await;
    assert_eq!(saved.status(), 200);
    assert_eq!(
        json(app.post_form("/api/notes", &[], Some(&ada)).await).await,
        "Buy milk"
    );
    assert_eq!(json(app.post_form("/api/notes", &[], Some(&bob)).await).await, "");

    // The registration is a proof of identity, for REAUTHENTICATION_MAX_AGE.
    app.advance_clock(3600);
    let stale = app.post_form("/api/notes/clear", &[], Some(&ada)).await;
    assert_eq!(stale.status(), 403);
    assert_eq!(json(stale).await["code"], "reauthentication_required");
    app.stop().await;
}
