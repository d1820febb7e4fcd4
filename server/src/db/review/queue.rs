//! Reading the review queue: a page riskiest first (all reasons, or one), and the evidence
//! of one source.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use model::review::{
    Claim, ReviewEvidence, ReviewItem, ReviewReason, ReviewReasonEntry, VerificationAttempt,
};
use model::verification::VerificationMethod;
use model::Status;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::db::{sources, verification::EVIDENCE_ATTEMPTS, Db};
use crate::time::rfc3339;

/// Where a page ended: the last row's risk, time and source id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueCursor(pub i64, pub i64, pub i64);

impl QueueCursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }
    pub fn decode(text: &str) -> Option<QueueCursor> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).ok()?).ok()
    }
}

/// Above this many entries a page answers no total: counting a huge queue costs more than
/// the page, and no bulk action reaches past 500 anyway.
pub const COUNT_CAP: i64 = 1_000;

/// One page of the queue (or of one reason), riskiest first, newest first within a risk.
pub async fn page(
    db: &Db,
    reason: Option<ReviewReason>,
    after: Option<QueueCursor>,
    limit: i64,
) -> Result<(Vec<ReviewItem>, Option<String>), sqlx::Error> {
    let key = reason.map_or("*", ReviewReason::id);
    let rows = match after {
        None => {
            sqlx::query(
                "SELECT traffic_source_id, risk, raised_at FROM review_queue WHERE reason = $1
             ORDER BY risk DESC, raised_at DESC, traffic_source_id DESC LIMIT $2",
            )
            .bind(key)
            .bind(limit + 1)
            .fetch_all(&db.pool)
            .await?
        }
        Some(QueueCursor(risk, at, id)) => {
            sqlx::query(
                "SELECT traffic_source_id, risk, raised_at FROM review_queue WHERE reason = $1
             AND (risk, raised_at, traffic_source_id) < ($2, $3, $4)
             ORDER BY risk DESC, raised_at DESC, traffic_source_id DESC LIMIT $5",
            )
            .bind(key)
            .bind(risk)
            .bind(at)
            .bind(id)
            .bind(limit + 1)
            .fetch_all(&db.pool)
            .await?
        }
    };
    let mut order = Vec::with_capacity(rows.len());
    for row in &rows {
        order.push(QueueCursor(
            row.try_get("risk")?,
            row.try_get("raised_at")?,
            row.try_get("traffic_source_id")?,
        ));
    }
    let next = (order.len() as i64 > limit).then(|| order[limit as usize - 1].encode());
    order.truncate(limit as usize);
    let ids: Vec<i64> = order.iter().map(|c| c.2).collect();
    let mut by_id: HashMap<i64, _> = sources::get_many(db, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut reasons = pending_reasons(db, &ids).await?;
    let items = order
        .iter()
        .filter_map(|c| {
            by_id.remove(&c.2).map(|source| ReviewItem {
                source,
                risk: c.0,
                reasons: reasons.remove(&c.2).unwrap_or_default(),
            })
        })
        .collect();
    Ok((items, next))
}

/// How many entries the queue (or one reason) holds, or `None` past [`COUNT_CAP`].
pub async fn count(db: &Db, reason: Option<ReviewReason>) -> Result<Option<i64>, sqlx::Error> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM review_queue WHERE reason = $1 LIMIT $2) AS capped",
    )
    .bind(reason.map_or("*", ReviewReason::id))
    .bind(COUNT_CAP + 1)
    .fetch_one(&db.pool)
    .await?
    .try_get("n")?;
    Ok((n <= COUNT_CAP).then_some(n))
}

