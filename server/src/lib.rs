//! Boots the product: configuration in, a listening axum server out. The
//! configuration is read once ([`config`]); [`startup`] opens the database,
//! builds the shared state and listens; [`router`] lists every route and
//! layer; [`connections`] serves them with limits on each client connection.

pub mod admin;
pub mod config;
pub mod connections;
mod router;
mod startup;

pub use router::router;
pub use startup::{open_for_operators, start, start_with, RunningServer, StartError};
