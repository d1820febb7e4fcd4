//! `/api/webhooks`: a partner's or an advertiser's signed webhook endpoints. Another
//! account's endpoint is "not found". Staff receive no events (none is addressed to them),
//! so they have no endpoints: 403.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use model::webhook::{
    CreatedWebhook, QueuedWebhook, WebhookDeliveryPage, WebhookEndpoint, WebhookInput, WebhookList,
    WebhookSecret, MAX_ENDPOINTS_PER_ACCOUNT,
};
use model::{Account, ApiErrorBody, FieldErrors, Role};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::SignedIn;
use super::error::{AppError, AppResult};
use super::json::ApiJson;
use super::path::Path;
use crate::db::webhooks::{self as store, outbox, CreateOutcome};
use crate::time::rfc3339;
use crate::webhooks::signing;
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(delete_webhook))
        .routes(routes!(test_webhook))
        .routes(routes!(list_deliveries))
        .routes(routes!(rotate_secret))
        .routes(routes!(enable_webhook))
}

/// A signed-in partner or advertiser: the roles events are addressed to.
pub struct Receiver(pub Account);

impl FromRequestParts<AppState> for Receiver {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let SignedIn(account) = SignedIn::from_request_parts(parts, state).await?;
        match account.role {
            Role::Partner | Role::Advertiser => Ok(Receiver(account)),
            Role::Staff => Err(AppError::Forbidden(
                "Webhooks are for partners and advertisers: no event is addressed to staff.",
            )),
        }
    }
}

/// Your webhook endpoints, oldest first, with how many events wait for each.
#[utoipa::path(get, path = "/api/webhooks", tag = "webhooks",
    responses((status = 200, body = WebhookList), (status = 401, body = ApiErrorBody),
              (status = 403, description = "Staff have no webhooks", body = ApiErrorBody)))]
async fn list_webhooks(
    State(state): State<AppState>,
    Receiver(me): Receiver,
) -> AppResult<ApiJson<WebhookList>> {
    Ok(ApiJson(WebhookList {
        items: store::list(&state.db, me.id).await?,
        limit: MAX_ENDPOINTS_PER_ACCOUNT as i64,
    }))
}

/// Register an endpoint. Answers its signing secret (`whsec_…`), shown this once.
///
/// The address must be `https://`, at most 2048 characters, and its host must resolve to
/// public internet addresses only (never private, loopback, link-local or reserved ones):
/// 422 at `url` otherwise, and for an address you registered already. `events`: at least
/// one; `description`: at most 200 characters. 409 `limit_reached` past 10 endpoints.
#[utoipa::path(post, path = "/api/webhooks", tag = "webhooks", request_body = WebhookInput,
    responses((status = 201, body = CreatedWebhook), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody),
              (status = 403, body = ApiErrorBody),
              (status = 409, description = "`limit_reached`: you have 10 endpoints already", body = ApiErrorBody),
              (status = 422, description = "A field to fix (`invalid`), or an address you registered already (`duplicate`)", body = ApiErrorBody)))]
async fn create_webhook(
    State(state): State<AppState>,
    Receiver(me): Receiver,
    ApiJson(input): ApiJson<WebhookInput>,
) -> AppResult<(StatusCode, ApiJson<CreatedWebhook>)> {
    let valid = input.validate().map_err(AppError::Invalid)?;
    if let Some(why) = state.webhooks.sender.refusal(&valid.url).await {
        return Err(AppError::invalid("url", why));
    }
    let secret = signing::new_secret();
    match store::create(&state.db, me.id, &valid, &secret).await? {
        CreateOutcome::Created(endpoint) => Ok((
            StatusCode::CREATED,
            ApiJson(CreatedWebhook { endpoint, secret }),
        )),
        CreateOutcome::Duplicate => Err(AppError::Duplicate(FieldErrors::from([(
            "url".into(),
            "You have an endpoint at this address already.".into(),
        )]))),
        CreateOutcome::Limit => Err(AppError::Conflict {
            code: "limit_reached",
            message: "You have 10 webhook endpoints, the most an account may have. Delete one to add another.",
        }),
    }
}

/// Delete one of your endpoints, with the events waiting for it and its delivery log.
#[utoipa::path(delete, path = "/api/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn delete_webhook(
    State(state): State<AppState>,
    Receiver(me): Receiver,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    if store::delete(&state.db, me.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// Send a `webhook.test` event to one of your endpoints. It is queued behind what the
/// endpoint is already due and delivered like any event; its attempt shows in the
/// deliveries under the answered `message_id`. 409 `endpoint_disabled` for an endpoint
/// turned off (turn it on first).
#[utoipa::path(post, path = "/api/webhooks/{id}/test", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 202, body = QueuedWebhook), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
              (status = 409, description = "`endpoint_disabled`", body = ApiErrorBody)))]
async fn test_webhook(
    State(state): State<AppState>,
    Receiver(me): Receiver,
    Path(id): Path<i64>,
) -> AppResult<(StatusCode, ApiJson<QueuedWebhook>)> {
    match outbox::enqueue_test(&state.db, me.id, id).await? {
        outbox::TestOutcome::Queued(message_id) => {
            state.webhooks.wake();
            Ok((StatusCode::ACCEPTED, ApiJson(QueuedWebhook { message_id })))
        }
        outbox::TestOutcome::NotFound => Err(AppError::NotFound),
        outbox::TestOutcome::Disabled => Err(disabled()),
    }
}

fn disabled() -> AppError {
    AppError::Conflict {
        code: "endpoint_disabled",
        message: "This endpoint is turned off. Turn it on again to send to it.",
    }
}

/// The last 100 delivery attempts at one of your endpoints, newest first: each with its
/// event, the receiver's status, the latency and the start of its answer.
#[utoipa::path(get, path = "/api/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = WebhookDeliveryPage), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn list_deliveries(
    State(state): State<AppState>,
    Receiver(me): Receiver,
    Path(id): Path<i64>,
) -> AppResult<ApiJson<WebhookDeliveryPage>> {
    let items = store::deliveries(&state.db, me.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(ApiJson(WebhookDeliveryPage { items }))
}

/// Replace an endpoint's signing secret; the new one is shown this once. For a day the
/// deliveries carry a signature by the old secret too (`webhook-signature` holds both), so
/// your receiver can switch without missing one.
#[utoipa::path(post, path = "/api/webhooks/{id}/rotate-secret", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = WebhookSecret), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn rotate_secret(
    State(state): State<AppState>,
    Receiver(me): Receiver,
    Path(id): Path<i64>,
) -> AppResult<ApiJson<WebhookSecret>> {
    let secret = signing::new_secret();
    let until = store::rotate_secret(&state.db, me.id, id, &secret)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(ApiJson(WebhookSecret {
        secret,
        previous_valid_until: rfc3339(until),
    }))
}

/// Turn an endpoint on again after it was turned off for failing; events from now on are
/// delivered to it. Turning on one that is on changes nothing.
#[utoipa::path(post, path = "/api/webhooks/{id}/enable", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = WebhookEndpoint), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn enable_webhook(
    State(state): State<AppState>,
    Receiver(me): Receiver,
    Path(id): Path<i64>,
) -> AppResult<ApiJson<WebhookEndpoint>> {
    store::enable(&state.db, me.id, id)
        .await?
        .map(ApiJson)
        .ok_or(AppError::NotFound)
}
