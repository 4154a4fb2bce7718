//! Forms in the GOV.UK Design System's error pattern: the browser's own
//! validation is off (`novalidate`); a failed submission lists every problem
//! in a summary at the top of the page (focused, each linking to its field),
//! puts each message above its field, and marks the page title "Error: ".
//! With JavaScript the fields are checked here, by the domain's own rules,
//! before anything is sent; without it the server finds the same problems and
//! sends them back to the page in a flash cookie.

use crate::{
    domain::{Invalid, Problems},
    error::AppError,
    model::FormFlash,
    user_session::use_user_session,
};
use leptos::{
    ev::{MouseEvent, SubmitEvent},
    form::FromFormData,
    html,
    prelude::*,
    server::SharedValue,
    server_fn::{codec::PostUrl, Http, ServerFn},
    task::spawn_local,
    text_prop::TextProp,
};
use serde::de::DeserializeOwned;

/// The password rules in plain words (the domain's are 8 characters and 72
/// bytes; an accented letter or an emoji takes more than one byte).
pub const PASSWORD_HINT: &str = "Use 8 to 128 characters, not a common password or your name or email.";

/// [`Invalid::PasswordTooLong`] as a person reads it: the API's message speaks of bytes.
const PASSWORD_TOO_LONG_IN_WORDS: &str = "Password must be 72 characters or fewer (fewer if it has accents or emoji)";

/// The error of one form's last submission, if it failed: an invalid
/// input's every problem, or one refusal.
#[derive(Clone, Copy)]
pub struct FormProblems(RwSignal<Option<AppError>>);

impl FormProblems {
    /// Starts with the error a plain-HTML post of the form left, if any.
    pub fn new(flash: Option<&FormFlash>) -> Self {
        Self(RwSignal::new(flash.map(|flash| flash.error.clone())))
    }

    /// Whether the form's last submission failed; not once the form is gone
    /// (the page title asks, and may outlive it).
    pub fn any(&self) -> bool {
        self.0.try_with(Option::is_some).unwrap_or(false)
    }

    pub fn show(&self, err: impl Into<AppError>) {
        self.0.set(Some(err.into()));
    }

    pub fn clear(&self) {
        self.0.set(None);
    }

    /// What to list, in form order.
    fn listed(&self) -> Vec<Listed> {
        self.0.with(|err| err.as_ref().map(listed).unwrap_or_default())
    }

    /// Whether a problem is about the input named `field`.
    fn blame(&self, field: &str) -> bool {
        self.listed().iter().any(|problem| problem.blames(field))
    }
}

/// The flash a failed plain-HTML post of the form posting to `S` left for
/// this page, taken (a later visit to the page starts clean).
pub fn take_flash<S: ServerFn>() -> Option<FormFlash> {
    take_flash_of(S::PATH)
}

/// The flash this page was sent with for `form`, taken.
pub fn take_flash_of(form: &str) -> Option<FormFlash> {
    let pending = use_context::<PendingFlash>()?.0;
    let mut taken = None;
    pending.update_value(|slot| {
        if slot.as_ref().is_some_and(|flash| flash.form == form) {
            taken = slot.take();
        }
    });
    taken
}

/// The flash of the request the page was rendered for, until a form takes it.
#[derive(Clone, Copy)]
struct PendingFlash(StoredValue<Option<FormFlash>>);

/// Makes the request's flash available to the forms; called once, by the root
/// component. It is written into the page, so the browser's first render shows
/// the same problems as the server's.
pub fn provide_form_flash() {
    let flash = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        let flash = crate::backend::http::take_form_flash();
        #[cfg(not(feature = "ssr"))]
        let flash = None;
        flash
    })
    .into_inner();
    provide_context(PendingFlash(StoredValue::new(flash)));
}

/// `page`'s title, marked when a form on it has failed, so that a screen
/// reader's user hears of the failure first. The server renders the page
/// once, so it takes the title as it is now: leptos_meta may read a title
/// after the render, outside the request's reactive arena.
pub fn title_of(page: &'static str, failed: impl Fn() -> bool + Send + Sync + 'static) -> TextProp {
    let title = move || match failed() {
        true => format!("Error: {page}"),
        false => page.to_owned(),
    };
    #[cfg(feature = "ssr")]
    let title = title();
    TextProp::from(title)
}

