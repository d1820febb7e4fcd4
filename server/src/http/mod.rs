//! HTTP: the API's routers, the tracking redirect, the web app, and the layers every
//! response passes through (security headers, cross-origin refusal, body limit).

pub mod accounts;
pub mod admin;
pub mod assets;
pub mod auth;
pub mod bulk;
pub mod channels;
pub mod collaborations;
pub mod deep_link;
pub mod emails;
pub mod error;
pub mod events;
pub mod export;
pub mod json;
pub mod list_params;
pub mod marketplace;
pub mod notifications;
pub mod openapi;
pub mod path;
pub mod programs;
pub mod review;
pub mod security;
pub mod session;
pub mod sources;
pub mod tracking;
pub mod traffic;
pub mod verification;
pub mod webhooks;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::{middleware, Router};
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Largest request body accepted; larger ones are answered 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The API with its OpenAPI document, built from the same handlers and types.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(openapi::base())
        .merge(session::router())
        .merge(accounts::router())
        .merge(channels::router())
        .merge(sources::router())
        .merge(marketplace::router())
        .merge(programs::router())
        .merge(collaborations::router())
        .merge(admin::router())
        .merge(notifications::router())
        .merge(traffic::router())
        .merge(events::router())
        .merge(verification::router())
        .merge(review::router())
        .merge(bulk::router())
        .merge(export::router())
        .merge(emails::router())
        .merge(webhooks::router())
        .split_for_parts()
}

pub fn router(state: AppState) -> Router {
    let (api, mut doc) = api();
    // The tracking redirect is outside /api (and its layers) but in the same document.
    let (tracking, tracking_doc) = tracking::router().split_for_parts();
    doc.merge(tracking_doc);
    openapi::complete(&mut doc);
    // After `complete`: the probes document their own answers (no session, no body).
    let (ops, ops_doc) = crate::ops::router().split_for_parts();
    doc.merge(ops_doc);
    let api = api
        // Written once: cloning and serialising the document took ~50 ms a request, which
        // made this anonymous endpoint the cheapest way to keep the server busy.
        .route("/api/openapi.json", {
            let body = axum::body::Bytes::from(
                serde_json::to_vec(&doc).expect("the OpenAPI document serialises"),
            );
            get(move || {
                let body = body.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        body,
                    )
                }
            })
        })
        // Per-address rate limits on writes, after the cross-origin refusal (a refused
        // write costs no allowance).
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::guard::rate::limit,
        ))
        .layer(middleware::from_fn(security::refuse_cross_origin))
        .layer(middleware::from_fn({
            // A write may have changed what live streams show: read the new events now
            // rather than at the next poll.
            let live = state.live.clone();
            // …and may have queued webhook events: deliver them now too.
            let hooks = state.webhooks.clone();
            move |req: axum::extract::Request, next: middleware::Next| {
                let live = live.clone();
                let hooks = hooks.clone();
                async move {
                    let write = !matches!(
                        *req.method(),
                        axum::http::Method::GET | axum::http::Method::HEAD
                    );
                    let response = next.run(req).await;
                    if write {
                        live.wake();
                        hooks.wake();
                    }
                    response
                }
            }
        }))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    let csp = security::content_security_policy(&state.config.static_dir);
    let hsts = state.config.secure_cookies;
    Router::new()
        .merge(api)
        .merge(tracking)
        .merge(ops)
        .fallback_service(assets::service(&state.config.static_dir))
        .with_state(state.clone())
        // The body deadline and the request timeout, in front of everything.
        .layer(middleware::from_fn({
            let deadlines = state.guard.deadlines;
            move |req, next| crate::guard::timeouts::enforce(deadlines, req, next)
        }))
        .layer(middleware::from_fn(move |req, next| {
            security::headers(csp.clone(), hsts, req, next)
        }))
        .layer(TraceLayer::new_for_http())
        .layer(middleware::from_fn(crate::ops::observe))
        .layer(crate::ops::logs::propagate_request_id())
        .layer(crate::ops::logs::set_request_id())
}

/// The address people reach this server at, for absolute tracking links: the configured
/// `--public-url`, never the request's `Host`, which the client writes (a link handed to
/// partners must not point wherever a crafted request said).
pub fn public_base_url(state: &AppState) -> String {
    state.config.public_url.trim_end_matches('/').to_string()
}
