//! The database: one pool for SQLite or PostgreSQL, chosen by `DATABASE_URL`.
//!
//! Queries are written once with `$n` placeholders, which both engines accept, and use
//! only types both agree on (BIGINT/INTEGER, TEXT), so each lives in one place.

pub mod accounts;
pub mod audit;
pub mod collaborations;
pub mod evidence;
pub mod notifications;
pub mod observed;
pub mod outbox;
pub mod pool;
pub mod programs;
pub mod review;
pub mod sessions;
pub mod sources;
pub mod throttle;
pub mod traffic;
pub mod verification;
pub mod webhooks;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{ConnectOptions, Executor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    /// sqlx's pool, counting the calls waiting for a connection ([`pool`]).
    pub pool: pool::Pool,
    pub backend: Backend,
    /// The file of an SQLite database (none in memory): the click path opens its own
    /// connections to it, see `clicks::resolve` and `clicks::store`. Shared, not owned:
    /// every request clones the state that holds it.
    pub sqlite_file: Option<std::sync::Arc<std::path::Path>>,
    /// How long a call waits for a connection (`--db-acquire-timeout-ms`).
    pub acquire_timeout: Duration,
    /// Longest a statement may run on PostgreSQL (`--db-statement-timeout-ms`; zero: no
    /// limit): a query stuck behind a lock or a slow plan gives its connection back.
    pub statement_timeout: Duration,
}

/// The statement timeout of [`Db::connect`] (tools and tests that set none).
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// [`Db::connect`]'s patient acquire timeout, for tools and tests on a loaded machine; the
/// server itself passes `--db-acquire-timeout-ms` (default 2 s) to [`Db::connect_with`].
pub const PATIENT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

impl Db {
    /// Opens the pool (creating an SQLite file and its folder when missing) and brings
    /// the schema up to date.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, sqlx::Error> {
        Db::connect_with(
            url,
            max_connections,
            PATIENT_ACQUIRE_TIMEOUT,
            DEFAULT_STATEMENT_TIMEOUT,
        )
        .await
    }

    /// [`Db::connect`] with the time a call waits for a connection: past it the call
    /// gets [`sqlx::Error::PoolTimedOut`], answered 503 (see [`unavailable`]). While
    /// PostgreSQL is down, reconnection attempts are retried within that time too. On
    /// PostgreSQL every statement of the pool's connections runs under `statement_timeout`
    /// (zero: none); migrations run without it.
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
        statement_timeout: Duration,
    ) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(sqlx::Error::Configuration(
                "DATABASE_URL must start with sqlite: or postgres:".into(),
            ));
        };
        if backend == Backend::Sqlite {
            sqlite_library_settings();
        }
        let sqlite_file = match backend {
            Backend::Sqlite => crate::clicks::resolve::sqlite_file(url).map(Into::into),
            Backend::Postgres => None,
        };
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(acquire_timeout)
            // A file cannot hang up: skip the ping (a round trip to the connection's
            // thread) before each query. Connections are still checked on release.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; busy_timeout makes a writer
                        // wait for the lock instead of failing at once.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;").await?;
                    } else {
                        conn.execute(statement_timeout_sql(statement_timeout).as_str())
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let db = Db {
            pool: pool::Pool::new(pool),
            backend,
            sqlite_file,
            acquire_timeout,
            statement_timeout,
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), waiting for it under busy_timeout: a deferred transaction that
    /// upgrades a read snapshot after another writer committed fails at once instead
    /// (SQLITE_BUSY_SNAPSHOT), which turned concurrent edits into 500s.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Counts `SELECT COUNT(*) … WHERE {column} = owner` inside `tx`, after making writes
    /// under the same owner take turns: on PostgreSQL the owner's row (`owners` table) is
    /// locked until the transaction ends, so two adds cannot both pass a cap by one;
    /// SQLite's write transactions already run one at a time.
    pub async fn count_for_cap(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        owners: &str,
        table: &str,
        column: &str,
        owner: i64,
    ) -> Result<i64, sqlx::Error> {
        use sqlx::Row;
        if self.backend == Backend::Postgres {
            // NO KEY: rows that merely refer to the owner (sessions, clicks) need not wait.
            sqlx::query(&format!(
                "SELECT id FROM {owners} WHERE id = $1 FOR NO KEY UPDATE"
            ))
            .bind(owner)
            .fetch_optional(&mut **tx)
            .await?;
        }
        sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM {table} WHERE {column} = $1"
        ))
        .bind(owner)
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")
    }

    async fn migrate(&self) -> Result<(), sqlx::Error> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        // A migration may rewrite a large table: it runs on a connection of its own,
        // without the pool's statement timeout.
        let mut conn = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            conn.execute("SET statement_timeout = 0").await?;
        }
        let result = migrator
            .run(&mut *conn)
            .await
            .map_err(|e| sqlx::Error::Migrate(Box::new(e)));
        if self.backend == Backend::Postgres {
            conn.execute(statement_timeout_sql(self.statement_timeout).as_str())
                .await?;
        }
        result
    }
}

