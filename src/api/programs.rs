//! Advertisers: the marketplace, their programs and the sources they add to them.

use gloo_net::http::Request;
use model::Page;

use super::{build, json, query_string, with_body, ApiResult, SourceQuery};

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

/// The partners' program directory: listed programs matching `q` and accepting `channel`.
pub async fn program_directory(q: &str, channel: &str) -> ApiResult<Page<model::program::Program>> {
    let mut pairs = vec![("limit", "50".to_string())];
    if !q.trim().is_empty() {
        pairs.push(("q", q.trim().to_string()));
    }
    if !channel.is_empty() {
        pairs.push(("channel", channel.to_string()));
    }
    json(build(Request::get(&format!(
        "/api/programs/directory?{}",
        query_string(&pairs)
    ))))
    .await
}

/// Applies to a program with some of the partner's sources: one answer per source.
pub async fn apply_to_program(
    program_id: i64,
    traffic_source_ids: Vec<i64>,
) -> ApiResult<model::program::ApplicationResults> {
    let body = model::program::ApplicationInput {
        traffic_source_ids,
        message: String::new(),
    };
    json(with_body(
        Request::post(&format!("/api/programs/{program_id}/applications")),
        &body,
    ))
    .await
}

/// The collaborations the signed-in account may see (of one source when `source` is
/// given), most recently changed first.
pub async fn list_collaborations(
    source: Option<i64>,
) -> ApiResult<Page<model::program::Collaboration>> {
    let path = match source {
        Some(id) => format!("/api/collaborations?limit=100&traffic_source_id={id}"),
        None => "/api/collaborations?limit=100".into(),
    };
    json(build(Request::get(&path))).await
}

/// One step of a collaboration: `accept`, `decline`, `approve`, `withdraw` or `end`.
pub async fn collaboration_step(
    id: i64,
    step: &str,
    reason: Option<String>,
) -> ApiResult<model::program::Collaboration> {
    let path = format!("/api/collaborations/{id}/{step}");
    match reason {
        Some(reason) => {
            json(with_body(
                Request::post(&path),
                &model::program::ReasonInput { reason },
            ))
            .await
        }
        None => json(build(Request::post(&path))).await,
    }
}

/// Saves a program's settings (the whole body, as at creation).
pub async fn update_program(
    id: i64,
    body: &model::program::ProgramInput,
) -> ApiResult<model::program::Program> {
    json(with_body(
        Request::put(&format!("/api/programs/{id}")),
        body,
    ))
    .await
}