/// A form posting to the server function `S`, also without JavaScript. With
/// JavaScript, `check` (the domain's rules for the form) runs on the typed
/// values first, and only a form that passes is sent.
#[component]
pub fn CheckedForm<S, V, OutputProtocol>(
    action: ServerAction<S>,
    check: fn(&S) -> Result<V, Problems>,
    problems: FormProblems,
    #[prop(optional)] node_ref: NodeRef<html::Form>,
    children: Children,
) -> impl IntoView
where
    S: ServerFn<Protocol = Http<PostUrl, OutputProtocol>, Error = AppError>
        + DeserializeOwned
        + Clone
        + Send
        + Sync
        + 'static,
    S::Output: Send + Sync + 'static,
    V: 'static,
{
    let session = crate::user_session::use_user_session();
    Effect::watch(
        move || action.version().get(),
        move |_, _, _| {
            // The server's answer replaces the earlier problems: none after a success.
            let failure = action.value().with_untracked(|outcome| match outcome {
                Some(Err(err)) => Some(err.clone()),
                _ => None,
            });
            // Without a recent proof, the form's page is left to get one.
            if failure == Some(AppError::ReauthenticationRequired) {
                session.note_error(&AppError::ReauthenticationRequired);
                return;
            }
            match failure {
                Some(err) => problems.show(err),
                None => problems.clear(),
            }
        },
        false,
    );
    let on_submit = move |ev: SubmitEvent| {
        // A form this code cannot read is left to the browser to post.
        let Ok(input) = S::from_event(&ev) else { return };
        ev.prevent_default();
        if action.pending().get_untracked() {
            return;
        }
        match check(&input) {
            Ok(_) => {
                action.dispatch(input);
            }
            Err(found) => problems.show(found),
        }
    };
    view! {
        <form action=S::url() method="post" novalidate on:submit=on_submit node_ref=node_ref>
            {children()}
        </form>
    }
}

