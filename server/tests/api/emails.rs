//! Notifications by email, against a real SMTP receiver (`tests/smtp/receiver.py`, on
//! aiosmtpd) on 127.0.0.1: who gets which email, the per-account setting, retries that
//! back off, permanent failures shown to staff, the same Message-ID on a resend, the
//! `.eml` folder without SMTP, and a real server process killed between the commit and
//! the send that still sends the email exactly once.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::email::worker::{pass, Pass};
use sqlx::Row;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::admin::{block, unblock};
use crate::both_engines;
use crate::crash::Server;
use crate::marketplace::{collaborate, program};
use crate::support::{error_code, spawn_app, spawn_app_with, Engine, TempDir, TestApp, User};

both_engines!(
    a_block_and_an_unblock_are_emailed_to_the_partner_and_advertisers_who_want_them,
    the_email_setting_is_each_persons_own,
    a_refusal_is_retried_later_and_a_permanent_one_is_failed_and_shown_to_staff,
    a_resend_after_a_crash_between_send_and_mark_carries_the_same_message_id,
    without_smtp_each_email_is_one_eml_file,
    a_server_killed_between_the_commit_and_the_send_still_sends_the_email_exactly_once,
    a_clean_stop_sends_what_is_due_before_the_exit,
);

/// The SMTP receiver: a Python process writing each accepted message to its folder.
pub struct Receiver {
    pub port: u16,
    pub dir: TempDir,
    _child: Child,
}

impl Receiver {
    pub async fn start(reject: u32, code: u16) -> Receiver {
        Receiver::start_on(free_port(), reject, code).await
    }

    pub async fn start_on(port: u16, reject: u32, code: u16) -> Receiver {
        Receiver::start_with(port, reject, code, 0).await
    }

    /// A receiver that holds each message `delay_ms` before taking it.
    pub async fn start_slow(delay_ms: u64) -> Receiver {
        Receiver::start_with(free_port(), 0, 0, delay_ms).await
    }

