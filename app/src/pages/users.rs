use super::not_found::NotFound;
use crate::{
    api::{get_user, list_users},
    error::AppError,
    model::UserSummary,
    session::use_user_session,
};
use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Users shown per page of the list.
const PAGE_SIZE: usize = 20;

/// `/users?after=ID`: every user, a page at a time.
#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let after = Memo::new(move |_| query.read().get("after"));
    // One more than a page, to know whether there is a next one.
    let users = Resource::new(
        move || after.get(),
        |after| list_users(Some((PAGE_SIZE + 1).to_string()), after),
    );
    let session = use_user_session();

    view! {
        <Title text="Users"/>
        <h1>"Users"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(list) => Either::Left(view! { <UserList list first_page=after.get_untracked().is_none()/> }),
                    Err(err) => {
                        session.note_error(&err);
                        Either::Right(view! { <p role="alert">{err.to_string()}</p> })
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn UserList(mut list: Vec<UserSummary>, first_page: bool) -> impl IntoView {
    let next = (list.len() > PAGE_SIZE).then(|| {
        list.truncate(PAGE_SIZE);
        list.last().map(|user| user.id).unwrap_or_default()
    });
    view! {
        <ul class="users">
            {list
                .into_iter()
                .map(|user| view! { <li><a href=format!("/users/{}", user.id)>{user.name}</a></li> })
                .collect_view()}
        </ul>
        <nav aria-label="Pages" class="pages">
            {(!first_page).then(|| view! { <a href="/users">"First page"</a> })}
            {next.map(|id| view! { <a href=format!("/users?after={id}") rel="next">"Next page"</a> })}
        </nav>
    }
}

/// `/users/ID`: one user's name and member-since date; unknown ids get a 404.
#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let user = Resource::new(move || id.get(), get_user);
    let session = use_user_session();

    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(user) => {
                        let since = super::time::date_in_words(&user.created_at);
                        view! {
                            <Title text=user.name.clone()/>
                            <h1>{user.name}</h1>
                            <p>"Member since " <time datetime=user.created_at>{since}</time></p>
                            <p><a href="/users">"All users"</a></p>
                        }
                        .into_any()
                    }
                    Err(AppError::NotFound | AppError::Validation { .. }) => view! { <NotFound/> }.into_any(),
                    Err(err) => {
                        session.note_error(&err);
                        view! { <p role="alert">{err.to_string()}</p> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
