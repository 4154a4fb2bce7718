use super::{
    done_without_javascript,
    form::{
        nothing_to_check, refresh_session_on_success, take_flash, take_flash_of, title_of, CheckedForm, ErrorSummary,
        Field, FormProblems, SubmitButton, PASSWORD_HINT,
    },
    passkeys::AddPasskeyForm,
    providers::IdentitiesSection,
    recovery::SendVerificationForm,
    time::time_in_words,
    two_factor::{codes_left_by_a_form, two_factor_flash, TwoFactorSection},
};
use crate::{
    api::{
        list_passkeys, list_sessions, ChangeEmail, ChangePassword, EndListedSession, LogoutEverywhere, RemovePasskey,
        SetPassword, UnlinkIdentity,
    },
    domain::{check_first_password, check_password_change, Email, Problems},
    error::AppError,
    model::{ActiveSession, PasskeySummary, IDENTITY_FLASH},
    user_session::use_user_session,
};
use leptos::{either::Either, html, prelude::*, task::spawn_local};
use leptos_meta::Title;

/// `/account`: the email's state, the password, the passkeys, the linked
/// identity providers, and the sessions: each can be ended, or all of them
/// but this one.
#[component]
pub fn AccountPage() -> impl IntoView {
    let session = use_user_session();
    let since = move || {
        session
            .session
            .get()
            .map(|s| super::time::time_in_words(&s.logged_in_at))
    };
    let password_problems = FormProblems::new(take_flash::<ChangePassword>().as_ref());
    let sessions_problems = FormProblems::new(take_flash::<LogoutEverywhere>().as_ref());
    let end_problems = FormProblems::new(take_flash::<EndListedSession>().as_ref());
    let set_password_problems = FormProblems::new(take_flash::<SetPassword>().as_ref());
    let remove_problems = FormProblems::new(take_flash::<RemovePasskey>().as_ref());
    let two_factor_problems = FormProblems::new(two_factor_flash().as_ref());
    let email_flash = take_flash::<ChangeEmail>();
    let email_problems = FormProblems::new(email_flash.as_ref());
    let email_typed = email_flash.map(|flash| flash.value("email")).unwrap_or_default();
    let codes_left = StoredValue::new(codes_left_by_a_form());
    // A linking that failed at the provider comes back here to say why.
    let unlink_problems = FormProblems::new(
        take_flash::<UnlinkIdentity>()
            .or_else(|| take_flash_of(IDENTITY_FLASH))
            .as_ref(),
    );
    let failed = move || {
        [
            password_problems,
            sessions_problems,
            end_problems,
            set_password_problems,
            remove_problems,
            unlink_problems,
            two_factor_problems,
            email_problems,
        ]
        .iter()
        .any(FormProblems::any)
    };
    let set_password = ServerAction::<SetPassword>::new();
    let remove = ServerAction::<RemovePasskey>::new();
    let unlink = ServerAction::<UnlinkIdentity>::new();
    let everywhere = ServerAction::<LogoutEverywhere>::new();
    let added = RwSignal::new(0_u32);
    // A way in added or removed, here or by a form posted without JavaScript.
    let changed_before = ["passkey-removed", "identity-linked", "identity-unlinked"]
        .into_iter()
        .any(done_without_javascript);
    let way_in_changed = Signal::derive(move || {
        changed_before
            || added.get() > 0
            || matches!(remove.value().get(), Some(Ok(_)))
            || matches!(unlink.value().get(), Some(Ok(_)))
    });
    let methods = Resource::new(
        move || {
            (
                set_password.version().get(),
                remove.version().get(),
                unlink.version().get(),
                added.get(),
            )
        },
        |_| list_passkeys(),
    );
    view! {
        <Title text=title_of("Account", failed)/>
        <ErrorSummary problems=password_problems/>
        <ErrorSummary problems=set_password_problems/>
        <ErrorSummary problems=remove_problems/>
        <ErrorSummary problems=unlink_problems/>
        <ErrorSummary problems=two_factor_problems/>
        <ErrorSummary problems=email_problems/>
        <ErrorSummary problems=sessions_problems/>
        <ErrorSummary problems=end_problems/>
        <h1>"Account"</h1>
        <Show when=move || way_in_changed.get() && everywhere.value().get().is_none()>
            <EndOtherSessionsOffer action=everywhere problems=sessions_problems/>
        </Show>
        <p>"Logged in since " {since} "."</p>
        <EmailSection problems=email_problems typed=email_typed/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match methods.await {
                    Ok(methods) => Either::Left(view! {
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
                        <PasskeysSection passkeys=methods.passkeys remove problems=remove_problems/>
                        <IdentitiesSection identities=methods.identities unlink problems=unlink_problems/>
                    }),
                    Err(err) => {
                        use_user_session().note_error(&err);
                        Either::Right(view! { <p role="alert">{err.to_string()}</p> })
                    }
                }
            })}
        </Transition>
        <AddPasskeyForm added/>
        <SessionsSection end_problems everywhere everywhere_problems=sessions_problems/>
        <super::activity::ActivitySection/>
        <super::delete_account::DeleteAccountSection/>
    }
}

