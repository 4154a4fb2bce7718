//! Two-step verification in the browser: `/two-factor`, where a sign-in
//! waiting for its second step gets its code (with or without JavaScript),
//! and the account page's section that turns it on and off.

use super::{
    form::{take_flash, title_of, CheckedForm, ErrorSummary, Field, FormProblems, SubmitButton},
    query_value, LoginLink,
};
use crate::{
    api::{disable_two_factor, enable_two_factor, new_recovery_codes, set_up_two_factor, TwoFactor},
    domain::{check_code_form, safe_redirect_target},
    error::AppError,
    model::TwoFactorSetup,
    user_session::use_user_session,
};
use leptos::{either::EitherOf3, prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

/// `/two-factor?redirect=<path>`: the code of the authenticator app, or with
/// `recovery=1` a recovery code, then on to `redirect`.
#[component]
pub fn TwoFactorPage() -> impl IntoView {
    let action = ServerAction::<TwoFactor>::new();
    let problems = FormProblems::new(take_flash::<TwoFactor>().as_ref());
    let target = safe_redirect_target(&query_value("redirect").unwrap_or_default());
    let recovery = query_value("recovery").is_some();
    let session = use_user_session();
    let navigate = use_navigate();
    Effect::watch(
        move || action.version().get(),
        {
            let target = target.clone();
            move |_, _, _| {
                if action.value().with_untracked(|outcome| matches!(outcome, Some(Ok(_)))) {
                    let (navigate, target) = (navigate.clone(), target.clone());
                    // The page it goes to must see the new session.
                    spawn_local(async move {
                        session.fetch().await;
                        navigate(&target, Default::default());
                    });
                }
            }
        },
        false,
    );
    let switch = format!(
        "/two-factor?redirect={}{}",
        utf8_percent_encode(&target, NON_ALPHANUMERIC),
        if recovery { "" } else { "&recovery=1" }
    );
    let field = if recovery {
        view! { <Field name="code" label="Recovery code" autocomplete="off" problems/> }.into_any()
    } else {
        view! {
            <Field name="code" label="Code" autocomplete="one-time-code" inputmode="numeric"
                hint="The 6-digit code your authenticator app shows for this site." problems/>
        }
        .into_any()
    };
    view! {
        <Title text=title_of("Two-step verification", move || problems.any())/>
        <ErrorSummary problems/>
        <h1>"Two-step verification"</h1>
        <p>
            {if recovery {
                "Enter one of the recovery codes you saved when you turned on two-step verification. Each works once."
            } else {
                "Your account asks for a code as well as your password."
            }}
        </p>
        <CheckedForm action problems check=|input: &TwoFactor| check_code_form(&input.code)>
            <input type="hidden" name="redirect" value=target/>
            {field}
            <SubmitButton label="Verify" pending=action.pending()/>
        </CheckedForm>
        <p>
            <a href=switch rel="external">
                {if recovery { "Use a code from your authenticator app" } else { "Use a recovery code" }}
            </a>
        </p>
        <p>"Waited more than 5 minutes? " <LoginLink>"Log in again"</LoginLink> "."</p>
    }
}

/// The account page's "Two-step verification": set up (QR code and secret),
/// confirm with a code, the recovery codes once, then turn off or make new
/// recovery codes. Setting up needs JavaScript, as passkeys do.
#[component]
pub fn TwoFactorSection(enabled: bool) -> impl IntoView {
    let on = RwSignal::new(enabled);
    let setup = RwSignal::new(None::<TwoFactorSetup>);
    let codes = RwSignal::new(None::<Vec<String>>);
    let problem = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let problems = FormProblems::new(None);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let session = use_user_session();
    let refused = move |err: AppError| {
        session.note_error(&err);
        match err {
            AppError::InvalidInput(_) => problems.show(err),
            other => problem.set(Some(other.to_string())),
        }
    };
    // Runs `call` once at a time; its outcome goes to `done`, or is shown.
    let run = move |call: std::pin::Pin<Box<dyn std::future::Future<Output = Result<Outcome, AppError>>>>| {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        problem.set(None);
        problems.clear();
        spawn_local(async move {
            match call.await {
                Ok(Outcome::SetUp(new)) => setup.set(Some(new)),
                Ok(Outcome::Codes(new)) => {
                    on.set(true);
                    setup.set(None);
                    codes.set(Some(new));
                }
                Ok(Outcome::Off) => {
                    on.set(false);
                    codes.set(None);
                }
                Err(err) => refused(err),
            }
            pending.set(false);
        });
    };
    let start = move |_| {
        run(Box::pin(async { set_up_two_factor().await.map(Outcome::SetUp) }));
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let code = super::passkeys::browser::input_value("code");
        if let Err(found) = check_code_form(&code) {
            return problems.show(AppError::InvalidInput(found));
        }
        run(Box::pin(async move {
            enable_two_factor(code)
                .await
                .map(|codes| Outcome::Codes(codes.recovery_codes))
        }));
    };
    let renew = move |_| {
        run(Box::pin(async {
            new_recovery_codes()
                .await
                .map(|codes| Outcome::Codes(codes.recovery_codes))
        }));
    };
    let turn_off = move |_| {
        run(Box::pin(async { disable_two_factor().await.map(|_| Outcome::Off) }));
    };
    let state = move || match (on.get(), setup.get()) {
        (true, _) => EitherOf3::A(view! {
            <p>"Two-step verification is on: a password or a provider asks for a code from your authenticator app."</p>
            {move || codes.get().map(|codes| view! { <RecoveryCodesShown codes/> })}
            <div class="actions">
                <button type="button" class="secondary" on:click=renew disabled=move || pending.get()>
                    "New recovery codes"
                </button>
                <button type="button" class="secondary" on:click=turn_off disabled=move || pending.get()>
                    "Turn off"
                </button>
            </div>
        }),
        (false, Some(setup)) => EitherOf3::B(view! {
            <p>"Scan the QR code with your authenticator app, or type the secret into it. Then enter the code it shows."</p>
            <div class="qr" role="img" aria-label="QR code of the secret" inner_html=setup.qr_svg></div>
            <p>"Secret: " <code class="secret" id="two-factor-secret">{setup.secret}</code></p>
            <form on:submit=confirm novalidate>
                <Field name="code" label="Code" autocomplete="one-time-code" inputmode="numeric" problems/>
                <SubmitButton label="Turn on" pending/>
            </form>
        }),
        (false, None) => EitherOf3::C(view! {
            <p>
                "Ask for a code from an authenticator app on your phone as well as your password, so a stolen "
                "password alone cannot sign in."
            </p>
            <button type="button" on:click=start disabled=move || pending.get() || !hydrated.get()>
                "Set up two-step verification"
            </button>
            <p class="hint">{move || (!hydrated.get()).then_some("Setting it up needs JavaScript.")}</p>
        }),
    };
    view! {
        <section aria-labelledby="two-factor">
            <h2 id="two-factor">"Two-step verification"</h2>
            <ErrorSummary problems/>
            {state}
            {move || problem.get().map(|message| view! { <p role="alert">{message}</p> })}
        </section>
    }
}

/// What a step of the section led to.
enum Outcome {
    SetUp(TwoFactorSetup),
    Codes(Vec<String>),
    Off,
}

/// The recovery codes, this once: to write down, copy or download.
#[component]
fn RecoveryCodesShown(codes: Vec<String>) -> impl IntoView {
    let text = codes.join("\n") + "\n";
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        utf8_percent_encode(&text, NON_ALPHANUMERIC)
    );
    view! {
        <div class="recovery-codes" role="status">
            <p>
                "Your recovery codes. Keep them somewhere safe: each signs in once without the app. "
                "They are shown only now."
            </p>
            <ul class="codes">{codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}</ul>
            <a href=download download="recovery-codes.txt">"Download the recovery codes"</a>
        </div>
    }
}
