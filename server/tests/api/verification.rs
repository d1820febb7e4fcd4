//! Ownership verification: each proof passing and failing in words, the re-check losing a
//! mark, a host change dropping it, redirects. Rate limits, shared platforms, the
//! marketplace filter, who may ask and the contract are in `verification_access.rs`; the
//! refused address classes in `ssrf.rs`.
//!
//! Each test runs its own DNS server and website on 127.0.0.1; the server under test asks
//! that DNS (`dns_server`) and, for these tests only, may fetch loopback.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;
use crate::fake_net::{page_with_meta, FakeDns, FakeSite, Page};
use crate::support::{error_code, source_body, spawn_app_with, Engine, TestApp, User};

both_engines!(
    dns_txt_proof_fails_in_words_then_passes_on_the_registrable_domain,
    meta_tag_proof_passes_and_a_different_token_is_named,
    well_known_file_proof_passes_and_fails,
    the_recheck_drops_a_lost_proof_and_tells_the_partner,
    a_new_host_drops_the_mark_and_the_history_says_so,
    redirects_are_followed_at_most_three_times,
);

/// A server whose checker asks `dns` and may fetch loopback; `site` is reachable as
/// `blog.site.test` (and `site.test`).
pub async fn world(engine: Engine, recheck_secs: Option<u64>) -> (TestApp, FakeDns, FakeSite) {
    let dns = FakeDns::start().await;
    let site = FakeSite::start().await;
    for name in [
        "site.test",
        "blog.site.test",
        "www.blog.site.test",
        "other.test",
    ] {
        dns.set_addrs(name, &["127.0.0.1".parse().unwrap()]);
    }
    let dns_addr = dns.addr;
    let app = spawn_app_with(engine, |c| {
        c.dns_server = Some(dns_addr);
        c.verify_allow_loopback = true;
        if let Some(secs) = recheck_secs {
            c.verify_recheck_secs = secs;
        }
    })
    .await;
    (app, dns, site)
}

/// Creates a source at `url`; returns its id and token.
pub async fn source_at(partner: &User, name: &str, url: &str) -> (i64, String) {
    let created = partner.create_source(name, url).await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["verification_state"], "unverified");
    let detail = read(partner, id).await;
    let token = detail["verification"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(token.len(), 32, "128 random bits in hex");
    (id, token)
}