/// A labelled input whose `id` and `name` are both `name`, with its hint and
/// the messages of the problems about it above it.
#[component]
pub fn Field(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    autocomplete: &'static str,
    /// The value to start with (typed before a failed plain-HTML submission).
    #[prop(optional)]
    value: String,
    /// Guidance shown between the label and the input, and read with it.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// The keyboard a phone offers (`numeric` for a code).
    #[prop(optional)]
    inputmode: Option<&'static str>,
    problems: FormProblems,
) -> impl IntoView {
    let input = NodeRef::<html::Input>::new();
    if kind == "password" {
        // A password a problem is about is typed again; one the problem is not
        // about (a taken email, say) is kept, as the browser may have made it up.
        Effect::watch(
            move || problems.blame(name),
            move |blamed, _, _| {
                if let (true, Some(input)) = (*blamed, input.get_untracked()) {
                    input.set_value("");
                }
            },
            false,
        );
    }
    let messages = move || {
        problems
            .listed()
            .into_iter()
            .filter(|problem| problem.anchor.as_deref() == Some(name))
            .map(|problem| problem.words)
            .collect::<Vec<_>>()
    };
    let hint_id = format!("{name}-hint");
    let described_by = {
        let hint_id = hint_id.clone();
        move || {
            let mut ids: Vec<String> = hint.map(|_| hint_id.clone()).into_iter().collect();
            for problem in problems.listed().into_iter().filter(|problem| problem.blames(name)) {
                let id = problem.anchor.map(|field| format!("{field}-error"));
                if let Some(id) = id.filter(|id| !ids.contains(id)) {
                    ids.push(id);
                }
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field-error=move || problems.blame(name)>
            <label for=name>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
            {move || {
                let messages = messages();
                (!messages.is_empty())
                    .then(|| {
                        view! {
                            <p class="error-message" id=format!("{name}-error")>
                                {messages
                                    .into_iter()
                                    .map(|text| view! { <span class="visually-hidden">"Error: "</span>{text}<br/> })
                                    .collect_view()}
                            </p>
                        }
                    })
            }}
            <input
                id=name
                name=name
                type=kind
                inputmode=inputmode
                autocomplete=autocomplete
                value=(!value.is_empty()).then_some(value)
                node_ref=input
                aria-invalid=move || problems.blame(name).then_some("true")
                aria-describedby=described_by
            />
        </div>
    }
}

/// The list of a form's problems, at the top of the page: announced and
/// focused when it appears, each problem a link to its field.
#[component]
pub fn ErrorSummary(problems: FormProblems) -> impl IntoView {
    let summary = NodeRef::<html::Div>::new();
    Effect::watch(
        move || problems.0.get(),
        move |err, _, _| {
            if let (Some(_), Some(summary)) = (err, summary.get_untracked()) {
                let _ = summary.focus();
            }
        },
        false,
    );
    move || {
        let list = problems.listed();
        (!list.is_empty()).then(|| {
            let items = list
                .into_iter()
                .map(|Listed { anchor, words, .. }| match anchor {
                    Some(field) => {
                        let href = format!("#{field}");
                        view! { <li><a href=href on:click=move |ev| focus_field(ev, &field)>{words}</a></li> }
                            .into_any()
                    }
                    None => view! { <li>{words}</li> }.into_any(),
                })
                .collect_view();
            // `autofocus` focuses it on a page rendered by the server (a
            // plain-HTML post's failure); the effect above, when it appears later.
            view! {
                <div class="error-summary" role="alert" tabindex="-1" autofocus node_ref=summary>
                    <h2>"There is a problem"</h2>
                    <ul>{items}</ul>
                </div>
            }
        })
    }
}

/// Follows a summary's link by focusing the field itself (the browser would
/// only scroll to it), with its label in view.
fn focus_field(ev: MouseEvent, field: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let input = document()
            .get_element_by_id(field)
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(input) = input {
            ev.prevent_default();
            let label = document().query_selector(&format!("label[for={field}]")).ok().flatten();
            if let Some(label) = label {
                label.scroll_into_view();
            }
            let options = web_sys::FocusOptions::new();
            options.set_prevent_scroll(true);
            let _ = input.focus_with_options(&options);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, field);
}

/// A form's submit button. While the form is being sent it stays focusable
/// and announced as unavailable (`aria-disabled`; `disabled` would drop focus
/// to the page), and a second press sends nothing.
#[component]
pub fn SubmitButton(
    label: &'static str,
    #[prop(into)] pending: Signal<bool>,
    /// `secondary` for an action that is not the page's main one.
    #[prop(optional)]
    class: Option<&'static str>,
    /// What a screen reader hears after the label, to tell this button from
    /// the others with the same label (" the passkey Phone").
    #[prop(optional, into)]
    hidden_context: Option<String>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class=class
            aria-disabled=move || pending.get().then_some("true")
            on:click=move |ev| {
                if pending.get_untracked() {
                    ev.prevent_default();
                }
            }
        >
            {label}
            {hidden_context.map(|context| view! { <span class="visually-hidden">{context}</span> })}
        </button>
    }
}

/// One problem as a form shows it.
#[derive(Debug, PartialEq)]
struct Listed {
    /// The field its message stands above, and its summary links to.
    anchor: Option<String>,
    /// The inputs it is about; wrong credentials are about both, shown at the email.
    about: Vec<String>,
    words: String,
}

impl Listed {
    fn blames(&self, field: &str) -> bool {
        self.about.iter().any(|about| about == field)
    }
}

/// `err` as the problems a form lists: an invalid input's each, or the one
/// refusal.
fn listed(err: &AppError) -> Vec<Listed> {
    let at = |field: &str, about: &[&str], words: String| Listed {
        anchor: Some(field.to_owned()),
        about: about.iter().map(|field| (*field).to_owned()).collect(),
        words,
    };
    match err {
        AppError::InvalidInput(problems) => problems
            .iter()
            .map(|problem| at(&problem.field, &[&problem.field], words_of(problem.invalid)))
            .collect(),
        AppError::InvalidCredentials => vec![at("email", &["email", "password"], err.to_string())],
        AppError::EmailTaken => vec![at("email", &["email"], EMAIL_TAKEN_IN_WORDS.to_owned())],
        other => vec![Listed {
            anchor: None,
            about: Vec::new(),
            words: message(other),
        }],
    }
}

/// What a person reads for a broken rule: what to do about it, in GOV.UK's
/// words ("Enter your email address"), where the API's message states the
/// rule; and no message speaks of bytes.
fn words_of(invalid: Invalid) -> String {
    match invalid {
        Invalid::PasswordTooLong => PASSWORD_TOO_LONG_IN_WORDS,
        Invalid::EmailRequired => "Enter your email address",
        Invalid::EmailInvalid => "Enter an email address in the correct format, like name@example.com",
        Invalid::NameRequired => "Enter your name",
        Invalid::PasswordRequired => "Enter your password",
        Invalid::CurrentPasswordRequired => "Enter your current password",
        other => return other.to_string(),
    }
    .to_owned()
}

/// [`AppError::EmailTaken`] with the way forward.
const EMAIL_TAKEN_IN_WORDS: &str =
    "This email address is already registered: log in, or reset your password if you have forgotten it";

/// What a person reads for a refusal: the API's message, except that a
/// refusal past the limits says how long to wait, in whole minutes.
fn message(err: &AppError) -> String {
    match err.retry_after() {
        Some(seconds) => {
            let minutes = seconds.div_ceil(60).max(1);
            let unit = if minutes == 1 { "minute" } else { "minutes" };
            format!("Too many attempts. Try again in {minutes} {unit}.")
        }
        None => err.to_string(),
    }
}

/// The check of a form without fields to fill: nothing can be wrong with it
/// before it is sent.
pub fn nothing_to_check<S>(_: &S) -> Result<(), Problems> {
    Ok(())
}

/// After an action that changes the session succeeds (a login, a
/// registration, a verified email, an ended session), the session is re-read;
/// the page's guard then moves the user on if it must.
pub fn refresh_session_on_success<S>(action: ServerAction<S>)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let session = use_user_session();
    on_success(action, move |_| spawn_local(session.fetch()));
}

