//! Staff's review queue: the sources that need a look, riskiest first, the evidence of one,
//! and "mark reviewed". Every handler takes `Staff`: other roles get 403.

use super::path::Path;
use axum::extract::State;
use model::review::{MarkReviewed, ReviewEvidence, ReviewItem, ReviewReason};
use model::{ApiErrorBody, Page};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Staff;
use super::error::{AppError, AppResult};
use super::json::ApiJson;
use super::list_params::Query;
use crate::db::review::{self, queue, Marked};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_queue))
        .routes(routes!(get_evidence, mark_reviewed))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// Only sources with this reason: `new_unverified`, `verification_lost`,
    /// `url_host_changed`, `duplicate_claim`, `referrer_mismatch`, `bot_share` or
    /// `recently_unblocked`.
    pub reason: Option<String>,
    /// 1–100, default 25.
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The parameters after parsing; a bad value is 400 naming the parameter.
pub struct ParsedQueue {
    pub reason: Option<ReviewReason>,
    pub cursor: Option<queue::QueueCursor>,
    pub limit: i64,
}

impl QueueParams {
    pub fn parse(&self) -> AppResult<ParsedQueue> {
        let limit = model::list::parse_limit(self.limit.as_deref()).map_err(AppError::Malformed)?;
        let reason = match self.reason.as_deref() {
            None | Some("") => None,
            Some(r) => Some(ReviewReason::from_id(r).ok_or_else(|| {
                AppError::Malformed(format!("reason \"{r}\" is not a review reason we know."))
            })?),
        };
        let cursor =
            match self.cursor.as_deref() {
                None | Some("") => None,
                Some(c) => Some(queue::QueueCursor::decode(c).ok_or_else(|| {
                    AppError::Malformed("cursor is not valid for this list.".into())
                })?),
            };
        Ok(ParsedQueue {
            reason,
            cursor,
            limit,
        })
    }
}

/// The review queue, riskiest first: sources with a reason that appeared since staff last
/// reviewed them (blocked ones aside). Each row carries its reasons in words. `total` is
/// given on the first page, up to 1,000.
#[utoipa::path(get, path = "/api/admin/review", tag = "admin", params(QueueParams),
    responses((status = 200, body = Page<ReviewItem>), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
              (status = 403, body = ApiErrorBody)))]
async fn list_queue(
    State(state): State<AppState>,
    Staff(_): Staff,
    Query(params): Query<QueueParams>,
) -> AppResult<ApiJson<Page<ReviewItem>>> {
    let parsed = params.parse()?;
    let (items, next_cursor) =
        queue::page(&state.db, parsed.reason, parsed.cursor, parsed.limit).await?;
    let total = match parsed.cursor {
        None => queue::count(&state.db, parsed.reason).await?,
        Some(_) => None,
    };
    Ok(ApiJson(Page {
        items,
        next_cursor,
        total,
    }))
}

/// A source's evidence: its pending reasons, every source declaring the same site (with
/// which are verified) and its latest ownership checks. The traffic chart and the history
/// are `GET /api/traffic-sources/{id}/traffic` and `…/history`.
#[utoipa::path(get, path = "/api/admin/review/{id}", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = ReviewEvidence), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody)))]
async fn get_evidence(
    State(state): State<AppState>,
    Staff(_): Staff,
    Path(id): Path<i64>,
) -> AppResult<ApiJson<ReviewEvidence>> {
    queue::evidence(&state.db, id)
        .await?
        .map(ApiJson)
        .ok_or(AppError::NotFound)
}

/// Mark a source reviewed, with an optional note for staff: it leaves the queue until a
/// new reason appears. Audited. Answers the evidence as it now stands.
#[utoipa::path(post, path = "/api/admin/review/{id}", tag = "admin", params(("id" = i64, Path)), request_body = MarkReviewed,
    responses((status = 200, body = ReviewEvidence), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
              (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 413, body = ApiErrorBody),
              (status = 422, body = ApiErrorBody)))]
async fn mark_reviewed(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MarkReviewed>,
) -> AppResult<ApiJson<ReviewEvidence>> {
    let note = body.validate().map_err(AppError::Invalid)?;
    match review::mark_reviewed(&state.db, id, staff.id, note.as_deref()).await? {
        Marked::NotFound => Err(AppError::NotFound),
        Marked::Done => queue::evidence(&state.db, id)
            .await?
            .map(ApiJson)
            .ok_or(AppError::NotFound),
    }
}
