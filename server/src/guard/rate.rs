//! Per-address rate limits on writes (GCRA, from the `governor` crate), each its own
//! setting: sign-in, sign-up, "Verify now" and every other write under `/api`. Past one:
//! 429 with `Retry-After` and a sentence. Kept in memory, so per instance: N instances
//! let an address make up to N times as many (sign-in failures, which matter across
//! instances, are also counted in the database: [`super::sign_in`]).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::http::error::AppError;
use crate::AppState;

/// Which limit a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    SignIn,
    SignUp,
    Verify,
    Write,
}

impl Class {
    /// The class of a request; `None` for reads, which are not limited here.
    pub fn of(method: &Method, path: &str) -> Option<Class> {
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
            || !path.starts_with("/api/")
        {
            return None;
        }
        Some(match (method, path) {
            (&Method::POST, "/api/session") => Class::SignIn,
            (&Method::POST, "/api/accounts") => Class::SignUp,
            (&Method::POST, p)
                if p.starts_with("/api/traffic-sources/") && p.ends_with("/verify") =>
            {
                Class::Verify
            }
            _ => Class::Write,
        })
    }

    fn sentence(self, wait: u64) -> String {
        let when = if wait <= 1 {
            "in a second".to_string()
        } else {
            format!("in {wait} seconds")
        };
        match self {
            Class::SignIn => {
                format!("Too many sign-in attempts from your network. Try again {when}.")
            }
            Class::SignUp => format!("Too many new accounts from your network. Try again {when}."),
            Class::Verify => {
                format!("Too many ownership checks from your network. Try again {when}.")
            }
            Class::Write => {
                format!("Too many changes from your network in a short time. Try again {when}.")
            }
        }
    }
}

pub struct RateLimits {
    sign_in: DefaultKeyedRateLimiter<IpAddr>,
    sign_up: DefaultKeyedRateLimiter<IpAddr>,
    verify: DefaultKeyedRateLimiter<IpAddr>,
    writes: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

fn per_minute(n: u32) -> DefaultKeyedRateLimiter<IpAddr> {
    RateLimiter::keyed(Quota::per_minute(
        NonZeroU32::new(n.max(1)).expect("at least 1"),
    ))
}

impl RateLimits {
    pub fn from_config(config: &crate::Config) -> RateLimits {
        RateLimits {
            sign_in: per_minute(config.rate_sign_in_per_min),
            sign_up: per_minute(config.rate_sign_up_per_min),
            verify: per_minute(config.rate_verify_per_min),
            writes: per_minute(config.rate_writes_per_min),
            clock: DefaultClock::default(),
        }
    }

    fn limiter(&self, class: Class) -> &DefaultKeyedRateLimiter<IpAddr> {
        match class {
            Class::SignIn => &self.sign_in,
            Class::SignUp => &self.sign_up,
            Class::Verify => &self.verify,
            Class::Write => &self.writes,
        }
    }

    /// Counts one request of `class` from `address`; 429 past its limit.
    pub fn check(&self, class: Class, address: IpAddr) -> Result<(), AppError> {
        self.limiter(class)
            .check_key(&address)
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(self.clock.now());
                let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                AppError::RateLimited {
                    message: class.sentence(secs.max(1)),
                    retry_after_secs: secs.max(1) as i64,
                }
            })
    }

    /// Forgets addresses whose limits are full again, so memory follows the active ones.
    pub fn forget_idle(&self) {
        for class in [Class::SignIn, Class::SignUp, Class::Verify, Class::Write] {
            let limiter = self.limiter(class);
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// The middleware in front of the API.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(class) = Class::of(request.method(), request.uri().path()) {
        let address = super::client_ip::of(&state, request.headers(), request.extensions());
        if let Err(refused) = state.guard.rates.check(class, address) {
            return refused.into_response();
        }
    }
    next.run(request).await
}

/// How often [`RateLimits::forget_idle`] runs.
pub const FORGET_EVERY: Duration = Duration::from_secs(60);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_classed_and_reads_are_not_limited() {
        let get = Method::GET;
        let post = Method::POST;
        assert_eq!(Class::of(&post, "/api/session"), Some(Class::SignIn));
        assert_eq!(Class::of(&post, "/api/accounts"), Some(Class::SignUp));
        assert_eq!(
            Class::of(&post, "/api/traffic-sources/7/verify"),
            Some(Class::Verify)
        );
        assert_eq!(
            Class::of(&Method::DELETE, "/api/session"),
            Some(Class::Write)
        );
        assert_eq!(
            Class::of(&Method::PUT, "/api/traffic-sources/7"),
            Some(Class::Write)
        );
        assert_eq!(Class::of(&get, "/api/traffic-sources"), None);
        assert_eq!(Class::of(&get, "/t/abc"), None);
    }

    #[test]
    fn past_the_limit_an_address_waits_and_another_does_not() {
        let mut config = crate::Config::for_tests("sqlite::memory:");
        config.rate_sign_in_per_min = 3;
        let limits = RateLimits::from_config(&config);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            limits.check(Class::SignIn, a).unwrap();
        }
        match limits.check(Class::SignIn, a) {
            Err(AppError::RateLimited {
                retry_after_secs,
                message,
            }) => {
                assert!((1..=20).contains(&retry_after_secs), "{retry_after_secs}");
                assert!(
                    message.starts_with("Too many sign-in attempts"),
                    "{message}"
                );
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        limits.check(Class::SignIn, b).unwrap();
        limits.check(Class::Write, a).unwrap();
    }
}
