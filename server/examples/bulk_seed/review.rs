//! The review queue of the seeded sources, written in bulk: what the server's own hooks
//! would have written had each source been made through the API (see server/src/db/review).
//! Every bench source is on `bench.example`, claimed by every partner: a duplicate claim for
//! all of them (the worst case for the queue's size), plus a spread of other reasons so
//! that a reason filter has rows to find, one of them rare.

use model::review::ReviewReason;

use crate::engine::{Engine, Result};

/// Reasons given to every `k`-th source besides the duplicate claims, with how long ago they
/// appeared. Only reasons the periodic sweep leaves as they are: traffic reasons would be
/// worked out again from the seeded clicks, and dated ones older than their window expire.
const SPREAD: [(ReviewReason, i64, i64); 3] = [
    (ReviewReason::UrlHostChanged, 7, 86_400_000),
    (ReviewReason::VerificationLost, 31, 3 * 86_400_000),
    (ReviewReason::RecentlyUnblocked, 997, 3_600_000),
];

pub async fn build(engine: &mut Engine) -> Result<u64> {
    engine
        .exec(
            "INSERT INTO review_reasons (traffic_source_id, reason, raised_at, detail)
             SELECT s.id, 'duplicate_claim', s.created_at, s.site || ' is declared by other partners too'
             FROM traffic_sources s WHERE s.site <> '' AND s.site IN
               (SELECT site FROM traffic_sources WHERE site <> '' GROUP BY site HAVING COUNT(DISTINCT partner_id) > 1)",
        )
        .await?;
    let now = server::time::now_ms();
    for (reason, every, ago) in SPREAD {
        engine
            .exec(&format!(
                "INSERT INTO review_reasons (traffic_source_id, reason, raised_at, detail)
                 SELECT id, '{}', {} - id % 1000, NULL FROM traffic_sources WHERE id % {every} = 0",
                reason.id(),
                now - ago
            ))
            .await?;
    }
    let weight = format!(
        "CASE reason {} END",
        ReviewReason::ALL
            .iter()
            .map(|r| format!("WHEN '{}' THEN {}", r.id(), r.weight()))
            .collect::<Vec<_>>()
            .join(" ")
    );
    // One row per pending reason and one under '*', each with the source's whole risk;
    // blocked sources are not in the queue.
    let pending = format!(
        "SELECT r.traffic_source_id AS id, SUM({weight}) AS risk, MAX(r.raised_at) AS raised
         FROM review_reasons r JOIN traffic_sources s ON s.id = r.traffic_source_id
         WHERE s.status <> 'blocked' GROUP BY r.traffic_source_id"
    );
    engine
        .exec(&format!(
            "INSERT INTO review_queue (reason, risk, raised_at, traffic_source_id)
             SELECT '*', p.risk, p.raised, p.id FROM ({pending}) p"
        ))
        .await?;
    engine
        .exec(&format!(
            "INSERT INTO review_queue (reason, risk, raised_at, traffic_source_id)
             SELECT r.reason, p.risk, p.raised, p.id FROM ({pending}) p JOIN review_reasons r ON r.traffic_source_id = p.id"
        ))
        .await?;
    engine
        .int("SELECT COUNT(*) FROM review_queue")
        .await
        .map(|n| n as u64)
}
