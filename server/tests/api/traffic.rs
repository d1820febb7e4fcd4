//! The click ledger and what it shows: events by outcome, referrer classes, bots, no raw
//! address anywhere, the click lookup by role, rollups that agree with the raw events,
//! the traffic calls and the 30-day figures of list rows.

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::Row;

use crate::both_engines;
use crate::marketplace::{block, collaborate, program, set_state};
use crate::support::{error_code, spawn_app, spawn_app_with, Engine, TestApp, User};

both_engines!(
    the_ledger_holds_every_click_by_outcome,
    referrers_are_classed_against_the_declared_site,
    bots_are_flagged_counted_apart_and_left_out_of_rates,
    no_raw_address_or_full_referrer_is_stored_anywhere,
    a_click_is_looked_up_by_its_id_by_those_who_may,
    rollups_agree_with_the_raw_events,
    storing_the_same_clicks_twice_counts_them_once,
    the_traffic_call_answers_a_daily_series_and_top_referrers,
    program_traffic_is_for_the_programs_advertiser,
    list_rows_carry_30_day_figures_and_the_marketplace_only_a_band,
    raw_events_are_pruned_after_retention_and_rollups_stay,
    the_demo_seed_brings_30_days_of_telling_traffic_and_says_when_it_skips,
    the_contract_documents_the_traffic_calls,
);

pub const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

fn visitor() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// One click on `code` with these headers; answers (status, click_id when redirected).
pub async fn click_with(
    app: &TestApp,
    code: &str,
    headers: &[(&str, &[u8])],
) -> (StatusCode, Option<String>) {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.insert(
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_bytes(value).unwrap(),
        );
    }
    let r = visitor()
        .get(format!("{}/t/{code}", app.base()))
        .headers(map)
        .send()
        .await
        .unwrap();
    let click_id = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .and_then(|l| l.split("click_id=").nth(1))
        .map(|id| id.split(['&', '#']).next().unwrap().to_string());
    (r.status(), click_id)
}

/// A person's click from `referrer` (none when empty): each call a different person (a
/// browser of its own), so that none is a repeat click or too fast (see `valid_clicks`).
pub async fn human(app: &TestApp, code: &str, referrer: &str) -> (StatusCode, Option<String>) {
    static PEOPLE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = PEOPLE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let agent = format!("{CHROME} Person/{n}");
    if referrer.is_empty() {
        click_with(app, code, &[("user-agent", agent.as_bytes())]).await
    } else {
        click_with(
            app,
            code,
            &[
                ("user-agent", agent.as_bytes()),
                ("referer", referrer.as_bytes()),
            ],
        )
        .await
    }
}

pub struct Linked {
    pub partner: User,
    pub advertiser: User,
    pub source: Value,
    pub program: Value,
    pub code: String,
}

/// A partner's active public source declared at `url`, in an advertiser's program.
pub async fn linked(app: &TestApp, name: &str, url: &str) -> Linked {
    let partner = app.partner().await;
    let source = source_of(&partner, name, url).await;
    let advertiser = app.advertiser().await;
    let program = program(&advertiser, "Spring", "https://shop.example/landing").await;
    let collaboration = collaborate(&advertiser, &program, &source).await;
    Linked {
        partner,
        advertiser,
        source,
        program,
        code: collaboration["tracking_code"].as_str().unwrap().to_string(),
    }
}

