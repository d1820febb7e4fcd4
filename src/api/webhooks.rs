//! Signed webhooks (partners and advertisers): endpoints, their deliveries, test events and
//! secrets.

use gloo_net::http::Request;
use model::webhook::{
    CreatedWebhook, QueuedWebhook, WebhookDeliveryPage, WebhookEndpoint, WebhookInput, WebhookList,
    WebhookSecret,
};

use super::{build, json, send, with_body, ApiResult};

pub async fn list_webhooks() -> ApiResult<WebhookList> {
    json(build(Request::get("/api/webhooks"))).await
}

pub async fn create_webhook(body: &WebhookInput) -> ApiResult<CreatedWebhook> {
    json(with_body(Request::post("/api/webhooks"), body)).await
}

pub async fn delete_webhook(id: i64) -> ApiResult<()> {
    send(build(Request::delete(&format!("/api/webhooks/{id}"))))
        .await
        .map(|_| ())
}

pub async fn test_webhook(id: i64) -> ApiResult<QueuedWebhook> {
    json(build(Request::post(&format!("/api/webhooks/{id}/test")))).await
}

pub async fn rotate_webhook_secret(id: i64) -> ApiResult<WebhookSecret> {
    json(build(Request::post(&format!(
        "/api/webhooks/{id}/rotate-secret"
    ))))
    .await
}

pub async fn enable_webhook(id: i64) -> ApiResult<WebhookEndpoint> {
    json(build(Request::post(&format!("/api/webhooks/{id}/enable")))).await
}

pub async fn webhook_deliveries(id: i64) -> ApiResult<WebhookDeliveryPage> {
    json(build(Request::get(&format!(
        "/api/webhooks/{id}/deliveries"
    ))))
    .await
}
