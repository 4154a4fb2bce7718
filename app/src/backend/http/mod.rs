//! Where the API meets HTTP, a concern a file: errors become responses
//! (`errors`), the body limit (`body`), the cross-site check (`cross_site`),
//! the client's address (`client`), security headers and the pages' CSP
//! (`headers`), pages and forms without JavaScript (`forms`), the
//! development mailbox (`mailbox`), ending a listed session (`delete_listed_session`),
//! sign-in at identity providers (`identity`), JSON bodies read as forms
//! (`json_bodies`), and the OpenAPI document (`openapi`).

mod body;
mod client;
mod cross_site;
mod delete_listed_session;
mod errors;
mod forms;
mod headers;
mod identity;
mod json_bodies;
mod mailbox;
mod openapi;

pub use body::{limit_body, MAX_BODY_BYTES};
pub use client::{address_in, client_address, resolve_client_address, user_agent_of, ClientAddress};
pub use cross_site::{refuse_cross_site, PublicOrigin};
pub use errors::{api_not_found, json_errors, panic_response, unavailable_page};
pub use forms::{
    leave_codes_for_page, redirect_page, respond_to_form, take_codes_to_show, take_form_flash, FormFlashes, FormPost,
};
pub use headers::{page_content_security_policy, provide_page_security_policy, security_headers};
pub use json_bodies::accept_json_bodies;
pub use mailbox::dev_mailbox_page;
pub use openapi::{api_document, api_routes};
