use super::form::{track_auth_submission, Field, FormError, SubmitButton, PASSWORD_HINT};
use crate::{
    api::Register,
    domain::{Email, Password, UserName},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/register`: creates an account and logs it in.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = ServerAction::<Register>::new();
    let password = NodeRef::new();
    let error = track_auth_submission(action, password);
    let echoed = |key: &str| use_query_map().read_untracked().get(key).unwrap_or_default();

    view! {
        <Title text="Register"/>
        <h1>"Register"</h1>
        <ActionForm action=action>
            <Field name="name" label="Name" autocomplete="name" value=echoed("name")
                maxlength=UserName::MAX_CHARS error/>
            <Field name="email" label="Email" kind="email" autocomplete="email" value=echoed("email")
                maxlength=Email::MAX_CHARS error/>
            <Field name="password" label="Password" kind="password" autocomplete="new-password"
                minlength=Password::MIN_CHARS node_ref=password hint=PASSWORD_HINT error/>
            <FormError error/>
            <SubmitButton label="Register" pending=action.pending()/>
        </ActionForm>
        <p>"Already registered? " <a href="/login">"Login"</a></p>
    }
}