    async fn start_with(port: u16, reject: u32, code: u16, delay_ms: u64) -> Receiver {
        let dir = TempDir::new();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/smtp/receiver.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--port", &port.to_string(), "--reject", &reject.to_string()])
            .args(["--code", &code.to_string()])
            .args(["--delay-ms", &delay_ms.to_string()])
            .arg("--dir")
            .arg(&dir.0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 runs the SMTP receiver (scripts/setup.sh installs aiosmtpd)");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the SMTP receiver starts")
            .unwrap();
        assert_eq!(ready.as_deref(), Some(format!("ready {port}").as_str()));
        Receiver {
            port,
            dir,
            _child: child,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, as text, in order.
    pub fn messages(&self) -> Vec<String> {
        read_emls(&self.dir.0)
    }
}

fn read_emls(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    files.sort_by_key(|p| {
        p.file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
    });
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The value of header `name` in a raw message.
pub fn header(message: &str, name: &str) -> Option<String> {
    let prefix = format!("{}:", name.to_lowercase());
    // Unfold long headers: a line that starts with white space continues the one before.
    let mut unfolded: Vec<String> = Vec::new();
    for line in message.lines().take_while(|l| !l.is_empty()) {
        match unfolded.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => last.push_str(line),
            _ => unfolded.push(line.to_string()),
        }
    }
    unfolded
        .iter()
        .find(|l| l.to_lowercase().starts_with(&prefix))
        .map(|l| l[prefix.len()..].trim().to_string())
}

/// The Subject header, its RFC 2047 `=?utf-8?b?…?=` words decoded.
pub fn subject(message: &str) -> String {
    use base64::Engine as _;
    header(message, "Subject")
        .unwrap()
        .split_whitespace()
        .map(|word| {
            match word
                .strip_prefix("=?utf-8?b?")
                .and_then(|w| w.strip_suffix("?="))
            {
                Some(b64) => String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(b64)
                        .unwrap(),
                )
                .unwrap(),
                None => word.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

async fn app_sending_to(engine: Engine, receiver: &Receiver, retry_base_ms: i64) -> TestApp {
    let url = receiver.url();
    spawn_app_with(engine, move |c| {
        c.smtp_url = Some(url);
        c.email_retry_base_ms = retry_base_ms;
        c.email_max_attempts = 3;
    })
    .await
}

async fn send_due(app: &TestApp) -> Pass {
    pass(&app.db, &app.state.mailer, app.state.config.email_policy())
        .await
        .unwrap()
}

/// A partner's source in two advertisers' programs.
async fn shared_source(app: &TestApp) -> (User, User, User, i64) {
    let partner = app.partner().await;
    let source = partner
        .create_source("Mailed Source", "https://mailed.example/")
        .await;
    let (a, b) = (app.advertiser().await, app.advertiser().await);
    for advertiser in [&a, &b] {
        let p = program(advertiser, "Spring", "https://shop.example/").await;
        collaborate(advertiser, &p, &source).await;
    }
    (partner, a, b, source["id"].as_i64().unwrap())
}

fn email_of(user: &User) -> String {
    user.account.as_ref().unwrap().email.clone()
}

async fn set_emails(user: &User, on: bool) {
    let r = user
        .put("/api/me/email-settings", &json!({"notifications": on}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

async fn a_block_and_an_unblock_are_emailed_to_the_partner_and_advertisers_who_want_them(
    engine: Engine,
) {
    let receiver = Receiver::start(0, 0).await;
    let app = app_sending_to(engine, &receiver, 30_000).await;
    let (partner, wants, declines, id) = shared_source(&app).await;
    // The memberships' own notifications and emails (invited, accepted) are not this
    // test's subject: cleared before the block.
    for table in ["email_outbox", "notifications"] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&app.db.pool)
            .await
            .unwrap();
    }
    set_emails(&declines, false).await;
    let staff = app.staff().await;

    block(
        &staff,
        id,
        "Fake traffic",
        Some("internal: seen on a click farm"),
    )
    .await;
    assert_eq!(
        send_due(&app).await,
        Pass {
            sent: 2,
            retried: 0,
            failed: 0
        }
    );
    let got = receiver.messages();
    assert_eq!(
        got.len(),
        2,
        "the partner and the advertiser who wants emails"
    );
    let to: Vec<String> = got.iter().map(|m| header(m, "To").unwrap()).collect();
    assert!(to.contains(&email_of(&partner)), "{to:?}");
    assert!(to.contains(&email_of(&wants)), "{to:?}");
    assert!(!to.contains(&email_of(&declines)), "turned off: {to:?}");
    for m in &got {
        assert_eq!(
            subject(m),
            "Traffic source \u{201c}Mailed Source\u{201d} was blocked"
        );
        assert!(
            !m.contains("click farm"),
            "staff's internal note never leaves: {m}"
        );
        assert!(header(m, "Message-ID")
            .unwrap()
            .ends_with("@traffic-sources.localhost>"));
    }
    let partners = got
        .iter()
        .find(|m| header(m, "To").unwrap() == email_of(&partner))
        .unwrap();
    assert!(
        partners.contains("Fake traffic"),
        "the partner reads the public reason"
    );
    // The notification itself is still made for the advertiser who turned emails off.
    let page: Value = declines
        .get("/api/notifications")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["unread_count"], 1);
    // Nothing is sent twice.
    assert_eq!(send_due(&app).await, Pass::default());

    unblock(&staff, id).await;
    assert_eq!(send_due(&app).await.sent, 2);
    let got = receiver.messages();
    assert_eq!(got.len(), 4);
    assert!(got[2..]
        .iter()
        .all(|m| subject(m).ends_with("is no longer blocked")));
}

async fn the_email_setting_is_each_persons_own(engine: Engine) {
    let app = spawn_app(engine).await;
    let (partner, advertiser) = (app.partner().await, app.advertiser().await);
    let r: Value = partner
        .get("/api/me/email-settings")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r, json!({"notifications": true}), "on by default");
    set_emails(&partner, false).await;
    let r: Value = partner
        .get("/api/me/email-settings")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["notifications"], false);
    let r: Value = advertiser
        .get("/api/me/email-settings")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        r["notifications"], true,
        "one person's setting is not another's"
    );

    // Refusals change nothing.
    let before = app.snapshot().await;
    let r = app
        .anonymous()
        .put("/api/me/email-settings", &json!({"notifications": true}))
        .await;
    error_code(r, StatusCode::UNAUTHORIZED).await;
    let r = partner
        .put("/api/me/email-settings", &json!({"notifications": "yes"}))
        .await;
    assert!(r.status().is_client_error(), "{}", r.status());
    let r = partner.put("/api/me/email-settings", &json!({})).await;
    assert!(r.status().is_client_error(), "{}", r.status());
    assert_eq!(app.snapshot().await, before);
    let r: Value = partner
        .get("/api/me/email-settings")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["notifications"], false);
}

async fn outbox_row(app: &TestApp) -> (String, i64, i64, Option<String>) {
    let row = sqlx::query(
        "SELECT state, attempts, next_attempt_at, last_error FROM email_outbox ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    (row.get(0), row.get(1), row.get(2), row.get(3))
}

async fn a_refusal_is_retried_later_and_a_permanent_one_is_failed_and_shown_to_staff(
    engine: Engine,
) {
    // "451 try again later" once, then accepted.
    let receiver = Receiver::start(1, 451).await;
    let app = app_sending_to(engine, &receiver, 400).await;
    let partner = app.partner().await;
    let source = partner
        .create_source("Retried", "https://retried.example/")
        .await;
    let staff = app.staff().await;
    let t0 = server::time::now_ms();
    block(&staff, source["id"].as_i64().unwrap(), "Fake traffic", None).await;
    assert_eq!(
        send_due(&app).await,
        Pass {
            sent: 0,
            retried: 1,
            failed: 0
        }
    );
    let (state, attempts, next, error) = outbox_row(&app).await;
    assert_eq!((state.as_str(), attempts), ("pending", 1));
    assert!(next >= t0 + 400, "backs off");
    assert!(error.unwrap().contains("451"));
    assert_eq!(send_due(&app).await, Pass::default(), "not due yet");
    assert!(receiver.messages().is_empty());
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(send_due(&app).await.sent, 1);
    assert_eq!(receiver.messages().len(), 1);
    assert_eq!(outbox_row(&app).await.0, "sent");

    // "550" is for good: failed at once, and staff see it with the server's answer.
    let refusing = Receiver::start(100, 550).await;
    let app = app_sending_to(engine, &refusing, 1).await;
    let partner = app.partner().await;
    let source = partner
        .create_source("Refused", "https://refused.example/")
        .await;
    let staff = app.staff().await;
    block(&staff, source["id"].as_i64().unwrap(), "Fake traffic", None).await;
    assert_eq!(
        send_due(&app).await,
        Pass {
            sent: 0,
            retried: 0,
            failed: 1
        }
    );
    let page: Value = staff
        .get("/api/admin/emails?state=failed")
        .await
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["to"], email_of(&partner));
    assert_eq!(items[0]["state"], "failed");
    assert!(
        items[0]["last_error"].as_str().unwrap().contains("550"),
        "{items:?}"
    );
    let id = items[0]["id"].as_i64().unwrap();

    // Only staff read the outbox or retry; a bad request changes nothing.
    let before = app.snapshot().await;
    error_code(
        partner.get("/api/admin/emails").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    error_code(
        partner
            .post(&format!("/api/admin/emails/{id}/retry"), &json!({}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    error_code(
        staff.get("/api/admin/emails?state=lost").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    error_code(
        staff
            .post("/api/admin/emails/999999/retry", &json!({}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(app.snapshot().await, before);

    // Retried by staff: back in line, and out of attempts against a server that keeps
    // saying "later" it fails again, saying so.
    assert_eq!(
        staff
            .post(&format!("/api/admin/emails/{id}/retry"), &json!({}))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(outbox_row(&app).await.0, "pending");
    error_code(
        staff
            .post(&format!("/api/admin/emails/{id}/retry"), &json!({}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    drop(refusing);
    let later = Receiver::start(100, 421).await;
    let app2_url = later.url();
    // The same database, through a mailer aimed at the "later" server.
    let mut config = server::Config::for_tests(&app.url);
    config.smtp_url = Some(app2_url);
    config.email_retry_base_ms = 1;
    config.email_max_attempts = 3;
    let mailer = server::email::Mailer::from_config(&config).unwrap();
    let mut total = Pass::default();
    for _ in 0..20 {
        let p = pass(&app.db, &mailer, config.email_policy()).await.unwrap();
        total.retried += p.retried;
        total.failed += p.failed;
        if total.failed > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!((total.retried, total.failed), (2, 1));
    let (state, attempts, _, error) = outbox_row(&app).await;
    assert_eq!((state.as_str(), attempts), ("failed", 3));
    assert!(error.unwrap().starts_with("gave up after 3 attempts"));
}

async fn a_resend_after_a_crash_between_send_and_mark_carries_the_same_message_id(engine: Engine) {
    let receiver = Receiver::start(0, 0).await;
    let app = app_sending_to(engine, &receiver, 30_000).await;
    let partner = app.partner().await;
    let source = partner
        .create_source("Twice", "https://twice.example/")
        .await;
    let staff = app.staff().await;
    block(&staff, source["id"].as_i64().unwrap(), "Fake traffic", None).await;

    // A worker claims and sends, then dies before marking it sent.
    let claimed = server::db::outbox::claim(&app.db, 10, 60_000)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    app.state.mailer.send(&claimed[0]).await.unwrap();
    // While its lease runs, no other worker takes it.
    assert_eq!(send_due(&app).await, Pass::default());
    // The lease runs out.
    sqlx::query("UPDATE email_outbox SET claimed_until = 0")
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(send_due(&app).await.sent, 1);
    let got = receiver.messages();
    assert_eq!(got.len(), 2, "at most one duplicate");
    assert_eq!(header(&got[0], "Message-ID"), header(&got[1], "Message-ID"));
    assert_eq!(outbox_row(&app).await.0, "sent");
    assert_eq!(send_due(&app).await, Pass::default());
}

async fn without_smtp_each_email_is_one_eml_file(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.partner().await;
    let source = partner
        .create_source("Filed", "https://filed.example/")
        .await;
    let staff = app.staff().await;
    block(&staff, source["id"].as_i64().unwrap(), "Fake traffic", None).await;
    assert_eq!(send_due(&app).await.sent, 1);
    let dir = &app.state.config.email_dir;
    let files = read_emls(dir);
    assert_eq!(files.len(), 1);
    assert_eq!(header(&files[0], "To"), Some(email_of(&partner)));
    assert!(files[0].contains("Fake traffic"));
    // A resend (lease lost mid-send) rewrites the same file: still one.
    sqlx::query("UPDATE email_outbox SET state = 'pending', claimed_until = 0")
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(send_due(&app).await.sent, 1);
    assert_eq!(read_emls(dir).len(), 1);
    let _ = std::fs::remove_dir_all(dir);
}

async fn a_server_killed_between_the_commit_and_the_send_still_sends_the_email_exactly_once(
    engine: Engine,
) {
    let app = spawn_app(engine).await;
    let journal = TempDir::new();
    let port = free_port();
    let smtp = format!("smtp://127.0.0.1:{port}");
    // The first process sends its outbox only every hour: the kill lands after the
    // block's commit and before any send.
    let flags = ["--smtp-url", &smtp, "--email-poll-ms", "3600000"];
    let mut first = Server::start_with(&app.url, &journal.0, &flags).await;
    let partner = blocked_through(&app, &first, "Killed").await;
    assert_eq!(outbox_row(&app).await.0, "pending", "committed, not sent");
    first.signal("-KILL");
    first.child.wait().await.unwrap();

    let receiver = Receiver::start_on(port, 0, 0).await;
    let flags = ["--smtp-url", &smtp, "--email-poll-ms", "100"];
    let _second = Server::start_with(&app.url, &journal.0, &flags).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while receiver.messages().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A few more polls: nothing more arrives.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let got = receiver.messages();
    assert_eq!(got.len(), 1, "exactly once");
    assert_eq!(header(&got[0], "To"), Some(email_of(&partner)));
    assert_eq!(outbox_row(&app).await.0, "sent");
}

/// A new partner's source `name`, blocked by staff, both through `server` (a process of its
/// own on `app`'s database); answers the partner.
async fn blocked_through(app: &TestApp, server: &Server, name: &str) -> User {
    let partner = User {
        base: server.base.clone(),
        ..app.partner().await
    };
    let url = format!("https://{}.example/", name.to_lowercase());
    let source = partner.create_source(name, &url).await;
    let staff = User {
        base: server.base.clone(),
        ..app.staff().await
    };
    block(&staff, source["id"].as_i64().unwrap(), "Fake traffic", None).await;
    partner
}

async fn a_clean_stop_sends_what_is_due_before_the_exit(engine: Engine) {
    let app = spawn_app(engine).await;
    let journal = TempDir::new();
    let receiver = Receiver::start(0, 0).await;
    let smtp = receiver.url();
    // Its worker would not come round again for an hour: only the stop sends it.
    let flags = ["--smtp-url", &smtp, "--email-poll-ms", "3600000"];
    let mut server = Server::start_with(&app.url, &journal.0, &flags).await;
    blocked_through(&app, &server, "Stopped").await;
    assert!(receiver.messages().is_empty());
    server.signal("-TERM");
    let status = tokio::time::timeout(Duration::from_secs(20), server.child.wait())
        .await
        .expect("the stop ends")
        .unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(receiver.messages().len(), 1, "sent at the stop");
    assert_eq!(outbox_row(&app).await.0, "sent");
}
