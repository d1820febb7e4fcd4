//! "Growing past one machine", proven with two separate server processes (not two
//! routers in this test process) on one PostgreSQL database: a session made on A works on
//! B, a pause or block answered by A stops the very next click through B and reaches a
//! live stream held by B, and killing A
//! with SIGKILL leaves B serving, with every click A answered in the ledger once A is back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use crate::admin::block;
use crate::crash::{assert_kept, ledger_ids, stream, Server, CONNECTIONS};
use crate::marketplace::{program, set_state};
use crate::support::{random_hex, spawn_app, Engine, TempDir, User};

/// `user`, the same browser (cookie jar), talking to another instance.
fn on(user: &User, server: &Server) -> User {
    User {
        base: server.base.clone(),
        ..user.clone()
    }
}

fn visitor() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn click(server: &Server, code: &str) -> StatusCode {
    visitor()
        .get(format!("{}/t/{code}", server.base))
        .header("user-agent", crate::traffic::CHROME)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_database_act_as_one_server() {
    let app = spawn_app(Engine::Postgres).await;
    let (journal_a, journal_b) = (TempDir::new(), TempDir::new());
    let a = Server::start(&app.url, &journal_a.0).await;
    let b = Server::start(&app.url, &journal_b.0).await;

    // A session made on A works on B.
    let mut partner = User {
        client: Client::builder().cookie_store(true).build().unwrap(),
        base: a.base.clone(),
        account: None,
    };
    let email = format!("partner-{}@example.com", random_hex());
    let r = partner
        .post("/api/accounts", &json!({"email": email, "password": "correct horse", "role": "partner", "display_name": "Two Instances"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    partner.account = Some(r.json().await.unwrap());
    let r = on(&partner, &b).get("/api/session").await;
    assert_eq!(r.status(), StatusCode::OK, "B knows A's session");
    let me: Value = r.json().await.unwrap();
    assert_eq!(me["id"], partner.id());

    // Made on B, read on A.
    let source = on(&partner, &b)
        .create_source("Both Ways", "https://both.example/")
        .await;
    let path = format!("/api/traffic-sources/{}", source["id"]);
    assert_eq!(partner.get(&path).await.status(), StatusCode::OK);

    let advertiser = on(&app.advertiser().await, &a);
    let program = program(&advertiser, "Spring", "https://shop.example/landing").await;
    // Invited on A, accepted on B.
    let link = invite_and_accept(&advertiser, &program, &source, &on(&partner, &b)).await;
    let code = link["tracking_code"].as_str().unwrap().to_string();
    assert_eq!(click(&b, &code).await, StatusCode::FOUND);

    // A pause answered by A: the very next click through B is refused.
    set_state(&partner, &source, "paused", "public").await;
    assert_eq!(click(&b, &code).await, StatusCode::GONE);
    set_state(&partner, &source, "active", "public").await;
    assert_eq!(click(&b, &code).await, StatusCode::FOUND);
    // A block answered by A: the same, and the partner's live stream held by B hears it.
    let mut live_on_b = crate::events::Stream::open(&on(&partner, &b), None).await;
    let staff = on(&app.staff().await, &a);
    block(&staff, source["id"].as_i64().unwrap(), "Fake traffic", None).await;
    assert_eq!(click(&b, &code).await, StatusCode::GONE);
    let mut heard = Vec::new();
    while let Some(f) = live_on_b.next_within(Duration::from_millis(1500)).await {
        heard.push(f);
    }
    assert!(
        heard.iter().any(|f| f.event == "source"
            && f.data["status"] == "blocked"
            && f.data["source_id"] == source["id"]),
        "B streamed A's block: {heard:?}"
    );
    assert_eq!(click(&a, &code).await, StatusCode::GONE);

    // A killed mid-stream: B keeps serving, and A's answered clicks are kept.
    let live = on(&partner, &b)
        .create_source("Still Live", "https://live.example/")
        .await;
    let live_code = invite_and_accept(&advertiser, &program, &live, &on(&partner, &b)).await
        ["tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let through_a = stream(&a.base, &live_code, stop.clone());
    tokio::time::sleep(Duration::from_millis(1000)).await;
    a.signal("-KILL");
    let answered_by_a = through_a.await.unwrap();
    let mut a = a;
    a.child.wait().await.unwrap();
    assert!(
        answered_by_a.len() > 20,
        "a real stream: {}",
        answered_by_a.len()
    );
    for _ in 0..5 {
        assert_eq!(
            click(&b, &live_code).await,
            StatusCode::FOUND,
            "B serves on"
        );
    }
    assert!(on(&partner, &b).get(&path).await.status().is_success());

    let a = Server::start(&app.url, &journal_a.0).await; // replays A's journal
    b.signal("-TERM"); // writes B's five clicks
    let mut b = b;
    assert!(b.child.wait().await.unwrap().success());
    let ledger = ledger_ids(&app, &live_code).await;
    let kept: std::collections::HashSet<&String> = ledger.iter().collect();
    assert!(
        answered_by_a.iter().all(|id| kept.contains(id)),
        "every click A answered is in the ledger"
    );
    assert_kept(&answered_by_a, &ledger[..], CONNECTIONS + 5);
    stop.store(true, Ordering::Relaxed);
    a.signal("-TERM");
}

/// The advertiser invites the source and its partner accepts (each through their own
/// instance); answers the approved collaboration.
async fn invite_and_accept(
    advertiser: &User,
    program: &Value,
    source: &Value,
    partner: &User,
) -> Value {
    let r = advertiser
        .post(
            &format!("/api/programs/{}/sources", program["id"]),
            &json!({"traffic_source_id": source["id"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let invited: Value = r.json().await.unwrap();
    let r = partner
        .post(
            &format!("/api/collaborations/{}/accept", invited["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}
