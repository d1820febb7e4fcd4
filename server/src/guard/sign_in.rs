//! Failed sign-ins slow the address that makes them, never the owner elsewhere.
//!
//! Failures are counted in the database (so on every instance) within a 15-minute window
//! under three keys: the (account, address) pair, the address, and the account.
//! - the pair past `--sign-in-max-failures`: that address may not sign in to that account
//!   until the window ends (429 `too_many_attempts`), whatever password it sends;
//! - the address past `--sign-in-max-failures-per-address`: it may not sign in at all
//!   until the window ends (429 `rate_limited`);
//! - the account, from many addresses (a distributed guess): each attempt on it waits a
//!   second before its password is checked. A delay, never a lock: the right password
//!   from an address that has not failed always gets in.
//!
//! Keys are SHA-256 digests, so a row holds no address or email in the clear and has a
//! fixed size whatever was typed; rows are purged once their window has passed
//! ([`super::purge`]).

use std::net::IpAddr;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::db::{throttle, Db};
use crate::http::error::AppError;

/// How long failures are remembered, from the first one.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failures on one account, from all addresses, past which each attempt waits.
pub const ACCOUNT_SLOWDOWN_AFTER: i64 = 20;
/// That wait.
pub const ACCOUNT_SLOWDOWN: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy)]
pub struct SignInLimits {
    pub max_per_pair: i64,
    pub max_per_address: i64,
}

impl SignInLimits {
    pub fn from_config(config: &crate::Config) -> SignInLimits {
        SignInLimits {
            max_per_pair: config.sign_in_max_failures,
            max_per_address: config.sign_in_max_failures_per_address,
        }
    }
}

/// The three keys of a sign-in attempt: pair, address, account.
pub struct Keys([String; 3]);

impl Keys {
    pub fn new(email: &str, address: IpAddr) -> Keys {
        let key = |parts: &[&str]| {
            let mut hash = Sha256::new();
            for part in parts {
                hash.update(part.as_bytes());
                hash.update([0]);
            }
            URL_SAFE_NO_PAD.encode(hash.finalize())
        };
        let address = address.to_string();
        Keys([
            key(&["pair", email, &address]),
            key(&["address", &address]),
            key(&["account", email]),
        ])
    }
}

/// Whether the attempt may go on: `Ok(delay)` to wait before checking the password, or
/// the refusal.
pub async fn admit(db: &Db, limits: SignInLimits, keys: &Keys) -> Result<Duration, AppError> {
    let counts = throttle::counts(db, &keys.0, WINDOW_MS).await?;
    let (pair, address, account) = (&counts[0], &counts[1], &counts[2]);
    if pair.failures >= limits.max_per_pair {
        return Err(AppError::TooManyAttempts {
            retry_after_secs: pair.remaining_ms / 1000 + 1,
        });
    }
    if address.failures >= limits.max_per_address {
        let minutes = (address.remaining_ms / 60_000 + 1).max(1);
        return Err(AppError::RateLimited {
            message: format!(
                "Too many failed sign-ins from your network. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            ),
            retry_after_secs: address.remaining_ms / 1000 + 1,
        });
    }
    Ok(if account.failures >= ACCOUNT_SLOWDOWN_AFTER {
        ACCOUNT_SLOWDOWN
    } else {
        Duration::ZERO
    })
}

/// A wrong password (or unknown email): counted under every key.
pub async fn failed(db: &Db, keys: &Keys) -> Result<(), AppError> {
    Ok(throttle::record(db, &keys.0, WINDOW_MS).await?)
}

/// The right password: this address starts afresh on this account. The address's and the
/// account's counts stay (an attacker with one account of their own must not be able to
/// wipe them).
pub async fn succeeded(db: &Db, keys: &Keys) -> Result<(), AppError> {
    Ok(throttle::clear(db, &keys.0[0]).await?)
}
