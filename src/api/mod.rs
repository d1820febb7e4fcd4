//! The one HTTP client of the app: every call to the JSON API goes through here, typed with the
//! shared `model` crate so that the browser and the server cannot disagree about a shape.
//!
//! The server is at the same origin and keeps the session in an HttpOnly cookie, so requests need
//! no token handling: `fetch` sends the cookie by itself (`credentials: same-origin`).

pub mod review;

use std::fmt;

use gloo_net::http::{Request, RequestBuilder, Response};
use model::{
    source::TrafficSourceDetail, Account, ApiErrorBody, Channel, Page, SignIn, SignUp, Sort,
    SortField, SourceInput, SourceUpdate, Status, TrafficSource, Visibility,
};
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

// ---- session and accounts -----------------------------------------------------------------

/// Who is signed in; `Ok(None)` when nobody is (401).
pub async fn current_account() -> ApiResult<Option<Account>> {
    match json::<Account>(build(Request::get("/api/session"))).await {
        Ok(account) => Ok(Some(account)),
        Err(e) if e.is_unauthenticated() => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn sign_in(body: &SignIn) -> ApiResult<Account> {
    json(with_body(Request::post("/api/session"), body)).await
}

pub async fn sign_out() -> ApiResult<()> {
    send(build(Request::delete("/api/session")))
        .await
        .map(|_| ())
}

pub async fn sign_up(body: &SignUp) -> ApiResult<Account> {
    json(with_body(Request::post("/api/accounts"), body)).await
}

// ---- traffic sources ------------------------------------------------------------------------

/// Rows per page the list offers; the API accepts 1–100.
pub const PAGE_SIZES: [i64; 4] = [10, 25, 50, 100];

/// Everything that selects a page of the traffic sources list. It is also the state of the list
/// page, kept in its URL so that a view can be bookmarked.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceQuery {
    pub q: String,
    pub status: Vec<Status>,
    pub visibility: Option<Visibility>,
    pub channels: Vec<Channel>,
    pub sort: Sort,
    pub limit: i64,
    /// Opaque cursor of the page; `None` for the first page.
    pub cursor: Option<String>,
    /// Only sources whose partner proved control of the site.
    pub verified: bool,
}

pub const DEFAULT_SORT: Sort = Sort::new(SortField::UpdatedAt, true);

impl Default for SourceQuery {
    fn default() -> Self {
        SourceQuery {
            q: String::new(),
            status: Vec::new(),
            visibility: None,
            channels: Vec::new(),
            sort: DEFAULT_SORT,
            limit: model::list::DEFAULT_LIMIT,
            cursor: None,
            verified: false,
        }
    }
}

impl SourceQuery {
    /// Whether any search or filter narrows the list (as opposed to sort and paging).
    pub fn is_filtered(&self) -> bool {
        !self.q.trim().is_empty()
            || !self.status.is_empty()
            || self.visibility.is_some()
            || !self.channels.is_empty()
            || self.verified
    }

    /// `key=value` pairs, leaving out defaults so URLs stay short.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if !self.q.trim().is_empty() {
            pairs.push(("q", self.q.trim().to_string()));
        }
        for s in &self.status {
            pairs.push(("status", s.id().to_string()));
        }
        if let Some(v) = self.visibility {
            pairs.push(("visibility", v.id().to_string()));
        }
        for c in &self.channels {
            pairs.push(("channel", c.id().to_string()));
        }
        if self.verified {
            pairs.push(("verified", "true".to_string()));
        }
        if self.sort != DEFAULT_SORT {
            pairs.push(("sort", self.sort.to_param()));
        }
        if self.limit != model::list::DEFAULT_LIMIT {
            pairs.push(("limit", self.limit.to_string()));
        }
        if let Some(cursor) = &self.cursor {
            pairs.push(("cursor", cursor.clone()));
        }
        pairs
    }
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

pub async fn list_sources(query: &SourceQuery) -> ApiResult<Page<TrafficSource>> {
    // The API always answers with the sort it used; sending it keeps the contract explicit.
    let mut pairs = query.to_pairs();
    if !pairs.iter().any(|(k, _)| *k == "sort") {
        pairs.push(("sort", query.sort.to_param()));
    }
    let url = format!("/api/traffic-sources?{}", query_string(&pairs));
    json(build(Request::get(&url))).await
}

