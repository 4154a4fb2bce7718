//! Account rules shared by the browser and the server: each input is parsed once
//! into a type that can only hold a valid value.

mod forms;
mod identifiers;
mod ids;
mod paging;
mod passwords;
mod problems;
mod redirects;

pub use forms::{check_login_form, NewAccount, NewPasskeyAccount};
pub use identifiers::{Email, PasskeyName, UserName};
pub use ids::UserId;
pub use paging::{parse_user_id, Cursor, PageRequest};
pub use passwords::{
    check_code_form, check_first_password, check_password_change, check_reauthentication_form, Password,
};
pub(crate) use problems::ProblemBody;
pub use problems::{Invalid, Problems, ValidationError};
pub use redirects::{reauthentication_target, safe_redirect_target};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_state_the_limits_the_code_enforces() {
        assert!(Invalid::EmailTooLong
            .to_string()
            .contains(&Email::MAX_CHARS.to_string()));
        assert!(Invalid::NameTooLong
            .to_string()
            .contains(&UserName::MAX_CHARS.to_string()));
        assert!(Invalid::PasswordTooShort
            .to_string()
            .contains(&Password::MIN_CHARS.to_string()));
        assert!(Invalid::PasswordTooLong
            .to_string()
            .contains(&Password::MAX_CHARS.to_string()));
        assert!(Invalid::LimitInvalid
            .to_string()
            .contains(&PageRequest::MAX_LIMIT.to_string()));
    }
}
