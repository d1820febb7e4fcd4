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
use crate::guard::{sign_in, ClientIp};
use crate::{password, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(who_am_i, sign_in, sign_out))
        .routes(routes!(sign_out_everywhere))
}

/// Who is signed in.
#[utoipa::path(get, path = "/api/session", tag = "session",
    responses((status = 200, body = Account), (status = 401, body = ApiErrorBody)))]
async fn who_am_i(SignedIn(account): SignedIn) -> ApiJson<Account> {
    ApiJson(account)
}

/// Sign in with email and password; sets the HttpOnly session cookie.
///
/// Failed sign-ins slow the address that makes them, never the owner elsewhere: after
/// five wrong passwords for one account from one address within 15 minutes, that address
/// is refused for that account (429 `too_many_attempts`) until the window ends, whatever
/// password it sends; an address with too many failures on any accounts, or too many
/// attempts a minute, is refused (429 `rate_limited`). The right password from another
/// address always gets in. 503 `busy` when too many passwords are being checked at once.
/// An email longer than 254 characters is refused (422) before anything is checked.
#[utoipa::path(post, path = "/api/session", tag = "session", request_body = SignIn,
    responses((status = 200, body = Account), (status = 401, body = ApiErrorBody), (status = 422, body = ApiErrorBody),
              (status = 429, body = ApiErrorBody), (status = 503, body = ApiErrorBody)))]
async fn sign_in(
    axum::extract::State(state): axum::extract::State<AppState>,
    ClientIp(address): ClientIp,
    jar: CookieJar,
    ApiJson(body): ApiJson<SignIn>,
) -> AppResult<(CookieJar, ApiJson<Account>)> {
    let email = body.email.trim().to_lowercase();
    // No account has a longer one: refuse it before it costs a hash or a row.
    if email.len() > model::account::MAX_EMAIL_LEN {
        return Err(AppError::invalid(
            "email",
            format!(
                "An email address has at most {} characters.",
                model::account::MAX_EMAIL_LEN
            ),
        ));
    }
    let keys = sign_in::Keys::new(&email, address);
    let delay = sign_in::admit(&state.db, state.guard.sign_in, &keys).await?;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let found = accounts::credentials(&state.db, &email).await?;
    let stored = found
        .as_ref()
        .map(|c| c.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().into());
    let matches = {
        let _slot = state.guard.hashes.admit().await?;
        password::verify(body.password, stored).await
    };
    let account = match found {
        Some(credentials) if matches => credentials.account,
        _ => {
            sign_in::failed(&state.db, &keys).await?;
            return Err(AppError::WrongCredentials);
        }
    };
    sign_in::succeeded(&state.db, &keys).await?;
    let token = sessions::create(&state.db, account.id).await?;
    Ok((
        start_session(jar, token, state.config.secure_cookies),
        ApiJson(account),
    ))
}

/// Sign out: ends this session on every server instance. Its live streams end at once
/// on this instance, within `--events-session-check-secs` on the others.
#[utoipa::path(delete, path = "/api/session", tag = "session",
    responses((status = 204), (status = 401, body = ApiErrorBody)))]
async fn sign_out(
    axum::extract::State(state): axum::extract::State<AppState>,
    _who: SignedIn,
    jar: CookieJar,
) -> AppResult<(StatusCode, CookieJar)> {
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) {
        sessions::delete(&state.db, &token).await?;
        state
            .live
            .sessions
            .end_session(&sessions::token_hash(&token));
    }
    Ok((
        StatusCode::NO_CONTENT,
        end_session(jar, state.config.secure_cookies),
    ))
}

/// Sign out everywhere: ends every session of the account, in every browser and on
/// every server instance, this one included. Their live streams end at once on this
/// instance, within `--events-session-check-secs` on the others.
#[utoipa::path(delete, path = "/api/sessions", tag = "session",
    responses((status = 204, description = "Every session of the account has ended"),
              (status = 401, body = ApiErrorBody)))]
async fn sign_out_everywhere(
    axum::extract::State(state): axum::extract::State<AppState>,
    SignedIn(me): SignedIn,
    jar: CookieJar,
) -> AppResult<(StatusCode, CookieJar)> {
    sessions::delete_all_of(&state.db, me.id).await?;
    state.live.sessions.end_account(me.id);
    Ok((
        StatusCode::NO_CONTENT,
        end_session(jar, state.config.secure_cookies),
    ))
}
