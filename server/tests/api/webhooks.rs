//! Signed webhooks, the calls: registering, listing, deleting, the secret shown once,
//! who may do what, and the endpoint guard (HTTPS, no private or reserved address, sizes
//! and the per-account limit), each refusal changing nothing. Deliveries are in
//! `webhooks_delivery.rs`, real processes killed and receivers down in `webhooks_crash.rs`.
//!
//! The receiver (`tests/webhooks/receiver.py`) checks every delivery's signature with the
//! `standardwebhooks` package from PyPI: an outside judge, not the server's own code.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::both_engines;
use crate::fake_net::FakeDns;
use crate::support::{error_code, spawn_app, spawn_app_with, Engine, TestApp, User};

both_engines!(
    an_endpoint_is_registered_listed_and_deleted_and_its_secret_shown_once,
    another_accounts_endpoint_is_not_found_and_staff_and_strangers_have_none,
    bad_endpoints_are_refused_at_their_field_and_change_nothing,
    an_account_has_at_most_ten_endpoints,
    private_and_loopback_hosts_are_refused_unless_the_test_setting_lets_loopback_through,
);

/// The Python receiver: one process, logging to a file that outlives it (so a test can
/// stop it, start another on the same port, and count across both).
pub struct HookReceiver {
    pub port: u16,
    pub log: PathBuf,
    child: Child,
}

impl HookReceiver {
    pub async fn start(port: u16, secret: &str, log: &Path, flags: &[&str]) -> HookReceiver {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/webhooks/receiver.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--port", &port.to_string(), "--secret", secret])
            .arg("--log")
            .arg(log)
            .args(flags)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect(
                "python3 runs the webhook receiver (scripts/setup.sh installs standardwebhooks)",
            );
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the webhook receiver starts")
            .unwrap();
        assert_eq!(ready.as_deref(), Some(format!("ready {port}").as_str()));
        HookReceiver {
            port,
            log: log.to_path_buf(),
            child,
        }
    }

    /// Stops it at once: the port refuses connections until another starts on it.
    pub async fn stop(mut self) {
        self.child.kill().await.unwrap();
        self.child.wait().await.unwrap();
    }
}

