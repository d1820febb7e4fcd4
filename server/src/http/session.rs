//! Sign in, sign out, who am I.

use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use model::{Account, ApiErrorBody, SignIn};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{end_session, start_session, SignedIn, SESSION_COOKIE};
use super::error::{AppError, AppResult};
use super::json::ApiJson;
use crate::db::{accounts, sessions};
use crate::{password, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(who_am_i, sign_in, sign_out))
}

/// Who is signed in.
#[utoipa::path(get, path = "/api/session", tag = "session",
    responses((status = 200, body = Account), (status = 401, body = ApiErrorBody)))]
async fn who_am_i(SignedIn(account): SignedIn) -> ApiJson<Account> {
    ApiJson(account)
}

/// Sign in with email and password; sets the HttpOnly session cookie.
///
/// After five wrong passwords for one email within 15 minutes, that email is refused
/// with 429 until the window ends, whatever password is sent.
#[utoipa::path(post, path = "/api/session", tag = "session", request_body = SignIn,
    responses((status = 200, body = Account), (status = 401, body = ApiErrorBody), (status = 429, body = ApiErrorBody)))]
async fn sign_in(
    axum::extract::State(state): axum::extract::State<AppState>,
    jar: CookieJar,
    ApiJson(body): ApiJson<SignIn>,
) -> AppResult<(CookieJar, ApiJson<Account>)> {
    let email = body.email.trim().to_lowercase();
    if let Some(wait_ms) = accounts::locked_for(&state.db, &email).await? {
        return Err(AppError::TooManyAttempts {
            retry_after_secs: wait_ms / 1000 + 1,
        });
    }
    let found = accounts::credentials(&state.db, &email).await?;
    let stored = found
        .as_ref()
        .map(|c| c.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().into());
    let matches = password::verify(body.password, stored).await;
    let account = match found {
        Some(credentials) if matches => credentials.account,
        _ => {
            accounts::record_failure(&state.db, &email).await?;
            return Err(AppError::WrongCredentials);
        }
    };
    accounts::clear_failures(&state.db, &email).await?;
    let token = sessions::create(&state.db, account.id).await?;
    Ok((
        start_session(jar, token, state.config.secure_cookies),
        ApiJson(account),
    ))
}

/// Sign out: ends the session on every server instance.
#[utoipa::path(delete, path = "/api/session", tag = "session",
    responses((status = 204), (status = 401, body = ApiErrorBody)))]
async fn sign_out(
    axum::extract::State(state): axum::extract::State<AppState>,
    _who: SignedIn,
    jar: CookieJar,
) -> AppResult<(StatusCode, CookieJar)> {
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) {
        sessions::delete(&state.db, &token).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        end_session(jar, state.config.secure_cookies),
    ))
}
