//! `GET /api/events`: each person's live stream carries what changes for them and
//! nothing of anyone else's, resumes after `Last-Event-ID` without a gap or a duplicate,
//! is capped per person, and is kept alive by heartbeats.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::admin::block;
use crate::both_engines;
use crate::marketplace::{collaborate, program, set_state};
use crate::support::{error_code, spawn_app, spawn_app_with, Engine, User};

both_engines!(
    a_partner_receives_changes_of_their_own_sources_only,
    an_advertiser_hears_of_sources_in_their_programs_or_on_their_open_page_only,
    a_notification_and_a_collaboration_reach_those_they_concern,
    a_reconnect_resumes_after_the_last_event_without_gap_or_duplicate,
    streams_are_capped_per_person_kept_alive_and_not_buffered,
);

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct Frame {
    pub id: String,
    pub event: String,
    pub data: Value,
}

/// An open event stream, read frame by frame.
pub struct Stream {
    response: reqwest::Response,
    buffer: String,
    pub heartbeats: usize,
}

impl Stream {
    pub async fn open(user: &User, last_event_id: Option<&str>) -> Stream {
        Stream::open_at(user, "/api/events", last_event_id).await
    }

    /// A stream at `path` (`/api/events` with a query).
    pub async fn open_at(user: &User, path: &str, last_event_id: Option<&str>) -> Stream {
        let mut request = user.client.get(format!("{}{path}", user.base));
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        Stream {
            response,
            buffer: String::new(),
            heartbeats: 0,
        }
    }

