//! Signed webhooks, the deliveries: who receives which event, every signature checked by
//! the outside judge (`tests/webhooks/receiver.py`, on the `standardwebhooks` package),
//! retries with a doubling wait and in order behind a failing event, the delivery log, an
//! endpoint turned off after failing for the whole period and its owner told, the rotated
//! secret signing beside the old one, a hanging or chatty receiver cut short, the claim
//! of one worker, and a host that turns private between registration and delivery.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::db::webhooks::outbox::{self, Attempt, Recorded};
use sqlx::Row;

use crate::admin::{block, unblock};
use crate::both_engines;
use crate::fake_net::{CountingListener, FakeDns};
use crate::marketplace::{collaborate, program};
use crate::support::{error_code, spawn_app_with, Engine, TempDir, User};
use crate::webhooks::{
    count, free_port, loopback_app, records, register, start_worker, wait_for_records, wait_until,
    HookReceiver, ALL_SOURCE_EVENTS,
};

both_engines!(
    source_events_reach_the_partner_and_the_advertisers_signed_and_in_order,
    a_failing_event_is_retried_with_a_doubling_wait_and_the_next_waits_behind_it,
    an_endpoint_failing_for_the_whole_period_is_turned_off_and_its_owner_told,
    a_rotated_secret_signs_beside_the_old_one_and_a_wrong_secret_never_verifies,
    a_receiver_that_hangs_or_talks_too_much_is_cut_short,
    one_worker_holds_an_endpoint_and_a_lost_claim_writes_nothing,
    a_host_that_turns_private_after_registration_is_never_connected_to,
    a_collaboration_event_reaches_both_sides,
);

/// A receiver on a free port and the endpoint of `user` registered to it.
async fn endpoint_with_receiver(
    user: &User,
    events: &[&str],
    dir: &TempDir,
    name: &str,
    flags: &[&str],
) -> (HookReceiver, i64, String) {
    let port = free_port();
    let created = register(user, &format!("http://127.0.0.1:{port}/{name}"), events).await;
    let secret = created["secret"].as_str().unwrap().to_string();
    let receiver =
        HookReceiver::start(port, &secret, &dir.0.join(format!("{name}.log")), flags).await;
    (
        receiver,
        created["endpoint"]["id"].as_i64().unwrap(),
        secret,
    )
}

async fn set_status(user: &User, source: &Value, status: &str) -> Value {
    let detail: Value = user
        .get(&format!("/api/traffic-sources/{}", source["id"]))
        .await
        .json()
        .await
        .unwrap();
    let current = &detail["source"];
    let mut body = json!({"name": current["name"], "url": current["url"], "channels": current["channels"],
        "status": status, "visibility": current["visibility"], "version": current["version"]});
    if status == current["status"] {
        body["name"] = json!(format!("{} again", current["name"].as_str().unwrap()));
    }
    let r = user
        .put(&format!("/api/traffic-sources/{}", source["id"]), &body)
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{body} → {}",
        r.text().await.unwrap()
    );
    r.json().await.unwrap()
}

fn types(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| r["type"].as_str().unwrap_or("?").to_string())
        .collect()
}

