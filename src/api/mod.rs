//! The one HTTP client of the app: every call to the JSON API goes through here, typed with the
//! shared `model` crate so that the browser and the server cannot disagree about a shape.
//!
//! The server is at the same origin and keeps the session in an HttpOnly cookie, so requests need
//! no token handling: `fetch` sends the cookie by itself (`credentials: same-origin`).

mod accounts;
mod notifications;
mod programs;
pub mod review;
mod sources;
mod traffic;
mod webhooks;

// One flat `api::` for callers: the files only sort the calls by feature.
pub use accounts::*;
pub use notifications::*;
pub use programs::*;
pub use sources::*;
pub use traffic::*;
pub use webhooks::*;

use std::fmt;

use gloo_net::http::{Request, RequestBuilder, Response};
use model::ApiErrorBody;
use serde::de::DeserializeOwned;

/// Why a call failed. Cheap to clone so views and signals can hold it.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The request never got an answer: offline, server down, connection reset.
    Network,
    /// The server answered with an error status and its JSON error body.
    Api { status: u16, body: ApiErrorBody },
    /// The server answered, but not with what this client expected.
    Decode,
}

impl ApiError {
    /// The machine-readable code, e.g. `version_conflict`; empty for network and decode errors.
    pub fn code(&self) -> &str {
        match self {
            ApiError::Api { body, .. } => &body.error.code,
            _ => "",
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Per-field messages of a 422 (or a duplicate), empty otherwise.
    pub fn fields(&self) -> model::FieldErrors {
        match self {
            ApiError::Api { body, .. } => body.error.fields.clone(),
            _ => Default::default(),
        }
    }

    pub fn is_unauthenticated(&self) -> bool {
        self.status() == Some(401)
    }

    /// A sentence a person can act on.
    pub fn message(&self) -> String {
        match self {
            ApiError::Network => {
                "We could not reach the server. Check your connection, then try again.".into()
            }
            ApiError::Decode => {
                "The server sent an answer this page does not understand. Reload the page.".into()
            }
            ApiError::Api { status: 429, body } if body.error.message.is_empty() => {
                "Too many attempts. Wait a minute, then try again.".into()
            }
            ApiError::Api { body, status } if body.error.message.is_empty() => {
                format!("The server refused the request (error {status}).")
            }
            ApiError::Api { body, .. } => body.error.message.clone(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ApiError {}

pub type ApiResult<T> = Result<T, ApiError>;

async fn send(request: Result<Request, gloo_net::Error>) -> ApiResult<Response> {
    // A body that cannot be serialised is a bug in this app, not the user's fault.
    let request = request.map_err(|_| ApiError::Decode)?;
    let response = request.send().await.map_err(|_| ApiError::Network)?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    // Proxies and crashed servers answer without our JSON body: keep the status anyway.
    let body = response
        .json::<ApiErrorBody>()
        .await
        .unwrap_or_else(|_| ApiErrorBody {
            error: model::ApiError {
                code: match status {
                    401 => "unauthenticated",
                    404 => "not_found",
                    _ => "internal",
                }
                .into(),
                message: String::new(),
                fields: Default::default(),
            },
        });
    Err(ApiError::Api { status, body })
}

async fn json<T: DeserializeOwned>(request: Result<Request, gloo_net::Error>) -> ApiResult<T> {
    let text = body_text(request).await?;
    serde_json::from_str(&text).map_err(|_| ApiError::Decode)
}

/// The successful answer's body. Not generic, so the waiting is compiled once, not once per
/// answer type: each typed call only adds its (synchronous) decoding.
async fn body_text(request: Result<Request, gloo_net::Error>) -> ApiResult<String> {
    send(request)
        .await?
        .text()
        .await
        .map_err(|_| ApiError::Decode)
}

fn build(builder: RequestBuilder) -> Result<Request, gloo_net::Error> {
    builder.header("Accept", "application/json").build()
}

fn with_body<B: serde::Serialize>(
    builder: RequestBuilder,
    body: &B,
) -> Result<Request, gloo_net::Error> {
    builder.header("Accept", "application/json").json(body)
}

/// `a=1&b=two` with every key and value percent-encoded.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes a query component (everything but unreserved characters).
pub fn encode(raw: &str) -> String {
    String::from(js_sys::encode_uri_component(raw))
}
