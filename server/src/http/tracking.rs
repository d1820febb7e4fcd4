//! `GET /t/{code}`: the tracking redirect, the hot path of the platform.
//!
//! At most one indexed lookup per click (none while the database file is unchanged, see
//! [`crate::clicks::resolve::Resolver`]) and no database write: the click is appended to the
//! journal before the answer goes out and written to the ledger in batches
//! ([`crate::clicks`]). The source's status is read fresh every time, so a pause or block
//! stops the link on the very next click.

use std::net::IpAddr;

use super::path::Path;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::clicks::Visit;
use crate::{codes, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(follow))
}

/// Follow a tracking link.
///
/// 302 to the program's landing URL with a `click_id` added while the source is Active (Public or Private)
/// and its collaboration approved; 410 with a short page once the source is Paused or Blocked, or the
/// collaboration is not (or no longer) approved; 404 for an unknown code. With `?to=<url>` (a deep
/// link) it goes to that address instead when its host is the landing URL's or one of the program's
/// permitted domains; the ledger records whether the deep link was followed or refused. Every click is kept in the click ledger,
/// refused ones too, with its `click_id` (look it up with `GET /api/clicks/{click_id}`),
/// outcome, referrer host and class, bot flag and a daily-salted visitor hash; never the
/// visitor's address or the full referring URL. It is journaled before the answer is sent
/// and reaches the ledger, the counts and the charts within about a second.
/// HEAD requests, which link checkers send, are answered alike but not recorded.
#[utoipa::path(get, path = "/t/{code}", tag = "tracking", params(("code" = String, Path, description = "The link's code"),
        ("to" = Option<String>, Query, description = "A deep link: where to land, if its host is permitted")),
    responses(
        (status = 302, description = "To the landing URL with `click_id` added", headers(("Location" = String))),
        (status = 404, description = "No such link", content_type = "text/html", body = String),
        (status = 410, description = "The link is no longer active; the destination is not revealed", content_type = "text/html", body = String),
        (status = 503, description = "The database is away: try again after `Retry-After` seconds", content_type = "text/html", body = String,
            headers(("Retry-After" = String)))))]
async fn follow(
    State(state): State<AppState>,
    Path(code): Path<String>,
    request: Request,
) -> Response {
    if !codes::looks_like_code(&code) {
        return page(StatusCode::NOT_FOUND, NOT_FOUND_PAGE);
    }
    let link = match state.links.resolve(&code).await {
        Ok(Some(link)) => link,
        Ok(None) => return page(StatusCode::NOT_FOUND, NOT_FOUND_PAGE),
        Err(e) => {
            tracing::error!(error = %e, "resolving a tracking link failed");
            // Fast (the pool's acquire timeout) while the database is away; nothing is
            // recorded, so the visitor's retry is the only click.
            let mut answer = page(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE_PAGE);
            answer
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            return answer;
        }
    };
    // Where it would go; `?to=` is read only when there is a query at all.
    let to = super::deep_link::requested(request.uri().query());
    let (destination, deep_link) = super::deep_link::destination(&link, to.as_deref());
    // A HEAD request is a link checker, not a visitor.
    let click_id = if request.method() != Method::HEAD {
        let headers = request.headers();
        let user_agent = header_text(headers, header::USER_AGENT);
        let visit = Visit {
            referrer: header_text(headers, header::REFERER),
            user_agent,
            ip: client_ip(&state, &request),
            deep_link: deep_link.map(|d| d.id()),
            prefetch: crate::clicks::hints::prefetch(headers, user_agent),
            query: request.uri().query(),
        };
        state.clicks.record(&state.db, &link, &visit).await
    } else {
        codes::click_id(crate::time::now_ms())
    };
    if !link.live() {
        return page(StatusCode::GONE, GONE_PAGE);
    }
    let location = with_click_id(&destination, &click_id);
    match HeaderValue::try_from(location) {
        Ok(location) => (
            StatusCode::FOUND,
            [
                (header::LOCATION, location),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        Err(_) => {
            tracing::error!(code, "landing URL is not a valid Location header");
            page(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE_PAGE)
        }
    }
}

/// A header as text; a referrer with bytes outside ASCII (some clients send raw UTF-8
/// hosts) is read as UTF-8.
fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    let value = headers.get(name)?;
    value
        .to_str()
        .ok()
        .or_else(|| std::str::from_utf8(value.as_bytes()).ok())
}

/// The visitor's address, only ever hashed: THE client's address of the perimeter
/// ([`crate::guard::client_ip`]).
fn client_ip(state: &AppState, request: &Request) -> Option<IpAddr> {
    Some(crate::guard::client_ip::of(
        state,
        request.headers(),
        request.extensions(),
    ))
}

/// `landing_url` with `click_id=…` added at the end of its query, before any fragment.
/// Non-ASCII bytes are percent-encoded so the Location header is plain ASCII.
pub fn with_click_id(landing_url: &str, click_id: &str) -> String {
    let (address, fragment) = landing_url
        .find('#')
        .map_or((landing_url, ""), |i| landing_url.split_at(i));
    let separator = match address.find('?') {
        None => "?",
        Some(_) if address.ends_with(['?', '&']) => "",
        Some(_) => "&",
    };
    let mut out = String::with_capacity(landing_url.len() + click_id.len() + 10);
    push_ascii(&mut out, address);
    out.push_str(separator);
    out.push_str("click_id=");
    out.push_str(click_id);
    push_ascii(&mut out, fragment);
    out
}

fn push_ascii(out: &mut String, text: &str) {
    if text.is_ascii() {
        out.push_str(text);
        return;
    }
    for b in text.bytes() {
        if b.is_ascii() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// Self-contained pages: no script, no style (the CSP allows neither inline), and never
/// a hint of where the link would have gone.
fn page(status: StatusCode, html: &'static str) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        html,
    )
        .into_response()
}

const GONE_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>This link is no longer active</title>
</head>
<body>
<main>
<h1>This link is no longer active</h1>
<p>The offer behind this link has ended or is paused for now. The site where you found it may have other links that still work.</p>
</main>
</body>
</html>
"#;

const NOT_FOUND_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Link not found</title>
</head>
<body>
<main>
<h1>Link not found</h1>
<p>There is no link at this address. Check that it was copied completely.</p>
</main>
</body>
</html>
"#;

const UNAVAILABLE_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Please try again</title>
</head>
<body>
<main>
<h1>Please try again</h1>
<p>This link cannot be followed right now. Try it again in a moment.</p>
</main>
</body>
</html>
"#;

#[cfg(test)]
mod tests {
    use super::with_click_id;

    #[test]
    fn click_id_goes_into_the_query_before_the_fragment() {
        let cases = [
            ("https://a.example/", "https://a.example/?click_id=X"),
            (
                "https://a.example/p?x=1",
                "https://a.example/p?x=1&click_id=X",
            ),
            ("https://a.example/p?", "https://a.example/p?click_id=X"),
            (
                "https://a.example/p?x=1&",
                "https://a.example/p?x=1&click_id=X",
            ),
            (
                "https://a.example/p#top",
                "https://a.example/p?click_id=X#top",
            ),
            (
                "https://a.example/p?x=1#a?b&c",
                "https://a.example/p?x=1&click_id=X#a?b&c",
            ),
            ("https://a.example/é", "https://a.example/%C3%A9?click_id=X"),
        ];
        for (landing, expected) in cases {
            assert_eq!(with_click_id(landing, "X"), expected, "{landing}");
        }
    }
}