pub async fn read(user: &User, id: i64) -> Value {
    let r = user.get(&format!("/api/traffic-sources/{id}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

pub async fn verify(user: &User, id: i64) -> Value {
    let r = user
        .post(&format!("/api/traffic-sources/{id}/verify"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// Lets the 30 s per-source window pass without waiting for it: every attempt so far is
/// moved 31 s into the past (still inside the partner's hour).
pub async fn let_30_seconds_pass(app: &TestApp) {
    sqlx::query("UPDATE verification_attempts SET at = at - 31000")
        .execute(&app.db.pool)
        .await
        .unwrap();
}

pub fn detail_of(outcome: &Value, method: &str) -> String {
    outcome["proofs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["method"] == method)
        .unwrap_or_else(|| panic!("no {method} in {outcome}"))["detail"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn history_actions(user: &User, id: i64) -> Vec<Value> {
    let page: Value = user
        .get(&format!("/api/traffic-sources/{id}/history"))
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

async fn dns_txt_proof_fails_in_words_then_passes_on_the_registrable_domain(engine: Engine) {
    let (app, dns, site) = world(engine, None).await;
    let partner = app.partner().await;
    let url = format!("http://blog.site.test:{}/", site.port);
    let (id, token) = source_at(&partner, "Blog", &url).await;

    let outcome = verify(&partner, id).await;
    assert_eq!(outcome["verified"], false);
    assert_eq!(outcome["method"], Value::Null);
    assert!(detail_of(&outcome, "dns_txt").contains("no TXT record"));
    assert_eq!(detail_of(&outcome, "meta_tag"), "the page answered 404");
    assert!(detail_of(&outcome, "well_known_file").contains("answered 404"));
    assert!(outcome["message"]
        .as_str()
        .unwrap()
        .contains("no TXT record"));
    assert_eq!(outcome["verification"]["state"], "unverified");
    assert!(outcome["verification"]["checked_at"].is_string());

    // Someone else's token on the domain is not ours.
    dns.set_txt(
        "site.test",
        &[
            "v=spf1 -all",
            "traffic-sources-verification=0123456789abcdef",
        ],
    );
    let_30_seconds_pass(&app).await;
    let outcome = verify(&partner, id).await;
    assert_eq!(outcome["verified"], false);
    assert_eq!(
        detail_of(&outcome, "dns_txt"),
        "the TXT record on site.test holds a different token"
    );

    // Ours on the registrable domain (not the host itself) proves it.
    dns.set_txt(
        "site.test",
        &[
            "v=spf1 -all",
            &format!("traffic-sources-verification={token}"),
        ],
    );
    let_30_seconds_pass(&app).await;
    let outcome = verify(&partner, id).await;
    assert_eq!(outcome["verified"], true, "{outcome}");
    assert_eq!(outcome["method"], "dns_txt");
    let detail = read(&partner, id).await;
    assert_eq!(detail["verification"]["state"], "verified");
    assert_eq!(detail["verification"]["method"], "dns_txt");
    assert!(detail["verification"]["verified_at"].is_string());
    assert_eq!(detail["source"]["verification_state"], "verified");
    let list: Value = partner
        .get("/api/traffic-sources")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["verification_state"], "verified");
    let history = history_actions(&partner, id).await;
    assert_eq!(history[0]["action"], "verified");
    assert!(history[0]["reason"].as_str().unwrap().contains("DNS TXT"));
    assert_eq!(history[0]["changes"][0]["new"], "dns_txt");
}

async fn meta_tag_proof_passes_and_a_different_token_is_named(engine: Engine) {
    let (app, _dns, site) = world(engine, None).await;
    let partner = app.partner().await;
    let url = format!("http://blog.site.test:{}/about?lang=en", site.port);
    let (id, token) = source_at(&partner, "Blog", &url).await;

    site.set(
        "/about",
        Page::Html("<html><head><title>x</title></head></html>".into()),
    );
    let outcome = verify(&partner, id).await;
    assert_eq!(
        detail_of(&outcome, "meta_tag"),
        "the page has no traffic-sources-verification meta tag"
    );

    site.set("/about", page_with_meta("not-the-token"));
    let_30_seconds_pass(&app).await;
    let outcome = verify(&partner, id).await;
    assert_eq!(outcome["verified"], false);
    assert_eq!(
        detail_of(&outcome, "meta_tag"),
        "the token on the page is different"
    );

    site.set("/about", page_with_meta(&token));
    let_30_seconds_pass(&app).await;
    let outcome = verify(&partner, id).await;
    assert_eq!(outcome["verified"], true, "{outcome}");
    assert_eq!(outcome["method"], "meta_tag");
    assert_eq!(outcome["verification"]["method"], "meta_tag");
}

async fn well_known_file_proof_passes_and_fails(engine: Engine) {
    let (app, _dns, site) = world(engine, None).await;
    let partner = app.partner().await;
    let url = format!("http://blog.site.test:{}/", site.port);
    let (id, token) = source_at(&partner, "Blog", &url).await;
    let path = "/.well-known/traffic-sources-verification.txt";

    site.set(path, Page::Text("someone-elses-token\n".into()));
    let outcome = verify(&partner, id).await;
    assert_eq!(
        detail_of(&outcome, "well_known_file"),
        format!("the file {path} holds a different token")
    );

    site.set(path, Page::Text(format!("{token}\n")));
    let_30_seconds_pass(&app).await;
    let outcome = verify(&partner, id).await;
    assert_eq!(outcome["verified"], true, "{outcome}");
    assert_eq!(outcome["method"], "well_known_file");
}

async fn the_recheck_drops_a_lost_proof_and_tells_the_partner(engine: Engine) {
    let (app, _dns, site) = world(engine, Some(1)).await;
    let partner = app.partner().await;
    let path = "/.well-known/traffic-sources-verification.txt";
    let (kept, kept_token) = source_at(
        &partner,
        "Kept",
        &format!("http://site.test:{}/", site.port),
    )
    .await;
    let (lost, lost_token) = source_at(
        &partner,
        "Lost",
        &format!("http://blog.site.test:{}/", site.port),
    )
    .await;
    site.set(path, Page::Text(format!("{kept_token}\n{lost_token}\n")));
    assert_eq!(verify(&partner, kept).await["verified"], true);
    assert_eq!(verify(&partner, lost).await["verified"], true);
    let kept_checked = read(&partner, kept).await["verification"]["checked_at"].clone();

    // The "Lost" site takes its proof down; "Kept" keeps it. The file is one per host, and
    // both hosts are this one site, so the file now holds only Kept's token.
    site.set(path, Page::Text(format!("{kept_token}\n")));
    let rechecks = server::verify::recheck::spawn(app.state.clone());
    let mut state = Value::Null;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        state = read(&partner, lost).await["verification"]["state"].clone();
        if state == "unverified" {
            break;
        }
    }
    rechecks.abort();
    assert_eq!(state, "unverified", "the re-check dropped the mark");
    let kept_now = read(&partner, kept).await;
    assert_eq!(kept_now["verification"]["state"], "verified");
    assert_ne!(
        kept_now["verification"]["checked_at"], kept_checked,
        "checked again"
    );

    let notes: Value = partner
        .get("/api/notifications")
        .await
        .json()
        .await
        .unwrap();
    let items = notes["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{notes}");
    assert_eq!(items[0]["kind"], "verification_lost");
    assert_eq!(items[0]["traffic_source_id"], lost);
    let message = items[0]["message"].as_str().unwrap();
    assert!(
        message.contains("Lost") && message.contains("holds a different token"),
        "{message}"
    );
    // Its email waits in the outbox, written with the notification.
    let (to, subject): (String, String) =
        sqlx::query_as("SELECT to_address, subject FROM email_outbox WHERE state = 'pending'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(to, partner.account.as_ref().unwrap().email);
    assert!(subject.ends_with("is no longer verified"), "{subject}");
    let history = history_actions(&partner, lost).await;
    assert_eq!(history[0]["action"], "unverified");
    assert_eq!(history[0]["changes"][0]["old"], "well_known_file");
    assert!(history[0]["reason"].as_str().unwrap().contains("re-check"));
}

async fn a_new_host_drops_the_mark_and_the_history_says_so(engine: Engine) {
    let (app, _dns, site) = world(engine, None).await;
    let partner = app.partner().await;
    let url = format!("http://blog.site.test:{}/", site.port);
    let (id, token) = source_at(&partner, "Blog", &url).await;
    site.set("/", page_with_meta(&token));
    assert_eq!(verify(&partner, id).await["verified"], true);

    let edit = |url: String, version: i64| {
        let mut body = source_body("Blog", &url);
        body["version"] = json!(version);
        body
    };
    // A stale edit is refused and changes nothing, the mark included.
    let before = app.snapshot().await;
    let r = partner
        .put(
            &format!("/api/traffic-sources/{id}"),
            &edit("http://other.test/".into(), 99),
        )
        .await;
    error_code(r, StatusCode::CONFLICT).await;
    assert_eq!(app.snapshot().await, before);

    // Another page of the same host keeps the mark.
    let r = partner
        .put(
            &format!("/api/traffic-sources/{id}"),
            &edit(format!("http://blog.site.test:{}/deals", site.port), 1),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let edited: Value = r.json().await.unwrap();
    assert_eq!(edited["verification_state"], "verified");

    // Another host drops it.
    let r = partner
        .put(
            &format!("/api/traffic-sources/{id}"),
            &edit("http://other.test/".into(), 2),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let edited: Value = r.json().await.unwrap();
    assert_eq!(edited["verification_state"], "unverified");
    let detail = read(&partner, id).await;
    assert_eq!(detail["verification"]["state"], "unverified");
    assert_eq!(detail["verification"]["method"], Value::Null);
    assert_eq!(detail["verification"]["token"], token, "the token stays");
    let history = history_actions(&partner, id).await;
    let actions: Vec<&str> = history
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["unverified", "edited", "edited", "verified", "created"]
    );
    assert_eq!(history[0]["changes"][0]["old"], "meta_tag");
    assert!(history[0]["reason"]
        .as_str()
        .unwrap()
        .contains("other.test"));
}

async fn redirects_are_followed_at_most_three_times(engine: Engine) {
    let (app, dns, site) = world(engine, None).await;
    dns.set_addrs("meta.site.test", &["127.0.0.1".parse().unwrap()]);
    dns.set_addrs("www.meta.site.test", &["169.254.169.254".parse().unwrap()]);
    let partner = app.partner().await;
    let port = site.port;
    let (three, token3) = source_at(
        &partner,
        "Three",
        &format!("http://blog.site.test:{port}/r1"),
    )
    .await;
    let (four, _) = source_at(
        &partner,
        "Four",
        &format!("http://blog.site.test:{port}/s1"),
    )
    .await;
    let (meta, _) = source_at(&partner, "Meta", &format!("http://meta.site.test:{port}/m")).await;
    // Three hops, the second to www. of the same host: followed, and the page there counts.
    // (Another host voids the proof: `verification_site.rs`.)
    site.set(
        "/r1",
        Page::Redirect(format!("http://www.blog.site.test:{port}/r2")),
    );
    site.set("/r2", Page::Redirect("/r3".into()));
    site.set("/r3", Page::Redirect("/page".into()));
    site.set("/page", page_with_meta(&token3));
    let outcome = verify(&partner, three).await;
    assert_eq!(outcome["method"], "meta_tag", "{outcome}");

    for (from, to) in [
        ("/s1", "/s2"),
        ("/s2", "/s3"),
        ("/s3", "/s4"),
        ("/s4", "/page"),
    ] {
        site.set(from, Page::Redirect(to.into()));
    }
    let before = site.requests();
    let outcome = verify(&partner, four).await;
    assert_eq!(
        detail_of(&outcome, "meta_tag"),
        "the page could not be fetched: the site redirected more than 3 times"
    );
    // The first address and three redirects: the fourth is never followed. (The file
    // proof asked once more, for its own path.)
    assert_eq!(site.requests() - before, 4 + 1);

    // Each hop is vetted again: a redirect to www. of the host, which resolves to the
    // metadata address, is refused, without naming the address.
    site.set(
        "/m",
        Page::Redirect(format!(
            "http://www.meta.site.test:{port}/latest/meta-data/"
        )),
    );
    let outcome = verify(&partner, meta).await;
    let detail = detail_of(&outcome, "meta_tag");
    assert_eq!(
        detail,
        "the page was not fetched: www.meta.site.test does not point to a public internet address, so it is never checked"
    );
    site.set("/m", Page::Redirect("ftp://meta.site.test/file".into()));
    let_30_seconds_pass(&app).await;
    let outcome = verify(&partner, meta).await;
    assert!(detail_of(&outcome, "meta_tag").contains("only http and https"));
}
