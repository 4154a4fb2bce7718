//! The HTTP API, as server functions: each parses its input, calls one domain
//! function and maps the result. Every one of them is a public endpoint.
//!
//! Inputs are form-encoded so `<form>`s work without JavaScript; arguments
//! default to empty so a missing field is a validation error, not a decoding one.

mod account;
mod auth;
mod identity;
mod passkeys;
mod recovery;
mod two_factor;
mod users;

pub use account::*;
pub use auth::*;
pub use identity::*;
pub use passkeys::*;
pub use recovery::*;
pub use two_factor::*;
pub use users::*;
