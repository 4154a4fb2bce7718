//! Passkeys (WebAuthn): creating an account with one, signing in with one
//! (usernameless: the authenticator says whose passkey it is), and adding
//! and removing them on the account page. webauthn-rs checks every
//! signature, origin, challenge and counter; this module decides what is
//! stored and who is signed in.
//!
//! Each ceremony is two requests: the first stores the challenge's state in
//! the database under a random id and sends the options; the second takes
//! that row away (`DELETE … RETURNING`) and checks the browser's answer
//! against it. The database rather than a cookie, because spending must be
//! seen by every app server at once: a sealed cookie could be replayed until
//! it expired. A ceremony lives 5 minutes.

use super::{
    accounts::{audit_refusal, SignedIn},
    clock::rfc3339_of,
    db::{NewPasskey, Removal},
    limits::Counter,
    log_safe::Untrusted,
    notices::{notify, Notice},
    random_id, recovery, sha256_hex, AppState,
};
use crate::{
    domain::{NewPasskeyAccount, PasskeyName},
    error::AppError,
    model::{PasskeyChallenge, PasskeySummary, SignInMethods, UserSummary},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::{net::IpAddr, time::Duration};
use time::format_description::well_known::Rfc3339;
use webauthn_rs::prelude::{
    CreationChallengeResponse, DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};
use webauthn_rs_proto::ResidentKeyRequirement;

/// How long a ceremony waits for the browser's answer; also the timeout the
/// browser is given.
pub const CEREMONY_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// The site as passkeys know it: its relying party id (the host name) and
/// origin, fixed at startup.
pub struct RelyingParty {
    webauthn: Webauthn,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "{0} cannot host passkeys: browsers allow them only on https with a domain name, or on http://localhost; \
     set PUBLIC_ORIGIN to such an origin"
)]
pub struct UnfitOrigin(String);

impl RelyingParty {
    /// For the site at `origin` (`PUBLIC_ORIGIN`, or `http://localhost:<port>`).
    pub fn for_origin(origin: &str, site_name: &str) -> Result<Self, UnfitOrigin> {
        let unfit = || UnfitOrigin(origin.to_owned());
        let url = Url::parse(origin).map_err(|_| unfit())?;
        let host = url.domain().ok_or_else(unfit)?;
        let local = host == "localhost" || host.ends_with(".localhost");
        if !(url.scheme() == "https" || (url.scheme() == "http" && local)) {
            return Err(unfit());
        }
        let webauthn = WebauthnBuilder::new(host, &url)
            .map_err(|_| unfit())?
            .rp_name(site_name)
            .timeout(CEREMONY_LIFETIME)
            .build()
            .map_err(|_| unfit())?;
        Ok(Self { webauthn })
    }
}

/// What each kind of ceremony keeps between its two requests.
#[derive(Serialize, Deserialize)]
struct SignUp {
    name: String,
    email: String,
    user_handle: Uuid,
    registration: PasskeyRegistration,
}

#[derive(Serialize, Deserialize)]
struct AddPasskey {
    user_handle: Uuid,
    registration: PasskeyRegistration,
}

#[derive(Serialize, Deserialize)]
struct SignIn {
    authentication: DiscoverableAuthentication,
}

/// The `purpose` of each kind in the ceremonies table: an id of one kind
/// never finishes another.
trait Ceremony: Serialize + DeserializeOwned {
    const PURPOSE: &str;
}

impl Ceremony for SignUp {
    const PURPOSE: &str = "sign-up";
}

impl Ceremony for AddPasskey {
    const PURPOSE: &str = "add-passkey";
}

impl Ceremony for SignIn {
    const PURPOSE: &str = "sign-in";
}

/// Stores a ceremony, counted under the client's network until it succeeds,
/// and returns what the browser needs.
async fn begin<C: Ceremony>(
    state: &AppState,
    ceremony: &C,
    user_id: Option<i64>,
    options: &impl Serialize,
    client: IpAddr,
) -> Result<PasskeyChallenge, AppError> {
    audit_refusal(
        state
            .limits
            .reserve(&state.db, &[Counter::PasskeyCeremonyByAddress(client)])
            .await,
        || tracing::warn!(target: "audit", action = "passkey_ceremony", outcome = "rate_limited", purpose = C::PURPOSE, %client),
    )?;
    let id = random_id();
    let now = state.clock.unix_now();
    let expires_at = now + CEREMONY_LIFETIME.as_secs() as i64;
    let stored = serde_json::to_string(ceremony).map_err(internal)?;
    state
        .db
        .insert_ceremony(&sha256_hex(&id), C::PURPOSE, user_id, &stored, expires_at, now)
        .await?;
    let options = serde_json::value::to_raw_value(options).map_err(internal)?;
    Ok(PasskeyChallenge { ceremony: id, options })
}

