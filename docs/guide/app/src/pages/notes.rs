//! `/notes`: a page only logged-in users see, the guide's example (docs/guide.md).

use super::guards::RequireUser;
use crate::{
    api::{my_note, SaveNote},
    user_session::use_user_session,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// The route's view: the page inside the guard, which sends a visitor to
/// the login page (on the server, a redirect before any byte of the page).
#[component]
pub fn NotesRoute() -> impl IntoView {
    view! { <RequireUser><NotesPage/></RequireUser> }
}

/// The user's note, and a form to change it.
#[component]
fn NotesPage() -> impl IntoView {
    let session = use_user_session();
    let name = move || session.user.get().map(|user| user.name);
    let save = ServerAction::<SaveNote>::new();
    // Fetched again after each save, and when the user changes: a login as
    // someone else in another tab reaches this one through the session.
    let note = Resource::new(
        move || (save.version().get(), session.user.get().map(|user| user.id)),
        |_| my_note(),
    );
    view! {
        <Title text="Notes"/>
        <h1>"Notes"</h1>
        <p>"Only you see this page, " {name} "."</p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match note.await {
                    Ok(note) => view! { <p class="note">{note}</p> }.into_any(),
                    Err(err) => {
                        // A session ended meanwhile: the guard takes over.
                        session.note_error(&err);
                        view! { <p role="alert">{err.to_string()}</p> }.into_any()
                    }
                }
            })}
        </Transition>
        <ActionForm action=save>
            <label for="note">"Note"</label>
            <textarea id="note" name="note"></textarea>
            <button type="submit">"Save"</button>
        </ActionForm>
    }
}
