//! The API's OpenAPI 3.1 document, built from the code once and served at
//! `GET /api/openapi.json`.
//!
//! A server function's path, method, fields and answer come from the server
//! function itself (its `ServerFn` impl, its input's `Deserialize` impl, its
//! output's `ToSchema`); this file adds only what the code cannot say: a
//! summary, who may call it and which refusals are its own. The endpoints
//! that are plain handlers are routed and documented by one `#[utoipa::path]`
//! declaration each ([`api_routes`]), so neither can exist without the other.
//! Refusals every endpoint of a kind shares are added in one place
//! ([`shared_refusals`]).

use super::{identity, sessions};
use crate::{
    api::*,
    backend::AppState,
    domain::{Email, PageRequest, PasskeyName, Password, UserName},
    error::ErrorBody,
    model::{SessionInfo, SessionView},
};
use axum::{http::header, response::IntoResponse, Router};
use leptos::server_fn::{Protocol, ServerFn};
use serde::Deserialize;
use std::sync::LazyLock;
use utoipa::{
    openapi::{
        header::HeaderBuilder,
        path::{HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn},
        request_body::RequestBodyBuilder,
        schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type},
        security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme},
        ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr, Required, ResponseBuilder, Schema,
    },
    PartialSchema, ToSchema,
};
use utoipa_axum::{router::OpenApiRouter, routes};

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";
/// The security scheme's name in the document.
const SESSION: &str = "session";

/// A refusal an endpoint may answer, beside those it shares with its kind:
/// its status, and when.
type Refusal = (u16, &'static str);

const INVALID: Refusal = (422, "A field is invalid; `field` names it");
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
const LAST_METHOD: Refusal = (409, "It is the account's last way to sign in");

/// The server functions, each with what its code cannot say.
fn server_functions() -> Vec<Documented> {
    vec![
        endpoint::<Register>("Create an account and log in")
            .form()
            .refuses(&[INVALID, EMAIL_TAKEN, LIMITED]),
        endpoint::<Login>("Log in with email and password; `redirect` is where an HTML form lands")
            .form()
            .refuses(&[INVALID, (401, "Invalid email or password"), LIMITED]),
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
            .refuses(&[LIMITED]),
        endpoint::<ChangePassword>("Change the password; every other session ends, this one gets a new cookie")
            .form()
            .logged_in()
            .refuses(&[INVALID, LIMITED]),
        endpoint::<ForgotPassword>(
            "Mail a password reset link; the same answer whether or not the email has an account",
        )
        .form()
        .refuses(&[INVALID, LIMITED]),
        endpoint::<ResetPassword>("Set a new password with a mailed token and log in; every other session ends")
            .form()
            .refuses(&[BAD_LINK, INVALID, LIMITED]),
        endpoint::<VerifyEmail>("Verify the email with a mailed token")
            .form()
            .refuses(&[BAD_LINK, LIMITED]),
        endpoint::<SendVerificationEmail>("Mail a new verification link (none if verified)")
            .form()
            .logged_in()
            .refuses(&[LIMITED]),
        endpoint::<ListSessions>("The user's sessions, newest first").logged_in(),
        endpoint::<EndListedSession>("End one of the user's sessions; ending this one logs out")
            .form()
            .logged_in()
            .refuses(&[(404, "Not one of the user's sessions")]),
        endpoint::<PasskeySignUpOptions>("Start creating an account with a passkey").refuses(&[
            INVALID,
            EMAIL_TAKEN,
            LIMITED,
        ]),
        endpoint::<PasskeySignUp>("Finish creating an account with a passkey, and log in").refuses(&[
            EXPIRED_CEREMONY,
            EMAIL_TAKEN,
            LIMITED,
        ]),
        endpoint::<PasskeySignInOptions>("Start signing in with a passkey").refuses(&[LIMITED]),
        endpoint::<PasskeySignIn>("Finish signing in with a passkey").refuses(&[
            EXPIRED_CEREMONY,
            (401, "This passkey was not accepted"),
            LIMITED,
        ]),
        endpoint::<ListPasskeys>("The user's ways to sign in: password or not, passkeys, linked providers").logged_in(),
        endpoint::<AddPasskeyOptions>("Start adding a passkey")
            .logged_in()
            .refuses(&[LIMITED]),
        endpoint::<AddPasskey>("Finish adding a passkey").logged_in().refuses(&[
            EXPIRED_CEREMONY,
            (409, "This passkey is already registered"),
            INVALID,
        ]),
        endpoint::<RemovePasskey>("Remove one of the user's passkeys")
            .form()
            .logged_in()
            .refuses(&[(404, "Not one of the user's passkeys"), LAST_METHOD]),
        endpoint::<SetPassword>("Set a first password on an account made without one")
            .form()
            .logged_in()
            .refuses(&[INVALID, LIMITED]),
        endpoint::<IdentityProviders>("The configured identity providers"),
        endpoint::<UnlinkIdentity>("Unlink one of the user's identities at a provider")
            .form()
            .logged_in()
            .refuses(&[(404, "Not one of the user's identities"), LAST_METHOD]),
    ]
}

/// A server function's operation, as it is being described.
struct Documented {
    path: &'static str,
    method: HttpMethod,
    operation: OperationBuilder,
    logged_in: bool,
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
        .response("200", answer::<F::Output>("Success"));
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
        logged_in: false,
        refusals,
        schemas,
    }
}

