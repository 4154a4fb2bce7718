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
    view! {
        <header>
            <nav aria-label="Main">
                <a href="/">"Home"</a>
                <AuthState
                    logged_in=move || view! {
                        <a href="/users">"Users"</a>
                        <a href="/account">"Account"</a>
                        <span class="who">{name}</span>
                        <LogoutButton/>
                    }
                    logged_out=|| view! {
                        <LoginLink>"Login"</LoginLink>
                        <a href="/register">"Register"</a>
                    }
                />
            </nav>
        </header>
    }
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
