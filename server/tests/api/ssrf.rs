//! The checker as an attack surface: with the default settings every non-public address
//! class is refused before any connection is attempted, whether typed as a literal, reached
//! through a DNS name, mixed in among public addresses, or mapped into IPv6.

use std::net::IpAddr;

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::verify::dns::Dns;
use server::verify::fetch::{FetchError, Fetcher};

use crate::both_engines;
use crate::fake_net::{CountingListener, FakeDns};
use crate::support::{spawn_app_with, Engine};

/// One address of each refused class.
const REFUSED: &[(&str, &str)] = &[
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("10.0.0.1", "private"),
    ("172.16.5.4", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("0.0.0.0", "unspecified"),
    ("255.255.255.255", "broadcast"),
    ("224.0.0.1", "multicast"),
    ("192.0.2.10", "documentation"),
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fc00::1", "unique-local"),
    ("fd00:ec2::254", "unique-local"),
    ("fe80::1", "link-local"),
    ("ff02::1", "multicast"),
    ("::ffff:127.0.0.1", "IPv4-mapped"),
    ("::ffff:10.0.0.1", "IPv4-mapped"),
    ("::ffff:169.254.169.254", "IPv4-mapped"),
];

#[tokio::test]
async fn every_refused_class_is_refused_before_any_connection() {
    let dns = FakeDns::start().await;
    let listener = CountingListener::start("127.0.0.1").await;
    let port = listener.port;
    let fetcher = Fetcher::new(Dns::new(Some(dns.addr)).unwrap(), false);

    // Through DNS names, each resolving to one address of a class.
    for (i, (ip, class)) in REFUSED.iter().enumerate() {
        let name = format!("c{i}.test");
        dns.set_addrs(&name, &[ip.parse().unwrap()]);
        let err = fetcher
            .get(&format!("http://{name}:{port}/"))
            .await
            .unwrap_err();
        match &err {
            FetchError::Refused {
                addr, class: said, ..
            } => {
                assert_eq!(*addr, ip.parse::<IpAddr>().unwrap());
                assert!(said.contains(class), "{ip}: {said} should say {class}");
            }
            other => panic!("{ip} through DNS: expected a refusal, got {other:?}"),
        }
    }
    // Typed as literals, in every spelling a URL parser accepts.
    for url in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://2130706433:{port}/"),
        format!("http://0x7f.1:{port}/"),
        format!("http://[::1]:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://0.0.0.0:{port}/"),
        format!("http://[::]:{port}/"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "https://[fd00:ec2::254]/".to_string(),
    ] {
        let err = fetcher.get(&url).await.unwrap_err();
        assert!(matches!(err, FetchError::Refused { .. }), "{url}: {err:?}");
    }
    // One private address among public ones is enough to refuse the name.
    dns.set_addrs(
        "mixed.test",
        &[
            "93.184.215.14".parse().unwrap(),
            "127.0.0.1".parse().unwrap(),
        ],
    );
    let err = fetcher
        .get(&format!("http://mixed.test:{port}/"))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Refused { .. }), "{err:?}");
    // Only http and https, whatever the host.
    let err = fetcher.get("file:///etc/passwd").await.unwrap_err();
    assert!(matches!(err, FetchError::Scheme(_)), "{err:?}");

    assert_eq!(listener.accepted(), 0, "no connection was ever attempted");

    // The control: the same listener is reachable when loopback is allowed (tests only),
    // so the zero above is the refusal's doing. Every other class stays refused.
    let for_tests = Fetcher::new(Dns::new(Some(dns.addr)).unwrap(), true);
    let _ = for_tests.get(&format!("http://127.0.0.1:{port}/")).await;
    let seen = listener.accepted();
    assert!(seen >= 1, "the allowed loopback fetch reached the listener");
    for ip in [
        "10.0.0.1",
        "169.254.169.254",
        "::ffff:10.0.0.1",
        "fc00::1",
        "0.0.0.0",
    ] {
        let host = if ip.contains(':') {
            format!("[{ip}]")
        } else {
            ip.to_string()
        };
        let err = for_tests
            .get(&format!("http://{host}:{port}/"))
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::Refused { .. }), "{ip}: {err:?}");
    }
    assert_eq!(listener.accepted(), seen);
}

both_engines!(a_partner_is_told_why_an_internal_address_is_never_checked);

async fn a_partner_is_told_why_an_internal_address_is_never_checked(engine: Engine) {
    let dns = FakeDns::start().await;
    let listener = CountingListener::start("127.0.0.1").await;
    let port = listener.port;
    dns.set_addrs("metadata.test", &["169.254.169.254".parse().unwrap()]);
    dns.set_addrs("mapped.test", &["::ffff:127.0.0.1".parse().unwrap()]);
    let dns_addr = dns.addr;
    // The defaults, but for the DNS server: loopback is refused like the rest.
    let app = spawn_app_with(engine, |c| c.dns_server = Some(dns_addr)).await;
    let partner = app.partner().await;
    // A typed address is named with its class; a name is never shown what it resolved to
    // (our network's view), only that it is not public.
    for (name, url, words, never_shown) in [
        (
            "Loopback",
            format!("http://127.0.0.1:{port}/"),
            "127.0.0.1 is a loopback address",
            None,
        ),
        (
            "Metadata",
            format!("http://metadata.test:{port}/"),
            "metadata.test does not point to a public internet address",
            Some("169.254"),
        ),
        (
            "Mapped",
            format!("http://mapped.test:{port}/"),
            "mapped.test does not point to a public internet address",
            Some("127.0.0.1"),
        ),
    ] {
        let created = partner.create_source(name, &url).await;
        let id = created["id"].as_i64().unwrap();
        let r = partner
            .post(&format!("/api/traffic-sources/{id}/verify"), &json!({}))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let outcome: Value = r.json().await.unwrap();
        assert_eq!(outcome["verified"], false);
        for proof in outcome["proofs"].as_array().unwrap() {
            if proof["method"] == "dns_txt" {
                continue;
            }
            let detail = proof["detail"].as_str().unwrap();
            assert!(
                detail.contains(words) && detail.contains("never checked"),
                "{name}: {detail}"
            );
        }
        if let Some(address) = never_shown {
            let said = format!("{outcome}");
            assert!(!said.contains(address), "{name}: {said}");
            assert!(
                !said.contains("link-local") && !said.contains("IPv4-mapped"),
                "{name}: {said}"
            );
        }
    }
    assert_eq!(listener.accepted(), 0, "no connection was ever attempted");
}