/// After a way to sign in was added or removed: whoever else may have had
/// the account's old ways in may still be signed in, so one button ends
/// every other session (OWASP ASVS 7.4.3).
#[component]
fn EndOtherSessionsOffer(action: ServerAction<LogoutEverywhere>, problems: FormProblems) -> impl IntoView {
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
/// new cookie carries a new login time) and `after_success` runs; a refusal for
/// lack of a session reaches the guards. Returns whether to show the
/// confirmation: after success here, or after a plain-HTML post redirected to
/// this page with `?done=<done>`.
fn track_account_change(
    outcome: impl Fn() -> Option<Result<(), AppError>> + Clone + Send + Sync + 'static,
    done: &'static str,
    after_success: impl Fn() + 'static,
) -> Signal<bool> {
    let session = use_user_session();
    let watched = outcome.clone();
    Effect::new(move |_| match watched() {
        Some(Ok(())) => {
            spawn_local(session.fetch());
            after_success();
        }
        Some(Err(err)) => session.note_error(&err),
        None => {}
    });
    let after_plain_post = done_without_javascript(done);
    Signal::derive(move || match outcome() {
        Some(result) => result.is_ok(),
        None => after_plain_post,
    })
}

#[component]
fn ChangePasswordForm(problems: FormProblems) -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let form = NodeRef::<html::Form>::new();
    let done = track_account_change(
        move || action.value().get(),
        "password",
        move || {
            if let Some(form) = form.get() {
                form.reset();
            }
        },
    );
    view! {
        <section aria-labelledby="change-password">
            <h2 id="change-password">"Change password"</h2>
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
                <p role="status">
                    {move || done.get().then_some("Password changed. Every other session has been logged out.")}
                </p>
                <SubmitButton label="Change password" pending=action.pending()/>
            </CheckedForm>
        </section>
    }
}

/// The first password of an account made with a passkey.
#[component]
fn SetPasswordForm(action: ServerAction<SetPassword>, problems: FormProblems) -> impl IntoView {
    let done = track_account_change(
        move || action.value().get().map(|outcome| outcome.map(|_| ())),
        "password",
        || {},
    );
    view! {
        <section aria-labelledby="set-password">
            <h2 id="set-password">"Password"</h2>
            <p>"This account signs in with passkeys only. A password is a second way in."</p>
            <CheckedForm
                action
                problems
                check=|input: &SetPassword| check_first_password(&input.new_password)
            >
                <Field name="new_password" label="New password" kind="password" autocomplete="new-password"
                    hint=PASSWORD_HINT problems/>
                <p role="status">
                    {move || done.get().then_some("Password set. Every other session has been logged out.")}
                </p>
                <SubmitButton label="Set password" pending=action.pending()/>
            </CheckedForm>
        </section>
    }
}

/// The user's passkeys, each with `Remove` (read again after each change,
/// while `Add a passkey` stays put, so that its outcome stays shown).
#[component]
fn PasskeysSection(
    passkeys: Vec<PasskeySummary>,
    remove: ServerAction<RemovePasskey>,
    problems: FormProblems,
) -> impl IntoView {
    let removed = track_account_change(
        move || remove.value().get().map(|outcome| outcome.map(|_| ())),
        "passkey-removed",
        || {},
    );
    let list = if passkeys.is_empty() {
        Either::Left(view! { <p>"No passkeys yet."</p> })
    } else {
        Either::Right(view! {
            <ul class="passkeys">
                {passkeys
                    .into_iter()
                    .map(|passkey| view! { <PasskeyItem passkey remove problems/> })
                    .collect_view()}
            </ul>
        })
    };
    view! {
        <section aria-labelledby="passkeys">
            <h2 id="passkeys">"Passkeys"</h2>
            {list}
            <p role="status">{move || removed.get().then_some("The passkey has been removed.")}</p>
        </section>
    }
}

#[component]
fn PasskeyItem(passkey: PasskeySummary, remove: ServerAction<RemovePasskey>, problems: FormProblems) -> impl IntoView {
    // Every button says "Remove": each is described by the passkey it removes.
    let described = format!("passkey-{}", passkey.id);
    let last_used = passkey.last_used_at.as_deref().map_or_else(
        || "never used to sign in".to_owned(),
        |at| format!("last used {}", time_in_words(at)),
    );
    view! {
        <li class="passkey-item">
            <p class="passkey-name" id=described.clone()>{passkey.name}</p>
            <p class="passkey-details">"Added " {time_in_words(&passkey.created_at)} ", " {last_used} "."</p>
            <CheckedForm action=remove problems check={nothing_to_check::<RemovePasskey>}>
                <input type="hidden" name="id" value=passkey.id/>
                <SubmitButton label="Remove" pending=remove.pending() {..} aria-describedby=described/>
            </CheckedForm>
        </li>
    }
}

