use super::{
    confirm::{OpenPage, Row, END_SESSION_PATH, LOG_OUT_EVERYWHERE_PATH, REMOVE_PASSKEY_PATH},
    form::{
        nothing_to_check, take_flash, take_flash_of, title_of, CheckedForm, ErrorSummary, Field, FormProblems,
        SubmitButton, PASSWORD_HINT,
    },
    notice::{announcer, AccountNotices, Notice, NotificationBanner},
    passkeys::AddPasskeyForm,
    providers::IdentitiesSection,
    recovery::SendVerificationForm,
    time::LocalTime,
    two_factor::{codes_left_by_a_form, two_factor_flash, TwoFactorSection},
};
use crate::{
    api::{
        list_passkeys, list_sessions, ChangeEmail, ChangePassword, EndListedSession, LogoutEverywhere, RemovePasskey,
        SendVerificationEmail, SetPassword, UnlinkIdentity,
    },
    domain::{check_first_password, check_password_change, Email, Problems},
    error::AppError,
    model::{ActiveSession, PasskeySummary, IDENTITY_FLASH},
    user_session::use_user_session,
};
use leptos::{either::Either, html, prelude::*, server_fn::ServerFn, task::spawn_local};
use leptos_meta::Title;

/// `/account`: who the account is (name, email), then how it signs in
/// (email, password, two-step verification, passkeys, providers), where it
/// is logged in (sessions), what happened to it (activity), and deleting it.
/// One notification banner at the top says what the last action did; the
/// actions that end or remove something ask first, on a page of their own
/// (`confirm`).
#[component]
pub fn AccountPage() -> impl IntoView {
    let password_problems = FormProblems::new(take_flash::<ChangePassword>().as_ref());
    let sessions_problems = FormProblems::new(take_flash::<LogoutEverywhere>().as_ref());
    let end_problems = FormProblems::new(take_flash::<EndListedSession>().as_ref());
    let set_password_problems = FormProblems::new(take_flash::<SetPassword>().as_ref());
    let remove_problems = FormProblems::new(take_flash::<RemovePasskey>().as_ref());
    let two_factor_problems = FormProblems::new(two_factor_flash().as_ref());
    let email_flash = take_flash::<ChangeEmail>();
    let email_problems = FormProblems::new(email_flash.as_ref());
    let email_typed = StoredValue::new(email_flash.map(|flash| flash.value("email")).unwrap_or_default());
    let verification_problems = FormProblems::new(take_flash::<SendVerificationEmail>().as_ref());
    let codes_left = StoredValue::new(codes_left_by_a_form());
    let passkeys_offered = super::features::features().passkeys;
    // A linking that failed at the provider comes back here to say why.
    let unlink_problems = FormProblems::new(
        take_flash::<UnlinkIdentity>()
            .or_else(|| take_flash_of(IDENTITY_FLASH))
            .as_ref(),
    );
    let forms = vec![
        password_problems,
        sessions_problems,
        end_problems,
        set_password_problems,
        remove_problems,
        unlink_problems,
        two_factor_problems,
        email_problems,
        verification_problems,
    ];
    let notices = AccountNotices::provide(forms.clone());
    let failed = move || forms.iter().any(FormProblems::any);
    let set_password = ServerAction::<SetPassword>::new();
    let unlink = ServerAction::<UnlinkIdentity>::new();
    let everywhere = ServerAction::<LogoutEverywhere>::new();
    let added = RwSignal::new(0_u32);
    let way_in_changed = move || notices.current().is_some_and(Notice::changes_a_way_in);
    let methods = Resource::new(
        move || (set_password.version().get(), unlink.version().get(), added.get()),
        |_| list_passkeys(),
    );
    view! {
        <Title text=title_of("Account", failed)/>
        <NotificationBanner notices/>
        <ErrorSummary problems=password_problems/>
        <ErrorSummary problems=set_password_problems/>
        <ErrorSummary problems=remove_problems/>
        <ErrorSummary problems=unlink_problems/>
        <ErrorSummary problems=two_factor_problems/>
        <ErrorSummary problems=email_problems/>
        <ErrorSummary problems=verification_problems/>
        <ErrorSummary problems=sessions_problems/>
        <ErrorSummary problems=end_problems/>
        <h1>"Account"</h1>
        <Show when=way_in_changed>
            <EndOtherSessionsOffer action=everywhere problems=sessions_problems/>
        </Show>
        <Transition fallback=|| view! { <p class="loading">"Loading your account…"</p> }>
            {move || Suspend::new(async move {
                match methods.await {
                    Ok(methods) => Either::Left(view! {
                        <YourDetails email=methods.email.clone()/>
                        <EmailSection problems=email_problems verification_problems typed=email_typed.get_value()/>
                        {if methods.has_password {
                            Either::Left(view! { <ChangePasswordForm problems=password_problems/> })
                        } else {
                            Either::Right(view! { <SetPasswordForm action=set_password problems=set_password_problems/> })
                        }}
                        <TwoFactorSection
                            enabled=methods.two_factor
                            setup=methods.two_factor_setup
                            codes=codes_left.get_value()
                            problems=two_factor_problems
                        />
                        {passkeys_offered.then(|| view! { <PasskeysSection passkeys=methods.passkeys added/> })}
                        <IdentitiesSection identities=methods.identities unlink problems=unlink_problems/>
                    }),
                    Err(err) => {
                        use_user_session().note_error(&err);
                        Either::Right(view! { <p role="alert">{err.to_string()}</p> })
                    }
                }
            })}
        </Transition>
        <SessionsSection everywhere/>
        <super::activity::ActivitySection/>
        <super::delete_account::DeleteAccountSection/>
    }
}

