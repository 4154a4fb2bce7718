//! The address of the client a request came from.

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use leptos::prelude::use_context;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The address of the client a request came from, as resolved by
/// [`resolve_client_address`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// Records the client's address on the request: the TCP peer, or, when the
/// server runs behind a proxy that is trusted to append it, the last
/// `X-Forwarded-For` entry (the one that proxy wrote; earlier ones are the
/// client's to forge).
pub async fn resolve_client_address(
    State(trust_forwarded_for): State<bool>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let forwarded = trust_forwarded_for
        .then(|| client_ip::rightmost_x_forwarded_for(request.headers()).ok())
        .flatten();
    // An IPv4 client reaching an IPv6 socket shows as `::ffff:a.b.c.d`.
    request
        .extensions_mut()
        .insert(ClientAddress(forwarded.unwrap_or(peer).to_canonical()));
    next.run(request).await
}

/// The client address [`resolve_client_address`] recorded in a request's extensions.
pub fn address_in(extensions: &http::Extensions) -> IpAddr {
    extensions
        .get::<ClientAddress>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |address| address.0)
}

/// The address of the client whose request is being served.
pub fn client_address() -> IpAddr {
    use_context::<http::request::Parts>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |parts| address_in(&parts.extensions))
}

/// Longest user agent kept with a session or an event, in characters:
/// enough to tell browsers apart, and a bound on what a client can make the
/// server store.
const MAX_USER_AGENT_CHARS: usize = 256;

/// The request's `User-Agent`, cut short; '' without one.
pub fn user_agent_of(headers: &http::HeaderMap) -> String {
    headers
        .get(http::header::USER_AGENT)
        .map(|value| {
            String::from_utf8_lossy(value.as_bytes())
                .chars()
                .take(MAX_USER_AGENT_CHARS)
                .collect()
        })
        .unwrap_or_default()
}
