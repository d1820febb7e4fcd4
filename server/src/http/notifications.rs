//! Every signed-in person's own notifications: the list with its unread count, and
//! mark-as-read (one and all). Someone else's notification is "not found".

use super::path::Path;
use axum::extract::State;
use axum::http::StatusCode;
use model::notification::{Notification, NotificationPage};
use model::ApiErrorBody;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::SignedIn;
use super::error::{AppError, AppResult};
use super::json::ApiJson;
use super::list_params::Query;
use crate::db::notifications;
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(mark_read))
        .routes(routes!(mark_all_read))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationParams {
    /// 1–100, default 25.
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Your notifications, newest first, with how many are unread (for the header's bell).
#[utoipa::path(get, path = "/api/notifications", tag = "notifications", params(NotificationParams),
    responses((status = 200, body = NotificationPage), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody)))]
async fn list_notifications(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Query(params): Query<NotificationParams>,
) -> AppResult<ApiJson<NotificationPage>> {
    let limit = model::list::parse_limit(params.limit.as_deref()).map_err(AppError::Malformed)?;
    let before = super::list_params::id_cursor(params.cursor.as_deref())?;
    let mut items = notifications::list(&state.db, me.id, before, limit + 1).await?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|n| n.id.to_string())
    } else {
        None
    };
    Ok(ApiJson(NotificationPage {
        items,
        next_cursor,
        unread_count: notifications::unread_count(&state.db, me.id).await?,
    }))
}

/// Mark one of your notifications read. Marking it again keeps the first time.
#[utoipa::path(post, path = "/api/notifications/{id}/read", tag = "notifications", params(("id" = i64, Path)),
    responses((status = 200, body = Notification), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn mark_read(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<i64>,
) -> AppResult<ApiJson<Notification>> {
    notifications::mark_read(&state.db, me.id, id)
        .await?
        .map(ApiJson)
        .ok_or(AppError::NotFound)
}

/// Mark all your notifications read.
#[utoipa::path(post, path = "/api/notifications/read-all", tag = "notifications",
    responses((status = 204), (status = 401, body = ApiErrorBody)))]
async fn mark_all_read(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
) -> AppResult<StatusCode> {
    notifications::mark_all_read(&state.db, me.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
