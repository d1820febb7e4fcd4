//! "A click answered is a click kept", proven with real server processes: a stream of
//! clicks, the server killed with SIGKILL in the middle of it, started again, and every
//! click that received an answer found in the ledger, none twice; then a clean SIGTERM
//! that leaves nothing behind in the journal.

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

both_engines!(a_killed_server_loses_no_answered_click_and_a_clean_stop_leaves_none_behind);

/// Connections of the click stream: at most this many clicks can be in flight at a kill.
const CONNECTIONS: usize = 8;

struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Starts the real binary on `url` with its journal in `journal`; returns once it
    /// listens (after replaying what a previous process left).
    async fn start(url: &str, journal: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_traffic-sources-server"))
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
            // Long enough that the kill lands with clicks still only in the journal.
            .args(["--click-drain-ms", "5000"])
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

    fn signal(&self, signal: &str) {
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
fn stream(
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

async fn ledger_ids(app: &TestApp, code: &str) -> Vec<String> {
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
fn journaled(journal: &Path) -> usize {
    std::fs::read_dir(journal)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap().lines().count())
        .sum()
}

fn assert_kept(answered: &[String], ledger: &[String], in_flight: usize) {
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