/// Runs `then` with what `action` answered, each time it succeeds.
pub fn on_success<S>(action: ServerAction<S>, then: impl Fn(S::Output) + 'static)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Effect::watch(
        move || action.version().get(),
        move |_, _, _| {
            if let Some(Ok(answer)) = action.value().get_untracked() {
                then(answer);
            }
        },
        false,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_past_the_limits_says_how_long_to_wait() {
        let wait = |retry_after| message(&AppError::TooManyRequests { retry_after });
        assert_eq!(wait(Some(900)), "Too many attempts. Try again in 15 minutes.");
        assert_eq!(wait(Some(61)), "Too many attempts. Try again in 2 minutes.");
        assert_eq!(wait(Some(1)), "Too many attempts. Try again in 1 minute.");
        assert_eq!(wait(None), "Too many attempts, try again later");
        assert_eq!(message(&AppError::InvalidCredentials), "Invalid email or password");
    }

    #[test]
    fn no_message_speaks_of_bytes() {
        let too_long = crate::domain::Password::parse(&"é".repeat(129)).unwrap_err();
        let [listed] = &listed(&too_long.into())[..] else {
            panic!()
        };
        assert!(!listed.words.contains("byte"), "{}", listed.words);
    }

    #[test]
    fn a_problem_says_what_to_do_about_it() {
        let problems = crate::domain::NewAccount::parse("", "", "").unwrap_err();
        let words: Vec<_> = listed(&problems.into())
            .into_iter()
            .map(|listed| listed.words)
            .collect();
        assert_eq!(
            words,
            ["Enter your name", "Enter your email address", "Enter your password"]
        );
        let [taken] = &listed(&AppError::EmailTaken)[..] else {
            panic!()
        };
        assert!(
            taken.words.contains("log in, or reset your password"),
            "{}",
            taken.words
        );
    }

    #[test]
    fn wrong_credentials_are_shown_at_the_email_and_blame_both_fields() {
        let [credentials] = &listed(&AppError::InvalidCredentials)[..] else {
            panic!()
        };
        assert_eq!(credentials.anchor.as_deref(), Some("email"));
        assert!(credentials.blames("email") && credentials.blames("password"));
        let [taken] = &listed(&AppError::EmailTaken)[..] else {
            panic!()
        };
        assert!(!taken.blames("password"));
        let [limited] = &listed(&AppError::TooManyRequests { retry_after: None })[..] else {
            panic!()
        };
        assert_eq!(limited.anchor, None);
    }

    #[test]
    fn an_invalid_input_lists_each_problem_at_its_field() {
        let problems = crate::domain::NewAccount::parse("", "ada@example.com", "short").unwrap_err();
        let fields: Vec<_> = listed(&problems.into())
            .into_iter()
            .map(|listed| listed.anchor)
            .collect();
        assert_eq!(fields, [Some("name".to_owned()), Some("password".to_owned())]);
    }
}
