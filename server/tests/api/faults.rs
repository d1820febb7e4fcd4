//! Faults survived, with real processes and real faults: the click journal's disk full
//! (a small tmpfs the test mounts; the tests run as root), a torn journal line, a
//! PostgreSQL cluster of the test's own stopped and started in the middle of a load run
//! (SQLite's own faults are in `sqlite_faults`). Each prints one `FAULT …` line of what was answered and kept
//! and how long recovery took; scripts/faults.sh collects them (against a release build
//! through `SERVER_BIN`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::{Connection, Executor, Row};

use crate::both_engines;
use crate::crash::{assert_kept, journaled, ledger_ids, stream, Server, CONNECTIONS};
use crate::support::{random_hex, source_body, spawn_app, spawn_app_at, Engine, TempDir, User};
use crate::traffic::{linked, CHROME};

both_engines!(
    a_full_journal_disk_sends_clicks_to_the_database_and_a_kill_loses_none,
    a_torn_line_at_the_end_of_a_segment_costs_only_itself,
);

/// A tmpfs of `size` mounted for the test, unmounted when dropped.
pub struct Tmpfs(pub PathBuf);

impl Tmpfs {
    pub fn mount(size: &str) -> Tmpfs {
        let dir = std::env::temp_dir().join(format!("ts-tmpfs-{}", random_hex()));
        std::fs::create_dir_all(&dir).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .status()
            .unwrap()
            .success();
        assert!(ok, "mounting a tmpfs needs root");
        Tmpfs(dir)
    }

    /// Fills the disk, then frees about `leave` bytes of it.
    pub fn fill(&self, leave: u64) {
        use std::io::Write;
        let path = self.0.join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 4096];
        while f.write_all(&block).is_ok() {}
        let len = f.metadata().unwrap().len();
        f.set_len(len.saturating_sub(leave)).unwrap();
    }

    /// Frees what [`Tmpfs::fill`] took.
    pub fn free(&self) {
        std::fs::remove_file(self.0.join("filler")).unwrap();
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazily: a server being killed may still hold a file open in it.
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Waits for `what` to hold, checking every 50 ms, up to `deadline`; returns how long it
/// took.
pub async fn until<F, Fut>(deadline: Duration, what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < deadline,
            "{what}: not within {deadline:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    started.elapsed()
}

fn engine_name(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    }
}

async fn a_full_journal_disk_sends_clicks_to_the_database_and_a_kill_loses_none(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Full Disk Blog", "https://full-disk.example/").await;
    let disk = Tmpfs::mount("256k");
    let journal = disk.0.join("journal");
    // No drain before the kill: what reached the database did so before its answer.
    let server = Server::start_with(&app.url, &journal, &["--click-drain-ms", "3600000"]).await;
    // Room for a few dozen lines: the disk fills in the middle of the stream.
    disk.fill(12 * 1024);
    let stop = Arc::new(AtomicBool::new(false));
    let clicks = stream(&server.base, &l.code, stop.clone());
    until(
        Duration::from_secs(30),
        "clicks written to the database",
        || async { ledger_ids(&app, &l.code).await.len() >= 100 },
    )
    .await;
    server.signal("-KILL");
    let answered = clicks.await.unwrap();
    let mut server = server;
    server.child.wait().await.unwrap();
    let direct = ledger_ids(&app, &l.code).await.len();
    let in_journal = journaled(&journal);
    assert!(in_journal > 0, "the journal took clicks until it was full");
    assert!(direct >= 100, "then the database took them");

    let _server = Server::start(&app.url, &journal).await;
    let ledger = ledger_ids(&app, &l.code).await;
    assert_kept(&answered, &ledger, CONNECTIONS);
    println!(
        "FAULT journal-disk-full {}: answered {} kept {} lost 0 (journal {in_journal}, database before the answer {direct}), kill and restart",
        engine_name(engine),
        answered.len(),
        ledger.len()
    );
}