/// The user's sessions, and the way to end all but this one.
#[component]
fn SessionsSection(
    end_problems: FormProblems,
    everywhere: ServerAction<LogoutEverywhere>,
    everywhere_problems: FormProblems,
) -> impl IntoView {
    view! {
        <section aria-labelledby="sessions">
            <h2 id="sessions">"Sessions"</h2>
            <SessionList problems=end_problems everywhere/>
            <LogoutEverywhereForm action=everywhere problems=everywhere_problems/>
        </section>
    }
}

#[component]
fn LogoutEverywhereForm(action: ServerAction<LogoutEverywhere>, problems: FormProblems) -> impl IntoView {
    let done = track_account_change(move || action.value().get(), "logout-everywhere", || {});
    view! {
        <p>"Logs out every other browser and device where you are logged in. This one stays logged in."</p>
        <CheckedForm action problems check={nothing_to_check::<LogoutEverywhere>}>
            <p role="status">{move || done.get().then_some("Every other session has been logged out.")}</p>
            <SubmitButton label="Log out everywhere" pending=action.pending()/>
        </CheckedForm>
    }
}

/// Whether the email is verified, with a way to have the link sent again.
#[component]
fn EmailSection(problems: FormProblems, typed: String) -> impl IntoView {
    let session = use_user_session();
    let verified = move || session.user.get().is_some_and(|user| user.email_verified);
    view! {
        <section aria-labelledby="email-address">
            <h2 id="email-address">"Email address"</h2>
            <Show
                when=verified
                fallback=|| view! {
                    <p>"Not verified yet: follow the link we sent to your email address."</p>
                    <SendVerificationForm/>
                }
            >
                <p>"Verified."</p>
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
    let sent_before = done_without_javascript("email-change-sent");
    let sent = move || sent_before || matches!(action.value().get(), Some(Ok(_)));
    view! {
        // `Email::check`, not `parse`: the full rules' Unicode tables would
        // add a third to the wasm; the server applies them.
        <CheckedForm action problems check=|input: &ChangeEmail| Email::check(&input.email).map(drop).map_err(Problems::from)>
            <Field name="email" label="New email address" kind="email" autocomplete="email" value=typed problems/>
            <p role="status">
                {move || sent().then_some(
                    "We sent a link to the new address. Your address changes when you follow it; it works for an hour.",
                )}
            </p>
            <SubmitButton label="Change email" pending=action.pending()/>
        </CheckedForm>
    }
}

/// The user's sessions, this one marked, each with an `End` button; read
/// again after each change. Ending another session logs that browser out at
/// its next request; ending this one logs out here, which the session, read
/// again, shows.
#[component]
fn SessionList(problems: FormProblems, everywhere: ServerAction<LogoutEverywhere>) -> impl IntoView {
    let action = ServerAction::<EndListedSession>::new();
    let session = use_user_session();
    refresh_session_on_success(action);
    let sessions = Resource::new(
        move || (action.version().get(), everywhere.version().get()),
        |_| list_sessions(),
    );
    let ended_before = done_without_javascript("session-ended");
    let ended = move || match action.value().get() {
        Some(outcome) => outcome.is_ok(),
        None => ended_before,
    };
    view! {
        <Transition fallback=|| view! { <p>"Loading sessions…"</p> }>
            {move || Suspend::new(async move {
                match sessions.await {
                    Ok(list) => Either::Left(view! {
                        <ul class="sessions">
                            {list
                                .into_iter()
                                .map(|listed| view! { <SessionItem listed action problems/> })
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
        <p role="status">{move || ended().then_some("The session has been ended.")}</p>
    }
}

#[component]
fn SessionItem(listed: ActiveSession, action: ServerAction<EndListedSession>, problems: FormProblems) -> impl IntoView {
    let current = listed.current;
    let label = if listed.user_agent.is_empty() {
        "Unknown browser".to_owned()
    } else {
        listed.user_agent
    };
    // Every button says "End": each is described by the session it ends.
    let described = format!("session-{}", listed.id);
    view! {
        <li class="session">
            <p class="user-agent" id=described.clone()>
                {label} {current.then_some(view! { " " <strong>"(this browser)"</strong> })}
            </p>
            <p class="session-details">
                "From " {listed.address} ". Logged in " {time_in_words(&listed.created_at)}
                ", last seen " {time_in_words(&listed.last_seen_at)} "."
            </p>
            <CheckedForm action problems check={nothing_to_check::<EndListedSession>}>
                <input type="hidden" name="id" value=listed.id/>
                <SubmitButton label="End" pending=action.pending() {..} aria-describedby=described/>
            </CheckedForm>
        </li>
    }
}
