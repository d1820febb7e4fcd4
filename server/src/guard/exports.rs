//! Caps on CSV exports of sources: one at a time per account, and `--max-exports` per
//! instance. An export streams for as long as its client reads, so without caps one free
//! account could keep many running. Past a cap: 429 in words.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::http::error::AppError;

pub struct ExportSlots {
    max: usize,
    running: Mutex<HashSet<i64>>,
}

/// An export running for an account; its drop ends it.
pub struct ExportSlot {
    slots: Arc<ExportSlots>,
    account: i64,
}

impl ExportSlots {
    pub fn new(max: usize) -> ExportSlots {
        ExportSlots {
            max: max.max(1),
            running: Mutex::new(HashSet::new()),
        }
    }

    pub fn take(self: &Arc<Self>, account: i64) -> Result<ExportSlot, AppError> {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if running.contains(&account) {
            return Err(AppError::RateLimited {
                message: "An export of yours is still downloading. Wait for it to finish, then try again.".into(),
                retry_after_secs: 10,
            });
        }
        if running.len() >= self.max {
            return Err(AppError::RateLimited {
                message: "Too many exports are running right now. Try again in a minute.".into(),
                retry_after_secs: 30,
            });
        }
        running.insert(account);
        Ok(ExportSlot {
            slots: self.clone(),
            account,
        })
    }
}

impl Drop for ExportSlot {
    fn drop(&mut self) {
        self.slots
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_export_per_account_and_a_few_per_instance() {
        let slots = Arc::new(ExportSlots::new(2));
        let a = slots.take(1).unwrap();
        assert!(slots.take(1).is_err(), "one per account");
        let _b = slots.take(2).unwrap();
        assert!(slots.take(3).is_err(), "two per instance");
        drop(a);
        assert!(slots.take(1).is_ok());
    }
}
