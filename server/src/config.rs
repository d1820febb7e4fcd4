//! Server settings, from flags or the environment (`traffic-sources-server --help`).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "traffic-sources-server",
    version,
    about = "Traffic Sources: API, tracking links and web app"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Serve the API and the web app (the default).
    Serve,
    /// Create a staff account. Reads the password from the first line of standard input.
    CreateStaff {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Platform staff")]
        display_name: String,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "BIND", default_value = "127.0.0.1", global = true)]
    pub bind: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "PORT", default_value_t = 8080, global = true)]
    pub port: u16,
    /// `sqlite://path/to/file.db` (the default, created when missing) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/traffic-sources.db",
        global = true
    )]
    pub database_url: String,
    /// Folder holding the built web app (`trunk build --release` output). Not served when absent.
    #[arg(long, env = "STATIC_DIR", default_value = "dist", global = true)]
    pub static_dir: PathBuf,
    /// Log filter, e.g. `info` or `server=debug,tower_http=debug`.
    #[arg(long, env = "LOG_LEVEL", default_value = "info", global = true)]
    pub log_level: String,
    /// Log lines as `text` or `json` (one object a line, with a line per request).
    #[arg(
        long,
        env = "LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: crate::ops::logs::LogFormat,
    /// Serve Prometheus metrics at `GET /metrics` on this address (e.g. `127.0.0.1:9090`),
    /// never on the public port. Unset: no metrics.
    #[arg(long, env = "METRICS_BIND", global = true)]
    pub metrics_bind: Option<SocketAddr>,
    /// `/readyz` answers 503 when the oldest click waiting for the database is older than
    /// this, in milliseconds.
    #[arg(long, env = "READY_DRAIN_LAG_MS", default_value_t = 60_000, global = true,
          value_parser = clap::value_parser!(i64).range(0..))]
    pub ready_drain_lag_ms: i64,
    /// `/readyz` answers 503 when more emails than this wait in the outbox.
    #[arg(long, env = "READY_OUTBOX_BACKLOG", default_value_t = 10_000, global = true,
          value_parser = clap::value_parser!(i64).range(0..))]
    pub ready_outbox_backlog: i64,
    /// Fill an empty database with demo accounts and sources on start.
    #[arg(long, env = "SEED_DEMO", default_value_t = false, global = true)]
    pub seed_demo: bool,
    /// Mark the session cookie `Secure` (set this when served over HTTPS).
    #[arg(long, env = "SECURE_COOKIES", default_value_t = false, global = true)]
    pub secure_cookies: bool,
    /// Most connections in the database pool.
    #[arg(long, env = "DB_MAX_CONNECTIONS", default_value_t = 8, global = true)]
    pub db_max_connections: u32,
    /// Milliseconds a call waits for a database connection before it is answered 503
    /// with `Retry-After` (the database away, or every connection busy). Also bounds a
    /// reconnection attempt, so calls fail fast while the database is down.
    #[arg(long, env = "DB_ACQUIRE_TIMEOUT_MS", default_value_t = 2000, global = true,
          value_parser = clap::value_parser!(u64).range(100..))]
    pub db_acquire_timeout_ms: u64,
    /// PostgreSQL only: milliseconds any one statement may run before the database cancels
    /// it (the call is answered 503 with `Retry-After`); `0` for no limit. Migrations run
    /// without it.
    #[arg(
        long,
        env = "DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 30_000,
        global = true
    )]
    pub db_statement_timeout_ms: u64,
    /// Seconds a stop (SIGTERM, Ctrl-C) waits for the requests in flight and the last
    /// click drain before the process exits anyway; a second signal exits at once. What
    /// a forced exit leaves in the click journal is stored at the next start.
    #[arg(
        long,
        env = "SHUTDOWN_TIMEOUT_SECS",
        default_value_t = 30,
        global = true
    )]
    pub shutdown_timeout_secs: u64,
    /// Seconds between heartbeats on an idle live event stream (`/api/events`), so that
    /// proxies keep it open.
    #[arg(
        long,
        env = "EVENTS_HEARTBEAT_SECS",
        default_value_t = 15,
        global = true
    )]
    pub events_heartbeat_secs: u64,
    /// Live event streams one account may hold open on one instance; more are answered 429.
    /// A browser's tabs share theirs (the web app's shared worker): one for the account, and
    /// one for each staff page of traffic (`?traffic_of=`) open in some tab.
    #[arg(long, env = "EVENTS_MAX_PER_USER", default_value_t = 10, global = true)]
    pub events_max_per_user: usize,
    /// How often each instance checks that the sessions of its open live streams still
    /// exist, in seconds (at most 60): a stream ends within this after its session ends
    /// through another instance or expires (at once on sign-out through this one).
    #[arg(long, env = "EVENTS_SESSION_CHECK_SECS", default_value_t = 60, global = true,
          value_parser = clap::value_parser!(u64).range(1..=60))]
    pub events_session_check_secs: u64,
    /// Folder of the click journal: every click is appended here before it is answered,
    /// then written to the database in batches. One folder per server instance. Default:
    /// beside an SQLite file (`<file>-clicks/`), or `data/click-journal` for PostgreSQL.
    #[arg(long, env = "CLICK_JOURNAL_DIR", global = true)]
    pub click_journal_dir: Option<PathBuf>,
    /// How often journaled clicks are written to the database, in milliseconds.
    #[arg(long, env = "CLICK_DRAIN_MS", default_value_t = 1000, global = true)]
    pub click_drain_ms: u64,
    /// How often the journal is flushed to the disk itself (against power loss), in
    /// milliseconds; 0 never. A killed process loses no click either way.
    #[arg(long, env = "CLICK_FSYNC_MS", default_value_t = 1000, global = true)]
    pub click_fsync_ms: u64,
    /// Days raw click events are kept (rollups are kept longer).
    #[arg(long, env = "CLICK_RETENTION_DAYS", default_value_t = 90, global = true,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub click_retention_days: u32,
    /// Most journaled clicks held in memory while they wait for the database (it is
    /// away or slow); past it the journal on disk alone holds them, read back when the
    /// database takes them again.
    #[arg(long, env = "CLICK_MEMORY_MAX", default_value_t = 200_000, global = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub click_memory_max: u64,
    /// A header holding the visitor's address set by a trusted proxy in front of this
    /// server (e.g. `x-forwarded-for`): the entry `--trusted-proxies` from the right is
    /// the client's. Unset: the peer address. Used for rate limits, sign-in throttling
    /// and the visitor hash alike.
    #[arg(long, env = "CLIENT_IP_HEADER", global = true)]
    pub client_ip_header: Option<String>,
    /// How often a verified source's proof is checked again, in seconds (default 7 days).
    /// A source whose proof is gone loses its Verified mark and its partner is told.
    #[arg(long, env = "VERIFY_RECHECK_SECS", default_value_t = 7 * 24 * 3600, global = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub verify_recheck_secs: u64,
    /// The DNS server ownership checks ask (`ip:port`), instead of the system's resolver.
    #[arg(long, env = "DNS_SERVER", global = true)]
    pub dns_server: Option<SocketAddr>,
    /// For tests only: let ownership checks fetch loopback addresses (127.0.0.0/8, ::1).
    /// Every other private or reserved address stays refused. Never set it in production.
    #[arg(
        long,
        env = "VERIFY_ALLOW_LOOPBACK",
        default_value_t = false,
        global = true
    )]
    pub verify_allow_loopback: bool,
    /// How often the review queue's traffic reasons are worked out again and its dated
    /// reasons expire, in seconds.
    #[arg(long, env = "REVIEW_SWEEP_SECS", default_value_t = 300, global = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub review_sweep_secs: u64,
    /// A source joins the queue when more than this percent of its human clicks in 7 days
    /// came from other sites (with at least `--review-min-clicks` of them).
    #[arg(long, env = "REVIEW_MISMATCH_PERCENT", default_value_t = 40, global = true,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub review_mismatch_percent: u32,
    /// A source joins the queue when more than this percent of its clicks in 7 days came
    /// from bots (with at least `--review-min-clicks` clicks).
    #[arg(long, env = "REVIEW_BOT_PERCENT", default_value_t = 50, global = true,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub review_bot_percent: u32,
    /// A source joins the queue when more than this percent of its valid clicks in 7 days
    /// came through a channel it does not declare (with at least `--review-min-clicks`).
    #[arg(long, env = "REVIEW_UNDECLARED_PERCENT", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub review_undeclared_percent: u32,
    /// One visitor's clicks beyond this many a minute, across all links, are invalid
    /// (`velocity`).
    #[arg(long, env = "CLICK_VELOCITY_PER_MINUTE", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub click_velocity_per_minute: u32,
    /// Snowplow referer-parser's `referers.json` (GPL-3.0 data, read at start-up, not
    /// compiled in), which tells search engines, social networks and webmail apart.
    /// Unset: `server/data/referers/referers.json` of the source tree when it is there.
    #[arg(long, env = "REFERRERS_FILE", global = true)]
    pub referrers_file: Option<PathBuf>,
    /// Fewer clicks than this in 7 days are too few to judge a source's traffic by.
    #[arg(long, env = "REVIEW_MIN_CLICKS", default_value_t = 100, global = true,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub review_min_clicks: i64,
    /// The most traffic sources one partner may have (422 past it).
    #[arg(long, env = "MAX_SOURCES_PER_PARTNER", default_value_t = 1_000, global = true,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub max_sources_per_partner: i64,
    /// The most programs one advertiser may have (422 past it).
    #[arg(long, env = "MAX_PROGRAMS_PER_ADVERTISER", default_value_t = 200, global = true,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub max_programs_per_advertiser: i64,
    /// The most sources one program may hold (422 past it).
    #[arg(long, env = "MAX_SOURCES_PER_PROGRAM", default_value_t = 10_000, global = true,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub max_sources_per_program: i64,
    /// Send notification emails over SMTP: `smtp://host:port` (plain; add
    /// `?tls=required` for STARTTLS), `smtps://host:port`, with `user:password@` when the
    /// server asks. Unset: emails are written as `.eml` files to `--email-dir`.
    #[arg(long, env = "SMTP_URL", global = true)]
    pub smtp_url: Option<String>,
    /// Folder that receives the emails as `.eml` files when no `--smtp-url` is set.
    #[arg(long, env = "EMAIL_DIR", default_value = "data/emails", global = true)]
    pub email_dir: PathBuf,
    /// The sender of notification emails.
    #[arg(
        long,
        env = "EMAIL_FROM",
        default_value = "Traffic Sources <no-reply@traffic-sources.localhost>",
        global = true
    )]
    pub email_from: String,
    /// The address people open the app at: tracking links and links in emails are built
    /// from it, never from a request's `Host` header. Unset: `http://` and the address
    /// the server listens on (right for a machine of one's own, not behind a proxy).
    #[arg(long, env = "PUBLIC_URL", default_value = "", global = true)]
    pub public_url: String,
    /// How often the email outbox is sent, in milliseconds.
    #[arg(long, env = "EMAIL_POLL_MS", default_value_t = 1000, global = true,
          value_parser = clap::value_parser!(u64).range(10..))]
    pub email_poll_ms: u64,
    /// The wait before the first retry of an email the mail server did not take, in
    /// milliseconds; doubled at each retry, at most an hour.
    #[arg(long, env = "EMAIL_RETRY_BASE_MS", default_value_t = 30_000, global = true,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub email_retry_base_ms: i64,
    /// Attempts before an email is marked failed (shown to staff).
    #[arg(long, env = "EMAIL_MAX_ATTEMPTS", default_value_t = 8, global = true,
          value_parser = clap::value_parser!(i64).range(1..=100))]
    pub email_max_attempts: i64,
    /// How long an instance's claim on an email holds without renewal, in milliseconds;
    /// renewed every third of it while the email is sent. An instance killed mid-send
    /// leaves its emails to another one after this.
    #[arg(long, env = "EMAIL_LEASE_MS", default_value_t = 60_000, global = true,
          value_parser = clap::value_parser!(i64).range(300..))]
    pub email_lease_ms: i64,
    // The perimeter (src/guard/): timeouts, connection caps, the client's address, rate
    // limits and sign-in throttling.
    /// Seconds a client has to send a request's headers, counted from the connection's
    /// opening or the end of the previous answer on it (slow-header attacks).
    #[arg(long, env = "HEADER_TIMEOUT_SECS", default_value_t = 10, global = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout_secs: u64,
    /// Seconds an idle kept-alive connection stays open between requests.
    #[arg(long, env = "KEEP_ALIVE_SECS", default_value_t = 5, global = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub keep_alive_secs: u64,
    /// Seconds a client has to send a request's whole body (slow-body attacks); 408 past it.
    #[arg(long, env = "BODY_TIMEOUT_SECS", default_value_t = 10, global = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout_secs: u64,
    /// Seconds an API call may take before it is answered 503; the live stream and CSV
    /// downloads are exempt (bounded by their own caps and `--send-timeout-secs`).
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_secs: u64,
    /// Seconds an answer may wait on a client that does not read it (a stalled download)
    /// before the connection is closed.
    #[arg(long, env = "SEND_TIMEOUT_SECS", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub send_timeout_secs: u64,
    /// Connections this instance holds open at once; past it new ones are refused at once
    /// (503). Keep it below the process's open-file limit (`ulimit -n`).
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 4096, global = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: u64,
    /// Connections one client address may hold open at once; past it its new ones are
    /// refused at once (503). Not applied behind a proxy (`--client-ip-header`), whose
    /// connections all come from one address.
    #[arg(long, env = "MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 64, global = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections_per_address: u64,
    /// How many proxies in front of this server append to `--client-ip-header`: the
    /// client's address is that many entries from the right (the right-most one no
    /// trusted proxy wrote), never one the client could write itself.
    #[arg(long, env = "TRUSTED_PROXIES", default_value_t = 1, global = true,
          value_parser = clap::value_parser!(u64).range(1..=32))]
    pub trusted_proxies: u64,
    /// Sign-in attempts per client address per minute (429 past it).
    #[arg(long, env = "RATE_SIGN_IN_PER_MIN", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_sign_in_per_min: u32,
    /// Sign-ups per client address per minute (429 past it).
    #[arg(long, env = "RATE_SIGN_UP_PER_MIN", default_value_t = 5, global = true,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_sign_up_per_min: u32,
    /// "Verify now" checks per client address per minute (429 past it).
    #[arg(long, env = "RATE_VERIFY_PER_MIN", default_value_t = 10, global = true,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_verify_per_min: u32,
    /// Other writes (POST, PUT, DELETE under /api) per client address per minute.
    #[arg(long, env = "RATE_WRITES_PER_MIN", default_value_t = 120, global = true,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_writes_per_min: u32,
    /// Wrong passwords for one account from one address within 15 minutes before that
    /// address is refused for that account until the window ends (the owner elsewhere is not).
    #[arg(long, env = "SIGN_IN_MAX_FAILURES", default_value_t = 5, global = true,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub sign_in_max_failures: i64,
    /// Failed sign-ins from one address, whatever the account, within 15 minutes before
    /// that address may not sign in until the window ends.
    #[arg(long, env = "SIGN_IN_MAX_FAILURES_PER_ADDRESS", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub sign_in_max_failures_per_address: i64,
    /// Password hashes (sign-in, sign-up) computed at once; past it a request waits up to
    /// `--password-hash-wait-ms`, then is answered 503. Default: twice the cores.
    #[arg(long, env = "MAX_PASSWORD_HASHES", global = true,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_password_hashes: Option<u32>,
    /// How long a sign-in or sign-up waits for a free password-hash slot, in milliseconds.
    #[arg(
        long,
        env = "PASSWORD_HASH_WAIT_MS",
        default_value_t = 2000,
        global = true
    )]
    pub password_hash_wait_ms: u64,
    /// CSV exports of sources this instance streams at once (one per account in any case).
    #[arg(long, env = "MAX_EXPORTS", default_value_t = 4, global = true,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_exports: u32,
    /// Database connections of the tracking redirect's own pool on PostgreSQL, so that
    /// it never waits behind API calls (SQLite: each thread reads the file itself).
    #[arg(long, env = "REDIRECT_DB_CONNECTIONS", default_value_t = 4, global = true,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub redirect_db_connections: u32,
    /// How often old sign-in throttle rows, expired sessions and idle rate-limit entries
    /// are purged, in seconds.
    #[arg(long, env = "PURGE_SECS", default_value_t = 600, global = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub purge_secs: u64,
    /// How often the webhook outbox is delivered, in milliseconds (a write on this
    /// instance wakes it at once).
    #[arg(long, env = "WEBHOOK_POLL_MS", default_value_t = 1000, global = true,
          value_parser = clap::value_parser!(u64).range(10..))]
    pub webhook_poll_ms: u64,
    /// The wait before retrying a webhook delivery that failed, in milliseconds; doubled
    /// at each retry, at most an hour. An endpoint's later events wait behind it.
    #[arg(long, env = "WEBHOOK_RETRY_BASE_MS", default_value_t = 10_000, global = true,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub webhook_retry_base_ms: i64,
    /// How long one webhook delivery may take, connection and answer included, in
    /// milliseconds.
    #[arg(long, env = "WEBHOOK_TIMEOUT_MS", default_value_t = 5_000, global = true,
          value_parser = clap::value_parser!(u64).range(100..=30_000))]
    pub webhook_timeout_ms: u64,
    /// A webhook endpoint whose deliveries all failed for this many seconds is turned off
    /// and its owner told (default 3 days).
    #[arg(long, env = "WEBHOOK_DISABLE_AFTER_SECS", default_value_t = 3 * 24 * 3600, global = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub webhook_disable_after_secs: u64,
    /// After a decline or an end, how long (seconds) before the same program and source may
    /// try again (an application or an invitation); default 7 days.
    #[arg(long, env = "COLLABORATION_COOLING_OFF_SECS", default_value_t = 7 * 24 * 3600, global = true)]
    pub collaboration_cooling_off_secs: u64,
}

