//! Sends the outbox: every `--email-poll-ms` it claims the due emails, sends each, and
//! marks it sent, due again later (backing off) or failed (refused for good, or out of
//! attempts; staff see those at `GET /api/admin/emails`).

use std::sync::Arc;
use std::time::Duration;

use model::notification::retry_delay_ms;

use super::{Mailer, SendError};
use crate::db::{outbox, Db};
use crate::time::now_ms;

/// How many emails one pass claims at most.
const BATCH: i64 = 50;

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub retry_base_ms: i64,
    pub max_attempts: i64,
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// Sends what is due now, until nothing is.
pub async fn pass(db: &Db, mailer: &Mailer, policy: Policy) -> Result<Pass, sqlx::Error> {
    let mut done = Pass::default();
    loop {
        let claimed = outbox::claim(db, BATCH).await?;
        if claimed.is_empty() {
            return Ok(done);
        }
        for email in &claimed {
            match mailer.send(email).await {
                Ok(()) => {
                    outbox::mark_sent(db, email.id).await?;
                    done.sent += 1;
                }
                Err(SendError::Transient(e)) if email.attempts < policy.max_attempts => {
                    let at = now_ms() + retry_delay_ms(policy.retry_base_ms, email.attempts);
                    tracing::info!(email = email.id, attempts = email.attempts, error = %e, "email not sent; will retry");
                    outbox::mark_retry(db, email.id, at, &e).await?;
                    done.retried += 1;
                }
                Err(SendError::Transient(e)) => {
                    tracing::warn!(email = email.id, error = %e, "email not sent after its last attempt");
                    outbox::mark_failed(
                        db,
                        email.id,
                        &format!("gave up after {} attempts: {e}", email.attempts),
                    )
                    .await?;
                    done.failed += 1;
                }
                Err(SendError::Permanent(e)) => {
                    tracing::warn!(email = email.id, error = %e, "email refused for good");
                    outbox::mark_failed(db, email.id, &e).await?;
                    done.failed += 1;
                }
            }
        }
    }
}

/// The outbox worker of this instance.
pub struct Worker {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Worker {
    pub fn spawn(db: Db, mailer: Arc<Mailer>, policy: Policy, every: Duration) -> Worker {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                if let Err(e) = pass(&db, &mailer, policy).await {
                    tracing::warn!(error = %e, "sending the email outbox failed; will retry");
                }
                let stopping = tokio::select! {
                    _ = tokio::time::sleep(every) => false,
                    _ = stopped.wait_for(|&s| s) => true,
                };
                if stopping {
                    // A last pass at a stop: what is due goes out before the exit.
                    if let Err(e) = pass(&db, &mailer, policy).await {
                        tracing::warn!(error = %e, "sending the email outbox at the stop failed");
                    }
                    return;
                }
            }
        });
        Worker { stop, task }
    }

    /// Sends what is due once more, then ends (at a graceful stop).
    pub async fn finish(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
