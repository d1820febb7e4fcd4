//! The last hours, hour by hour: a traffic call with `hours` reads the hourly rollups and
//! the hourly referrers, so a click from 30 hours ago is outside a 24-hour view even when
//! its day is inside a two-day one.

use reqwest::StatusCode;
use serde_json::Value;
use server::clicks::event::ClickEvent;
use server::clicks::retention::Partitions;
use server::time::{now_ms, rfc3339};
use sqlx::Row;

use crate::both_engines;
use crate::support::{error_code, spawn_app, Engine, TestApp};
use crate::traffic::{drain, human, linked, Linked};
use model::traffic::{ClickOutcome, ReferrerClass};

both_engines!(
    the_last_hours_come_hour_by_hour,
    a_program_answers_by_the_hour_too,
    a_bad_period_is_refused_with_a_reason,
    hourly_referrers_agree_with_the_events_and_go_with_them,
);

const HOUR: i64 = 3_600_000;

/// The start of the current UTC hour, after waiting out the last seconds of an hour so that
/// the test and the server agree on which hour is current.
async fn this_hour() -> i64 {
    let into = now_ms().rem_euclid(HOUR);
    if into > HOUR - 10_000 {
        tokio::time::sleep(std::time::Duration::from_millis((HOUR - into + 100) as u64)).await;
    }
    let now = now_ms();
    now - now.rem_euclid(HOUR)
}

/// Stores a human click on `l`'s link made at `at` from `host` (`None`: no referrer), as a
/// journal would replay it; `bot` marks a bot's.
async fn click_at(app: &TestApp, l: &Linked, id: &str, at: i64, host: Option<&str>, bot: bool) {
    let (collaboration_id, traffic_source_id, program_id, partner_id, advertiser_id) =
        link_ids(app, &l.code).await;
    let declared = l.source["url"].as_str().unwrap();
    let class = match host {
        None => ReferrerClass::None,
        Some(h) if declared.contains(h) => ReferrerClass::Match,
        Some(_) => ReferrerClass::Mismatch,
    };
    let event = ClickEvent {
        click_id: format!("{id:0<16}"),
        at,
        collaboration_id,
        traffic_source_id,
        program_id,
        partner_id,
        advertiser_id,
        outcome: ClickOutcome::Redirected,
        referrer_host: host.map(str::to_string),
        referrer_class: class,
        bot,
        visitor_hash: format!("{:032x}", at),
        deep_link: None,
        prefetch: false,
        click_param: None,
        utm_channel: None,
        verdict: None,
    };
    let stored = server::clicks::store::store(&app.db, &Partitions::default(), &[event])
        .await
        .unwrap();
    assert_eq!(stored.new, 1);
}

async fn link_ids(app: &TestApp, code: &str) -> (i64, i64, i64, i64, i64) {
    let r = sqlx::query(
        "SELECT c.id, c.traffic_source_id, c.program_id, s.partner_id, p.advertiser_id
         FROM collaborations c JOIN programs p ON p.id = c.program_id
         JOIN traffic_sources s ON s.id = c.traffic_source_id WHERE c.tracking_code = $1",
    )
    .bind(code)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    (
        r.try_get(0).unwrap(),
        r.try_get(1).unwrap(),
        r.try_get(2).unwrap(),
        r.try_get(3).unwrap(),
        r.try_get(4).unwrap(),
    )
}

fn human_clicks(series: &[Value]) -> i64 {
    series
        .iter()
        .map(|h| h["redirected"].as_i64().unwrap() + h["refused"].as_i64().unwrap())
        .sum()
}