/// `url` as it may be printed: its password, in the userinfo or a `password=` parameter,
/// replaced by `***`. An address that does not parse is not shown at all (it could hold a
/// password where a parser would not find it).
pub fn redacted_url(url: &str) -> String {
    const NOT_SHOWN: &str =
        "(an address that does not parse; not shown, as it may hold a password)";
    let Ok(mut parsed) = url::Url::parse(url) else {
        return NOT_SHOWN.into();
    };
    if parsed.password().is_some() && parsed.set_password(Some("***")).is_err() {
        return NOT_SHOWN.into();
    }
    if parsed.query_pairs().any(|(k, _)| is_secret(&k)) {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| {
                let v = if is_secret(&k) {
                    "***".into()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

fn is_secret(key: &str) -> bool {
    matches!(
        key.to_ascii_lowercase().as_str(),
        "password" | "sslpassword"
    )
}

/// `text` (an error's words) with every password `url` holds, as typed or decoded,
/// replaced by `***`: a driver's message could quote it.
pub fn scrubbed(text: &str, url: &str) -> String {
    let mut secrets = Vec::new();
    if let Ok(parsed) = url::Url::parse(url) {
        if let Some(p) = parsed.password() {
            secrets.push(p.to_string());
            if let Ok(decoded) = urlencoding_decode(p) {
                secrets.push(decoded);
            }
        }
        for (k, v) in parsed.query_pairs() {
            if is_secret(&k) {
                secrets.push(v.into_owned());
            }
        }
    }
    let mut out = text.to_string();
    for secret in secrets.into_iter().filter(|s| !s.is_empty()) {
        out = out.replace(&secret, "***");
    }
    out
}

fn urlencoding_decode(s: &str) -> Result<String, std::str::Utf8Error> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
}

/// A small pool of its own for the tracking redirect on PostgreSQL, opened lazily (the
/// schema is already there: [`Db::connect`] ran first).
pub fn redirect_pool(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
    statement_timeout: Duration,
) -> Result<pool::Pool, sqlx::Error> {
    let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
    Ok(pool::Pool::new(
        AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(acquire_timeout)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    conn.execute(statement_timeout_sql(statement_timeout).as_str())
                        .await?;
                    Ok(())
                })
            })
            .connect_lazy_with(options),
    ))
}

/// PostgreSQL's `SET statement_timeout` for `limit` (zero: none).
fn statement_timeout_sql(limit: Duration) -> String {
    format!("SET statement_timeout = {}", limit.as_millis())
}

