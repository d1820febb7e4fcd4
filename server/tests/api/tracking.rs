//! The tracking redirect `/t/{code}`: where it sends visitors, when it stops, and the
//! click counts written in the background.

use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use server::clicks::LedgerTasks;

use crate::both_engines;
use crate::marketplace::{block, collaborate, program, set_state, source};
use crate::support::{spawn_app, Engine, TestApp, User};

both_engines!(
    an_active_link_redirects_to_the_landing_url_with_a_click_id,
    pause_stops_links_at_once_and_resume_brings_them_back,
    a_block_stops_links_and_lifting_it_restores_them,
    a_private_but_active_source_still_redirects,
    unknown_and_malformed_codes_are_404_pages,
    every_click_is_counted_refused_ones_too,
    concurrent_clicks_are_all_counted,
    clicks_are_written_in_the_background_and_on_shutdown,
    a_pause_on_one_instance_stops_the_link_on_another,
);

/// A browser that does not follow redirects, so the 302 itself can be checked.
fn visitor() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn click(base: &str, code: &str) -> Response {
    visitor()
        .get(format!("{base}/t/{code}"))
        .send()
        .await
        .unwrap()
}

/// A partner's active public source in an advertiser's program landing on `landing_url`.
/// Returns (partner, advertiser, source, program, collaboration).
async fn link(app: &TestApp, landing_url: &str) -> (User, User, Value, Value, Value) {
    let partner = app.partner().await;
    let source = source(&partner, "Linked Blog", &["content"], "active", "public").await;
    let advertiser = app.advertiser().await;
    let program = program(&advertiser, "Spring", landing_url).await;
    let collaboration = collaborate(&advertiser, &program, &source).await;
    (partner, advertiser, source, program, collaboration)
}

fn code(collaboration: &Value) -> String {
    collaboration["tracking_code"].as_str().unwrap().to_string()
}

fn location(r: &Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

fn no_store(r: &Response) {
    assert_eq!(r.headers()["cache-control"], "no-store");
}

/// A 410 page: friendly, self-contained and silent about the destination.
async fn assert_gone(r: Response, landing_host: &str) {
    assert_eq!(r.status(), StatusCode::GONE);
    no_store(&r);
    assert!(r.headers().get("location").is_none());
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.contains("This link is no longer active"), "{html}");
    assert!(
        !html.contains(landing_host),
        "never reveals the destination"
    );
    assert!(
        !html.contains("<script") && !html.contains("style"),
        "nothing inline for the CSP"
    );
    assert!(html.contains("<html lang=\"en\">") && html.contains("<title>"));
}

