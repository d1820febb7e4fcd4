//! A traffic series as a CSV download: the same figures as the JSON call, for the same
//! people, one row per day or hour (and per source, for a program).

use reqwest::StatusCode;
use serde_json::Value;

use crate::both_engines;
use crate::marketplace::collaborate;
use crate::support::{error_code, spawn_app, Engine, User};
use crate::traffic::{drain, human, linked};

both_engines!(
    a_sources_series_downloads_as_csv_for_those_who_may_see_it,
    a_programs_series_downloads_as_csv_with_a_row_per_source_and_day,
);

/// The CSV rows of `path` as `who`, after checking it is a CSV download named `file`.
async fn csv_rows(who: &User, path: &str, file: &str) -> Vec<Vec<String>> {
    let r = who.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    let headers = r.headers().clone();
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"{file}\"").as_str()
    );
    let body = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let mut rows = vec![reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect::<Vec<_>>()];
    for record in reader.records() {
        rows.push(record.unwrap().iter().map(str::to_string).collect());
    }
    rows
}

/// `[start, redirected, refused, bots, visitors]` of each point of a JSON series.
fn expected(series: &Value) -> Vec<Vec<String>> {
    series
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let start = d
                .get("hour")
                .unwrap_or(&d["day"])
                .as_str()
                .unwrap()
                .to_string();
            let mut row = vec![start];
            for k in ["redirected", "refused", "bots", "visitors", "valid"] {
                row.push(d[k].as_i64().unwrap().to_string());
            }
            for k in ["bot", "prefetch", "duplicate", "velocity", "refused"] {
                row.push(d["invalid"][k].as_i64().unwrap().to_string());
            }
            row
        })
        .collect()
}

async fn a_sources_series_downloads_as_csv_for_those_who_may_see_it(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Csv Blog", "https://csv-blog.example/").await;
    for _ in 0..3 {
        human(&app, &l.code, "https://csv-blog.example/a").await;
    }
    human(&app, &l.code, "").await;
    drain(&app).await;
    let id = l.source["id"].as_i64().unwrap();
    for (query, file, points) in [
        ("days=7", format!("traffic-source-{id}-7d.csv"), 7),
        ("hours=24", format!("traffic-source-{id}-24h.csv"), 24),
        ("", format!("traffic-source-{id}-30d.csv"), 30),
    ] {
        let rows = csv_rows(
            &l.partner,
            &format!("/api/traffic-sources/{id}/traffic.csv?{query}"),
            &file,
        )
        .await;
        assert_eq!(
            rows[0],
            [
                "start",
                "redirected",
                "refused",
                "bots",
                "visitors",
                "valid",
                "invalid_bot",
                "invalid_prefetch",
                "invalid_duplicate",
                "invalid_velocity",
                "invalid_refused"
            ],
            "{query}"
        );
        assert_eq!(rows.len(), 1 + points, "{query}");
        let json: Value = l
            .partner
            .get(&format!("/api/traffic-sources/{id}/traffic?{query}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(rows[1..], expected(&json["series"])[..], "{query}");
        let clicks: i64 = rows[1..].iter().map(|r| r[1].parse::<i64>().unwrap()).sum();
        assert_eq!(clicks, 4, "{query}: every click of today");
    }
    let path = format!("/api/traffic-sources/{id}/traffic.csv");
    assert_eq!(app.staff().await.get(&path).await.status(), StatusCode::OK);
    error_code(app.partner().await.get(&path).await, StatusCode::NOT_FOUND).await;
    error_code(l.advertiser.get(&path).await, StatusCode::FORBIDDEN).await;
    error_code(app.anonymous().get(&path).await, StatusCode::UNAUTHORIZED).await;
    let e = error_code(
        l.partner.get(&format!("{path}?days=7&hours=24")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(e["message"], "Give days or hours, not both.");
    error_code(
        l.partner.get(&format!("{path}?days=91")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

async fn a_programs_series_downloads_as_csv_with_a_row_per_source_and_day(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Csv Program Blog", "https://csv-program.example/").await;
    // A name a spreadsheet would run as a formula is written as text.
    let second = l
        .partner
        .create_source("-Minus Deals", "https://minus-deals.example/")
        .await;
    collaborate(&l.advertiser, &l.program, &second).await;
    human(&app, &l.code, "https://csv-program.example/").await;
    drain(&app).await;
    let id = l.program["id"].as_i64().unwrap();
    let rows = csv_rows(
        &l.advertiser,
        &format!("/api/programs/{id}/traffic.csv?days=7"),
        &format!("traffic-program-{id}-7d.csv"),
    )
    .await;
    assert_eq!(
        rows[0],
        [
            "traffic_source_id",
            "source_name",
            "start",
            "redirected",
            "refused",
            "bots",
            "visitors",
            "valid",
            "invalid_bot",
            "invalid_prefetch",
            "invalid_duplicate",
            "invalid_velocity",
            "invalid_refused"
        ]
    );
    assert_eq!(rows.len(), 1 + 2 * 7, "a row per source and day");
    let json: Value = l
        .advertiser
        .get(&format!("/api/programs/{id}/traffic?days=7"))
        .await
        .json()
        .await
        .unwrap();
    let mut want = Vec::new();
    for c in json["collaborations"].as_array().unwrap() {
        let name = c["source_name"].as_str().unwrap();
        let shown = if name.starts_with('-') {
            format!("'{name}")
        } else {
            name.to_string()
        };
        for mut row in expected(&c["series"]) {
            row.insert(0, shown.clone());
            row.insert(0, c["traffic_source_id"].to_string());
            want.push(row);
        }
    }
    assert_eq!(rows[1..], want[..]);
    assert!(rows.iter().any(|r| r[1] == "'-Minus Deals"), "{rows:?}");
    let clicks: i64 = rows[1..].iter().map(|r| r[3].parse::<i64>().unwrap()).sum();
    assert_eq!(clicks, 1);
    let path = format!("/api/programs/{id}/traffic.csv");
    error_code(
        app.advertiser().await.get(&path).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    error_code(l.partner.get(&path).await, StatusCode::FORBIDDEN).await;
    error_code(app.anonymous().get(&path).await, StatusCode::UNAUTHORIZED).await;
    error_code(
        l.advertiser.get(&format!("{path}?hours=0")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}
