//! Email: each person's setting for notification emails, and staff's view of the outbox
//! (what failed, and trying it again). See `crate::email`.

use super::path::Path;
use axum::extract::State;
use axum::http::StatusCode;
use model::notification::{EmailSettings, EmailState, OutboxEmailPage};
use model::ApiErrorBody;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{SignedIn, Staff};
use super::error::{AppError, AppResult};
use super::json::ApiJson;
use super::list_params::Query;
use crate::db::outbox;
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(list_emails))
        .routes(routes!(retry_email))
}

/// Whether your block, unblock and verification-lost notifications are also emailed to you.
#[utoipa::path(get, path = "/api/me/email-settings", tag = "notifications",
    responses((status = 200, body = EmailSettings), (status = 401, body = ApiErrorBody)))]
async fn get_settings(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
) -> AppResult<ApiJson<EmailSettings>> {
    Ok(ApiJson(EmailSettings {
        notifications: outbox::email_notifications(&state.db, me.id).await?,
    }))
}

/// Turn your notification emails on or off. Emails already queued still go out.
#[utoipa::path(put, path = "/api/me/email-settings", tag = "notifications", request_body = EmailSettings,
    responses((status = 200, body = EmailSettings), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody)))]
async fn put_settings(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    ApiJson(body): ApiJson<EmailSettings>,
) -> AppResult<ApiJson<EmailSettings>> {
    outbox::set_email_notifications(&state.db, me.id, body.notifications).await?;
    Ok(ApiJson(body))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmailParams {
    /// `pending`, `sent` or `failed`; every email when absent.
    pub state: Option<String>,
    /// 1–100, default 25.
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The email outbox, newest first (staff only): what was sent, what waits for a retry,
/// and what failed for good, with the mail server's last answer.
#[utoipa::path(get, path = "/api/admin/emails", tag = "admin", params(EmailParams),
    responses((status = 200, body = OutboxEmailPage), (status = 400, body = ApiErrorBody),
              (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
async fn list_emails(
    State(state): State<AppState>,
    Staff(_): Staff,
    Query(params): Query<EmailParams>,
) -> AppResult<ApiJson<OutboxEmailPage>> {
    let limit = model::list::parse_limit(params.limit.as_deref()).map_err(AppError::Malformed)?;
    let wanted =
        match params.state.as_deref() {
            None | Some("") => None,
            Some(s) => Some(EmailState::parse(s).ok_or_else(|| {
                AppError::Malformed("state must be pending, sent or failed.".into())
            })?),
        };
    let before = super::list_params::id_cursor(params.cursor.as_deref())?;
    let mut items = outbox::list(&state.db, wanted, before, limit + 1).await?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|e| e.id.to_string())
    } else {
        None
    };
    Ok(ApiJson(OutboxEmailPage { items, next_cursor }))
}

/// Try a failed email again (staff only), with its attempts counted afresh. Only a
/// failed email can be retried: anything else is 404.
#[utoipa::path(post, path = "/api/admin/emails/{id}/retry", tag = "admin", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn retry_email(
    State(state): State<AppState>,
    Staff(_): Staff,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    if outbox::retry_failed(&state.db, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}
