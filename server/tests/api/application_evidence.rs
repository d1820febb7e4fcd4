//! What each side sees of a membership beyond its state (issues 29 and 30): the source's
//! evidence beside an application, as the marketplace's bands; the partner's list of
//! sources counting each source's memberships; and every change of state told live to
//! both sides.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;
use crate::events::Stream;
use crate::marketplace::add;
use crate::support::{spawn_app, Engine, User};
use crate::traffic::{click_with, drain, linked, CHROME};

both_engines!(
    an_application_shows_the_sources_evidence_as_bands,
    the_partners_list_counts_each_sources_memberships,
    every_change_of_state_reaches_both_sides_live,
    the_openapi_document_describes_evidence_and_memberships,
);

async fn program_with(advertiser: &User, body: Value) -> Value {
    let r = advertiser.post("/api/programs", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED, "create program {body}");
    r.json().await.unwrap()
}

/// Applies with `sources` to `program`; each result's collaboration.
async fn apply(partner: &User, program: &Value, sources: &[&Value]) -> Vec<Value> {
    let ids: Vec<Value> = sources.iter().map(|s| s["id"].clone()).collect();
    let r = partner
        .post(
            &format!("/api/programs/{}/applications", program["id"]),
            &json!({"traffic_source_ids": ids, "message": "Hello"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "apply");
    let body: Value = r.json().await.unwrap();
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(r["collaboration"].is_object(), "{r}");
            r["collaboration"].clone()
        })
        .collect()
}

async fn collaborations(who: &User, query: &str) -> Vec<Value> {
    let r = who.get(&format!("/api/collaborations{query}")).await;
    assert_eq!(r.status(), StatusCode::OK, "{query}");
    let page: Value = r.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

async fn step(who: &User, id: &Value, step: &str, body: Value) -> Value {
    let r = who
        .post(&format!("/api/collaborations/{id}/{step}"), &body)
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{step}");
    r.json().await.unwrap()
}

async fn an_application_shows_the_sources_evidence_as_bands(engine: Engine) {
    let app = spawn_app(engine).await;
    // A source declared Content, already in another advertiser's program, whose clicks
    // there mostly carry a Google Ads click id; a quarter of all its clicks are bots.
    let l = linked(&app, "Bidding Blog", "https://bidding.example/").await;
    for i in 0..30 {
        let path = if i < 20 {
            format!("{}?gclid=g{i}", l.code)
        } else {
            l.code.clone()
        };
        let agent = format!("{CHROME} Visitor/b{i}");
        click_with(
            &app,
            &path,
            &[
                ("user-agent", agent.as_bytes()),
                ("referer", b"https://bidding.example/p"),
            ],
        )
        .await;
    }
    for _ in 0..10 {
        click_with(&app, &l.code, &[("user-agent", b"curl/8.0")]).await;
    }
    drain(&app).await;
    let quiet = l
        .partner
        .create_source("Quiet Blog", "https://quiet.example/")
        .await;

    // Another advertiser's manual program: the partner applies with both sources.
    let advertiser = app.advertiser().await;
    let program = program_with(
        &advertiser,
        json!({"name": "Autumn", "landing_url": "https://autumn.example/",
               "approval_mode": "manual", "accepted_channels": ["content", "email"]}),
    )
    .await;
    apply(&l.partner, &program, &[&l.source, &quiet]).await;

    let rows = collaborations(&advertiser, "?state=pending").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let row = |id: &Value| rows.iter().find(|r| r["traffic_source_id"] == *id).unwrap();
    let bidding = row(&l.source["id"]);
    // The link applied for has no clicks yet: the evidence is the source's own.
    assert_eq!(bidding["clicks_30d"], 0);
    assert_eq!(
        bidding["evidence"],
        json!({
            "volume_band": "under1k",
            "match_rate_30d": 100,
            "bot_share_30d": 25,
            "observed_channels": [
                {"channel": "paid_search", "band": "most"},
                {"channel": "content", "band": "part"}
            ],
            "observed_matches": false
        })
    );
    // The same bands as the marketplace's row of the source: one rule.
    let market: Value = advertiser
        .get(&format!(
            "/api/marketplace/traffic-sources/{}",
            l.source["id"]
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        market["observed_channels"],
        bidding["evidence"]["observed_channels"]
    );
    assert_eq!(market["volume_band"], bidding["evidence"]["volume_band"]);
    assert_eq!(
        row(&quiet["id"])["evidence"],
        json!({
            "volume_band": "too_little",
            "match_rate_30d": null,
            "bot_share_30d": null,
            "observed_channels": [],
            "observed_matches": null
        })
    );

    // Staff read it too; the partner does not (they see their exact figures elsewhere).
    let staff = app.staff().await;
    let theirs = collaborations(&staff, &format!("?program_id={}", program["id"])).await;
    assert_eq!(theirs.len(), 2);
    assert!(
        theirs.iter().all(|r| r["evidence"].is_object()),
        "{theirs:?}"
    );
    let mine = collaborations(&l.partner, "").await;
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|r| r.get("evidence").is_none()), "{mine:?}");
}

