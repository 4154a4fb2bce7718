use super::form::{
    refresh_session_on_success, take_flash, title_of, CheckedForm, ErrorSummary, Field, FormProblems, SubmitButton,
    PASSWORD_HINT,
};
use super::{features::features, passkeys::PasskeySignUp, providers::ContinueWithProvider, LoginLink};
use crate::{api::Register, domain::NewAccount, error::AppError};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/register`: creates an account and logs it in; on a site that takes
/// no new accounts (`REGISTRATION=closed`), says so.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let features = features();
    if !features.registration {
        return view! { <RegistrationClosed/> }.into_any();
    }
    let action = ServerAction::<Register>::new();
    refresh_session_on_success(action);
    let flash = take_flash::<Register>();
    let problems = FormProblems::new(flash.as_ref());
    let typed = |field| flash.as_ref().map(|flash| flash.value(field)).unwrap_or_default();
    let (name, email) = (typed("name"), typed("email"));

    view! {
        <Title text=title_of("Register", move || problems.any())/>
        <ErrorSummary problems/>
        <h1>"Register"</h1>
        <CheckedForm
            action
            problems
            check=|input: &Register| NewAccount::check(&input.name, &input.email, &input.password)
        >
            <Field name="name" label="Name" autocomplete="name" value=name problems/>
            <Field name="email" label="Email" kind="email" autocomplete="email" value=email problems/>
            <Field name="password" label="Password" kind="password" autocomplete="new-password"
                hint=PASSWORD_HINT problems/>
            <SubmitButton label="Register" pending=action.pending()/>
        </CheckedForm>
        {features.passkeys.then(|| view! { <PasskeySignUp problems/> })}
        <ContinueWithProvider/>
        <p>"Already registered? " <LoginLink>"Login"</LoginLink></p>
    }
    .into_any()
}

#[component]
fn RegistrationClosed() -> impl IntoView {
    view! {
        <Title text="Registration is closed"/>
        <h1>"Registration is closed"</h1>
        <p>{AppError::RegistrationClosed.to_string()} "."</p>
        <p>"Already registered? " <LoginLink>"Login"</LoginLink></p>
    }
}