/// Spends the ceremony `id` of kind `C`: its user and state, or
/// [`AppError::PasskeyExpired`] for an id that is unknown, of another kind,
/// already spent or expired.
async fn take<C: Ceremony>(state: &AppState, id: &str) -> Result<(Option<i64>, C), AppError> {
    let taken = match super::is_random_id(id) {
        true => {
            state
                .db
                .take_ceremony(&sha256_hex(id), C::PURPOSE, state.clock.unix_now())
                .await?
        }
        false => None,
    };
    let (user_id, stored) = taken.ok_or(AppError::PasskeyExpired)?;
    let ceremony = serde_json::from_str(&stored).map_err(internal)?;
    Ok((user_id, ceremony))
}

fn internal(err: serde_json::Error) -> AppError {
    tracing::error!(error = %err, "passkey ceremony state");
    AppError::Internal
}

/// The browser's JSON answer (`PublicKeyCredential.toJSON()`), parsed.
fn parse_answer<T: DeserializeOwned>(credential: &str, refused: AppError) -> Result<T, AppError> {
    serde_json::from_str(credential).map_err(|err| {
        tracing::info!(error = %err, "passkey answer that does not parse");
        refused
    })
}

/// Registration options for a discoverable credential: usernameless sign-in
/// needs the authenticator to keep the user handle, which webauthn-rs'
/// passkey defaults do not ask for.
fn require_resident_key(mut options: CreationChallengeResponse) -> CreationChallengeResponse {
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(ResidentKeyRequirement::Required);
        selection.require_resident_key = true;
    }
    options
}

