//! Deadlines on a request once its headers are in: its body must arrive within
//! `--body-timeout-secs` (a body trickled a byte at a time is cut off with 408), and an
//! ordinary call must be answered within `--request-timeout-secs` (503 past it). The live
//! stream and CSV downloads are long by nature: exempt from the second, they are bounded
//! by their own caps and by the send timeout of [`super::serve`].

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::Body as _;
use http_body_util::BodyExt;

use crate::http::error::AppError;

#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    pub body: Duration,
    pub request: Duration,
    /// Largest body read; a larger one is answered 413.
    pub max_body: usize,
}

impl Deadlines {
    pub fn from_config(config: &crate::Config) -> Deadlines {
        Deadlines {
            body: Duration::from_secs(config.body_timeout_secs),
            request: Duration::from_secs(config.request_timeout_secs),
            max_body: crate::http::MAX_BODY_BYTES,
        }
    }
}

/// Answers that stream for as long as the client wants them: no request timeout.
pub fn is_long_lived(path: &str) -> bool {
    path == "/api/events" || (path.starts_with("/api/") && path.ends_with(".csv"))
}

/// The middleware: reads the body under its deadline, then runs the handler under its own.
pub async fn enforce(deadlines: Deadlines, request: Request, next: Next) -> Response {
    let request = if request.body().is_end_stream() {
        request
    } else {
        let (parts, body) = request.into_parts();
        let declared = parts
            .headers
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > deadlines.max_body as u64) {
            return closing(AppError::TooLarge);
        }
        match tokio::time::timeout(deadlines.body, read_body(body, deadlines.max_body)).await {
            Ok(Ok(bytes)) => Request::from_parts(parts, Body::from(bytes)),
            Ok(Err(e)) => return closing(e),
            Err(_) => return closing(AppError::BodyTimeout),
        }
    };
    if is_long_lived(request.uri().path()) {
        return next.run(request).await;
    }
    match tokio::time::timeout(deadlines.request, next.run(request)).await {
        Ok(response) => response,
        Err(_) => AppError::TimedOut.into_response(),
    }
}

async fn read_body(mut body: Body, max: usize) -> Result<Bytes, AppError> {
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|_| AppError::Malformed("The request body could not be read.".into()))?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > max {
                return Err(AppError::TooLarge);
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(out))
}

/// An error answer after which the connection closes: the rest of the body may still be
/// on its way.
fn closing(error: AppError) -> Response {
    let mut response = error.into_response();
    response.headers_mut().insert(
        axum::http::header::CONNECTION,
        axum::http::HeaderValue::from_static("close"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::is_long_lived;

    #[test]
    fn only_the_stream_and_csv_downloads_are_long_lived() {
        assert!(is_long_lived("/api/events"));
        assert!(is_long_lived("/api/traffic-sources/export.csv"));
        assert!(is_long_lived("/api/programs/3/traffic.csv"));
        assert!(!is_long_lived("/api/traffic-sources"));
        assert!(!is_long_lived("/t/abc.csv"));
        assert!(!is_long_lived("/api/events/x"));
    }
}
