//! Staff's bulk actions: mixed results, each source audited and notified as a single action
//! would be, targets by filter (and the 500 cap), and refusals that write nothing.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

use crate::both_engines;
use crate::review::reasons_of;
use crate::support::{error_code, spawn_app, Engine, TestApp, User};

both_engines!(
    bulk_block_reports_each_source_and_audits_and_notifies_each,
    bulk_unblock_and_mark_reviewed_by_filter,
    bad_bulk_requests_are_refused_and_write_nothing,
);

async fn bulk(staff: &User, body: Value) -> Value {
    let r = staff.post("/api/admin/traffic-sources/bulk", &body).await;
    assert_eq!(r.status(), StatusCode::OK, "bulk {body}");
    r.json().await.unwrap()
}

async fn count(app: &TestApp, sql: &str, id: i64) -> i64 {
    sqlx::query(sql)
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

fn outcomes(answer: &Value) -> Vec<(i64, String)> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_i64().unwrap(),
                r["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn bulk_block_reports_each_source_and_audits_and_notifies_each(engine: Engine) {
    let app = spawn_app(engine).await;
    let staff = app.staff().await;
    let partner = app.partner().await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            partner
                .create_source(&format!("Bulk {i}"), &format!("https://bulk{i}.example"))
                .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    crate::admin::block(&staff, ids[2], "Earlier", None).await;
    let answer = bulk(
        &staff,
        json!({"action": "block", "ids": [ids[0], ids[1], ids[2], 999999], "reason": "Click fraud", "note": "batch 7"}),
    )
    .await;
    assert_eq!(
        outcomes(&answer),
        vec![
            (ids[0], "done".into()),
            (ids[1], "done".into()),
            (ids[2], "already_blocked".into()),
            (999999, "not_found".into())
        ]
    );
    assert_eq!(
        (answer["done"].as_i64(), answer["skipped"].as_i64()),
        (Some(2), Some(2))
    );
    for id in &ids[..2] {
        let source: Value = partner
            .get(&format!("/api/traffic-sources/{id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(source["source"]["status"], "blocked");
        assert_eq!(source["source"]["block_reason"], "Click fraud");
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM audit_events WHERE traffic_source_id = $1 AND action = 'blocked'", *id).await,
            1
        );
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM notifications WHERE traffic_source_id = $1 AND kind = 'source_blocked'", *id).await,
            1,
            "the partner is told of each source"
        );
    }
    // The one already blocked keeps its first block: one audit entry, the old reason.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE traffic_source_id = $1 AND action = 'blocked'",
            ids[2]
        )
        .await,
        1
    );
    let kept: Value = staff
        .get(&format!("/api/traffic-sources/{}", ids[2]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kept["source"]["block_reason"], "Earlier");
}

async fn bulk_unblock_and_mark_reviewed_by_filter(engine: Engine) {
    let app = spawn_app(engine).await;
    let staff = app.staff().await;
    let partner = app.partner().await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            partner
                .create_source(
                    &format!("Filtered {i}"),
                    &format!("https://filtered{i}.example"),
                )
                .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let bystander = partner
        .create_source("Bystander", "https://bystander.example")
        .await["id"]
        .as_i64()
        .unwrap();
    let answer = bulk(
        &staff,
        json!({"action": "block", "filter": "q=filtered", "reason": "Check"}),
    )
    .await;
    assert_eq!(answer["done"], 3);
    let answer = bulk(
        &staff,
        json!({"action": "unblock", "filter": "status=blocked&q=filtered1"}),
    )
    .await;
    assert_eq!(outcomes(&answer), vec![(ids[1], "done".into())]);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM notifications WHERE traffic_source_id = $1 AND kind = 'source_unblocked'", ids[1]).await,
        1
    );
    // Marking reviewed by the queue's filter: every source with that reason leaves it.
    assert!(reasons_of(&staff, bystander).await.is_some());
    let answer = bulk(
        &staff,
        json!({"action": "mark_reviewed", "list": "review", "filter": "reason=new_unverified", "note": "Seen"}),
    )
    .await;
    let done: Vec<i64> = outcomes(&answer).into_iter().map(|(id, _)| id).collect();
    assert!(
        done.contains(&bystander) && done.contains(&ids[1]),
        "{answer}"
    );
    assert!(
        !done.contains(&ids[0]),
        "blocked sources are not in the queue"
    );
    assert_eq!(reasons_of(&staff, bystander).await, None);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM audit_events WHERE traffic_source_id = $1 AND action = 'reviewed'", bystander).await,
        1
    );
}

async fn bad_bulk_requests_are_refused_and_write_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let staff = app.staff().await;
    let partner = app.partner().await;
    let id = partner.create_source("Safe", "https://safe.example").await["id"]
        .as_i64()
        .unwrap();
    // 501 sources for the cap, written straight to the table (it is the count that matters).
    let mut tx = app.db.pool.begin().await.unwrap();
    for i in 0..501 {
        sqlx::query(
            "INSERT INTO traffic_sources (partner_id, name, name_key, url, url_key, channels, status, visibility, version, created_at, updated_at, verification_token, site)
             VALUES ($1, $2, $3, $4, $4, 1, 'active', 'public', 1, 0, 0, 'x', 'many.example')",
        )
        .bind(partner.id())
        .bind(format!("Many {i}"))
        .bind(format!("many {i}"))
        .bind(format!("https://s{i}.many.example/"))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let before = app.snapshot().await;
    let cases = [
        (json!({"action": "block", "ids": [id]}), "reason"),
        (
            json!({"action": "block", "ids": [id], "reason": "  "}),
            "reason",
        ),
        (json!({"action": "unblock", "ids": []}), "ids"),
        (
            json!({"action": "unblock", "ids": (0..501).collect::<Vec<i64>>()}),
            "ids",
        ),
        (
            json!({"action": "unblock", "ids": [id], "filter": "q=x"}),
            "ids",
        ),
        (json!({"action": "unblock"}), "ids"),
        (
            json!({"action": "unblock", "filter": "status=nope"}),
            "filter",
        ),
        (
            json!({"action": "unblock", "list": "review", "filter": "reason=nope"}),
            "filter",
        ),
        (
            json!({"action": "block", "filter": "q=many", "reason": "Spam"}),
            "filter",
        ),
    ];
    for (body, field) in cases {
        let r = staff.post("/api/admin/traffic-sources/bulk", &body).await;
        let e = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(e["fields"][field].is_string(), "{body} → {e}");
    }
    let e = error_code(
        staff
            .post(
                "/api/admin/traffic-sources/bulk",
                &json!({"action": "delete", "ids": [id]}),
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(e["message"].is_string());
    let r = partner
        .post(
            "/api/admin/traffic-sources/bulk",
            &json!({"action": "unblock", "ids": [id]}),
        )
        .await;
    error_code(r, StatusCode::FORBIDDEN).await;
    assert_eq!(app.snapshot().await, before, "nothing was written");
}
