//! Passkeys in the browser: the buttons of `/register` and `/account`, and
//! the calls to `navigator.credentials` they make (`/login`'s button is
//! run by that page's own script, `login.js`). The
//! server's options go to the browser's own JSON parsers
//! (`PublicKeyCredential.parse…OptionsFromJSON`, WebAuthn Level 3) and the
//! credential comes back through its `toJSON()`, so no WebAuthn types are
//! compiled into the wasm.
//!
//! Passkeys need JavaScript: until the page is live the buttons are
//! disabled and a note says so; the password forms work either way.

use super::{
    form::{Field, FormProblems},
    notice::{announcer, Notice},
};
use crate::{
    api::{passkey_sign_up, passkey_sign_up_options},
    domain::NewPasskeyAccount,
    error::AppError,
    model::PasskeyChallenge,
    user_session::{use_user_session, UserSession},
};
use leptos::{prelude::*, task::spawn_local};

/// Why a passkey ceremony did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub enum PasskeyProblem {
    /// The browser or the authenticator said no, in plain words.
    Browser(&'static str),
    /// The server refused.
    Server(AppError),
    /// Stopped before it finished (the page was left): nothing to say.
    /// Only the browser's calls make it.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    Aborted,
}

impl From<AppError> for PasskeyProblem {
    fn from(err: AppError) -> Self {
        Self::Server(err)
    }
}

impl PasskeyProblem {
    /// What the page says, if anything.
    pub fn message(&self) -> Option<String> {
        match self {
            Self::Browser(text) => Some((*text).to_owned()),
            Self::Server(err) => Some(err.to_string()),
            Self::Aborted => None,
        }
    }
}

/// A browser's refusal of a passkey request, by the name of its
/// `DOMException`, in plain words; `None` for one the page caused itself (it
/// stopped the request, or the user left): nothing to say. The wasm's calls
/// and `/login`'s script (`login.js`, told them by `login.rs`) both say these.
pub const BROWSER_REFUSALS: [(&str, Option<&str>); 5] = [
    ("AbortError", None),
    (
        "NotAllowedError",
        Some("The passkey request was cancelled or took too long. Try again when you are ready."),
    ),
    (
        "InvalidStateError",
        Some("This device already has a passkey for this account."),
    ),
    (
        "NotSupportedError",
        Some("This browser or device cannot make the kind of passkey this site needs."),
    ),
    (
        "SecurityError",
        Some("Passkeys cannot be used at this address of the site."),
    ),
];

/// Any other refusal by the browser.
pub const OTHER_BROWSER_REFUSAL: &str = "The passkey request failed. Try again, or use your password.";

/// What a passkey button says in a browser without WebAuthn's JSON methods.
pub const UNSUPPORTED: &str = "This browser cannot use passkeys.";

/// Whether the page is live (hydrated): effects run only in the browser.
fn live() -> ReadSignal<bool> {
    let (live, set_live) = signal(false);
    Effect::new(move |_| set_live.set(true));
    live
}

/// Whether this browser can use passkeys: `None` until the page is live
/// (server-rendered, or not yet hydrated).
fn support() -> Signal<Option<bool>> {
    let live = live();
    Signal::derive(move || live.get().then(browser::supported))
}

/// The note beside a passkey button while it cannot be used.
#[component]
fn SupportNote(support: Signal<Option<bool>>) -> impl IntoView {
    move || match support.get() {
        None => Some(view! { <p class="hint">"Passkeys need JavaScript, which is off or still loading."</p> }),
        Some(false) => Some(view! { <p class="hint">{UNSUPPORTED}</p> }),
        Some(true) => None,
    }
}

/// A passkey button: disabled, with a note saying why, until passkeys can be
/// used; announced as unavailable while its ceremony runs; its outcome in
/// `role="alert"` below it. A submit button when it has no `on_press`.
#[component]
fn PasskeyButton(
    label: &'static str,
    support: Signal<Option<bool>>,
    pending: RwSignal<bool>,
    problem: RwSignal<Option<String>>,
    #[prop(optional)] on_press: Option<Callback<()>>,
) -> impl IntoView {
    view! {
        <SupportNote support/>
        <button
            type=if on_press.is_some() { "button" } else { "submit" }
            disabled=move || support.get() != Some(true)
            aria-disabled=move || pending.get().then_some("true")
            on:click=move |_| {
                if let Some(on_press) = on_press {
                    on_press.run(());
                }
            }
        >
            {label}
        </button>
        <ProblemAlert problem/>
    }
}

/// A ceremony's outcome in `role="alert"`, added when there is one (an
/// alert is announced as it appears).
#[component]
fn ProblemAlert(problem: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        problem
            .get()
            .map(|message| view! { <p role="alert" class="passkey-problem">{message}</p> })
    }
}

