//! One module per page, plus the parts they share.

pub mod account;
pub mod form;
pub mod guards;
pub mod home;
pub mod login;
pub mod nav;
pub mod not_found;
pub mod register;
pub mod time;
pub mod users;
