//! Staff's review queue: each reason appearing and clearing, the order, the filter and its
//! pages, marking reviewed (audited, and back in the queue only for a new reason), the
//! evidence of duplicate claims and the partner's notice, and who may call what.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::admin::{block, unblock};
use crate::both_engines;
use crate::roles::{check_row, Cast};
use crate::support::{error_code, spawn_app, spawn_app_with, Engine, TestApp, User};
use crate::traffic::{click_with, drain, human, linked, CHROME};
use crate::verification::{let_30_seconds_pass, read, source_at, verify, world};

both_engines!(
    role_matrix_for_review_calls,
    a_new_source_is_queued_until_verified_and_a_platform_profile_is_not,
    a_lost_proof_is_a_reason_until_proven_again,
    a_new_host_is_a_reason_and_a_new_path_is_not,
    a_duplicate_claim_marks_the_new_claim_alone_and_staff_see_every_claim,
    a_partner_learns_nothing_of_another_partners_verification,
    bad_traffic_is_a_reason_until_it_improves,
    unblocking_is_a_reason_and_blocking_takes_a_source_out,
    dated_reasons_expire_in_the_sweep,
    marking_reviewed_hides_a_source_until_a_new_reason,
    the_queue_is_riskiest_first_filtered_and_paged,
);

