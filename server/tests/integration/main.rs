//! The server's integration tests, one binary (linked once) with a module per
//! concern. Each test starts the real server on port 0 with a fresh SQLite
//! database (`helpers::TestApp`) and speaks HTTP to it.

mod abuse;
mod account_security;
mod api;
mod attacks;
mod audit;
mod cluster;
mod concurrency;
mod faults;
mod helpers;
mod hostile_names;
mod identity;
mod json_bodies;
mod mail;
mod openapi;
mod passkeys;
mod recovery;
mod security;
mod session_list;
mod startup;