async fn a_torn_line_at_the_end_of_a_segment_costs_only_itself(engine: Engine) {
    let app = spawn_app(engine).await;
    let l = linked(&app, "Torn Blog", "https://torn.example/").await;
    let journal = TempDir::new();
    let visitor = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let click = |base: String| {
        let visitor = visitor.clone();
        let code = l.code.clone();
        async move {
            let r = visitor
                .get(format!("{base}/t/{code}"))
                .header("user-agent", CHROME)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::FOUND);
            let location = r.headers()["location"].to_str().unwrap().to_string();
            location.split("click_id=").nth(1).unwrap().to_string()
        }
    };
    let server = Server::start_with(&app.url, &journal.0, &["--click-drain-ms", "3600000"]).await;
    let first = click(server.base.clone()).await;
    server.signal("-KILL");
    let mut server = server;
    server.child.wait().await.unwrap();

    // The segment as a full disk or a kill in the middle of a write leaves it: a torn
    // line, and after it (no newline between) a whole click a later write put there.
    let segment = std::fs::read_dir(&journal.0)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains(&first)))
        .expect("the answered click is in a segment");
    let line = std::fs::read_to_string(&segment).unwrap();
    // Another click id: one character changed, to one it is not already (a fixed 'Z' made
    // the same id once in 62 runs).
    let other = if &first[12..13] == "Z" { "Y" } else { "Z" };
    let good = format!("{}{other}{}", &first[..12], &first[13..]);
    assert_ne!(good, first);
    let mut text = line.clone();
    text.push_str(&line[..line.len() / 2]);
    text.push_str(&line.replace(&first, &good));
    text.push_str(&line[..20]);
    std::fs::write(&segment, text).unwrap();

    let server = Server::start(&app.url, &journal.0).await;
    let third = click(server.base.clone()).await;
    server.signal("-TERM");
    let mut server = server;
    assert!(server.child.wait().await.unwrap().success());
    let mut ledger = ledger_ids(&app, &l.code).await;
    ledger.sort();
    let mut expected = vec![first, good, third];
    expected.sort();
    assert_eq!(
        ledger, expected,
        "both whole clicks kept, the torn parts skipped"
    );
    assert_eq!(journaled(&journal.0), 0);
}

/// On PostgreSQL, whose pool the test can close: on SQLite the ledger writes through
/// its own connections, and a full disk still leaves SQLite room in its WAL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_journal_full_and_the_database_failing_the_visitor_is_sent_on_and_the_click_counted_lost(
) {
    let disk = Tmpfs::mount("1m");
    let journal = disk.0.join("journal");
    // Full before the journal's first segment has a page of its own.
    disk.fill(0);
    let pg = spawn_app(Engine::Postgres).await;
    let app = spawn_app_at(pg.url.clone(), |c| {
        c.click_journal_dir = Some(journal.clone())
    })
    .await;
    let l = linked(&app, "Lost Blog", "https://lost.example/").await;
    let counters = app.state.clicks.counters();
    let visitor = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let click = || async {
        let r = visitor
            .get(format!("{}/t/{}", app.base(), l.code))
            .header("user-agent", CHROME)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FOUND, "the visitor is sent on");
        let location = r.headers()["location"].to_str().unwrap().to_string();
        location.split("click_id=").nth(1).unwrap().to_string()
    };
    let count = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);

    // The journal full: the click goes to the database before its answer.
    let direct = click().await;
    assert_eq!(count(&counters.stored_directly), 1);
    assert_eq!(count(&counters.journaled), 0);
    assert!(counters.journal_failing.load(Ordering::Relaxed));
    assert_eq!(ledger_ids(&pg, &l.code).await, [direct]);

    // And the database failing too: sent on, counted lost.
    app.db.pool.close().await;
    for _ in 0..3 {
        click().await;
    }
    assert_eq!(count(&counters.lost), 3, "counted lost");
    assert_eq!(count(&counters.stored_directly), 1);

    // Room again: the journal takes the next click, no restart.
    disk.free();
    click().await;
    assert_eq!(count(&counters.journaled), 1);
    assert!(!counters.journal_failing.load(Ordering::Relaxed));
    assert_eq!(count(&counters.lost), 3);
}