impl Config {
    /// Settings for tests: the given database, nothing static, no demo data.
    pub fn for_tests(database_url: &str) -> Config {
        Config {
            bind: [127, 0, 0, 1].into(),
            port: 0,
            database_url: database_url.to_string(),
            static_dir: PathBuf::from("/nonexistent"),
            log_level: "warn".into(),
            log_format: crate::ops::logs::LogFormat::Text,
            metrics_bind: None,
            ready_drain_lag_ms: 60_000,
            ready_outbox_backlog: 10_000,
            seed_demo: false,
            secure_cookies: false,
            db_max_connections: 8,
            db_acquire_timeout_ms: 2000,
            db_statement_timeout_ms: 30_000,
            shutdown_timeout_secs: 30,
            events_heartbeat_secs: 15,
            events_max_per_user: 10,
            events_session_check_secs: 60,
            click_journal_dir: Some(
                std::env::temp_dir().join(format!("ts-journal-{:016x}", rand::random::<u64>())),
            ),
            click_drain_ms: 1000,
            click_fsync_ms: 0,
            click_retention_days: 90,
            click_memory_max: 200_000,
            client_ip_header: None,
            verify_recheck_secs: 7 * 24 * 3600,
            dns_server: None,
            verify_allow_loopback: false,
            review_sweep_secs: 300,
            review_mismatch_percent: 40,
            review_bot_percent: 50,
            review_undeclared_percent: 30,
            click_velocity_per_minute: 30,
            referrers_file: None,
            review_min_clicks: 100,
            max_sources_per_partner: 1_000,
            max_programs_per_advertiser: 200,
            max_sources_per_program: 10_000,
            smtp_url: None,
            email_dir: std::env::temp_dir()
                .join(format!("ts-emails-{:016x}", rand::random::<u64>())),
            email_from: "Traffic Sources <no-reply@traffic-sources.localhost>".into(),
            public_url: "http://127.0.0.1:8080".into(),
            email_poll_ms: 1000,
            email_retry_base_ms: 30_000,
            email_max_attempts: 8,
            email_lease_ms: 60_000,
            header_timeout_secs: 10,
            keep_alive_secs: 5,
            body_timeout_secs: 10,
            request_timeout_secs: 30,
            send_timeout_secs: 30,
            max_connections: 4096,
            max_connections_per_address: 4096,
            trusted_proxies: 1,
            // Tests sign up and write from one address at a pace no person does; the
            // perimeter's own tests set these low.
            rate_sign_in_per_min: 1_000_000,
            rate_sign_up_per_min: 1_000_000,
            rate_verify_per_min: 1_000_000,
            rate_writes_per_min: 1_000_000,
            sign_in_max_failures: 5,
            sign_in_max_failures_per_address: 1_000_000,
            max_password_hashes: None,
            password_hash_wait_ms: 2000,
            max_exports: 4,
            redirect_db_connections: 4,
            purge_secs: 600,
            webhook_poll_ms: 1000,
            webhook_retry_base_ms: 10_000,
            webhook_timeout_ms: 5_000,
            webhook_disable_after_secs: 3 * 24 * 3600,
            collaboration_cooling_off_secs: 7 * 24 * 3600,
        }
    }

