//! The server functions in the API's document: each one's path, method,
//! fields and answer read from the server function itself, and one line per
//! endpoint for what its code cannot say.

use super::{add_refusals, Refusal, FORM, JSON, SESSION};
use crate::{
    api::*,
    domain::{Email, PageRequest, PasskeyName, Password, UserName},
};
use leptos::server_fn::{Protocol, ServerFn};
use serde::Deserialize;
use utoipa::{
    openapi::{
        path::{HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn},
        request_body::RequestBodyBuilder,
        schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type},
        security::SecurityRequirement,
        ContentBuilder, RefOr, Required, ResponseBuilder, Schema,
    },
    ToSchema,
};

const INVALID: Refusal = (
    422,
    "Input is invalid: `problems` lists every invalid field, `field` names the first",
);
const EMAIL_TAKEN: Refusal = (409, "An account already has this email");
const LIMITED: Refusal = (
    429,
    "Too many attempts from this network or at this account; `Retry-After` and `retry_after` say when to try again",
);
const BAD_LINK: Refusal = (400, "The mailed token is invalid, used, replaced or expired");
const UNVERIFIED: Refusal = (
    403,
    "`REQUIRE_VERIFIED_EMAIL` is on and the user's email is not verified",
);
const EXPIRED_CEREMONY: Refusal = (
    400,
    "The passkey ceremony is unknown, used or past its 5 minutes, or the new credential does not verify",
);
const TWO_FACTOR_ON: Refusal = (409, "Two-step verification is already on (`two_factor_on`)");
const TWO_FACTOR_OFF: Refusal = (
    409,
    "Two-step verification is not on, or was not set up first (`two_factor_off`)",
);
const CLOSED: Refusal = (
    403,
    "The site takes no new accounts (`registration_closed`, `REGISTRATION=closed`)",
);
const PASSKEYS_OFF: Refusal = (404, "Passkeys are switched off here (`PASSKEYS=false`)");
const LAST_METHOD: Refusal = (409, "It is the account's last way to sign in");
const REAUTHENTICATE: Refusal = (
    403,
    "No proof of identity within `REAUTHENTICATION_MAX_AGE` (`reauthentication_required`): confirm it with `POST /api/account/reauthenticate` first",
);
const DISABLED: Refusal = (
    403,
    "An operator disabled the account (`account_disabled`): no way in signs in to it",
);
const EMAIL_UNVERIFIED: Refusal = (
    403,
    "The account's email is not verified (`email_unverified`): lasting ways to sign in are only for the address's owner",
);

