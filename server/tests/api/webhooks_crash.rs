//! Signed webhooks with real processes: two server instances on one database deliver to
//! one endpoint while the receiver goes down and comes back and one instance is killed
//! with SIGKILL mid-stream. The receiver (the `standardwebhooks` package) counts: every
//! event delivered, each verified, in order, never two deliveries at once, and a duplicate
//! only ever under the same `webhook-id`.

use std::collections::{HashMap, HashSet};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;
use crate::crash::Server;
use crate::support::{spawn_app, Engine, TempDir, User};
use crate::webhooks::{count, free_port, records, wait_for_records, wait_until, HookReceiver};

both_engines!(every_event_arrives_once_in_order_across_a_receiver_outage_and_a_killed_instance);

/// Flags of an instance that delivers quickly, to loopback, with a short lease (three
/// times the 500 ms timeout): a killed instance's endpoint is taken over after 1.5 s.
const FLAGS: [&str; 7] = [
    "--verify-allow-loopback",
    "--webhook-poll-ms",
    "50",
    "--webhook-retry-base-ms",
    "100",
    "--webhook-timeout-ms",
    "500",
];

/// Pauses or activates the source through `base`, whichever it is not; answers the version.
async fn toggle(partner: &User, base: &str, id: i64) -> i64 {
    let user = User {
        base: base.to_string(),
        ..partner.clone()
    };
    let detail: Value = user
        .get(&format!("/api/traffic-sources/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let s = &detail["source"];
    let status = if s["status"] == "active" {
        "paused"
    } else {
        "active"
    };
    let r = user
        .put(
            &format!("/api/traffic-sources/{id}"),
            &json!({"name": s["name"], "url": s["url"], "channels": s["channels"], "status": status,
                    "visibility": s["visibility"], "version": s["version"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["version"]
        .as_i64()
        .unwrap()
}

async fn every_event_arrives_once_in_order_across_a_receiver_outage_and_a_killed_instance(
    engine: Engine,
) {
    let app = spawn_app(engine).await;
    let (ja, jb) = (TempDir::new(), TempDir::new());
    let mut a = Server::start_with(&app.url, &ja.0, &FLAGS).await;
    let b = Server::start_with(&app.url, &jb.0, &FLAGS).await;
    let partner = User {
        base: a.base.clone(),
        ..app.partner().await
    };
    let source = partner
        .create_source("Streamed", "https://streamed.example/")
        .await;
    let id = source["id"].as_i64().unwrap();
    let dir = TempDir::new();
    let log = dir.0.join("deliveries.log");
    let port = free_port();
    let r = partner
        .post(
            "/api/webhooks",
            &json!({"url": format!("http://127.0.0.1:{port}/in"), "events": ["source.paused", "source.activated"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let secret = r.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    // Each answer takes 30 ms, so instances overlapping would show, and a kill lands mid-send.
    let receiver = HookReceiver::start(port, &secret, &log, &["--delay-ms", "30"]).await;
    let mut versions = Vec::new();
    for i in 0..10 {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        versions.push(toggle(&partner, base, id).await);
    }
    wait_for_records(&log, 5).await;

    // The receiver goes down: events keep coming, and deliveries fail meanwhile.
    receiver.stop().await;
    for i in 0..10 {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        versions.push(toggle(&partner, base, id).await);
    }
    wait_until("a failed attempt during the outage", || async {
        let failed: i64 = sqlx::query("SELECT COUNT(*) FROM webhook_attempts WHERE ok = 0")
            .fetch_one(&app.db.pool)
            .await
            .map(|r| sqlx::Row::get(&r, 0))
            .unwrap_or(0);
        failed > 0
    })
    .await;
    let _receiver = HookReceiver::start(port, &secret, &log, &["--delay-ms", "30"]).await;

    // Back up; once deliveries flow again, instance A is killed wherever it is.
    let before_kill = records(&log).len();
    wait_for_records(&log, before_kill + 3).await;
    a.signal("-KILL");
    a.child.wait().await.unwrap();
    for _ in 0..10 {
        versions.push(toggle(&partner, &b.base, id).await);
    }

    wait_until("every event delivered", || async {
        let ids: HashSet<String> = records(&log)
            .iter()
            .filter(|r| r["status"] == 200)
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        ids.len() == versions.len()
    })
    .await;
    wait_until("the outbox to empty", || async {
        count(&app, "webhook_messages").await == 0
    })
    .await;
    let got = records(&log);
    assert!(
        got.iter().all(|r| r["verified"] == true),
        "every signature verifies"
    );
    let overlapping = got.iter().filter(|r| r["inflight"] != 1).count();
    assert_eq!(
        overlapping, 0,
        "never two deliveries to the endpoint at once"
    );
    // A duplicate is only ever the same event under the same webhook-id.
    let mut version_of: HashMap<String, i64> = HashMap::new();
    for r in &got {
        let v = r["data"]["traffic_source"]["version"].as_i64().unwrap();
        let id = r["id"].as_str().unwrap().to_string();
        assert_eq!(
            *version_of.entry(id).or_insert(v),
            v,
            "one webhook-id, one event"
        );
    }
    let mut ids_of_version: HashMap<i64, HashSet<&str>> = HashMap::new();
    for r in &got {
        ids_of_version
            .entry(r["data"]["traffic_source"]["version"].as_i64().unwrap())
            .or_default()
            .insert(r["id"].as_str().unwrap());
    }
    assert!(ids_of_version.values().all(|ids| ids.len() == 1));
    // In order: the accepted deliveries, each event's first, follow the order of the changes.
    let mut delivered = Vec::new();
    for r in got.iter().filter(|r| r["status"] == 200) {
        let v = r["data"]["traffic_source"]["version"].as_i64().unwrap();
        if !delivered.contains(&v) {
            delivered.push(v);
        }
    }
    assert_eq!(delivered, versions, "every event, in order");
    let duplicates = got.iter().filter(|r| r["status"] == 200).count() - versions.len();
    println!(
        "{} deliveries of {} events ({duplicates} duplicates)",
        got.len(),
        versions.len()
    );
}
