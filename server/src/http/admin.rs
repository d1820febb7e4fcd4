//! Staff's admin calls: block and unblock a source, and the partner list for the admin
//! filters. Every handler takes `Staff`, so every other role is refused with 403 (the
//! owning partner included) whatever the web app shows.

use super::path::Path;
use axum::extract::State;
use model::account::PartnerSummary;
use model::source::BlockRequest;
use model::{ApiErrorBody, Page, TrafficSource};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Staff;
use super::error::{AppError, AppResult};
use super::json::ApiJson;
use super::list_params::Query;
use crate::db::accounts;
use crate::db::sources::{self, BlockOutcome};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(block_source))
        .routes(routes!(unblock_source))
        .routes(routes!(list_partners))
}

/// Block a source (staff): its tracking links stop redirecting as soon as this answers,
/// it leaves the marketplace, and its partner and every advertiser using it are notified.
/// `reason` is shown to the partner; `note` is for staff only.
#[utoipa::path(post, path = "/api/traffic-sources/{id}/block", tag = "admin", params(("id" = i64, Path)), request_body = BlockRequest,
    responses((status = 200, body = TrafficSource), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody, description = "`already_blocked`"),
              (status = 422, body = ApiErrorBody)))]
async fn block_source(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<BlockRequest>,
) -> AppResult<ApiJson<TrafficSource>> {
    let valid = body.validate().map_err(AppError::Invalid)?;
    let outcome = sources::block(
        &state.db,
        id,
        staff.id,
        &valid.reason,
        valid.note.as_deref(),
    )
    .await?;
    answer(
        outcome,
        AppError::Conflict {
            code: "already_blocked",
            message: "This traffic source is already blocked.",
        },
    )
}

/// Lift a block (staff): the source returns to the status it had before (active or
/// paused), and its partner and every advertiser using it are notified.
#[utoipa::path(post, path = "/api/traffic-sources/{id}/unblock", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = TrafficSource), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody, description = "`not_blocked`")))]
async fn unblock_source(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<i64>,
) -> AppResult<ApiJson<TrafficSource>> {
    let outcome = sources::unblock(&state.db, id, staff.id).await?;
    answer(
        outcome,
        AppError::Conflict {
            code: "not_blocked",
            message: "This traffic source is not blocked.",
        },
    )
}

/// The answer is for staff, so it keeps the internal note.
fn answer(outcome: BlockOutcome, already_there: AppError) -> AppResult<ApiJson<TrafficSource>> {
    match outcome {
        BlockOutcome::Done(source) => Ok(ApiJson(source)),
        BlockOutcome::NotFound => Err(AppError::NotFound),
        BlockOutcome::AlreadyThere => Err(already_there),
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartnerParams {
    /// Text to find in the partner's name or email.
    pub q: Option<String>,
    /// 1–100, default 25.
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Where a page of partners ended: the last name and id.
#[derive(Serialize, Deserialize)]
struct PartnerCursor(String, i64);

impl PartnerCursor {
    fn encode(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(text: &str) -> Option<PartnerCursor> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// Partners by name, for the partner filter of the admin table (staff).
#[utoipa::path(get, path = "/api/partners", tag = "admin", params(PartnerParams),
    responses((status = 200, body = Page<PartnerSummary>), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
              (status = 403, body = ApiErrorBody)))]
async fn list_partners(
    State(state): State<AppState>,
    Staff(_): Staff,
    Query(params): Query<PartnerParams>,
) -> AppResult<ApiJson<Page<PartnerSummary>>> {
    let limit = model::list::parse_limit(params.limit.as_deref()).map_err(AppError::Malformed)?;
    let after = match params.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(
            PartnerCursor::decode(c)
                .ok_or_else(|| AppError::Malformed("cursor is not valid for this list.".into()))?,
        ),
    };
    let q = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if q.is_some_and(|q| q.chars().count() > 200) {
        return Err(AppError::Malformed(
            "q must be at most 200 characters.".into(),
        ));
    }
    let after = after.as_ref().map(|c| (c.0.as_str(), c.1));
    let mut items = accounts::partners(&state.db, q, after, limit + 1).await?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items
            .last()
            .map(|p| PartnerCursor(p.display_name.clone(), p.id).encode())
    } else {
        None
    };
    Ok(ApiJson(Page {
        items,
        next_cursor,
        total: None,
    }))
}