pub async fn get_source(id: i64) -> ApiResult<TrafficSourceDetail> {
    json(build(Request::get(&format!("/api/traffic-sources/{id}")))).await
}

pub async fn create_source(body: &SourceInput) -> ApiResult<TrafficSource> {
    json(with_body(Request::post("/api/traffic-sources"), body)).await
}

pub async fn update_source(id: i64, body: &SourceUpdate) -> ApiResult<TrafficSource> {
    json(with_body(
        Request::put(&format!("/api/traffic-sources/{id}")),
        body,
    ))
    .await
}

// ---- staff: all sources, partners, block and unblock (issue 5) ------------------------------

/// A page of every partner's sources (staff), optionally one partner's.
pub async fn list_all_sources(
    query: &SourceQuery,
    partner_id: Option<i64>,
) -> ApiResult<Page<TrafficSource>> {
    let mut pairs = query.to_pairs();
    if !pairs.iter().any(|(k, _)| *k == "sort") {
        pairs.push(("sort", query.sort.to_param()));
    }
    if let Some(p) = partner_id {
        pairs.push(("partner_id", p.to_string()));
    }
    let url = format!("/api/traffic-sources?{}", query_string(&pairs));
    json(build(Request::get(&url))).await
}

/// Partners by name (staff), for the partner filter; `q` narrows by name or email.
pub async fn list_partners(q: &str, limit: i64) -> ApiResult<Page<model::account::PartnerSummary>> {
    let mut pairs = vec![("limit", limit.to_string())];
    if !q.trim().is_empty() {
        pairs.push(("q", q.trim().to_string()));
    }
    json(build(Request::get(&format!(
        "/api/partners?{}",
        query_string(&pairs)
    ))))
    .await
}

/// Blocks a source (staff): 422 with field errors, 409 `already_blocked`.
pub async fn block_source(id: i64, body: &model::source::BlockRequest) -> ApiResult<TrafficSource> {
    json(with_body(
        Request::post(&format!("/api/traffic-sources/{id}/block")),
        body,
    ))
    .await
}

/// Checks the source's ownership proofs now (its partner): the outcome in words whether a
/// proof was found or not; 409 `not_verifiable` on a shared platform, 429 `rate_limited`.
pub async fn verify_source(id: i64) -> ApiResult<model::verification::VerifyOutcome> {
    json(build(Request::post(&format!(
        "/api/traffic-sources/{id}/verify"
    ))))
    .await
}

/// Lifts a block (staff): 409 `not_blocked`.
pub async fn unblock_source(id: i64) -> ApiResult<TrafficSource> {
    json(build(Request::post(&format!(
        "/api/traffic-sources/{id}/unblock"
    ))))
    .await
}

/// The audit history of a source, newest first; `cursor` from the previous page.
pub async fn source_history(
    id: i64,
    cursor: Option<&str>,
) -> ApiResult<Page<model::audit::AuditEntry>> {
    let url = match cursor {
        Some(c) => format!("/api/traffic-sources/{id}/history?cursor={}", encode(c)),
        None => format!("/api/traffic-sources/{id}/history"),
    };
    json(build(Request::get(&url))).await
}

// ---- notifications (every role) -------------------------------------------------------------

/// A page of the signed-in person's notifications, newest first, with the unread count.
pub async fn list_notifications(
    cursor: Option<&str>,
    limit: i64,
) -> ApiResult<model::notification::NotificationPage> {
    let mut pairs = vec![("limit", limit.to_string())];
    if let Some(c) = cursor {
        pairs.push(("cursor", c.to_string()));
    }
    json(build(Request::get(&format!(
        "/api/notifications?{}",
        query_string(&pairs)
    ))))
    .await
}

pub async fn mark_notification_read(id: i64) -> ApiResult<model::notification::Notification> {
    json(build(Request::post(&format!(
        "/api/notifications/{id}/read"
    ))))
    .await
}

pub async fn mark_all_notifications_read() -> ApiResult<()> {
    send(build(Request::post("/api/notifications/read-all")))
        .await
        .map(|_| ())
}