/// Who the account is, first: the name and the address it signs in with.
#[component]
fn YourDetails(email: String) -> impl IntoView {
    let session = use_user_session();
    let name = move || session.user.get().map(|user| user.name);
    let verified = move || session.user.get().is_some_and(|user| user.email_verified);
    let since = move || session.session.get().map(|s| view! { <LocalTime at=s.logged_in_at/> });
    view! {
        <section aria-labelledby="your-details" class="summary-card">
            <h2 id="your-details" class="summary-card-title">"Your details"</h2>
            <dl class="summary-list">
                <Row key="Name">{name}</Row>
                <div class="summary-list-row">
                    <dt>"Email address"</dt>
                    <dd>
                        <span class="email">{email}</span>" "
                        {move || if verified() {
                            Either::Left(view! { <strong class="tag">"Verified"</strong> })
                        } else {
                            Either::Right(view! { <strong class="tag tag-warning">"Not verified"</strong> })
                        }}
                    </dd>
                    <dd class="summary-list-actions">
                        <a href="#email-address">"Change" <span class="visually-hidden">" email address"</span></a>
                    </dd>
                </div>
                <Row key="Logged in">"Since " {since}</Row>
            </dl>
        </section>
    }
}

/// After a way to sign in was added or removed: whoever else may have had
/// the account's old ways in may still be signed in, so one button ends
/// every other session (OWASP ASVS 7.4.3). The banner above has said what
/// changed; this is the offer that follows from it, so it asks nothing more.
#[component]
fn EndOtherSessionsOffer(action: ServerAction<LogoutEverywhere>, problems: FormProblems) -> impl IntoView {
    track_account_change(action, Notice::LoggedOutElsewhere, || {});
    view! {
        <section aria-labelledby="end-other-sessions" class="notification">
            <h2 id="end-other-sessions">"Log out everywhere else?"</h2>
            <p>
                "You changed how your account is signed in to. If someone else might be signed in to it, "
                "log out every other browser and device now."
            </p>
            <CheckedForm action problems check={nothing_to_check::<LogoutEverywhere>}>
                <SubmitButton label="Log out every other session" pending=action.pending()/>
            </CheckedForm>
        </section>
    }
}

