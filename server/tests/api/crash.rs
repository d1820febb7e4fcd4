//! "A click answered is a click kept", proven with real server processes: a stream of
//! clicks, the server killed with SIGKILL in the middle of it, started again, and every
//! click that received an answer found in the ledger, none twice; then a clean SIGTERM
//! that leaves nothing behind in the journal. Also with real processes: one journal folder
//! per live instance, the fsync interval, and a stop that waits for requests in flight
//! but not forever.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Client, StatusCode};
use sqlx::Row;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::both_engines;
use crate::support::{spawn_app, Engine, TempDir, TestApp};
use crate::traffic::{linked, CHROME};

both_engines!(
    a_killed_server_loses_no_answered_click_and_a_clean_stop_leaves_none_behind,
    a_second_server_on_a_live_journal_refuses_to_start_and_takes_nothing,
    the_journal_is_flushed_to_the_disk_at_the_fsync_interval,
    a_stop_finishes_what_is_in_flight_and_a_second_signal_or_the_timeout_forces_it,
    a_stop_ends_open_live_streams_cleanly,
);

/// The server binary: this build's, or `SERVER_BIN` (scripts/faults.sh runs the fault
/// tests against a release build).
pub fn server_binary() -> String {
    std::env::var("SERVER_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_traffic-sources-server").to_string())
}

/// Connections of the click stream: at most this many clicks can be in flight at a kill.
pub const CONNECTIONS: usize = 8;

pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    /// Starts the real binary on `url` with its journal in `journal`; returns once it
    /// listens (after replaying what a previous process left).
    pub async fn start(url: &str, journal: &Path) -> Server {
        Server::start_with(url, journal, &[]).await
    }

    /// [`Server::start`] with more flags.
    pub async fn start_with(url: &str, journal: &Path, flags: &[&str]) -> Server {
        let mut child = Command::new(server_binary())
            .args([
                "--port",
                "0",
                "--static-dir",
                "/nonexistent",
                "--log-level",
                "warn",
                "--database-url",
                url,
            ])
            .arg("--click-journal-dir")
            .arg(journal)
            // Long enough that the kill lands with clicks still only in the journal; a test
            // may ask for its own.
            .args(if flags.contains(&"--click-drain-ms") {
                &[][..]
            } else {
                &["--click-drain-ms", "5000"][..]
            })
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("server binary starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(addr) = line.strip_prefix("Listening on ") {
                    return addr.to_string();
                }
            }
            panic!("the server exited before listening");
        })
        .await
        .expect("the server listens within a minute");
        // Keep reading its output so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Server { child, base }
    }

    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().expect("still running").to_string();
        assert!(std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap()
            .success());
    }
}

/// Clicks `code` on `CONNECTIONS` connections until the server stops answering or `stop`
/// is set; returns the click ids of the answers received.
pub fn stream(
    base: &str,
    code: &str,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<Vec<String>> {
    let answered = Arc::new(Mutex::new(Vec::new()));
    let url = format!("{base}/t/{code}");
    tokio::spawn(async move {
        let mut tasks = Vec::new();
        for _ in 0..CONNECTIONS {
            let (url, answered, stop) = (url.clone(), answered.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                let client = Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .pool_max_idle_per_host(1)
                    .build()
                    .unwrap();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let Ok(r) = client.get(&url).header("user-agent", CHROME).send().await else {
                        break;
                    };
                    assert_eq!(r.status(), StatusCode::FOUND);
                    let location = r.headers()["location"].to_str().unwrap().to_string();
                    let id = location.split("click_id=").nth(1).unwrap().to_string();
                    answered.lock().unwrap().push(id);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let ids = answered.lock().unwrap().clone();
        ids
    })
}

pub async fn ledger_ids(app: &TestApp, code: &str) -> Vec<String> {
    sqlx::query("SELECT e.click_id FROM click_events e JOIN collaborations c ON c.id = e.collaboration_id WHERE c.tracking_code = $1")
        .bind(code)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get(0).unwrap())
        .collect()
}

/// Lines in the journal's segment files.
pub fn journaled(journal: &Path) -> usize {
    std::fs::read_dir(journal)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap().lines().count())
        .sum()
}

pub fn assert_kept(answered: &[String], ledger: &[String], in_flight: usize) {
    let kept: std::collections::HashSet<&String> = ledger.iter().collect();
    assert_eq!(kept.len(), ledger.len(), "no click stored twice");
    let lost: Vec<&String> = answered.iter().filter(|id| !kept.contains(id)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} answered clicks lost, e.g. {:?}",
        lost.len(),
        answered.len(),
        &lost[..lost.len().min(3)]
    );
    assert!(
        ledger.len() <= answered.len() + in_flight,
        "{} stored for {} answered: at most one more per open connection",
        ledger.len(),
        answered.len()
    );
}