    /// The click journal's folder: the setting, or its default for this database.
    pub fn journal_dir(&self) -> PathBuf {
        if let Some(dir) = &self.click_journal_dir {
            return dir.clone();
        }
        match crate::clicks::resolve::sqlite_file(&self.database_url) {
            Some(file) => {
                let mut name = file.into_os_string();
                name.push("-clicks");
                PathBuf::from(name)
            }
            None => PathBuf::from("data/click-journal"),
        }
    }

    /// The review queue's thresholds.
    pub fn review_thresholds(&self) -> crate::db::review::Thresholds {
        crate::db::review::Thresholds {
            mismatch_percent: self.review_mismatch_percent as i64,
            bot_percent: self.review_bot_percent as i64,
            undeclared_percent: self.review_undeclared_percent as i64,
            min_clicks: self.review_min_clicks,
        }
    }

    /// The drain's judge: its referrer data and velocity limit. A referrer file that is
    /// set but cannot be read is an error; the default one missing is a warning.
    pub fn judge(&self) -> Result<crate::clicks::judge::Judge, String> {
        use crate::clicks::referrers::Referrers;
        let referrers = match &self.referrers_file {
            Some(path) => Referrers::load(path)?,
            None => Referrers::bundled()?,
        };
        Ok(crate::clicks::judge::Judge::new(
            referrers,
            self.click_velocity_per_minute,
        ))
    }

