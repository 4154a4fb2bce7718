//! The HTTP API, as server functions: each parses its input, calls one domain
//! function and maps the result. Every one of them is a public endpoint.
//!
//! Inputs are form-encoded so `<form>`s work without JavaScript; arguments
//! default to empty so a missing field is a validation error, not a decoding one.

use crate::{
    error::AppError,
    model::{
        ActiveSession, Done, IdentityProviderLink, PasskeyChallenge, PasskeySummary, SessionView, SignInMethods,
        UserProfile, UserSummary,
    },
};
use leptos::prelude::*;
use leptos::server_fn::codec::{DeleteUrl, GetUrl};

#[cfg(feature = "ssr")]
use crate::{
    backend::{
        accounts, active_sessions,
        http::{client_address, respond_to_form, FormPost},
        oidc, passkeys, recovery, session, state,
    },
    domain::{
        check_first_password, check_login_form, check_password_change, Email, NewAccount, NewPasskeyAccount,
        PasskeyName, Password,
    },
};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

/// `POST /api/register`: creates the account and logs it in.
#[server(prefix = "/api", endpoint = "register")]
pub async fn register(
    #[server(default)] name: String,
    #[server(default)] email: String,
    #[server(default)] password: String,
) -> Result<UserSummary, AppError> {
    let result = async {
        let account = NewAccount::parse(&name, &email, &password)?;
        let state = state()?;
        let signed_in = accounts::register(&state, account, client_address()).await?;
        session::sign_in(&state, &signed_in).await?;
        Ok(signed_in.user)
    }
    .await;
    let post = FormPost {
        form: Register::PATH,
        page: "/register",
        success: "/users",
        kept: &[("name", &name), ("email", &email)],
    };
    respond_to_form(result, post)
}

/// `POST /api/auth/login`: checks the credentials and starts a new session.
/// `redirect` is where a plain form post lands afterwards (local paths only).
#[server(prefix = "/api", endpoint = "auth/login")]
pub async fn login(
    #[server(default)] email: String,
    #[server(default)] password: String,
    #[server(default)] redirect: String,
) -> Result<UserSummary, AppError> {
    let result = async {
        check_login_form(&email, &password)?;
        let state = state()?;
        let signed_in = accounts::login(&state, &email, &password, client_address(), session::trusted_device).await?;
        session::sign_in(&state, &signed_in).await?;
        Ok(signed_in.user)
    }
    .await;
    let post = FormPost {
        form: Login::PATH,
        page: "/login",
        success: &crate::domain::safe_redirect_target(&redirect),
        kept: &[("email", &email)],
    };
    respond_to_form(result, post)
}

/// `POST /api/auth/logout`: deletes the session cookie.
#[server(prefix = "/api", endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    let post = FormPost {
        form: Logout::PATH,
        page: "/",
        success: "/login",
        kept: &[],
    };
    respond_to_form(session::clear_user_session().await, post)
}

/// `GET /api/users?limit=&after=` (or `&before=`): one page of users in id order.
#[server(prefix = "/api", endpoint = "users", input = GetUrl)]
pub async fn list_users(
    limit: Option<String>,
    after: Option<String>,
    before: Option<String>,
) -> Result<Vec<UserSummary>, AppError> {
    let state = state()?;
    let check = session::session_to_check()?;
    let page = crate::domain::PageRequest::parse(limit.as_deref(), after.as_deref(), before.as_deref())?;
    let session = &check.session;
    let (standing, users) = state
        .db
        .users_page_for_session(
            session.user.id,
            &session.secure.session_id,
            state.clock.unix_now(),
            page,
        )
        .await?;
    check.settle(&state, standing)?;
    Ok(users)
}

/// `GET /api/user?id=`: one user's profile.
#[server(prefix = "/api", endpoint = "user", input = GetUrl)]
pub async fn get_user(#[server(default)] id: String) -> Result<UserProfile, AppError> {
    let state = state()?;
    session::require_verified_user(&state)?;
    let id = crate::domain::parse_user_id(&id)?;
    state.db.find_user(id).await?.ok_or(AppError::NotFound)
}

/// `GET /api/_auth/session`: the public part of the session, `{}` when logged out.
#[server(prefix = "/api", endpoint = "_auth/session", input = GetUrl)]
pub async fn get_session() -> Result<SessionView, AppError> {
    Ok(SessionView {
        session: session::session_info(),
    })
}

