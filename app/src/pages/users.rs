use super::{not_found::NotFound, recovery::VerifyEmailFirst};
use crate::{
    api::{get_user, list_users},
    error::AppError,
    model::UserSummary,
    user_session::use_user_session,
};
use leptos::{either::EitherOf3, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Users shown per page of the list.
const PAGE_SIZE: usize = 20;

/// Where a page of the list is: its keyset cursor and, for the page title and
/// position only, its number as the links that led here counted it.
#[derive(Clone, PartialEq)]
struct ListPosition {
    after: Option<String>,
    before: Option<String>,
    number: u32,
}

/// `/users`, `/users?after=ID&page=N` and `/users?before=ID&page=N`: every user,
/// a page at a time, with links to the pages before and after.
#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let position = Memo::new(move |_| {
        let query = query.read();
        ListPosition {
            after: query.get("after"),
            before: query.get("before"),
            number: query
                .get("page")
                .and_then(|page| page.parse().ok())
                .filter(|page| *page >= 1)
                .unwrap_or(1),
        }
    });
    // One more than a page, to know whether there is another in that direction.
    let users = Resource::new(
        move || position.get(),
        |position| list_users(Some((PAGE_SIZE + 1).to_string()), position.after, position.before),
    );
    let session = use_user_session();

    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(list) => EitherOf3::A(view! { <h1>"Users"</h1><UserList list position=position.get_untracked()/> }),
                    Err(AppError::EmailUnverified) => EitherOf3::B(view! { <VerifyEmailFirst/> }),
                    Err(err) => {
                        session.note_error(&err);
                        EitherOf3::C(view! { <Title text="Users"/><h1>"Users"</h1><p role="alert">{err.to_string()}</p> })
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn UserList(mut list: Vec<UserSummary>, position: ListPosition) -> impl IntoView {
    let backwards = position.before.is_some();
    let more = list.len() > PAGE_SIZE;
    // The extra user is beyond the page: below it when going back, above it otherwise.
    if more {
        match backwards {
            true => drop(list.remove(0)),
            false => list.truncate(PAGE_SIZE),
        }
    }
    let has_previous = if backwards { more } else { position.after.is_some() };
    let has_next = if backwards { true } else { more };
    // A page with nothing before it is the first, whatever the link said.
    let number = if has_previous { position.number.max(2) } else { 1 };
    let previous = (has_previous && !list.is_empty()).then(|| match number {
        2 => "/users".to_owned(),
        _ => format!("/users?before={}&page={}", list[0].id, number - 1),
    });
    let next =
        (has_next && !list.is_empty()).then(|| format!("/users?after={}&page={}", list[list.len() - 1].id, number + 1));
    let title = match number {
        1 => "Users".to_owned(),
        number => format!("Users (page {number})"),
    };
    view! {
        <Title text=title/>
        <ul class="users">
            {list
                .into_iter()
                .map(|user| view! { <li><a href=format!("/users/{}", user.id)>{user.name}</a></li> })
                .collect_view()}
        </ul>
        <p class="position">"Page " {number}</p>
        <nav aria-label="Pages" class="pages">
            {previous.map(|href| view! { <a href=href rel="prev">"Previous page"</a> })}
            {next.map(|href| view! { <a href=href rel="next">"Next page"</a> })}
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
                    Err(AppError::NotFound | AppError::InvalidInput(_)) => view! { <NotFound/> }.into_any(),
                    Err(AppError::EmailUnverified) => view! { <VerifyEmailFirst/> }.into_any(),
                    Err(err) => {
                        session.note_error(&err);
                        view! { <p role="alert">{err.to_string()}</p> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