/// The server functions, each with what its code cannot say.
pub(super) fn server_functions() -> Vec<Documented> {
    vec![
        endpoint::<Register>("Create an account and log in")
            .form()
            .refuses(&[INVALID, EMAIL_TAKEN, CLOSED, LIMITED]),
        endpoint::<Login>(
            "Log in with email and password; `redirect` is where an HTML form lands. With two-step verification on, \
             the answer is `{\"two_factor\": true}` and a sign-in waiting for `POST /api/auth/two-factor`, no session",
        )
        .form()
        .refuses(&[INVALID, (401, "Invalid email or password"), DISABLED, LIMITED]),
        endpoint::<TwoFactor>(
            "Finish a sign-in waiting for its second step with a code of the authenticator app or an unused recovery code",
        )
        .form()
        .refuses(&[
            INVALID,
            (400, "No sign-in is waiting for a code (none, forged, or past its 5 minutes)"),
            (401, "Invalid code: wrong, already used, or not current"),
            DISABLED,
            LIMITED,
        ]),
        endpoint::<Logout>("Log out: end this session and clear its cookie").form(),
        endpoint::<ListUsers>("List users by id: after the id `after`, or the `limit` (1 to 100, 10) before `before`")
            .logged_in()
            .refuses(&[INVALID, UNVERIFIED]),
        endpoint::<GetUser>("One user's profile")
            .logged_in()
            .refuses(&[INVALID, (404, "No such user"), UNVERIFIED]),
        endpoint::<GetSession>("The session's public fields when logged in, `{}` otherwise"),
        endpoint::<EndSession>("Log out, as `POST /api/auth/logout`"),
        endpoint::<LogoutEverywhere>("End every other session of the user; this one gets a new cookie")
            .form()
            .logged_in()
            .refuses(&[REAUTHENTICATE, LIMITED]),
        endpoint::<DeleteAccount>(
            "Delete the account with its passkeys, identities, tokens and sessions; the cookie is cleared and the \
             address may register again",
        )
        .form()
        .logged_in()
        .refuses(&[REAUTHENTICATE]),
        endpoint::<ChangePassword>("Change the password; every other session ends, this one gets a new cookie")
            .form()
            .logged_in()
            .refuses(&[INVALID, LIMITED]),
        endpoint::<ForgotPassword>(
            "Mail a password reset link; the same answer whether or not the email has an account",
        )
        .form()
        .refuses(&[INVALID, LIMITED]),
        endpoint::<ResetPassword>(
            "Set a new password with a mailed token and log in; every other session ends. With two-step verification \
             on, `{\"two_factor\": true}` as for a login",
        )
            .form()
            .refuses(&[BAD_LINK, INVALID, DISABLED, LIMITED]),
        endpoint::<ChangeEmail>(
            "Mail a link to `email` that makes it the account's address, and a notice to the current one; nothing \
             changes yet. An address another account has gets the same answer",
        )
        .form()
        .logged_in()
        .refuses(&[INVALID, REAUTHENTICATE, LIMITED]),
        endpoint::<ConfirmEmail>(
            "Make the address a change link was mailed to the account's login, verified; the old address is mailed \
             a link that puts it back",
        )
        .form()
        .refuses(&[BAD_LINK, EMAIL_TAKEN]),
        endpoint::<UndoEmailChange>(
            "Put back the address an undo link was mailed to; every session of the account ends and this cookie is \
             cleared",
        )
        .form()
        .refuses(&[BAD_LINK, EMAIL_TAKEN]),
        endpoint::<VerifyEmail>("Verify the email with a mailed token")
            .form()
            .refuses(&[BAD_LINK, LIMITED]),
        endpoint::<CheckMailedLink>(
            "Whether the mailed link to `page` (`/reset-password`, `/verify-email`, `/confirm-email`, \
             `/undo-email-change`) with `token` still works, as its page asks on opening; the token stays unspent",
        )
        .refuses(&[BAD_LINK]),
        endpoint::<SendVerificationEmail>("Mail a new verification link (none if verified)")
            .form()
            .logged_in()
            .refuses(&[LIMITED]),
        endpoint::<ListSessions>("The user's sessions, newest first").logged_in(),
        endpoint::<AccountActivity>(
            "The account's newest 50 events, newest first: sign-ins and their failures, sign-outs, changes to how it \
             signs in, sessions ended",
        )
        .logged_in(),
        endpoint::<EndListedSession>("End one of the user's sessions; ending this one logs out")
            .form()
            .logged_in()
            .refuses(&[(404, "Not one of the user's sessions"), REAUTHENTICATE]),
        endpoint::<PasskeySignUpOptions>("Start creating an account with a passkey").refuses(&[
            INVALID,
            EMAIL_TAKEN,
            CLOSED,
            PASSKEYS_OFF,
            LIMITED,
        ]),
        endpoint::<PasskeySignUp>("Finish creating an account with a passkey, and log in").refuses(&[
            EXPIRED_CEREMONY,
            EMAIL_TAKEN,
            CLOSED,
            PASSKEYS_OFF,
        ]),
        endpoint::<PasskeySignInOptions>("Start signing in with a passkey").refuses(&[PASSKEYS_OFF]),
        endpoint::<PasskeySignIn>("Finish signing in with a passkey").refuses(&[
            EXPIRED_CEREMONY,
            PASSKEYS_OFF,
            (401, "This passkey was not accepted"),
            DISABLED,
            LIMITED,
        ]),
        endpoint::<ListPasskeys>("The user's ways to sign in: password or not, passkeys, linked providers").logged_in(),
        endpoint::<AddPasskeyOptions>("Start adding a passkey")
            .logged_in()
            .refuses(&[REAUTHENTICATE, EMAIL_UNVERIFIED, PASSKEYS_OFF]),
        endpoint::<AddPasskey>("Finish adding a passkey").logged_in().refuses(&[
            EXPIRED_CEREMONY,
            PASSKEYS_OFF,
            (409, "This passkey is already registered"),
            INVALID,
            REAUTHENTICATE,
        ]),
        endpoint::<RemovePasskey>("Remove one of the user's passkeys")
            .form()
            .logged_in()
            .refuses(&[(404, "Not one of the user's passkeys"), LAST_METHOD, REAUTHENTICATE]),
        endpoint::<SetPassword>("Set a first password on an account made without one")
            .form()
            .logged_in()
            .refuses(&[INVALID, REAUTHENTICATE, LIMITED]),
        endpoint::<IdentityProviders>("The configured identity providers"),
        endpoint::<UnlinkIdentity>("Unlink one of the user's identities at a provider")
            .form()
            .logged_in()
            .refuses(&[(404, "Not one of the user's identities"), LAST_METHOD, REAUTHENTICATE]),
        endpoint::<Reauthenticate>(
            "Confirm who the logged-in user is with their password; the session gets a new id and cookie, keeping its absolute expiry",
        )
        .form()
        .logged_in()
        .refuses(&[INVALID, (401, "Invalid password"), LIMITED]),
        endpoint::<SetUpTwoFactor>("Start setting up two-step verification: a new secret, waiting for a code")
            .logged_in()
            .refuses(&[REAUTHENTICATE, TWO_FACTOR_ON]),
        endpoint::<EnableTwoFactor>(
            "Turn two-step verification on with a code of the secret set up; the 10 recovery codes, shown once",
        )
        .form()
        .logged_in()
        .refuses(&[INVALID, TWO_FACTOR_ON, TWO_FACTOR_OFF]),
        endpoint::<DisableTwoFactor>("Turn two-step verification off")
            .form()
            .logged_in()
            .refuses(&[REAUTHENTICATE, TWO_FACTOR_OFF]),
        endpoint::<NewRecoveryCodes>("A new set of recovery codes; the old set stops working")
            .logged_in()
            .refuses(&[REAUTHENTICATE, TWO_FACTOR_OFF]),
        endpoint::<ReauthenticatePasskeyOptions>("Start confirming who the logged-in user is with a passkey")
            .logged_in()
            .refuses(&[PASSKEYS_OFF]),
        endpoint::<ReauthenticateWithPasskey>(
            "Finish confirming who the logged-in user is with one of their passkeys; the session gets a new id and cookie",
        )
        .logged_in()
        .refuses(&[EXPIRED_CEREMONY, (401, "This passkey was not accepted"), PASSKEYS_OFF, LIMITED]),
    ]
}

