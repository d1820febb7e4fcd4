//! The connection pool, counting the calls that wait for a connection.
//!
//! sqlx tells how many connections are open and idle, not how many calls wait for one
//! (the operator's "pool connections waiting", a sign the pool is too small or the
//! database too slow). This wrapper counts them around every acquire: queries run on
//! `&db.pool` as before (it is an [`Executor`] the same way sqlx's pool is), and so do
//! transactions ([`Pool::begin`], [`Pool::begin_with`]). Everything else is sqlx's pool
//! (`Deref`).

use std::borrow::Cow;
use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::TryStreamExt;
use sqlx::any::{Any, AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo};
use sqlx::pool::PoolConnection;
use sqlx::{AnyPool, Describe, Either, Error, Execute, Executor, Transaction};

#[derive(Clone, Debug)]
pub struct Pool {
    inner: AnyPool,
    waiting: Arc<AtomicUsize>,
}

/// Counts one waiting call for as long as it lives (an acquire given up, e.g. by a
/// timeout around it, stops counting too).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Pool {
    pub fn new(inner: AnyPool) -> Pool {
        Pool {
            inner,
            waiting: Arc::default(),
        }
    }

    /// Calls waiting for a connection now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    pub async fn acquire(&self) -> Result<PoolConnection<Any>, Error> {
        let _waiting = Waiting::new(&self.waiting);
        self.inner.acquire().await
    }

    pub async fn begin(&self) -> Result<Transaction<'static, Any>, Error> {
        Transaction::begin(self.acquire().await?, None).await
    }

    pub async fn begin_with(
        &self,
        statement: impl Into<Cow<'static, str>>,
    ) -> Result<Transaction<'static, Any>, Error> {
        Transaction::begin(self.acquire().await?, Some(statement.into())).await
    }
}

impl Deref for Pool {
    type Target = AnyPool;

    fn deref(&self) -> &AnyPool {
        &self.inner
    }
}

/// As sqlx's own pool does: a connection for each query, given back at its end.
impl<'p> Executor<'p> for &'_ Pool {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, Error>>
    where
        E: 'q + Execute<'q, Any>,
    {
        let pool = self.clone();
        Box::pin(sqlx_core::try_stream! {
            let mut conn = pool.acquire().await?;
            let mut rows = conn.fetch_many(query);
            while let Some(row) = rows.try_next().await? {
                r#yield!(row);
            }
            Ok(())
        })
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<AnyRow>, Error>>
    where
        E: 'q + Execute<'q, Any>,
    {
        let pool = self.clone();
        Box::pin(async move { pool.acquire().await?.fetch_optional(query).await })
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement<'q>, Error>> {
        let pool = self.clone();
        Box::pin(async move { pool.acquire().await?.prepare_with(sql, parameters).await })
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<Any>, Error>> {
        let pool = self.clone();
        Box::pin(async move { pool.acquire().await?.describe(sql).await })
    }
}
