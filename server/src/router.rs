//! Every route of the site and the layers around them.

use crate::config::Config;
use app::{
    backend::{
        activity::record_activity,
        http::{
            accept_json_bodies, api_not_found, api_routes, dev_mailbox_page, json_errors, limit_body, panic_response,
            refuse_cross_site, resolve_client_address, security_headers, PublicOrigin, MAX_BODY_BYTES,
        },
        session::load_session,
        AppState,
    },
    error::AppError,
    shell, App,
};
use axum::{
    extract::Request,
    handler::Handler,
    http::{header, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{any, get},
    Router,
};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::{path::Path, sync::LazyLock, time::Duration};
use tower::Layer;
use tower_http::{
    catch_panic::CatchPanicLayer, compression::CompressionLayer, limit::RequestBodyLimitLayer,
    normalize_path::NormalizePathLayer, services::ServeDir, set_header::SetResponseHeaderLayer, timeout::TimeoutLayer,
    trace::TraceLayer,
};

/// Longest a request may take before it is answered 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Files of the built site, sent precompressed (`.br`, `.gz`, written at build
/// time) when the browser accepts it.
fn built_files(folder: impl AsRef<Path>) -> ServeDir {
    ServeDir::new(folder).precompressed_br().precompressed_gzip()
}

/// `/login`'s script, from the binary, compressed on the way out like a
/// page. Its name changes with its content: kept for good in every build.
async fn login_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        app::backend::assets::LOGIN_SCRIPT,
    )
}

/// How long browsers and proxies may keep a built file: for good when its
/// name changes with its content (a new build links new names from its pages);
/// otherwise (`cargo leptos watch`) only after asking whether it changed.
/// Errors are never kept: a 404 for a file a build has not written yet must
/// not outlive that build.
fn asset_caching<B>(hashed_names: bool) -> impl Fn(&Response<B>) -> Option<HeaderValue> + Clone {
    let policy = HeaderValue::from_static(if hashed_names {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    });
    move |response: &Response<B>| {
        Some(
            if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
                policy.clone()
            } else {
                HeaderValue::from_static("no-store")
            },
        )
    }
}

/// Responses smaller than this go out as they are: compressing one costs
/// more of the request rate than the less-than-a-packet it saves
/// (docs/performance.md, "Figures behind code choices"). Pages (a few KB)
/// are still compressed, and anything streamed without a length.
const MIN_COMPRESSED_BYTES: u16 = 1024;

/// tower-http's default rule, with a higher size floor.
fn worth_compressing() -> impl tower_http::compression::Predicate {
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    SizeAbove::new(MIN_COMPRESSED_BYTES)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
}

/// Longest file name Linux file systems hold, in bytes.
const MAX_FILE_NAME_BYTES: usize = 255;

/// A path with a segment longer than any file name names no file: answered 404
/// here, as the file server would report the system's refusal as a 500.
async fn refuse_overlong_file_names(request: Request, next: Next) -> Response {
    let overlong = request
        .uri()
        .path()
        .split('/')
        .any(|segment| segment.len() > MAX_FILE_NAME_BYTES);
    if overlong {
        return AppError::NotFound.into_response();
    }
    next.run(request).await
}

/// The span of a request in the logs: its method and path, never its query,
/// which may hold a mailed token (`/reset-password?token=...`).
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
}

/// The app's routes, listed once per process. Listing renders the app with a
/// process-wide switch on that stalls every resource that starts loading
/// meanwhile (leptos' `SuppressResourceLoad`), so it must never run while a
/// server in this process is rendering pages: here it runs before the first
/// server starts, and never again.
static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));

/// Every route: pages and server functions from the app, static files, and the
/// layers around them.
pub fn router(state: AppState, config: &Config, extra: Router<AppState>) -> Router {
    let provide_state = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let render = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    let mut router = extra;
    if state.mailer.mailbox().is_some() {
        router = router.route("/dev/mailbox", get(dev_mailbox_page));
    }
    let mut router = router
        .merge(api_routes())
        .route("/api/{*rest}", any(api_not_found))
        .leptos_routes_with_context(&state, ROUTES.clone(), provide_state.clone(), render)
        // Other static files (the favicon), and the app's 404 page for the rest.
        .fallback_service(
            middleware::from_fn(refuse_overlong_file_names).layer(
                built_files(&*state.leptos_options.site_root).fallback(
                    leptos_axum::file_and_error_handler_with_context::<AppState, _>(provide_state, shell)
                        .with_state(state.clone()),
                ),
            ),
        )
        .layer(middleware::from_fn_with_state(state.clone(), load_session))
        .layer(middleware::from_fn_with_state(state.clone(), record_activity))
        // The js, wasm and css never need the session: served outside its layer,
        // so a page load does not check the session once per file.
        .nest_service(
            &format!("/{}", state.leptos_options.site_pkg_dir),
            (
                SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, asset_caching(state.assets.hashed)),
                // One name, a brotli, a gzip and a plain body: a shared cache
                // must key them by what the browser accepts.
                SetResponseHeaderLayer::if_not_present(header::VARY, HeaderValue::from_static("accept-encoding")),
            )
                .layer(built_files(
                    Path::new(&*state.leptos_options.site_root).join(&*state.leptos_options.site_pkg_dir),
                )),
        )
        .route(&state.assets.login_script, get(login_script))
        // Inside the cross-site check: a refused request is not decoded.
        .layer(middleware::from_fn(accept_json_bodies))
        .layer(middleware::from_fn_with_state(
            PublicOrigin(config.http.public_origin.clone()),
            refuse_cross_site,
        ))
        .layer(middleware::from_fn(limit_body))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        // Outside the layers above, so their refusals get JSON bodies too.
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn_with_state(
            config.http.trust_forwarded_for,
            resolve_client_address,
        ));
    for (name, value) in security_headers(config.sessions.cookie_secure) {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    let app = router
        .layer(CompressionLayer::new().compress_when(worth_compressing()))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state);
    // The router in the browser takes `/login/` for `/login`; so does the
    // server, or the two would render different pages for one URL. Outside
    // the routes, since it must change the path before they match it.
    Router::new().fallback_service(NormalizePathLayer::trim_trailing_slash().layer(app))
}
