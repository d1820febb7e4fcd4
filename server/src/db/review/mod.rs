//! Staff's review queue. A source's reasons live in `review_reasons`, each since the moment
//! it appeared; the queue (`review_queue`) is derived from them by [`refresh`] whenever a
//! source's reasons, its review or its status change. Reasons appear where their cause
//! happens, inside that write's transaction (a new source, a lost proof, a moved URL, a
//! second partner on a site, an unblock); the traffic reasons and the expiry of dated ones
//! come from the periodic [`sweep`].

pub mod queue;
pub mod sweep;
pub mod undeclared;

use model::audit::AuditAction;
use model::review::ReviewReason;
use model::Status;
use sqlx::{Any, Row, Transaction};

use super::audit::{self, NewAuditEvent};
use super::Db;
use crate::time::now_ms;

pub use sweep::{sweep, Thresholds};

type Tx<'a> = Transaction<'a, Any>;

/// The registrable domain a URL declares, as stored in `traffic_sources.site`: '' on a
/// shared platform (a profile there says nothing about who owns the domain) or without a
/// host.
pub fn site_of_url(url: &str) -> String {
    if model::verification::shared_platform(url).is_some() {
        return String::new();
    }
    crate::clicks::classify::declared_site(url).unwrap_or_default()
}

/// Starts (or keeps) a reason. A reason already there keeps its time, so that a review
/// stays valid while nothing new happens; `detail` is brought up to date.
pub async fn raise(
    tx: &mut Tx<'_>,
    id: i64,
    reason: ReviewReason,
    at: i64,
    detail: Option<&str>,
) -> Result<(), sqlx::Error> {
    upsert(tx, id, reason, at, detail, "detail = excluded.detail").await
}

/// Starts a reason again from `at`, even if it was there: an event that happened anew (the
/// URL moved again, another unblock) is news for a reviewer.
pub async fn raise_anew(
    tx: &mut Tx<'_>,
    id: i64,
    reason: ReviewReason,
    at: i64,
    detail: Option<&str>,
) -> Result<(), sqlx::Error> {
    upsert(
        tx,
        id,
        reason,
        at,
        detail,
        "raised_at = excluded.raised_at, detail = excluded.detail",
    )
    .await
}

