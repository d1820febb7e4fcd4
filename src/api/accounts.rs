//! Session and accounts: who is signed in, signing in, up and out.

use gloo_net::http::Request;
use model::{Account, SignIn, SignUp};

use super::{build, json, send, with_body, ApiResult};

/// Who is signed in; `Ok(None)` when nobody is (401).
pub async fn current_account() -> ApiResult<Option<Account>> {
    match json::<Account>(build(Request::get("/api/session"))).await {
        Ok(account) => Ok(Some(account)),
        Err(e) if e.is_unauthenticated() => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn sign_in(body: &SignIn) -> ApiResult<Account> {
    json(with_body(Request::post("/api/session"), body)).await
}

pub async fn sign_out() -> ApiResult<()> {
    send(build(Request::delete("/api/session")))
        .await
        .map(|_| ())
}

/// Ends every session of the account, this browser's included.
pub async fn sign_out_everywhere() -> ApiResult<()> {
    send(build(Request::delete("/api/sessions")))
        .await
        .map(|_| ())
}

pub async fn sign_up(body: &SignUp) -> ApiResult<Account> {
    json(with_body(Request::post("/api/accounts"), body)).await
}
