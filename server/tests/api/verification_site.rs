//! A proof counts only on the declared site: a redirect to another host or port voids it
//! and says so; and what the partner reads of a failure neither names the address a name
//! resolved to nor tells an open port from a closed or filtered one.

use serde_json::Value;

use crate::both_engines;
use crate::fake_net::{closed_port, open_port, page_with_meta, FakeSite, FilteredPort, Page};
use crate::support::Engine;
use crate::verification::{detail_of, let_30_seconds_pass, source_at, verify, world};

both_engines!(
    a_proof_found_on_another_host_after_a_redirect_does_not_count,
    a_proof_on_another_port_of_the_same_host_does_not_count,
    https_and_www_of_the_same_host_still_count,
    closed_filtered_and_open_ports_read_the_same,
);

/// Every word the partner reads of a check.
fn words(outcome: &Value) -> String {
    let mut all = outcome["message"].as_str().unwrap_or_default().to_string();
    for p in outcome["proofs"].as_array().unwrap() {
        all.push('\n');
        all.push_str(p["detail"].as_str().unwrap());
    }
    all.push('\n');
    all.push_str(
        outcome["verification"]["last_outcome"]
            .as_str()
            .unwrap_or_default(),
    );
    all
}

async fn a_proof_found_on_another_host_after_a_redirect_does_not_count(engine: Engine) {
    let (app, dns, shop) = world(engine, None).await;
    // Another machine, as far as the checker can tell: its own address and name.
    let other = FakeSite::start_on("127.0.0.2").await;
    dns.set_addrs("shop.test", &["127.0.0.1".parse().unwrap()]);
    dns.set_addrs("other.test", &["127.0.0.2".parse().unwrap()]);
    let partner = app.partner().await;
    let declared = format!("http://shop.test:{}/", shop.port);
    let (id, token) = source_at(&partner, "Shop", &declared).await;
    // The declared page and file both redirect to the other host, which carries the token
    // in every form.
    let there = format!("http://other.test:{}", other.port);
    shop.set("/", Page::Redirect(format!("{there}/landing")));
    shop.set(
        "/.well-known/traffic-sources-verification.txt",
        Page::Redirect(format!(
            "{there}/.well-known/traffic-sources-verification.txt"
        )),
    );
    other.set("/landing", page_with_meta(&token));
    other.set(
        "/.well-known/traffic-sources-verification.txt",
        Page::Text(token.clone()),
    );

    let outcome = verify(&partner, id).await;
    assert_eq!(outcome["verified"], false, "{outcome}");
    assert_eq!(outcome["verification"]["state"], "unverified");
    let meta = detail_of(&outcome, "meta_tag");
    assert_eq!(
        meta,
        format!(
            "the page redirected to other.test:{}; the tag must be on shop.test:{}",
            other.port, shop.port
        )
    );
    let file = detail_of(&outcome, "well_known_file");
    assert!(
        file.starts_with("the file redirected to other.test:")
            && file.contains("must be on shop.test:"),
        "{file}"
    );
    // The redirect was not even followed: the other host was never asked.
    assert_eq!(other.requests(), 0);
    // The stored outcome says the same.
    assert!(
        outcome["verification"]["last_outcome"]
            .as_str()
            .unwrap()
            .contains("the tag must be on shop.test"),
        "{outcome}"
    );

    // The control: the same proof on the declared host counts.
    shop.set("/", page_with_meta(&token));
    let_30_seconds_pass(&app).await;
    let outcome = verify(&partner, id).await;
    assert_eq!(outcome["method"], "meta_tag", "{outcome}");
}