/// Adds `mode=rwc` so the file is created, and creates its parent folder.
fn prepare_sqlite_url(url: &str) -> Result<String, sqlx::Error> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:" && !path.is_empty() {
        if let Some(parent) = std::path::Path::new(path).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
            }
        }
    }
    let query = if query.contains("mode=") {
        query.to_string()
    } else if query.is_empty() {
        "mode=rwc".into()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// `$first, $first+1, …`: `n` numbered placeholders for an `IN (…)` list.
pub fn in_list(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which unique constraint a failed write broke, if any: the caller maps it to a field.
pub fn unique_violation(err: &sqlx::Error) -> Option<String> {
    match err {
        sqlx::Error::Database(db) if db.is_unique_violation() => Some(
            db.constraint()
                .map(str::to_string)
                .unwrap_or_else(|| db.message().to_string()),
        ),
        _ => None,
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern and wraps it in `%…%`.
pub fn contains_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod redaction_tests {
    use super::{redacted_url, scrubbed};

    #[test]
    fn a_database_password_is_shown_as_stars_wherever_it_is() {
        assert_eq!(
            redacted_url("postgres://app:s3cret@db.internal:5432/ts"),
            "postgres://app:***@db.internal:5432/ts"
        );
        assert_eq!(
            redacted_url("postgres://app@db/ts?sslmode=require&password=s3cret"),
            "postgres://app@db/ts?sslmode=require&password=***"
        );
        assert_eq!(redacted_url("postgres://app@db/ts"), "postgres://app@db/ts");
        assert_eq!(redacted_url("sqlite://data/a.db"), "sqlite://data/a.db");
        for unreadable in ["postgres://app:s3cret@db:port/ts", "not a url s3cret"] {
            assert!(!redacted_url(unreadable).contains("s3cret"), "{unreadable}");
        }
        assert_eq!(
            scrubbed(
                "password authentication failed: p%40ss and p@ss",
                "postgres://app:p%40ss@db/ts"
            ),
            "password authentication failed: *** and ***"
        );
    }
}

/// Process-wide SQLite settings, made once before its first connection opens (SQLite
/// takes them only before it initialises). Memory statistics off: with them on, every
/// allocation SQLite makes takes one global mutex, shared by the drain's writer and every
/// thread's redirect lookup; nothing here reads the statistics.
fn sqlite_library_settings() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: SQLITE_CONFIG_MEMSTATUS takes one int; called before any connection in
        // this process opens. After initialisation SQLite refuses it (SQLITE_MISUSE) and
        // changes nothing, so a late call is harmless.
        let rc = unsafe {
            rusqlite::ffi::sqlite3_config(
                rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
                0 as std::ffi::c_int,
            )
        };
        if rc != rusqlite::ffi::SQLITE_OK {
            tracing::debug!(
                rc,
                "SQLite was initialised before its settings could be made"
            );
        }
    });
}

/// Why the database cannot serve a call right now, when that is a passing state rather
/// than a bug: it is away (no connection within the acquire timeout, a connection
/// refused or dropped, PostgreSQL shutting down or starting), or SQLite's file cannot be
/// written (read-only, disk full). Such calls are answered 503 with `Retry-After`, and
/// nothing of them was kept.
pub fn unavailable(err: &sqlx::Error) -> Option<&'static str> {
    const AWAY: &str = "The database is not answering right now. Try again in a moment.";
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => Some(AWAY),
        sqlx::Error::Database(db) => {
            let code = db.code()?;
            // PostgreSQL: class 08 (connection exception), 57P01-57P03 (shutting down,
            // crashed, starting up), 53300 (too many connections).
            if code.starts_with("08") || code.starts_with("57P") || code == "53300" {
                return Some(AWAY);
            }
            // 57014: the statement ran past --db-statement-timeout-ms (a lock held long, a
            // database overloaded).
            if code == "57014" {
                return Some(
                    "The database is too busy to answer right now. Try again in a moment.",
                );
            }
            // SQLite's primary result codes (the extended code's low byte).
            match code.parse::<i32>().ok()? & 0xff {
                8 | 13 | 10 | 14 => Some(
                    "The database cannot store changes right now (its disk is full or read-only). Try again later.",
                ),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_database_that_cannot_store_or_answer_is_unavailable_not_a_bug() {
        let dir = std::env::temp_dir().join(format!("db-test-{}", rand::random::<u64>()));
        let file = dir.join("t.db");
        let db = Db::connect(&format!("sqlite://{}", file.display()), 1)
            .await
            .unwrap();
        db.pool.close().await;
        // The file as a read-only disk shows it to SQLite.
        let read_only = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&format!("sqlite://{}?mode=ro", file.display()))
            .await
            .unwrap();
        let err = sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(&read_only)
            .await
            .unwrap_err();
        assert!(
            unavailable(&err).is_some_and(|m| m.contains("read-only")),
            "{err}"
        );
        // A mistake in a query is a bug, not a passing state.
        let err = sqlx::query("SELECT * FROM no_such_table")
            .execute(&read_only)
            .await
            .unwrap_err();
        assert_eq!(unavailable(&err), None, "{err}");
        assert!(unavailable(&sqlx::Error::PoolTimedOut).is_some());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
