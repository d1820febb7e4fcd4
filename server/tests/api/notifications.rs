//! Notifications: a block or unblock reaches exactly the partner and the advertisers that
//! use the source, in the transaction of the change; everyone reads and marks only their own.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::admin::{block, put_in_program, unblock};
use crate::both_engines;
use crate::support::{error_code, spawn_app, Engine, User};

both_engines!(
    a_block_notifies_exactly_the_partner_and_the_advertisers_using_the_source,
    notifications_are_in_the_transaction_of_the_block,
    mark_read_one_and_all_with_the_unread_count,
    notifications_page_newest_first,
);

async fn notifications_of(user: &User) -> Value {
    let r = user.get("/api/notifications").await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

fn kinds(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect()
}

async fn a_block_notifies_exactly_the_partner_and_the_advertisers_using_the_source(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let other_partner = app.partner().await;
    let user_a = app.advertiser().await;
    let user_b = app.advertiser().await;
    let bystander = app.advertiser().await;
    let staff = app.staff().await;
    let source = partner.create_source("Used", "https://used.example").await;
    let id = source["id"].as_i64().unwrap();
    let elsewhere = other_partner
        .create_source("Else", "https://else.example")
        .await;
    // user_a uses it in two programs, user_b in one; the bystander uses another source.
    put_in_program(&user_a, id).await;
    put_in_program(&user_a, id).await;
    put_in_program(&user_b, id).await;
    put_in_program(&bystander, elsewhere["id"].as_i64().unwrap()).await;
    // The memberships' own notifications (invited, accepted) are not this test's subject.
    for table in ["email_outbox", "notifications"] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&app.db.pool)
            .await
            .unwrap();
    }

    block(
        &staff,
        id,
        "Fraudulent leads",
        Some("internal: do not tell"),
    )
    .await;
    let to_partner = notifications_of(&partner).await;
    assert_eq!(kinds(&to_partner), ["source_blocked"]);
    let n = &to_partner["items"][0];
    assert_eq!(n["traffic_source_id"], id);
    assert_eq!(n["read_at"], Value::Null);
    let message = n["message"].as_str().unwrap();
    assert!(
        message.contains("Used") && message.contains("Fraudulent leads"),
        "{message}"
    );
    assert!(!message.contains("do not tell"), "{message}");
    assert_eq!(to_partner["unread_count"], 1);
    for advertiser in [&user_a, &user_b] {
        let page = notifications_of(advertiser).await;
        assert_eq!(
            kinds(&page),
            ["source_blocked"],
            "once, however many programs"
        );
        let message = page["items"][0]["message"].as_str().unwrap();
        assert!(message.contains("Used"), "{message}");
        assert!(!message.contains("do not tell"), "{message}");
    }
    for nobody in [&other_partner, &bystander, &staff] {
        assert_eq!(notifications_of(nobody).await["items"], json!([]));
    }

    unblock(&staff, id).await;
    assert_eq!(
        kinds(&notifications_of(&partner).await),
        ["source_unblocked", "source_blocked"]
    );
    for advertiser in [&user_a, &user_b] {
        let page = notifications_of(advertiser).await;
        assert_eq!(kinds(&page), ["source_unblocked", "source_blocked"]);
        assert_eq!(page["unread_count"], 2);
    }
    for nobody in [&other_partner, &bystander, &staff] {
        assert_eq!(notifications_of(nobody).await["unread_count"], 0);
    }
    // Exactly these rows, and no others, were written.
    let total: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) AS n FROM notifications")
            .fetch_one(&app.db.pool)
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(total, 6, "partner + 2 advertisers, twice");
}

