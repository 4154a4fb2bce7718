use super::LoginLink;
use crate::user_session::{use_user_session, AuthState};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/`: a welcome for users, the way in for everyone else.
#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_user_session();
    let name = move || session.user.get().map(|user| user.name);
    let registration = super::features::features().registration;
    view! {
        <Title text="Home"/>
        <super::delete_account::AccountDeletedBanner/>
        <AuthState
            logged_in=move || view! {
                <h1>"Welcome, " {name}</h1>
                <p><a href="/users">"See all users"</a></p>
            }
            logged_out=move || view! {
                <h1>"Welcome"</h1>
                <p>
                    {if registration { "Create an account or log in" } else { "Log in" }}
                    " to see who else is here."
                </p>
                <p class="actions">
                    {registration.then(|| view! { <a href="/register">"Register"</a> })}
                    <LoginLink>"Login"</LoginLink>
                </p>
            }
        />
    }
}
