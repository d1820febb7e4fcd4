//! SQLite's own faults with a real server process: its disk full (a small tmpfs the test
//! mounts) and its files turning read-only while the server holds them open. Writes are
//! refused with a clear 503 and keep nothing, clicks are answered and wait in the journal,
//! and once the fault is mended the same process takes writes again and stores every
//! answered click. Each prints one `FAULT …` line for scripts/faults.sh.
//!
//! Read-only is made with ext4's immutable flag (`chattr +i`): Linux refuses to remount a
//! filesystem read-only while a process writes to it, and `chmod` does not reach a file
//! already open, but ext4 refuses every write to an immutable file, through open
//! descriptors too (EPERM), and `chattr -i` lifts it without unmounting anything.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::crash::{assert_kept, journaled, ledger_ids, stream, Server, CONNECTIONS};
use crate::faults::{on, run, serving, until, Tmpfs};
use crate::support::{source_body, spawn_app_at, TempDir};
use crate::traffic::linked;

/// A way for SQLite's files to stop taking writes, and to mend it.
enum Fault {
    /// The database on a small tmpfs that the test fills.
    DiskFull(Tmpfs),
    /// The database on the machine's ext4 disk, its files made immutable.
    ReadOnly(TempDir),
}

impl Fault {
    fn dir(&self) -> &Path {
        match self {
            Fault::DiskFull(disk) => &disk.0,
            Fault::ReadOnly(dir) => &dir.0,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Fault::DiskFull(_) => "sqlite-disk-full",
            Fault::ReadOnly(_) => "sqlite-read-only",
        }
    }

    /// The database file and its write-ahead log: what a commit or a checkpoint writes.
    /// (The shared-memory index is left alone: it is mapped into the server's memory.)
    fn data_files(&self) -> Vec<PathBuf> {
        ["test.db", "test.db-wal"]
            .iter()
            .map(|f| self.dir().join(f))
            .filter(|p| p.exists())
            .collect()
    }

    fn break_it(&self) {
        match self {
            Fault::DiskFull(disk) => disk.fill(0),
            Fault::ReadOnly(_) => {
                let files = self.data_files();
                assert_eq!(files.len(), 2, "the database and its log exist: {files:?}");
                for f in files {
                    run("chattr", &["+i", f.to_str().unwrap()]);
                }
            }
        }
    }

    fn mend(&self) {
        match self {
            Fault::DiskFull(disk) => disk.free(),
            Fault::ReadOnly(_) => {
                for f in self.data_files() {
                    run("chattr", &["-i", f.to_str().unwrap()]);
                }
            }
        }
    }
}

impl Drop for Fault {
    fn drop(&mut self) {
        // An immutable file cannot be removed: lift it even when the test failed midway.
        if let Fault::ReadOnly(_) = self {
            for f in self.data_files() {
                let _ = std::process::Command::new("chattr")
                    .args(["-i"])
                    .arg(f)
                    .status();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_disk_full_answers_clear_503s_keeps_every_answered_click_and_recovers() {
    survived(Fault::DiskFull(Tmpfs::mount("64m"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_files_turning_read_only_answer_clear_503s_keep_every_answered_click_and_recover() {
    survived(Fault::ReadOnly(TempDir::new())).await;
}

async fn survived(fault: Fault) {
    let url = format!("sqlite://{}/test.db", fault.dir().display());
    let app = spawn_app_at(url.clone(), |_| {}).await;
    let l = linked(&app, "Full Blog", "https://full.example/").await;
    let journal = TempDir::new();
    let server = Server::start_with(
        &url,
        &journal.0,
        &[
            "--click-drain-ms",
            "200",
            "--rate-writes-per-min",
            "1000000",
        ],
    )
    .await;
    let partner = on(&l.partner, &server.base);
    let r = partner
        .post(
            "/api/traffic-sources",
            &source_body("Before", "https://before.example/"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    fault.break_it();
    let before = app.snapshot().await;
    let asked = Instant::now();
    let r = partner
        .post(
            "/api/traffic-sources",
            &source_body("Refused", "https://refused.example/"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("disk is full or read-only"),
        "a clear error: {body}"
    );
    assert!(asked.elapsed() < Duration::from_secs(3));
    // Reads still answer; clicks are answered and wait in the journal.
    assert!(serving(&partner).await);
    let stop = Arc::new(AtomicBool::new(false));
    let clicks = stream(&server.base, &l.code, stop.clone());
    until(
        Duration::from_secs(20),
        "clicks waiting in the journal",
        || async { journaled(&journal.0) >= 50 },
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    let answered = clicks.await.unwrap();
    assert_eq!(app.snapshot().await, before, "nothing refused was kept");

    fault.mend();
    let mended = Instant::now();
    let recovery = until(Duration::from_secs(10), "writes accepted again", || async {
        partner
            .post(
                "/api/traffic-sources",
                &source_body("After", "https://after.example/"),
            )
            .await
            .status()
            == StatusCode::CREATED
    })
    .await;
    until(Duration::from_secs(10), "the journal drained", || async {
        ledger_ids(&app, &l.code).await.len() >= answered.len()
    })
    .await;
    let drained = mended.elapsed();
    let ledger = ledger_ids(&app, &l.code).await;
    assert_kept(&answered, &ledger, CONNECTIONS);
    println!(
        "FAULT {}: answered {} clicks, kept {}; writes refused 503 during the fault; writes back {} ms and clicks stored {} ms after it was mended",
        fault.name(),
        answered.len(),
        ledger.len(),
        recovery.as_millis(),
        drained.as_millis()
    );
    server.signal("-TERM");
    let mut server = server;
    let _ = server.child.wait().await;
}