async fn source_events_reach_the_partner_and_the_advertisers_signed_and_in_order(engine: Engine) {
    let app = loopback_app(engine, |_| {}).await;
    let _worker = start_worker(&app);
    let dir = TempDir::new();
    let partner = app.partner().await;
    let source = partner
        .create_source("Hooked", "https://hooked.example/")
        .await;
    let (user_of, stranger) = (app.advertiser().await, app.advertiser().await);
    let p = program(&user_of, "Spring", "https://shop.example/").await;
    collaborate(&user_of, &p, &source).await;
    let (partner_rx, _, _) =
        endpoint_with_receiver(&partner, &ALL_SOURCE_EVENTS, &dir, "partner", &[]).await;
    let (advertiser_rx, _, _) = endpoint_with_receiver(
        &user_of,
        &["source.blocked", "source.unblocked"],
        &dir,
        "advertiser",
        &[],
    )
    .await;
    let (stranger_rx, stranger_endpoint, _) =
        endpoint_with_receiver(&stranger, &ALL_SOURCE_EVENTS, &dir, "stranger", &[]).await;

    set_status(&partner, &source, "paused").await;
    set_status(&partner, &source, "active").await;
    // An edit that is not a pause or an activation sends nothing.
    set_status(&partner, &source, "active").await;
    let staff = app.staff().await;
    let id = source["id"].as_i64().unwrap();
    block(
        &staff,
        id,
        "Fake traffic",
        Some("internal: click farm in the logs"),
    )
    .await;
    unblock(&staff, id).await;

    let got = wait_for_records(&partner_rx.log, 4).await;
    assert_eq!(
        types(&got),
        [
            "source.paused",
            "source.activated",
            "source.blocked",
            "source.unblocked"
        ]
    );
    assert!(got.iter().all(|r| r["verified"] == true), "{got:?}");
    assert!(got.iter().all(|r| r["signatures"] == 1));
    let versions: Vec<i64> = got
        .iter()
        .map(|r| r["data"]["traffic_source"]["version"].as_i64().unwrap())
        .collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    assert_eq!(got[0]["data"]["traffic_source"]["status"], "paused");
    assert_eq!(got[0]["data"]["traffic_source"]["id"], id);
    assert_eq!(
        got[2]["data"]["reason"], "Fake traffic",
        "the partner reads the public reason"
    );
    let mut ids: Vec<&str> = got.iter().map(|r| r["id"].as_str().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 4, "one webhook-id per event");

    let got = wait_for_records(&advertiser_rx.log, 2).await;
    assert_eq!(
        types(&got),
        ["source.blocked", "source.unblocked"],
        "only its events"
    );
    assert!(got.iter().all(|r| r["verified"] == true));
    assert!(got[0]["data"].get("reason").is_none(), "{:?}", got[0]);
    let everything = std::fs::read_to_string(&partner_rx.log).unwrap()
        + &std::fs::read_to_string(&advertiser_rx.log).unwrap();
    assert!(
        !everything.contains("click farm"),
        "staff's note never leaves"
    );

    // Nothing was ever queued for an advertiser without the source.
    let queued: i64 = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM webhook_messages WHERE endpoint_id = $1) + (SELECT COUNT(*) FROM webhook_attempts WHERE endpoint_id = $1)",
    )
    .bind(stranger_endpoint)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
    .get(0);
    assert_eq!(queued, 0);
    assert!(records(&stranger_rx.log).is_empty());
    wait_until("the outbox to empty", || async {
        count(&app, "webhook_messages").await == 0
    })
    .await;
}

