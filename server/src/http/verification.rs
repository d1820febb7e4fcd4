//! "Verify now": the partner asks for an ownership check of their source's website.

use super::path::Path;
use axum::extract::State;
use model::verification::VerifyOutcome;
use model::ApiErrorBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Partner;
use super::error::{AppError, AppResult};
use super::json::ApiJson;
use crate::db::verification::{self as store, Trigger};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(verify_source))
}

/// Check now whether the source's website carries its token: a DNS TXT record
/// `traffic-sources-verification=<token>` on the host or its registrable domain, a
/// `<meta name="traffic-sources-verification" content="<token>">` on the declared page, or
/// the token in `/.well-known/traffic-sources-verification.txt`. Answers the outcome in
/// words whether a proof was found or not (both 200). At most one check per source every
/// 30 s and 20 per partner an hour (429, with `Retry-After`). Only the source's partner may
/// ask: other partners get 404, other roles 403. A source on a shared platform is 409.
#[utoipa::path(post, path = "/api/traffic-sources/{id}/verify", tag = "traffic sources", params(("id" = i64, Path)),
    responses((status = 200, body = VerifyOutcome, description = "The check ran; `verified` says whether a proof was found"),
              (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody, description = "Hosted on a shared platform: not verifiable by site"),
              (status = 429, body = ApiErrorBody, description = "Checked too often; see Retry-After")))]
async fn verify_source(
    State(state): State<AppState>,
    Partner(partner): Partner,
    Path(id): Path<i64>,
) -> AppResult<ApiJson<VerifyOutcome>> {
    let source = match store::get(&state.db, id).await? {
        Some(s) if s.partner_id == partner.id => s,
        _ => return Err(AppError::NotFound),
    };
    if model::verification::shared_platform(&source.url).is_some() {
        return Err(AppError::Conflict {
            code: "not_verifiable",
            message: "This source is on a shared platform, where ownership cannot be proven by site. Nothing to check.",
        });
    }
    let attempt = store::start_manual(&state.db, id, partner.id)
        .await?
        .map_err(|limited| AppError::RateLimited {
            message: limited.message,
            retry_after_secs: limited.retry_after_secs,
        })?;
    let checked = state
        .verifier
        .check_and_store(&state.db, attempt, &source, Trigger::Manual)
        .await?;
    let verification = store::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?
        .api();
    Ok(ApiJson(VerifyOutcome {
        verified: checked.method.is_some(),
        method: checked.method,
        message: checked.message,
        proofs: checked.proofs,
        verification,
    }))
}