/// A block whose notifications cannot be written does not happen at all: the status,
/// audit entry and notifications are one transaction.
async fn notifications_are_in_the_transaction_of_the_block(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let advertiser = app.advertiser().await;
    let staff = app.staff().await;
    let id = partner.create_source("Tx", "https://tx.example").await["id"]
        .as_i64()
        .unwrap();
    put_in_program(&advertiser, id).await;
    // Make every notification insert fail, as a lost connection or a full disk would
    // halfway through the block (the table is emptied, so the CHECK holds until then).
    for table in ["email_outbox", "notifications"] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&app.db.pool)
            .await
            .unwrap();
    }
    sqlx::query("ALTER TABLE notifications ADD COLUMN poison TEXT NOT NULL DEFAULT 'x' CHECK (poison = 'never')")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let before = app.snapshot().await;
    let r = staff
        .post(
            &format!("/api/traffic-sources/{id}/block"),
            &json!({"reason": "Spam"}),
        )
        .await;
    let error = error_code(r, StatusCode::INTERNAL_SERVER_ERROR).await;
    assert_eq!(error["code"], "internal");
    // The database's words never reach the client.
    let text = error.to_string().to_lowercase();
    for leak in [
        "poison",
        "check",
        "constraint",
        "notifications",
        "sql",
        "insert",
    ] {
        assert!(!text.contains(leak), "error body leaks {leak}: {text}");
    }
    assert_eq!(
        app.snapshot().await,
        before,
        "no status change, audit entry or notification"
    );
    let read: Value = partner
        .get(&format!("/api/traffic-sources/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["source"]["status"], "active");
}

async fn mark_read_one_and_all_with_the_unread_count(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let other = app.partner().await;
    let staff = app.staff().await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let id = partner
            .create_source(&format!("S{i}"), &format!("https://s{i}.example"))
            .await["id"]
            .as_i64()
            .unwrap();
        block(&staff, id, "Spam", None).await;
        ids.push(id);
    }
    let other_source = other.create_source("O", "https://o.example").await["id"]
        .as_i64()
        .unwrap();
    block(&staff, other_source, "Spam", None).await;

    let page = notifications_of(&partner).await;
    assert_eq!(page["unread_count"], 3);
    let first = page["items"][2]["id"].as_i64().unwrap();
    let r = partner
        .post(&format!("/api/notifications/{first}/read"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let read: Value = r.json().await.unwrap();
    assert_eq!(read["id"], first);
    let read_at = read["read_at"].as_str().unwrap().to_string();
    assert_eq!(notifications_of(&partner).await["unread_count"], 2);
    // Marking it again keeps the first time it was read.
    let again: Value = partner
        .post(&format!("/api/notifications/{first}/read"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["read_at"], read_at.as_str());

    // Someone else's notification is not found for them, and stays unread.
    let others = notifications_of(&other).await;
    let theirs = others["items"][0]["id"].as_i64().unwrap();
    let before = app.snapshot().await;
    let error = error_code(
        partner
            .post(&format!("/api/notifications/{theirs}/read"), &json!({}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(error["code"], "not_found");
    error_code(
        partner
            .post("/api/notifications/999999/read", &json!({}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(app.snapshot().await, before);

    let r = partner
        .post("/api/notifications/read-all", &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let page = notifications_of(&partner).await;
    assert_eq!(page["unread_count"], 0);
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["read_at"].is_string()));
    // Only the caller's own were marked.
    assert_eq!(notifications_of(&other).await["unread_count"], 1);
}

async fn notifications_page_newest_first(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let staff = app.staff().await;
    let id = partner
        .create_source("Flappy", "https://flappy.example")
        .await["id"]
        .as_i64()
        .unwrap();
    for _ in 0..3 {
        block(&staff, id, "Spam", None).await;
        unblock(&staff, id).await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/notifications?limit=4".to_string();
    loop {
        let page: Value = partner.get(&path).await.json().await.unwrap();
        assert_eq!(page["unread_count"], 6, "the count covers every page");
        for n in page["items"].as_array().unwrap() {
            seen.push(n["id"].as_i64().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/notifications?limit=4&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 6);
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seen:?}"
    );
    for bad in ["limit=0", "cursor=abc"] {
        error_code(
            partner.get(&format!("/api/notifications?{bad}")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
}
