//! Notifications (every role) and email: the person's setting, and staff's view of the
//! emails that could not be sent.

use gloo_net::http::Request;

use super::{build, json, query_string, send, with_body, ApiResult};

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

/// The signed-in person's unread count: the first page of `GET /api/notifications`, read
/// for `unread_count` alone. The header's bell asks for it on every screen: a whole page's
/// notifications would put their deserialiser in the module every role downloads first
/// (only the notifications page, a later screen, reads them).
pub async fn unread_count() -> ApiResult<i64> {
    #[derive(serde::Deserialize)]
    struct Unread {
        unread_count: i64,
    }
    json::<Unread>(build(Request::get("/api/notifications?limit=1")))
        .await
        .map(|u| u.unread_count)
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
