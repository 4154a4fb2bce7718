use super::form::{track_auth_submission, Field, FormError, SubmitButton};
use crate::api::Login;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/login`, optionally `?redirect=/path` to land on after logging in.
#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let password = NodeRef::new();
    let error = track_auth_submission(action, password);
    let query = use_query_map();
    let from_query = move |key: &str| query.read_untracked().get(key).unwrap_or_default();

    view! {
        <Title text="Login"/>
        <h1>"Login"</h1>
        <ActionForm action=action>
            <input type="hidden" name="redirect" value=from_query("redirect")/>
            <Field name="email" label="Email" kind="email" autocomplete="username" value=from_query("email") error/>
            <Field name="password" label="Password" kind="password" autocomplete="current-password"
                node_ref=password error/>
            <FormError error/>
            <SubmitButton label="Login" pending=action.pending()/>
        </ActionForm>
        <p>"No account yet? " <a href="/register">"Register"</a></p>
    }
}