/// `/login`'s "Sign in with a passkey" as the server writes it: disabled,
/// with the note that passkeys need JavaScript. `/login` runs no wasm: its
/// own script (`login.js`) enables the button, and offers passkeys in the
/// email field's suggestions (`autocomplete="username webauthn"`).
#[cfg(feature = "ssr")]
#[component]
pub fn PasskeySignIn() -> impl IntoView {
    view! {
        <section aria-labelledby="passkey-sign-in" class="passkey">
            <h2 id="passkey-sign-in">"Or use a passkey"</h2>
            <PasskeyButton
                label="Sign in with a passkey"
                support=Signal::stored(None)
                pending=RwSignal::new(false)
                problem=RwSignal::new(None)
                on_press=Callback::new(|()| ())
            />
        </section>
    }
}

/// `/register`'s "Create account with a passkey": the name and email typed
/// in the form above, checked by the form's rules, and no password.
#[component]
pub fn PasskeySignUp(problems: FormProblems) -> impl IntoView {
    let support = support();
    let session = use_user_session();
    let problem = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let on_click = Callback::new(move |()| {
        if pending.get_untracked() {
            return;
        }
        let (name, email) = (browser::input_value("name"), browser::input_value("email"));
        if let Err(found) = NewPasskeyAccount::check(&name, &email) {
            problems.show(found);
            return;
        }
        pending.set(true);
        problem.set(None);
        spawn_local(async move {
            match sign_up(session, name, email).await {
                // Problems with the name or email show at their fields.
                Err(PasskeyProblem::Server(err)) if matches!(err, AppError::InvalidInput(_) | AppError::EmailTaken) => {
                    problems.show(err)
                }
                outcome => problem.set(outcome.err().and_then(|problem| problem.message())),
            }
            pending.set(false);
        });
    });
    view! {
        <section aria-labelledby="passkey-sign-up" class="passkey">
            <h2 id="passkey-sign-up">"Or use a passkey"</h2>
            <p>
                "No password to remember: your device keeps the passkey and unlocks it with your fingerprint, "
                "face or screen lock."
            </p>
            <PasskeyButton label="Create account with a passkey" support pending problem on_press=on_click/>
        </section>
    }
}

/// Creates an account with a new passkey, and the session it starts.
async fn sign_up(session: UserSession, name: String, email: String) -> Result<(), PasskeyProblem> {
    let PasskeyChallenge { ceremony, options } = passkey_sign_up_options(name, email).await?;
    let credential = browser::create(options.get()).await?;
    passkey_sign_up(ceremony, credential).await?;
    session.fetch().await;
    Ok(())
}

/// Creates a passkey for the logged-in user and stores it under `name`.
async fn add_passkey(name: String) -> Result<crate::model::PasskeySummary, PasskeyProblem> {
    let PasskeyChallenge { ceremony, options } = crate::api::add_passkey_options().await?;
    let credential = browser::create(options.get()).await?;
    Ok(crate::api::add_passkey(ceremony, credential, name).await?)
}

/// Proves who the logged-in user is with one of their passkeys.
async fn confirm_with_passkey() -> Result<(), PasskeyProblem> {
    let PasskeyChallenge { ceremony, options } = crate::api::reauthenticate_passkey_options().await?;
    let credential = browser::get(options.get()).await?;
    crate::api::reauthenticate_with_passkey(ceremony, credential).await?;
    Ok(())
}

/// `/reauthenticate`'s "Confirm with a passkey": `confirmed` runs once the
/// server has taken the proof. JavaScript only.
#[component]
pub fn ConfirmWithPasskey(confirmed: Callback<()>) -> impl IntoView {
    let support = support();
    let problem = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let on_click = Callback::new(move |()| {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        problem.set(None);
        spawn_local(async move {
            match confirm_with_passkey().await {
                Ok(()) => confirmed.run(()),
                Err(outcome) => problem.set(outcome.message()),
            }
            pending.set(false);
        });
    });
    view! {
        <section aria-labelledby="confirm-passkey" class="passkey">
            <h2 id="confirm-passkey">"Or use a passkey"</h2>
            <PasskeyButton label="Confirm with a passkey" support pending problem on_press=on_click/>
        </section>
    }
}

/// Names and makes a passkey. JavaScript only: the button is disabled
/// until the page is live.
#[component]
pub fn AddPasskeyForm(added: RwSignal<u32>) -> impl IntoView {
    let problems = FormProblems::new(None);
    let problem = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let session = use_user_session();
    let support = support();
    let announce = announcer();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let name = browser::input_value("passkey_name");
        let announce = announce.clone();
        pending.set(true);
        problem.set(None);
        problems.clear();
        spawn_local(async move {
            match add_passkey(name).await {
                Ok(_) => {
                    added.update(|count| *count += 1);
                    announce(Notice::PasskeyAdded);
                }
                Err(PasskeyProblem::Server(err @ AppError::InvalidInput(_))) => problems.show(err),
                Err(PasskeyProblem::Server(err)) => {
                    session.note_error(&err);
                    problem.set(Some(err.to_string()));
                }
                Err(other) => problem.set(other.message()),
            }
            pending.set(false);
        });
    };
    view! {
        <h3 id="add-passkey">"Add a passkey"</h3>
        <form on:submit=on_submit novalidate aria-labelledby="add-passkey">
            <Field name="passkey_name" label="Passkey name (optional)" autocomplete="off"
                hint="Say where it is kept, such as “Work laptop”. Without one, it is called “Passkey”." problems/>
            <PasskeyButton label="Add a passkey" support pending problem/>
        </form>
    }
}