/// `DELETE /api/_auth/session`: the same as logging out.
#[server(prefix = "/api", endpoint = "_auth/session", input = DeleteUrl)]
pub async fn end_session() -> Result<(), AppError> {
    session::clear_user_session().await
}

/// `POST /api/account/logout-everywhere`: ends every session of the user on
/// every device; this browser gets a new one. Needs a recent proof.
#[server(prefix = "/api", endpoint = "account/logout-everywhere")]
pub async fn logout_everywhere() -> Result<(), AppError> {
    let result = async {
        let state = state()?;
        let current = session::require_fresh_session(&state)?;
        let successor = session::successor_session(&state, &current);
        accounts::log_out_everywhere(&state, &current, &successor.record, client_address()).await?;
        session::issue(&state, &successor.session)
    }
    .await;
    let post = FormPost {
        form: LogoutEverywhere::PATH,
        page: "/account",
        success: "/account?done=logout-everywhere",
        kept: &[],
    };
    respond_to_form(result, post)
}

/// `POST /api/account/password`: changes the password given the current one,
/// ending every other session.
#[server(prefix = "/api", endpoint = "account/password")]
pub async fn change_password(
    #[server(default)] current_password: String,
    #[server(default)] new_password: String,
) -> Result<(), AppError> {
    let result = async {
        let current = session::require_user_session()?;
        let new = check_password_change(&current_password, &new_password)?;
        let state = state()?;
        let next = session::new_session(&state, current.user.clone());
        accounts::change_password(&state, &current, &current_password, new, client_address(), &next.record).await?;
        session::issue(&state, &next.session)
    }
    .await;
    let post = FormPost {
        form: ChangePassword::PATH,
        page: "/account",
        success: "/account?done=password",
        kept: &[],
    };
    respond_to_form(result, post)
}

/// `POST /api/auth/forgot-password`: mails a reset link if an account has
/// this email; the answer is the same either way.
#[server(prefix = "/api", endpoint = "auth/forgot-password")]
pub async fn forgot_password(#[server(default)] email: String) -> Result<Done, AppError> {
    let result = async {
        let email = Email::parse(&email)?;
        recovery::request_password_reset(&state()?, email, client_address()).await?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: ForgotPassword::PATH,
        page: "/forgot-password",
        success: "/forgot-password?sent=1",
        kept: &[("email", &email)],
    };
    respond_to_form(result, post)
}

/// `POST /api/auth/reset-password`: sets a new password with a mailed token,
/// ends every other session and logs this browser in.
#[server(prefix = "/api", endpoint = "auth/reset-password")]
pub async fn reset_password(
    #[server(default)] token: String,
    #[server(default)] password: String,
) -> Result<UserSummary, AppError> {
    let result = async {
        let password = Password::parse(&password)?;
        let state = state()?;
        let started = recovery::reset_password(&state, &token, password, client_address(), |user| {
            session::new_session(&state, user)
        })
        .await?;
        session::issue(&state, &started.session)?;
        Ok(started.session.user)
    }
    .await;
    let post = FormPost {
        form: ResetPassword::PATH,
        page: "/reset-password",
        success: "/account?done=password",
        kept: &[],
    };
    respond_to_form(result, post)
}

/// `POST /api/auth/verify-email`: confirms the address a verification link
/// was sent to (and, followed while signed in to that account, that the
/// address's owner holds its ways in).
#[server(prefix = "/api", endpoint = "auth/verify-email")]
pub async fn verify_email(#[server(default)] token: String) -> Result<Done, AppError> {
    let result = async {
        let session_user = session::get_user_session().map(|session| session.user.id);
        recovery::verify_email(&state()?, &token, session_user, client_address()).await?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: VerifyEmail::PATH,
        page: "/verify-email",
        success: "/verify-email?done=1",
        kept: &[],
    };
    respond_to_form(result, post)
}

/// `POST /api/account/verification-email`: mails a new verification link.
#[server(prefix = "/api", endpoint = "account/verification-email")]
pub async fn send_verification_email() -> Result<Done, AppError> {
    let result = async {
        let current = session::require_user_session()?;
        recovery::resend_verification_link(&state()?, current.user.id, client_address()).await?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: SendVerificationEmail::PATH,
        page: "/account",
        success: "/account?done=verification-sent",
        kept: &[],
    };
    respond_to_form(result, post)
}

/// `GET /api/account/sessions`: the user's sessions, newest first.
#[server(prefix = "/api", endpoint = "account/sessions", input = GetUrl)]
pub async fn list_sessions() -> Result<Vec<ActiveSession>, AppError> {
    let current = session::require_user_session()?;
    active_sessions::list(&state()?, &current).await
}