    /// The next event within `within`, counting heartbeats on the way; `None` when none came.
    pub async fn next_within(&mut self, within: Duration) -> Option<Frame> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (String::new(), String::new(), String::new());
                for line in block.lines() {
                    if line.starts_with(':') {
                        self.heartbeats += 1;
                    } else if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().into();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().into();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if !data.is_empty() {
                    return Some(Frame {
                        id,
                        event,
                        data: serde_json::from_str(&data).unwrap(),
                    });
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .unwrap()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next event, which must come within 2 s (the pages' promise is 1 s; the slack is
    /// for a loaded test machine).
    pub async fn next(&mut self) -> Frame {
        self.next_within(Duration::from_secs(2))
            .await
            .expect("an event within 2 s")
    }
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn a_partner_receives_changes_of_their_own_sources_only(engine: Engine) {
    let app = spawn_app(engine).await;
    let (mine, theirs) = (app.partner().await, app.partner().await);
    let my_source = mine.create_source("Mine", "https://mine.example/").await;
    let their_source = theirs
        .create_source("Theirs", "https://theirs.example/")
        .await;
    let mut stream = Stream::open(&mine, None).await;

    set_state(&theirs, &their_source, "paused", "public").await;
    set_state(&mine, &my_source, "paused", "private").await;
    let frame = stream.next().await;
    assert_eq!(frame.event, "source");
    assert_eq!(
        frame.data["source_id"],
        id_of(&my_source),
        "never another partner's source"
    );
    assert_eq!(frame.data["status"], "paused");
    assert_eq!(frame.data["visibility"], "private");
    assert_eq!(frame.data["listed"], false);
    // A block by staff reaches the owner too (with its notification).
    let staff = app.staff().await;
    block(&staff, id_of(&my_source), "Fake traffic", None).await;
    let mut kinds = [stream.next().await, stream.next().await];
    kinds.sort_by(|a, b| a.event.cmp(&b.event));
    assert_eq!(kinds[0].event, "notification");
    assert_eq!(kinds[1].event, "source");
    assert_eq!(kinds[1].data["status"], "blocked");
    assert!(
        stream
            .next_within(Duration::from_millis(800))
            .await
            .is_none(),
        "and nothing of theirs"
    );
}

async fn an_advertiser_hears_of_sources_in_their_programs_or_on_their_open_page_only(
    engine: Engine,
) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let (holder, other) = (app.advertiser().await, app.advertiser().await);
    let held = partner.create_source("Held", "https://held.example/").await;
    let in_program = partner
        .create_source("In Program", "https://program.example/")
        .await;
    let elsewhere = partner
        .create_source("Elsewhere", "https://elsewhere.example/")
        .await;
    let marker = partner
        .create_source("Marker", "https://marker.example/")
        .await;
    let on_page = partner
        .create_source("On Page", "https://page.example/")
        .await;
    let p = program(&holder, "Spring", "https://shop.example/").await;
    collaborate(&holder, &p, &held).await;
    collaborate(&holder, &p, &in_program).await;
    let q = program(&other, "Autumn", "https://shop.example/").await;
    collaborate(&other, &q, &marker).await;
    set_state(&partner, &in_program, "active", "private").await;
    set_state(&partner, &elsewhere, "active", "private").await;
    let mut holders = Stream::open(&holder, None).await;
    let mut others = Stream::open(&other, None).await;

    // A private source in no program of theirs: not for them. Then one in their program.
    set_state(&partner, &elsewhere, "paused", "private").await;
    set_state(&partner, &in_program, "paused", "private").await;
    let frame = holders.next().await;
    assert_eq!(frame.data["source_id"], id_of(&in_program));
    assert_eq!(frame.data["listed"], false);

    // A marketplace source in the holder's program, blocked by staff: the holder hears of
    // it; the other advertiser does not. Their next event is a later change in their own
    // program (a marker), which proves the block never came.
    let staff = app.staff().await;
    block(&staff, id_of(&held), "Fake traffic", None).await;
    // With its notification, in either order.
    let (first, second) = (holders.next().await, holders.next().await);
    let frame = if first.event == "source" {
        first
    } else {
        second
    };
    assert_eq!(frame.event, "source");
    assert_eq!(frame.data["source_id"], id_of(&held));
    assert_eq!(frame.data["status"], "blocked");
    assert_eq!(frame.data["listed"], false);
    set_state(&partner, &marker, "paused", "public").await;
    let frame = others.next().await;
    assert_eq!(
        frame.data["source_id"],
        id_of(&marker),
        "another advertiser's program source was blocked, not theirs"
    );

    // A marketplace page open (its own stream) hears of the sources it shows, only while
    // they are or were in the marketplace, and not twice those of its programs.
    let ids = [&on_page, &elsewhere, &marker]
        .map(|s| id_of(s).to_string())
        .join(",");
    let mut page = Stream::open_at(&other, &format!("/api/events?status_of={ids}"), None).await;
    set_state(&partner, &elsewhere, "active", "private").await;
    set_state(&partner, &marker, "active", "public").await;
    block(&staff, id_of(&on_page), "Fake traffic", None).await;
    let frame = page.next().await;
    assert_eq!(
        frame.data["source_id"],
        id_of(&on_page),
        "not a private source the page named, nor one of their programs' (own stream)"
    );
    assert_eq!(frame.data["listed"], false);
    assert_eq!(
        others.next().await.data["source_id"],
        id_of(&marker),
        "their program's source on their own stream"
    );
    let frame = others.next_within(Duration::from_millis(800)).await;
    assert!(
        frame.is_none(),
        "the page's block is not on their own stream: {frame:?}"
    );

    // Who may open such a stream, and how many sources it names.
    for (user, query, status) in [
        (&partner, "status_of=1", StatusCode::FORBIDDEN),
        (&staff, "status_of=1", StatusCode::FORBIDDEN),
        (&other, "status_of=x", StatusCode::BAD_REQUEST),
        (&other, "status_of=1&traffic_of=1", StatusCode::BAD_REQUEST),
    ] {
        let r = user.get(&format!("/api/events?{query}")).await;
        assert_eq!(r.status(), status, "{query}");
    }
    let many = (1..=101)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let r = other.get(&format!("/api/events?status_of={many}")).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

async fn a_notification_and_a_collaboration_reach_those_they_concern(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let other = app.partner().await;
    let advertiser = app.advertiser().await;
    let source = partner
        .create_source("Together", "https://together.example/")
        .await;
    let mut partners = Stream::open(&partner, None).await;
    let mut others = Stream::open(&other, None).await;

    let p = program(&advertiser, "Summer", "https://shop.example/").await;
    collaborate(&advertiser, &p, &source).await;
    let frame = partners.next().await;
    assert_eq!(frame.event, "collaboration");
    assert_eq!(frame.data["source_id"], id_of(&source));

    // Staff unblock after a block: the partner's notifications arrive, nobody else's.
    let staff = app.staff().await;
    block(&staff, id_of(&source), "Fake traffic", None).await;
    let mut got = Vec::new();
    while let Some(f) = partners.next_within(Duration::from_millis(1500)).await {
        got.push(f.event);
    }
    assert!(got.contains(&"notification".to_string()), "{got:?}");
    assert!(got.contains(&"source".to_string()), "{got:?}");
    assert!(
        others
            .next_within(Duration::from_millis(300))
            .await
            .is_none(),
        "nothing for another partner"
    );
}

async fn a_reconnect_resumes_after_the_last_event_without_gap_or_duplicate(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let source = partner
        .create_source("Resumed", "https://resumed.example/")
        .await;
    let mut stream = Stream::open(&partner, None).await;
    set_state(&partner, &source, "paused", "public").await;
    let first = stream.next().await;
    drop(stream); // the connection drops

    set_state(&partner, &source, "active", "public").await;
    set_state(&partner, &source, "active", "private").await;
    let mut resumed = Stream::open(&partner, Some(&first.id)).await;
    let a = resumed.next().await;
    let b = resumed.next().await;
    assert_eq!(
        (a.data["status"].as_str(), a.data["visibility"].as_str()),
        (Some("active"), Some("public"))
    );
    assert_eq!(
        (b.data["status"].as_str(), b.data["visibility"].as_str()),
        (Some("active"), Some("private"))
    );
    let ids: Vec<i64> = [&first, &a, &b]
        .iter()
        .map(|f| f.id.parse().unwrap())
        .collect();
    assert!(ids[0] < ids[1] && ids[1] < ids[2], "in order: {ids:?}");
    // Then live, with nothing sent twice.
    set_state(&partner, &source, "paused", "private").await;
    let c = resumed.next().await;
    assert_eq!(c.data["status"], "paused");
    assert!(c.id.parse::<i64>().unwrap() > ids[2]);
    assert!(
        resumed
            .next_within(Duration::from_millis(800))
            .await
            .is_none(),
        "no duplicate"
    );
}

async fn streams_are_capped_per_person_kept_alive_and_not_buffered(engine: Engine) {
    let app = spawn_app_with(engine, |c| {
        c.events_max_per_user = 2;
        c.events_heartbeat_secs = 1;
    })
    .await;
    let nobody = app.anonymous().get("/api/events").await;
    assert_eq!(nobody.status(), StatusCode::UNAUTHORIZED);

    let partner = app.partner().await;
    let first = Stream::open(&partner, None).await;
    assert_eq!(
        first.response.headers()["content-type"],
        "text/event-stream"
    );
    assert_eq!(first.response.headers()["x-accel-buffering"], "no");
    let mut second = Stream::open(&partner, None).await;
    let third = partner.get("/api/events").await;
    assert_eq!(
        error_code(third, StatusCode::TOO_MANY_REQUESTS).await["code"],
        "too_many_streams"
    );
    // Someone else is not held back by this person's streams.
    let _other = Stream::open(&app.partner().await, None).await;
    drop(first);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _again = Stream::open(&partner, None).await;

    // An idle stream still hears a heartbeat every second.
    assert!(second
        .next_within(Duration::from_millis(2500))
        .await
        .is_none());
    assert!(second.heartbeats >= 1, "heartbeats: {}", second.heartbeats);
}
