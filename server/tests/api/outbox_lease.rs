//! The email outbox across instances: a claim is good for one send. Two real server
//! processes on one PostgreSQL database, a slow SMTP receiver and a lease shorter than a
//! batch: every email arrives once; and a worker whose claim was taken over marks nothing.

use std::collections::HashMap;
use std::time::Duration;

use server::db::outbox;
use sqlx::Row;

use crate::admin::block;
use crate::both_engines;
use crate::crash::Server;
use crate::emails::{header, Receiver};
use crate::support::{spawn_app, Engine, TempDir, TestApp};

both_engines!(a_worker_whose_claim_was_taken_over_neither_renews_nor_marks,);

/// `n` emails due: `n` of one partner's sources blocked, one email each.
async fn emails_due(app: &TestApp, n: usize) {
    let partner = app.partner().await;
    let staff = app.staff().await;
    for i in 0..n {
        let source = partner
            .create_source(
                &format!("Leased {i}"),
                &format!("https://leased{i}.example/"),
            )
            .await;
        block(&staff, source["id"].as_i64().unwrap(), "Fake traffic", None).await;
    }
}

async fn states(app: &TestApp) -> Vec<String> {
    sqlx::query("SELECT state FROM email_outbox ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

async fn a_worker_whose_claim_was_taken_over_neither_renews_nor_marks(engine: Engine) {
    let app = spawn_app(engine).await;
    emails_due(&app, 1).await;
    let first = outbox::claim(&app.db, 10, 60_000).await.unwrap();
    assert_eq!(first.len(), 1);
    let started = outbox::begin(&app.db, &first[0], 60_000).await.unwrap();
    assert_eq!(started.expect("still the claim's").attempts, 1);
    // While the claim holds, nobody else gets the row.
    assert!(outbox::claim(&app.db, 10, 60_000).await.unwrap().is_empty());
    // Its lease runs out (a batch slower than the lease) and another worker takes it.
    sqlx::query("UPDATE email_outbox SET claimed_until = 0")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let second = outbox::claim(&app.db, 10, 60_000).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_ne!(first[0].token, second[0].token);

    // The first worker may no longer send it, nor mark it in any way.
    assert!(outbox::begin(&app.db, &first[0], 60_000)
        .await
        .unwrap()
        .is_none());
    assert!(!outbox::renew(&app.db, &first[0], 60_000).await.unwrap());
    assert!(!outbox::mark_sent(&app.db, &first[0]).await.unwrap());
    assert!(!outbox::mark_failed(&app.db, &first[0], "late")
        .await
        .unwrap());
    assert!(!outbox::mark_retry(&app.db, &first[0], 0, "late")
        .await
        .unwrap());
    assert_eq!(states(&app).await, ["pending"]);
    let row = sqlx::query("SELECT last_error, claimed_until FROM email_outbox")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(row.get::<Option<String>, _>(0), None);
    assert!(row.get::<i64, _>(1) > 0, "the second claim still holds");

    // Counted once: the first worker's attempt; the holder's starts the second.
    let second = outbox::begin(&app.db, &second[0], 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.attempts, 2);
    let second = [second];
    // The holder's mark goes through.
    assert!(outbox::mark_sent(&app.db, &second[0]).await.unwrap());
    assert_eq!(states(&app).await, ["sent"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_with_a_slow_mail_server_send_each_email_once() {
    const EMAILS: usize = 8;
    let app = spawn_app(Engine::Postgres).await;
    emails_due(&app, EMAILS).await;
    // 8 emails at 400 ms each: a batch takes over 3 s, three times the 1 s lease, so the
    // other instance takes over what the first has not sent yet.
    let receiver = Receiver::start_slow(400).await;
    let smtp = receiver.url();
    let flags = [
        "--smtp-url",
        &smtp,
        "--email-lease-ms",
        "1000",
        "--email-poll-ms",
        "50",
    ];
    let (journal_a, journal_b) = (TempDir::new(), TempDir::new());
    let (_a, _b) = tokio::join!(
        Server::start_with(&app.url, &journal_a.0, &flags),
        Server::start_with(&app.url, &journal_b.0, &flags)
    );

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while states(&app).await.iter().any(|s| s != "sent") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "every email is sent within 30 s: {:?}",
            states(&app).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = receiver.messages();
    let mut per_id: HashMap<String, usize> = HashMap::new();
    for m in &got {
        *per_id.entry(header(m, "Message-ID").unwrap()).or_default() += 1;
    }
    assert_eq!(per_id.len(), EMAILS, "{per_id:?}");
    assert!(
        per_id.values().all(|&n| n == 1),
        "one delivery per Message-ID: {per_id:?}"
    );
    assert_eq!(got.len(), EMAILS);
}