async fn the_partners_list_counts_each_sources_memberships(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let a = partner
        .create_source("Alpha", "https://alpha.example/")
        .await;
    let b = partner.create_source("Beta", "https://beta.example/").await;
    let advertiser = app.advertiser().await;
    let manual = program_with(
        &advertiser,
        json!({"name": "Manual", "landing_url": "https://m.example/", "approval_mode": "manual"}),
    )
    .await;
    let automatic = program_with(
        &advertiser,
        json!({"name": "Auto", "landing_url": "https://a.example/", "approval_mode": "automatic"}),
    )
    .await;
    let inviting = program_with(
        &advertiser,
        json!({"name": "Invites", "landing_url": "https://i.example/"}),
    )
    .await;
    apply(&partner, &manual, &[&a]).await;
    let approved = apply(&partner, &automatic, &[&a]).await;
    assert_eq!(approved[0]["state"], "approved");
    for s in [&a, &b] {
        assert_eq!(
            add(&advertiser, &inviting, s).await.status(),
            StatusCode::CREATED
        );
    }
    // Beta declines its invitation: a closed membership is not counted.
    let invited_b = collaborations(
        &partner,
        &format!("?traffic_source_id={}&state=invited", b["id"]),
    )
    .await;
    step(&partner, &invited_b[0]["id"], "decline", json!({})).await;

    let counts = |page: &Value| -> Vec<(String, i64, i64, i64)> {
        let mut rows: Vec<_> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_string(),
                    s["programs_approved"].as_i64().unwrap(),
                    s["programs_pending"].as_i64().unwrap(),
                    s["invitations"].as_i64().unwrap(),
                )
            })
            .collect();
        rows.sort();
        rows
    };
    let want = vec![
        ("Alpha".to_string(), 1, 1, 1),
        ("Beta".to_string(), 0, 0, 0),
    ];
    let page: Value = partner
        .get("/api/traffic-sources")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counts(&page), want);
    // Staff's list of the partner's sources counts the same.
    let staff = app.staff().await;
    let page: Value = staff
        .get(&format!(
            "/api/traffic-sources?partner_id={}",
            a["partner_id"]
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counts(&page), want);

    // The pending application approved: it moves from pending to approved.
    let pending = collaborations(&advertiser, "?state=pending").await;
    step(&advertiser, &pending[0]["id"], "approve", json!({})).await;
    let page: Value = partner
        .get("/api/traffic-sources")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counts(&page)[0], ("Alpha".to_string(), 2, 0, 1));
}

/// Frames from `stream` until one of `kind` about `source_id` arrives (within 2 s each);
/// `false` when the stream falls quiet first.
async fn hears(stream: &mut Stream, kind: &str, source_id: &Value) -> bool {
    while let Some(f) = stream.next_within(Duration::from_secs(2)).await {
        if f.event == kind && f.data["source_id"] == *source_id {
            return true;
        }
    }
    false
}

async fn every_change_of_state_reaches_both_sides_live(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let other = app.partner().await;
    let advertiser = app.advertiser().await;
    let source = partner.create_source("Live", "https://live.example/").await;
    let id = &source["id"];
    let program = program_with(
        &advertiser,
        json!({"name": "Live", "landing_url": "https://l.example/", "approval_mode": "manual"}),
    )
    .await;
    let mut partners = Stream::open(&partner, None).await;
    let mut advertisers = Stream::open(&advertiser, None).await;
    let mut others = Stream::open(&other, None).await;

    // Apply (a new row), then each change of that row's state, told to both sides.
    let c = apply(&partner, &program, &[&source]).await.remove(0);
    assert!(hears(&mut advertisers, "collaboration", id).await, "apply");
    assert!(hears(&mut partners, "collaboration", id).await, "apply");
    step(&advertiser, &c["id"], "approve", json!({})).await;
    assert!(hears(&mut partners, "collaboration", id).await, "approve");
    assert!(
        hears(&mut advertisers, "collaboration", id).await,
        "approve"
    );
    step(&partner, &c["id"], "end", json!({"reason": "Done"})).await;
    assert!(hears(&mut advertisers, "collaboration", id).await, "end");
    // An invitation declined, from the other side.
    let inviting = program_with(
        &advertiser,
        json!({"name": "Invites", "landing_url": "https://i.example/"}),
    )
    .await;
    let invited: Value = add(&advertiser, &inviting, &source)
        .await
        .json()
        .await
        .unwrap();
    assert!(hears(&mut partners, "collaboration", id).await, "invite");
    step(&partner, &invited["id"], "decline", json!({})).await;
    assert!(
        hears(&mut advertisers, "collaboration", id).await,
        "decline"
    );
    assert!(
        others
            .next_within(Duration::from_millis(300))
            .await
            .is_none(),
        "nothing for another partner"
    );
}

async fn the_openapi_document_describes_evidence_and_memberships(engine: Engine) {
    let app = spawn_app(engine).await;
    let doc: Value = app
        .anonymous()
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let schemas = &doc["components"]["schemas"];
    assert!(
        schemas["Collaboration"]["properties"]["evidence"].is_object(),
        "{}",
        schemas["Collaboration"]
    );
    for field in [
        "volume_band",
        "match_rate_30d",
        "bot_share_30d",
        "observed_channels",
        "observed_matches",
    ] {
        assert!(
            schemas["SourceEvidence"]["properties"][field].is_object(),
            "{field}"
        );
    }
    for field in ["programs_approved", "programs_pending", "invitations"] {
        assert!(
            schemas["TrafficSource"]["properties"][field].is_object(),
            "{field}"
        );
    }
}