/// A server function's operation, as it is being described.
pub(super) struct Documented {
    path: &'static str,
    method: HttpMethod,
    operation: OperationBuilder,
    refusals: Vec<Refusal>,
    /// The schemas its answer refers to.
    schemas: Vec<(String, RefOr<Schema>)>,
}

fn endpoint<F>(summary: &str) -> Documented
where
    F: ServerFn + for<'de> Deserialize<'de>,
    F::Output: ToSchema,
{
    let method = method_of::<F>();
    let mut refusals = Vec::new();
    let mut schemas = Vec::new();
    F::Output::schemas(&mut schemas);
    // A server function's arguments default to empty: a missing field is
    // read as "" and refused by validation, so none is required on the wire.
    let fields = serde_aux::serde_introspection::serde_introspect::<F>();
    let mut operation = OperationBuilder::new()
        .operation_id(Some(type_name::<F>()))
        .summary(Some(summary))
        .tag(tag_of(F::PATH))
        .response("200", success::<F::Output>());
    if method != HttpMethod::Post {
        if !fields.is_empty() {
            refusals.push((400, "The query cannot be decoded (a field given twice, say)"));
        }
        for field in fields {
            operation = operation.parameter(
                ParameterBuilder::new()
                    .name(*field)
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False)
                    .schema(Some(field_schema(field))),
            );
        }
    } else if !fields.is_empty() {
        let mut object = ObjectBuilder::new();
        for field in fields {
            object = object.property(*field, field_schema(field));
        }
        let object: RefOr<Schema> = object.into();
        operation = operation.request_body(Some(
            RequestBodyBuilder::new()
                .content(FORM, ContentBuilder::new().schema(Some(object.clone())).build())
                .content(JSON, ContentBuilder::new().schema(Some(object)).build())
                .build(),
        ));
    }
    Documented {
        path: F::PATH,
        method,
        operation,
        refusals,
        schemas,
    }
}

