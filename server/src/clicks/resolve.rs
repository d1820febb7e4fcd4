//! Resolving a tracking code: the first step of every click.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{OpenFlags, OptionalExtension};
use sqlx::Row;
use thread_local::ThreadLocal;

use crate::db::{Backend, Db};
use model::Status;

/// What a tracking code leads to, read fresh on every click: a pause or block takes
/// effect on the very next click, on every server instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub collaboration_id: i64,
    /// The source's status: the link redirects only while it is Active (Public or
    /// Private alike).
    pub status: Status,
    pub landing_url: String,
    pub traffic_source_id: i64,
    /// The source's declared URL, which referrers are checked against.
    pub source_url: String,
    pub partner_id: i64,
    pub program_id: i64,
    pub advertiser_id: i64,
    /// The collaboration is `approved`: any other state answers like a paused source.
    pub approved: bool,
    /// The program's permitted deep-link domains, as stored (a JSON array): parsed only
    /// when a click asks for a deep link.
    pub permitted_domains: String,
}

impl Link {
    pub fn live(&self) -> bool {
        self.approved && self.status == Status::Active
    }
}

/// One indexed lookup (the unique code) joined to two primary keys.
const RESOLVE: &str = "SELECT c.id, s.status, p.landing_url, s.id AS source_id, s.url, s.partner_id, p.id AS program_id, p.advertiser_id,
    c.state, p.permitted_domains
    FROM collaborations c
    JOIN traffic_sources s ON s.id = c.traffic_source_id JOIN programs p ON p.id = c.program_id
    WHERE c.tracking_code = $1";

fn status(id: &str) -> Status {
    // The schema's CHECK allows only the three ids; anything else would not redirect.
    Status::from_id(id).unwrap_or(Status::Blocked)
}

/// Resolves codes for the redirect.
///
/// On SQLite each server thread keeps its own connection to the file and runs the
/// lookup in place: it takes microseconds, while handing it to a pooled connection's
/// thread and back (three hand-offs per query in sqlx) costs several times that and
/// is what limited the redirect's throughput and tail latency. Every lookup still
/// answers from the committed state of the file: a thread keeps the links it looked up
/// only while SQLite's `data_version` says no other connection (in this process or
/// another) has committed anything since, which it checks on every click; any commit, a
/// pause or block among them, empties it. PostgreSQL uses a small pool of the redirect's
/// own (`--redirect-db-connections`), so a click never waits behind API calls for a
/// connection, and reads every click afresh.
pub struct Resolver {
    db: Db,
    sqlite_file: Option<PathBuf>,
    readers: ThreadLocal<RefCell<Option<Reader>>>,
}

/// Most codes a thread remembers between two commits: a flood of unknown codes cannot
/// grow it past this.
const REMEMBERED_MAX: usize = 4_096;

/// One server thread's connection to the SQLite file, and the lookups it made since the
/// file last changed.
struct Reader {
    conn: rusqlite::Connection,
    /// `PRAGMA data_version` when `links` was filled: it changes when another connection
    /// commits.
    version: i64,
    /// Unknown codes too (`None`).
    links: HashMap<String, Option<Arc<Link>>>,
}

impl Resolver {
    pub fn new(db: Db, database_url: &str, own_connections: u32) -> Result<Resolver, sqlx::Error> {
        let sqlite_file = match db.backend {
            Backend::Sqlite => sqlite_file(database_url),
            Backend::Postgres => None,
        };
        let db = match db.backend {
            Backend::Postgres => Db {
                pool: crate::db::redirect_pool(
                    database_url,
                    own_connections,
                    db.acquire_timeout,
                    db.statement_timeout,
                )?,
                ..db
            },
            Backend::Sqlite => db,
        };
        Ok(Resolver {
            db,
            sqlite_file,
            readers: ThreadLocal::new(),
        })
    }

    pub async fn resolve(&self, code: &str) -> Result<Option<Arc<Link>>, sqlx::Error> {
        if let Some(file) = &self.sqlite_file {
            match self.resolve_in_place(file, code) {
                Ok(link) => return Ok(link),
                // E.g. busy during a checkpoint: the pool waits where this cannot.
                Err(e) => tracing::debug!(error = %e, "in-place lookup failed; using the pool"),
            }
        }
        Ok(resolve(&self.db, code).await?.map(Arc::new))
    }

    fn resolve_in_place(&self, file: &Path, code: &str) -> rusqlite::Result<Option<Arc<Link>>> {
        let mut slot = self.readers.get_or(|| RefCell::new(None)).borrow_mut();
        if slot.is_none() {
            *slot = Some(Reader {
                conn: open_reader(file)?,
                version: -1,
                links: HashMap::new(),
            });
        }
        let reader = slot.as_mut().expect("opened above");
        let result = reader.resolve(code);
        if result.is_err() {
            // Start afresh next time rather than keep a connection in an unknown state.
            *slot = None;
        }
        result
    }
}