async fn the_last_hours_come_hour_by_hour(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Hourly Blog", "https://hourly.example/").await;
    let hour = this_hour().await;
    // Inside the window: the oldest hour it holds, two hours ago, and now (real redirects).
    click_at(
        &app,
        &l,
        "Oldest",
        hour - 23 * HOUR + 60_000,
        Some("hourly.example"),
        false,
    )
    .await;
    for i in 0..2 {
        let id = format!("Two{i}");
        click_at(
            &app,
            &l,
            &id,
            hour - 2 * HOUR + 1_000,
            Some("copycat.example"),
            false,
        )
        .await;
    }
    click_at(&app, &l, "Bot", hour - 2 * HOUR + 2_000, None, true).await;
    for _ in 0..3 {
        human(&app, &l.code, "https://hourly.example/post").await;
    }
    drain(&app).await;
    // Outside it: an hour before the oldest, and 30 hours ago, from a site seen nowhere else.
    click_at(
        &app,
        &l,
        "Before",
        hour - 24 * HOUR + 60_000,
        Some("stale.example"),
        false,
    )
    .await;
    click_at(
        &app,
        &l,
        "Thirty",
        hour - 30 * HOUR,
        Some("stale.example"),
        false,
    )
    .await;

    let path = format!("/api/traffic-sources/{}/traffic?hours=24", l.source["id"]);
    let r = l.partner.get(&path).await;
    assert_eq!(r.status(), StatusCode::OK);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["hours"], 24);
    assert!(t.get("days").is_none(), "an hourly answer has no days: {t}");
    let series = t["series"].as_array().unwrap();
    assert_eq!(series.len(), 24, "every hour, those without clicks too");
    for (i, h) in series.iter().enumerate() {
        let start = hour - (23 - i as i64) * HOUR;
        assert_eq!(h["hour"], rfc3339(start), "hour {i}");
        assert_eq!(h["day"], rfc3339(start)[..10], "the day of hour {i}");
    }
    assert_eq!(series[0]["redirected"], 1, "the oldest hour of the window");
    assert_eq!(series[21]["redirected"], 2);
    assert_eq!(series[21]["bots"], 1);
    assert_eq!(series[23]["redirected"], 3, "this hour's real clicks");
    assert_eq!(human_clicks(series), 6, "nothing from before the window");
    assert_eq!(
        t["referrers"],
        serde_json::json!({"match": 4, "mismatch": 2, "none": 0})
    );
    assert_eq!(
        t["top_referrers"],
        serde_json::json!([{"host": "hourly.example", "matches": true, "clicks": 4},
                           {"host": "copycat.example", "matches": false, "clicks": 2}]),
        "stale.example's clicks are older than 24 hours"
    );
    // The same clicks by day: the days the window touches also hold the older clicks.
    let days: Value = l
        .partner
        .get(&format!(
            "/api/traffic-sources/{}/traffic?days=3",
            l.source["id"]
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(days["days"], 3);
    assert!(days.get("hours").is_none());
    let by_day = days["series"].as_array().unwrap();
    assert!(by_day.iter().all(|d| d.get("hour").is_none()));
    assert_eq!(human_clicks(by_day), 8);
    // Staff see it too; another partner does not.
    assert_eq!(app.staff().await.get(&path).await.status(), StatusCode::OK);
    error_code(app.partner().await.get(&path).await, StatusCode::NOT_FOUND).await;
}

async fn a_program_answers_by_the_hour_too(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(
        &app,
        "Hourly Program Blog",
        "https://hourly-program.example/",
    )
    .await;
    let hour = this_hour().await;
    click_at(&app, &l, "Prog", hour - 5 * HOUR, None, false).await;
    click_at(&app, &l, "ProgOld", hour - 40 * HOUR, None, false).await;
    let path = format!("/api/programs/{}/traffic?hours=12", l.program["id"]);
    let r = l.advertiser.get(&path).await;
    assert_eq!(r.status(), StatusCode::OK);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["hours"], 12);
    assert!(t.get("days").is_none());
    let c = &t["collaborations"][0];
    let series = c["series"].as_array().unwrap();
    assert_eq!(series.len(), 12);
    assert_eq!(series[11]["hour"], rfc3339(hour));
    assert_eq!(series[6]["redirected"], 1, "five hours ago");
    assert_eq!(human_clicks(series), 1);
    assert_eq!(c["referrers"]["none"], 1);
    let two_days: Value = l
        .advertiser
        .get(&format!(
            "/api/programs/{}/traffic?hours=48",
            l.program["id"]
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        human_clicks(two_days["collaborations"][0]["series"].as_array().unwrap()),
        2
    );
    error_code(
        app.advertiser().await.get(&path).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn a_bad_period_is_refused_with_a_reason(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Period Blog", "https://period.example/").await;
    let source = format!("/api/traffic-sources/{}/traffic", l.source["id"]);
    let program = format!("/api/programs/{}/traffic", l.program["id"]);
    for (who, path) in [(&l.partner, &source), (&l.advertiser, &program)] {
        let e = error_code(
            who.get(&format!("{path}?days=7&hours=24")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(e["message"], "Give days or hours, not both.");
        for bad in ["0", "49", "x", "1.5", "-1"] {
            let e = error_code(
                who.get(&format!("{path}?hours={bad}")).await,
                StatusCode::BAD_REQUEST,
            )
            .await;
            assert_eq!(
                e["message"], "hours must be a whole number from 1 to 48.",
                "hours={bad}"
            );
        }
    }
}

async fn hourly_referrers_agree_with_the_events_and_go_with_them(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Referrer Hours", "https://referrer-hours.example/").await;
    let hour = this_hour().await;
    for (i, (ago, host)) in [
        (0, Some("referrer-hours.example")),
        (0, Some("elsewhere.example")),
        (1, Some("elsewhere.example")),
        (3, None),
        (26, Some("elsewhere.example")),
    ]
    .into_iter()
    .enumerate()
    {
        click_at(
            &app,
            &l,
            &format!("Ref{i}"),
            hour - ago * HOUR + 5,
            host,
            false,
        )
        .await;
    }
    click_at(&app, &l, "RefBot", hour, Some("elsewhere.example"), true).await;
    human(&app, &l.code, "https://www.referrer-hours.example/x").await;
    drain(&app).await;
    let text = |rows: Vec<sqlx::any::AnyRow>| {
        rows.iter()
            .map(|r| {
                format!(
                    "{},{},{},{},{}",
                    r.try_get::<i64, _>(0).unwrap(),
                    r.try_get::<i64, _>(1).unwrap(),
                    r.try_get::<String, _>(2).unwrap(),
                    r.try_get::<i64, _>(3).unwrap(),
                    r.try_get::<i64, _>(4).unwrap()
                )
            })
            .collect::<Vec<_>>()
    };
    let from_events = sqlx::query(
        "SELECT traffic_source_id, at - (at % 3600000), referrer_host,
                MAX(CASE WHEN referrer_class = 'match' THEN 1 ELSE 0 END), COUNT(*)
         FROM click_events WHERE valid = 1 AND referrer_host IS NOT NULL
         GROUP BY traffic_source_id, at - (at % 3600000), referrer_host ORDER BY 1, 2, 3",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let stored = sqlx::query(
        "SELECT traffic_source_id, hour, host, matches, clicks FROM click_referrers_hourly ORDER BY 1, 2, 3",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let (from_events, stored) = (text(from_events), text(stored));
    assert_eq!(stored.len(), 4, "{stored:?}");
    assert_eq!(stored, from_events);

    // Pruned with the raw events: an hour older than the retention goes, the day stays.
    let daily = count(&app, "SELECT COUNT(*) FROM click_referrers_daily").await;
    click_at(
        &app,
        &l,
        "RefAncient",
        hour - 100 * 24 * HOUR,
        Some("old.example"),
        false,
    )
    .await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM click_referrers_hourly").await,
        5
    );
    assert_eq!(app.state.clicks.prune(&app.db, 90).await.unwrap(), 1);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM click_referrers_hourly").await,
        4
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM click_referrers_daily").await,
        daily + 1,
        "the daily referrers are kept"
    );
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}
