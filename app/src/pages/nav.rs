use super::LoginLink;
use crate::{
    api::Logout,
    user_session::{use_user_session, AuthState},
};
use leptos::prelude::*;

/// The site's navigation: the user's name and a Logout button when logged in.
#[component]
pub fn Nav() -> impl IntoView {
    let session = use_user_session();
    let name = move || session.user.get().map(|user| user.name);
    // Read here, once: the links below are made again as the login state
    // changes, at times when no router is found from where they are made.
    let here = leptos_router::hooks::use_location().pathname;
    let registration = super::features::features().registration;
    view! {
        <header>
            <nav aria-label="Main">
                <NavLink href="/" here>"Home"</NavLink>
                <AuthState
                    logged_in=move || view! {
                        <NavLink href="/users" here>"Users"</NavLink>
                        <NavLink href="/account" here>"Account"</NavLink>
                        <span class="who">{name}</span>
                        <LogoutButton/>
                    }
                    logged_out=move || view! {
                        <LoginLink here>"Login"</LoginLink>
                        {registration.then(|| view! { <NavLink href="/register" here>"Register"</NavLink> })}
                    }
                />
            </nav>
        </header>
    }
}

/// A link of the navigation, marked `aria-current="page"` on its page and
/// the pages under it (`/users/7` is among the users).
#[component]
fn NavLink(href: &'static str, here: Memo<String>, children: Children) -> impl IntoView {
    let current = move || {
        let here = here.get();
        let under = href != "/" && here.strip_prefix(href).is_some_and(|rest| rest.starts_with('/'));
        (here == href || under).then_some("page")
    };
    view! { <a href=href aria-current=current>{children()}</a> }
}

/// Posts the logout (a plain form without JavaScript), then loads `/login`.
#[component]
fn LogoutButton() -> impl IntoView {
    let action = ServerAction::<Logout>::new();
    let session = use_user_session();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            session.logged_out_here();
        }
    });
    view! {
        <ActionForm action=action attr:class="logout">
            <button type="submit">"Logout"</button>
        </ActionForm>
    }
}