/// The pending reasons of each source (those its queue rows name), riskiest first.
async fn pending_reasons(
    db: &Db,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<ReviewReasonEntry>>, sqlx::Error> {
    let mut out: HashMap<i64, Vec<ReviewReasonEntry>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let list = crate::db::in_list(1, ids.len());
    let sql = format!(
        "SELECT r.traffic_source_id, r.reason, r.raised_at, r.detail FROM review_reasons r
         JOIN review_queue q ON q.traffic_source_id = r.traffic_source_id AND q.reason = r.reason
         WHERE r.traffic_source_id IN ({list})"
    );
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    for row in q.fetch_all(&db.pool).await? {
        let reason: String = row.try_get("reason")?;
        let Some(reason) = ReviewReason::from_id(&reason) else {
            continue;
        };
        out.entry(row.try_get("traffic_source_id")?)
            .or_default()
            .push(ReviewReasonEntry {
                reason,
                label: reason.label().into(),
                detail: row.try_get("detail")?,
                since: rfc3339(row.try_get("raised_at")?),
            });
    }
    for entries in out.values_mut() {
        entries.sort_by_key(|e| (-e.reason.weight(), e.reason.id()));
    }
    Ok(out)
}

/// Everything staff weigh about one source, or `None` when there is no such source.
pub async fn evidence(db: &Db, id: i64) -> Result<Option<ReviewEvidence>, sqlx::Error> {
    let Some(source) = sources::get(db, id).await? else {
        return Ok(None);
    };
    let row = sqlx::query("SELECT site, reviewed_at FROM traffic_sources WHERE id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await?;
    let site: Option<String> = row
        .try_get::<Option<String>, _>("site")?
        .filter(|s| !s.is_empty());
    let reviewed_at: Option<i64> = row.try_get("reviewed_at")?;
    let reasons = pending_reasons(db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let risk = reasons.iter().map(|r| r.reason.weight()).sum();
    let claims = match &site {
        Some(site) => claims(db, site, id).await?,
        None => Vec::new(),
    };
    let attempts = sqlx::query(
        "SELECT at, kind, method, outcome FROM verification_attempts WHERE traffic_source_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(id)
    .bind(EVIDENCE_ATTEMPTS)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(VerificationAttempt {
            at: rfc3339(r.try_get("at")?),
            kind: r.try_get("kind")?,
            method: r
                .try_get::<Option<String>, _>("method")?
                .as_deref()
                .and_then(VerificationMethod::from_id),
            outcome: r.try_get("outcome")?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    Ok(Some(ReviewEvidence {
        source,
        risk,
        reasons,
        reviewed_at: reviewed_at.map(rfc3339),
        site,
        claims,
        attempts,
    }))
}

/// The sources declaring `site`, oldest first, up to 50, and `id` (the source looked at)
/// wherever it comes: a site can hold a thousand of one partner's sources before it.
pub async fn claims(db: &Db, site: &str, id: i64) -> Result<Vec<Claim>, sqlx::Error> {
    sqlx::query(
        "SELECT s.id, s.name, s.url, s.partner_id, a.display_name, s.status, s.verified_method, s.created_at
         FROM traffic_sources s JOIN accounts a ON a.id = s.partner_id
         WHERE s.id IN (SELECT id FROM (SELECT id FROM traffic_sources WHERE site = $1 ORDER BY created_at, id LIMIT 50) AS oldest)
            OR s.id = $2
         ORDER BY s.created_at, s.id",
    )
    .bind(site)
    .bind(id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        let status: String = r.try_get("status")?;
        Ok(Claim {
            source_id: r.try_get("id")?,
            source_name: r.try_get("name")?,
            url: r.try_get("url")?,
            partner_id: r.try_get("partner_id")?,
            partner_name: r.try_get("display_name")?,
            status: Status::from_id(&status).unwrap_or(Status::Paused),
            verified: r.try_get::<Option<String>, _>("verified_method")?.is_some(),
            created_at: rfc3339(r.try_get("created_at")?),
        })
    })
    .collect()
}

/// Whether a partner other than `partner_id` has verified a source on the source's site:
/// the owner's notice (not a refusal: agencies and subdomains are legitimate).
pub async fn verified_elsewhere(db: &Db, id: i64, partner_id: i64) -> Result<bool, sqlx::Error> {
    let row = sqlx::query(
        "SELECT 1 AS x FROM traffic_sources o JOIN traffic_sources s ON s.id = $1
         WHERE s.site <> '' AND o.site = s.site AND o.partner_id <> $2 AND o.verified_method IS NOT NULL LIMIT 1",
    )
    .bind(id)
    .bind(partner_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.is_some())
}