async fn test_event(user: &User, endpoint: i64) -> String {
    let r = user
        .post(&format!("/api/webhooks/{endpoint}/test"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let body: Value = r.json().await.unwrap();
    body["message_id"].as_str().unwrap().to_string()
}

async fn a_failing_event_is_retried_with_a_doubling_wait_and_the_next_waits_behind_it(
    engine: Engine,
) {
    let app = loopback_app(engine, |c| c.webhook_retry_base_ms = 150).await;
    let _worker = start_worker(&app);
    let dir = TempDir::new();
    let advertiser = app.advertiser().await;
    let (rx, endpoint, _) = endpoint_with_receiver(
        &advertiser,
        &["source.blocked"],
        &dir,
        "flaky",
        &["--fail-first", "2"],
    )
    .await;
    let first = test_event(&advertiser, endpoint).await;
    let second = test_event(&advertiser, endpoint).await;
    let got = wait_for_records(&rx.log, 4).await;
    let seen: Vec<(&str, i64)> = got
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["status"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            (first.as_str(), 500),
            (first.as_str(), 500),
            (first.as_str(), 200),
            (second.as_str(), 200)
        ],
        "the second waits behind the first, which is retried with the same webhook-id"
    );
    assert!(got
        .iter()
        .all(|r| r["verified"] == true && r["type"] == "webhook.test"));

    // The log, newest first, with each attempt's answer.
    wait_until("the last attempt to be logged", || async {
        count(&app, "webhook_attempts").await == 4
    })
    .await;
    let page: Value = advertiser
        .get(&format!("/api/webhooks/{endpoint}/deliveries"))
        .await
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(items[0]["message_id"], second);
    assert_eq!(
        (items[0]["ok"].clone(), items[0]["status"].clone()),
        (json!(true), json!(200))
    );
    assert_eq!(items[0]["response"], "thanks");
    assert_eq!(items[1]["attempt"], 3);
    assert_eq!(items[3]["attempt"], 1);
    assert_eq!(items[3]["ok"], false);
    assert_eq!(items[3]["status"], 500);
    assert_eq!(items[3]["response"], "receiver says no");
    assert!(items.iter().all(|d| d["latency_ms"].as_i64().unwrap() >= 0));
    assert_eq!(items[3]["event_type"], "webhook.test");
    // The waits double: 150 ms, then 300 ms.
    let at: Vec<i64> = sqlx::query("SELECT attempted_at FROM webhook_attempts ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(at[1] - at[0] >= 150, "{at:?}");
    assert!(at[2] - at[1] >= 300, "{at:?}");
    let list: Value = advertiser.get("/api/webhooks").await.json().await.unwrap();
    assert_eq!(
        list["items"][0]["failing_since"],
        Value::Null,
        "answering again"
    );
    assert_eq!(list["items"][0]["pending"], 0);
}

async fn an_endpoint_failing_for_the_whole_period_is_turned_off_and_its_owner_told(engine: Engine) {
    let app = loopback_app(engine, |c| {
        c.webhook_retry_base_ms = 100;
        c.webhook_disable_after_secs = 1;
    })
    .await;
    let _worker = start_worker(&app);
    let dir = TempDir::new();
    let partner = app.partner().await;
    let source = partner.create_source("Down", "https://down.example/").await;
    let (rx, endpoint, secret) = endpoint_with_receiver(
        &partner,
        &ALL_SOURCE_EVENTS,
        &dir,
        "down",
        &["--status", "503"],
    )
    .await;
    let t0 = server::time::now_ms();
    test_event(&partner, endpoint).await;
    set_status(&partner, &source, "paused").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let list = loop {
        let list: Value = partner.get("/api/webhooks").await.json().await.unwrap();
        if list["items"][0]["disabled_at"].is_string() {
            break list;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never turned off: {list}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(server::time::now_ms() - t0 >= 1000, "not before the period");
    assert_eq!(list["items"][0]["pending"], 0, "what waited is dropped");
    assert!(list["items"][0]["failing_since"].is_string());
    let failures = records(&rx.log);
    assert!(failures.len() >= 3, "retried meanwhile: {failures:?}");
    assert!(failures
        .iter()
        .all(|r| r["verified"] == true && r["status"] == 503));

    // Its owner is told, in the app and by email.
    let page: Value = partner
        .get("/api/notifications")
        .await
        .json()
        .await
        .unwrap();
    let told = &page["items"][0];
    assert_eq!(told["kind"], "webhook_disabled");
    assert!(told["message"]
        .as_str()
        .unwrap()
        .contains(&format!("http://127.0.0.1:{}/down", rx.port)));
    assert_eq!(told["traffic_source_id"], Value::Null);
    let emails: i64 = sqlx::query("SELECT COUNT(*) FROM email_outbox WHERE account_id = $1 AND subject = 'A webhook endpoint was turned off'")
        .bind(partner.id())
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(emails, 1);

    // Turned off: no test, and no event is queued for it.
    let e = error_code(
        partner
            .post(&format!("/api/webhooks/{endpoint}/test"), &json!({}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(e["code"], "endpoint_disabled");
    set_status(&partner, &source, "active").await;
    assert_eq!(count(&app, "webhook_messages").await, 0);

    // Fixed and turned on again: events flow.
    rx.stop().await;
    let fixed =
        HookReceiver::start(free_port_of(&list), &secret, &dir.0.join("fixed.log"), &[]).await;
    let r = partner
        .post(&format!("/api/webhooks/{endpoint}/enable"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let on: Value = r.json().await.unwrap();
    assert_eq!(
        (on["disabled_at"].clone(), on["failing_since"].clone()),
        (Value::Null, Value::Null)
    );
    set_status(&partner, &source, "paused").await;
    let got = wait_for_records(&fixed.log, 1).await;
    assert_eq!(types(&got), ["source.paused"]);
    assert_eq!(got[0]["verified"], true);
}

fn free_port_of(list: &Value) -> u16 {
    let url = list["items"][0]["url"].as_str().unwrap();
    url.split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn a_rotated_secret_signs_beside_the_old_one_and_a_wrong_secret_never_verifies(
    engine: Engine,
) {
    let app = loopback_app(engine, |_| {}).await;
    let _worker = start_worker(&app);
    let dir = TempDir::new();
    let advertiser = app.advertiser().await;
    let (old_rx, endpoint, old_secret) =
        endpoint_with_receiver(&advertiser, &["source.blocked"], &dir, "rotating", &[]).await;
    let port = old_rx.port;
    let rotated: Value = advertiser
        .post(
            &format!("/api/webhooks/{endpoint}/rotate-secret"),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let new_secret = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, old_secret);

    // A receiver still on the old secret verifies, for the grace period.
    let first = test_event(&advertiser, endpoint).await;
    let got = wait_for_records(&old_rx.log, 1).await;
    assert_eq!(
        (got[0]["id"].as_str(), got[0]["verified"].clone()),
        (Some(first.as_str()), json!(true))
    );
    assert_eq!(
        got[0]["signatures"], 2,
        "signed by the new and the old secret"
    );
    old_rx.stop().await;

    // One switched to the new secret verifies.
    let new_rx = HookReceiver::start(port, &new_secret, &dir.0.join("new.log"), &[]).await;
    test_event(&advertiser, endpoint).await;
    let got = wait_for_records(&new_rx.log, 1).await;
    assert_eq!(got[0]["verified"], true);
    new_rx.stop().await;

    // The judge is not a rubber stamp: another secret never verifies, and the endpoint's
    // owner reads the refusal in the log.
    let other = server::webhooks::signing::new_secret();
    let wrong_rx = HookReceiver::start(port, &other, &dir.0.join("wrong.log"), &[]).await;
    let third = test_event(&advertiser, endpoint).await;
    let got = wait_for_records(&wrong_rx.log, 1).await;
    assert_eq!(got[0]["verified"], false);
    assert_eq!(got[0]["status"], 401);
    wait_until("the refusal to be logged", || async {
        count(&app, "webhook_attempts").await == 3
    })
    .await;
    let page: Value = advertiser
        .get(&format!("/api/webhooks/{endpoint}/deliveries"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["message_id"], third);
    assert_eq!(page["items"][0]["status"], 401);
    assert_eq!(page["items"][0]["ok"], false);
}

async fn a_receiver_that_hangs_or_talks_too_much_is_cut_short(engine: Engine) {
    let app = loopback_app(engine, |c| c.webhook_timeout_ms = 300).await;
    let _worker = start_worker(&app);
    let dir = TempDir::new();
    let partner = app.partner().await;
    let (_slow, slow, _) = endpoint_with_receiver(
        &partner,
        &["source.paused"],
        &dir,
        "slow",
        &["--delay-ms", "3000"],
    )
    .await;
    let long = "x".repeat(5000);
    let (_chatty, chatty, _) = endpoint_with_receiver(
        &partner,
        &["source.paused"],
        &dir,
        "chatty",
        &["--answer", &long],
    )
    .await;
    test_event(&partner, slow).await;
    test_event(&partner, chatty).await;
    wait_until("both attempts", || async {
        count(&app, "webhook_attempts").await == 2
    })
    .await;
    let page: Value = partner
        .get(&format!("/api/webhooks/{slow}/deliveries"))
        .await
        .json()
        .await
        .unwrap();
    let attempt = &page["items"][0];
    assert_eq!(attempt["ok"], false);
    assert_eq!(attempt["status"], Value::Null);
    assert!(
        attempt["error"].as_str().unwrap().contains("0.3 seconds"),
        "{attempt}"
    );
    assert!(attempt["latency_ms"].as_i64().unwrap() < 2000, "{attempt}");
    let page: Value = partner
        .get(&format!("/api/webhooks/{chatty}/deliveries"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["ok"], true);
    assert_eq!(
        page["items"][0]["response"].as_str().unwrap().len(),
        500,
        "truncated"
    );
}

async fn one_worker_holds_an_endpoint_and_a_lost_claim_writes_nothing(engine: Engine) {
    // No worker runs: the test plays two.
    let app = loopback_app(engine, |_| {}).await;
    let partner = app.partner().await;
    let created = register(&partner, "http://127.0.0.1:9/nobody", &["source.paused"]).await;
    let endpoint = created["endpoint"]["id"].as_i64().unwrap();
    test_event(&partner, endpoint).await;
    let a = outbox::claim(&app.db, 10, 30_000).await.unwrap();
    assert_eq!(a.len(), 1);
    assert!(
        outbox::claim(&app.db, 10, 30_000).await.unwrap().is_empty(),
        "held by the first"
    );
    let message = outbox::head(&app.db, endpoint).await.unwrap().unwrap();
    // The first worker's lease runs out (it hung); a second takes the endpoint.
    sqlx::query("UPDATE webhook_endpoints SET claimed_until = 0")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let b = outbox::claim(&app.db, 10, 30_000).await.unwrap();
    assert_eq!(b.len(), 1);
    assert!(
        outbox::renew(&app.db, &a[0], 30_000)
            .await
            .unwrap()
            .is_none(),
        "the first cannot renew"
    );
    let attempt = Attempt {
        at: server::time::now_ms(),
        ok: true,
        status: Some(200),
        latency_ms: 5,
        response: None,
        error: None,
    };
    let policy = app.state.webhooks.policy;
    assert_eq!(
        outbox::record(&app.db, &a[0], &message, &attempt, policy)
            .await
            .unwrap(),
        Recorded::LostClaim
    );
    assert_eq!(count(&app, "webhook_attempts").await, 0, "nothing written");
    assert_eq!(count(&app, "webhook_messages").await, 1);
    assert_eq!(
        outbox::record(&app.db, &b[0], &message, &attempt, policy)
            .await
            .unwrap(),
        Recorded::Delivered
    );
    assert_eq!(count(&app, "webhook_messages").await, 0);
    assert_eq!(count(&app, "webhook_attempts").await, 1);
}

async fn a_host_that_turns_private_after_registration_is_never_connected_to(engine: Engine) {
    let dns = FakeDns::start().await;
    dns.set_addrs("hooks.test", &["93.184.215.14".parse().unwrap()]);
    let dns_addr = dns.addr;
    let app = spawn_app_with(engine, |c| {
        c.dns_server = Some(dns_addr);
        c.webhook_poll_ms = 20;
    })
    .await;
    let _worker = start_worker(&app);
    let listener = CountingListener::start("127.0.0.1").await;
    let partner = app.partner().await;
    let created = register(
        &partner,
        &format!("https://hooks.test:{}/in", listener.port),
        &["source.paused"],
    )
    .await;
    let endpoint = created["endpoint"]["id"].as_i64().unwrap();
    // Rebinding: the name now points at this machine.
    dns.set_addrs("hooks.test", &["127.0.0.1".parse().unwrap()]);
    test_event(&partner, endpoint).await;
    wait_until("the attempt", || async {
        count(&app, "webhook_attempts").await == 1
    })
    .await;
    let page: Value = partner
        .get(&format!("/api/webhooks/{endpoint}/deliveries"))
        .await
        .json()
        .await
        .unwrap();
    let error = page["items"][0]["error"].as_str().unwrap();
    assert!(error.contains("loopback"), "{error}");
    assert!(!error.contains("127.0.0.1"), "{error}");
    assert_eq!(listener.accepted(), 0, "never connected");
}

async fn a_collaboration_event_reaches_both_sides(engine: Engine) {
    let app = loopback_app(engine, |_| {}).await;
    let _worker = start_worker(&app);
    let dir = TempDir::new();
    let partner = app.partner().await;
    let source = partner
        .create_source("Joined", "https://joined.example/")
        .await;
    let (advertiser, stranger) = (app.advertiser().await, app.advertiser().await);
    let p = program(&advertiser, "Autumn", "https://shop.example/").await;
    let collaboration = collaborate(&advertiser, &p, &source).await;
    let events = ["collaboration.ended"];
    let (partner_rx, _, _) = endpoint_with_receiver(&partner, &events, &dir, "partner", &[]).await;
    let (advertiser_rx, _, _) =
        endpoint_with_receiver(&advertiser, &events, &dir, "advertiser", &[]).await;
    let (stranger_rx, _, _) =
        endpoint_with_receiver(&stranger, &events, &dir, "stranger", &[]).await;
    // The call the collaboration's state machine makes in its transaction.
    let mut tx = app.db.begin_write().await.unwrap();
    server::webhooks::events::collaboration_changed(
        &mut tx,
        collaboration["id"].as_i64().unwrap(),
        model::webhook::WebhookEventType::CollaborationEnded,
        Some("Season over"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    app.state.webhooks.wake();
    for rx in [&partner_rx, &advertiser_rx] {
        let got = wait_for_records(&rx.log, 1).await;
        assert_eq!(types(&got), ["collaboration.ended"]);
        assert_eq!(got[0]["verified"], true);
        assert_eq!(got[0]["data"]["reason"], "Season over");
        assert_eq!(got[0]["data"]["collaboration"]["program_name"], "Autumn");
        assert_eq!(got[0]["data"]["collaboration"]["source_name"], "Joined");
    }
    wait_until("the outbox to empty", || async {
        count(&app, "webhook_messages").await == 0
    })
    .await;
    assert!(
        records(&stranger_rx.log).is_empty(),
        "not the other advertiser's"
    );
}
