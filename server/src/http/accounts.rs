//! Self sign-up for partners and advertisers. Staff accounts come from the operator
//! command `create-staff`, never from here.

use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use model::{Account, ApiErrorBody, FieldErrors, Role, SignUp};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::start_session;
use super::error::{AppError, AppResult};
use super::json::ApiJson;
use crate::db::{accounts, sessions};
use crate::{password, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sign_up))
}

/// Create a partner or advertiser account and sign it in.
#[utoipa::path(post, path = "/api/accounts", tag = "session", request_body = SignUp,
    responses((status = 201, body = Account), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody),
              (status = 429, body = ApiErrorBody), (status = 503, body = ApiErrorBody)))]
async fn sign_up(
    State(state): State<AppState>,
    jar: CookieJar,
    ApiJson(body): ApiJson<SignUp>,
) -> AppResult<(StatusCode, CookieJar, ApiJson<Account>)> {
    if body.role.trim() == Role::Staff.id() {
        return Err(AppError::Forbidden(
            "Staff accounts are created by a platform operator.",
        ));
    }
    let valid = body.validate().map_err(AppError::Invalid)?;
    let hash = {
        let _slot = state.guard.hashes.admit().await?;
        password::hash(valid.password).await
    };
    let account = accounts::create(
        &state.db,
        &valid.email,
        &hash,
        valid.role,
        &valid.display_name,
    )
    .await?
    .ok_or_else(|| {
        AppError::Duplicate(FieldErrors::from([(
            "email".into(),
            "An account with this email already exists. Sign in instead.".into(),
        )]))
    })?;
    let token = sessions::create(&state.db, account.id).await?;
    Ok((
        StatusCode::CREATED,
        start_session(jar, token, state.config.secure_cookies),
        ApiJson(account),
    ))
}