fn credential_id(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `id` could be a credential id as [`credential_id`] writes it (at
/// most 1023 bytes, WebAuthn's bound): nothing else reaches the database.
fn is_credential_id(id: &str) -> bool {
    (1..=1364).contains(&id.len())
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

fn stored_credential(passkey: &Passkey) -> Result<String, AppError> {
    serde_json::to_string(passkey).map_err(internal)
}

/// "Create account with a passkey", first step: the name and email are
/// checked now, so a taken email is said before the authenticator is asked.
#[tracing::instrument(skip_all, fields(%client))]
pub async fn start_sign_up(
    state: &AppState,
    account: NewPasskeyAccount,
    client: IpAddr,
) -> Result<PasskeyChallenge, AppError> {
    if state.db.user_id_by_email(account.email.as_str()).await?.is_some() {
        return Err(AppError::EmailTaken);
    }
    let user_handle = Uuid::new_v4();
    let (options, registration) = state
        .passkeys
        .webauthn
        .start_passkey_registration(user_handle, account.email.as_str(), account.name.as_str(), None)
        .map_err(webauthn_internal)?;
    let ceremony = SignUp {
        name: account.name.as_str().to_owned(),
        email: account.email.as_str().to_owned(),
        user_handle,
        registration,
    };
    begin(state, &ceremony, None, &require_resident_key(options), client).await
}

/// "Create account with a passkey", second step: the account and its
/// passkey are stored together, and the caller signs the user in.
#[tracing::instrument(skip_all, fields(%client))]
pub async fn finish_sign_up(
    state: &AppState,
    ceremony: &str,
    credential: &str,
    client: IpAddr,
) -> Result<SignedIn, AppError> {
    let (_, sign_up) = take::<SignUp>(state, ceremony).await?;
    let answer: RegisterPublicKeyCredential = parse_answer(credential, AppError::PasskeyInvalid)?;
    let passkey = verify_registration(state, &answer, &sign_up.registration, client)?;
    let now = state.clock.now();
    let created_at = now.format(&Rfc3339).map_err(|_| AppError::Internal)?;
    let credential = stored_credential(&passkey)?;
    let id = credential_id(passkey.cred_id());
    let unnamed = PasskeyName::default();
    let new = NewPasskey {
        id: &id,
        name: unnamed.as_str(),
        credential: &credential,
        created_at: now.unix_timestamp(),
    };
    let user_handle = sign_up.user_handle.to_string();
    let email = sign_up.email;
    let inserted = state
        .db
        .insert_passkey_user(&sign_up.name, &email, &user_handle, &created_at, &new)
        .await;
    let user_id = match inserted {
        Ok(user_id) => user_id,
        Err(err) => {
            tracing::info!(target: "audit", action = "register", outcome = "failure", method = "passkey", reason = %err, email = %Untrusted(&email), %client);
            return Err(err);
        }
    };
    tracing::info!(target: "audit", action = "register", outcome = "success", method = "passkey", user_id, email = %Untrusted(&email), %client);
    state
        .limits
        .refund(&state.db, Counter::PasskeyCeremonyByAddress(client))
        .await;
    if let Err(err) = recovery::send_verification_link(state, user_id).await {
        tracing::warn!(user_id, error = %err, "verification mail not queued");
    }
    Ok(SignedIn {
        user: UserSummary {
            id: user_id,
            name: sign_up.name,
        },
        email,
    })
}

fn verify_registration(
    state: &AppState,
    answer: &RegisterPublicKeyCredential,
    registration: &PasskeyRegistration,
    client: IpAddr,
) -> Result<Passkey, AppError> {
    state
        .passkeys
        .webauthn
        .finish_passkey_registration(answer, registration)
        .map_err(|err| {
            tracing::info!(target: "audit", action = "passkey_registration", outcome = "failure", reason = %err, %client);
            AppError::PasskeyInvalid
        })
}

fn webauthn_internal(err: webauthn_rs::prelude::WebauthnError) -> AppError {
    tracing::error!(error = %err, "webauthn");
    AppError::Internal
}

/// "Sign in with a passkey" (and autofill), first step: a challenge for any
/// passkey of this site.
#[tracing::instrument(skip_all, fields(%client))]
pub async fn start_sign_in(state: &AppState, client: IpAddr) -> Result<PasskeyChallenge, AppError> {
    let (options, authentication) = state
        .passkeys
        .webauthn
        .start_discoverable_authentication()
        .map_err(webauthn_internal)?;
    begin(state, &SignIn { authentication }, None, &options, client).await
}

/// "Sign in with a passkey", second step: the passkey must be one stored
/// here, of the user its authenticator names, signing this ceremony's
/// challenge with a counter ahead of the last one seen. Failures count
/// against the network's login limit like wrong passwords.
#[tracing::instrument(skip_all, fields(%client))]
pub async fn finish_sign_in(
    state: &AppState,
    ceremony: &str,
    credential: &str,
    client: IpAddr,
) -> Result<SignedIn, AppError> {
    audit_refusal(
        state
            .limits
            .reserve(&state.db, &[Counter::LoginByAddress(client)])
            .await,
        || tracing::warn!(target: "audit", action = "login", outcome = "rate_limited", method = "passkey", %client),
    )?;
    let (_, sign_in) = take::<SignIn>(state, ceremony).await?;
    let refused = |reason: &str| {
        tracing::info!(target: "audit", action = "login", outcome = "failure", method = "passkey", reason, %client);
        AppError::PasskeyRefused
    };
    let answer: PublicKeyCredential = parse_answer(credential, AppError::PasskeyRefused)?;
    let webauthn = &state.passkeys.webauthn;
    let (user_handle, raw_id) = webauthn
        .identify_discoverable_authentication(&answer)
        .map_err(|_| refused("no user handle"))?;
    let id = credential_id(raw_id);
    let Some(owner) = state.db.passkey_owner(&id).await? else {
        return Err(refused("unknown passkey"));
    };
    // The authenticator names the account; the passkey must belong to it.
    if owner.user_handle != user_handle.to_string() {
        return Err(refused("user handle of another account"));
    }
    let mut passkey: Passkey = serde_json::from_str(&owner.credential).map_err(internal)?;
    let result = webauthn
        .finish_discoverable_authentication_v2(&answer, sign_in.authentication, &passkey)
        .map_err(|err| refused(&err.to_string()))?;
    passkey.update_credential(&result);
    let updated = stored_credential(&passkey)?;
    let now = state.clock.unix_now();
    // Checked against what was read: a parallel sign-in that moved the
    // counter first makes this one a replay of an older signature.
    if !state
        .db
        .record_passkey_use(&id, &owner.credential, &updated, now)
        .await?
    {
        return Err(refused("passkey changed meanwhile"));
    }
    state.limits.refund(&state.db, Counter::LoginByAddress(client)).await;
    state
        .limits
        .refund(&state.db, Counter::PasskeyCeremonyByAddress(client))
        .await;
    tracing::info!(target: "audit", action = "login", outcome = "success", method = "passkey", user_id = owner.user_id, %client);
    Ok(SignedIn {
        user: UserSummary {
            id: owner.user_id,
            name: owner.user_name,
        },
        email: owner.email,
    })
}

/// "Add a passkey", first step, for the logged-in `user`.
#[tracing::instrument(skip_all, fields(user_id = user.id, %client))]
pub async fn start_adding(state: &AppState, user: &UserSummary, client: IpAddr) -> Result<PasskeyChallenge, AppError> {
    let Some((email, _)) = state.db.email_state(user.id).await? else {
        return Err(AppError::Unauthorized);
    };
    let user_handle = match state.db.passkey_user_handle(user.id).await? {
        Some(stored) => Uuid::parse_str(&stored).map_err(|_| AppError::Internal)?,
        None => Uuid::new_v4(),
    };
    let known = state
        .db
        .passkey_ids_of(user.id)
        .await?
        .iter()
        .filter_map(|id| URL_SAFE_NO_PAD.decode(id).ok())
        .collect();
    let (options, registration) = state
        .passkeys
        .webauthn
        .start_passkey_registration(user_handle, &email, &user.name, Some(known))
        .map_err(webauthn_internal)?;
    let ceremony = AddPasskey {
        user_handle,
        registration,
    };
    begin(state, &ceremony, Some(user.id), &require_resident_key(options), client).await
}

/// "Add a passkey", second step: only the user who started the ceremony can
/// finish it. Sends the security notice.
#[tracing::instrument(skip_all, fields(user_id, %client))]
pub async fn finish_adding(
    state: &AppState,
    user_id: i64,
    ceremony: &str,
    credential: &str,
    name: PasskeyName,
    client: IpAddr,
) -> Result<PasskeySummary, AppError> {
    let (started_by, adding) = take::<AddPasskey>(state, ceremony).await?;
    if started_by != Some(user_id) {
        return Err(AppError::PasskeyExpired);
    }
    let answer: RegisterPublicKeyCredential = parse_answer(credential, AppError::PasskeyInvalid)?;
    let passkey = verify_registration(state, &answer, &adding.registration, client)?;
    let now = state.clock.unix_now();
    let id = credential_id(passkey.cred_id());
    let stored = stored_credential(&passkey)?;
    let new = NewPasskey {
        id: &id,
        name: name.as_str(),
        credential: &stored,
        created_at: now,
    };
    state
        .db
        .add_passkey(user_id, &adding.user_handle.to_string(), &new)
        .await?;
    tracing::info!(target: "audit", action = "passkey_added", outcome = "success", user_id, %client);
    state
        .limits
        .refund(&state.db, Counter::PasskeyCeremonyByAddress(client))
        .await;
    notify(state, user_id, Notice::PasskeyAdded, client).await;
    Ok(PasskeySummary {
        id,
        name: name.as_str().to_owned(),
        created_at: rfc3339_of(now),
        last_used_at: None,
    })
}

/// The user's password (or not) and passkeys, for the account page.
pub async fn sign_in_methods(state: &AppState, user_id: i64) -> Result<SignInMethods, AppError> {
    let passkeys = state.db.passkeys_of(user_id).await?;
    Ok(SignInMethods {
        has_password: state.db.has_password(user_id).await?,
        passkeys: passkeys
            .into_iter()
            .map(|record| PasskeySummary {
                id: record.id,
                name: record.name,
                created_at: rfc3339_of(record.created_at),
                last_used_at: record.last_used_at.map(rfc3339_of),
            })
            .collect(),
    })
}

/// Removes one of the user's passkeys, never their last way to sign in.
#[tracing::instrument(skip_all, fields(user_id, %client))]
pub async fn remove(state: &AppState, user_id: i64, id: &str, client: IpAddr) -> Result<(), AppError> {
    if !is_credential_id(id) {
        return Err(AppError::NotFound);
    }
    match state.db.remove_passkey(user_id, id).await? {
        Removal::Removed => {
            tracing::info!(target: "audit", action = "passkey_removed", outcome = "success", user_id, %client);
            Ok(())
        }
        Removal::NotFound => Err(AppError::NotFound),
        Removal::LastSignInMethod => Err(AppError::LastSignInMethod),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passkeys_need_https_with_a_domain_or_localhost() {
        for fit in [
            "https://app.example.com",
            "https://app.example.com:8443",
            "http://localhost:3000",
            "http://app.localhost:3000",
        ] {
            assert!(RelyingParty::for_origin(fit, "Sessions").is_ok(), "{fit}");
        }
        for unfit in [
            "http://127.0.0.1:3000",
            "https://127.0.0.1",
            "https://[::1]:3000",
            "http://app.example.com",
            "not an origin",
        ] {
            let err = RelyingParty::for_origin(unfit, "Sessions").err().expect(unfit);
            assert!(err.to_string().contains(unfit), "{err}");
        }
    }

    #[test]
    fn only_base64url_reaches_the_database_as_a_credential_id() {
        assert!(is_credential_id(&credential_id(&[0xfb; 64])));
        assert!(is_credential_id("AbC-_9"));
        for bad in ["", "a b", "a+b", "a/b", "a=", "a\0b", &"a".repeat(1365)] {
            assert!(!is_credential_id(bad), "{bad:?}");
        }
    }
}