impl Documented {
    /// Needs the session cookie of a logged-in user.
    fn logged_in(mut self) -> Self {
        self.logged_in = true;
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

    fn into_operation(self, schemas: &mut Vec<(String, RefOr<Schema>)>) -> (&'static str, HttpMethod, Operation) {
        schemas.extend(self.schemas);
        let mut refusals = self.refusals;
        if self.logged_in {
            refusals.push((401, "Not logged in"));
        }
        let mut operation = self.operation.build();
        add_refusals(&mut operation, &refusals);
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
        "password" | "new_password" => string.min_length(Some(Password::MIN_CHARS)).description(Some(format!(
            "At least {} characters and at most {} bytes in UTF-8",
            Password::MIN_CHARS,
            Password::MAX_BYTES
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
    let path = path.trim_start_matches("/api/").trim_start_matches("/auth/");
    path.split('/')
        .next()
        .unwrap_or(path)
        .trim_start_matches('_')
        .to_owned()
}

/// A JSON answer of type `T`.
fn answer<T: ToSchema>(description: &str) -> ResponseBuilder {
    ResponseBuilder::new()
        .description(description)
        .content(JSON, ContentBuilder::new().schema(Some(T::schema())).build())
}

/// Adds each refusal as a JSON error response; refusals with one status
/// share it, their descriptions joined.
fn add_refusals(operation: &mut Operation, refusals: &[Refusal]) {
    for (status, when) in refusals {
        let status = status.to_string();
        let description = match operation.responses.responses.get(&status) {
            Some(RefOr::T(known)) if !known.description.contains(when) => format!("{}; {when}", known.description),
            Some(_) => continue,
            None => (*when).to_owned(),
        };
        let mut error = ResponseBuilder::new().description(description).content(
            JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        );
        if matches!(status.as_str(), "429" | "503") {
            error = error.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)))
                    .description(Some("Seconds to wait before trying again"))
                    .build(),
            );
        }
        operation.responses.responses.insert(status, error.build().into());
    }
}

/// The refusals shared by every endpoint of a kind: a state-changing one is
/// refused cross-site, and its body may be malformed, too large or of
/// another media type; any may find the database unreachable.
fn shared_refusals(document: &mut OpenApi) {
    for (_, item) in document.paths.paths.iter_mut() {
        for (operation, changes_state) in [(&mut item.get, false), (&mut item.post, true), (&mut item.delete, true)] {
            let Some(operation) = operation.as_mut() else { continue };
            let mut refusals = vec![(
                503,
                "The database cannot be reached; `Retry-After` says when to try again",
            )];
            if changes_state {
                refusals.extend([
                    (
                        400,
                        "The body is malformed (`Malformed JSON body: …`) or cannot be decoded",
                    ),
                    (403, "Sent by another site (`Origin`, or `Sec-Fetch-Site: cross-site`)"),
                    (413, "The body is over 64 KiB"),
                    (415, "The body is neither JSON nor a form"),
                ]);
            }
            add_refusals(operation, &refusals);
        }
    }
}

/// The endpoints that are plain handlers, each routed and documented by its
/// `#[utoipa::path]`, and the document itself.
fn handlers() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sessions::delete_listed_session))
        .routes(routes!(identity::start_identity_sign_in))
        .routes(routes!(identity::start_identity_link))
        .routes(routes!(identity::finish_identity_sign_in))
        .routes(routes!(serve_document))
}

