//! The server's integration tests, one binary (linked once) with a module per
//! concern. Each test starts the real server on port 0 with a fresh SQLite
//! database (`helpers::TestApp`) and speaks HTTP to it.
//!
//! None passes by skipping itself. A test that needs a tool
//! `scripts/test.sh` installs (nginx, aiosmtpd, npm's oidc-provider) is
//! `#[ignore]`d with a reason naming it, and fails if run without it; a test
//! about one database backend lives in a module `sqlite_only` or
//! `postgres_only` and fails on the other (`helpers::require_backend`). The
//! script runs them all where they can run; see the README's "Tests".

mod abuse;
mod account_security;
mod api;
mod attacks;
mod audit;
mod cluster;
mod concurrency;
mod email_change;
mod faults;
mod features;
mod helpers;
mod hostile_names;
mod identity;
mod json_bodies;
mod lifecycle;
mod mail;
mod openapi;
mod passkeys;
mod passwords;
mod recovery;
mod security;
mod session_list;
mod startup;
mod two_factor;
