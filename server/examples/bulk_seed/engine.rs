//! One connection to the database being seeded, and bulk row loading through it: a
//! prepared INSERT in the caller's transaction on SQLite (rusqlite, in place, no hand-off
//! to another thread per row), `COPY … FROM STDIN` on PostgreSQL.

use std::io::Write;

use sqlx::postgres::{PgConnection, PgCopyIn};
use sqlx::Connection;

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T> = std::result::Result<T, Error>;

pub enum Engine {
    Sqlite(rusqlite::Connection),
    Postgres(PgConnection),
}

/// A column value.
pub enum V<'a> {
    I(i64),
    T(&'a str),
    Null,
}

impl rusqlite::ToSql for V<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            V::I(i) => ValueRef::Integer(*i),
            V::T(t) => ValueRef::Text(t.as_bytes()),
            V::Null => ValueRef::Null,
        }))
    }
}

/// An error with the start of the statement that failed.
fn context(e: impl std::fmt::Display, sql: &str) -> Error {
    let sql: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{e} (in: {})", sql.chars().take(100).collect::<String>()).into()
}

/// The file of a `sqlite:` URL.
pub fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite:")?.trim_start_matches("//");
    Some(rest.split_once('?').map_or(rest, |(path, _)| path))
}

impl Engine {
    pub async fn open(url: &str) -> Result<Engine> {
        if let Some(path) = sqlite_path(url) {
            Ok(Engine::Sqlite(rusqlite::Connection::open(path)?))
        } else {
            Ok(Engine::Postgres(PgConnection::connect(url).await?))
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Engine::Postgres(_))
    }

    /// Runs one or more statements.
    pub async fn exec(&mut self, sql: &str) -> Result<()> {
        match self {
            Engine::Sqlite(conn) => conn.execute_batch(sql).map_err(|e| context(e, sql))?,
            Engine::Postgres(conn) => {
                sqlx::raw_sql(sql)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| context(e, sql))?;
            }
        }
        Ok(())
    }

    /// A query answering one integer.
    pub async fn int(&mut self, sql: &str) -> Result<i64> {
        Ok(match self {
            Engine::Sqlite(conn) => conn
                .query_row(sql, [], |row| row.get::<_, Option<i64>>(0))
                .map_err(|e| context(e, sql))?,
            Engine::Postgres(conn) => sqlx::query_scalar::<_, Option<i64>>(sql)
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| context(e, sql))?,
        }
        .unwrap_or(0))
    }

    /// A query answering rows of two texts.
    pub async fn pairs(&mut self, sql: &str) -> Result<Vec<(String, String)>> {
        Ok(match self {
            Engine::Sqlite(conn) => {
                let mut statement = conn.prepare(sql)?;
                let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
                rows.collect::<rusqlite::Result<_>>()?
            }
            Engine::Postgres(conn) => sqlx::query_as(sql).fetch_all(&mut *conn).await?,
        })
    }

    /// Drops `table`'s secondary indexes and triggers (not those behind its constraints)
    /// before a bulk load, answering the statements that make them again: building an
    /// index once from all the rows is much cheaper than growing it row by row.
    pub async fn drop_indexes(&mut self, table: &str) -> Result<Vec<String>> {
        let list = match self {
            Engine::Sqlite(_) => format!(
                "SELECT type || ' ' || name, sql FROM sqlite_master
                 WHERE tbl_name = '{table}' AND type IN ('index', 'trigger') AND sql IS NOT NULL"
            ),
            Engine::Postgres(_) => format!(
                "SELECT 'INDEX ' || indexname::text, indexdef FROM pg_indexes
                 WHERE schemaname = current_schema() AND tablename = '{table}'
                   AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = '{table}'::regclass)"
            ),
        };
        let mut again = Vec::new();
        for (what, sql) in self.pairs(&list).await? {
            self.exec(&format!("DROP {what}")).await?;
            again.push(sql);
        }
        // An external-content FTS5 index over the table is rebuilt from it.
        if !self.is_postgres() {
            let virtual_tables = self
                .pairs("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
                .await?;
            for (name, sql) in virtual_tables {
                let sql: String = sql.chars().filter(|c| !c.is_whitespace()).collect();
                if sql.contains(&format!("content='{table}'")) {
                    again.push(format!("INSERT INTO {name} ({name}) VALUES ('rebuild')"));
                }
            }
        }
        Ok(again)
    }

    /// Runs what [`Engine::drop_indexes`] answered.
    pub async fn restore_indexes(&mut self, again: &[String]) -> Result<()> {
        let t = std::time::Instant::now();
        for sql in again {
            self.exec(sql).await?;
        }
        if !again.is_empty() {
            eprintln!(
                "  {} indexes and triggers made again in {:.1} s",
                again.len(),
                t.elapsed().as_secs_f64()
            );
        }
        Ok(())
    }

    /// Starts loading rows into `table`. On SQLite the caller holds a transaction open.
    pub async fn loader<'c>(&'c mut self, table: &str, columns: &[&str]) -> Result<Loader<'c>> {
        let names = columns.join(", ");
        Ok(match self {
            Engine::Sqlite(conn) => {
                let conn: &'c rusqlite::Connection = conn;
                let sql = multi_row_insert(table, &names, columns.len(), SQLITE_BATCH);
                Loader::Sqlite {
                    statement: conn.prepare(&sql)?,
                    conn,
                    table: table.to_string(),
                    names,
                    width: columns.len(),
                    values: Vec::with_capacity(columns.len() * SQLITE_BATCH),
                    texts: String::new(),
                    rows: 0,
                }
            }
            Engine::Postgres(conn) => Loader::Postgres {
                copy: conn
                    .copy_in_raw(&format!("COPY {table} ({names}) FROM STDIN"))
                    .await?,
                buffer: Vec::with_capacity(COPY_CHUNK + 4096),
                rows: 0,
            },
        })
    }
}

