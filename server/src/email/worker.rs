//! Sends the outbox: every `--email-poll-ms` it claims the due emails, sends each, and
//! marks it sent, due again later (backing off) or failed (refused for good, or out of
//! attempts; staff see those at `GET /api/admin/emails`).
//!
//! A batch may take longer than the lease (50 emails at up to 15 s each): so each email's
//! lease is renewed just before its send and while it runs, and one whose claim another
//! instance took meanwhile is left to it (`db::outbox::begin`).

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
    /// How long a claim holds without renewal (`--email-lease-ms`).
    pub lease_ms: i64,
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
        let claimed = outbox::claim(db, BATCH, policy.lease_ms).await?;
        if claimed.is_empty() {
            return Ok(done);
        }
        for email in &claimed {
            // The batch's lease may have run out while the emails before this one went.
            let Some(email) = outbox::begin(db, email, policy.lease_ms).await? else {
                tracing::info!(
                    email = email.id,
                    "another instance took the email before its turn here; left to it"
                );
                continue;
            };
            let email = &email;
            let marked = match send_renewing(db, mailer, email, policy.lease_ms).await? {
                Ok(()) => {
                    done.sent += 1;
                    metrics::counter!(crate::ops::metrics::OUTBOX_SENT).increment(1);
                    outbox::mark_sent(db, email).await?
                }
                Err(SendError::Transient(e)) if email.attempts < policy.max_attempts => {
                    let at = now_ms() + retry_delay_ms(policy.retry_base_ms, email.attempts);
                    tracing::info!(email = email.id, attempts = email.attempts, error = %e, "email not sent; will retry");
                    done.retried += 1;
                    outbox::mark_retry(db, email, at, &e).await?
                }
                Err(SendError::Transient(e)) => {
                    tracing::warn!(email = email.id, error = %e, "email not sent after its last attempt");
                    done.failed += 1;
                    metrics::counter!(crate::ops::metrics::OUTBOX_FAILED).increment(1);
                    outbox::mark_failed(
                        db,
                        email,
                        &format!("gave up after {} attempts: {e}", email.attempts),
                    )
                    .await?
                }
                Err(SendError::Permanent(e)) => {
                    tracing::warn!(email = email.id, error = %e, "email refused for good");
                    done.failed += 1;
                    metrics::counter!(crate::ops::metrics::OUTBOX_FAILED).increment(1);
                    outbox::mark_failed(db, email, &e).await?
                }
            };
            if !marked {
                tracing::warn!(email = email.id, "the email's claim was lost during its send; its mark is left to the new holder");
            }
        }
    }
}

/// Sends one email, renewing its lease every third of it while the send runs (whatever
/// the SMTP timeout is).
async fn send_renewing(
    db: &Db,
    mailer: &Mailer,
    email: &outbox::Claimed,
    lease_ms: i64,
) -> Result<Result<(), SendError>, sqlx::Error> {
    let send = mailer.send(email);
    tokio::pin!(send);
    let mut renewals = tokio::time::interval(Duration::from_millis((lease_ms / 3).max(1) as u64));
    renewals.tick().await;
    loop {
        tokio::select! {
            answer = &mut send => return Ok(answer),
            _ = renewals.tick() => { outbox::renew(db, email, lease_ms).await?; }
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