async fn a_killed_server_loses_no_answered_click_and_a_clean_stop_leaves_none_behind(
    engine: Engine,
) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Crash Blog", "https://crash.example/").await;
    let journal = TempDir::new();
    let server = Server::start(&app.url, &journal.0).await;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clicks = stream(&server.base, &l.code, stop.clone());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.signal("-KILL");
    let answered = clicks.await.unwrap();
    let mut server = server;
    server.child.wait().await.unwrap();
    assert!(
        answered.len() > 50,
        "a real stream: {} clicks",
        answered.len()
    );
    let waiting = journaled(&journal.0);
    assert!(waiting > 0, "the kill left clicks only in the journal");
    assert!(
        ledger_ids(&app, &l.code).await.len() < answered.len(),
        "not all were in the database at the kill"
    );

    // Started again: the journal is replayed before it listens.
    let server = Server::start(&app.url, &journal.0).await;
    let ledger = ledger_ids(&app, &l.code).await;
    assert_kept(&answered, &ledger, CONNECTIONS);
    assert_eq!(journaled(&journal.0), 0, "replayed segments are deleted");

    // A clean stop in the middle of a stream: everything answered is written on the way out.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clicks = stream(&server.base, &l.code, stop.clone());
    tokio::time::sleep(Duration::from_millis(1000)).await;
    server.signal("-TERM");
    let more = clicks.await.unwrap();
    let mut server = server;
    assert!(server.child.wait().await.unwrap().success(), "a clean exit");
    assert!(!more.is_empty());
    assert_eq!(journaled(&journal.0), 0, "nothing left in the journal");
    let all: Vec<String> = answered.iter().chain(&more).cloned().collect();
    assert_kept(&all, &ledger_ids(&app, &l.code).await, 2 * CONNECTIONS);
}

/// The binary with `args` after the database and journal, its output piped (the log
/// goes to standard output, a fatal error to standard error).
fn spawn_binary(url: &str, journal: &Path, args: &[&str]) -> Child {
    Command::new(server_binary())
        .args([
            "--port",
            "0",
            "--static-dir",
            "/nonexistent",
            "--database-url",
            url,
        ])
        .arg("--click-journal-dir")
        .arg(journal)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("server binary starts")
}

async fn a_second_server_on_a_live_journal_refuses_to_start_and_takes_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Locked Blog", "https://locked.example/").await;
    let journal = TempDir::new();
    // No drain while the test runs: on a loaded machine the second server can take longer to
    // give up than a short drain interval, and a drain would empty the journal on its own.
    let first = Server::start_with(&app.url, &journal.0, &["--click-drain-ms", "3600000"]).await;
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let click = || client.get(format!("{}/t/{}", first.base, l.code)).send();
    for _ in 0..3 {
        assert_eq!(click().await.unwrap().status(), StatusCode::FOUND);
    }
    let waiting = journaled(&journal.0);
    assert_eq!(waiting, 3, "the clicks wait in the first server's journal");

    let second = spawn_binary(&app.url, &journal.0, &["--log-level", "warn"]);
    let out = tokio::time::timeout(Duration::from_secs(30), second.wait_with_output())
        .await
        .expect("the second server gives up at once")
        .unwrap();
    assert!(!out.status.success(), "the second server must not run");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("is in use by another running server")
            && said.contains("--click-journal-dir"),
        "it says why and what to do: {said}"
    );
    assert_eq!(
        journaled(&journal.0),
        waiting,
        "it replayed and deleted nothing"
    );
    assert!(ledger_ids(&app, &l.code).await.is_empty());

    // The first one still serves and, stopped, writes its clicks.
    assert_eq!(click().await.unwrap().status(), StatusCode::FOUND);
    first.signal("-TERM");
    let mut first = first;
    assert!(first.child.wait().await.unwrap().success());
    assert_eq!(ledger_ids(&app, &l.code).await.len(), 4);
}

/// Lines of the log that say the journal was flushed, within `window` from the moment the
/// server listens (its start-up, slow on a loaded machine, is not charged to the window).
async fn flushes_within(child: &mut Child, window: Duration) -> usize {
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.starts_with("Listening on ") {
                return;
            }
        }
        panic!("the server exited before listening");
    })
    .await
    .expect("the server listens within a minute");
    let mut flushes = 0;
    let _ = tokio::time::timeout(window, async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains("flushed the click journal to the disk") {
                flushes += 1;
            }
        }
    })
    .await;
    flushes
}

