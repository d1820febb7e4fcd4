//! Staff's list of every source filtered on "observed matches declared" (issue 30): the
//! same verdict as the marketplace's `observed_matches`, on `GET /api/traffic-sources`,
//! its CSV export, and refused (writing nothing) as a bulk action's filter.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;
use crate::support::{error_code, spawn_app, Engine, TestApp, User};
use crate::traffic::{click_with, drain, linked, Linked, CHROME};

both_engines!(
    staff_filter_the_list_on_observed_matches,
    the_export_keeps_the_observed_filter,
    a_bad_or_bulk_observed_filter_is_refused_and_changes_nothing,
    the_openapi_document_names_the_list_filter,
);

/// Honest Blog: 30 visitors from its own site (Content, as declared). Bidding Blog: 20 of
/// its 30 carry a Google Ads `gclid` (Paid Search, undeclared). Quiet Blog: no clicks, too
/// few to judge either way.
async fn three_sources(app: &TestApp) -> (Linked, Linked, Linked) {
    let honest = linked(app, "Honest Blog", "https://honest.example/").await;
    let bidder = linked(app, "Bidding Blog", "https://bidding.example/").await;
    let quiet = linked(app, "Quiet Blog", "https://quiet.example/").await;
    for i in 0..30 {
        let agent = |who: &str| format!("{CHROME} Visitor/{who}{i}");
        click_with(
            app,
            &honest.code,
            &[
                ("user-agent", agent("h").as_bytes()),
                ("referer", b"https://honest.example/p"),
            ],
        )
        .await;
        let path = if i < 20 {
            format!("{}?gclid=g{i}", bidder.code)
        } else {
            bidder.code.clone()
        };
        click_with(
            app,
            &path,
            &[
                ("user-agent", agent("b").as_bytes()),
                ("referer", b"https://bidding.example/p"),
            ],
        )
        .await;
    }
    drain(app).await;
    (honest, bidder, quiet)
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

async fn page(who: &User, query: &str) -> Value {
    let r = who.get(&format!("/api/traffic-sources{query}")).await;
    assert_eq!(r.status(), StatusCode::OK, "{query}");
    r.json().await.unwrap()
}

async fn staff_filter_the_list_on_observed_matches(engine: Engine) {
    let app = spawn_app(engine).await;
    let (honest, bidder, _quiet) = three_sources(&app).await;
    let staff = app.staff().await;
    let mut all = names(&page(&staff, "?sort=name").await);
    all.sort();
    assert_eq!(all, ["Bidding Blog", "Honest Blog", "Quiet Blog"]);
    let yes = page(&staff, "?observed_matches=true").await;
    assert_eq!(names(&yes), ["Honest Blog"]);
    assert!(yes["total"].is_null(), "no count has the filter: {yes}");
    assert_eq!(
        names(&page(&staff, "?observed_matches=false").await),
        ["Bidding Blog"],
        "the source too quiet to judge is in neither"
    );
    // With other filters, and with a partner named (whose list otherwise has a total).
    let q = format!(
        "?observed_matches=false&status=active&channel=content&partner_id={}",
        bidder.partner.id()
    );
    let one = page(&staff, &q).await;
    assert_eq!(names(&one), ["Bidding Blog"]);
    assert!(one["total"].is_null());
    let q = format!("?observed_matches=false&partner_id={}", honest.partner.id());
    assert_eq!(names(&page(&staff, &q).await), Vec::<String>::new());
    // One row a page: the cursor walks every match and no other.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..5 {
        let q = match &cursor {
            Some(c) => format!("?observed_matches=true&sort=name&limit=1&cursor={c}"),
            None => "?observed_matches=true&sort=name&limit=1".to_string(),
        };
        let p = page(&staff, &q).await;
        seen.extend(names(&p));
        match p["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, ["Honest Blog"]);
    // Declaring the channel turns the verdict: what the partner's one press does.
    let id = bidder.source["id"].as_i64().unwrap();
    let path = format!("/api/traffic-sources/{id}");
    let current: Value = bidder.partner.get(&path).await.json().await.unwrap();
    let c = &current["source"];
    let body = json!({"name": c["name"], "url": c["url"], "channels": ["content", "paid_search"],
        "status": c["status"], "visibility": c["visibility"], "version": c["version"]});
    assert_eq!(
        bidder.partner.put(&path, &body).await.status(),
        StatusCode::OK
    );
    let mut yes = names(&page(&staff, "?observed_matches=true").await);
    yes.sort();
    assert_eq!(yes, ["Bidding Blog", "Honest Blog"]);
    assert!(names(&page(&staff, "?observed_matches=false").await).is_empty());
    // A partner may use it on their own list, never wider.
    assert_eq!(
        names(&page(&honest.partner, "?observed_matches=true").await),
        ["Honest Blog"]
    );
}

async fn the_export_keeps_the_observed_filter(engine: Engine) {
    let app = spawn_app(engine).await;
    three_sources(&app).await;
    let staff = app.staff().await;
    let csv = |query: &'static str| {
        let staff = &staff;
        async move {
            let r = staff
                .get(&format!("/api/traffic-sources/export.csv{query}"))
                .await;
            assert_eq!(r.status(), StatusCode::OK, "{query}");
            r.text().await.unwrap()
        }
    };
    let body = csv("?observed_matches=false").await;
    assert!(body.contains("Bidding Blog"), "{body}");
    assert!(!body.contains("Honest Blog") && !body.contains("Quiet Blog"));
    let body = csv("?observed_matches=true").await;
    assert!(body.contains("Honest Blog"), "{body}");
    assert!(!body.contains("Bidding Blog") && !body.contains("Quiet Blog"));
    let body = csv("").await;
    assert!(["Honest Blog", "Bidding Blog", "Quiet Blog"]
        .iter()
        .all(|n| body.contains(n)));
}

async fn a_bad_or_bulk_observed_filter_is_refused_and_changes_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_honest, bidder, _quiet) = three_sources(&app).await;
    let staff = app.staff().await;
    let before = app.snapshot().await;
    for path in [
        "/api/traffic-sources?observed_matches=maybe",
        "/api/traffic-sources/export.csv?observed_matches=1",
    ] {
        let e = error_code(staff.get(path).await, StatusCode::BAD_REQUEST).await;
        assert!(
            e["message"].as_str().unwrap().contains("observed_matches"),
            "{path}: {e}"
        );
    }
    // A bulk action by this filter would read a bounded number of pages: refused, and
    // the source it would have blocked stays active.
    let r = staff
        .post(
            "/api/admin/traffic-sources/bulk",
            &json!({"action": "block", "filter": "observed_matches=false", "reason": "Bids on brands"}),
        )
        .await;
    let e = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        e["fields"]["filter"]
            .as_str()
            .unwrap()
            .contains("observed_matches"),
        "{e}"
    );
    assert_eq!(app.snapshot().await, before, "nothing was written");
    let id = bidder.source["id"].as_i64().unwrap();
    let s: Value = staff
        .get(&format!("/api/traffic-sources/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["source"]["status"], "active");
    // Advertisers still may not list partners' sources, filter or not.
    let r = bidder
        .advertiser
        .get("/api/traffic-sources?observed_matches=false")
        .await;
    error_code(r, StatusCode::FORBIDDEN).await;
}

async fn the_openapi_document_names_the_list_filter(engine: Engine) {
    let app = spawn_app(engine).await;
    let doc: Value = app
        .anonymous()
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    for (path, verb) in [
        ("/api/traffic-sources", "get"),
        ("/api/traffic-sources/export.csv", "get"),
        ("/api/marketplace/traffic-sources", "get"),
    ] {
        let params = doc["paths"][path][verb]["parameters"].as_array().unwrap();
        let p = params
            .iter()
            .find(|p| p["name"] == "observed_matches")
            .unwrap_or_else(|| panic!("{path} has no observed_matches"));
        assert_eq!(p["in"], "query");
        assert!(p["description"].as_str().unwrap().contains("declared"));
    }
}