/// The routes of the endpoints that are not server functions.
pub fn api_routes() -> Router<AppState> {
    handlers().split_for_parts().0
}

/// The whole document: every server function and every handler.
pub fn api_document() -> OpenApi {
    let mut document = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Sessions API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Registration, login and sessions. Every POST takes its fields as a form \
                     (`application/x-www-form-urlencoded`) or as a flat JSON object with the same names. \
                     Every error is `{\"error\": message}`, with `field` for a field's problem and \
                     `retry_after` past a limit.",
                )),
        )
        .build()
        .merge_from(handlers().into_openapi());
    let mut schemas = vec![(ErrorBody::name().into_owned(), ErrorBody::schema())];
    for documented in server_functions() {
        let (path, method, operation) = documented.into_operation(&mut schemas);
        document.paths.add_path_operation(path, vec![method], operation);
    }
    shared_refusals(&mut document);
    let components = document.components.get_or_insert_with(Default::default);
    components.schemas.extend(schemas);
    components.add_security_scheme(
        SESSION,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            "session",
            "The sealed session cookie that logging in sets; named `__Host-session` when the site is served over HTTPS",
        ))),
    );
    document
}

/// The session's fields when logged in, an empty object otherwise: what the
/// derived schema of its flattened `Option` cannot say.
impl PartialSchema for SessionView {
    fn schema() -> RefOr<Schema> {
        let anonymous = ObjectBuilder::new()
            .schema_type(Type::Object)
            .max_properties(Some(0))
            .description(Some("Not logged in"));
        OneOfBuilder::new()
            .item(Ref::from_schema_name(SessionInfo::name()))
            .item(anonymous)
            .into()
    }
}

impl ToSchema for SessionView {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((SessionInfo::name().into_owned(), SessionInfo::schema()));
        SessionInfo::schemas(schemas);
    }
}

static DOCUMENT: LazyLock<String> =
    LazyLock::new(|| api_document().to_json().expect("the API document serializes to JSON"));

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "api",
    responses((status = 200, description = "This OpenAPI 3.1 document", content_type = "application/json", body = Object))
)]
async fn serve_document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, JSON)], DOCUMENT.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_methods_come_from_the_server_functions() {
        let document = api_document();
        let login = document.paths.paths["/api/auth/login"].post.as_ref().unwrap();
        let body = serde_json::to_value(login.request_body.as_ref().unwrap()).unwrap();
        for media_type in [FORM, JSON] {
            let fields = body["content"][media_type]["schema"]["properties"].as_object().unwrap();
            let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
            names.sort();
            assert_eq!(names, ["email", "password", "redirect"], "{media_type}");
        }
        let users = document.paths.paths["/api/users"].get.as_ref().unwrap();
        let parameters: Vec<&str> = users
            .parameters
            .iter()
            .flatten()
            .map(|parameter| parameter.name.as_str())
            .collect();
        assert_eq!(parameters, ["limit", "after", "before"]);
        let session = &document.paths.paths["/api/_auth/session"];
        assert!(session.get.is_some() && session.delete.is_some());
    }

    #[test]
    fn refusals_with_one_status_share_it() {
        let document = api_document();
        let login = document.paths.paths["/api/auth/login"].post.as_ref().unwrap();
        let RefOr::T(bad_request) = &login.responses.responses["400"] else {
            panic!("400 is inline")
        };
        assert!(
            bad_request.description.contains("malformed"),
            "{}",
            bad_request.description
        );
        let RefOr::T(limited) = &login.responses.responses["429"] else {
            panic!("429 is inline")
        };
        assert!(limited.description.contains("Retry-After"));
    }

    #[test]
    fn the_anonymous_session_answer_has_a_schema_of_its_own() {
        // Found by fuzzing: `{}` matched neither branch of the derived schema.
        let schema = serde_json::to_value(SessionView::schema()).unwrap();
        assert_eq!(
            schema["oneOf"][0]["$ref"],
            format!("#/components/schemas/{}", SessionInfo::name())
        );
        assert_eq!(schema["oneOf"][1]["type"], "object");
        assert_eq!(schema["oneOf"][1]["maxProperties"], 0);
    }
}
