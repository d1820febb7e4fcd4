//! Signed webhooks: partners and advertisers register endpoints (`http/webhooks.rs`,
//! `db/webhooks/`), and events about their sources and collaborations are POSTed to them,
//! signed per the Standard Webhooks specification ([`signing`]).
//!
//! An event is written to an outbox in the transaction of the change it tells about, by
//! one call any transaction can make: [`enqueue`]. Each instance's [`worker`] then
//! delivers it ([`send`]), retrying with a doubling wait, one delivery at a time per
//! endpoint and in order; an endpoint that fails for the whole failure period is turned off
//! and its owner told.

pub mod events;
pub mod send;
pub mod signing;
pub mod worker;

use std::time::Duration;

pub use crate::db::webhooks::outbox::enqueue;
use crate::db::webhooks::outbox::Policy;
use crate::Config;

/// What the API and the worker share.
pub struct Webhooks {
    pub sender: send::Sender,
    pub policy: Policy,
    /// Wakes this instance's worker (a test event, a write that may have queued events).
    pub wake: tokio::sync::Notify,
}

impl Webhooks {
    pub fn new(config: &Config, fetcher: crate::verify::fetch::Fetcher) -> Webhooks {
        Webhooks {
            sender: send::Sender::new(fetcher, Duration::from_millis(config.webhook_timeout_ms)),
            policy: Policy {
                retry_base_ms: config.webhook_retry_base_ms,
                disable_after_ms: config.webhook_disable_after_secs.saturating_mul(1000) as i64,
                lease_ms: 3 * config.webhook_timeout_ms as i64,
            },
            wake: tokio::sync::Notify::new(),
        }
    }

    /// Has this instance's worker look for due events now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}