/// `POST /api/account/end-session`: what `DELETE /api/account/sessions/{id}`
/// does, for the account page's forms. Ending this very session logs out.
#[server(prefix = "/api", endpoint = "account/end-session")]
pub async fn end_listed_session(#[server(default)] id: String) -> Result<Done, AppError> {
    let result = async {
        let current = session::require_user_session()?;
        let state = state()?;
        let itself = active_sessions::end(&state, &current, &id, client_address()).await?;
        if itself {
            session::forget_cookie(&state)?;
        }
        Ok(itself)
    }
    .await;
    let post = FormPost {
        form: EndListedSession::PATH,
        page: "/account",
        success: if matches!(result, Ok(true)) {
            "/login"
        } else {
            "/account?done=session-ended"
        },
        kept: &[],
    };
    respond_to_form(result.map(|_| Done {}), post)
}

/// `POST /api/auth/passkey/register/options`: the first step of "Create
/// account with a passkey", for this name and email.
#[server(prefix = "/api", endpoint = "auth/passkey/register/options")]
pub async fn passkey_sign_up_options(
    #[server(default)] name: String,
    #[server(default)] email: String,
) -> Result<PasskeyChallenge, AppError> {
    let account = NewPasskeyAccount::parse(&name, &email)?;
    passkeys::start_sign_up(&state()?, account, client_address()).await
}

/// `POST /api/auth/passkey/register`: creates the account with the new
/// passkey (`credential`: the browser's `PublicKeyCredential.toJSON()`) and
/// logs it in.
#[server(prefix = "/api", endpoint = "auth/passkey/register")]
pub async fn passkey_sign_up(
    #[server(default)] ceremony: String,
    #[server(default)] credential: String,
) -> Result<UserSummary, AppError> {
    let state = state()?;
    let signed_in = passkeys::finish_sign_up(&state, &ceremony, &credential, client_address()).await?;
    session::sign_in(&state, &signed_in).await?;
    Ok(signed_in.user)
}

/// `POST /api/auth/passkey/login/options`: a challenge for any passkey of
/// this site (the button, and autofill on the login form).
#[server(prefix = "/api", endpoint = "auth/passkey/login/options")]
pub async fn passkey_sign_in_options() -> Result<PasskeyChallenge, AppError> {
    passkeys::start_sign_in(&state()?, client_address()).await
}

/// `POST /api/auth/passkey/login`: signs in with the passkey that answered
/// the challenge, starting a new session like a password login.
#[server(prefix = "/api", endpoint = "auth/passkey/login")]
pub async fn passkey_sign_in(
    #[server(default)] ceremony: String,
    #[server(default)] credential: String,
) -> Result<UserSummary, AppError> {
    let state = state()?;
    let signed_in = passkeys::finish_sign_in(&state, &ceremony, &credential, client_address()).await?;
    session::sign_in(&state, &signed_in).await?;
    Ok(signed_in.user)
}

/// `GET /api/account/passkeys`: whether the user has a password, and their passkeys.
#[server(prefix = "/api", endpoint = "account/passkeys", input = GetUrl)]
pub async fn list_passkeys() -> Result<SignInMethods, AppError> {
    let current = session::require_user_session()?;
    accounts::sign_in_methods(&state()?, current.user.id).await
}

/// `POST /api/account/passkeys/options`: the first step of "Add a passkey".
/// Needs a recent proof and a verified email.
#[server(prefix = "/api", endpoint = "account/passkeys/options")]
pub async fn add_passkey_options() -> Result<PasskeyChallenge, AppError> {
    let state = state()?;
    let current = session::require_fresh_session(&state)?;
    passkeys::start_adding(&state, &current.user, client_address()).await
}

/// `POST /api/account/passkeys`: stores the new passkey under `passkey_name`.
#[server(prefix = "/api", endpoint = "account/passkeys")]
pub async fn add_passkey(
    #[server(default)] ceremony: String,
    #[server(default)] credential: String,
    #[server(default)] passkey_name: String,
) -> Result<PasskeySummary, AppError> {
    let state = state()?;
    let current = session::require_fresh_session(&state)?;
    let name = PasskeyName::parse(&passkey_name)?;
    passkeys::finish_adding(&state, &current, &ceremony, &credential, name, client_address()).await
}

