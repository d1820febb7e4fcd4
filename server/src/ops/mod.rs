//! What operators see: health and readiness ([`health`]), Prometheus metrics on their own
//! address ([`metrics`]) and the per-request log line with its request id ([`logs`]).

pub mod health;
pub mod logs;
pub mod metrics;

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// `/healthz` and `/readyz`, on the public port, outside `/api` (no session, no rate
/// limit, no cross-origin check). `/metrics` there is a 404, not the web app's page:
/// metrics live only on `--metrics-bind`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .route(
            "/metrics",
            axum::routing::any(|| async { crate::http::error::AppError::NotFound }),
        )
}

/// Times each request and, once answered, counts it in the metrics and logs its line.
/// Sits inside the request-id layers, so the id is on the request already.
pub async fn observe(request: Request, next: Next) -> Response {
    let started = Instant::now();
    // The template (`/t/{code}`), so codes and ids never become labels; paths no route
    // matched (the web app's files, 404s) share one.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(other)", |m| m.as_str())
        .to_string();
    let method = request.method().clone();
    let id = request
        .headers()
        .get(logs::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    self::metrics::record_request(&route, status, elapsed);
    logs::request_line(method.as_str(), &route, status, elapsed, &id);
    response
}
