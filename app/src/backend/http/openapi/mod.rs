//! The API's OpenAPI 3.1 document, built from the code once and served at
//! `GET /api/openapi.json`.
//!
//! A server function's path, method, fields and answer come from the server
//! function itself (its `ServerFn` impl, its input's `Deserialize` impl, its
//! output's `ToSchema`); `server_functions` adds only what the code cannot
//! say: a summary, who may call it and which refusals are its own. The endpoints
//! that are plain handlers are routed and documented by one `#[utoipa::path]`
//! declaration each ([`api_routes`]), so neither can exist without the other.
//! Refusals every endpoint of a kind shares are added in one place
//! ([`shared_refusals`]).

mod server_functions;

use super::{delete_listed_session, identity, MAX_BODY_BYTES};
use crate::{
    backend::{session::SESSION_COOKIE, AppState},
    domain::{Invalid, ProblemBody},
    error::ErrorBody,
    model::{SessionInfo, SessionView},
};
use axum::{http::header, response::IntoResponse, Router};
use std::sync::LazyLock;
use utoipa::{
    openapi::{
        header::HeaderBuilder,
        path::Operation,
        schema::{ObjectBuilder, OneOfBuilder, Type},
        security::{ApiKey, ApiKeyValue, SecurityScheme},
        ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr, ResponseBuilder, Schema,
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

/// Adds each refusal as a JSON error response; refusals with one status
/// share it, their descriptions joined.
fn add_refusals(operation: &mut Operation, refusals: &[(u16, &str)]) {
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
    let too_large = format!("The body is over {} KiB", MAX_BODY_BYTES / 1024);
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
                    (413, too_large.as_str()),
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
        .routes(routes!(delete_listed_session::delete_listed_session))
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
                .title(format!("{} API", crate::SITE_NAME))
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Registration, login and sessions. Every POST takes its fields as a form \
                     (`application/x-www-form-urlencoded`) or as a flat JSON object with the same names. \
                     Every error is `{\"error\": message, \"code\": code}`, with `field` for a field's problem, \
                     `problems` (every invalid field at once, each with its own `code`) for `invalid_input`, and \
                     `retry_after` past a limit; clients decide by `code`, never by the message.",
                )),
        )
        .build()
        .merge_from(handlers().into_openapi());
    let mut schemas = vec![
        (ErrorBody::name().into_owned(), error_body_schema()),
        (ProblemBody::name().into_owned(), problem_schema()),
    ];
    for documented in server_functions::server_functions() {
        let (path, method, operation) = documented.into_operation(&mut schemas);
        document.paths.add_path_operation(path, vec![method], operation);
    }
    shared_refusals(&mut document);
    let components = document.components.get_or_insert_with(Default::default);
    components.schemas.extend(schemas);
    components.add_security_scheme(
        SESSION,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            format!("{}{SESSION_COOKIE}", crate::cookie_prefix!()),
            format!(
                "The sealed session cookie that logging in sets; named `__Host-{}{SESSION_COOKIE}` when the site is \
                 served over HTTPS",
                crate::cookie_prefix!()
            ),
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

/// The error body's schema, its `code` an enum of every code there is.
fn error_body_schema() -> RefOr<Schema> {
    with_codes(ErrorBody::schema(), crate::error::AppError::CODES)
}

/// A problem's schema, its `code` an enum of every input rule there is.
fn problem_schema() -> RefOr<Schema> {
    with_codes(ProblemBody::schema(), <Invalid as strum::VariantNames>::VARIANTS)
}

/// `schema` with its `code` property required and one of `codes`.
fn with_codes(mut schema: RefOr<Schema>, codes: &[&'static str]) -> RefOr<Schema> {
    if let RefOr::T(Schema::Object(object)) = &mut schema {
        let description = object.properties.get("code").and_then(|code| match code {
            RefOr::T(Schema::Object(code)) => code.description.clone(),
            _ => None,
        });
        let codes = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(codes.iter().copied()))
            .description(description);
        object.properties.insert("code".to_owned(), codes.into());
        if !object.required.iter().any(|name| name == "code") {
            object.required.push("code".to_owned());
        }
    }
    schema
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