/// The queue (or one reason of it) as staff see it.
pub async fn queue(staff: &User, query: &str) -> Value {
    let r = staff.get(&format!("/api/admin/review{query}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// The reason ids of source `id` in the queue, or `None` when it is not there.
pub async fn reasons_of(staff: &User, id: i64) -> Option<Vec<String>> {
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("?limit=100&cursor={c}"),
            None => "?limit=100".into(),
        };
        let page = queue(staff, &q).await;
        for item in page["items"].as_array().unwrap() {
            if item["source"]["id"] == id {
                let mut reasons: Vec<String> = item["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["reason"].as_str().unwrap().to_string())
                    .collect();
                reasons.sort();
                return Some(reasons);
            }
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return None,
        }
    }
}

fn strings(v: &[&str]) -> Option<Vec<String>> {
    Some(v.iter().map(|s| s.to_string()).collect())
}

async fn sweep(app: &TestApp) {
    server::db::review::sweep(&app.db, app.state.config.review_thresholds())
        .await
        .unwrap();
}

async fn edit_url(partner: &User, id: i64, url: &str) {
    let current: Value = read(partner, id).await["source"].clone();
    let r = partner
        .put(
            &format!("/api/traffic-sources/{id}"),
            &json!({"name": current["name"], "url": url, "channels": current["channels"],
                    "status": current["status"], "visibility": current["visibility"],
                    "version": current["version"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "edit {id} to {url}");
}

/// Moves every reason (and review) of the queue `days` into the past.
async fn age_reasons(app: &TestApp, days: i64) {
    let ms = days * 86_400_000;
    for sql in [
        "UPDATE review_reasons SET raised_at = raised_at - $1",
        "UPDATE review_queue SET raised_at = raised_at - $1",
    ] {
        sqlx::query(sql)
            .bind(ms)
            .execute(&app.db.pool)
            .await
            .unwrap();
    }
}

async fn mark(staff: &User, id: i64, note: Option<&str>) -> Value {
    let r = staff
        .post(&format!("/api/admin/review/{id}"), &json!({ "note": note }))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

async fn role_matrix_for_review_calls(engine: Engine) {
    let app = spawn_app(engine).await;
    let cast = Cast::new(&app).await;
    let id = cast
        .owner
        .create_source("Queued", "https://queued.example")
        .await["id"]
        .as_i64()
        .unwrap();
    let none = |_| json!({});
    let before = app.snapshot().await;
    //                                                     anon owner other adv staff
    check_row(
        &cast,
        "GET",
        "/api/admin/review",
        none,
        [401, 403, 403, 403, 200],
    )
    .await;
    let evidence = format!("/api/admin/review/{id}");
    check_row(&cast, "GET", &evidence, none, [401, 403, 403, 403, 200]).await;
    let bulk = |_| json!({"action": "mark_reviewed", "ids": [id]});
    // Refused marks and bulk calls write nothing (the staff column is left out here).
    for (method, path) in [
        ("POST", evidence.as_str()),
        ("POST", "/api/admin/traffic-sources/bulk"),
    ] {
        for who in [
            &cast.anonymous,
            &cast.owner,
            &cast.other_partner,
            &cast.advertiser,
        ] {
            let r = who.post(path, &bulk(())).await;
            assert!(
                r.status() == StatusCode::UNAUTHORIZED || r.status() == StatusCode::FORBIDDEN,
                "{method} {path}: {}",
                r.status()
            );
        }
    }
    assert_eq!(
        app.snapshot().await,
        before,
        "refused calls changed nothing"
    );
    check_row(
        &cast,
        "GET",
        "/api/admin/review/999999",
        none,
        [401, 403, 403, 403, 404],
    )
    .await;
    let r = cast
        .staff
        .post("/api/admin/review/999999", &json!({}))
        .await;
    error_code(r, StatusCode::NOT_FOUND).await;
    // A bad filter or cursor is 400 naming it, and a bad note 422 at the field.
    let e = error_code(
        cast.staff.get("/api/admin/review?reason=nope").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(e["message"].as_str().unwrap().contains("reason"), "{e}");
    error_code(
        cast.staff.get("/api/admin/review?cursor=zz").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let long = "x".repeat(2001);
    let r = cast.staff.post(&evidence, &json!({ "note": long })).await;
    let e = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(e["fields"]["note"].is_string(), "{e}");
    assert_eq!(
        app.snapshot().await,
        before,
        "refused marks changed nothing"
    );
}

async fn a_new_source_is_queued_until_verified_and_a_platform_profile_is_not(engine: Engine) {
    let (app, _dns, site) = world(engine, None).await;
    let staff = app.staff().await;
    let partner = app.partner().await;
    let url = format!("http://blog.site.test:{}/", site.port);
    let (id, token) = source_at(&partner, "New Blog", &url).await;
    assert_eq!(reasons_of(&staff, id).await, strings(&["new_unverified"]));
    let profile = partner
        .create_source("Insta", "https://instagram.com/someone")
        .await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        reasons_of(&staff, profile).await,
        None,
        "a profile cannot be proven"
    );

    site.set(
        "/",
        crate::fake_net::Page::Html(format!(
            "<html><head><meta name=\"traffic-sources-verification\" content=\"{token}\"></head></html>"
        )),
    );
    assert_eq!(verify(&partner, id).await["verified"], true);
    assert_eq!(
        reasons_of(&staff, id).await,
        None,
        "verified: no longer a reason"
    );
}

async fn a_lost_proof_is_a_reason_until_proven_again(engine: Engine) {
    let (app, _dns, site) = world(engine, None).await;
    let staff = app.staff().await;
    let partner = app.partner().await;
    let url = format!("http://blog.site.test:{}/", site.port);
    let (id, token) = source_at(&partner, "Proven", &url).await;
    let page = |t: &str| {
        crate::fake_net::Page::Html(format!(
            "<html><head><meta name=\"traffic-sources-verification\" content=\"{t}\"></head></html>"
        ))
    };
    site.set("/", page(&token));
    assert_eq!(verify(&partner, id).await["verified"], true);
    assert_eq!(reasons_of(&staff, id).await, None);

    site.set("/", page("gone"));
    let_30_seconds_pass(&app).await;
    assert_eq!(verify(&partner, id).await["verified"], false);
    assert_eq!(
        reasons_of(&staff, id).await,
        strings(&["verification_lost"])
    );
    let evidence: Value = staff
        .get(&format!("/api/admin/review/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(evidence["reasons"][0]["label"], "Verification lost");
    assert!(
        !evidence["reasons"][0]["detail"]
            .as_str()
            .unwrap()
            .is_empty(),
        "the outcome in words: {evidence}"
    );
    assert_eq!(
        evidence["attempts"].as_array().unwrap().len(),
        2,
        "both checks are evidence"
    );
    assert_eq!(evidence["attempts"][0]["kind"], "manual");
    assert_eq!(evidence["attempts"][1]["method"], "meta_tag");

    site.set("/", page(&token));
    let_30_seconds_pass(&app).await;
    assert_eq!(verify(&partner, id).await["verified"], true);
    assert_eq!(reasons_of(&staff, id).await, None);
}

async fn a_new_host_is_a_reason_and_a_new_path_is_not(engine: Engine) {
    let app = spawn_app(engine).await;
    let staff = app.staff().await;
    let partner = app.partner().await;
    let id = partner
        .create_source("Mover", "https://mover.example/a")
        .await["id"]
        .as_i64()
        .unwrap();
    mark(&staff, id, None).await;
    assert_eq!(reasons_of(&staff, id).await, None);
    edit_url(&partner, id, "https://mover.example/b").await;
    assert_eq!(reasons_of(&staff, id).await, None, "same host, other path");
    edit_url(&partner, id, "https://elsewhere.example/").await;
    assert_eq!(reasons_of(&staff, id).await, strings(&["url_host_changed"]));
    let evidence: Value = staff
        .get(&format!("/api/admin/review/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        evidence["reasons"][0]["detail"],
        "from mover.example to elsewhere.example"
    );
}

/// What the queue holds of these sources, and their rows' versions: a write that leaves
/// them alone leaves this equal.
async fn review_rows(app: &TestApp, ids: &[i64]) -> Vec<String> {
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let mut rows = Vec::new();
    for sql in [
        format!("SELECT traffic_source_id, reason, raised_at, COALESCE(detail, '') AS d FROM review_reasons WHERE traffic_source_id IN ({list}) ORDER BY 1, 2"),
        format!("SELECT traffic_source_id, reason, raised_at, CAST(risk AS TEXT) AS d FROM review_queue WHERE traffic_source_id IN ({list}) ORDER BY 1, 2"),
        format!("SELECT id, CAST(version AS TEXT), updated_at, COALESCE(verified_method, '') FROM traffic_sources WHERE id IN ({list}) ORDER BY 1"),
    ] {
        for row in sqlx::query(&sql).fetch_all(&app.db.pool).await.unwrap() {
            use sqlx::Row;
            rows.push(format!(
                "{} {} {} {}",
                row.try_get::<i64, _>(0).unwrap(),
                row.try_get::<String, _>(1).unwrap(),
                row.try_get::<i64, _>(2).unwrap(),
                row.try_get::<String, _>(3).unwrap()
            ));
        }
    }
    rows
}

async fn a_duplicate_claim_marks_the_new_claim_alone_and_staff_see_every_claim(engine: Engine) {
    let app = spawn_app(engine).await;
    let staff = app.staff().await;
    let first = app.partner().await;
    let second = app.partner().await;
    let a = first
        .create_source("Shop", "https://claimed.example/")
        .await["id"]
        .as_i64()
        .unwrap();
    let a2 = first
        .create_source("Shop Blog", "https://blog.claimed.example/")
        .await["id"]
        .as_i64()
        .unwrap();
    // One partner's own sources on one site are no duplicate.
    assert_eq!(reasons_of(&staff, a).await, strings(&["new_unverified"]));
    sqlx::query("UPDATE traffic_sources SET verified_method = 'dns_txt' WHERE id = $1")
        .bind(a)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let firsts = review_rows(&app, &[a, a2]).await;
    // The second partner claims the site: a notice for staff, not a refusal.
    let r = second
        .post(
            "/api/traffic-sources",
            &crate::support::source_body("Copy", "https://www.claimed.example/deals"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "a notice, not a refusal");
    let b = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    assert_eq!(
        review_rows(&app, &[a, a2]).await,
        firsts,
        "the first partner's rows are not touched by the second's add"
    );
    let reasons = reasons_of(&staff, b).await.unwrap();
    assert!(
        reasons.contains(&"duplicate_claim".to_string()),
        "{reasons:?}"
    );
    for id in [a, a2] {
        let reasons = reasons_of(&staff, id).await.unwrap_or_default();
        assert!(
            !reasons.contains(&"duplicate_claim".to_string()),
            "{id}: {reasons:?}"
        );
    }
    // Staff see every claim on the site beside the new one: both partners' sources.
    let evidence: Value = staff
        .get(&format!("/api/admin/review/{b}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(evidence["site"], "claimed.example");
    let claims: Vec<(i64, bool)> = evidence["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["source_id"].as_i64().unwrap(),
                c["verified"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(claims, vec![(a, true), (a2, false), (b, false)]);
    assert_eq!(evidence["claims"][0]["partner_id"], first.id());
    assert_eq!(evidence["claims"][2]["partner_id"], second.id());
    // Only staff hear that another partner verified the site.
    assert_eq!(read(&staff, b).await["verified_elsewhere"], true);
    assert_eq!(read(&second, b).await["verified_elsewhere"], false);

    // The first partner adds there again: now theirs is the new claim, and the second's
    // rows are left alone.
    let seconds = review_rows(&app, &[b]).await;
    let a3 = first
        .create_source("Shop Deals", "https://deals.claimed.example/")
        .await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(review_rows(&app, &[b]).await, seconds);
    let reasons = reasons_of(&staff, a3).await.unwrap();
    assert!(
        reasons.contains(&"duplicate_claim".to_string()),
        "{reasons:?}"
    );

    // The second partner moves away: their claim ends at once; the first's, which nobody
    // shares any more, at the next sweep (not in the second's request).
    edit_url(&second, b, "https://mine.example/").await;
    let reasons = reasons_of(&staff, b).await.unwrap_or_default();
    assert!(
        !reasons.contains(&"duplicate_claim".to_string()),
        "{reasons:?}"
    );
    sweep(&app).await;
    for id in [a, a2, a3] {
        let reasons = reasons_of(&staff, id).await.unwrap_or_default();
        assert!(
            !reasons.contains(&"duplicate_claim".to_string()),
            "{id}: {reasons:?}"
        );
    }
}

async fn a_partner_learns_nothing_of_another_partners_verification(engine: Engine) {
    let app = spawn_app(engine).await;
    let staff = app.staff().await;
    let owner = app.partner().await;
    let other = app.partner().await;
    let verified = owner.create_source("Site", "https://proven.example/").await["id"]
        .as_i64()
        .unwrap();
    sqlx::query("UPDATE traffic_sources SET verified_method = 'dns_txt' WHERE id = $1")
        .bind(verified)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let theirs = other
        .create_source("Mine too", "https://www.proven.example/")
        .await["id"]
        .as_i64()
        .unwrap();
    let read_by_partner = read(&other, theirs).await;
    assert_eq!(read_by_partner["verified_elsewhere"], false);
    assert_eq!(read_by_partner["verification"]["state"], "unverified");
    // Staff see it, to weigh the claim.
    assert_eq!(read(&staff, theirs).await["verified_elsewhere"], true);
}

async fn bad_traffic_is_a_reason_until_it_improves(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.review_min_clicks = 10).await;
    let staff = app.staff().await;
    let l = linked(&app, "Busy", "https://busy.example/").await;
    let id = l.source["id"].as_i64().unwrap();
    mark(&staff, id, None).await;
    // 6 of 10 human clicks from another site: over 40%.
    for i in 0..10 {
        let from = if i < 6 {
            "https://spam.example/x"
        } else {
            "https://busy.example/post"
        };
        human(&app, &l.code, from).await;
    }
    drain(&app).await;
    sweep(&app).await;
    assert_eq!(
        reasons_of(&staff, id).await,
        strings(&["referrer_mismatch"])
    );
    let item = &queue(&staff, "?reason=referrer_mismatch").await["items"][0];
    assert_eq!(
        item["reasons"][0]["detail"],
        "60% of 10 valid clicks in 7 days came from other sites"
    );
    // Bots: 12 of 22 clicks have a bot's user agent or none.
    for i in 0..12 {
        let headers: &[(&str, &[u8])] = if i % 2 == 0 {
            &[("user-agent", b"Googlebot/2.1")]
        } else {
            &[]
        };
        click_with(&app, &l.code, headers).await;
    }
    drain(&app).await;
    sweep(&app).await;
    assert_eq!(
        reasons_of(&staff, id).await,
        strings(&["bot_share", "referrer_mismatch"])
    );

    // Enough good human traffic (20 people) brings both under their thresholds.
    for i in 0..20 {
        click_with(
            &app,
            &l.code,
            &[
                ("user-agent", format!("{CHROME} P{i}").as_bytes()),
                ("referer", b"https://busy.example/"),
            ],
        )
        .await;
    }
    drain(&app).await;
    sweep(&app).await;
    assert_eq!(reasons_of(&staff, id).await, None);
}

async fn unblocking_is_a_reason_and_blocking_takes_a_source_out(engine: Engine) {
    let app = spawn_app(engine).await;
    let staff = app.staff().await;
    let partner = app.partner().await;
    let id = partner
        .create_source("Blockee", "https://blockee.example")
        .await["id"]
        .as_i64()
        .unwrap();
    assert!(reasons_of(&staff, id).await.is_some());
    block(&staff, id, "Fake clicks", None).await;
    assert_eq!(
        reasons_of(&staff, id).await,
        None,
        "blocking was the decision"
    );
    unblock(&staff, id).await;
    assert_eq!(
        reasons_of(&staff, id).await,
        strings(&["new_unverified", "recently_unblocked"])
    );
}

async fn dated_reasons_expire_in_the_sweep(engine: Engine) {
    let app = spawn_app(engine).await;
    let staff = app.staff().await;
    let partner = app.partner().await;
    let id = partner
        .create_source("Aging", "https://aging.example")
        .await["id"]
        .as_i64()
        .unwrap();
    edit_url(&partner, id, "https://aged.example").await;
    block(&staff, id, "Check", None).await;
    unblock(&staff, id).await;
    assert_eq!(
        reasons_of(&staff, id).await,
        strings(&["new_unverified", "recently_unblocked", "url_host_changed"])
    );
    age_reasons(&app, 15).await;
    sweep(&app).await;
    assert_eq!(
        reasons_of(&staff, id).await,
        strings(&["recently_unblocked", "url_host_changed"]),
        "new for 14 days"
    );
    age_reasons(&app, 16).await;
    sweep(&app).await;
    assert_eq!(reasons_of(&staff, id).await, None, "news for 30 days");
}

async fn marking_reviewed_hides_a_source_until_a_new_reason(engine: Engine) {
    let app = spawn_app(engine).await;
    let staff = app.staff().await;
    let partner = app.partner().await;
    let id = partner
        .create_source("Looked At", "https://looked.example")
        .await["id"]
        .as_i64()
        .unwrap();
    let evidence = mark(&staff, id, Some("Known publisher")).await;
    assert_eq!(evidence["reasons"], json!([]));
    assert!(evidence["reviewed_at"].is_string());
    assert_eq!(reasons_of(&staff, id).await, None);
    // Audited for staff, with the note and the reasons it had; the partner sees no note.
    let history: Value = staff
        .get(&format!("/api/traffic-sources/{id}/history"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["items"][0]["action"], "reviewed");
    assert_eq!(history["items"][0]["actor"]["id"], staff.id());
    let note = history["items"][0]["note"].as_str().unwrap();
    assert!(
        note.contains("Known publisher") && note.contains("New and not verified"),
        "{note}"
    );
    let theirs: Value = partner
        .get(&format!("/api/traffic-sources/{id}/history"))
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs["items"][0]["note"].is_null());
    // The same reason persisting does not bring it back; a new one does, alone.
    sweep(&app).await;
    assert_eq!(reasons_of(&staff, id).await, None);
    edit_url(&partner, id, "https://moved.example").await;
    assert_eq!(reasons_of(&staff, id).await, strings(&["url_host_changed"]));
}

async fn the_queue_is_riskiest_first_filtered_and_paged(engine: Engine) {
    let app = spawn_app(engine).await;
    let staff = app.staff().await;
    let partner = app.partner().await;
    let other = app.partner().await;
    let mut plain = Vec::new();
    for i in 0..4 {
        plain.push(
            partner
                .create_source(&format!("Plain {i}"), &format!("https://plain{i}.example"))
                .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let dup = other
        .create_source("Dup", "https://plain0.example/copy")
        .await["id"]
        .as_i64()
        .unwrap();
    let page = queue(&staff, "").await;
    assert_eq!(page["total"], 5);
    let order: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["source"]["id"].as_i64().unwrap())
        .collect();
    // The duplicate claim (30 + 10: the new claim alone) first; then new sources, newest
    // first.
    assert_eq!(order, vec![dup, plain[3], plain[2], plain[1], plain[0]]);
    assert_eq!(page["items"][0]["risk"], 40);
    assert_eq!(
        page["items"][0]["reasons"][0]["label"],
        "Site claimed by several partners"
    );

    let dups = queue(&staff, "?reason=duplicate_claim").await;
    assert_eq!(dups["total"], 1);
    assert_eq!(dups["items"].as_array().unwrap().len(), 1);

    let mut seen = Vec::new();
    let mut query = "?limit=2".to_string();
    loop {
        let page = queue(&staff, &query).await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["source"]["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => query = format!("?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(
        seen, order,
        "pages walk the same order without gaps or repeats"
    );
}
