//! Staff's review queue, bulk actions and CSV export links.

use gloo_net::http::Request;
use model::review::{BulkOutcome, BulkRequest, ReviewEvidence, ReviewItem, ReviewReason};
use model::Page;

use super::{build, encode, json, query_string, with_body, ApiResult, SourceQuery};

/// A page of the queue, riskiest first; `reason` narrows it to one reason.
pub async fn review_queue(
    reason: Option<ReviewReason>,
    limit: i64,
    cursor: Option<&str>,
) -> ApiResult<Page<ReviewItem>> {
    let mut pairs = vec![("limit", limit.to_string())];
    if let Some(r) = reason {
        pairs.push(("reason", r.id().to_string()));
    }
    if let Some(c) = cursor {
        pairs.push(("cursor", c.to_string()));
    }
    json(build(Request::get(&format!(
        "/api/admin/review?{}",
        query_string(&pairs)
    ))))
    .await
}

/// One source's evidence: pending reasons, claims of its site, ownership checks.
pub async fn review_evidence(id: i64) -> ApiResult<ReviewEvidence> {
    json(build(Request::get(&format!("/api/admin/review/{id}")))).await
}

/// Marks a source reviewed with an optional note; answers the evidence as it now stands.
pub async fn mark_reviewed(id: i64, note: Option<String>) -> ApiResult<ReviewEvidence> {
    json(with_body(
        Request::post(&format!("/api/admin/review/{id}")),
        &model::review::MarkReviewed { note },
    ))
    .await
}

/// One bulk request (at most 500 sources): each source's result.
pub async fn bulk(body: &BulkRequest) -> ApiResult<BulkOutcome> {
    json(with_body(
        Request::post("/api/admin/traffic-sources/bulk"),
        body,
    ))
    .await
}

/// A source list's filter and sort as a query string, paging left out: what an export and
/// a bulk action "all matching" take. Staff may name a partner.
pub fn list_filter(query: &SourceQuery, partner_id: Option<i64>) -> String {
    let mut pairs: Vec<(&str, String)> = query
        .to_pairs()
        .into_iter()
        .filter(|(k, _)| *k != "cursor" && *k != "limit")
        .collect();
    if !pairs.iter().any(|(k, _)| *k == "sort") {
        pairs.push(("sort", query.sort.to_param()));
    }
    if let Some(p) = partner_id {
        pairs.push(("partner_id", p.to_string()));
    }
    query_string(&pairs)
}

/// The CSV export of a list with its filters.
pub fn export_href(query: &SourceQuery, partner_id: Option<i64>) -> String {
    format!(
        "/api/traffic-sources/export.csv?{}",
        list_filter(query, partner_id)
    )
}

/// The reason filter as a query string, for a bulk request "all matching".
pub fn review_filter(reason: Option<ReviewReason>) -> String {
    reason
        .map(|r| format!("reason={}", encode(r.id())))
        .unwrap_or_default()
}

/// The ids of every source a list's filter matches, read page by page, or `Ok(None)` when
/// more than [`model::review::BULK_MAX`] match (a bulk action could not take them all).
pub async fn matching_ids(
    list: model::review::BulkList,
    filter: &str,
) -> ApiResult<Option<Vec<i64>>> {
    let base = match list {
        model::review::BulkList::Sources => "/api/traffic-sources",
        model::review::BulkList::Review => "/api/admin/review",
    };
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}?{filter}&limit=100");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={}", encode(c)));
        }
        // The lists' own page types: their decoding is in the bundle already.
        let next = match list {
            model::review::BulkList::Sources => {
                let page: Page<model::TrafficSource> = json(build(Request::get(&url))).await?;
                ids.extend(page.items.iter().map(|s| s.id));
                page.next_cursor
            }
            model::review::BulkList::Review => {
                let page: Page<ReviewItem> = json(build(Request::get(&url))).await?;
                ids.extend(page.items.iter().map(|i| i.source.id));
                page.next_cursor
            }
        };
        if ids.len() > model::review::BULK_MAX {
            return Ok(None);
        }
        match next {
            Some(c) => cursor = Some(c),
            None => return Ok(Some(ids)),
        }
    }
}
