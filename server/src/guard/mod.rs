//! The perimeter, in one place: what stands between the open internet and the handlers.
//!
//! - [`serve`]: the server itself, with header, idle and send timeouts and caps on
//!   connections per instance and per address ([`connections`] keeps their state);
//! - [`timeouts`]: the body deadline and the request timeout;
//! - [`client_ip`]: THE client's address, used by everything below and the click path;
//! - [`rate`]: per-address rate limits on writes;
//! - [`sign_in`]: failed sign-ins counted per (account, address), per address, per account;
//! - [`hashes`]: the ceiling on password hashes in flight;
//! - [`exports`]: caps on CSV exports running at once;
//! - [`purge`]: the schedule that forgets old throttle rows and expired sessions.

pub mod client_ip;
pub mod connections;
pub mod exports;
pub mod hashes;
pub mod purge;
pub mod rate;
pub mod serve;
pub mod sign_in;
pub mod timeouts;

use std::sync::Arc;

pub use client_ip::ClientIp;
pub use serve::{serve, ServerLimits};

/// The perimeter's state shared by every request (`AppState::guard`).
pub struct Perimeter {
    pub client_address: client_ip::ClientAddressRule,
    pub rates: rate::RateLimits,
    pub sign_in: sign_in::SignInLimits,
    pub hashes: hashes::HashAdmission,
    pub exports: Arc<exports::ExportSlots>,
    pub deadlines: timeouts::Deadlines,
}

impl Perimeter {
    pub fn from_config(config: &crate::Config) -> Perimeter {
        Perimeter {
            client_address: client_ip::ClientAddressRule::from_config(config),
            rates: rate::RateLimits::from_config(config),
            sign_in: sign_in::SignInLimits::from_config(config),
            hashes: hashes::HashAdmission::from_config(config),
            exports: Arc::new(exports::ExportSlots::new(config.max_exports as usize)),
            deadlines: timeouts::Deadlines::from_config(config),
        }
    }
}
