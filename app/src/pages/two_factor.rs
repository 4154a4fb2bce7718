//! Two-step verification in the browser: `/two-factor`, where a sign-in
//! waiting for its second step gets its code (with or without JavaScript),
//! and the account page's section that turns it on and off.

use super::{
    form::{
        nothing_to_check, on_success, take_flash, title_of, CheckedForm, ErrorSummary, Field, FormProblems,
        SubmitButton,
    },
    notice::{announcer, Notice},
    query_value, LoginLink,
};
use crate::{
    api::{DisableTwoFactor, EnableTwoFactor, NewRecoveryCodes, SetUpTwoFactor, TwoFactor},
    domain::{check_code_form, safe_redirect_target},
    model::{FormFlash, TwoFactorSetup},
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

/// The recovery codes a form posted without JavaScript left for this page,
/// written into it so the browser's first render shows them too.
pub fn codes_left_by_a_form() -> Option<Vec<String>> {
    SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        let codes = crate::backend::session::get_user_session()
            .and_then(|session| crate::backend::http::take_codes_to_show(session.user.id));
        #[cfg(not(feature = "ssr"))]
        let codes = None;
        codes
    })
    .into_inner()
}

/// The flash of whichever of the section's forms failed without JavaScript.
pub fn two_factor_flash() -> Option<FormFlash> {
    take_flash::<SetUpTwoFactor>()
        .or_else(take_flash::<EnableTwoFactor>)
        .or_else(take_flash::<DisableTwoFactor>)
        .or_else(take_flash::<NewRecoveryCodes>)
}

/// The account page's "Two-step verification": set up (QR code and secret),
/// confirm with a code, the recovery codes once, then turn off or make new
/// recovery codes. Each step is a form, so it works without JavaScript too:
/// a set-up waiting for its code comes back with the page (`setup`), and
/// codes made by a plain form post come in `codes`.
#[component]
pub fn TwoFactorSection(
    enabled: bool,
    setup: Option<TwoFactorSetup>,
    codes: Option<Vec<String>>,
    problems: FormProblems,
) -> impl IntoView {
    let set_up = ServerAction::<SetUpTwoFactor>::new();
    let enable = ServerAction::<EnableTwoFactor>::new();
    let disable = ServerAction::<DisableTwoFactor>::new();
    let renew = ServerAction::<NewRecoveryCodes>::new();
    let on = RwSignal::new(enabled);
    let setup = RwSignal::new(setup);
    let codes = RwSignal::new(codes);
    on_success(set_up, move |new| setup.set(Some(new)));
    let announce = announcer();
    let (on_enable, on_renew) = (announce.clone(), announce.clone());
    on_success(enable, move |new| {
        on.set(true);
        setup.set(None);
        codes.set(Some(new.recovery_codes));
        on_enable(Notice::TwoFactorOn);
    });
    on_success(renew, move |new| {
        codes.set(Some(new.recovery_codes));
        on_renew(Notice::RecoveryCodesMade);
    });
    on_success(disable, move |_| {
        on.set(false);
        codes.set(None);
        announce(Notice::TwoFactorOff);
    });
    let busy = Signal::derive(move || {
        set_up.pending().get() || enable.pending().get() || disable.pending().get() || renew.pending().get()
    });
    let state = move || match (on.get(), setup.get()) {
        (true, _) => EitherOf3::A(view! {
            <p>"Two-step verification is on: a password or a provider asks for a code from your authenticator app."</p>
            {move || codes.get().map(|codes| view! { <RecoveryCodesShown codes/> })}
            <div class="actions">
                <CheckedForm action=renew problems check={nothing_to_check::<NewRecoveryCodes>}>
                    <SubmitButton label="New recovery codes" class="secondary" pending=busy/>
                </CheckedForm>
                <CheckedForm action=disable problems check={nothing_to_check::<DisableTwoFactor>}>
                    <SubmitButton label="Turn off" class="secondary" pending=busy/>
                </CheckedForm>
            </div>
        }),
        (false, Some(setup)) => EitherOf3::B(view! {
            <p>"Scan the QR code with your authenticator app, or type the secret into it. Then enter the code it shows."</p>
            <div class="qr" role="img" aria-label="QR code of the secret" inner_html=setup.qr_svg></div>
            <p>"Secret: " <code class="secret" id="two-factor-secret">{setup.secret}</code></p>
            <CheckedForm action=enable problems check=|input: &EnableTwoFactor| check_code_form(&input.code)>
                <Field name="code" label="Code" autocomplete="one-time-code" inputmode="numeric" problems/>
                <SubmitButton label="Turn on" pending=busy/>
            </CheckedForm>
        }),
        (false, None) => EitherOf3::C(view! {
            <p>
                "Ask for a code from an authenticator app on your phone as well as your password, so a stolen "
                "password alone cannot sign in."
            </p>
            <CheckedForm action=set_up problems check={nothing_to_check::<SetUpTwoFactor>}>
                <SubmitButton label="Set up two-step verification" pending=busy/>
            </CheckedForm>
        }),
    };
    view! {
        <section aria-labelledby="two-factor" class="summary-card">
            <h2 id="two-factor" class="summary-card-title">"Two-step verification"</h2>
            {state}
        </section>
    }
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