/// `POST /api/account/remove-passkey`: removes one of the user's passkeys,
/// unless it is their only way to sign in (409). Needs a recent proof.
#[server(prefix = "/api", endpoint = "account/remove-passkey")]
pub async fn remove_passkey(#[server(default)] id: String) -> Result<Done, AppError> {
    let result = async {
        let state = state()?;
        let current = session::require_fresh_session(&state)?;
        passkeys::remove(&state, current.user.id, &id, client_address()).await?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: RemovePasskey::PATH,
        page: "/account",
        success: "/account?done=passkey-removed",
        kept: &[],
    };
    respond_to_form(result, post)
}

/// `POST /api/account/set-password`: the first password of an account made
/// with a passkey; every other session ends, as with any new password, and
/// this one carries on (its login time and absolute expiry). Needs a recent
/// proof.
#[server(prefix = "/api", endpoint = "account/set-password")]
pub async fn set_password(#[server(default)] new_password: String) -> Result<Done, AppError> {
    let result = async {
        let state = state()?;
        let current = session::require_fresh_session(&state)?;
        let new = check_first_password(&new_password)?;
        let next = session::successor_session(&state, &current);
        accounts::set_first_password(&state, &current, new, client_address(), &next.record).await?;
        session::issue(&state, &next.session)?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: SetPassword::PATH,
        page: "/account",
        success: "/account?done=password",
        kept: &[],
    };
    respond_to_form(result, post)
}

/// `GET /api/auth/providers`: the configured identity providers, for the
/// `Continue with` links.
#[server(prefix = "/api", endpoint = "auth/providers", input = GetUrl)]
pub async fn identity_providers() -> Result<Vec<IdentityProviderLink>, AppError> {
    Ok(state()?.identity_providers.links())
}

/// `POST /api/account/unlink-identity`: unlinks one of the user's accounts at
/// a provider, unless it is their only way to sign in (409). Needs a recent
/// proof.
#[server(prefix = "/api", endpoint = "account/unlink-identity")]
pub async fn unlink_identity(
    #[server(default)] provider: String,
    #[server(default)] subject: String,
) -> Result<Done, AppError> {
    let result = async {
        let state = state()?;
        let current = session::require_fresh_session(&state)?;
        oidc::unlink(&state, current.user.id, &provider, &subject, client_address()).await?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: UnlinkIdentity::PATH,
        page: "/account",
        success: "/account?done=identity-unlinked",
        kept: &[],
    };
    respond_to_form(result, post)
}

/// `POST /api/account/reauthenticate`: the logged-in user proves who they are
/// again with their password, before a change to how the account signs in.
/// The session gets a new id (and cookie), keeping its absolute expiry.
/// `redirect` is where an HTML form lands (local paths only; the account
/// page otherwise).
#[server(prefix = "/api", endpoint = "account/reauthenticate")]
pub async fn reauthenticate(
    #[server(default)] password: String,
    #[server(default)] redirect: String,
) -> Result<Done, AppError> {
    let result = async {
        let current = session::require_user_session()?;
        crate::domain::check_reauthentication_form(&password)?;
        let state = state()?;
        let next = session::reauthenticated_session(&state, &current);
        accounts::reauthenticate(&state, &current, &password, client_address(), &next.record).await?;
        session::issue(&state, &next.session)?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: Reauthenticate::PATH,
        page: "/reauthenticate",
        success: &crate::domain::reauthentication_target(&redirect),
        kept: &[],
    };
    respond_to_form(result, post)
}

/// `POST /api/account/reauthenticate/passkey/options`: the first step of
/// "Confirm with a passkey".
#[server(prefix = "/api", endpoint = "account/reauthenticate/passkey/options")]
pub async fn reauthenticate_passkey_options() -> Result<PasskeyChallenge, AppError> {
    let current = session::require_user_session()?;
    passkeys::start_reauthentication(&state()?, current.user.id, client_address()).await
}

/// `POST /api/account/reauthenticate/passkey`: proves who the user is with
/// one of their passkeys, as `POST /api/account/reauthenticate` does with the
/// password.
#[server(prefix = "/api", endpoint = "account/reauthenticate/passkey")]
pub async fn reauthenticate_with_passkey(
    #[server(default)] ceremony: String,
    #[server(default)] credential: String,
) -> Result<Done, AppError> {
    let current = session::require_user_session()?;
    let state = state()?;
    let next = session::reauthenticated_session(&state, &current);
    passkeys::finish_reauthentication(&state, &current, &ceremony, &credential, client_address(), &next.record).await?;
    session::issue(&state, &next.session)?;
    Ok(Done {})
}
