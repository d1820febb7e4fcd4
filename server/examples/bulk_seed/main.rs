//! Fills a fresh database with bench data (`scripts/bench-list.sh`): partners and their
//! traffic sources, advertisers and their programs, collaborations (tracking links), a
//! ledger of click events over the last 30 days, and the rollups the server reads, consistent
//! with those events. Not part of the server.
//!
//! ```text
//! bulk_seed <DATABASE_URL> <sources> [partners] [--advertisers N] [--events N] [--verify]
//! bulk_seed <DATABASE_URL> --verify-only
//! ```
//!
//! Source `i` (0-based) has id `i + 1` and `updated_at = created_at = BASE_MS + i`, so a
//! script can build a cursor for any position without reading the data. Every account's
//! password is `bench-password`; emails are `bench-partner-{i}@bench.test`,
//! `bench-advertiser-{i}@bench.test` and `bench-staff@bench.test`.
//!
//! Rows are made in Rust (`data`, deterministic apart from "now") and written through one
//! connection (`engine`): prepared INSERTs in one transaction per table on SQLite, COPY on
//! PostgreSQL (into one partition per UTC day of `click_events`). The rollups are then
//! computed in SQL from the events (`rollups`), and `--verify` checks them against the
//! events (`verify`), exiting 1 on any mismatch.

mod data;
mod engine;
mod review;
mod rollups;
mod verify;

use std::time::Instant;

use clap::Parser;
use server::{password, Db};
use sqlx::ConnectOptions;

use data::{as_str, Plan, DAY_MS};
use engine::{Engine, Result, V};

#[derive(Parser)]
#[command(
    about = "Fills a fresh database with bench data: sources, programs, links, clicks and their rollups"
)]
struct Args {
    /// sqlite://path or postgres://user@host/db (migrated here; must hold no accounts yet)
    database_url: String,
    /// Traffic sources to make (required unless --verify-only)
    sources: Option<i64>,
    /// Partners; sources are dealt to them in turn
    #[arg(default_value_t = 1000)]
    partners: i64,
    /// Advertisers, each with 1 to 5 programs
    #[arg(long, default_value_t = 10_000)]
    advertisers: i64,
    /// Click events over the last 30 days
    #[arg(long, default_value_t = 10_000_000)]
    events: i64,
    /// After seeding, check the rollups against the events; exit 1 on a mismatch
    #[arg(long)]
    verify: bool,
    /// Only run the checks of --verify on an already seeded database
    #[arg(long, conflicts_with = "sources")]
    verify_only: bool,
    /// Only give an already seeded database (one made before the review queue) its sites
    /// and its review queue
    #[arg(long, conflicts_with = "sources")]
    review_only: bool,
}

/// `click_events_dYYYYMMDD` for the UTC day starting at `day_ms`.
pub fn partition_name(day_ms: i64) -> String {
    let date = time::OffsetDateTime::from_unix_timestamp(day_ms / 1000)
        .expect("a day in range")
        .date();
    format!(
        "click_events_d{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    match run(args).await {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("bulk_seed: {e}");
            std::process::exit(2);
        }
    }
}

/// CPU seconds used so far by a process of this machine (user + system), from /proc:
/// on a shared machine, wall time alone says little.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are the
    // 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Phase timings for the summary: wall time, and CPU time of this process plus (on
/// PostgreSQL, when it runs here) of its server process.
struct Phases {
    rows: Vec<(&'static str, u64, f64, f64)>,
    started: Instant,
    backend: Option<u32>,
    cpu_at: f64,
}

impl Phases {
    fn cpu(&self) -> f64 {
        cpu_seconds(std::process::id()) + self.backend.map_or(0.0, cpu_seconds)
    }

