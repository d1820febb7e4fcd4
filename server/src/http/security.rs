//! Headers that make the browser refuse what we never meant to allow, and the refusal
//! of state-changing API calls sent from another site.

use std::path::Path;

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::error::AppError;

/// Our own script and wasm only. trunk's generated `index.html` starts the app with an
/// inline module script; its hash is allowed, and nothing else inline.
pub fn content_security_policy(static_dir: &Path) -> HeaderValue {
    let hashes: String = std::fs::read_to_string(static_dir.join("index.html"))
        .map(|html| {
            inline_scripts(&html)
                .iter()
                .map(|s| {
                    format!(
                        " 'sha256-{}'",
                        STANDARD.encode(Sha256::digest(s.as_bytes()))
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    );
    HeaderValue::from_str(&policy).expect("CSP is ASCII")
}

/// The bodies of `<script>` elements that have no `src`.
pub fn inline_scripts(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body_start = open_end + 1;
        let Some(close) = after[body_start..].find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            found.push(&after[body_start..body_start + close]);
        }
        rest = &after[body_start + close..];
    }
    found
}

/// What a site served over HTTPS (`--secure-cookies`) tells browsers: only HTTPS here and
/// on subdomains for a year, so a later visit is never made in clear text.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// `hsts`: also send `Strict-Transport-Security` (served over HTTPS).
pub async fn headers(csp: HeaderValue, hsts: bool, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    if hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Refuses (403) a state-changing call whose `Origin` is not this server, or that the
/// browser marks as cross-site, so another site cannot act with a signed-in cookie.
pub async fn refuse_cross_origin(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && is_cross_origin(&req) {
        return AppError::Forbidden("Requests from other sites are not allowed.").into_response();
    }
    next.run(req).await
}

fn is_cross_origin(req: &Request) -> bool {
    let headers = req.headers();
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let origin_host = origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .map(|(_, h)| h);
        return match (origin_host, host) {
            (Some(o), Some(h)) => !o.eq_ignore_ascii_case(h),
            _ => true,
        };
    }
    headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_only_inline_scripts() {
        let html =
            r#"<script src="/a.js"></script><script type="module">import x from '/b.js';</script>"#;
        assert_eq!(inline_scripts(html), vec!["import x from '/b.js';"]);
    }
}