/// Every request a receiver logged to `log`, in order.
pub fn records(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Waits until `log` holds at least `n` requests (15 s at most); answers them.
pub async fn wait_for_records(log: &Path, n: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let got = records(log);
        if got.len() >= n {
            return got;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} of {n} deliveries arrived: {got:?}",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits for `check` to hold (15 s at most).
pub async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited in vain for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Registers an endpoint; answers the created JSON (`endpoint` and `secret`).
pub async fn register(user: &User, url: &str, events: &[&str]) -> Value {
    let r = user
        .post(
            "/api/webhooks",
            &json!({"url": url, "events": events, "description": "CRM"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "register {url}");
    r.json().await.unwrap()
}

pub const ALL_SOURCE_EVENTS: [&str; 4] = [
    "source.blocked",
    "source.unblocked",
    "source.paused",
    "source.activated",
];

/// An app whose endpoints may be on 127.0.0.1 (the test setting), delivering at once.
pub async fn loopback_app(engine: Engine, adjust: impl FnOnce(&mut server::Config)) -> TestApp {
    spawn_app_with(engine, |c| {
        c.verify_allow_loopback = true;
        c.webhook_poll_ms = 20;
        adjust(c);
    })
    .await
}

/// Runs the app's webhook worker (the binary starts one; in-process tests ask).
pub fn start_worker(app: &TestApp) -> server::webhooks::worker::Worker {
    server::webhooks::worker::Worker::spawn(
        app.db.clone(),
        app.state.webhooks.clone(),
        Duration::from_millis(app.state.config.webhook_poll_ms),
    )
}

pub async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
        .get(0)
}

async fn an_endpoint_is_registered_listed_and_deleted_and_its_secret_shown_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let advertiser = app.advertiser().await;
    let r = advertiser
        .post(
            "/api/webhooks",
            &json!({"url": " HTTPS://93.184.215.14/Hooks ", "events": ["source.paused", "source.blocked", "source.paused"], "description": "  Our CRM  "}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    let endpoint = &created["endpoint"];
    assert_eq!(endpoint["url"], "https://93.184.215.14/Hooks");
    assert_eq!(
        endpoint["events"],
        json!(["source.blocked", "source.paused"])
    );
    assert_eq!(endpoint["description"], "Our CRM");
    assert_eq!(endpoint["disabled_at"], Value::Null);
    assert_eq!(endpoint["pending"], 0);
    let id = endpoint["id"].as_i64().unwrap();

    // The list never shows the secret again.
    let r = advertiser.get("/api/webhooks").await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(
        !text.contains(&secret[6..]),
        "the secret is shown once: {text}"
    );
    let list: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], id);
    assert_eq!(list["limit"], 10);
    let r = advertiser
        .get(&format!("/api/webhooks/{id}/deliveries"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["items"], json!([]));

    // A partner registers theirs the same way; each lists only their own.
    let partner = app.partner().await;
    register(
        &partner,
        "https://93.184.215.14/partner",
        &["source.blocked"],
    )
    .await;
    let theirs: Value = partner.get("/api/webhooks").await.json().await.unwrap();
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
    assert_eq!(theirs["items"][0]["url"], "https://93.184.215.14/partner");

    // Rotation answers a new secret, once.
    let r = advertiser
        .post(&format!("/api/webhooks/{id}/rotate-secret"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let rotated: Value = r.json().await.unwrap();
    let new_secret = rotated["secret"].as_str().unwrap();
    assert!(new_secret.starts_with("whsec_") && new_secret != secret);
    assert!(rotated["previous_valid_until"].as_str().unwrap().len() >= 20);

    let r = advertiser.delete(&format!("/api/webhooks/{id}")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let list: Value = advertiser.get("/api/webhooks").await.json().await.unwrap();
    assert_eq!(list["items"], json!([]));
    error_code(
        advertiser.delete(&format!("/api/webhooks/{id}")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    error_code(
        advertiser
            .get(&format!("/api/webhooks/{id}/deliveries"))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn another_accounts_endpoint_is_not_found_and_staff_and_strangers_have_none(engine: Engine) {
    let app = spawn_app(engine).await;
    let owner = app.partner().await;
    let created = register(&owner, "https://93.184.215.14/in", &["source.paused"]).await;
    let id = created["endpoint"]["id"].as_i64().unwrap();
    let (other_partner, advertiser, staff) = (
        app.partner().await,
        app.advertiser().await,
        app.staff().await,
    );
    let before = snapshot(&app).await;
    for someone in [&other_partner, &advertiser] {
        for path in ["test", "rotate-secret", "enable"] {
            error_code(
                someone
                    .post(&format!("/api/webhooks/{id}/{path}"), &json!({}))
                    .await,
                StatusCode::NOT_FOUND,
            )
            .await;
        }
        error_code(
            someone.get(&format!("/api/webhooks/{id}/deliveries")).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        error_code(
            someone.delete(&format!("/api/webhooks/{id}")).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        let list: Value = someone.get("/api/webhooks").await.json().await.unwrap();
        assert_eq!(list["items"], json!([]));
    }
    // Staff: no event is addressed to them, so no endpoints, and not others'.
    let e = error_code(staff.get("/api/webhooks").await, StatusCode::FORBIDDEN).await;
    assert!(e["message"]
        .as_str()
        .unwrap()
        .contains("partners and advertisers"));
    error_code(
        staff
            .post(
                "/api/webhooks",
                &json!({"url": "https://93.184.215.14/staff", "events": ["source.blocked"]}),
            )
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    error_code(
        staff.delete(&format!("/api/webhooks/{id}")).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    error_code(
        staff.get(&format!("/api/webhooks/{id}/deliveries")).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let nobody = app.anonymous();
    error_code(nobody.get("/api/webhooks").await, StatusCode::UNAUTHORIZED).await;
    error_code(
        nobody
            .post(&format!("/api/webhooks/{id}/test"), &json!({}))
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(snapshot(&app).await, before, "refusals change nothing");
    let mine: Value = owner.get("/api/webhooks").await.json().await.unwrap();
    assert_eq!(mine["items"][0]["id"], id);
}

/// The webhook tables as text: equal before and after proves a refusal changed nothing.
pub async fn snapshot(app: &TestApp) -> String {
    let mut out = app.snapshot().await;
    for table in ["webhook_endpoints", "webhook_messages", "webhook_attempts"] {
        let rows = sqlx::query(&format!("SELECT * FROM {table} ORDER BY id"))
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
        out.push_str(&format!("{table}: {} rows\n", rows.len()));
        for row in rows {
            for i in 0..row.len() {
                let cell = row
                    .try_get::<Option<i64>, _>(i)
                    .map(|v| format!("{v:?}"))
                    .or_else(|_| {
                        row.try_get::<Option<String>, _>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .unwrap_or_else(|_| "?".into());
                out.push_str(&cell);
                out.push('|');
            }
            out.push('\n');
        }
    }
    out
}

async fn refused_at(user: &User, body: Value, field: &str) -> String {
    let r = user.post("/api/webhooks", &body).await;
    let status = r.status();
    let e: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {e}");
    e["error"]["fields"][field]
        .as_str()
        .unwrap_or_else(|| panic!("{body} → no message at {field}: {e}"))
        .to_string()
}

async fn bad_endpoints_are_refused_at_their_field_and_change_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    register(&partner, "https://93.184.215.14/taken", &["source.paused"]).await;
    let before = snapshot(&app).await;
    let ok = ["source.paused"];
    let m = refused_at(
        &partner,
        json!({"url": "http://93.184.215.14/in", "events": ok}),
        "url",
    )
    .await;
    assert!(m.contains("https://"), "{m}");
    let m = refused_at(
        &partner,
        json!({"url": "ftp://93.184.215.14/in", "events": ok}),
        "url",
    )
    .await;
    assert!(m.contains("http"), "{m}");
    let m = refused_at(&partner, json!({"url": "", "events": ok}), "url").await;
    assert!(m.contains("Enter"), "{m}");
    let long = format!("https://93.184.215.14/{}", "a".repeat(2100));
    let m = refused_at(&partner, json!({"url": long, "events": ok}), "url").await;
    assert!(m.contains("2048"), "{m}");
    let m = refused_at(
        &partner,
        json!({"url": "https://93.184.215.14/taken", "events": ok}),
        "url",
    )
    .await;
    assert!(m.contains("already"), "{m}");
    let m = refused_at(
        &partner,
        json!({"url": "https://93.184.215.14/a", "events": []}),
        "events",
    )
    .await;
    assert!(m.contains("at least one"), "{m}");
    let m = refused_at(
        &partner,
        json!({"url": "https://93.184.215.14/a", "events": ["source.deleted"]}),
        "events",
    )
    .await;
    assert!(m.contains("source.deleted"), "{m}");
    let m = refused_at(
        &partner,
        json!({"url": "https://93.184.215.14/a", "events": ["webhook.test"]}),
        "events",
    )
    .await;
    assert!(m.contains("webhook.test"), "{m}");
    let m = refused_at(
        &partner,
        json!({"url": "https://93.184.215.14/a", "events": ok, "description": "d".repeat(201)}),
        "description",
    )
    .await;
    assert!(m.contains("200"), "{m}");
    // Malformed bodies are 400.
    let r = partner
        .post(
            "/api/webhooks",
            &json!({"url": "https://93.184.215.14/a", "events": ok, "secret": "mine"}),
        )
        .await;
    error_code(r, StatusCode::BAD_REQUEST).await;
    let r = partner
        .post("/api/webhooks", &json!({"url": 5, "events": ok}))
        .await;
    error_code(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(snapshot(&app).await, before, "refusals change nothing");
}

async fn an_account_has_at_most_ten_endpoints(engine: Engine) {
    let app = spawn_app(engine).await;
    let advertiser = app.advertiser().await;
    for i in 0..10 {
        register(
            &advertiser,
            &format!("https://93.184.215.14/{i}"),
            &["source.blocked"],
        )
        .await;
    }
    let before = snapshot(&app).await;
    let r = advertiser
        .post(
            "/api/webhooks",
            &json!({"url": "https://93.184.215.14/eleventh", "events": ["source.blocked"]}),
        )
        .await;
    let e = error_code(r, StatusCode::CONFLICT).await;
    assert_eq!(e["code"], "limit_reached");
    assert!(e["message"].as_str().unwrap().contains("10"));
    assert_eq!(snapshot(&app).await, before);
    // Another account's limit is its own.
    register(
        &app.advertiser().await,
        "https://93.184.215.14/0",
        &["source.blocked"],
    )
    .await;
}

async fn private_and_loopback_hosts_are_refused_unless_the_test_setting_lets_loopback_through(
    engine: Engine,
) {
    let dns = FakeDns::start().await;
    dns.set_addrs("metadata.test", &["169.254.169.254".parse().unwrap()]);
    dns.set_addrs("intranet.test", &["10.1.2.3".parse().unwrap()]);
    dns.set_addrs(
        "mixed.test",
        &[
            "93.184.215.14".parse().unwrap(),
            "192.168.0.7".parse().unwrap(),
        ],
    );
    dns.set_addrs("public.test", &["93.184.215.14".parse().unwrap()]);
    let dns_addr = dns.addr;
    let app = spawn_app_with(engine, |c| c.dns_server = Some(dns_addr)).await;
    let partner = app.partner().await;
    let before = snapshot(&app).await;
    for (url, words) in [
        ("https://metadata.test/", "link-local"),
        ("https://intranet.test/", "private"),
        ("https://mixed.test/", "private"),
        ("https://10.0.0.1/", "private"),
        ("https://169.254.169.254/latest", "link-local"),
        ("https://[fd00::1]/", "unique-local"),
        ("https://[::ffff:127.0.0.1]/", "IPv4-mapped"),
        ("https://127.0.0.1:9/", "loopback"),
        ("http://127.0.0.1:9/", "loopback"),
        ("http://localhost:9/", "loopback"),
        ("https://nowhere.test/", "DNS"),
    ] {
        let m = refused_at(
            &partner,
            json!({"url": url, "events": ["source.paused"]}),
            "url",
        )
        .await;
        assert!(m.contains(words), "{url}: {m}");
        assert!(
            !m.contains("169.254.169.254") || url.contains("169.254.169.254"),
            "the resolved address is never told: {m}"
        );
        assert!(!m.contains("10.1.2.3") && !m.contains("192.168.0.7"), "{m}");
    }
    assert_eq!(snapshot(&app).await, before);
    register(&partner, "https://public.test/hooks", &["source.paused"]).await;

    // The test setting lets loopback through, and nothing else.
    let app = spawn_app_with(engine, |c| {
        c.dns_server = Some(dns_addr);
        c.verify_allow_loopback = true;
    })
    .await;
    let partner = app.partner().await;
    register(&partner, "http://127.0.0.1:9/hooks", &["source.paused"]).await;
    register(&partner, "http://[::1]:9/hooks", &["source.paused"]).await;
    let m = refused_at(
        &partner,
        json!({"url": "https://10.0.0.1/", "events": ["source.paused"]}),
        "url",
    )
    .await;
    assert!(m.contains("private"), "{m}");
    let m = refused_at(
        &partner,
        json!({"url": "http://93.184.215.14/", "events": ["source.paused"]}),
        "url",
    )
    .await;
    assert!(m.contains("https://"), "{m}");
}