async fn upsert(
    tx: &mut Tx<'_>,
    id: i64,
    reason: ReviewReason,
    at: i64,
    detail: Option<&str>,
    on_conflict: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO review_reasons (traffic_source_id, reason, raised_at, detail) VALUES ($1, $2, $3, $4)
         ON CONFLICT (traffic_source_id, reason) DO UPDATE SET {on_conflict}"
    ))
    .bind(id)
    .bind(reason.id())
    .bind(at)
    .bind(detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn clear(tx: &mut Tx<'_>, id: i64, reason: ReviewReason) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM review_reasons WHERE traffic_source_id = $1 AND reason = $2")
        .bind(id)
        .bind(reason.id())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Derives the source's queue rows from its reasons: the reasons newer than its last
/// review count, a blocked source is not in the queue (blocking was the decision).
pub async fn refresh(tx: &mut Tx<'_>, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM review_queue WHERE traffic_source_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let Some(row) = sqlx::query("SELECT status, reviewed_at FROM traffic_sources WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(());
    };
    let status: String = row.try_get("status")?;
    if status == Status::Blocked.id() {
        return Ok(());
    }
    let reviewed_at: Option<i64> = row.try_get("reviewed_at")?;
    let rows = sqlx::query(
        "SELECT reason, raised_at FROM review_reasons WHERE traffic_source_id = $1 AND raised_at > $2",
    )
    .bind(id)
    .bind(reviewed_at.unwrap_or(-1))
    .fetch_all(&mut **tx)
    .await?;
    let mut pending = Vec::with_capacity(rows.len());
    for row in rows {
        let reason: String = row.try_get("reason")?;
        if let Some(reason) = ReviewReason::from_id(&reason) {
            pending.push((reason, row.try_get::<i64, _>("raised_at")?));
        }
    }
    if pending.is_empty() {
        return Ok(());
    }
    let risk: i64 = pending.iter().map(|(r, _)| r.weight()).sum();
    let raised = pending.iter().map(|(_, at)| *at).max().unwrap_or_default();
    for reason in std::iter::once("*").chain(pending.iter().map(|(r, _)| r.id())) {
        sqlx::query(
            "INSERT INTO review_queue (reason, risk, raised_at, traffic_source_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(reason)
        .bind(risk)
        .bind(raised)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Whether a partner other than `partner_id` declares `site`. The first such row answers
/// (index `ts_site`), however many sources the others have there.
async fn shared_with_others(
    tx: &mut Tx<'_>,
    site: &str,
    partner_id: i64,
) -> Result<bool, sqlx::Error> {
    let row = sqlx::query(
        "SELECT 1 AS x FROM traffic_sources WHERE site = $1 AND partner_id <> $2 LIMIT 1",
    )
    .bind(site)
    .bind(partner_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.is_some())
}

fn claim_detail(site: &str) -> String {
    format!("{site} is declared by other partners too")
}

/// A partner's source has come to `site`: it is a duplicate claim when another partner
/// declares the site. Only this source is marked: the other partners' sources are not
/// rewritten (an add would cost as much as their number, and take the write lock that
/// long); staff see every claim on the site beside this one ([`queue::claims`]).
async fn join_site(
    tx: &mut Tx<'_>,
    id: i64,
    partner_id: i64,
    site: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    if site.is_empty() || !shared_with_others(tx, site, partner_id).await? {
        return Ok(());
    }
    let detail = claim_detail(site);
    raise(tx, id, ReviewReason::DuplicateClaim, now, Some(&detail)).await
}

/// In the creating transaction: the new source's site, and its first reasons.
pub async fn on_created(
    tx: &mut Tx<'_>,
    id: i64,
    partner_id: i64,
    url: &str,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let site = site_of_url(url);
    set_site(tx, id, &site).await?;
    if model::verification::shared_platform(url).is_none() {
        raise(tx, id, ReviewReason::NewUnverified, now, None).await?;
    }
    join_site(tx, id, partner_id, &site, now).await?;
    refresh(tx, id).await
}

async fn set_site(tx: &mut Tx<'_>, id: i64, site: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE traffic_sources SET site = $1 WHERE id = $2")
        .bind(site)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// In an edit's transaction, when the URL changed: a new host is a reason, and the
/// source's claims follow it from the old site to the new one.
pub async fn on_url_changed(
    tx: &mut Tx<'_>,
    id: i64,
    partner_id: i64,
    old_url: &str,
    new_url: &str,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let old_host = model::verification::host_of(old_url).unwrap_or_default();
    let new_host = model::verification::host_of(new_url).unwrap_or_default();
    if old_host != new_host {
        let detail = format!("from {old_host} to {new_host}");
        raise_anew(tx, id, ReviewReason::UrlHostChanged, now, Some(&detail)).await?;
    }
    let old_site = site_of_url(old_url);
    let new_site = site_of_url(new_url);
    if old_site != new_site {
        set_site(tx, id, &new_site).await?;
        // The claims of the partners left on the old site are not touched here (as many
        // as they have): the sweep clears those nobody else shares any more.
        clear(tx, id, ReviewReason::DuplicateClaim).await?;
        join_site(tx, id, partner_id, &new_site, now).await?;
        if new_site.is_empty() {
            // On a shared platform a proof is impossible, so "not verified" is no reason.
            clear(tx, id, ReviewReason::NewUnverified).await?;
        }
    }
    refresh(tx, id).await
}

/// In a check's transaction: a proof was found.
pub async fn on_verified(tx: &mut Tx<'_>, id: i64) -> Result<(), sqlx::Error> {
    clear(tx, id, ReviewReason::NewUnverified).await?;
    clear(tx, id, ReviewReason::VerificationLost).await?;
    refresh(tx, id).await
}

/// In a check's transaction: a proof the source had is gone.
pub async fn on_verification_lost(
    tx: &mut Tx<'_>,
    id: i64,
    outcome: &str,
) -> Result<(), sqlx::Error> {
    raise_anew(
        tx,
        id,
        ReviewReason::VerificationLost,
        now_ms(),
        Some(outcome),
    )
    .await?;
    refresh(tx, id).await
}

/// In a block's or unblock's transaction.
pub async fn on_status_changed(
    tx: &mut Tx<'_>,
    id: i64,
    unblocked: bool,
) -> Result<(), sqlx::Error> {
    if unblocked {
        raise_anew(tx, id, ReviewReason::RecentlyUnblocked, now_ms(), None).await?;
    } else {
        clear(tx, id, ReviewReason::RecentlyUnblocked).await?;
    }
    refresh(tx, id).await
}

/// Whether a source was found to mark.
#[derive(Debug, PartialEq, Eq)]
pub enum Marked {
    Done,
    NotFound,
}

/// Staff looked and left the source as it is: it leaves the queue until a new reason
/// appears. Audited with the reasons it had and staff's note, both for staff's eyes.
pub async fn mark_reviewed(
    db: &Db,
    id: i64,
    staff_id: i64,
    note: Option<&str>,
) -> Result<Marked, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query("UPDATE traffic_sources SET reviewed_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(Marked::NotFound);
    }
    let reasons: Vec<String> = sqlx::query(
        "SELECT reason FROM review_queue WHERE traffic_source_id = $1 AND reason <> '*' ORDER BY reason",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.try_get::<String, _>("reason"))
    .collect::<Result<_, _>>()?;
    let labels: Vec<&str> = reasons
        .iter()
        .filter_map(|r| ReviewReason::from_id(r))
        .map(ReviewReason::label)
        .collect();
    let reasons_text = if labels.is_empty() {
        "no pending reasons".to_string()
    } else {
        labels.join("; ")
    };
    let note = match note {
        Some(n) => format!("{n}\n(Reasons reviewed: {reasons_text}.)"),
        None => format!("Reasons reviewed: {reasons_text}."),
    };
    audit::record(
        &mut tx,
        NewAuditEvent {
            source_id: id,
            actor_id: staff_id,
            action: AuditAction::Reviewed,
            changes: &[],
            reason: None,
            note: Some(&note),
        },
    )
    .await?;
    refresh(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Marked::Done)
}
