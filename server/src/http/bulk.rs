//! Staff's bulk actions: block, unblock or mark reviewed many sources at once, named by id
//! or by a list's filter (up to 500). Each source goes through the very function its single
//! action uses, in its own transaction, so it is audited and notified exactly the same, and
//! one that is already so does not fail the others.

use axum::extract::State;
use model::review::{
    BulkAction, BulkItemOutcome, BulkList, BulkOutcome, BulkRequest, BulkResult, BulkTarget,
    BULK_MAX,
};
use model::{ApiErrorBody, FieldErrors};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Staff;
use super::error::{AppError, AppResult};
use super::json::ApiJson;
use super::list_params::ListParams;
use super::review::QueueParams;
use crate::db::review::{self, queue, Marked};
use crate::db::sources::{self, BlockOutcome};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(bulk))
}

fn filter_error(message: impl Into<String>) -> AppError {
    AppError::Invalid(FieldErrors::from([("filter".to_string(), message.into())]))
}

/// The ids a list's filter matches, at most [`BULK_MAX`]; more is refused.
async fn matching(state: &AppState, list: BulkList, filter: &str) -> AppResult<Vec<i64>> {
    let too_many = || {
        filter_error(format!(
            "This filter matches more than {BULK_MAX} sources. Narrow it to {BULK_MAX} or fewer."
        ))
    };
    let malformed = |e: AppError| match e {
        AppError::Malformed(m) => filter_error(m),
        other => other,
    };
    let filter = filter.trim_start_matches('?');
    match list {
        BulkList::Sources => {
            let mut params: ListParams = serde_html_form::from_str(filter).map_err(|e| {
                filter_error(format!("The filter is not a valid query string: {e}"))
            })?;
            params.cursor = None;
            params.limit = None;
            let parsed = params
                .parse(super::sources::DEFAULT_SORT)
                .map_err(malformed)?;
            // That filter reads a bounded number of pages per call, so "more than 500"
            // could not be told apart from "not read yet": name the sources instead.
            if parsed.observed_matches.is_some() {
                return Err(filter_error(
                    "observed_matches cannot choose a bulk action's sources; \
                     list them with it and send their ids.",
                ));
            }
            let planned = sources::plan(&state.db, &parsed.filter).await?;
            let (items, next) =
                sources::list(&state.db, &planned, parsed.sort, None, BULK_MAX as i64).await?;
            if next.is_some() {
                return Err(too_many());
            }
            Ok(items.into_iter().map(|s| s.id).collect())
        }
        BulkList::Review => {
            let mut params: QueueParams = serde_html_form::from_str(filter).map_err(|e| {
                filter_error(format!("The filter is not a valid query string: {e}"))
            })?;
            params.cursor = None;
            params.limit = None;
            let parsed = params.parse().map_err(malformed)?;
            let (items, next) =
                queue::page(&state.db, parsed.reason, None, BULK_MAX as i64).await?;
            if next.is_some() {
                return Err(too_many());
            }
            Ok(items.into_iter().map(|i| i.source.id).collect())
        }
    }
}

fn of_block(outcome: BlockOutcome, already: BulkItemOutcome) -> BulkItemOutcome {
    match outcome {
        BlockOutcome::Done(_) => BulkItemOutcome::Done,
        BlockOutcome::AlreadyThere => already,
        BlockOutcome::NotFound => BulkItemOutcome::NotFound,
    }
}

/// Block, unblock or mark reviewed up to 500 sources (staff): by `ids`, or every source a
/// list's `filter` matches (its query string; `list` says which list). Answers each
/// source's result in order: one already blocked (or not blocked, or gone) is reported and
/// the others go on. Each change is audited and notified as its single action is.
#[utoipa::path(post, path = "/api/admin/traffic-sources/bulk", tag = "admin", request_body = BulkRequest,
    responses((status = 200, body = BulkOutcome), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
              (status = 403, body = ApiErrorBody), (status = 413, body = ApiErrorBody),
              (status = 422, body = ApiErrorBody, description = "No sources, more than 500, no reason to block with, or a bad filter")))]
async fn bulk(
    State(state): State<AppState>,
    Staff(staff): Staff,
    ApiJson(body): ApiJson<BulkRequest>,
) -> AppResult<ApiJson<BulkOutcome>> {
    let valid = body.validate().map_err(AppError::Invalid)?;
    let ids = match &valid.target {
        BulkTarget::Ids(ids) => ids.clone(),
        BulkTarget::Filter(list, filter) => matching(&state, *list, filter).await?,
    };
    let mut results = Vec::with_capacity(ids.len());
    for id in ids {
        let outcome = match valid.action {
            BulkAction::Block => of_block(
                sources::block(
                    &state.db,
                    id,
                    staff.id,
                    valid.reason.as_deref().unwrap_or_default(),
                    valid.note.as_deref(),
                )
                .await?,
                BulkItemOutcome::AlreadyBlocked,
            ),
            BulkAction::Unblock => of_block(
                sources::unblock(&state.db, id, staff.id).await?,
                BulkItemOutcome::NotBlocked,
            ),
            BulkAction::MarkReviewed => {
                match review::mark_reviewed(&state.db, id, staff.id, valid.note.as_deref()).await? {
                    Marked::Done => BulkItemOutcome::Done,
                    Marked::NotFound => BulkItemOutcome::NotFound,
                }
            }
        };
        results.push(BulkResult { id, outcome });
    }
    let done = results
        .iter()
        .filter(|r| r.outcome == BulkItemOutcome::Done)
        .count() as i64;
    Ok(ApiJson(BulkOutcome {
        skipped: results.len() as i64 - done,
        done,
        results,
    }))
}