async fn the_journal_is_flushed_to_the_disk_at_the_fsync_interval(engine: Engine) {
    let app = spawn_app(engine).await;
    let debug = ["--log-level", "warn,server::clicks=debug"];
    let journal = TempDir::new();
    let mut often = spawn_binary(
        &app.url,
        &journal.0,
        &[&debug[..], &["--click-fsync-ms", "200"]].concat(),
    );
    let flushes = flushes_within(&mut often, Duration::from_secs(3)).await;
    often.kill().await.unwrap();
    assert!(
        (5..=20).contains(&flushes),
        "every 200 ms for 3 s: {flushes}"
    );

    let journal = TempDir::new();
    let mut never = spawn_binary(
        &app.url,
        &journal.0,
        &[&debug[..], &["--click-fsync-ms", "0"]].concat(),
    );
    assert_eq!(
        flushes_within(&mut never, Duration::from_secs(3)).await,
        0,
        "0 means never"
    );
    never.kill().await.unwrap();
}

const LOGIN: &[u8] = br#"{"email":"nobody@example.com","password":"not this one"}"#;

/// A request whose body has only begun to arrive: in flight until the rest is sent.
async fn slow_request(server: &Server) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut tcp = tokio::net::TcpStream::connect(server.base.strip_prefix("http://").unwrap())
        .await
        .unwrap();
    let head = format!(
        "POST /api/session HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        LOGIN.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&LOGIN[..9]).await.unwrap();
    tcp
}

/// Whether the process is still running after `wait`.
async fn still_running(server: &mut Server, wait: Duration) -> bool {
    tokio::time::timeout(wait, server.child.wait())
        .await
        .is_err()
}

async fn a_stop_finishes_what_is_in_flight_and_a_second_signal_or_the_timeout_forces_it(
    engine: Engine,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app(engine).await;
    let l = linked(&app, "Stopping Blog", "https://stopping.example/").await;
    let journal = TempDir::new();
    let visitor = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // The request in flight is finished and answered, then the process exits cleanly.
    let mut server = Server::start(&app.url, &journal.0).await;
    let mut tcp = slow_request(&server).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.signal("-TERM");
    assert!(
        still_running(&mut server, Duration::from_millis(1500)).await,
        "it waits for the request"
    );
    tcp.write_all(&LOGIN[9..]).await.unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 401"),
        "the request was answered: {answer}"
    );
    assert!(
        server.child.wait().await.unwrap().success(),
        "then a clean exit"
    );

    // A second signal exits at once; the click answered before it is kept.
    let mut server = Server::start(&app.url, &journal.0).await;
    let r = visitor
        .get(format!("{}/t/{}", server.base, l.code))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let _tcp = slow_request(&server).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.signal("-TERM");
    assert!(still_running(&mut server, Duration::from_millis(1000)).await);
    let asked = std::time::Instant::now();
    server.signal("-TERM");
    let status = server.child.wait().await.unwrap();
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "at once: {:?}",
        asked.elapsed()
    );
    assert!(!status.success(), "a forced exit says so");

    // The timeout forces it too.
    let mut server =
        Server::start_with(&app.url, &journal.0, &["--shutdown-timeout-secs", "1"]).await;
    let _tcp = slow_request(&server).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = std::time::Instant::now();
    server.signal("-TERM");
    let status = server.child.wait().await.unwrap();
    let took = asked.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "after the timeout: {took:?}"
    );
    assert!(!status.success());
    assert_eq!(
        ledger_ids(&app, &l.code).await.len(),
        1,
        "the forced exit left the click in the journal, and this start stored it"
    );
}

async fn a_stop_ends_open_live_streams_cleanly(engine: Engine) {
    let app = spawn_app(engine).await;
    let journal = TempDir::new();
    let mut server = Server::start(&app.url, &journal.0).await;
    let partner = crate::support::User {
        base: server.base.clone(),
        ..app.partner().await
    };
    let mut stream = partner
        .client
        .get(format!("{}/api/events", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let asked = std::time::Instant::now();
    server.signal("-TERM");
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ends when the server stops");
    assert!(server.child.wait().await.unwrap().success(), "a clean exit");
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "without waiting for the timeout: {:?}",
        asked.elapsed()
    );
}