impl Reader {
    fn resolve(&mut self, code: &str) -> rusqlite::Result<Option<Arc<Link>>> {
        // Read before the lookup: a commit between the two empties the links next time.
        let version: i64 = self
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |row| row.get(0))?;
        if version != self.version || self.links.len() >= REMEMBERED_MAX {
            self.links.clear();
            self.version = version;
        }
        if let Some(link) = self.links.get(code) {
            return Ok(link.clone());
        }
        let link = self
            .conn
            .prepare_cached(RESOLVE)?
            .query_row([code], |row| {
                Ok(Link {
                    collaboration_id: row.get(0)?,
                    status: status(row.get_ref(1)?.as_str()?),
                    landing_url: row.get(2)?,
                    traffic_source_id: row.get(3)?,
                    source_url: row.get(4)?,
                    partner_id: row.get(5)?,
                    program_id: row.get(6)?,
                    advertiser_id: row.get(7)?,
                    approved: row.get_ref(8)?.as_str()? == "approved",
                    permitted_domains: row.get(9)?,
                })
            })
            .optional()?
            .map(Arc::new);
        self.links.insert(code.to_owned(), link.clone());
        Ok(link)
    }
}

/// Read-only by pragma, not by open flag: a read-only open of a WAL database fails
/// when its shared-memory file is missing (after the last writer closed).
fn open_reader(file: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch("PRAGMA query_only = ON;")?;
    Ok(conn)
}

/// The file of a `sqlite:` URL; `None` for an in-memory database, which another
/// connection could not see.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?.trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let in_memory = path.is_empty() || path == ":memory:" || query.contains("mode=memory");
    (!in_memory).then(|| PathBuf::from(path))
}

/// The lookup through the pool, on either engine.
pub async fn resolve(db: &Db, code: &str) -> Result<Option<Link>, sqlx::Error> {
    let row = sqlx::query(RESOLVE)
        .bind(code)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|row| {
        Ok(Link {
            collaboration_id: row.try_get("id")?,
            status: status(&row.try_get::<String, _>("status")?),
            landing_url: row.try_get("landing_url")?,
            traffic_source_id: row.try_get("source_id")?,
            source_url: row.try_get("url")?,
            partner_id: row.try_get("partner_id")?,
            program_id: row.try_get("program_id")?,
            advertiser_id: row.try_get("advertiser_id")?,
            approved: row.try_get::<String, _>("state")? == "approved",
            permitted_domains: row.try_get("permitted_domains")?,
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three tables the lookup reads, with the columns it reads.
    const SCHEMA: &str = "PRAGMA journal_mode = WAL;
        CREATE TABLE programs (id INTEGER PRIMARY KEY, landing_url TEXT, advertiser_id INTEGER, permitted_domains TEXT);
        CREATE TABLE traffic_sources (id INTEGER PRIMARY KEY, status TEXT, url TEXT, partner_id INTEGER);
        CREATE TABLE collaborations (id INTEGER PRIMARY KEY, tracking_code TEXT UNIQUE, traffic_source_id INTEGER, program_id INTEGER, state TEXT);
        INSERT INTO programs VALUES (1, 'https://shop.example/', 3, '[]');
        INSERT INTO traffic_sources VALUES (2, 'active', 'https://blog.example/', 4);
        INSERT INTO collaborations VALUES (5, 'CODE', 2, 1, 'approved');";

    #[test]
    fn a_remembered_link_is_forgotten_when_another_connection_commits() {
        let dir = std::env::temp_dir().join(format!("resolve-test-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("t.db");
        let writer = rusqlite::Connection::open(&file).unwrap();
        writer.execute_batch(SCHEMA).unwrap();
        let mut reader = Reader {
            conn: open_reader(&file).unwrap(),
            version: -1,
            links: HashMap::new(),
        };
        let first = reader.resolve("CODE").unwrap().unwrap();
        assert!(first.live());
        assert!(reader.resolve("NEWCODE").unwrap().is_none());
        // Unchanged file: the same link, not read again.
        assert!(Arc::ptr_eq(
            &first,
            &reader.resolve("CODE").unwrap().unwrap()
        ));

        // A pause committed by another connection counts on the very next lookup.
        writer
            .execute(
                "UPDATE traffic_sources SET status = 'paused' WHERE id = 2",
                [],
            )
            .unwrap();
        let paused = reader.resolve("CODE").unwrap().unwrap();
        assert_eq!(paused.status, Status::Paused);
        assert!(!paused.live());
        // A code unknown a moment ago is found once it exists.
        writer
            .execute(
                "INSERT INTO collaborations VALUES (6, 'NEWCODE', 2, 1, 'approved')",
                [],
            )
            .unwrap();
        assert_eq!(
            reader.resolve("NEWCODE").unwrap().unwrap().collaboration_id,
            6
        );
        // And a collaboration no longer approved.
        writer
            .execute("UPDATE collaborations SET state = 'left' WHERE id = 5", [])
            .unwrap();
        assert!(!reader.resolve("CODE").unwrap().unwrap().approved);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_flood_of_unknown_codes_is_not_remembered_without_bound() {
        let dir = std::env::temp_dir().join(format!("resolve-test-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("t.db");
        rusqlite::Connection::open(&file)
            .unwrap()
            .execute_batch(SCHEMA)
            .unwrap();
        let mut reader = Reader {
            conn: open_reader(&file).unwrap(),
            version: -1,
            links: HashMap::new(),
        };
        for i in 0..REMEMBERED_MAX * 3 {
            assert!(reader.resolve(&format!("UNKNOWN{i}")).unwrap().is_none());
            assert!(reader.links.len() <= REMEMBERED_MAX);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn finds_the_file_of_a_sqlite_url() {
        assert_eq!(
            sqlite_file("sqlite://data/ts.db?mode=rwc"),
            Some("data/ts.db".into())
        );
        assert_eq!(sqlite_file("sqlite:///tmp/a.db"), Some("/tmp/a.db".into()));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("sqlite://x.db?mode=memory"), None);
        assert_eq!(sqlite_file("postgres://localhost/x"), None);
    }
}
