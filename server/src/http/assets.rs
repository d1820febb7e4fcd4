//! The built web app. Hashed files never change, so they are cached for a year: the wasm and
//! JS live in `app-<hash>/` (scripts/wasm-split-hook.sh), other files may be `name-<hash>.ext`; `index.html`, served for every other path so that
//! deep links work, is never cached. `.br`/`.gz` siblings made at build time are sent
//! to browsers that accept them.

use std::path::Path;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

pub fn service(static_dir: &Path) -> Router {
    let index = ServeFile::new(static_dir.join("index.html"));
    let files = ServeDir::new(static_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index);
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_headers))
        .layer(middleware::from_fn(api_not_found))
}

/// An unknown `/api/…` path is a JSON 404, not the web app.
async fn api_not_found(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        return super::error::AppError::NotFound.into_response();
    }
    next.run(req).await
}

async fn cache_headers(req: Request, next: Next) -> Response {
    let immutable = is_hashed(req.uri().path());
    let mut response = next.run(req).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let value = if immutable && !is_html && response.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

/// `web-0123456789abcdef_bg.wasm` or `app-0123456789abcdef/chunk_1.wasm` → true: a 16+ hex
/// digit run after a dash in the file's name or in one of its directories.
fn is_hashed(path: &str) -> bool {
    path.split('/').any(|segment| {
        segment
            .split(['-', '.', '_'])
            .skip(1)
            .any(|part| part.len() >= 16 && part.chars().all(|c| c.is_ascii_hexdigit()))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn recognises_hashed_names() {
        assert!(super::is_hashed("/web-4f1a2b3c4d5e6f70_bg.wasm"));
        assert!(super::is_hashed("/style-4f1a2b3c4d5e6f70.css"));
        assert!(!super::is_hashed("/index.html"));
        assert!(super::is_hashed("/app-4f1a2b3c4d5e6f70/__wasm_split.js"));
        assert!(super::is_hashed(
            "/app-4f1a2b3c4d5e6f70/snippets/x-1/inline0.js"
        ));
        assert!(!super::is_hashed("/traffic-sources-web.js"));
        assert!(!super::is_hashed("/app/__wasm_split.js"));
        assert!(!super::is_hashed("/traffic-sources/12/edit"));
        assert!(!super::is_hashed("/traffic-sources/1234567890123456"));
    }
}