/// Rows per INSERT on SQLite. One statement per row spends much of its time on setup that
/// SQLite repeats per execution (e.g. the ephemeral tables behind the `CHECK (x IN (…))`
/// constraints); a few hundred rows per statement spread it.
const SQLITE_BATCH: usize = 200;

fn multi_row_insert(table: &str, names: &str, width: usize, rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({names}) VALUES ");
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..width {
            if c > 0 {
                sql.push(',');
            }
            sql.push('?');
        }
        sql.push(')');
    }
    sql
}

/// A buffered value: text lives in the loader's arena.
pub enum Held {
    I(i64),
    T(usize, usize),
    Null,
}

/// Bytes of COPY text sent at a time.
const COPY_CHUNK: usize = 1 << 20;

fn execute_held(
    statement: &mut rusqlite::Statement<'_>,
    values: &mut Vec<Held>,
    texts: &mut String,
) -> rusqlite::Result<()> {
    use rusqlite::types::ValueRef;
    for (i, value) in values.iter().enumerate() {
        let value = match *value {
            Held::I(v) => ValueRef::Integer(v),
            Held::T(from, to) => ValueRef::Text(texts[from..to].as_bytes()),
            Held::Null => ValueRef::Null,
        };
        statement.raw_bind_parameter(i + 1, rusqlite::types::ToSqlOutput::Borrowed(value))?;
    }
    statement.raw_execute()?;
    values.clear();
    texts.clear();
    Ok(())
}

pub enum Loader<'c> {
    Sqlite {
        conn: &'c rusqlite::Connection,
        statement: rusqlite::Statement<'c>,
        table: String,
        names: String,
        width: usize,
        values: Vec<Held>,
        texts: String,
        rows: u64,
    },
    Postgres {
        copy: PgCopyIn<&'c mut PgConnection>,
        buffer: Vec<u8>,
        rows: u64,
    },
}

impl Loader<'_> {
    pub async fn row(&mut self, values: &[V<'_>]) -> Result<()> {
        match self {
            Loader::Sqlite {
                statement,
                values: held,
                texts,
                rows,
                width,
                ..
            } => {
                for value in values {
                    held.push(match value {
                        V::I(i) => Held::I(*i),
                        V::T(t) => {
                            texts.push_str(t);
                            Held::T(texts.len() - t.len(), texts.len())
                        }
                        V::Null => Held::Null,
                    });
                }
                *rows += 1;
                if held.len() == *width * SQLITE_BATCH {
                    execute_held(statement, held, texts)?;
                }
            }
            Loader::Postgres { copy, buffer, rows } => {
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        buffer.push(b'\t');
                    }
                    match value {
                        V::I(i) => write!(buffer, "{i}")?,
                        V::T(t) => {
                            // COPY's text format: nothing generated here needs escaping.
                            debug_assert!(!t
                                .bytes()
                                .any(|b| matches!(b, b'\t' | b'\n' | b'\r' | b'\\')));
                            buffer.extend_from_slice(t.as_bytes());
                        }
                        V::Null => buffer.extend_from_slice(b"\\N"),
                    }
                }
                buffer.push(b'\n');
                *rows += 1;
                if buffer.len() >= COPY_CHUNK {
                    copy.send(buffer.as_slice()).await?;
                    buffer.clear();
                }
            }
        }
        Ok(())
    }

    /// Ends the load; the number of rows written.
    pub async fn finish(self) -> Result<u64> {
        match self {
            Loader::Sqlite {
                conn,
                table,
                names,
                width,
                mut values,
                mut texts,
                rows,
                ..
            } => {
                if !values.is_empty() {
                    let sql = multi_row_insert(&table, &names, width, values.len() / width);
                    execute_held(&mut conn.prepare(&sql)?, &mut values, &mut texts)?;
                }
                Ok(rows)
            }
            Loader::Postgres {
                mut copy,
                buffer,
                rows,
            } => {
                if !buffer.is_empty() {
                    copy.send(buffer.as_slice()).await?;
                }
                let copied = copy.finish().await?;
                assert_eq!(copied, rows, "COPY wrote every row");
                Ok(rows)
            }
        }
    }
}
