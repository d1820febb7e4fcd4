//! The process's log output (`--log-format text|json`) and the one line each request
//! leaves: its method, route (the matched path template, never the raw path with its
//! codes and ids), status, latency and request id. The request id comes from the
//! `x-request-id` header (tower-http's request-id layers make one when the client or a
//! proxy sent none) and goes back in the answer's `x-request-id`, so a complaint can be
//! matched to its line.

use std::time::Duration;

use axum::http::HeaderName;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tracing_subscriber::EnvFilter;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line, for a log collector.
    Json,
}

/// Installs the process's subscriber; `filter` is `--log-level`.
pub fn init(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        Format::Text => builder.init(),
        Format::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .init(),
    }
}

use LogFormat as Format;

/// Sets `x-request-id` on the request when it came without one.
pub fn set_request_id() -> SetRequestIdLayer<MakeRequestUuid> {
    SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid)
}

/// Copies the request's `x-request-id` to its answer.
pub fn propagate_request_id() -> PropagateRequestIdLayer {
    PropagateRequestIdLayer::new(REQUEST_ID)
}

/// The request's line, at `info` under the target `request`.
pub fn request_line(method: &str, route: &str, status: u16, elapsed: Duration, id: &str) {
    tracing::info!(
        target: "request",
        method,
        route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        request_id = id,
        "answered"
    );
}
