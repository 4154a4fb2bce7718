//! The pages that ask before the account page ends or removes something: a
//! session, every other session, a passkey. The GOV.UK confirmation pattern:
//! what it is, what will happen, the button that does it, and a way back.
//! A person who pressed `End` by mistake (or pressed Enter twice) lands here,
//! not logged out. They work without JavaScript too: the account page's
//! buttons are forms that `GET` these pages, and these post as the account
//! page's buttons did (a refusal comes back here, to the page it came
//! from). After the action the account page's banner says what was done,
//! and has the focus.

use super::{
    form::{nothing_to_check, on_success, take_flash, title_of, CheckedForm, ErrorSummary, FormProblems, SubmitButton},
    notice::Notice,
    query_value,
    time::LocalTime,
};
use crate::{
    api::{list_passkeys, list_sessions, EndListedSession, LogoutEverywhere, RemovePasskey, LOGGED_OUT_PAGE},
    error::AppError,
    model::{ActiveSession, PasskeySummary},
    user_session::use_user_session,
};
use leptos::{either::EitherOf3, prelude::*};
use leptos_meta::Title;
use leptos_router::{hooks::use_navigate, NavigateOptions};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use std::future::Future;

pub const END_SESSION_PATH: &str = "/account/end-session";
pub const REMOVE_PASSKEY_PATH: &str = "/account/remove-passkey";
pub const LOG_OUT_EVERYWHERE_PATH: &str = "/account/log-out-everywhere";

/// `/account/end-session?session=<listed id>`.
#[component]
pub fn EndSessionPage() -> impl IntoView {
    let listed_as = query_value("session").unwrap_or_default();
    let find = move || {
        let listed_as = listed_as.clone();
        async move {
            let list = list_sessions().await?;
            Ok(list.into_iter().find(|listed| listed.id == listed_as))
        }
    };
    view! {
        <ConfirmOne
            title="End a session"
            find
            gone="This session has already ended"
            confirm=|listed: ActiveSession| view! { <ConfirmEndSession listed/> }
        />
    }
}

/// `/account/remove-passkey?passkey=<credential id>`.
#[component]
pub fn RemovePasskeyPage() -> impl IntoView {
    let id = query_value("passkey").unwrap_or_default();
    let find = move || {
        let id = id.clone();
        async move {
            let methods = list_passkeys().await?;
            Ok(methods.passkeys.into_iter().find(|passkey| passkey.id == id))
        }
    };
    view! {
        <ConfirmOne
            title="Remove a passkey"
            find
            gone="This passkey has already been removed"
            confirm=|passkey: PasskeySummary| view! { <ConfirmRemovePasskey passkey/> }
        />
    }
}

