//! Assembles the axum router: health endpoints, Leptos pages and server functions, static
//! assets, and the layers every request passes through.

use super::csrf::{refuse_cross_origin, AllowedOrigins};
use super::{security_headers, server_timing, sessions};
use crate::observability::health;
use app::services::AppState;
use app::{shell, App};
use axum::http::HeaderName;
use axum::routing::get;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::PgPool;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// What the web layer needs to know about its deployment.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub addr: SocketAddr,
    /// Where people reach the app; its origin may send state-changing requests.
    pub public_url: url::Url,
    /// Folder holding `pkg/` (wasm, JS, CSS) and the favicon.
    pub site_root: PathBuf,
    pub session_hours: i64,
    /// Largest body `POST /api/v1/items` accepts, in bytes.
    pub max_import_bytes: u64,
    /// What that body may hold once decompressed.
    pub import_input_limits: crate::ingest::source::InputLimits,
    /// Review holds and the undo window.
    pub review: app::services::ReviewSettings,
    /// Where export jobs keep their files (served for download).
    pub export_dir: PathBuf,
    /// Proxies in front of the app whose `X-Forwarded-For` entries are believed.
    pub trusted_proxy_hops: super::TrustedProxyHops,
}

impl WebConfig {
    /// Served over https: cookies are marked Secure and browsers are told to stay on https.
    fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

pub fn build_router(pool: PgPool, config: &WebConfig) -> Router {
    crate::observability::install();
    let leptos_options = LeptosOptions::builder()
        .output_name("cojudge")
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .build();
    let state = AppState {
        pool: pool.clone(),
        leptos_options,
        review: config.review,
    };
    let context_state = state.clone();
    let provide_state = move || provide_context(context_state.clone());
    let shell_options = state.leptos_options.clone();
    let allowed = AllowedOrigins(Arc::new(vec![config
        .public_url
        .origin()
        .ascii_serialization()]));

    let mut router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(crate::observability::scrape::metrics))
        .route(
            "/exports/{id}/files/{name}",
            get(super::export_files::download),
        )
        // The browser bundle and the favicon are served here, not by Leptos' file fallback:
        // that one reads its response options from the thread's current reactive owner, which
        // under concurrency can be another request's (a 404 page's status was seen on the
        // wasm file).
        .nest_service("/pkg", ServeDir::new(config.site_root.join("pkg")))
        .route_service(
            "/favicon.svg",
            ServeFile::new(config.site_root.join("favicon.svg")),
        )
        .merge(crate::rest::router())
        .leptos_routes_with_context(
            &state,
            generate_route_list(App),
            provide_state.clone(),
            move || shell(shell_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_state, shell))
        .with_state(state)
        .layer(axum::Extension(crate::export::download::ExportFiles {
            dir: config.export_dir.clone(),
        }))
        .layer(axum::Extension(crate::rest::items::ImportLimits {
            max_body_bytes: config.max_import_bytes,
            input: config.import_input_limits,
        }))
        .layer(sessions::layer(
            pool,
            config.secure_cookies(),
            config.session_hours,
        ))
        .layer(axum::middleware::from_fn_with_state(
            allowed,
            refuse_cross_origin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            config.trusted_proxy_hops,
            super::client_ip::add_client_ip,
        ));
    for layer in security_headers::layers(config.secure_cookies()) {
        router = router.layer(layer);
    }
    router = router.layer(axum::middleware::from_fn(
        security_headers::no_store_for_api,
    ));
    let request_id = HeaderName::from_static(REQUEST_ID);
    router
        .layer(axum::middleware::from_fn(server_timing::add_server_timing))
        .route_layer(axum::middleware::from_fn(
            crate::observability::http::record_request,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// The header that carries a request's id: a client's (or proxy's) own is kept, else a UUID is
/// set; the response carries it back, and every log line of the request names it.
const REQUEST_ID: &str = "x-request-id";

/// The span every log line of a request is recorded in: method, path (never the query string,
/// which may carry a token) and request id.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %id,
    )
}