async fn a_proof_on_another_port_of_the_same_host_does_not_count(engine: Engine) {
    let (app, dns, shop) = world(engine, None).await;
    let second = FakeSite::start().await;
    dns.set_addrs("shop.test", &["127.0.0.1".parse().unwrap()]);
    let partner = app.partner().await;
    let (id, token) = source_at(
        &partner,
        "Shop",
        &format!("http://shop.test:{}/", shop.port),
    )
    .await;
    shop.set(
        "/",
        Page::Redirect(format!("http://shop.test:{}/", second.port)),
    );
    second.set("/", page_with_meta(&token));

    let outcome = verify(&partner, id).await;
    assert_eq!(outcome["verified"], false, "{outcome}");
    assert_eq!(
        detail_of(&outcome, "meta_tag"),
        format!(
            "the page redirected to shop.test:{}; the tag must be on shop.test:{}",
            second.port, shop.port
        )
    );
    assert_eq!(second.requests(), 0);

    // A source declared on the other port is verified by the same page: the port is
    // part of the site, in both directions.
    let (on_second, token2) = source_at(
        &partner,
        "Shop 2",
        &format!("http://shop.test:{}/", second.port),
    )
    .await;
    second.set("/", page_with_meta(&token2));
    let outcome = verify(&partner, on_second).await;
    assert_eq!(outcome["method"], "meta_tag", "{outcome}");
}

async fn https_and_www_of_the_same_host_still_count(engine: Engine) {
    let (app, dns, site) = world(engine, None).await;
    let port = site.port;
    dns.set_addrs("shop.test", &["127.0.0.1".parse().unwrap()]);
    dns.set_addrs("www.shop.test", &["127.0.0.1".parse().unwrap()]);
    let partner = app.partner().await;
    // Bare host to www. (same port), then on along a path: followed, and the tag counts.
    let (id, token) = source_at(&partner, "Shop", &format!("http://shop.test:{port}/")).await;
    site.set(
        "/",
        Page::Redirect(format!("http://www.shop.test:{port}/home")),
    );
    site.set("/home", page_with_meta(&token));
    let outcome = verify(&partner, id).await;
    assert_eq!(outcome["method"], "meta_tag", "{outcome}");
    // And back from www. to the bare host.
    let (from_www, token2) =
        source_at(&partner, "Www", &format!("http://www.shop.test:{port}/w")).await;
    site.set("/w", Page::Redirect(format!("http://shop.test:{port}/w2")));
    site.set("/w2", page_with_meta(&token2));
    let outcome = verify(&partner, from_www).await;
    assert_eq!(outcome["method"], "meta_tag", "{outcome}");
    // (http → https between default ports: the unit test of `same_site`.)
}

async fn closed_filtered_and_open_ports_read_the_same(engine: Engine) {
    let (app, dns, _site) = world(engine, None).await;
    dns.set_addrs("shop.test", &["127.0.0.1".parse().unwrap()]);
    let partner = app.partner().await;
    let filtered = FilteredPort::start().await;
    let cases = [
        ("closed", closed_port()),
        ("filtered", filtered.port),
        ("open, silent", open_port(b"").await),
        (
            "open, not a website",
            open_port(b"SSH-2.0-OpenSSH_9.6\r\n").await,
        ),
    ];
    let mut sources = Vec::new();
    for (name, port) in cases {
        let (id, _) = source_at(&partner, name, &format!("http://shop.test:{port}/")).await;
        sources.push((name, id));
    }
    // All at once: the filtered and silent ones each take the fetch's 5 s.
    let outcomes = futures_util::future::join_all(sources.iter().map(|(name, id)| {
        let partner = partner.clone();
        async move { (*name, verify(&partner, *id).await) }
    }))
    .await;
    for (name, outcome) in &outcomes {
        assert_eq!(outcome["verified"], false, "{name}: {outcome}");
        assert_eq!(
            detail_of(outcome, "meta_tag"),
            "the page could not be fetched: the site could not be reached",
            "{name}"
        );
        assert_eq!(
            detail_of(outcome, "well_known_file"),
            "the file could not be fetched: the site could not be reached",
            "{name}"
        );
        let all = words(outcome);
        assert!(!all.contains("127.0.0.1"), "{name}: {all}");
    }
    // Word for word the same message, whatever the port's state.
    let first = outcomes[0].1["message"].as_str().unwrap();
    for (name, outcome) in &outcomes {
        assert_eq!(outcome["message"].as_str().unwrap(), first, "{name}");
    }
}
