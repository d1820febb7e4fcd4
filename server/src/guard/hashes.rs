//! A ceiling on password hashes in flight. Each Argon2 hash takes tens of milliseconds of
//! a core and 19 MiB; without a ceiling a sign-in flood queues thousands on the blocking
//! pool and every honest sign-in waits behind them. Past the ceiling a request waits
//! briefly for a slot, then is answered 503 with `Retry-After`.

use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::http::error::AppError;

pub struct HashAdmission {
    slots: Semaphore,
    wait: Duration,
}

impl HashAdmission {
    /// `slots` hashes at once (default twice the cores), each waiting at most `wait`.
    pub fn new(slots: Option<u32>, wait: Duration) -> HashAdmission {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let slots = slots.map_or(cores * 2, |n| n as usize).max(1);
        HashAdmission {
            slots: Semaphore::new(slots),
            wait,
        }
    }

    pub fn from_config(config: &crate::Config) -> HashAdmission {
        HashAdmission::new(
            config.max_password_hashes,
            Duration::from_millis(config.password_hash_wait_ms),
        )
    }

    /// A slot to hash in, held until dropped; 503 when none frees up in time.
    pub async fn admit(&self) -> Result<SemaphorePermit<'_>, AppError> {
        match tokio::time::timeout(self.wait, self.slots.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(AppError::Busy {
                message: "Too many people are signing in right now. Try again in a moment.".into(),
                retry_after_secs: 2,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn past_the_ceiling_a_request_waits_then_is_told_to_come_back() {
        let admission = HashAdmission::new(Some(2), Duration::from_millis(50));
        let a = admission.admit().await.unwrap();
        let _b = admission.admit().await.unwrap();
        assert!(matches!(
            admission.admit().await,
            Err(AppError::Busy { .. })
        ));
        drop(a);
        assert!(admission.admit().await.is_ok());
    }
}