/// A PostgreSQL cluster of the test's own on a free port, so the shared one is not
/// disturbed; stopped (immediately) and removed when dropped.
pub struct Cluster {
    dir: PathBuf,
    pub port: u16,
}

impl Cluster {
    pub fn create() -> Cluster {
        let dir = std::env::temp_dir().join(format!("ts-pg-{}", random_hex()));
        std::fs::create_dir_all(&dir).unwrap();
        run("chown", &["postgres:postgres", dir.to_str().unwrap()]);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        as_postgres(&[
            "initdb",
            "-D",
            dir.to_str().unwrap(),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        ]);
        let cluster = Cluster { dir, port };
        cluster.start();
        cluster
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    pub fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        as_postgres(&[
            "pg_ctl",
            "-D",
            self.dir.to_str().unwrap(),
            "-o",
            &options,
            "-l",
            self.dir.join("log").to_str().unwrap(),
            "-w",
            "start",
        ]);
    }

    pub fn stop(&self, mode: &str) {
        as_postgres(&[
            "pg_ctl",
            "-D",
            self.dir.to_str().unwrap(),
            "-m",
            mode,
            "-w",
            "stop",
        ]);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::process::Command::new("runuser")
            .args(["-u", "postgres", "--", "pg_ctl", "-D"])
            .arg(&self.dir)
            .args(["-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn run(program: &str, args: &[&str]) {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn as_postgres(args: &[&str]) {
    let mut all = vec!["-u", "postgres", "--"];
    all.extend_from_slice(args);
    run("runuser", &all);
}

/// `user`'s session on another server of the same database.
pub fn on(user: &User, base: &str) -> User {
    User {
        client: user.client.clone(),
        base: base.to_string(),
        account: user.account.clone(),
    }
}

/// What a load run saw: answered clicks, acknowledged writes, and the slowest refusal.
#[derive(Default)]
struct Seen {
    clicks: Vec<String>,
    writes: Vec<i64>,
    refused: usize,
    slowest_refusal: Duration,
}

/// Clicks `code` and creates sources as `partner`, until `stop`; a 503 must come with
/// `Retry-After` (and JSON for the API); anything else but success fails the test.
fn load(
    base: &str,
    code: &str,
    partner: &User,
    stop: Arc<AtomicBool>,
) -> (Arc<Mutex<Seen>>, Vec<tokio::task::JoinHandle<()>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (url, seen, stop) = (format!("{base}/t/{code}"), seen.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let client = Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            while !stop.load(Ordering::Relaxed) {
                let asked = Instant::now();
                let r = client
                    .get(&url)
                    .header("user-agent", CHROME)
                    .send()
                    .await
                    .unwrap();
                let took = asked.elapsed();
                let mut seen = seen.lock().unwrap();
                match r.status() {
                    StatusCode::FOUND => {
                        let location = r.headers()["location"].to_str().unwrap();
                        seen.clicks
                            .push(location.split("click_id=").nth(1).unwrap().to_string());
                    }
                    StatusCode::SERVICE_UNAVAILABLE => {
                        assert!(r.headers().contains_key("retry-after"));
                        seen.refused += 1;
                        seen.slowest_refusal = seen.slowest_refusal.max(took);
                    }
                    other => panic!("a click answered {other}"),
                }
            }
        }));
    }
    let (partner, seen2, stop2) = (partner.clone(), seen.clone(), stop.clone());
    tasks.push(tokio::spawn(async move {
        let mut n = 0;
        while !stop2.load(Ordering::Relaxed) {
            n += 1;
            let asked = Instant::now();
            let r = partner
                .post(
                    "/api/traffic-sources",
                    &source_body(&format!("Load {n}"), &format!("https://load-{n}.example/")),
                )
                .await;
            let took = asked.elapsed();
            let status = r.status();
            let retry_after = r.headers().contains_key("retry-after");
            let body: Value = r.json().await.unwrap_or(Value::Null);
            let mut seen = seen2.lock().unwrap();
            match status {
                StatusCode::CREATED => seen.writes.push(body["id"].as_i64().unwrap()),
                StatusCode::SERVICE_UNAVAILABLE => {
                    assert!(retry_after, "503 with Retry-After");
                    assert!(body["error"]["code"].is_string(), "503 as JSON: {body}");
                    seen.refused += 1;
                    seen.slowest_refusal = seen.slowest_refusal.max(took);
                }
                other => panic!("a write answered {other}: {body}"),
            }
        }
    }));
    (seen, tasks)
}