// ---- marketplace, programs and collaborations: advertisers (issue 4) -----------------------

/// A page of the marketplace: Active and Public sources of every partner. Only search, channels,
/// sort and paging apply; status and visibility are fixed by the server.
pub async fn list_marketplace(
    query: &SourceQuery,
) -> ApiResult<Page<model::program::MarketplaceSource>> {
    let mut pairs: Vec<(&str, String)> = query
        .to_pairs()
        .into_iter()
        .filter(|(k, _)| !matches!(*k, "status" | "visibility"))
        .collect();
    if !pairs.iter().any(|(k, _)| *k == "sort") {
        pairs.push(("sort", query.sort.to_param()));
    }
    let url = format!("/api/marketplace/traffic-sources?{}", query_string(&pairs));
    json(build(Request::get(&url))).await
}

/// The advertiser's programs, newest first.
pub async fn list_programs(
    limit: i64,
    cursor: Option<&str>,
    using_source: Option<i64>,
) -> ApiResult<Page<model::program::Program>> {
    let mut pairs = vec![("limit", limit.to_string())];
    if let Some(cursor) = cursor {
        pairs.push(("cursor", cursor.to_string()));
    }
    if let Some(id) = using_source {
        pairs.push(("traffic_source_id", id.to_string()));
    }
    json(build(Request::get(&format!(
        "/api/programs?{}",
        query_string(&pairs)
    ))))
    .await
}

pub async fn create_program(
    body: &model::program::ProgramInput,
) -> ApiResult<model::program::Program> {
    json(with_body(Request::post("/api/programs"), body)).await
}

pub async fn get_program(id: i64) -> ApiResult<model::program::ProgramDetail> {
    json(build(Request::get(&format!("/api/programs/{id}")))).await
}

/// Adds a marketplace source to a program. A source already in it: 422 `duplicate` with the
/// message at `traffic_source_id`; a source no longer in the marketplace: 404.
pub async fn add_source_to_program(
    program_id: i64,
    traffic_source_id: i64,
) -> ApiResult<model::program::Collaboration> {
    let body = model::program::AddSource { traffic_source_id };
    json(with_body(
        Request::post(&format!("/api/programs/{program_id}/sources")),
        &body,
    ))
    .await
}

// ---- traffic evidence -----------------------------------------------------------------------

/// A source's traffic over `days` days (1–90): the owning partner and staff.
pub async fn source_traffic(id: i64, days: u32) -> ApiResult<model::traffic::SourceTraffic> {
    json(build(Request::get(&format!(
        "/api/traffic-sources/{id}/traffic?days={days}"
    ))))
    .await
}

/// The traffic of every source in a program over `days` days: the owning advertiser and staff.
pub async fn program_traffic(id: i64, days: u32) -> ApiResult<model::traffic::ProgramTraffic> {
    json(build(Request::get(&format!(
        "/api/programs/{id}/traffic?days={days}"
    ))))
    .await
}

/// One click by the `click_id` its landing page received. 404 when it is unknown or in
/// another advertiser's program; 403 for partners.
pub async fn get_click(click_id: &str) -> ApiResult<model::traffic::Click> {
    json(build(Request::get(&format!(
        "/api/clicks/{}",
        encode(click_id)
    ))))
    .await
}

// ---- email: the person's setting, and staff's view of what failed ---------------------------

pub async fn email_settings() -> ApiResult<model::notification::EmailSettings> {
    json(build(Request::get("/api/me/email-settings"))).await
}

pub async fn set_email_settings(
    body: &model::notification::EmailSettings,
) -> ApiResult<model::notification::EmailSettings> {
    json(with_body(Request::put("/api/me/email-settings"), body)).await
}

/// The latest emails the outbox gave up on (staff).
pub async fn failed_emails(limit: i64) -> ApiResult<model::notification::OutboxEmailPage> {
    json(build(Request::get(&format!(
        "/api/admin/emails?state=failed&limit={limit}"
    ))))
    .await
}

pub async fn retry_email(id: i64) -> ApiResult<()> {
    send(build(Request::post(&format!(
        "/api/admin/emails/{id}/retry"
    ))))
    .await
    .map(|_| ())
}
