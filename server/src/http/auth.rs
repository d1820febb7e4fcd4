//! Who is asking: extractors that read the session cookie, and role guards.
//! A handler that takes `Partner` cannot run for anyone else; the server enforces roles
//! whatever the web app shows.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use model::{Account, Role};

use super::error::AppError;
use crate::AppState;

pub const SESSION_COOKIE: &str = "ts_session";

/// Any signed-in account.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Account);

/// A signed-in partner.
pub struct Partner(pub Account);
/// A signed-in advertiser.
pub struct Advertiser(pub Account);
/// Signed-in platform staff.
pub struct Staff(pub Account);

pub fn session_token(parts: &Parts) -> Option<String> {
    CookieJar::from_headers(&parts.headers)
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_string())
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(account) = parts.extensions.get::<SignedIn>() {
            return Ok(account.clone());
        }
        let token = session_token(parts).ok_or(AppError::Unauthenticated)?;
        let account = crate::db::sessions::account(&state.db, &token)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let signed_in = SignedIn(account);
        parts.extensions.insert(signed_in.clone());
        Ok(signed_in)
    }
}

macro_rules! role_guard {
    ($name:ident, $role:expr, $message:literal) => {
        impl FromRequestParts<AppState> for $name {
            type Rejection = AppError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, Self::Rejection> {
                let SignedIn(account) = SignedIn::from_request_parts(parts, state).await?;
                if account.role == $role {
                    Ok($name(account))
                } else {
                    Err(AppError::Forbidden($message))
                }
            }
        }
    };
}

role_guard!(Partner, Role::Partner, "Only partners can do this.");
role_guard!(
    Advertiser,
    Role::Advertiser,
    "Only advertisers can do this."
);
role_guard!(Staff, Role::Staff, "Only platform staff can do this.");

/// A partner or staff: the two roles that read traffic sources directly.
pub struct PartnerOrStaff(pub Account);

impl FromRequestParts<AppState> for PartnerOrStaff {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let SignedIn(account) = SignedIn::from_request_parts(parts, state).await?;
        match account.role {
            Role::Partner | Role::Staff => Ok(PartnerOrStaff(account)),
            Role::Advertiser => Err(AppError::Forbidden(
                "Advertisers browse traffic sources in the marketplace.",
            )),
        }
    }
}

/// A readable companion of the session cookie, holding no secret: it only tells the web
/// app that asking "who am I?" is worth a request (a signed-out visitor's 401 would be
/// logged by the browser as an error on every page). The server still decides.
pub const SIGNED_IN_HINT_COOKIE: &str = "ts_signed_in";

/// Starts a session in the browser: the session cookie, HttpOnly (no script can read it)
/// and SameSite=Lax, and its readable hint with the same lifetime.
pub fn start_session(jar: CookieJar, token: String, secure: bool) -> CookieJar {
    jar.add(session_cookie(SESSION_COOKIE, token, true, secure))
        .add(session_cookie(
            SIGNED_IN_HINT_COOKIE,
            "1".into(),
            false,
            secure,
        ))
}

/// Ends the session in the browser: both cookies expire.
pub fn end_session(jar: CookieJar, secure: bool) -> CookieJar {
    let mut session = session_cookie(SESSION_COOKIE, String::new(), true, secure);
    session.make_removal();
    let mut hint = session_cookie(SIGNED_IN_HINT_COOKIE, String::new(), false, secure);
    hint.make_removal();
    jar.add(session).add(hint)
}

fn session_cookie(
    name: &'static str,
    value: String,
    http_only: bool,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(http_only)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(::time::Duration::milliseconds(
            crate::db::sessions::SESSION_TTL_MS,
        ))
        .build()
}
