//! `server admin ...`: what an operator does to accounts from a shell, on
//! the servers' own configuration and database. Each command prints what
//! it did and exits 0, or names the problem and exits non-zero. The work
//! itself is the product's (`app::backend::lifecycle`); this only parses,
//! finds the account and prints.

use crate::{config::Config, startup::open_for_operators};
use app::backend::{activity, clock::rfc3339_of, lifecycle, AppState};
use app::domain::{Email, UserId};
use clap::{Args, Subcommand};
use std::{
    fmt::Write as _,
    net::{IpAddr, Ipv4Addr},
};

/// An operator's action on accounts.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// End every session of one account, or of every account.
    EndSessions(Accounts),
    /// Stop an account from signing in by any method; its sessions end.
    Disable(OneAccount),
    /// Let a disabled account sign in again.
    Enable(OneAccount),
    /// Delete an account and everything of it; its address may register again.
    Delete(OneAccount),
    /// Show an account: its state, ways to sign in and sessions.
    List(OneAccount),
}

#[derive(Debug, Args)]
pub struct OneAccount {
    /// The account's email address.
    #[arg(long)]
    email: String,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Accounts {
    /// The account's email address.
    #[arg(long)]
    email: Option<String>,
    /// Every account.
    #[arg(long)]
    all: bool,
}

/// What an operator's command is recorded as coming from: this machine.
const OPERATOR: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Runs `command`: what to print on success, or the problem.
pub async fn run(config: Config, command: AdminCommand) -> Result<String, String> {
    let state = open_for_operators(&config).await.map_err(|err| err.to_string())?;
    // The account's activity shows what an operator did to it.
    let outcome = activity::recording(&state, "server admin".to_owned(), act(&state, command)).await;
    state.mailer.stop().await;
    state.db.close().await;
    outcome
}

async fn act(state: &AppState, command: AdminCommand) -> Result<String, String> {
    let failed = |err: app::error::AppError| format!("the database refused: {err}");
    match command {
        AdminCommand::EndSessions(Accounts { all: true, .. }) => {
            let ended = lifecycle::end_sessions(state, None, OPERATOR).await.map_err(failed)?;
            Ok(format!("ended {ended} sessions of every account"))
        }
        AdminCommand::EndSessions(Accounts { email, .. }) => {
            let (user_id, email) = account(state, email.as_deref().unwrap_or_default()).await?;
            let ended = lifecycle::end_sessions(state, Some(user_id), OPERATOR)
                .await
                .map_err(failed)?;
            Ok(format!("ended {ended} sessions of {email}"))
        }
        AdminCommand::Disable(OneAccount { email }) => {
            let (user_id, email) = account(state, &email).await?;
            let ended = lifecycle::disable_account(state, user_id, OPERATOR)
                .await
                .map_err(failed)?;
            Ok(format!("disabled {email}; ended {ended} sessions"))
        }
        AdminCommand::Enable(OneAccount { email }) => {
            let (user_id, email) = account(state, &email).await?;
            match lifecycle::enable_account(state, user_id, OPERATOR)
                .await
                .map_err(failed)?
            {
                true => Ok(format!("enabled {email}")),
                false => Ok(format!("{email} was not disabled; nothing changed")),
            }
        }
        AdminCommand::Delete(OneAccount { email }) => {
            let (user_id, email) = account(state, &email).await?;
            match lifecycle::delete_account(state, user_id, OPERATOR)
                .await
                .map_err(failed)?
            {
                true => Ok(format!(
                    "deleted {email} with its sessions, passkeys, identities and tokens"
                )),
                false => Err(format!("no account has the address {email}")),
            }
        }
        AdminCommand::List(OneAccount { email }) => {
            let (user_id, email) = account(state, &email).await?;
            describe(state, user_id, &email).await.map_err(failed)
        }
    }
}

/// The account with the address `typed`, and the address as stored.
async fn account(state: &AppState, typed: &str) -> Result<(UserId, String), String> {
    let email = Email::parse(typed)
        .map_err(|_| format!("not an email address: {typed:?}"))?
        .as_str()
        .to_owned();
    match state.db.user_id_by_email(&email).await {
        Ok(Some(user_id)) => Ok((user_id, email)),
        Ok(None) => Err(format!("no account has the address {email}")),
        Err(err) => Err(format!("the database refused: {err}")),
    }
}

/// The account as an operator needs to see it, one fact a line.
async fn describe(state: &AppState, user_id: UserId, email: &str) -> Result<String, app::error::AppError> {
    let db = &state.db;
    let profile = db.find_user(user_id).await?.ok_or(app::error::AppError::NotFound)?;
    let verified = db.email_state(user_id).await?.is_some_and(|(_, verified)| verified);
    let disabled = db.account_disabled(user_id).await?;
    let has_password = db.password_hash(user_id).await?.is_some();
    let two_factor = db.two_factor_enabled(user_id).await?;
    let passkeys = db.passkeys_of(user_id).await?;
    let identities = db.identities_of(user_id).await?;
    let sessions = db.sessions_of(user_id, state.clock.unix_now()).await?;
    let yes_no = |on: bool| if on { "yes" } else { "no" };
    let mut out = String::new();
    let _ = writeln!(out, "account {user_id}: {email} ({})", profile.name.escape_debug());
    let _ = writeln!(out, "created: {}", profile.created_at);
    let _ = writeln!(out, "email verified: {}", yes_no(verified));
    let _ = writeln!(out, "disabled: {}", yes_no(disabled));
    let _ = writeln!(out, "password: {}", yes_no(has_password));
    let _ = writeln!(out, "two-step verification: {}", yes_no(two_factor));
    let _ = writeln!(out, "passkeys: {}", passkeys.len());
    for passkey in &passkeys {
        let _ = writeln!(
            out,
            "  {} (added {})",
            passkey.name.escape_debug(),
            rfc3339_of(passkey.created_at)
        );
    }
    let _ = writeln!(out, "identities: {}", identities.len());
    for identity in &identities {
        let _ = writeln!(out, "  {} {}", identity.provider, identity.email.escape_debug());
    }
    let _ = write!(out, "sessions: {}", sessions.len());
    for session in &sessions {
        let _ = write!(
            out,
            "\n  since {}, last seen {}, from {}: {}",
            rfc3339_of(session.created_at),
            rfc3339_of(session.last_seen_at),
            session.address,
            session.user_agent.escape_debug()
        );
    }
    Ok(out)
}