async fn an_active_link_redirects_to_the_landing_url_with_a_click_id(engine: Engine) {
    let app = spawn_app(engine).await;
    let landing = "https://shop.example/spring?utm_source=aff&x=%20y#details";
    let (_, _, _, _, collaboration) = link(&app, landing).await;
    let first = click(&app.base(), &code(&collaboration)).await;
    assert_eq!(first.status(), StatusCode::FOUND);
    no_store(&first);
    let to = location(&first);
    let (before, click_id_and_fragment) = to.split_once("&click_id=").unwrap();
    assert_eq!(before, "https://shop.example/spring?utm_source=aff&x=%20y");
    let (click_id, fragment) = click_id_and_fragment.split_once('#').unwrap();
    assert_eq!(fragment, "details", "the fragment stays last");
    assert_eq!(click_id.len(), 22);
    assert!(click_id.bytes().all(|b| b.is_ascii_alphanumeric()));
    let second = location(&click(&app.base(), &code(&collaboration)).await);
    assert_ne!(second, to, "every click gets its own id");
    // Time-ordered: the first 9 characters are the click's time in base62 milliseconds.
    let digits = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let at = click_id.bytes().take(9).fold(0i64, |t, b| {
        t * 62 + digits.iter().position(|&d| d == b).unwrap() as i64
    });
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!(
        (now - 60_000..=now).contains(&at),
        "{click_id} says {at}, now is {now}"
    );
    // A landing URL without a query gets one.
    let (_, _, _, _, plain) = link(&app, "https://shop.example/").await;
    let to = location(&click(&app.base(), &code(&plain)).await);
    assert!(to.starts_with("https://shop.example/?click_id="), "{to}");
    // The tracking_url the API answers is the very link that works.
    let r = visitor()
        .get(plain["tracking_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    // The redirect's own lookup (in place on SQLite) and the pool's agree.
    for code in [
        code(&collaboration),
        code(&plain),
        "NoSuchCode000000".into(),
    ] {
        let pooled = server::clicks::resolve::resolve(&app.db, &code)
            .await
            .unwrap();
        let resolved = app.state.links.resolve(&code).await.unwrap();
        assert_eq!(resolved.as_deref(), pooled.as_ref());
    }
}

async fn pause_stops_links_at_once_and_resume_brings_them_back(engine: Engine) {
    let app = spawn_app(engine).await;
    let (partner, _, source, _, collaboration) = link(&app, "https://shop.example/p").await;
    let code = code(&collaboration);
    assert_eq!(click(&app.base(), &code).await.status(), StatusCode::FOUND);
    set_state(&partner, &source, "paused", "public").await;
    // The very next click, right after the pause has answered.
    assert_gone(click(&app.base(), &code).await, "shop.example").await;
    set_state(&partner, &source, "active", "public").await;
    assert_eq!(click(&app.base(), &code).await.status(), StatusCode::FOUND);
    for _ in 0..3 {
        set_state(&partner, &source, "paused", "private").await;
        assert_gone(click(&app.base(), &code).await, "shop.example").await;
        set_state(&partner, &source, "active", "private").await;
        assert_eq!(click(&app.base(), &code).await.status(), StatusCode::FOUND);
    }
}

async fn a_block_stops_links_and_lifting_it_restores_them(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, _, source, _, collaboration) = link(&app, "https://shop.example/b").await;
    let code = code(&collaboration);
    block(&app, &source).await;
    assert_gone(click(&app.base(), &code).await, "shop.example").await;
    let staff = app.staff().await;
    server::db::sources::unblock(&app.db, source["id"].as_i64().unwrap(), staff.id())
        .await
        .unwrap();
    assert_eq!(click(&app.base(), &code).await.status(), StatusCode::FOUND);
}

async fn a_private_but_active_source_still_redirects(engine: Engine) {
    let app = spawn_app(engine).await;
    let (partner, _, source, _, collaboration) = link(&app, "https://shop.example/v").await;
    set_state(&partner, &source, "active", "private").await;
    let r = click(&app.base(), &code(&collaboration)).await;
    assert_eq!(r.status(), StatusCode::FOUND);
    assert!(location(&r).starts_with("https://shop.example/v?click_id="));
}

async fn unknown_and_malformed_codes_are_404_pages(engine: Engine) {
    let app = spawn_app(engine).await;
    link(&app, "https://shop.example/").await;
    for code in [
        "AAAAAAAAAAAAAAAA",
        "short",
        "has-a-dash-in-it",
        "%2e%2e%2fapi",
        &"a".repeat(100),
    ] {
        let r = click(&app.base(), code).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{code}");
        no_store(&r);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let html = r.text().await.unwrap();
        assert!(html.contains("Link not found"), "{html}");
    }
    let before = app.snapshot().await;
    app.state.clicks.drain(&app.db).await.unwrap();
    assert_eq!(app.snapshot().await, before, "unknown codes count nothing");
}

async fn counts(advertiser: &User, program: &Value) -> (i64, i64) {
    let detail: Value = advertiser
        .get(&format!("/api/programs/{}", program["id"]))
        .await
        .json()
        .await
        .unwrap();
    let c = &detail["sources"][0];
    (
        c["clicks"].as_i64().unwrap(),
        c["refused_clicks"].as_i64().unwrap(),
    )
}

async fn every_click_is_counted_refused_ones_too(engine: Engine) {
    let app = spawn_app(engine).await;
    let (partner, advertiser, source, program, collaboration) =
        link(&app, "https://shop.example/c").await;
    let code = code(&collaboration);
    for _ in 0..3 {
        assert_eq!(click(&app.base(), &code).await.status(), StatusCode::FOUND);
    }
    // Nothing is written while answering a click.
    assert_eq!(counts(&advertiser, &program).await, (0, 0));
    set_state(&partner, &source, "paused", "public").await;
    for _ in 0..2 {
        assert_eq!(click(&app.base(), &code).await.status(), StatusCode::GONE);
    }
    // A HEAD request is a link checker, not a click.
    let head = visitor()
        .head(format!("{}/t/{code}", app.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::GONE);
    assert_eq!(
        app.state.clicks.drain(&app.db).await.unwrap(),
        5,
        "five clicks stored, HEAD aside"
    );
    assert_eq!(counts(&advertiser, &program).await, (3, 2));
    let detail: Value = partner
        .get(&format!("/api/traffic-sources/{}", source["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["programs"][0]["clicks"], 3);
    // Counts add up across flushes.
    set_state(&partner, &source, "active", "public").await;
    click(&app.base(), &code).await;
    assert_eq!(app.state.clicks.drain(&app.db).await.unwrap(), 1);
    assert_eq!(
        app.state.clicks.drain(&app.db).await.unwrap(),
        0,
        "nothing left"
    );
    assert_eq!(counts(&advertiser, &program).await, (4, 2));
}

async fn concurrent_clicks_are_all_counted(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, advertiser, _, program, collaboration) = link(&app, "https://shop.example/c").await;
    let url = format!("{}/t/{}", app.base(), code(&collaboration));
    let client = visitor();
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let (client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            client.get(url).send().await.unwrap().status()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::FOUND);
    }
    app.state.clicks.drain(&app.db).await.unwrap();
    assert_eq!(counts(&advertiser, &program).await, (200, 0));
}

async fn clicks_are_written_in_the_background_and_on_shutdown(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, advertiser, _, program, collaboration) = link(&app, "https://shop.example/c").await;
    let code = code(&collaboration);
    let tasks = LedgerTasks::spawn(
        app.state.clicks.clone(),
        app.db.clone(),
        app.state.config.click_schedule(),
    );
    click(&app.base(), &code).await;
    let mut written = false;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if counts(&advertiser, &program).await == (1, 0) {
            written = true;
            break;
        }
    }
    assert!(written, "the background task writes within about a second");
    // Clicks after the last tick are written when the server stops.
    click(&app.base(), &code).await;
    click(&app.base(), &code).await;
    tasks.finish().await;
    assert_eq!(app.state.clicks.pending(), 0);
    assert_eq!(counts(&advertiser, &program).await, (3, 0));
}

/// A second server instance on the same database, as when several run behind a balancer.
async fn second_instance(first: &TestApp) -> String {
    crate::support::second_instance(&first.url).await
}

async fn a_pause_on_one_instance_stops_the_link_on_another(engine: Engine) {
    let app = spawn_app(engine).await;
    let other = second_instance(&app).await;
    let (partner, _, source, _, collaboration) = link(&app, "https://shop.example/i").await;
    let code = code(&collaboration);
    assert_eq!(click(&other, &code).await.status(), StatusCode::FOUND);
    set_state(&partner, &source, "paused", "public").await;
    assert_eq!(click(&other, &code).await.status(), StatusCode::GONE);
    set_state(&partner, &source, "active", "public").await;
    assert_eq!(click(&other, &code).await.status(), StatusCode::FOUND);
}
