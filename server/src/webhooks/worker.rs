//! Delivers the webhook outbox: every `--webhook-poll-ms` (or at once when woken) it
//! claims endpoints with an event due and delivers each endpoint's events one at a time,
//! oldest first, many endpoints side by side. See `db::webhooks::outbox` for the claim.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use super::send::Signed;
use super::{signing, Webhooks};
use crate::db::webhooks::outbox::{self, Attempt, Claimed, Recorded};
use crate::db::Db;
use crate::time::now_ms;

/// Endpoints one instance delivers to at once.
const PARALLEL: usize = 16;
/// Events delivered under one claim before it is given back, so a busy endpoint does not
/// keep a slot from the others for ever.
const PER_CLAIM: usize = 100;

/// Delivers what is due for one claimed endpoint, in order, until nothing is, a delivery
/// fails, or the claim is lost.
pub async fn deliver(db: &Db, hooks: &Webhooks, mut claimed: Claimed) -> Result<(), sqlx::Error> {
    for _ in 0..PER_CLAIM {
        let Some(message) = outbox::head(db, claimed.id).await? else {
            return outbox::release(db, &claimed).await;
        };
        // Fresh for this send: a lease of its own, the secrets and address as they are now.
        let Some(fresh) = outbox::renew(db, &claimed, hooks.policy.lease_ms).await? else {
            return Ok(());
        };
        claimed = fresh;
        let timestamp = now_ms() / 1000;
        let secrets: Vec<&str> = claimed.secrets.iter().map(String::as_str).collect();
        let signature =
            signing::signature_header(&secrets, &message.message_id, timestamp, &message.payload);
        let signed = Signed {
            message_id: &message.message_id,
            timestamp,
            signature: &signature,
            body: &message.payload,
        };
        let at = now_ms();
        let send = hooks.sender.post(&claimed.url, &signed);
        tokio::pin!(send);
        let mut renewals =
            tokio::time::interval(Duration::from_millis((hooks.policy.lease_ms / 3) as u64));
        renewals.tick().await;
        // The lease is renewed while the send runs, whatever the timeout is set to.
        let answer = loop {
            tokio::select! {
                answer = &mut send => break answer,
                _ = renewals.tick() => { outbox::renew(db, &claimed, hooks.policy.lease_ms).await?; }
            }
        };
        let attempt = Attempt {
            at,
            ok: answer.ok(),
            status: answer.status.map(i64::from),
            latency_ms: answer.latency_ms,
            response: answer.response,
            error: answer.error,
        };
        match outbox::record(db, &claimed, &message, &attempt, hooks.policy).await? {
            Recorded::Delivered => {}
            Recorded::Retry(_) | Recorded::LostClaim => return Ok(()),
            Recorded::Disabled => {
                tracing::warn!(
                    endpoint = claimed.id,
                    "webhook endpoint disabled after failing for the whole failure period"
                );
                return Ok(());
            }
        }
    }
    outbox::release(db, &claimed).await
}

/// The webhook worker of this instance.
pub struct Worker {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Worker {
    pub fn spawn(db: Db, hooks: Arc<Webhooks>, every: Duration) -> Worker {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            let mut running: JoinSet<()> = JoinSet::new();
            loop {
                let room = PARALLEL - running.len();
                if room > 0 {
                    match outbox::claim(&db, room as i64, hooks.policy.lease_ms).await {
                        Ok(claimed) => {
                            for endpoint in claimed {
                                let (db, hooks) = (db.clone(), hooks.clone());
                                running.spawn(async move {
                                    let id = endpoint.id;
                                    if let Err(e) = deliver(&db, &hooks, endpoint).await {
                                        tracing::warn!(endpoint = id, error = %e, "delivering webhooks failed; will retry");
                                    }
                                });
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "claiming webhook endpoints failed; will retry")
                        }
                    }
                }
                let stopping = tokio::select! {
                    _ = tokio::time::sleep(every) => false,
                    _ = hooks.wake.notified() => false,
                    Some(_) = running.join_next(), if !running.is_empty() => false,
                    _ = stopped.wait_for(|&s| s) => true,
                };
                if stopping {
                    // The sends in flight end within their timeout; nothing new starts.
                    while running.join_next().await.is_some() {}
                    return;
                }
            }
        });
        Worker { stop, task }
    }

    /// Lets the deliveries in flight finish, then ends (at a graceful stop).
    pub async fn finish(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
