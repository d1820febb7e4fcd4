//! Partners' traffic sources: every field rule, duplicates, versions, lists and history.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;
use crate::support::{error_code, source_body, spawn_app, Engine};

both_engines!(
    create_normalises_and_reads_back,
    every_field_rule_is_enforced_and_nothing_is_written,
    partner_cannot_choose_blocked,
    malformed_unknown_and_oversized_bodies_are_refused,
    duplicate_names_and_urls_are_refused_at_the_field,
    the_same_name_is_fine_for_another_partner,
    edit_with_version_and_stale_version_conflicts,
    edit_refuses_bad_fields_and_missing_version,
    two_concurrent_edits_from_one_version_exactly_one_wins,
    blocked_sources_are_listed_with_reason_and_cannot_be_edited,
    another_partners_source_is_not_found,
    list_filters_search_and_sort,
    pagination_walks_every_source_exactly_once,
    bad_list_parameters_are_refused,
    history_records_every_change_with_old_and_new_values,
    staff_lists_everyone_and_filters_by_partner,
    search_follows_edits_and_takes_any_text,
);

async fn create_normalises_and_reads_back(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let body = json!({"name": "  Deal Hunter  ", "url": "HTTPS://Deals.Example.COM:443/Top", "channels": ["video", "coupons"], "status": "paused", "visibility": "private"});
    let r = partner.post("/api/traffic-sources", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["name"], "Deal Hunter");
    assert_eq!(created["url"], "https://deals.example.com/Top");
    assert_eq!(created["channels"], json!(["coupons", "video"]));
    assert_eq!(created["status"], "paused");
    assert_eq!(created["visibility"], "private");
    assert_eq!(created["version"], 1);
    assert_eq!(created["partner_id"], partner.id());
    let id = created["id"].as_i64().unwrap();
    let detail: Value = partner
        .get(&format!("/api/traffic-sources/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["source"], created);
    assert_eq!(detail["programs"], json!([]));
}

async fn every_field_rule_is_enforced_and_nothing_is_written(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let good = source_body("Good", "https://good.example");
    let cases: Vec<(&str, Value)> = vec![
        ("name", json!("")),
        ("name", json!("   ")),
        ("name", json!("x".repeat(101))),
        ("name", json!("line\nbreak")),
        ("url", json!("")),
        ("url", json!("good.example")),
        ("url", json!("ftp://good.example")),
        ("url", json!("https://")),
        ("url", json!("https://user:pw@good.example")),
        (
            "url",
            json!(format!("https://good.example/{}", "a".repeat(2048))),
        ),
        ("url", json!("https://bad host.example")),
        ("channels", json!([])),
        ("channels", json!(["tv"])),
        ("channels", json!(["email", "email"])),
        ("status", json!("")),
        ("status", json!("sleeping")),
        ("visibility", json!("")),
        ("visibility", json!("hidden")),
    ];
    let before = app.snapshot().await;
    for (field, value) in cases {
        let mut body = good.clone();
        body[field] = value.clone();
        let error = error_code(
            partner.post("/api/traffic-sources", &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error["code"], "invalid", "{field}={value}");
        assert!(
            error["fields"][field]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{field}={value}: {error}"
        );
        assert_eq!(
            error["fields"].as_object().unwrap().len(),
            1,
            "only {field} is wrong: {error}"
        );
    }
    // A missing field is reported at that field too.
    let error = error_code(
        partner
            .post("/api/traffic-sources", &json!({"name": "No URL"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    for field in ["url", "channels", "status", "visibility"] {
        assert!(error["fields"][field].is_string(), "{field}: {error}");
    }
    assert_eq!(app.snapshot().await, before);
    // The boundaries themselves are accepted.
    let mut edge = good.clone();
    edge["name"] = json!("é".repeat(100));
    assert_eq!(
        partner.post("/api/traffic-sources", &edge).await.status(),
        StatusCode::CREATED
    );
}

async fn partner_cannot_choose_blocked(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let before = app.snapshot().await;
    let mut body = source_body("Sneaky", "https://sneaky.example");
    body["status"] = json!("blocked");
    let error = error_code(
        partner.post("/api/traffic-sources", &body).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(error["code"], "forbidden");
    assert_eq!(app.snapshot().await, before);
    let created = partner
        .create_source("Honest", "https://honest.example")
        .await;
    let before = app.snapshot().await;
    let mut edit = source_body("Honest", "https://honest.example");
    edit["status"] = json!("blocked");
    edit["version"] = created["version"].clone();
    let r = partner
        .put(&format!("/api/traffic-sources/{}", created["id"]), &edit)
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot().await, before);
}

async fn malformed_unknown_and_oversized_bodies_are_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let url = format!("{}/api/traffic-sources", app.base());
    let before = app.snapshot().await;
    let r = partner
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    let error = error_code(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(error["code"], "malformed");
    let mut unknown = source_body("A", "https://a.example");
    unknown["partner_id"] = json!(1);
    let error = error_code(
        partner.post("/api/traffic-sources", &unknown).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        error["message"].as_str().unwrap().contains("partner_id"),
        "{error}"
    );
    let wrong_type = json!({"name": 5, "url": "https://a.example", "channels": ["content"], "status": "active", "visibility": "public"});
    error_code(
        partner.post("/api/traffic-sources", &wrong_type).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let mut huge = source_body("A", "https://a.example");
    huge["name"] = json!("x".repeat(70 * 1024));
    let error = error_code(
        partner.post("/api/traffic-sources", &huge).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert_eq!(error["code"], "too_large");
    let r = partner
        .client
        .post(&url)
        .header("content-type", "text/plain")
        .body(source_body("A", "https://a.example").to_string())
        .send()
        .await
        .unwrap();
    error_code(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(app.snapshot().await, before);
}

async fn duplicate_names_and_urls_are_refused_at_the_field(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    partner
        .create_source("My Blog", "https://blog.example/a")
        .await;
    let other = partner
        .create_source("Other", "https://other.example")
        .await;
    let before = app.snapshot().await;
    let error = error_code(
        partner
            .post(
                "/api/traffic-sources",
                &source_body("  my BLOG ", "https://new.example"),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error["code"], "duplicate");
    assert!(error["fields"]["name"].is_string(), "{error}");
    let error = error_code(
        partner
            .post(
                "/api/traffic-sources",
                &source_body("New", "HTTPS://BLOG.example:443/a"),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error["code"], "duplicate");
    assert!(error["fields"]["url"].is_string(), "{error}");
    // Renaming onto an existing name is refused too.
    let mut edit = source_body("MY BLOG", "https://other.example");
    edit["version"] = other["version"].clone();
    let error = error_code(
        partner
            .put(&format!("/api/traffic-sources/{}", other["id"]), &edit)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(error["fields"]["name"].is_string(), "{error}");
    assert_eq!(app.snapshot().await, before);
}

async fn the_same_name_is_fine_for_another_partner(engine: Engine) {
    let app = spawn_app(engine).await;
    app.partner()
        .await
        .create_source("Shared Name", "https://shared.example")
        .await;
    app.partner()
        .await
        .create_source("Shared Name", "https://shared.example")
        .await;
}

async fn edit_with_version_and_stale_version_conflicts(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let created = partner
        .create_source("Before", "https://before.example")
        .await;
    let path = format!("/api/traffic-sources/{}", created["id"]);
    let mut edit = json!({"name": "After", "url": "https://after.example", "channels": ["email", "social"], "status": "paused", "visibility": "private", "version": 1});
    let r = partner.put(&path, &edit).await;
    assert_eq!(r.status(), StatusCode::OK);
    let updated: Value = r.json().await.unwrap();
    assert_eq!(updated["name"], "After");
    assert_eq!(updated["status"], "paused");
    assert_eq!(updated["version"], 2);
    assert_ne!(updated["updated_at"], Value::Null);
    // A save from the old version is refused and changes nothing.
    let before = app.snapshot().await;
    edit["name"] = json!("Lost update");
    let error = error_code(partner.put(&path, &edit).await, StatusCode::CONFLICT).await;
    assert_eq!(error["code"], "version_conflict");
    assert_eq!(app.snapshot().await, before);
    let now: Value = partner.get(&path).await.json().await.unwrap();
    assert_eq!(now["source"]["name"], "After");
    // Saving without changes does not bump the version.
    edit["name"] = json!("After");
    edit["version"] = json!(2);
    let same: Value = partner.put(&path, &edit).await.json().await.unwrap();
    assert_eq!(same["version"], 2);
}

async fn edit_refuses_bad_fields_and_missing_version(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let created = partner
        .create_source("Source", "https://source.example")
        .await;
    let path = format!("/api/traffic-sources/{}", created["id"]);
    let before = app.snapshot().await;
    let error = error_code(
        partner
            .put(&path, &source_body("Source", "https://source.example"))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(error["fields"]["version"].is_string(), "{error}");
    let mut bad = source_body("", "nope");
    bad["version"] = json!(1);
    let error = error_code(
        partner.put(&path, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        error["fields"]["name"].is_string() && error["fields"]["url"].is_string(),
        "{error}"
    );
    assert_eq!(app.snapshot().await, before);
}

async fn two_concurrent_edits_from_one_version_exactly_one_wins(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let created = partner.create_source("Race", "https://race.example").await;
    let path = format!("/api/traffic-sources/{}", created["id"]);
    for round in 0..5 {
        let version: i64 = partner.get(&path).await.json::<Value>().await.unwrap()["source"]
            ["version"]
            .as_i64()
            .unwrap();
        let mut a = source_body(&format!("Race A{round}"), "https://race.example");
        a["version"] = json!(version);
        let mut b = source_body(&format!("Race B{round}"), "https://race.example");
        b["version"] = json!(version);
        let (ra, rb) = tokio::join!(partner.put(&path, &a), partner.put(&path, &b));
        let mut statuses = [ra.status(), rb.status()];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "round {round}"
        );
        let now: Value = partner.get(&path).await.json().await.unwrap();
        assert_eq!(now["source"]["version"], version + 1);
    }
    let history: Value = partner
        .get(&format!("{path}/history?limit=100"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        history["items"].as_array().unwrap().len(),
        6,
        "one created + one per winning edit"
    );
}

async fn blocked_sources_are_listed_with_reason_and_cannot_be_edited(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let staff = app.staff().await;
    let created = partner
        .create_source("Shady", "https://shady.example")
        .await;
    let id = created["id"].as_i64().unwrap();
    server::db::sources::block(
        &app.db,
        id,
        staff.id(),
        "Fake traffic",
        Some("internal: three reports"),
    )
    .await
    .unwrap();
    let list: Value = partner
        .get("/api/traffic-sources")
        .await
        .json()
        .await
        .unwrap();
    let row = &list["items"][0];
    assert_eq!(row["status"], "blocked");
    assert_eq!(row["block_reason"], "Fake traffic");
    assert!(
        row.get("block_note").is_none(),
        "the internal note never reaches the partner: {row}"
    );
    let detail: Value = partner
        .get(&format!("/api/traffic-sources/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(detail["source"].get("block_note").is_none());
    let staff_view: Value = staff
        .get(&format!("/api/traffic-sources/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        staff_view["source"]["block_note"],
        "internal: three reports"
    );
    let before = app.snapshot().await;
    let mut edit = source_body("Shady", "https://shady.example");
    edit["version"] = row["version"].clone();
    let error = error_code(
        partner
            .put(&format!("/api/traffic-sources/{id}"), &edit)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(error["code"], "source_blocked");
    edit["status"] = json!("paused");
    assert_eq!(
        partner
            .put(&format!("/api/traffic-sources/{id}"), &edit)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.snapshot().await, before);
}

async fn another_partners_source_is_not_found(engine: Engine) {
    let app = spawn_app(engine).await;
    let owner = app.partner().await;
    let intruder = app.partner().await;
    let created = owner.create_source("Mine", "https://mine.example").await;
    let path = format!("/api/traffic-sources/{}", created["id"]);
    let before = app.snapshot().await;
    error_code(intruder.get(&path).await, StatusCode::NOT_FOUND).await;
    error_code(
        intruder.get(&format!("{path}/history")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let mut edit = source_body("Stolen", "https://mine.example");
    edit["version"] = json!(1);
    error_code(intruder.put(&path, &edit).await, StatusCode::NOT_FOUND).await;
    let list: Value = intruder
        .get("/api/traffic-sources")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));
    assert_eq!(list["total"], 0);
    // A source that does not exist answers the same.
    error_code(
        intruder.get("/api/traffic-sources/999999").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(app.snapshot().await, before);
}

async fn make(
    partner: &crate::support::User,
    name: &str,
    url: &str,
    channels: &[&str],
    status: &str,
    visibility: &str,
) -> Value {
    let body = json!({"name": name, "url": url, "channels": channels, "status": status, "visibility": visibility});
    let r = partner.post("/api/traffic-sources", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

async fn list_filters_search_and_sort(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    make(
        &partner,
        "Alpha Blog",
        "https://alpha.example",
        &["content"],
        "active",
        "public",
    )
    .await;
    make(
        &partner,
        "beta Coupons",
        "https://coupons.example/beta",
        &["coupons", "cashback"],
        "paused",
        "public",
    )
    .await;
    make(
        &partner,
        "Gamma Mail",
        "https://mail.example",
        &["email"],
        "active",
        "private",
    )
    .await;
    make(
        &partner,
        "Delta 100%_off",
        "https://delta.example",
        &["coupons"],
        "active",
        "public",
    )
    .await;
    app.partner()
        .await
        .create_source("Alpha Elsewhere", "https://alpha.example")
        .await;
    let get = |query: &'static str| {
        let partner = partner.clone();
        async move {
            let r = partner.get(&format!("/api/traffic-sources?{query}")).await;
            assert_eq!(r.status(), StatusCode::OK, "{query}");
            r.json::<Value>().await.unwrap()
        }
    };
    assert_eq!(
        names(&get("sort=name").await),
        ["Alpha Blog", "beta Coupons", "Delta 100%_off", "Gamma Mail"]
    );
    assert_eq!(
        names(&get("sort=-name").await),
        ["Gamma Mail", "Delta 100%_off", "beta Coupons", "Alpha Blog"]
    );
    assert_eq!(
        names(&get("sort=-created_at").await),
        ["Delta 100%_off", "Gamma Mail", "beta Coupons", "Alpha Blog"]
    );
    assert_eq!(names(&get("sort=url").await)[0], "Alpha Blog");
    assert_eq!(
        names(&get("").await)[0],
        "Delta 100%_off",
        "default: most recently changed first"
    );
    assert_eq!(get("").await["total"], 4);
    assert_eq!(names(&get("q=ALPHA").await), ["Alpha Blog"]);
    assert_eq!(
        names(&get("q=coupons.example").await),
        ["beta Coupons"],
        "search covers the URL"
    );
    assert_eq!(
        names(&get("q=100%25_").await),
        ["Delta 100%_off"],
        "% and _ are literal"
    );
    assert_eq!(names(&get("q=%25").await), ["Delta 100%_off"]);
    assert_eq!(names(&get("status=paused").await), ["beta Coupons"]);
    assert_eq!(
        names(&get("status=paused&status=active&sort=name").await).len(),
        4
    );
    assert_eq!(
        names(&get("status=paused&status=active&status=blocked").await).len(),
        4
    );
    assert_eq!(names(&get("status=blocked").await).len(), 0);
    assert_eq!(
        names(&get("status=blocked&status=paused").await),
        ["beta Coupons"]
    );
    assert_eq!(names(&get("visibility=private").await), ["Gamma Mail"]);
    assert_eq!(names(&get("channel=cashback").await), ["beta Coupons"]);
    assert_eq!(
        names(&get("channel=email&channel=content&sort=name").await),
        ["Alpha Blog", "Gamma Mail"]
    );
    let filtered = get("channel=coupons&status=active").await;
    assert_eq!(names(&filtered), ["Delta 100%_off"]);
    assert_eq!(filtered["total"], 1);
    assert_eq!(get("q=nothing-like-this").await["items"], json!([]));
}

async fn pagination_walks_every_source_exactly_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    for i in 0..23 {
        // Duplicate sort values (status) make the id tie-breaker matter.
        let status = if i % 3 == 0 { "paused" } else { "active" };
        make(
            &partner,
            &format!("Source {i:02}"),
            &format!("https://s{i}.example"),
            &["content"],
            status,
            "public",
        )
        .await;
    }
    for sort in [
        "name",
        "-name",
        "status",
        "-status",
        "url",
        "-url",
        "created_at",
        "-created_at",
        "updated_at",
        "-updated_at",
    ] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut path = format!("/api/traffic-sources?limit=5&sort={sort}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page: Value = partner.get(&path).await.json().await.unwrap();
            assert_eq!(page["total"], 23);
            seen.extend(names(&page));
            pages += 1;
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(pages, 5, "{sort}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 23, "{sort}: every source exactly once");
        assert_eq!(seen.len(), 23, "{sort}");
        if sort == "name" {
            assert_eq!(seen, unique);
        }
    }
}

async fn bad_list_parameters_are_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    for query in [
        "limit=0",
        "limit=101",
        "limit=x",
        "sort=password",
        "status=deleted",
        "visibility=secret",
        "channel=tv",
        "cursor=garbage",
    ] {
        let error = error_code(
            partner.get(&format!("/api/traffic-sources?{query}")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(error["code"], "malformed", "{query}");
    }
    // A cursor made for one sort order is refused for another.
    for i in 0..3 {
        partner
            .create_source(&format!("S{i}"), &format!("https://s{i}.example"))
            .await;
    }
    let page: Value = partner
        .get("/api/traffic-sources?limit=1&sort=name")
        .await
        .json()
        .await
        .unwrap();
    let cursor = page["next_cursor"].as_str().unwrap();
    error_code(
        partner
            .get(&format!(
                "/api/traffic-sources?limit=1&sort=-updated_at&cursor={cursor}"
            ))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    // Partners cannot look at other partners through the staff filter.
    error_code(
        partner.get("/api/traffic-sources?partner_id=999999").await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

async fn history_records_every_change_with_old_and_new_values(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let created = partner.create_source("Hist", "https://hist.example").await;
    let path = format!("/api/traffic-sources/{}", created["id"]);
    let mut edit = source_body("Hist 2", "https://hist.example");
    edit["version"] = json!(1);
    assert_eq!(partner.put(&path, &edit).await.status(), StatusCode::OK);
    edit["status"] = json!("paused");
    edit["version"] = json!(2);
    assert_eq!(partner.put(&path, &edit).await.status(), StatusCode::OK);
    edit["status"] = json!("active");
    edit["version"] = json!(3);
    assert_eq!(partner.put(&path, &edit).await.status(), StatusCode::OK);
    let history: Value = partner
        .get(&format!("{path}/history"))
        .await
        .json()
        .await
        .unwrap();
    let items = history["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["resumed", "paused", "edited", "created"]);
    assert_eq!(
        items[2]["changes"],
        json!([{"field": "name", "old": "Hist", "new": "Hist 2"}])
    );
    assert_eq!(
        items[1]["changes"],
        json!([{"field": "status", "old": "active", "new": "paused"}])
    );
    assert_eq!(items[3]["changes"].as_array().unwrap().len(), 5);
    assert_eq!(items[0]["actor"]["id"], partner.id());
    assert!(items[0]["at"].as_str().unwrap().ends_with('Z'));
    // Paged, newest first.
    let first: Value = partner
        .get(&format!("{path}/history?limit=3"))
        .await
        .json()
        .await
        .unwrap();
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest: Value = partner
        .get(&format!("{path}/history?limit=3&cursor={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["items"][0]["action"], "created");
}

async fn staff_lists_everyone_and_filters_by_partner(engine: Engine) {
    let app = spawn_app(engine).await;
    let a = app.partner().await;
    let b = app.partner().await;
    a.create_source("From A", "https://a.example").await;
    b.create_source("From B", "https://b.example").await;
    let staff = app.staff().await;
    let all: Value = staff
        .get("/api/traffic-sources?sort=name")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(&all), ["From A", "From B"]);
    let only_b: Value = staff
        .get(&format!("/api/traffic-sources?partner_id={}", b.id()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(&only_b), ["From B"]);
    assert_eq!(
        only_b["items"][0]["partner_name"],
        b.account.as_ref().unwrap().display_name
    );
}

async fn search_follows_edits_and_takes_any_text(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let created = partner
        .create_source("Quantum Deals", "https://quantum.example/start")
        .await;
    let found = |q: &'static str| {
        let partner = partner.clone();
        async move {
            let r = partner.get(&format!("/api/traffic-sources?q={q}")).await;
            assert_eq!(r.status(), StatusCode::OK, "{q}");
            names(&r.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(found("quantum").await, ["Quantum Deals"]);
    assert_eq!(
        found("ANTUM%20DE").await,
        ["Quantum Deals"],
        "case-insensitive, spaces included"
    );
    assert_eq!(
        found("um.example%2Fst").await,
        ["Quantum Deals"],
        "URL substring"
    );
    // The index follows an edit: the new name is found, the old one no longer.
    let mut edit = source_body("Photon Offers", "https://photon.example");
    edit["version"] = created["version"].clone();
    assert_eq!(
        partner
            .put(&format!("/api/traffic-sources/{}", created["id"]), &edit)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(found("photon").await, ["Photon Offers"]);
    assert!(found("quantum").await.is_empty());
    // Text that means something to a search engine is just text.
    for q in ["%22", "a%22b%22", "OR", "*", "NEAR(x)", "%5C", "x%27--"] {
        assert!(found(q).await.is_empty(), "{q}");
    }
}