/// Wires an account action's outcome. On success the session is re-read (the
/// new cookie carries a new login time), `after_success` runs and the banner
/// says `notice`; a refusal for lack of a session reaches the guards.
fn track_account_change<S>(action: ServerAction<S>, notice: Notice, after_success: impl Fn() + 'static)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let session = use_user_session();
    let announce = announcer();
    Effect::watch(
        move || action.version().get(),
        move |_, _, _| match action.value().get_untracked() {
            Some(Ok(_)) => {
                spawn_local(session.fetch());
                after_success();
                announce(notice);
            }
            Some(Err(err)) => session.note_error(&err),
            None => {}
        },
        false,
    );
}

#[component]
fn ChangePasswordForm(problems: FormProblems) -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let form = NodeRef::<html::Form>::new();
    track_account_change(action, Notice::PasswordChanged, move || {
        if let Some(form) = form.get() {
            form.reset();
        }
    });
    view! {
        <section aria-labelledby="change-password" class="summary-card">
            <h2 id="change-password" class="summary-card-title">"Password"</h2>
            <CheckedForm
                action
                problems
                node_ref=form
                check=|input: &ChangePassword| check_password_change(&input.current_password, &input.new_password)
            >
                <Field name="current_password" label="Current password" kind="password"
                    autocomplete="current-password" problems/>
                <Field name="new_password" label="New password" kind="password" autocomplete="new-password"
                    hint=PASSWORD_HINT problems/>
                <SubmitButton label="Change password" pending=action.pending()/>
            </CheckedForm>
        </section>
    }
}

/// The first password of an account made with a passkey.
#[component]
fn SetPasswordForm(action: ServerAction<SetPassword>, problems: FormProblems) -> impl IntoView {
    track_account_change(action, Notice::PasswordChanged, || {});
    view! {
        <section aria-labelledby="set-password" class="summary-card">
            <h2 id="set-password" class="summary-card-title">"Password"</h2>
            <p>"This account signs in with passkeys only. A password is a second way in."</p>
            <CheckedForm
                action
                problems
                check=|input: &SetPassword| check_first_password(&input.new_password)
            >
                <Field name="new_password" label="New password" kind="password" autocomplete="new-password"
                    hint=PASSWORD_HINT problems/>
                <SubmitButton label="Set password" pending=action.pending()/>
            </CheckedForm>
        </section>
    }
}

/// The user's passkeys, each with `Remove` (which asks first, on a page of
/// its own), and the way to add one.
#[component]
fn PasskeysSection(passkeys: Vec<PasskeySummary>, added: RwSignal<u32>) -> impl IntoView {
    let list = if passkeys.is_empty() {
        Either::Left(view! { <p>"No passkeys yet."</p> })
    } else {
        Either::Right(view! {
            <ul class="passkeys">
                {passkeys.into_iter().map(|passkey| view! { <PasskeyItem passkey/> }).collect_view()}
            </ul>
        })
    };
    view! {
        <section aria-labelledby="passkeys" class="summary-card">
            <h2 id="passkeys" class="summary-card-title">"Passkeys"</h2>
            {list}
            <AddPasskeyForm added/>
        </section>
    }
}

#[component]
fn PasskeyItem(passkey: PasskeySummary) -> impl IntoView {
    let described = format!("passkey-{}", passkey.id);
    let last_used = match passkey.last_used_at {
        Some(at) => Either::Left(view! { "last used " <LocalTime at/> }),
        None => Either::Right("never used to sign in"),
    };
    view! {
        <li class="passkey-item">
            <p class="passkey-name">{passkey.name.clone()}</p>
            <p class="passkey-details" id=described.clone()>
                "Added " <LocalTime at=passkey.created_at/> ", " {last_used} "."
            </p>
            <OpenPage page=REMOVE_PASSKEY_PATH field=("passkey", passkey.id)>
                <button type="submit" class="secondary" aria-describedby=described>
                    "Remove" <span class="visually-hidden">" the passkey " {passkey.name}</span>
                </button>
            </OpenPage>
        </li>
    }
}