    fn done(&mut self, phase: &'static str, rows: u64, since: Instant) {
        let seconds = since.elapsed().as_secs_f64();
        let cpu = self.cpu();
        let used = cpu - self.cpu_at;
        self.cpu_at = cpu;
        eprintln!("{phase}: {rows} rows in {seconds:.1} s (CPU {used:.1} s)");
        self.rows.push((phase, rows, seconds, used));
    }
}

async fn run(args: Args) -> Result<bool> {
    migrate(&args.database_url).await?;
    let mut engine = Engine::open(&args.database_url).await?;
    if args.verify_only {
        return verify::run(&mut engine).await;
    }
    if args.review_only {
        let t = Instant::now();
        engine
            .exec("DELETE FROM review_queue; DELETE FROM review_reasons")
            .await?;
        engine
            .exec(&format!(
                "UPDATE traffic_sources SET site = '{}' WHERE site IS NULL",
                data::BENCH_SITE
            ))
            .await?;
        let rows = review::build(&mut engine).await?;
        if !engine.is_postgres() {
            engine.exec("ANALYZE").await?;
        } else {
            engine
                .exec("ANALYZE traffic_sources; ANALYZE review_reasons; ANALYZE review_queue")
                .await?;
        }
        println!(
            "review queue: {rows} rows in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        return Ok(true);
    }
    let plan = Plan {
        now: server::time::now_ms(),
        sources: args.sources.ok_or("the number of sources is required")?,
        partners: args.partners,
        advertisers: args.advertisers,
        events: args.events,
    };
    if plan.partners < 1 || plan.sources < 0 || plan.advertisers < 0 || plan.events < 0 {
        return Err("partners must be at least 1; other counts at least 0".into());
    }
    if engine.int("SELECT COUNT(*) FROM accounts").await? != 0 {
        return Err("the database already holds accounts: seed a fresh one".into());
    }
    let postgres = engine.is_postgres();
    let backend = if postgres {
        Some(engine.int("SELECT pg_backend_pid()::bigint").await? as u32)
    } else {
        None
    };
    let mut phases = Phases {
        rows: Vec::new(),
        started: Instant::now(),
        backend,
        cpu_at: 0.0,
    };
    phases.cpu_at = phases.cpu();
    if postgres {
        engine
            .exec("SET synchronous_commit = off; SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'; SET temp_buffers = '1GB';")
            .await?;
        // Foreign keys are checked by triggers, row by row, which costs more than the rows
        // themselves; in the replica role they do not fire (superusers only). The rows are
        // consistent by construction, and --verify checks every reference.
        if let Err(e) = engine.exec("SET session_replication_role = replica").await {
            eprintln!("foreign keys stay checked row by row (slower): {e}");
        }
        // Smaller WAL (full-page images compressed), so fewer checkpoints during the load
        // (superusers only).
        if let Err(e) = engine.exec("SET wal_compression = lz4").await {
            eprintln!("WAL stays uncompressed: {e}");
        }
    } else {
        // A fresh file being filled: no journal (a crash means seeding again), a large page
        // cache, sorts in memory. The server's WAL mode is set back at the end.
        engine
            .exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = -1048576; PRAGMA temp_store = MEMORY; PRAGMA threads = 2;")
            .await?;
    }

    let t = Instant::now();
    let hash = password::hash("bench-password".into()).await;
    let rows = accounts(&mut engine, &plan, &hash).await?;
    let programs = data::programs(&plan);
    let rows = rows + load_programs(&mut engine, &plan, &programs).await?;
    phases.done("accounts and programs", rows, t);

    let t = Instant::now();
    let rows = sources(&mut engine, &plan).await?;
    phases.done("sources", rows, t);

    let t = Instant::now();
    let collabs = data::collaborations(&plan, programs.len());
    let rows = collaborations(&mut engine, &collabs).await?;
    phases.done("collaborations", rows, t);

    let t = Instant::now();
    let rows = events(&mut engine, &plan, &programs, &collabs).await?;
    phases.done("events", rows, t);

    let t = Instant::now();
    rollups::build(&mut engine).await?;
    let rows = engine
        .int("SELECT (SELECT COUNT(*) FROM click_hourly) + (SELECT COUNT(*) FROM click_daily) + (SELECT COUNT(*) FROM click_referrers_daily) + (SELECT COUNT(*) FROM click_referrers_hourly) + (SELECT COUNT(*) FROM click_visitors)")
        .await?;
    phases.done("rollups", rows as u64, t);

    let t = Instant::now();
    let rows = review::build(&mut engine).await?;
    phases.done("review queue", rows, t);

    let t = Instant::now();
    if postgres {
        // Ids were given explicitly: move each identity past them.
        for table in ["accounts", "programs", "traffic_sources", "collaborations"] {
            engine
                .exec(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                ))
                .await?;
        }
        engine.exec("ANALYZE").await?;
    } else {
        engine.exec("ANALYZE; PRAGMA journal_mode = WAL;").await?;
    }
    phases.done("analyze", 0, t);

    let total = phases.started.elapsed().as_secs_f64();
    let total_cpu: f64 = phases.rows.iter().map(|p| p.3).sum();
    println!(
        "seeded {} sources for {} partners, {} advertisers with {} programs, {} collaborations, {} click events ({})",
        plan.sources,
        plan.partners,
        plan.advertisers,
        programs.len(),
        collabs.len(),
        plan.events,
        if postgres { "PostgreSQL" } else { "SQLite" }
    );
    println!(
        "{:<24} {:>12} {:>9} {:>9}",
        "phase", "rows", "seconds", "CPU s"
    );
    for (phase, rows, seconds, cpu) in &phases.rows {
        println!("{phase:<24} {rows:>12} {seconds:>9.1} {cpu:>9.1}");
    }
    println!("{:<24} {:>12} {total:>9.1} {total_cpu:>9.1}", "total", "");
    if postgres {
        println!("(CPU s: this process and its PostgreSQL backend; parallel workers not counted)");
    }
    if args.verify {
        return verify::run(&mut engine).await;
    }
    Ok(true)
}

/// Creates the database's tables: on PostgreSQL through the server's own code; on SQLite
/// with the same migrations on one connection closed before the seeder opens the file
/// (a pooled connection can outlive `Pool::close` for a moment, and leaving WAL mode then
/// fails).
async fn migrate(url: &str) -> Result<()> {
    let Some(path) = engine::sqlite_path(url) else {
        let db = Db::connect(url, 1).await?;
        db.pool.close().await;
        return Ok(());
    };
    if let Some(parent) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .connect()
        .await?;
    sqlx::migrate!("migrations/sqlite").run(&mut conn).await?;
    sqlx::Connection::close(conn).await?;
    Ok(())
}

async fn begin(engine: &mut Engine) -> Result<()> {
    if !engine.is_postgres() {
        engine.exec("BEGIN").await?;
    }
    Ok(())
}

async fn commit(engine: &mut Engine) -> Result<()> {
    if !engine.is_postgres() {
        engine.exec("COMMIT").await?;
    }
    Ok(())
}

async fn accounts(engine: &mut Engine, plan: &Plan, hash: &str) -> Result<u64> {
    begin(engine).await?;
    let mut load = engine
        .loader(
            "accounts",
            &[
                "id",
                "email",
                "password_hash",
                "role",
                "display_name",
                "created_at",
            ],
        )
        .await?;
    let at = plan.accounts_created_at();
    for p in 0..plan.partners {
        let (email, name) = (
            format!("bench-partner-{p}@bench.test"),
            format!("Bench Partner {p}"),
        );
        load.row(&[
            V::I(plan.partner_id(p)),
            V::T(&email),
            V::T(hash),
            V::T("partner"),
            V::T(&name),
            V::I(at),
        ])
        .await?;
    }
    load.row(&[
        V::I(plan.staff_id()),
        V::T("bench-staff@bench.test"),
        V::T(hash),
        V::T("staff"),
        V::T("Bench Staff"),
        V::I(at),
    ])
    .await?;
    for a in 0..plan.advertisers {
        let (email, name) = (
            format!("bench-advertiser-{a}@bench.test"),
            format!("Bench Advertiser {a}"),
        );
        load.row(&[
            V::I(plan.advertiser_id(a)),
            V::T(&email),
            V::T(hash),
            V::T("advertiser"),
            V::T(&name),
            V::I(at),
        ])
        .await?;
    }
    let rows = load.finish().await?;
    commit(engine).await?;
    Ok(rows)
}

async fn load_programs(
    engine: &mut Engine,
    plan: &Plan,
    programs: &[data::Program],
) -> Result<u64> {
    begin(engine).await?;
    let mut load = engine
        .loader(
            "programs",
            &["id", "advertiser_id", "name", "landing_url", "created_at"],
        )
        .await?;
    let at = plan.accounts_created_at() + DAY_MS;
    for (k, p) in programs.iter().enumerate() {
        let (name, url) = (data::program_name(p), data::landing_url(p));
        load.row(&[
            V::I(k as i64 + 1),
            V::I(p.advertiser_id),
            V::T(&name),
            V::T(&url),
            V::I(at),
        ])
        .await?;
    }
    let rows = load.finish().await?;
    commit(engine).await?;
    Ok(rows)
}

async fn sources(engine: &mut Engine, plan: &Plan) -> Result<u64> {
    begin(engine).await?;
    let again = engine.drop_indexes("traffic_sources").await?;
    let mut load = engine
        .loader(
            "traffic_sources",
            &[
                "id",
                "partner_id",
                "name",
                "name_key",
                "url",
                "url_key",
                "channels",
                "status",
                "visibility",
                "version",
                "created_at",
                "updated_at",
                "site",
            ],
        )
        .await?;
    for n in 0..plan.sources {
        let s = data::source(plan, n);
        let site = server::db::review::site_of_url(&s.url);
        load.row(&[
            V::I(s.id),
            V::I(s.partner_id),
            V::T(&s.name),
            V::T(&s.name_key),
            V::T(&s.url),
            V::T(&s.url),
            V::I(s.channels),
            V::T(s.status),
            V::T(s.visibility),
            V::I(1),
            V::I(s.ts),
            V::I(s.ts),
            V::T(&site),
        ])
        .await?;
        if (n + 1) % 200_000 == 0 {
            eprintln!("  {} sources", n + 1);
        }
    }
    let rows = load.finish().await?;
    engine.restore_indexes(&again).await?;
    commit(engine).await?;
    Ok(rows)
}

async fn collaborations(engine: &mut Engine, collabs: &[data::Collab]) -> Result<u64> {
    begin(engine).await?;
    if engine.is_postgres() {
        // The rollups set every link's click counts afterwards. With room left in each
        // page, PostgreSQL updates a row in place (a HOT update) instead of writing a new
        // version elsewhere plus an entry in each of the four indexes: ten times faster.
        // Reset once the counts are in (see rollups::build).
        engine
            .exec("ALTER TABLE collaborations SET (fillfactor = 50)")
            .await?;
    }
    let again = engine.drop_indexes("collaborations").await?;
    let mut load = engine
        .loader(
            "collaborations",
            &[
                "id",
                "program_id",
                "traffic_source_id",
                "tracking_code",
                "clicks",
                "refused_clicks",
                "created_at",
            ],
        )
        .await?;
    for (k, c) in collabs.iter().enumerate() {
        let id = k as i64 + 1;
        let code = data::tracking_code(id);
        load.row(&[
            V::I(id),
            V::I(c.program as i64 + 1),
            V::I(c.source as i64 + 1),
            V::T(as_str(&code)),
            V::I(0),
            V::I(0),
            V::I(c.created_at),
        ])
        .await?;
    }
    let rows = load.finish().await?;
    engine.restore_indexes(&again).await?;
    commit(engine).await?;
    Ok(rows)
}

async fn events(
    engine: &mut Engine,
    plan: &Plan,
    programs: &[data::Program],
    collabs: &[data::Collab],
) -> Result<u64> {
    if engine.is_postgres() {
        for day in plan.days() {
            engine
                .exec(&format!(
                    "CREATE TABLE IF NOT EXISTS {} PARTITION OF click_events FOR VALUES FROM ({day}) TO ({})",
                    partition_name(day),
                    day + DAY_MS
                ))
                .await?;
        }
    }
    let others = data::other_hosts();
    begin(engine).await?;
    // On PostgreSQL the events' index is partitioned: each day's partition keeps its own
    // part small, and rows arrive in time order.
    let again = if engine.is_postgres() {
        Vec::new()
    } else {
        engine.drop_indexes("click_events").await?
    };
    let mut load = engine
        .loader(
            "click_events",
            &[
                "click_id",
                "at",
                "collaboration_id",
                "traffic_source_id",
                "program_id",
                "partner_id",
                "advertiser_id",
                "outcome",
                "referrer_host",
                "referrer_class",
                "bot",
                "visitor_hash",
                "valid",
                "invalid_reason",
                "observed_channel",
                "channel_signal",
            ],
        )
        .await?;
    let mut clicks = data::Clicks::new(plan, collabs);
    let mut hour = Vec::new();
    let mut own = String::new();
    let mut visitor = String::new();
    let mut written = 0u64;
    while clicks.next_hour(&mut hour).is_some() {
        for e in &hour {
            let link = &collabs[e.collab];
            let source = link.source as i64;
            let program = &programs[link.program as usize];
            let click_id = data::click_id(e.n);
            let host = match e.referrer {
                data::Referrer::None => V::Null,
                data::Referrer::Own => {
                    own.clear();
                    own.push_str("s");
                    own.push_str(&source.to_string());
                    own.push_str(".bench.example");
                    V::T(&own)
                }
                data::Referrer::Other(k) => V::T(&others[k as usize]),
            };
            let verdict = e.verdict();
            let text = |t: Option<&'static str>| t.map_or(V::Null, V::T);
            visitor.clear();
            use std::fmt::Write;
            write!(visitor, "{:016x}{:016x}", e.visitor[0], e.visitor[1])?;
            load.row(&[
                V::T(as_str(&click_id)),
                V::I(e.at),
                V::I(e.collab as i64 + 1),
                V::I(source + 1),
                V::I(link.program as i64 + 1),
                V::I(plan.partner_id(source % plan.partners)),
                V::I(program.advertiser_id),
                V::T(data::OUTCOMES[e.outcome as usize]),
                host,
                V::T(e.class()),
                V::I(e.bot as i64),
                V::T(&visitor),
                V::I(verdict.valid as i64),
                text(verdict.reason),
                text(verdict.channel),
                text(verdict.signal),
            ])
            .await?;
            written += 1;
            if written % 1_000_000 == 0 {
                eprintln!("  {written} events");
            }
        }
    }
    let rows = load.finish().await?;
    engine.restore_indexes(&again).await?;
    commit(engine).await?;
    Ok(rows)
}
