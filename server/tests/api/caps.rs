//! Caps per account (issue 27): sources per partner, programs per advertiser, sources per
//! program. Past each, 422 with the field at fault and nothing changed; and a program at
//! its cap still reads its figures on both engines.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;
use crate::marketplace::{add, collaborate, program};
use crate::support::{error_code, source_body, spawn_app, spawn_app_with, Engine, TestApp};

both_engines!(
    each_cap_refuses_past_it_with_a_field_error_and_changes_nothing,
    a_program_at_the_cap_of_10000_sources_reads_its_figures,
);

async fn each_cap_refuses_past_it_with_a_field_error_and_changes_nothing(engine: Engine) {
    let app = spawn_app_with(engine, |c| {
        c.max_sources_per_partner = 2;
        c.max_programs_per_advertiser = 1;
        c.max_sources_per_program = 2;
    })
    .await;
    let partner = app.partner().await;
    let sources = [
        partner.create_source("One", "https://one.example/").await,
        partner.create_source("Two", "https://two.example/").await,
    ];

    // Sources per partner.
    let before = app.snapshot().await;
    let r = partner
        .post(
            "/api/traffic-sources",
            &source_body("Three", "https://three.example/"),
        )
        .await;
    let error = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error["code"], "invalid");
    let message = error["fields"]["name"].as_str().unwrap();
    assert!(message.contains("2 traffic sources"), "{message}");
    assert_eq!(app.snapshot().await, before, "nothing added");
    // Another partner has their own count; their adds at once cannot pass it together.
    let other = app.partner().await;
    let racing = futures_util::future::join_all((0..5).map(|i| {
        let (other, body) = (
            &other,
            source_body(&format!("Race {i}"), &format!("https://race{i}.example/")),
        );
        async move { other.post("/api/traffic-sources", &body).await }
    }))
    .await;
    let created = racing
        .iter()
        .filter(|r| r.status() == StatusCode::CREATED)
        .count();
    assert_eq!(
        created,
        2,
        "{:?}",
        racing.iter().map(|r| r.status()).collect::<Vec<_>>()
    );

    // Programs per advertiser.
    let advertiser = app.advertiser().await;
    let p = program(&advertiser, "Only", "https://shop.example/").await;
    let before = app.snapshot().await;
    let r = advertiser
        .post(
            "/api/programs",
            &json!({"name": "Second", "landing_url": "https://shop.example/"}),
        )
        .await;
    let error = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(error["fields"]["name"]
        .as_str()
        .unwrap()
        .contains("1 programs"));
    assert_eq!(app.snapshot().await, before, "nothing created");

    // Sources per program.
    for s in &sources {
        collaborate(&advertiser, &p, s).await;
    }
    let third = app
        .partner()
        .await
        .create_source("Four", "https://four.example/")
        .await;
    let before = app.snapshot().await;
    let error = error_code(
        add(&advertiser, &p, &third).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(error["fields"]["traffic_source_id"]
        .as_str()
        .unwrap()
        .contains("2 sources"));
    assert_eq!(app.snapshot().await, before, "nothing added");
    // Another advertiser's program at its cap is as unknown as any: 404, not the cap.
    let stranger = app.advertiser().await;
    let r = add(&stranger, &p, &third).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// Ten thousand sources of one partner, all in one program, straight into the database
/// (through the API it would take minutes), with clicks on two of them.
async fn fill_program(app: &TestApp, partner_id: i64, program_id: i64, n: i64) -> Vec<i64> {
    let now = server::time::now_ms();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
         INSERT INTO traffic_sources (partner_id, name, name_key, url, url_key, channels, status, visibility,
                                      version, created_at, updated_at, verification_token, site)
         SELECT $2, 'Bulk ' || CAST(i AS TEXT), 'bulk ' || CAST(i AS TEXT),
                'https://s' || CAST(i AS TEXT) || '.bulk.example/', 'https://s' || CAST(i AS TEXT) || '.bulk.example/',
                1, 'active', 'public', 1, $3, $3, 'token-' || CAST(i AS TEXT), 'bulk.example' FROM n",
    )
    .bind(n)
    .bind(partner_id)
    .bind(now)
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO collaborations (program_id, traffic_source_id, tracking_code, clicks, refused_clicks, created_at)
         SELECT $1, id, 'bulk-code-' || CAST(id AS TEXT), 0, 0, $2 FROM traffic_sources WHERE partner_id = $3",
    )
    .bind(program_id)
    .bind(now)
    .bind(partner_id)
    .execute(&app.db.pool)
    .await
    .unwrap();
    use sqlx::Row;
    let ids: Vec<i64> =
        sqlx::query("SELECT id FROM collaborations WHERE program_id = $1 ORDER BY id")
            .bind(program_id)
            .fetch_all(&app.db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<i64, _>(0))
            .collect();
    // Today's rollup row of the first and the last link: 100 human clicks, 80 from the site.
    let today = now - now % 86_400_000;
    for collaboration in [ids[0], ids[ids.len() - 1]] {
        let source_id: i64 =
            sqlx::query("SELECT traffic_source_id FROM collaborations WHERE id = $1")
                .bind(collaboration)
                .fetch_one(&app.db.pool)
                .await
                .unwrap()
                .get(0);
        sqlx::query(
            "INSERT INTO click_daily (collaboration_id, day, traffic_source_id, redirected, refused, bots,
                                      matched, mismatched, no_referrer, visitors, valid)
             VALUES ($1, $2, $3, 100, 0, 0, 80, 20, 0, 100, 100)",
        )
        .bind(collaboration)
        .bind(today)
        .bind(source_id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    ids
}

async fn a_program_at_the_cap_of_10000_sources_reads_its_figures(engine: Engine) {
    let app = spawn_app(engine).await;
    let cap = app.state.config.max_sources_per_program;
    assert_eq!(cap, 10_000, "the default cap");
    let partner = app.partner().await;
    let advertiser = app.advertiser().await;
    let p = program(&advertiser, "Everything", "https://shop.example/").await;
    let program_id = p["id"].as_i64().unwrap();
    let links = fill_program(&app, partner.id(), program_id, cap).await;
    assert_eq!(links.len() as i64, cap);

    // Its page: every source with its 30-day figures (one query joined to the program,
    // not one parameter per source, which an engine caps).
    let r = advertiser.get(&format!("/api/programs/{program_id}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let detail: Value = r.json().await.unwrap();
    assert_eq!(detail["program"]["source_count"], cap);
    let rows = detail["sources"].as_array().unwrap();
    assert_eq!(rows.len() as i64, cap);
    for row in [&rows[0], &rows[rows.len() - 1]] {
        assert_eq!(row["clicks_30d"], 100, "{row}");
        assert_eq!(row["match_rate_30d"], 80, "{row}");
    }
    assert_eq!(rows[1]["clicks_30d"], 0);

    // Its traffic, a series per source.
    let r = advertiser
        .get(&format!("/api/programs/{program_id}/traffic?days=1"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let traffic: Value = r.json().await.unwrap();
    let series = traffic["collaborations"].as_array().unwrap();
    assert_eq!(series.len() as i64, cap);
    let first = series
        .iter()
        .find(|s| s["collaboration_id"] == links[0])
        .unwrap();
    assert_eq!(first["referrers"]["match"], 80, "{first}");

    // And one more is refused at the cap.
    let one_more = app
        .partner()
        .await
        .create_source("One more", "https://one-more.example/")
        .await;
    let r = add(&advertiser, &p, &one_more).await;
    let error = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(error["fields"]["traffic_source_id"].is_string(), "{error}");
}