/// The few WebAuthn calls the pages make, through JavaScript reflection.
#[cfg(feature = "hydrate")]
pub(super) mod browser {
    use super::PasskeyProblem;
    use js_sys::{Function, Object, Promise, Reflect, JSON};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    fn global(name: &str) -> Option<JsValue> {
        Reflect::get(&js_sys::global(), &name.into())
            .ok()
            .filter(|value| !value.is_undefined())
    }

    fn call(target: &JsValue, method: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
        let function: Function = Reflect::get(target, &method.into())?.dyn_into()?;
        function.apply(target, &args.iter().copied().collect())
    }

    async fn settle(promise: JsValue) -> Result<JsValue, JsValue> {
        JsFuture::from(promise.dyn_into::<Promise>()?).await
    }

    fn credential_api() -> Option<JsValue> {
        global("PublicKeyCredential")
    }

    /// WebAuthn with the Level 3 JSON methods (Chrome 129, Firefox 119, Safari 18).
    pub fn supported() -> bool {
        credential_api().is_some_and(|api| {
            ["parseCreationOptionsFromJSON", "parseRequestOptionsFromJSON"]
                .iter()
                .all(|method| Reflect::get(&api, &(*method).into()).is_ok_and(|f| f.is_function()))
        })
    }

    /// The value of the page's input with this id.
    pub fn input_value(id: &str) -> String {
        leptos::prelude::document()
            .get_element_by_id(id)
            .and_then(|element| Reflect::get(&element, &"value".into()).ok())
            .and_then(|value| value.as_string())
            .unwrap_or_default()
    }

    /// `{"publicKey": …}` from the server, parsed by the browser with `parse`.
    fn options(json: &str, parse: &str) -> Result<Object, JsValue> {
        let api = credential_api().ok_or_else(|| JsValue::from_str("NotSupportedError"))?;
        let public_key = Reflect::get(&JSON::parse(json)?, &"publicKey".into())?;
        let request = Object::new();
        Reflect::set(&request, &"publicKey".into(), &call(&api, parse, &[&public_key])?)?;
        Ok(request)
    }

    async fn ask(method: &str, request: Object) -> Result<String, PasskeyProblem> {
        let outcome = async {
            let navigator = Reflect::get(&js_sys::global(), &"navigator".into())?;
            let credentials = Reflect::get(&navigator, &"credentials".into())?;
            let credential = settle(call(&credentials, method, &[&request])?).await?;
            let json = JSON::stringify(&call(&credential, "toJSON", &[])?)?;
            Ok::<_, JsValue>(String::from(json))
        }
        .await;
        outcome.map_err(in_words)
    }

    pub async fn create(options_json: &str) -> Result<String, PasskeyProblem> {
        let request = options(options_json, "parseCreationOptionsFromJSON").map_err(in_words)?;
        ask("create", request).await
    }

    /// A signature of one of this site's passkeys over the server's challenge.
    pub async fn get(options_json: &str) -> Result<String, PasskeyProblem> {
        let request = options(options_json, "parseRequestOptionsFromJSON").map_err(in_words)?;
        ask("get", request).await
    }

    /// A browser's refusal (a `DOMException`, by name) in plain words
    /// ([`super::BROWSER_REFUSALS`]).
    fn in_words(err: JsValue) -> PasskeyProblem {
        let name = Reflect::get(&err, &"name".into())
            .ok()
            .and_then(|name| name.as_string())
            .or_else(|| err.as_string())
            .unwrap_or_default();
        match super::BROWSER_REFUSALS.iter().find(|(refusal, _)| *refusal == name) {
            Some((_, Some(words))) => PasskeyProblem::Browser(words),
            Some((_, None)) => PasskeyProblem::Aborted,
            None => PasskeyProblem::Browser(super::OTHER_BROWSER_REFUSAL),
        }
    }
}

/// On the server nothing here ever runs: the buttons are disabled until the
/// page is live in a browser.
#[cfg(not(feature = "hydrate"))]
pub(super) mod browser {
    use super::PasskeyProblem;

    const NO_BROWSER: PasskeyProblem = PasskeyProblem::Browser("Passkeys need a browser.");

    pub fn supported() -> bool {
        false
    }

    pub fn input_value(_id: &str) -> String {
        String::new()
    }

    pub async fn create(_options_json: &str) -> Result<String, PasskeyProblem> {
        Err(NO_BROWSER)
    }

    pub async fn get(_options_json: &str) -> Result<String, PasskeyProblem> {
        Err(NO_BROWSER)
    }
}