    /// How the email outbox retries.
    pub fn email_policy(&self) -> crate::email::worker::Policy {
        crate::email::worker::Policy {
            retry_base_ms: self.email_retry_base_ms,
            max_attempts: self.email_max_attempts,
            lease_ms: self.email_lease_ms,
        }
    }

    /// When the click ledger's background work runs.
    pub fn click_schedule(&self) -> crate::clicks::Schedule {
        use std::time::Duration;
        crate::clicks::Schedule {
            drain: Duration::from_millis(self.click_drain_ms.max(10)),
            fsync: (self.click_fsync_ms > 0).then(|| Duration::from_millis(self.click_fsync_ms)),
            retention_days: self.click_retention_days,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Cli, Config};
    use clap::Parser;
    use std::path::PathBuf;

    #[test]
    fn a_live_streams_session_is_checked_at_least_every_minute() {
        let parse =
            |args: &[&str]| Cli::try_parse_from([&["traffic-sources-server"], args].concat());
        assert_eq!(parse(&[]).unwrap().config.events_session_check_secs, 60);
        let five = parse(&["--events-session-check-secs", "5"]).unwrap();
        assert_eq!(five.config.events_session_check_secs, 5);
        assert!(parse(&["--events-session-check-secs", "61"]).is_err());
        assert!(parse(&["--events-session-check-secs", "0"]).is_err());
    }

    #[test]
    fn the_journal_lives_beside_its_sqlite_file_unless_set() {
        let mut c = Config::for_tests("sqlite://data/a.db?mode=rwc");
        c.click_journal_dir = None;
        assert_eq!(c.journal_dir(), PathBuf::from("data/a.db-clicks"));
        c.database_url = "postgres://u@h/db".into();
        assert_eq!(c.journal_dir(), PathBuf::from("data/click-journal"));
        c.click_journal_dir = Some("/var/lib/ts/journal".into());
        assert_eq!(c.journal_dir(), PathBuf::from("/var/lib/ts/journal"));
    }
}