/// A confirmation of something the URL names: `find` looks it up among the
/// user's (`None`: not, or no longer, one of theirs), `confirm` asks about it.
#[component]
fn ConfirmOne<T, Found, Fut, Confirm, V>(
    title: &'static str,
    find: Found,
    gone: &'static str,
    confirm: Confirm,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    Found: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<T>, AppError>> + Send + 'static,
    Confirm: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let found = Resource::new(|| (), move |_| find());
    view! {
        <Transition fallback=move || view! { <Title text=title/><p class="loading">"Loading…"</p> }>
            {move || {
                let confirm = confirm.clone();
                Suspend::new(async move {
                    match found.await {
                        Ok(Some(it)) => EitherOf3::A(confirm(it)),
                        Ok(None) => EitherOf3::B(view! {
                            <Title text=title/>
                            <h1>{gone}</h1>
                            <p><a href="/account">"Back to your account"</a></p>
                        }),
                        Err(err) => {
                            use_user_session().note_error(&err);
                            EitherOf3::C(view! { <Title text=title/><p role="alert">{err.to_string()}</p> })
                        }
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn ConfirmEndSession(listed: ActiveSession) -> impl IntoView {
    let action = ServerAction::<EndListedSession>::new();
    let problems = FormProblems::new(take_flash::<EndListedSession>().as_ref());
    let session = use_user_session();
    let navigate = use_navigate();
    let itself = listed.current;
    on_success(action, move |_| {
        if itself {
            // Once the effects of this answer have run: the session's end
            // takes this page away, and them with it.
            leptos::task::spawn_local(async move { session.ended_here(LOGGED_OUT_PAGE) });
        } else {
            navigate(&account_saying(Notice::SessionEnded), NavigateOptions::default());
        }
    });
    let (heading, label) = if itself {
        ("End this browser’s session?", "End session and log out")
    } else {
        ("End this session?", "End session")
    };
    view! {
        <Title text=title_of("End a session", move || problems.any())/>
        <ErrorSummary problems/>
        <h1>{heading}</h1>
        <dl class="summary-list">
            <Row key="Browser">{listed.browser}</Row>
            <Row key="Last active"><LocalTime at=listed.last_seen_at/></Row>
            <Row key="Logged in"><LocalTime at=listed.created_at/></Row>
            <Row key="Address">{listed.address}</Row>
        </dl>
        {if itself {
            view! {
                <p class="warning-text">
                    <strong>"This is the browser you are using. Ending its session logs you out here."</strong>
                </p>
            }
            .into_any()
        } else {
            view! { <p>"That browser is logged out at its next request. Whoever uses it must log in again."</p> }
                .into_any()
        }}
        <CheckedForm action problems check={nothing_to_check::<EndListedSession>}>
            <input type="hidden" name="id" value=listed.id/>
            <Choice label pending=action.pending()/>
        </CheckedForm>
    }
}

#[component]
fn ConfirmRemovePasskey(passkey: PasskeySummary) -> impl IntoView {
    let action = ServerAction::<RemovePasskey>::new();
    let problems = FormProblems::new(take_flash::<RemovePasskey>().as_ref());
    let navigate = use_navigate();
    on_success(action, move |_| {
        navigate(&account_saying(Notice::PasskeyRemoved), NavigateOptions::default())
    });
    let last_used = match passkey.last_used_at {
        Some(at) => leptos::either::Either::Left(view! { <LocalTime at/> }),
        None => leptos::either::Either::Right("Never used to sign in"),
    };
    view! {
        <Title text=title_of("Remove a passkey", move || problems.any())/>
        <ErrorSummary problems/>
        <h1>"Remove this passkey?"</h1>
        <dl class="summary-list">
            <Row key="Name">{passkey.name}</Row>
            <Row key="Added"><LocalTime at=passkey.created_at/></Row>
            <Row key="Last used">{last_used}</Row>
        </dl>
        <p>
            "It will no longer sign in to your account. The passkey itself stays on the device or "
            "password manager that keeps it, where you can delete it too."
        </p>
        <CheckedForm action problems check={nothing_to_check::<RemovePasskey>}>
            <input type="hidden" name="id" value=passkey.id/>
            <Choice label="Remove passkey" pending=action.pending()/>
        </CheckedForm>
    }
}

/// `/account/log-out-everywhere`.
#[component]
pub fn LogOutEverywherePage() -> impl IntoView {
    let action = ServerAction::<LogoutEverywhere>::new();
    let problems = FormProblems::new(take_flash::<LogoutEverywhere>().as_ref());
    let session = use_user_session();
    let navigate = use_navigate();
    on_success(action, move |_| {
        leptos::task::spawn_local(session.fetch());
        navigate(&account_saying(Notice::LoggedOutElsewhere), NavigateOptions::default());
    });
    view! {
        <Title text=title_of("Log out everywhere", move || problems.any())/>
        <ErrorSummary problems/>
        <h1>"Log out everywhere else?"</h1>
        <p>
            "Every other browser and device where you are logged in is logged out at its next request. "
            "This browser stays logged in."
        </p>
        <CheckedForm action problems check={nothing_to_check::<LogoutEverywhere>}>
            <Choice label="Log out everywhere else" pending=action.pending()/>
        </CheckedForm>
    }
}

/// A button that opens `page` (with `field=value` when given): a form that
/// `GET`s it, so it works without JavaScript; in the running app, a
/// navigation of the router. Written here rather than with the router's
/// `<Form>`, whose posting machinery (gloo-net) would weigh on the chunk
/// for what is only a link that looks like a button.
#[component]
pub fn OpenPage(
    page: &'static str,
    #[prop(optional)] field: Option<(&'static str, String)>,
    children: Children,
) -> impl IntoView {
    let navigate = use_navigate();
    let target = match &field {
        Some((name, value)) => format!("{page}?{name}={}", utf8_percent_encode(value, NON_ALPHANUMERIC)),
        None => page.to_owned(),
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        navigate(&target, NavigateOptions::default());
    };
    view! {
        <form method="get" action=page on:submit=on_submit>
            {field.map(|(name, value)| view! { <input type="hidden" name=name value=value/> })}
            {children()}
        </form>
    }
}

/// The account page, with the banner saying `notice`.
fn account_saying(notice: Notice) -> String {
    format!("/account?done={}", notice.key())
}

/// The confirming button, and the way back without doing anything.
#[component]
fn Choice(label: &'static str, #[prop(into)] pending: Signal<bool>) -> impl IntoView {
    view! {
        <div class="actions">
            <SubmitButton label class="warning" pending/>
            <a href="/account">"Cancel"</a>
        </div>
    }
}

/// A row of a summary list: `key`, and `children` as its value.
#[component]
pub fn Row(key: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="summary-list-row">
            <dt>{key}</dt>
            <dd>{children()}</dd>
        </div>
    }
}