/// The database's own answer to `GET /api/traffic-sources` and a write, both 2xx.
pub async fn serving(partner: &User) -> bool {
    let r = partner.get("/api/traffic-sources").await;
    r.status() == StatusCode::OK
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_mid_load_answers_503_fast_and_recovers_keeping_everything() {
    let cluster = Cluster::create();
    let mut admin = sqlx::PgConnection::connect(&cluster.url("postgres"))
        .await
        .unwrap();
    admin.execute("CREATE DATABASE ts").await.unwrap();
    drop(admin);
    let url = cluster.url("ts");
    let app = spawn_app_at(url.clone(), |_| {}).await;
    let l = linked(&app, "Restart Blog", "https://restart.example/").await;
    let journal = TempDir::new();
    let server = Server::start_with(
        &url,
        &journal.0,
        &[
            "--click-drain-ms",
            "200",
            "--db-acquire-timeout-ms",
            "1000",
            "--rate-writes-per-min",
            "1000000",
        ],
    )
    .await;
    let partner = on(&l.partner, &server.base);
    let stop = Arc::new(AtomicBool::new(false));
    let (seen, tasks) = load(&server.base, &l.code, &partner, stop.clone());
    until(Duration::from_secs(20), "load before the stop", || async {
        let s = seen.lock().unwrap();
        s.clicks.len() >= 50 && s.writes.len() >= 5
    })
    .await;

    cluster.stop("fast");
    let down = Instant::now();
    // While it is down: answers, fast.
    for _ in 0..3 {
        let asked = Instant::now();
        let r = partner.get("/api/traffic-sources").await;
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(r.headers().contains_key("retry-after"));
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "busy");
        assert!(
            asked.elapsed() < Duration::from_millis(2500),
            "503 within a second or two: {:?}",
            asked.elapsed()
        );
    }
    let clicks_at_stop = seen.lock().unwrap().clicks.len();
    until(Duration::from_secs(20), "refusals while down", || async {
        seen.lock().unwrap().refused >= 10
    })
    .await;
    let was_down = down.elapsed();

    cluster.start();
    let back = Instant::now();
    let recovery = until(
        Duration::from_secs(10),
        "serving within 10 s of the database's return",
        || serving(&partner),
    )
    .await;
    until(Duration::from_secs(10), "clicks answered again", || async {
        seen.lock().unwrap().clicks.len() > clicks_at_stop + 20
    })
    .await;
    let clicks_back = back.elapsed();
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(
        seen.slowest_refusal < Duration::from_millis(2500),
        "every refusal within a second or two: {:?}",
        seen.slowest_refusal
    );

    // Everything answered is kept, the same process serving.
    until(Duration::from_secs(10), "the journal drained", || async {
        ledger_ids(&app, &l.code).await.len() >= seen.clicks.len()
    })
    .await;
    let ledger = ledger_ids(&app, &l.code).await;
    assert_kept(&seen.clicks, &ledger, 4);
    let stored: Vec<i64> = sqlx::query("SELECT id FROM traffic_sources")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get(0).unwrap())
        .collect();
    let lost: Vec<&i64> = seen
        .writes
        .iter()
        .filter(|id| !stored.contains(id))
        .collect();
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");
    let mut server = server;
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the same process"
    );
    println!(
        "FAULT postgres-restart: answered {} clicks and {} writes, kept {} clicks and all writes; down {:.1}s, {} refused (slowest {} ms); serving {} ms and clicks {} ms after it was back",
        seen.clicks.len(),
        seen.writes.len(),
        ledger.len(),
        was_down.as_secs_f64(),
        seen.refused,
        seen.slowest_refusal.as_millis(),
        recovery.as_millis(),
        clicks_back.as_millis()
    );
    server.signal("-TERM");
    let _ = server.child.wait().await;
    drop(app);
}