impl Documented {
    /// Needs the session cookie of a logged-in user.
    fn logged_in(mut self) -> Self {
        self.refusals.push((401, "Not logged in"));
        self.operation = self
            .operation
            .security(SecurityRequirement::new(SESSION, Vec::<String>::new()));
        self
    }

    /// Can be posted by an HTML form without JavaScript, which gets a 303.
    fn form(mut self) -> Self {
        self.operation = self.operation.response(
            "303",
            ResponseBuilder::new().description(
                "To an HTML form post (`Accept: text/html`): to the next page on success, \
                 back to the form with its problems otherwise",
            ),
        );
        self
    }

    fn refuses(mut self, refusals: &[Refusal]) -> Self {
        self.refusals.extend_from_slice(refusals);
        self
    }

    pub(super) fn into_operation(
        self,
        schemas: &mut Vec<(String, RefOr<Schema>)>,
    ) -> (&'static str, HttpMethod, Operation) {
        schemas.extend(self.schemas);
        let mut operation = self.operation.build();
        add_refusals(&mut operation, &self.refusals);
        (self.path, self.method, operation)
    }
}

/// A field's schema: a string, with the domain's rules where a field of that
/// name has them.
fn field_schema(name: &str) -> ObjectBuilder {
    let string = ObjectBuilder::new().schema_type(Type::String);
    match name {
        "email" => string
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
            .max_length(Some(Email::MAX_CHARS)),
        "name" => string.min_length(Some(1)).max_length(Some(UserName::MAX_CHARS)),
        "password" | "new_password" => string
            .min_length(Some(Password::MIN_CHARS))
            .max_length(Some(Password::MAX_CHARS))
            .description(Some(format!(
                "{} to {} characters of any script, none of them a control character; not one of the 10,000 \
                 most common passwords, nor made of the account's name or email or the site's name",
                Password::MIN_CHARS,
                Password::MAX_CHARS
            ))),
        "passkey_name" => string.max_length(Some(PasskeyName::MAX_CHARS)),
        "limit" => string.pattern(Some("^[0-9]*$")).description(Some(format!(
            "1 to {}; {} when empty or not given",
            PageRequest::MAX_LIMIT,
            PageRequest::DEFAULT_LIMIT
        ))),
        "after" | "before" => string
            .pattern(Some("^(-?[0-9]+)?$"))
            .description(Some("A user's id; none when empty")),
        _ => string,
    }
}

/// The method a server function is called with.
fn method_of<F: ServerFn>() -> HttpMethod {
    let method = <F::Protocol as Protocol<
        F,
        F::Output,
        F::Client,
        F::Server,
        F::Error,
        F::InputStreamError,
        F::OutputStreamError,
    >>::METHOD;
    match method.as_str() {
        "GET" => HttpMethod::Get,
        "DELETE" => HttpMethod::Delete,
        _ => HttpMethod::Post,
    }
}

/// `app::api::ListUsers` → `ListUsers`.
fn type_name<F>() -> &'static str {
    let name = std::any::type_name::<F>();
    name.rsplit("::").next().unwrap_or(name)
}

/// `/api/account/sessions` → `account`; `/api/users` → `users`.
fn tag_of(path: &str) -> String {
    let path = path.trim_start_matches("/api/");
    path.split('/')
        .next()
        .unwrap_or(path)
        .trim_start_matches('_')
        .to_owned()
}

/// A successful JSON answer of type `T`.
fn success<T: ToSchema>() -> ResponseBuilder {
    ResponseBuilder::new()
        .description("Success")
        .content(JSON, ContentBuilder::new().schema(Some(T::schema())).build())
}
