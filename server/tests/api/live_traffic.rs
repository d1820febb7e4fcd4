//! New clicks on the live stream: once the drain has stored them, a `traffic` event reaches
//! the source's partner and the advertiser whose link was clicked, nobody else; at most
//! one every few seconds per source and advertiser, only for clicks newly stored; and from
//! one instance's drain to a stream held by another.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Row;

use crate::both_engines;
use crate::crash::Server;
use crate::events::{Frame, Stream};
use crate::marketplace::{collaborate, program};
use crate::support::{error_code, spawn_app, spawn_app_with, Engine, TempDir, User};
use crate::traffic::{drain, human, linked, scalar, stored_events};

both_engines!(
    new_clicks_reach_the_sources_partner_and_the_links_advertiser_only,
    a_source_is_announced_at_most_once_a_window_and_only_for_new_clicks,
    a_burst_of_events_reaches_a_stream_whole_and_at_once,
    a_stream_for_one_sources_traffic_carries_its_clicks_to_staff_and_its_partner,
    a_stream_for_one_sources_traffic_is_refused_clearly_and_takes_no_slot,
    a_stream_for_one_sources_traffic_resumes_with_only_its_missed_clicks,
);

/// The same source in a second advertiser's program: that advertiser, and the link's code
/// (a click on it is announced in a window of its own).
async fn second_link(app: &crate::support::TestApp, source: &Value) -> (User, String) {
    let second = app.advertiser().await;
    let autumn = program(&second, "Autumn", "https://autumn.example/").await;
    let code = collaborate(&second, &autumn, source).await["tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    (second, code)
}

fn assert_traffic(frame: &Frame, source: &Value) {
    assert_eq!(frame.event, "traffic", "{frame:?}");
    assert_eq!(frame.data["kind"], "traffic");
    assert_eq!(frame.data["source_id"], source["id"]);
}

/// Nothing more on `stream` for a while (the event, had it been sent, came with the others).
async fn assert_quiet(stream: &mut Stream, who: &str) {
    if let Some(frame) = stream.next_within(Duration::from_millis(400)).await {
        panic!("{who} should hear nothing, heard {frame:?}");
    }
}

async fn new_clicks_reach_the_sources_partner_and_the_links_advertiser_only(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Live Clicks", "https://live.example/").await;
    // The same source in a second advertiser's program.
    let (second, second_code) = second_link(&app, &l.source).await;
    let mut partner = Stream::open(&l.partner, None).await;
    let mut advertiser = Stream::open(&l.advertiser, None).await;
    let mut second_stream = Stream::open(&second, None).await;
    let mut other_partner = Stream::open(&app.partner().await, None).await;
    let mut other_advertiser = Stream::open(&app.advertiser().await, None).await;
    let mut staff = Stream::open(&app.staff().await, None).await;

    // Answered but not yet stored: nothing to announce.
    assert_eq!(
        human(&app, &l.code, "https://live.example/post").await.0,
        StatusCode::FOUND
    );
    assert_quiet(&mut partner, "the partner, before the drain").await;

    assert_eq!(drain(&app).await, 1);
    assert_traffic(&partner.next().await, &l.source);
    assert_traffic(&advertiser.next().await, &l.source);
    assert_quiet(&mut second_stream, "another advertiser of the source").await;
    assert_quiet(&mut other_partner, "another partner").await;
    assert_quiet(&mut other_advertiser, "an unrelated advertiser").await;
    assert_quiet(&mut staff, "staff").await;

    // A click on the second advertiser's link: theirs and the partner's, not the first's.
    human(&app, &second_code, "").await;
    assert_eq!(drain(&app).await, 1);
    assert_traffic(&second_stream.next().await, &l.source);
    assert_traffic(&partner.next().await, &l.source);
    assert_quiet(&mut advertiser, "the first advertiser").await;
}

async fn traffic_rows(app: &crate::support::TestApp) -> i64 {
    scalar(
        app,
        "SELECT COUNT(*) FROM live_events WHERE kind = 'traffic'",
    )
    .await
}

async fn a_source_is_announced_at_most_once_a_window_and_only_for_new_clicks(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Busy Clicks", "https://busy.example/").await;
    let mut partner = Stream::open(&l.partner, None).await;

    human(&app, &l.code, "").await;
    drain(&app).await;
    assert_traffic(&partner.next().await, &l.source);
    // More clicks inside the window: stored and counted, not announced yet.
    for _ in 0..3 {
        human(&app, &l.code, "").await;
    }
    assert_eq!(drain(&app).await, 3);
    let stored_at = std::time::Instant::now();
    assert_quiet(&mut partner, "the partner, inside the window").await;
    assert_eq!(traffic_rows(&app).await, 1);
    // Nothing owed falls due before the window is over.
    assert_eq!(drain(&app).await, 0);
    assert_eq!(traffic_rows(&app).await, 1);

    // When it is over, the next drain announces them, with no new click.
    let window = Duration::from_millis(model::live::TRAFFIC_EVERY_MS as u64);
    tokio::time::sleep(window.saturating_sub(stored_at.elapsed()) + Duration::from_millis(100))
        .await;
    assert_eq!(drain(&app).await, 0);
    assert_traffic(&partner.next().await, &l.source);
    assert_eq!(traffic_rows(&app).await, 2);
    assert_eq!(drain(&app).await, 0);
    assert_eq!(traffic_rows(&app).await, 2, "announced once");

    // Past every window (the announcements made to look older), the same clicks stored
    // again, as a replayed journal would: nothing new, nothing announced.
    sqlx::query("UPDATE live_events SET at = at - 60000 WHERE kind = 'traffic'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let partitions = server::clicks::retention::Partitions::default();
    let stored = server::clicks::store::store(&app.db, &partitions, &stored_events(&app).await)
        .await
        .unwrap();
    assert_eq!(stored.new, 0);
    assert!(stored.unannounced.is_empty());
    assert_eq!(traffic_rows(&app).await, 2, "a replay announces nothing");
    assert_quiet(&mut partner, "the partner, after a replay").await;

    // A new click: announced at once.
    human(&app, &l.code, "").await;
    drain(&app).await;
    assert_traffic(&partner.next().await, &l.source);
    assert_eq!(traffic_rows(&app).await, 3);
}

fn traffic_of(source: &Value) -> String {
    format!("/api/events?traffic_of={}", source["id"])
}

/// Staff's own stream carries no clicks; a page showing one source's traffic opens a stream
/// for that source, which carries its clicks (whichever advertiser's link) and nothing else.
async fn a_stream_for_one_sources_traffic_carries_its_clicks_to_staff_and_its_partner(
    engine: Engine,
) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Watched Clicks", "https://watched.example/").await;
    let other = linked(&app, "Other Clicks", "https://other-clicks.example/").await;
    let (_, second_code) = second_link(&app, &l.source).await;
    let staff = app.staff().await;
    let mut staff_own = Stream::open(&staff, None).await;
    let mut watching = Stream::open_at(&staff, &traffic_of(&l.source), None).await;
    let mut partner_watching = Stream::open_at(&l.partner, &traffic_of(&l.source), None).await;
    let mut watching_other = Stream::open_at(&staff, &traffic_of(&other.source), None).await;

    human(&app, &l.code, "").await;
    assert_eq!(drain(&app).await, 1);
    assert_traffic(&watching.next().await, &l.source);
    assert_traffic(&partner_watching.next().await, &l.source);
    assert_quiet(&mut watching_other, "a stream for another source").await;
    assert_quiet(&mut staff_own, "staff's own stream").await;

    // Another advertiser's link to the same source: the same source's clicks.
    human(&app, &second_code, "").await;
    assert_eq!(drain(&app).await, 1);
    assert_traffic(&watching.next().await, &l.source);

    // The other source's click reaches its own stream only.
    human(&app, &other.code, "").await;
    assert_eq!(drain(&app).await, 1);
    assert_traffic(&watching_other.next().await, &other.source);
    assert_quiet(&mut watching, "the first source's stream").await;

    // A stream for several sources (a page of a list) carries each one's clicks.
    let both = format!(
        "/api/events?traffic_of={},{}",
        other.source["id"], l.source["id"]
    );
    let mut watching_both = Stream::open_at(&staff, &both, None).await;
    human(&app, &other.code, "").await;
    assert_eq!(drain(&app).await, 1);
    // (Inside the other source's 5-s window: announced by the first drain after it.)
    tokio::time::sleep(Duration::from_millis(
        model::live::TRAFFIC_EVERY_MS as u64 + 100,
    ))
    .await;
    assert_eq!(drain(&app).await, 0);
    let frame = watching_both.next().await;
    assert_traffic(&frame, &other.source);
    drop(watching_both);

    // A change of the source is on staff's own stream, not on the traffic one.
    crate::admin::block(
        &staff,
        l.source["id"].as_i64().unwrap(),
        "Fake traffic",
        None,
    )
    .await;
    assert_eq!(staff_own.next().await.event, "source");
    assert_quiet(&mut watching, "the traffic stream, on a block").await;
}

/// A page's traffic stream that dropped (a network blip) resumes with `Last-Event-ID` like the
/// main one: the clicks of its source it missed, and nothing else that happened meanwhile.
async fn a_stream_for_one_sources_traffic_resumes_with_only_its_missed_clicks(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Resumed Clicks", "https://resumed.example/").await;
    let other = linked(
        &app,
        "Elsewhere Clicks",
        "https://elsewhere-clicks.example/",
    )
    .await;
    let (_, second_code) = second_link(&app, &l.source).await;
    let staff = app.staff().await;
    let path = traffic_of(&l.source);
    let mut watching = Stream::open_at(&staff, &path, None).await;
    human(&app, &l.code, "").await;
    assert_eq!(drain(&app).await, 1);
    let seen = watching.next().await;
    assert_traffic(&seen, &l.source);
    drop(watching);

    // While it is down: another source's click, a block of this one, and a click on this
    // source through the second advertiser's link (a window of its own, so announced now).
    human(&app, &other.code, "").await;
    crate::admin::block(
        &staff,
        l.source["id"].as_i64().unwrap(),
        "Fake traffic",
        None,
    )
    .await;
    human(&app, &second_code, "").await;
    assert_eq!(drain(&app).await, 2);

    let mut resumed = Stream::open_at(&staff, &path, Some(&seen.id)).await;
    let missed = resumed.next().await;
    assert_traffic(&missed, &l.source);
    assert!(
        missed.id.parse::<i64>().unwrap() > seen.id.parse::<i64>().unwrap(),
        "after the last one seen"
    );
    assert_quiet(
        &mut resumed,
        "the resumed stream, past its one missed click",
    )
    .await;
}

async fn a_stream_for_one_sources_traffic_is_refused_clearly_and_takes_no_slot(engine: Engine) {
    let app = spawn_app_with(engine, |c| c.events_max_per_user = 1).await;
    let l = linked(&app, "Refused Clicks", "https://refused.example/").await;
    let path = traffic_of(&l.source);
    assert_eq!(
        app.anonymous().get(&path).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let refusals = [
        (
            &l.advertiser,
            path.clone(),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &l.partner,
            "/api/events?traffic_of=abc".to_string(),
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            &l.partner,
            "/api/events?traffic_of=1.5".to_string(),
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            &l.partner,
            format!("/api/events?traffic_of={},", l.source["id"]),
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            &l.partner,
            format!(
                "/api/events?traffic_of={}",
                (1..=101)
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        // One of them is no source: the whole stream is refused.
        (
            &l.partner,
            format!("/api/events?traffic_of={},999999", l.source["id"]),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &l.partner,
            "/api/events?traffic_of=999999".to_string(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (who, path, status, code) in refusals {
        let body = error_code(who.get(&path).await, status).await;
        assert_eq!(body["code"], code, "{path}: {body}");
        assert!(!body["message"].as_str().unwrap().is_empty());
    }
    // Another partner's source is not found, as its traffic is, alone or among theirs.
    let stranger = app.partner().await;
    let theirs = stranger
        .create_source("Stranger Blog", "https://stranger.example/")
        .await;
    for path in [
        path.clone(),
        format!("/api/events?traffic_of={},{}", theirs["id"], l.source["id"]),
    ] {
        assert_eq!(
            error_code(stranger.get(&path).await, StatusCode::NOT_FOUND).await["code"],
            "not_found"
        );
    }
    // None of the refusals held a slot: each may still open its one stream.
    let _partner = Stream::open_at(&l.partner, &path, None).await;
    let _advertiser = Stream::open(&l.advertiser, None).await;
    let _stranger = Stream::open(&stranger, None).await;
}

/// `user`, the same browser, talking to `server`.
fn on(user: &User, server: &Server) -> User {
    User {
        base: server.base.clone(),
        ..user.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_drained_by_one_instance_reaches_a_stream_held_by_another() {
    let app = spawn_app(Engine::Postgres).await;
    let (journal_a, journal_b) = (TempDir::new(), TempDir::new());
    let a = Server::start_with(&app.url, &journal_a.0, &["--click-drain-ms", "200"]).await;
    let b = Server::start_with(&app.url, &journal_b.0, &["--click-drain-ms", "200"]).await;
    let l = linked(&app, "Two Instances", "https://two.example/").await;
    let mut on_b = Stream::open(&on(&l.partner, &b), None).await;

    let clicked_at = std::time::Instant::now();
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/t/{}", a.base, l.code))
        .header("user-agent", crate::traffic::CHROME)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let frame = on_b
        .next_within(Duration::from_secs(5))
        .await
        .expect("B streams the click A stored");
    assert_traffic(&frame, &l.source);
    eprintln!("click through A to B's stream: {:?}", clicked_at.elapsed());
    a.signal("-TERM");
    b.signal("-TERM");
}

/// SQLite cannot change the table's CHECK in place, so migration 0011 makes the table again:
/// event ids must keep counting from where they were, or a browser resuming with its
/// `Last-Event-ID` would skip the next events.
#[tokio::test]
async fn the_sqlite_migration_keeps_event_ids_counting() {
    use std::str::FromStr;
    let dir = TempDir::new();
    let url = format!("sqlite://{}/before.db", dir.0.display());
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let mut before = sqlx::migrate!("migrations/sqlite");
    let upto = before
        .migrations
        .iter()
        .position(|m| m.version == 11)
        .expect("migration 0011");
    before.migrations = before.migrations[..upto].to_vec().into();
    before.run(&pool).await.unwrap();
    for _ in 0..3 {
        sqlx::query("INSERT INTO live_events (at, kind) VALUES (1, 'notification')")
            .execute(&pool)
            .await
            .unwrap();
    }
    sqlx::query("DELETE FROM live_events")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let db = server::db::Db::connect(&url, 2).await.unwrap();
    let id: i64 = sqlx::query(
        "INSERT INTO live_events (at, kind, traffic_source_id) VALUES (2, 'traffic', 1) RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap()
    .try_get(0)
    .unwrap();
    assert_eq!(
        id, 4,
        "ids go on after the three events the old table had held"
    );
    let triggers: i64 = sqlx::query(
        // By name: later migrations add triggers of their own (0030's state changes).
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'
         AND name IN ('live_source_changed', 'live_notification_created', 'live_collaboration_created')",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap()
    .try_get(0)
    .unwrap();
    assert_eq!(triggers, 3, "the triggers that write events are back");
}

/// Thousands of events at once (a busy minute of clicks, a bulk block): more than the hub
/// reads in a page and than the broadcast holds. A stream gets every one of its events, in
/// order, within seconds; the hub once read the same page of events already sent until they
/// were 5 s old, 1,000 events every 5 s.
async fn a_burst_of_events_reaches_a_stream_whole_and_at_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let source = partner
        .create_source("Burst Blog", "https://burst.example/")
        .await;
    let mut stream = Stream::open(&partner, None).await;
    const BURST: i64 = 3_500;
    let now = server::time::now_ms();
    // Events written as the drain writes them, in a few transactions of 1,000.
    for first in (0..BURST).step_by(1_000) {
        let mut tx = app.db.begin_write().await.unwrap();
        for _ in first..(first + 1_000).min(BURST) {
            sqlx::query(
                "INSERT INTO live_events (at, kind, traffic_source_id, partner_id, account_id) VALUES ($1, 'traffic', $2, $3, 0)",
            )
            .bind(now)
            .bind(source["id"].as_i64().unwrap())
            .bind(partner.id())
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    app.state.live.wake();
    let started = std::time::Instant::now();
    let mut last = 0;
    for n in 0..BURST {
        let frame = stream
            .next_within(Duration::from_secs(3))
            .await
            .unwrap_or_else(|| panic!("only {n} of {BURST} events in {:?}", started.elapsed()));
        let id: i64 = frame.id.parse().unwrap();
        assert!(id > last, "in order, once each");
        last = id;
    }
    eprintln!("{BURST} events to one stream: {:?}", started.elapsed());
}

/// PostgreSQL gives an id at insert and the row shows at commit: an event committed after
/// one with a higher id (a long drain beside a quick block) still reaches the stream, once.
#[tokio::test]
async fn an_event_committed_late_reaches_the_stream_once() {
    let app = spawn_app(Engine::Postgres).await;
    let partner = app.partner().await;
    let source = partner
        .create_source("Late Blog", "https://late.example/")
        .await;
    let mut stream = Stream::open(&partner, None).await;
    let insert = "INSERT INTO live_events (at, kind, traffic_source_id, partner_id, account_id)
                  VALUES ($1, 'traffic', $2, $3, 0) RETURNING id";
    let id_of = |row: sqlx::any::AnyRow| row.try_get::<i64, _>(0).unwrap();
    let mut slow = app.db.begin_write().await.unwrap();
    let early = id_of(
        sqlx::query(insert)
            .bind(server::time::now_ms())
            .bind(source["id"].as_i64().unwrap())
            .bind(partner.id())
            .fetch_one(&mut *slow)
            .await
            .unwrap(),
    );
    let quick = id_of(
        sqlx::query(insert)
            .bind(server::time::now_ms())
            .bind(source["id"].as_i64().unwrap())
            .bind(partner.id())
            .fetch_one(&app.db.pool)
            .await
            .unwrap(),
    );
    assert!(quick > early);
    app.state.live.wake();
    assert_eq!(stream.next().await.id, quick.to_string());
    slow.commit().await.unwrap();
    app.state.live.wake();
    assert_eq!(
        stream.next().await.id,
        early.to_string(),
        "the late one, then"
    );
    assert!(
        stream
            .next_within(Duration::from_millis(1500))
            .await
            .is_none(),
        "and once"
    );
}
