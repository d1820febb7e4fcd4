//! "Sign out everywhere" ends every session of the account, and a live stream ends with
//! its session: at once on the instance that signed it out, within
//! `--events-session-check-secs` on another.

use std::time::Duration;

use reqwest::{Response, StatusCode};
use serde_json::json;
use server::{AppState, Config, Db};

use crate::both_engines;
use crate::support::{serve, spawn_app_with, Engine, TestApp, User};

both_engines!(
    sign_out_everywhere_ends_every_session_and_its_streams_at_once,
    signing_out_ends_only_that_sessions_stream,
    a_stream_on_another_instance_ends_within_the_check_interval,
);

/// Another browser signing in to `user`'s account (sign-ups use "correct horse") at `base`.
async fn another_browser(user: &User, base: &str) -> User {
    let email = user.account.as_ref().unwrap().email.clone();
    let browser = User {
        client: reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap(),
        base: base.to_string(),
        account: None,
    };
    let r = browser
        .post(
            "/api/session",
            &json!({"email": email, "password": "correct horse"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    User {
        account: user.account.clone(),
        ..browser
    }
}

/// An open `/api/events` response, read as bytes.
async fn open_stream(user: &User) -> Response {
    let r = user.get("/api/events").await;
    assert_eq!(r.status(), StatusCode::OK);
    r
}

/// Whether the stream's body ends within `within` (heartbeats and events are skipped).
async fn ends_within(stream: &mut Response, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.chunk()).await {
            Err(_) => return false,
            Ok(Ok(None)) | Ok(Err(_)) => return true,
            Ok(Ok(Some(_))) => continue,
        }
    }
}

/// Whether the stream still delivers: a heartbeat (1 s in these tests) arrives.
async fn still_open(stream: &mut Response) -> bool {
    matches!(
        tokio::time::timeout(Duration::from_secs(5), stream.chunk()).await,
        Ok(Ok(Some(_)))
    )
}

async fn app(engine: Engine) -> TestApp {
    spawn_app_with(engine, |c| c.events_heartbeat_secs = 1).await
}

async fn sign_out_everywhere_ends_every_session_and_its_streams_at_once(engine: Engine) {
    let app = app(engine).await;
    let me = app.partner().await;
    let laptop = another_browser(&me, &app.base()).await;
    let someone_else = app.partner().await;
    let mut my_stream = open_stream(&me).await;
    let mut laptop_stream = open_stream(&laptop).await;
    let mut their_stream = open_stream(&someone_else).await;
    assert_eq!(app.state.live.sessions.len(), 3);

    let r = me.delete("/api/sessions").await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // The answer clears this browser's cookies.
    let cleared: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("ts_session=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );

    // Both streams of the account end within a few seconds (at once, in fact).
    assert!(
        ends_within(&mut laptop_stream, Duration::from_secs(3)).await,
        "the other browser's stream ended"
    );
    assert!(
        ends_within(&mut my_stream, Duration::from_secs(3)).await,
        "this browser's stream ended"
    );
    // Both sessions are gone: the other browser is signed out too.
    assert_eq!(
        laptop.get("/api/session").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        me.get("/api/session").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE account_id = $1")
        .bind(me.id())
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    // Another account is untouched: signed in, its stream still delivering.
    assert_eq!(
        someone_else.get("/api/session").await.status(),
        StatusCode::OK
    );
    assert!(
        still_open(&mut their_stream).await,
        "another account's stream goes on"
    );
    assert_eq!(app.state.live.sessions.len(), 1);

    // Signed out, it is 401 and changes nothing.
    let before = app.snapshot().await;
    let r = laptop.delete("/api/sessions").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.snapshot().await, before);
}

async fn signing_out_ends_only_that_sessions_stream(engine: Engine) {
    let app = app(engine).await;
    let me = app.partner().await;
    let laptop = another_browser(&me, &app.base()).await;
    let mut my_stream = open_stream(&me).await;
    let mut laptop_stream = open_stream(&laptop).await;

    let r = me.delete("/api/session").await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(
        ends_within(&mut my_stream, Duration::from_secs(3)).await,
        "the signed-out session's stream ended"
    );
    assert!(
        still_open(&mut laptop_stream).await,
        "the other session's stream goes on"
    );
    assert_eq!(laptop.get("/api/session").await.status(), StatusCode::OK);
}

async fn a_stream_on_another_instance_ends_within_the_check_interval(engine: Engine) {
    let app = app(engine).await;
    // A second instance on the same database, checking its streams' sessions every second.
    let db = Db::connect(&app.url, 4).await.unwrap();
    let mut config = Config::for_tests(&app.url);
    config.events_session_check_secs = 1;
    config.events_heartbeat_secs = 1;
    let second = AppState::new(db, config).unwrap();
    let second_base = format!("http://{}", serve(second.clone()).await);

    let me = app.partner().await;
    let laptop = another_browser(&me, &second_base).await;
    let mut laptop_stream = open_stream(&laptop).await;
    assert!(still_open(&mut laptop_stream).await);

    // Signed out everywhere through the first instance, which holds no stream of it: the
    // second finds out at its next check.
    let r = me.delete("/api/sessions").await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(
        ends_within(&mut laptop_stream, Duration::from_secs(4)).await,
        "the stream on the other instance ended within the 1 s check (and slack)"
    );
    assert_eq!(second.live.sessions.len(), 0);
    assert_eq!(
        laptop.get("/api/session").await.status(),
        StatusCode::UNAUTHORIZED
    );
}