/// A new public, active source of `partner`'s.
async fn source_of(partner: &User, name: &str, url: &str) -> Value {
    let r = partner
        .post(
            "/api/traffic-sources",
            &json!({"name": name, "url": url, "channels": ["content"], "status": "active", "visibility": "public"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

/// `GET /api/traffic-sources/{id}/traffic` as `who`, which must answer 200.
async fn traffic_of(who: &User, source_id: impl std::fmt::Display) -> Value {
    let r = who
        .get(&format!("/api/traffic-sources/{source_id}/traffic"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

pub async fn drain(app: &TestApp) -> usize {
    app.state.clicks.drain(&app.db).await.unwrap()
}

/// Every stored click event, read back as the ledger writes them (to store them again).
pub async fn stored_events(app: &TestApp) -> Vec<server::clicks::event::ClickEvent> {
    rows(
        app,
        "SELECT click_id, at, collaboration_id, traffic_source_id, program_id, partner_id, advertiser_id, outcome,
                referrer_host, referrer_class, bot, visitor_hash FROM click_events",
    )
    .await
    .iter()
    .map(|r| server::clicks::event::ClickEvent {
        click_id: r.try_get(0).unwrap(),
        at: r.try_get(1).unwrap(),
        collaboration_id: r.try_get(2).unwrap(),
        traffic_source_id: r.try_get(3).unwrap(),
        program_id: r.try_get(4).unwrap(),
        partner_id: r.try_get(5).unwrap(),
        advertiser_id: r.try_get(6).unwrap(),
        outcome: model::traffic::ClickOutcome::from_id(&r.try_get::<String, _>(7).unwrap()).unwrap(),
        referrer_host: r.try_get(8).unwrap(),
        referrer_class: model::traffic::ReferrerClass::from_id(&r.try_get::<String, _>(9).unwrap()).unwrap(),
        bot: r.try_get::<i64, _>(10).unwrap() != 0,
        visitor_hash: r.try_get(11).unwrap(),
        deep_link: None,
        prefetch: false, click_param: None, utm_channel: None, verdict: None,
    })
    .collect()
}

async fn rows(app: &TestApp, sql: &str) -> Vec<sqlx::any::AnyRow> {
    sqlx::query(sql).fetch_all(&app.db.pool).await.unwrap()
}

/// The one value `sql` answers.
pub async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

async fn the_ledger_holds_every_click_by_outcome(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Ledger Blog", "https://ledger.example/").await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        let (status, id) = human(&app, &l.code, "").await;
        assert_eq!(status, StatusCode::FOUND);
        ids.push(id.unwrap());
    }
    set_state(&l.partner, &l.source, "paused", "public").await;
    for _ in 0..3 {
        assert_eq!(human(&app, &l.code, "").await.0, StatusCode::GONE);
    }
    set_state(&l.partner, &l.source, "active", "public").await;
    block(&app, &l.source).await;
    for _ in 0..2 {
        assert_eq!(human(&app, &l.code, "").await.0, StatusCode::GONE);
    }
    // HEAD (a link checker) and unknown codes are not clicks.
    let head = visitor()
        .head(format!("{}/t/{}", app.base(), l.code))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::GONE);
    assert_eq!(
        human(&app, "NoSuchCode000000", "").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.state.clicks.pending(), 9, "journaled, not yet stored");
    assert_eq!(drain(&app).await, 9);
    assert_eq!(app.state.clicks.pending(), 0);
    let mut by_outcome: Vec<(String, i64)> = rows(
        &app,
        "SELECT outcome, COUNT(*) FROM click_events GROUP BY outcome ORDER BY outcome",
    )
    .await
    .iter()
    .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
    .collect();
    by_outcome.sort();
    assert_eq!(
        by_outcome,
        [
            ("redirected".to_string(), 4),
            ("refused_blocked".into(), 2),
            ("refused_paused".into(), 3)
        ]
    );
    // The click ids the redirects carried are the ledger's, each once.
    for id in &ids {
        assert_eq!(
            scalar(
                &app,
                &format!("SELECT COUNT(*) FROM click_events WHERE click_id = '{id}'")
            )
            .await,
            1
        );
    }
    // Each event names its collaboration, source, program, partner and advertiser.
    let row = &rows(
        &app,
        "SELECT traffic_source_id, program_id, partner_id, advertiser_id FROM click_events LIMIT 1",
    )
    .await[0];
    assert_eq!(
        row.try_get::<i64, _>(0).unwrap(),
        l.source["id"].as_i64().unwrap()
    );
    assert_eq!(
        row.try_get::<i64, _>(1).unwrap(),
        l.program["id"].as_i64().unwrap()
    );
    assert_eq!(row.try_get::<i64, _>(2).unwrap(), l.partner.id());
    assert_eq!(row.try_get::<i64, _>(3).unwrap(), l.advertiser.id());
    // The link's counters follow the ledger.
    let detail: Value = l
        .advertiser
        .get(&format!("/api/programs/{}", l.program["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["sources"][0]["clicks"], 4);
    assert_eq!(detail["sources"][0]["refused_clicks"], 5);
}

async fn referrers_are_classed_against_the_declared_site(engine: Engine) {
    let app = spawn_app(engine).await;
    let site = linked(&app, "Deal Spotter", "https://dealspotter.example/deals").await;
    let cases: &[(&str, Option<&str>, &str)] = &[
        (
            "https://dealspotter.example/post/1?utm=x",
            Some("dealspotter.example"),
            "match",
        ),
        (
            "https://WWW.DealSpotter.example:8443/",
            Some("dealspotter.example"),
            "match",
        ),
        (
            "https://blog.dealspotter.example/",
            Some("blog.dealspotter.example"),
            "match",
        ),
        (
            "https://coupon-farm.example/page",
            Some("coupon-farm.example"),
            "mismatch",
        ),
        (
            "https://dealspotter.example.evil.test/",
            Some("dealspotter.example.evil.test"),
            "mismatch",
        ),
        ("", None, "none"),
    ];
    for (referrer, _, _) in cases {
        human(&app, &site.code, referrer).await;
    }
    let platform = linked(&app, "Insta Deals", "https://www.instagram.com/dealspotter").await;
    human(&app, &platform.code, "https://l.instagram.com/").await;
    human(&app, &platform.code, "https://www.facebook.com/").await;
    let idn = linked(&app, "Bücher", "https://bücher.example/").await;
    human(&app, &idn.code, "https://xn--bcher-kva.example/list").await;
    // Some clients send the host as raw UTF-8.
    click_with(
        &app,
        &idn.code,
        &[
            ("user-agent", CHROME.as_bytes()),
            ("referer", "https://www.bücher.example/x".as_bytes()),
        ],
    )
    .await;
    drain(&app).await;
    let stored = |source: &Value| {
        format!(
            "SELECT referrer_host, referrer_class FROM click_events WHERE traffic_source_id = {} ORDER BY at, click_id",
            source["id"]
        )
    };
    let classes = |rows: Vec<sqlx::any::AnyRow>| -> Vec<(Option<String>, String)> {
        rows.iter()
            .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
            .collect()
    };
    let mut got = classes(rows(&app, &stored(&site.source)).await);
    let mut want: Vec<(Option<String>, String)> = cases
        .iter()
        .map(|(_, host, class)| (host.map(str::to_string), class.to_string()))
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    let mut got = classes(rows(&app, &stored(&platform.source)).await);
    got.sort();
    assert_eq!(
        got,
        [
            (Some("facebook.com".into()), "mismatch".into()),
            (Some("l.instagram.com".into()), "match".into())
        ]
    );
    let got = classes(rows(&app, &stored(&idn.source)).await);
    assert_eq!(got.len(), 2);
    for (host, class) in got {
        assert_eq!(
            (host.as_deref(), class.as_str()),
            (Some("xn--bcher-kva.example"), "match")
        );
    }
}

async fn bots_are_flagged_counted_apart_and_left_out_of_rates(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Bot Target", "https://bot-target.example/").await;
    for _ in 0..MIN {
        human(&app, &l.code, "https://bot-target.example/p").await;
    }
    let googlebot: &[u8] =
        b"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    for _ in 0..5 {
        // Bots from another site: they must not drag the match rate down.
        click_with(
            &app,
            &l.code,
            &[
                ("user-agent", googlebot),
                ("referer", b"https://elsewhere.example/"),
            ],
        )
        .await;
    }
    for _ in 0..3 {
        click_with(&app, &l.code, &[]).await; // no user agent at all
    }
    drain(&app).await;
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM click_events WHERE bot = 1").await,
        8
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM click_events WHERE bot = 0").await,
        MIN as i64
    );
    let t = traffic_of(&l.partner, &l.source["id"]).await;
    let today = t["series"].as_array().unwrap().last().unwrap();
    assert_eq!(today["bots"], 8);
    assert_eq!(today["redirected"], MIN as i64);
    assert_eq!(
        t["referrers"],
        json!({"match": MIN as i64, "mismatch": 0, "none": 0})
    );
    assert_eq!(t["match_rate"], 100);
    assert!(t["top_referrers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["host"] != "elsewhere.example"));
}

const MIN: usize = model::traffic::MIN_CLICKS_TO_JUDGE as usize;

async fn no_raw_address_or_full_referrer_is_stored_anywhere(engine: Engine) {
    // Two proxies: the first (10.0.0.1) wrote the visitor's address, the second its own.
    let app = spawn_app_with(engine, |c| {
        c.client_ip_header = Some("x-forwarded-for".into());
        c.trusted_proxies = 2;
    })
    .await;
    let l = linked(&app, "Private Blog", "https://private-blog.example/").await;
    for ip in ["203.0.113.77", "198.51.100.23"] {
        for _ in 0..2 {
            click_with(
                &app,
                &l.code,
                &[
                    ("user-agent", CHROME.as_bytes()),
                    ("x-forwarded-for", format!("{ip}, 10.0.0.1").as_bytes()),
                    (
                        "referer",
                        b"https://private-blog.example/secret-path?token=abc123",
                    ),
                ],
            )
            .await;
        }
    }
    let forbidden = [
        "203.0.113.77",
        "198.51.100.23",
        "127.0.0.1",
        "secret-path",
        "abc123",
    ];
    // Not in the journal either, while the clicks wait there.
    let journal = &app.state.config.journal_dir();
    for entry in std::fs::read_dir(journal).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        for f in forbidden {
            assert!(!text.contains(f), "the journal holds {f}");
        }
    }
    drain(&app).await;
    // Every text cell of every table.
    let tables: Vec<String> = match engine {
        Engine::Sqlite => rows(&app, "SELECT name FROM sqlite_master WHERE type = 'table'").await,
        Engine::Postgres => rows(
            &app,
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .await,
    }
    .iter()
    .map(|r| r.try_get(0).unwrap())
    .collect();
    assert!(tables.iter().any(|t| t.starts_with("click_events")));
    for table in tables {
        let sql = match engine {
            Engine::Sqlite => {
                let columns: Vec<String> = rows(&app, &format!("SELECT name FROM pragma_table_info('{table}')"))
                    .await
                    .iter()
                    .map(|r| r.try_get::<String, _>(0).unwrap())
                    .map(|c| format!("CASE WHEN typeof(\"{c}\") = 'blob' THEN hex(\"{c}\") ELSE CAST(\"{c}\" AS TEXT) END"))
                    .collect();
                format!("SELECT {} FROM \"{table}\"", columns.join(", "))
            }
            Engine::Postgres => format!("SELECT CAST(t AS TEXT) FROM \"{table}\" t"),
        };
        for row in rows(&app, &sql).await {
            for i in 0..row.len() {
                if let Ok(Some(text)) = row.try_get::<Option<String>, _>(i) {
                    for f in forbidden {
                        assert!(!text.contains(f), "{table} holds {f}: {text}");
                    }
                }
            }
        }
    }
    // The hash still tells the two visitors apart.
    let t = traffic_of(&l.partner, &l.source["id"]).await;
    assert_eq!(
        t["series"].as_array().unwrap().last().unwrap()["visitors"],
        2
    );
}

async fn a_click_is_looked_up_by_its_id_by_those_who_may(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Lookup Blog", "https://lookup.example/").await;
    let (_, id) = human(&app, &l.code, "https://lookup.example/p").await;
    let id = id.unwrap();
    let path = format!("/api/clicks/{id}");
    // Not yet drained: not there yet.
    error_code(l.advertiser.get(&path).await, StatusCode::NOT_FOUND).await;
    drain(&app).await;
    let r = l.advertiser.get(&path).await;
    assert_eq!(r.status(), StatusCode::OK);
    let click: Value = r.json().await.unwrap();
    assert_eq!(click["click_id"], id.as_str());
    assert_eq!(click["traffic_source_id"], l.source["id"]);
    assert_eq!(click["source_name"], "Lookup Blog");
    assert_eq!(click["program_id"], l.program["id"]);
    assert_eq!(click["program_name"], "Spring");
    assert_eq!(click["outcome"], "redirected");
    assert_eq!(click["referrer_host"], "lookup.example");
    assert_eq!(click["referrer_class"], "match");
    assert_eq!(click["bot"], false);
    assert!(click["at"].as_str().unwrap().ends_with('Z'));
    let staff = app.staff().await;
    assert_eq!(staff.get(&path).await.status(), StatusCode::OK);
    let other_advertiser = app.advertiser().await;
    error_code(other_advertiser.get(&path).await, StatusCode::NOT_FOUND).await;
    error_code(l.partner.get(&path).await, StatusCode::FORBIDDEN).await;
    error_code(app.anonymous().get(&path).await, StatusCode::UNAUTHORIZED).await;
    error_code(
        l.advertiser.get("/api/clicks/NoSuchClick00000").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    error_code(
        l.advertiser.get("/api/clicks/not-a-click-id").await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

/// The rollups recomputed from the raw events, as text, next to the stored ones.
async fn rollups_from_events(app: &TestApp, period_ms: i64) -> (String, String) {
    let (table, col) = if period_ms == 3_600_000 {
        ("click_hourly", "hour")
    } else {
        ("click_daily", "day")
    };
    let from_events = format!(
        "SELECT collaboration_id, at - (at % {period_ms}) AS p,
           SUM(CASE WHEN bot = 0 AND outcome = 'redirected' THEN 1 ELSE 0 END),
           SUM(CASE WHEN bot = 0 AND outcome <> 'redirected' THEN 1 ELSE 0 END),
           SUM(CASE WHEN bot = 1 THEN 1 ELSE 0 END),
           SUM(CASE WHEN valid = 1 AND referrer_class = 'match' THEN 1 ELSE 0 END),
           SUM(CASE WHEN valid = 1 AND referrer_class = 'mismatch' THEN 1 ELSE 0 END),
           SUM(CASE WHEN valid = 1 AND referrer_class = 'none' THEN 1 ELSE 0 END),
           CAST(SUM(valid) AS BIGINT),
           SUM(CASE WHEN invalid_reason = 'prefetch' THEN 1 ELSE 0 END),
           SUM(CASE WHEN invalid_reason = 'duplicate' THEN 1 ELSE 0 END),
           SUM(CASE WHEN invalid_reason = 'velocity' THEN 1 ELSE 0 END)
         FROM click_events GROUP BY collaboration_id, at - (at % {period_ms}) ORDER BY 1, 2"
    );
    let stored = format!(
        "SELECT collaboration_id, {col}, redirected, refused, bots, matched, mismatched, no_referrer,
                valid, prefetch, duplicate, velocity FROM {table} ORDER BY 1, 2"
    );
    let text = |rows: Vec<sqlx::any::AnyRow>| {
        rows.iter()
            .map(|r| {
                (0..12)
                    .map(|i| r.try_get::<i64, _>(i).unwrap().to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    (
        text(rows(app, &from_events).await),
        text(rows(app, &stored).await),
    )
}

async fn rollups_agree_with_the_raw_events(engine: Engine) {
    let app = spawn_app(engine).await;
    let a = linked(&app, "Roll A", "https://roll-a.example/").await;
    let b = linked(&app, "Roll B", "https://roll-b.example/").await;
    // One person on each link: their repeat clicks are duplicates, in the rollups too.
    let human = |app, code, referrer: &'static str| async move {
        let mut headers: Vec<(&str, &[u8])> = vec![("user-agent", CHROME.as_bytes())];
        if !referrer.is_empty() {
            headers.push(("referer", referrer.as_bytes()));
        }
        click_with(app, code, &headers).await
    };
    for i in 0..12 {
        human(
            &app,
            &a.code,
            if i % 3 == 0 {
                ""
            } else {
                "https://roll-a.example/x"
            },
        )
        .await;
        human(&app, &b.code, "https://other.example/").await;
        if i == 5 {
            drain(&app).await; // rollups add up across drains
            set_state(&b.partner, &b.source, "paused", "public").await;
        }
    }
    click_with(&app, &a.code, &[("user-agent", b"curl/8.0")]).await;
    for ip in ["1.1.1.1", "2.2.2.2", "3.3.3.3"] {
        // Three visitors by user agent (the peer address is the same for all).
        click_with(
            &app,
            &a.code,
            &[("user-agent", format!("{CHROME} {ip}").as_bytes())],
        )
        .await;
    }
    drain(&app).await;
    for period in [3_600_000, 86_400_000] {
        let (from_events, stored) = rollups_from_events(&app, period).await;
        assert!(!stored.is_empty());
        assert_eq!(stored, from_events, "rollups per {period} ms");
    }
    // Visitors: each (link, day, visitor) once, in the rollups as in the visitor keys.
    let keys = scalar(&app, "SELECT COUNT(*) FROM click_visitors").await;
    let distinct = scalar(
        &app,
        "SELECT COUNT(*) FROM (SELECT DISTINCT collaboration_id, at - (at % 86400000), visitor_hash FROM click_events WHERE bot = 0) v",
    )
    .await;
    assert_eq!(keys, distinct);
    assert_eq!(keys, 5, "one Chrome visitor on each link, three more on A");
    assert_eq!(
        scalar(
            &app,
            "SELECT CAST(SUM(visitors) AS BIGINT) FROM click_hourly"
        )
        .await,
        keys
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT CAST(SUM(visitors) AS BIGINT) FROM click_daily"
        )
        .await,
        keys
    );
    // The referrer rollup counts each valid click with a referrer once.
    assert_eq!(
        scalar(
            &app,
            "SELECT CAST(SUM(clicks) AS BIGINT) FROM click_referrers_daily"
        )
        .await,
        scalar(
            &app,
            "SELECT COUNT(*) FROM click_events WHERE valid = 1 AND referrer_host IS NOT NULL"
        )
        .await
    );
}

async fn storing_the_same_clicks_twice_counts_them_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Replay Blog", "https://replay.example/").await;
    for _ in 0..3 {
        human(&app, &l.code, "https://replay.example/").await;
    }
    drain(&app).await;
    let events = stored_events(&app).await;
    assert_eq!(events.len(), 3);
    let before = app.snapshot().await;
    // A journal replayed after a crash between commit and deleting its segment.
    let partitions = server::clicks::retention::Partitions::default();
    let stored = server::clicks::store::store(&app.db, &partitions, &events)
        .await
        .unwrap();
    assert_eq!(stored.new, 0, "nothing new");
    assert_eq!(app.snapshot().await, before, "nothing counted twice");
}

async fn the_traffic_call_answers_a_daily_series_and_top_referrers(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Series Blog", "https://www.series.example/").await;
    for _ in 0..20 {
        human(&app, &l.code, "https://series.example/a").await;
    }
    for _ in 0..7 {
        human(&app, &l.code, "https://copycat.example/").await;
    }
    for _ in 0..3 {
        human(&app, &l.code, "").await;
    }
    set_state(&l.partner, &l.source, "paused", "public").await;
    human(&app, &l.code, "https://copycat.example/").await;
    drain(&app).await;
    let path = format!("/api/traffic-sources/{}/traffic", l.source["id"]);
    let t: Value = l.partner.get(&path).await.json().await.unwrap();
    assert_eq!(t["days"], 30);
    assert_eq!(t["declared_site"], "series.example");
    let series = t["series"].as_array().unwrap();
    assert_eq!(series.len(), 30, "every day, those without clicks too");
    assert!(series[..29]
        .iter()
        .all(|d| d["redirected"] == 0 && d["refused"] == 0));
    let today = &series[29];
    assert_eq!(today["day"], crate_today());
    assert_eq!(
        (today["redirected"].as_i64(), today["refused"].as_i64()),
        (Some(30), Some(1))
    );
    // The refused click is gross traffic, one click away, but not in the figures.
    assert_eq!(today["valid"], 30);
    assert_eq!(
        today["invalid"],
        json!({"bot": 0, "prefetch": 0, "duplicate": 0, "velocity": 0, "refused": 1})
    );
    assert_eq!(
        t["referrers"],
        json!({"match": 20, "mismatch": 7, "none": 3})
    );
    assert_eq!(t["match_rate"], 67, "20 of 30 valid clicks, rounded");
    assert_eq!(
        t["top_referrers"],
        json!([{"host": "series.example", "matches": true, "clicks": 20}, {"host": "copycat.example", "matches": false, "clicks": 7}])
    );
    let week: Value = l
        .partner
        .get(&format!("{path}?days=7"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(week["series"].as_array().unwrap().len(), 7);
    let staff = app.staff().await;
    assert_eq!(staff.get(&path).await.status(), StatusCode::OK);
    for bad in ["0", "91", "x", "7.5"] {
        let e = error_code(
            l.partner.get(&format!("{path}?days={bad}")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(e["message"].as_str().unwrap().contains("days"), "{e}");
    }
    error_code(app.partner().await.get(&path).await, StatusCode::NOT_FOUND).await;
    error_code(l.advertiser.get(&path).await, StatusCode::FORBIDDEN).await;
    error_code(app.anonymous().get(&path).await, StatusCode::UNAUTHORIZED).await;
    error_code(
        l.partner.get("/api/traffic-sources/999999/traffic").await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

fn crate_today() -> String {
    server::time::rfc3339(server::time::now_ms())[..10].to_string()
}

async fn program_traffic_is_for_the_programs_advertiser(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Program Blog", "https://program-blog.example/").await;
    // Two more links in the same program, one with clicks of its own and one quiet, and
    // another advertiser's program on the same source, whose clicks are not this one's.
    let second = source_of(&l.partner, "Second Blog", "https://second-blog.example/").await;
    let quiet = source_of(&l.partner, "Quiet Second", "https://quiet-second.example/").await;
    let second_code = collaborate(&l.advertiser, &l.program, &second).await["tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    collaborate(&l.advertiser, &l.program, &quiet).await;
    let other = app.advertiser().await;
    let other_program = program(&other, "Elsewhere", "https://other.example/").await;
    let other_code = collaborate(&other, &other_program, &l.source).await["tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..4 {
        human(&app, &l.code, "https://program-blog.example/").await;
    }
    for _ in 0..2 {
        human(&app, &second_code, "https://second-blog.example/").await;
    }
    for _ in 0..7 {
        human(&app, &other_code, "https://program-blog.example/").await;
    }
    drain(&app).await;
    let path = format!("/api/programs/{}/traffic?days=14", l.program["id"]);
    let r = l.advertiser.get(&path).await;
    assert_eq!(r.status(), StatusCode::OK);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["days"], 14);
    let all = t["collaborations"].as_array().unwrap();
    assert_eq!(all.len(), 3, "every link of the program, the quiet one too");
    let of = |id: &Value| {
        all.iter()
            .find(|c| &c["traffic_source_id"] == id)
            .unwrap_or_else(|| panic!("a series for source {id}"))
    };
    let s = of(&second["id"]);
    assert_eq!(s["series"][13]["redirected"], 2, "its own clicks only");
    assert_eq!(s["declared_site"], "second-blog.example");
    let q = of(&quiet["id"]);
    assert_eq!(q["series"].as_array().unwrap().len(), 14);
    assert!(q["series"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["redirected"] == 0));
    assert_eq!(q["referrers"]["match"], 0);
    let c = of(&l.source["id"]);
    assert_eq!(c["traffic_source_id"], l.source["id"]);
    assert_eq!(c["source_name"], "Program Blog");
    assert_eq!(c["declared_site"], "program-blog.example");
    assert_eq!(c["series"].as_array().unwrap().len(), 14);
    assert_eq!(
        c["series"][13]["redirected"], 4,
        "not the other program's 7"
    );
    assert_eq!(c["referrers"]["match"], 4);
    assert_eq!(c["match_rate"], Value::Null, "too little traffic to judge");
    error_code(
        app.advertiser().await.get(&path).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    error_code(l.partner.get(&path).await, StatusCode::FORBIDDEN).await;
    error_code(
        l.advertiser
            .get(&format!(
                "/api/programs/{}/traffic?days=100",
                l.program["id"]
            ))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

async fn list_rows_carry_30_day_figures_and_the_marketplace_only_a_band(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Figures Blog", "https://figures.example/").await;
    let quiet = linked(&app, "Quiet Blog", "https://quiet.example/").await;
    for i in 0..40 {
        human(
            &app,
            &l.code,
            if i < 30 {
                "https://figures.example/"
            } else {
                "https://elsewhere.example/"
            },
        )
        .await;
    }
    human(&app, &quiet.code, "https://quiet.example/").await;
    drain(&app).await;
    let page: Value = l
        .partner
        .get("/api/traffic-sources")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["clicks_30d"], 40);
    assert_eq!(page["items"][0]["match_rate_30d"], 75);
    let detail: Value = l
        .partner
        .get(&format!("/api/traffic-sources/{}", l.source["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["source"]["clicks_30d"], 40);
    let staff = app.staff().await;
    let all: Value = staff
        .get("/api/traffic-sources?sort=name")
        .await
        .json()
        .await
        .unwrap();
    let figures: Vec<(String, i64, Value)> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().into(),
                s["clicks_30d"].as_i64().unwrap(),
                s["match_rate_30d"].clone(),
            )
        })
        .collect();
    assert_eq!(
        figures,
        [
            ("Figures Blog".into(), 40, json!(75)),
            ("Quiet Blog".into(), 1, Value::Null)
        ]
    );
    let program: Value = l
        .advertiser
        .get(&format!("/api/programs/{}", l.program["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(program["sources"][0]["clicks_30d"], 40);
    assert_eq!(program["sources"][0]["match_rate_30d"], 75);
    let market: Value = l
        .advertiser
        .get("/api/marketplace/traffic-sources?sort=name")
        .await
        .json()
        .await
        .unwrap();
    let first = &market["items"][0];
    assert_eq!(first["name"], "Figures Blog");
    assert_eq!(first["volume_band"], "under1k");
    assert_eq!(first["match_rate_30d"], 75);
    assert!(
        first.get("clicks_30d").is_none(),
        "never an exact count: {first}"
    );
    assert_eq!(market["items"][1]["volume_band"], "too_little");
    assert_eq!(market["items"][1]["match_rate_30d"], Value::Null);
}

async fn raw_events_are_pruned_after_retention_and_rollups_stay(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Old Blog", "https://old.example/").await;
    human(&app, &l.code, "https://old.example/").await;
    drain(&app).await;
    // An event 100 days old, as a long-stopped journal would replay it.
    let mut old: server::clicks::event::ClickEvent = {
        let r = &rows(&app, "SELECT click_id, collaboration_id, traffic_source_id, program_id, partner_id, advertiser_id FROM click_events").await[0];
        server::clicks::event::ClickEvent {
            click_id: "OldClick00000000".into(),
            at: 0,
            collaboration_id: r.try_get(1).unwrap(),
            traffic_source_id: r.try_get(2).unwrap(),
            program_id: r.try_get(3).unwrap(),
            partner_id: r.try_get(4).unwrap(),
            advertiser_id: r.try_get(5).unwrap(),
            outcome: model::traffic::ClickOutcome::Redirected,
            referrer_host: None,
            referrer_class: model::traffic::ReferrerClass::None,
            bot: false,
            visitor_hash: "0".repeat(32),
            deep_link: None,
            prefetch: false,
            click_param: None,
            utm_channel: None,
            verdict: None,
        }
    };
    old.at = server::time::now_ms() - 100 * 86_400_000;
    let partitions = server::clicks::retention::Partitions::default();
    assert_eq!(
        server::clicks::store::store(&app.db, &partitions, &[old])
            .await
            .unwrap()
            .new,
        1
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM click_events").await, 2);
    let rollups = scalar(&app, "SELECT COUNT(*) FROM click_hourly").await;
    let pruned = app.state.clicks.prune(&app.db, 90).await.unwrap();
    assert_eq!(pruned, 1);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM click_events").await,
        1,
        "today's click stays"
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM click_events WHERE click_id = 'OldClick00000000'"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM click_hourly").await,
        rollups,
        "rollups stay"
    );
    if engine == Engine::Postgres {
        // The old day's partition itself is gone.
        let parts = scalar(
            &app,
            "SELECT COUNT(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'click_events'",
        )
        .await;
        assert_eq!(parts, 1);
    }
    assert_eq!(app.state.clicks.prune(&app.db, 90).await.unwrap(), 0);
}

async fn the_demo_seed_brings_30_days_of_telling_traffic_and_says_when_it_skips(engine: Engine) {
    use server::seed::{seed_demo, SeedOutcome, DEMO_ACCOUNTS};
    let app = spawn_app(engine).await;
    assert_eq!(seed_demo(&app.db).await.unwrap(), SeedOutcome::Seeded);
    let staff = app.staff().await;
    let id_of = |name: &str| format!("SELECT id FROM traffic_sources WHERE name = '{name}'");
    let blog = traffic_of(&staff, scalar(&app, &id_of("Dealspotter Blog")).await).await;
    let days_with_clicks = blog["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["redirected"].as_i64().unwrap() > 0)
        .count();
    assert!(
        days_with_clicks >= 29,
        "30 days of clicks: {days_with_clicks}"
    );
    assert!(
        blog["match_rate"].as_i64().unwrap() > 75,
        "{}",
        blog["match_rate"]
    );
    let copied = traffic_of(&staff, scalar(&app, &id_of("Cashback Club")).await).await;
    assert!(
        copied["referrers"]["mismatch"].as_i64().unwrap()
            > copied["referrers"]["match"].as_i64().unwrap() * 2
    );
    assert!(
        copied["top_referrers"][0]["matches"] == false,
        "{}",
        copied["top_referrers"]
    );
    let bots = traffic_of(&staff, scalar(&app, &id_of("Trailhead on YouTube")).await).await;
    let sum = |t: &Value, k: &str| {
        t["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d[k].as_i64().unwrap())
            .sum::<i64>()
    };
    assert!(sum(&bots, "bots") > sum(&bots, "redirected"), "mostly bots");
    for period in [3_600_000, 86_400_000] {
        let (from_events, stored) = rollups_from_events(&app, period).await;
        assert_eq!(stored, from_events);
    }
    // The demo's history is not announced: the first real click on a demo source reaches a
    // stream at once, not after the 5-s window its announcement would have opened.
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM live_events WHERE kind = 'traffic'"
        )
        .await,
        0
    );
    let blog_id = scalar(&app, &id_of("Dealspotter Blog")).await;
    let code: String = sqlx::query(
        "SELECT tracking_code FROM collaborations WHERE traffic_source_id = $1 ORDER BY id LIMIT 1",
    )
    .bind(blog_id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
    .try_get(0)
    .unwrap();
    let mut watching =
        crate::events::Stream::open_at(&staff, &format!("/api/events?traffic_of={blog_id}"), None)
            .await;
    human(&app, &code, "").await;
    assert_eq!(drain(&app).await, 1);
    let frame = watching.next().await;
    assert_eq!(
        (frame.event.as_str(), frame.data["source_id"].as_i64()),
        ("traffic", Some(blog_id))
    );
    drop(watching);
    // A second start finds its own demo accounts (and the test's staff) and adds nothing.
    let before = app.snapshot().await;
    let again = seed_demo(&app.db).await.unwrap();
    assert_eq!(
        again,
        SeedOutcome::Skipped {
            accounts: 6,
            demo_accounts: DEMO_ACCOUNTS.iter().map(|a| a.0).collect()
        }
    );
    assert_eq!(app.snapshot().await, before);
    // A database with someone else's account: nothing seeded, and no demo sign-in offered.
    let other = spawn_app(engine).await;
    other.staff().await;
    assert_eq!(
        seed_demo(&other.db).await.unwrap(),
        SeedOutcome::Skipped {
            accounts: 1,
            demo_accounts: vec![]
        }
    );
}

async fn the_contract_documents_the_traffic_calls(engine: Engine) {
    let app = spawn_app(engine).await;
    let doc: Value = app
        .anonymous()
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    for (path, statuses) in [
        (
            "/api/traffic-sources/{id}/traffic",
            &["200", "400", "401", "403", "404"][..],
        ),
        (
            "/api/programs/{id}/traffic",
            &["200", "400", "401", "403", "404"][..],
        ),
        (
            "/api/traffic-sources/{id}/traffic.csv",
            &["200", "400", "401", "403", "404"][..],
        ),
        (
            "/api/programs/{id}/traffic.csv",
            &["200", "400", "401", "403", "404"][..],
        ),
        ("/api/clicks/{click_id}", &["200", "401", "403", "404"][..]),
    ] {
        let op = &doc["paths"][path]["get"];
        assert!(op.is_object(), "{path}");
        for s in statuses {
            assert!(op["responses"][*s].is_object(), "{path} {s}");
        }
        if path.ends_with("/traffic") || path.ends_with("/traffic.csv") {
            let params: Vec<&str> = op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|p| p["name"].as_str())
                .collect();
            assert!(
                params.contains(&"days") && params.contains(&"hours"),
                "{path}: {params:?}"
            );
        }
    }
    let traffic = doc["paths"]["/api/traffic-sources/{id}/traffic"]["get"]["description"]
        .as_str()
        .unwrap();
    assert!(
        traffic.contains("Public Suffix List") && traffic.contains("noreferrer"),
        "says what a match can and cannot prove"
    );
    for schema in [
        "SourceTraffic",
        "ProgramTraffic",
        "Click",
        "VolumeBand",
        "ReferrerClass",
        "ClickOutcome",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
}
