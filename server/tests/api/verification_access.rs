//! Ownership verification, its limits and rules: one check per source every 30 s and 20 per
//! partner an hour (shared by every instance), shared platforms, the marketplace's Verified
//! filter, who may ask for a check, and the published contract.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;
use crate::fake_net::Page;
use crate::support::{error_code, Engine, TestApp};
use crate::verification::{let_30_seconds_pass, read, source_at, verify, world};

both_engines!(
    one_check_per_source_every_30_s_and_20_per_partner_an_hour,
    old_attempts_go_but_each_source_keeps_its_latest_twenty,
    shared_platform_sources_are_not_verifiable_and_not_refused,
    the_marketplace_filters_on_verified,
    only_the_owner_partner_can_verify,
    the_openapi_document_describes_verification,
);

async fn one_check_per_source_every_30_s_and_20_per_partner_an_hour(engine: Engine) {
    let (app, _dns, site) = world(engine, None).await;
    let partner = app.partner().await;
    let (id, _) = source_at(
        &partner,
        "A",
        &format!("http://blog.site.test:{}/", site.port),
    )
    .await;
    let (other, _) = source_at(&partner, "B", &format!("http://site.test:{}/", site.port)).await;
    verify(&partner, id).await;

    let before = app.snapshot().await;
    let attempts_before = attempts(&app).await;
    let r = partner
        .post(&format!("/api/traffic-sources/{id}/verify"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    let error = error_code(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(error["code"], "rate_limited");
    assert!(error["message"].as_str().unwrap().contains("30 seconds"));
    assert_eq!(
        app.snapshot().await,
        before,
        "a refused check changes nothing"
    );
    assert_eq!(attempts(&app).await, attempts_before);

    // A second instance on the same database agrees.
    let second = crate::support::second_instance(&app.url).await;
    let mut elsewhere = partner.clone();
    elsewhere.base = second;
    let r = elsewhere
        .post(&format!("/api/traffic-sources/{id}/verify"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

    // Nineteen more checks in the last hour (of other minutes) make twenty.
    for minute in 1..=19 {
        sqlx::query("INSERT INTO verification_attempts (traffic_source_id, partner_id, at, kind) VALUES ($1, $2, $3, 'manual')")
            .bind(other)
            .bind(partner.id())
            .bind(server::time::now_ms() - minute * 60_000)
            .execute(&app.db.pool)
            .await
            .unwrap();
    }
    let_30_seconds_pass(&app).await;
    let r = partner
        .post(&format!("/api/traffic-sources/{id}/verify"), &json!({}))
        .await;
    let error = error_code(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("20 checks in the last hour"),
        "{error}"
    );
    // Another partner is not affected.
    let someone = app.partner().await;
    let (theirs, _) = source_at(&someone, "C", &format!("http://site.test:{}/", site.port)).await;
    verify(&someone, theirs).await;
}

/// Every verified source is re-checked on a schedule, so attempts would pile up for ever:
/// a finished check deletes its source's attempts older than 90 days, except the newest 20
/// that staff's evidence shows. Other sources' rows wait for their own next check.
async fn old_attempts_go_but_each_source_keeps_its_latest_twenty(engine: Engine) {
    let (app, _dns, site) = world(engine, None).await;
    let partner = app.partner().await;
    let url = |host: &str| format!("http://{host}:{}/", site.port);
    let (busy, _) = source_at(&partner, "Busy", &url("blog.site.test")).await;
    let (quiet, _) = source_at(&partner, "Quiet", &url("site.test")).await;
    let (untouched, _) = source_at(&partner, "Untouched", &url("other.test")).await;
    const DAY: i64 = 24 * 3_600_000;
    let now = server::time::now_ms();
    let add = |source: i64, days_ago: i64| {
        sqlx::query("INSERT INTO verification_attempts (traffic_source_id, partner_id, at, kind, outcome) VALUES ($1, $2, $3, 'recheck', 'old')")
            .bind(source)
            .bind(partner.id())
            .bind(now - days_ago * DAY)
    };
    // Busy: 25 checks in the last 90 days and 10 older ones.
    for d in (1..=25).chain(100..110) {
        add(busy, d).execute(&app.db.pool).await.unwrap();
    }
    // Quiet and Untouched: 30 checks each, all older than 90 days.
    for d in 100..130 {
        add(quiet, d).execute(&app.db.pool).await.unwrap();
        add(untouched, d).execute(&app.db.pool).await.unwrap();
    }

    verify(&partner, busy).await;
    verify(&partner, quiet).await;

    // Busy keeps the new check and every one of the last 90 days: 26.
    assert_eq!(attempts_of(&app, busy, 0).await, 26);
    assert_eq!(
        attempts_of(&app, busy, 90 * DAY).await,
        0,
        "nothing older than 90 days is left"
    );
    // Quiet keeps its newest 20: the new check and the 19 latest old ones.
    assert_eq!(attempts_of(&app, quiet, 0).await, 20);
    assert_eq!(
        attempts_of(&app, quiet, 119 * DAY).await,
        0,
        "the oldest went first"
    );
    assert_eq!(attempts_of(&app, untouched, 0).await, 30);

    // Staff's evidence still shows the latest twenty, newest first.
    let staff = app.staff().await;
    let r = staff.get(&format!("/api/admin/review/{quiet}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let evidence: Value = r.json().await.unwrap();
    let shown = evidence["attempts"].as_array().expect("attempts");
    assert_eq!(shown.len(), 20);
    assert_eq!(shown[0]["kind"], "manual");
}

/// A source's attempts at least `older_than` ms old.
async fn attempts_of(app: &TestApp, source: i64, older_than: i64) -> i64 {
    use sqlx::Row;
    sqlx::query(
        "SELECT COUNT(*) AS n FROM verification_attempts WHERE traffic_source_id = $1 AND at <= $2",
    )
    .bind(source)
    .bind(server::time::now_ms() - older_than)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
    .try_get("n")
    .unwrap()
}

async fn attempts(app: &TestApp) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) AS n FROM verification_attempts")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

async fn shared_platform_sources_are_not_verifiable_and_not_refused(engine: Engine) {
    let (app, _dns, _site) = world(engine, None).await;
    let partner = app.partner().await;
    for (i, url) in [
        "https://instagram.com/someone",
        "https://www.youtube.com/@someone",
        "https://www.tiktok.com/@someone",
        "https://x.com/someone",
        "https://facebook.com/someone",
    ]
    .iter()
    .enumerate()
    {
        let created = partner.create_source(&format!("Profile {i}"), url).await;
        assert_eq!(created["verification_state"], "not_verifiable", "{url}");
        let id = created["id"].as_i64().unwrap();
        let detail = read(&partner, id).await;
        assert_eq!(detail["verification"]["state"], "not_verifiable");
        let reason = detail["verification"]["not_verifiable_reason"]
            .as_str()
            .unwrap();
        assert!(reason.contains("shared platform"), "{reason}");
        let r = partner
            .post(&format!("/api/traffic-sources/{id}/verify"), &json!({}))
            .await;
        assert_eq!(
            error_code(r, StatusCode::CONFLICT).await["code"],
            "not_verifiable"
        );
    }
    assert_eq!(attempts(&app).await, 0, "nothing was checked");
}

async fn the_marketplace_filters_on_verified(engine: Engine) {
    let (app, _dns, site) = world(engine, None).await;
    let partner = app.partner().await;
    let (proven, token) = source_at(
        &partner,
        "Proven",
        &format!("http://blog.site.test:{}/", site.port),
    )
    .await;
    let (plain, _) = source_at(
        &partner,
        "Plain",
        &format!("http://site.test:{}/", site.port),
    )
    .await;
    site.set(
        "/.well-known/traffic-sources-verification.txt",
        Page::Text(token),
    );
    assert_eq!(verify(&partner, proven).await["verified"], true);
    let advertiser = app.advertiser().await;

    let all: Value = advertiser
        .get("/api/marketplace/traffic-sources")
        .await
        .json()
        .await
        .unwrap();
    let flags: Vec<(i64, bool)> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_i64().unwrap(), s["verified"].as_bool().unwrap()))
        .collect();
    assert_eq!(flags, [(plain, false), (proven, true)]);
    let only: Value = advertiser
        .get("/api/marketplace/traffic-sources?verified=true")
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = only["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [proven]);
    let one: Value = advertiser
        .get(&format!("/api/marketplace/traffic-sources/{proven}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["verified"], true);
    let r = advertiser
        .get("/api/marketplace/traffic-sources?verified=maybe")
        .await;
    let error = error_code(r, StatusCode::BAD_REQUEST).await;
    assert!(error["message"].as_str().unwrap().contains("verified"));
    // The partner's own list filters the same way.
    let mine: Value = partner
        .get("/api/traffic-sources?verified=false")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine["items"][0]["id"], plain);
}

async fn only_the_owner_partner_can_verify(engine: Engine) {
    let (app, _dns, site) = world(engine, None).await;
    let owner = app.partner().await;
    let (id, _) = source_at(
        &owner,
        "Mine",
        &format!("http://blog.site.test:{}/", site.port),
    )
    .await;
    let path = format!("/api/traffic-sources/{id}/verify");
    let before = app.snapshot().await;
    let requests = site.requests();

    let r = app.anonymous().post(&path, &json!({})).await;
    error_code(r, StatusCode::UNAUTHORIZED).await;
    let r = app.advertiser().await.post(&path, &json!({})).await;
    error_code(r, StatusCode::FORBIDDEN).await;
    let r = app.staff().await.post(&path, &json!({})).await;
    error_code(r, StatusCode::FORBIDDEN).await;
    let r = app.partner().await.post(&path, &json!({})).await;
    error_code(r, StatusCode::NOT_FOUND).await;
    let r = owner
        .post("/api/traffic-sources/999999/verify", &json!({}))
        .await;
    error_code(r, StatusCode::NOT_FOUND).await;
    let r = owner
        .post("/api/traffic-sources/abc/verify", &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    assert_eq!(attempts(&app).await, 0);
    assert_eq!(site.requests(), requests, "no check ran");
    // Sign-ups and staff sessions aside, nothing changed: compare the source's rows.
    let sources = |s: &str| {
        s.lines()
            .skip_while(|l| !l.starts_with("traffic_sources:"))
            .take_while(|l| !l.starts_with("programs:"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(sources(&app.snapshot().await), sources(&before));
    // The staff read shows the state too.
    let staff = app.staff().await;
    assert_eq!(
        read(&staff, id).await["verification"]["state"],
        "unverified"
    );
}

async fn the_openapi_document_describes_verification(engine: Engine) {
    let (app, _dns, _site) = world(engine, None).await;
    let doc: Value = app
        .anonymous()
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let verify = &doc["paths"]["/api/traffic-sources/{id}/verify"]["post"];
    for status in ["200", "400", "401", "403", "404", "409", "429"] {
        assert!(
            verify["responses"][status].is_object(),
            "verify answers {status}"
        );
    }
    let params = |path: &str| -> Vec<String> {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(params("/api/marketplace/traffic-sources").contains(&"verified".to_string()));
    assert!(params("/api/traffic-sources").contains(&"verified".to_string()));
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["MarketplaceSource"]["properties"]["verified"].is_object());
    assert!(schemas["TrafficSource"]["properties"]["verification_state"].is_object());
    assert!(schemas["TrafficSourceDetail"]["properties"]["verification"].is_object());
    for name in [
        "VerifyOutcome",
        "Verification",
        "VerificationState",
        "VerificationMethod",
        "ProofResult",
    ] {
        assert!(schemas[name].is_object(), "schema {name}");
    }
    let actions = schemas["AuditAction"]["enum"].to_string();
    assert!(
        actions.contains("\"verified\"") && actions.contains("\"unverified\""),
        "{actions}"
    );
}
