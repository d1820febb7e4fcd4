//! CSV export: what each role gets, the list's filters applied, and cells that survive a
//! spreadsheet: formulas defused, commas, quotes, line breaks and non-ASCII text intact.

use reqwest::StatusCode;
use serde_json::json;

use crate::both_engines;
use crate::support::{error_code, spawn_app, Engine, User};

both_engines!(
    each_role_exports_what_it_may_list_with_the_filters,
    cells_are_escaped_for_spreadsheets,
);

/// The export's header and rows, parsed back with the `csv` crate.
async fn export(user: &User, query: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let r = user
        .get(&format!("/api/traffic-sources/export.csv{query}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"traffic-sources-"));
    let text = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

async fn each_role_exports_what_it_may_list_with_the_filters(engine: Engine) {
    let app = spawn_app(engine).await;
    let staff = app.staff().await;
    let mine = app.partner().await;
    let theirs = app.partner().await;
    for i in 0..3 {
        mine.create_source(&format!("Mine {i}"), &format!("https://mine{i}.example"))
            .await;
    }
    theirs
        .create_source("Theirs", "https://theirs.example")
        .await;

    let (header, rows) = export(&mine, "").await;
    assert_eq!(rows.len(), 3, "a partner gets their own");
    assert!(
        !header.contains(&"partner_name".to_string())
            && !header.contains(&"block_note".to_string())
    );
    let (_, rows) = export(&mine, "?q=mine1").await;
    assert_eq!(rows.len(), 1);
    // The next export right after the last byte of the previous one is not refused as
    // "still downloading": the slot is given back before the download ends.
    for _ in 0..20 {
        assert_eq!(export(&mine, "?q=mine1").await.1.len(), 1);
    }
    let (_, rows) = export(&mine, "?sort=name").await;
    let name = 1;
    assert_eq!(
        rows.iter().map(|r| r[name].as_str()).collect::<Vec<_>>(),
        ["Mine 0", "Mine 1", "Mine 2"]
    );
    let e = error_code(
        mine.get(&format!(
            "/api/traffic-sources/export.csv?partner_id={}",
            theirs.id()
        ))
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(e["code"], "forbidden");

    let (header, rows) = export(&staff, "").await;
    assert_eq!(rows.len(), 4, "staff get every source");
    let (_, rows) = export(&staff, &format!("?partner_id={}", theirs.id())).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0][column(&header, "partner_id")],
        theirs.id().to_string()
    );
    // The export's limit and cursor are not the list's: every row, always.
    let (_, rows) = export(&staff, "?limit=1").await;
    assert_eq!(rows.len(), 4);

    error_code(
        staff
            .get("/api/traffic-sources/export.csv?status=nope")
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    error_code(
        app.advertiser()
            .await
            .get("/api/traffic-sources/export.csv")
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    error_code(
        app.anonymous().get("/api/traffic-sources/export.csv").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

async fn cells_are_escaped_for_spreadsheets(engine: Engine) {
    let app = spawn_app(engine).await;
    let staff = app.staff().await;
    let partner = app.partner().await;
    let names = [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+1 deals",
        "-20% off",
        "@SUM(A1:A2)",
        "Deals, coupons and \"more\"",
        "Café ☕ 東京",
    ];
    let mut ids = Vec::new();
    for (i, name) in names.iter().enumerate() {
        ids.push(
            partner
                .create_source(name, &format!("https://cell{i}.example"))
                .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let r = staff
        .post(
            &format!("/api/traffic-sources/{}/block", ids[4]),
            &json!({"reason": "=cmd|' /C calc'!A0", "note": "line one\nline two, with \"quotes\""}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let (header, rows) = export(&staff, "?sort=name").await;
    let name = column(&header, "name");
    let mut got: Vec<&str> = rows.iter().map(|r| r[name].as_str()).collect();
    got.sort();
    let mut want = vec![
        "'=HYPERLINK(\"http://evil.example\",\"x\")",
        "'+1 deals",
        "'-20% off",
        "'@SUM(A1:A2)",
        "Deals, coupons and \"more\"",
        "Café ☕ 東京",
    ];
    want.sort();
    assert_eq!(got, want);
    let blocked = rows
        .iter()
        .find(|r| r[column(&header, "id")] == ids[4].to_string())
        .unwrap();
    assert_eq!(
        blocked[column(&header, "block_reason")],
        "'=cmd|' /C calc'!A0"
    );
    assert_eq!(
        blocked[column(&header, "block_note")],
        "line one\nline two, with \"quotes\""
    );
    assert_eq!(blocked[column(&header, "status")], "blocked");
    assert_eq!(blocked[column(&header, "channels")], "content");
}