/// Where the account is logged in, this browser first, each with `End`, and
/// `Log out everywhere`: both ask first, on a page of their own.
#[component]
fn SessionsSection(everywhere: ServerAction<LogoutEverywhere>) -> impl IntoView {
    let session = use_user_session();
    let sessions = Resource::new(move || everywhere.version().get(), |_| list_sessions());
    view! {
        <section aria-labelledby="sessions" class="summary-card">
            <h2 id="sessions" class="summary-card-title">"Sessions"</h2>
            <p>"The browsers and devices where you are logged in."</p>
            <OpenPage page=LOG_OUT_EVERYWHERE_PATH>
                <button type="submit" class="secondary">"Log out everywhere"</button>
            </OpenPage>
            <Transition fallback=|| view! { <p class="loading">"Loading sessions…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => Either::Left(view! {
                            <ul class="sessions">
                                {this_browser_first(list)
                                    .into_iter()
                                    .map(|listed| view! { <SessionItem listed/> })
                                    .collect_view()}
                            </ul>
                        }),
                        Err(err) => {
                            session.note_error(&err);
                            Either::Right(view! { <p role="alert">{err.to_string()}</p> })
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// The sessions as listed (newest first), with this browser's moved to the top.
fn this_browser_first(mut list: Vec<ActiveSession>) -> Vec<ActiveSession> {
    list.sort_by_key(|listed| !listed.current);
    list
}

/// Whether the email is verified, with a way to have the link sent again,
/// and the way to change it.
#[component]
fn EmailSection(problems: FormProblems, verification_problems: FormProblems, typed: String) -> impl IntoView {
    let session = use_user_session();
    // Not "unverified" once logged out (the page is on its way out then).
    let verified = move || session.user.get().is_none_or(|user| user.email_verified);
    view! {
        <section aria-labelledby="email-address" class="summary-card">
            <h2 id="email-address" class="summary-card-title">"Email address"</h2>
            <Show when=move || !verified()>
                <p>"Not verified yet: follow the link we sent to your email address."</p>
                <SendVerificationForm problems=verification_problems/>
            </Show>
            <ChangeEmailForm problems typed/>
        </section>
    }
}

/// A new address for the account: a link goes to it, and nothing changes
/// until it is followed.
#[component]
fn ChangeEmailForm(problems: FormProblems, typed: String) -> impl IntoView {
    let action = ServerAction::<ChangeEmail>::new();
    track_account_change(action, Notice::EmailChangeSent, || {});
    view! {
        // `Email::check`, not `parse`: the full rules' Unicode tables would
        // add a third to the wasm; the server applies them.
        <CheckedForm action problems check=|input: &ChangeEmail| Email::check(&input.email).map(drop).map_err(Problems::from)>
            <Field name="email" label="New email address" kind="email" autocomplete="email" value=typed problems/>
            <SubmitButton label="Change email" pending=action.pending()/>
        </CheckedForm>
    }
}

/// One session: the browser and system by name, this browser marked, when
/// it was last active; the user agent and address on request; `End`, named
/// for the session it ends.
#[component]
fn SessionItem(listed: ActiveSession) -> impl IntoView {
    let described = format!("session-{}", listed.id);
    let ends = if listed.current {
        " this browser’s session".to_owned()
    } else {
        format!(" the session of {}", listed.browser)
    };
    let user_agent = match listed.user_agent.as_str() {
        "" => "not sent".to_owned(),
        sent => sent.to_owned(),
    };
    view! {
        <li class="session" class:current=listed.current>
            <p class="session-browser">
                {listed.browser.clone()}
                {listed.current.then_some(view! { " " <strong class="tag">"This browser"</strong> })}
            </p>
            <p class="session-details" id=described.clone()>
                "Last active " <LocalTime at=listed.last_seen_at/> ". Logged in "
                <LocalTime at=listed.created_at/> "."
            </p>
            <details class="session-more">
                <summary>"Details" <span class="visually-hidden">" of the session of " {listed.browser}</span></summary>
                <dl class="summary-list">
                    <Row key="User agent">{user_agent}</Row>
                    <Row key="Address">{listed.address}</Row>
                </dl>
            </details>
            <OpenPage page=END_SESSION_PATH field=("session", listed.id)>
                <button type="submit" class="secondary" aria-describedby=described>
                    "End" <span class="visually-hidden">{ends}</span>
                </button>
            </OpenPage>
        </li>
    }
}
