//! Traffic sources: the partner's own (list, read, add, edit), staff's view of every
//! partner's (partners, block and unblock, history) and ownership verification. `SourceQuery`
//! is the list's query, as every list of sources sends it.

use gloo_net::http::Request;
use model::{
    source::TrafficSourceDetail, Channel, Page, Sort, SortField, SourceInput, SourceUpdate, Status,
    TrafficSource, Visibility,
};

use super::{build, encode, json, query_string, with_body, ApiResult};

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
    /// Sources whose observed channels match (`Some(true)`) or do not match those declared
    /// (the marketplace offers the first, staff's table both).
    pub observed_matches: Option<bool>,
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
            observed_matches: None,
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
            || self.observed_matches.is_some()
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
        if let Some(m) = self.observed_matches {
            pairs.push(("observed_matches", m.to_string()));
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

pub async fn list_sources(query: &SourceQuery) -> ApiResult<Page<TrafficSource>> {
    json(build(Request::get(&sources_url(query)))).await
}

fn sources_url(query: &SourceQuery) -> String {
    // The API always answers with the sort it used; sending it keeps the contract explicit.
    let mut pairs = query.to_pairs();
    if !pairs.iter().any(|(k, _)| *k == "sort") {
        pairs.push(("sort", query.sort.to_param()));
    }
    format!("/api/traffic-sources?{}", query_string(&pairs))
}

/// Whether the partner has any traffic source yet: the first source of their list, read for
/// whether there is one. `/` asks it of every partner, in the module every role downloads
/// first; a whole page of sources would put their deserialiser there too.
pub async fn has_sources() -> ApiResult<bool> {
    #[derive(serde::Deserialize)]
    struct Items {
        items: Vec<serde::de::IgnoredAny>,
    }
    let query = SourceQuery {
        limit: 1,
        ..Default::default()
    };
    json::<Items>(build(Request::get(&sources_url(&query))))
        .await
        .map(|page| !page.items.is_empty())
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
