//! The handle a data step is given: the revision's open transaction.
//!
//! A leaf module: the ops (which store data steps) and the runner's
//! backends (which open the transactions) both use it, and it uses
//! neither. A backend hands its connection over through [`SqliteCalls`]
//! (SQLite) or as a `tokio_postgres::Client` (PostgreSQL).

#[cfg(any(feature = "postgres", feature = "sqlite"))]
mod batches;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;
mod value;

#[cfg(any(feature = "postgres", feature = "sqlite"))]
pub use batches::Batches;
pub use value::{FromValue, Row, Value};

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
#[cfg(feature = "sqlite")]
use std::sync::{Mutex, PoisonError};

/// The error a data step may return; `?` converts any error into it.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The future a data step returns.
pub type DataFuture<'a> = Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send + 'a>>;

/// A data step's function: given the revision's transaction, do the work.
pub type DataFn = Arc<dyn for<'a> Fn(DataTx<'a>) -> DataFuture<'a> + Send + Sync>;

/// A call to run on the SQLite connection.
#[cfg(feature = "sqlite")]
pub(crate) type SqliteCall = Box<dyn FnOnce(&mut rusqlite::Connection) + Send>;

/// What a SQLite backend lends a data step: running a call on its
/// connection, inside the revision's transaction (on a blocking thread,
/// under the run's statement timeout).
#[cfg(feature = "sqlite")]
pub(crate) trait SqliteCalls: Sync {
    /// Runs `call` on the connection and waits for it.
    fn call_boxed(&self, call: SqliteCall) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// The open transaction a data step runs in, on PostgreSQL or SQLite. Its
/// work commits or rolls back with the rest of the revision.
///
/// ```no_run
/// # use migrator_core::prelude::*;
/// # let mut op = Ops::new();
/// op.data_step("backfill slugs", |tx| {
///     Box::pin(async move {
///         tx.execute("UPDATE posts SET slug = lower(title) WHERE slug IS NULL").await?;
///         Ok(())
///     })
/// });
/// ```
#[derive(Clone, Copy)]
pub struct DataTx<'a> {
    conn: Conn<'a>,
}

#[derive(Clone, Copy)]
enum Conn<'a> {
    #[cfg(feature = "postgres")]
    Postgres(&'a tokio_postgres::Client),
    #[cfg(feature = "sqlite")]
    Sqlite(&'a dyn SqliteCalls),
    /// A build with neither backend has no transaction to lend.
    #[cfg(not(any(feature = "postgres", feature = "sqlite")))]
    #[allow(dead_code)]
    None(std::marker::PhantomData<&'a ()>),
}

impl<'a> DataTx<'a> {
    /// Wraps a PostgreSQL session inside an open transaction (the runner
    /// does this for each revision).
    #[cfg(feature = "postgres")]
    pub fn postgres(client: &'a tokio_postgres::Client) -> Self {
        Self {
            conn: Conn::Postgres(client),
        }
    }

    #[cfg(feature = "sqlite")]
    pub(crate) fn sqlite(calls: &'a dyn SqliteCalls) -> Self {
        Self {
            conn: Conn::Sqlite(calls),
        }
    }

    /// The PostgreSQL session (inside the revision's transaction), for
    /// queries with parameters and rows; `None` on SQLite.
    #[cfg(feature = "postgres")]
    pub fn as_postgres(&self) -> Option<&'a tokio_postgres::Client> {
        match self.conn {
            Conn::Postgres(client) => Some(client),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// Runs `f` with the SQLite connection (inside the revision's
    /// transaction) on a blocking thread; `None` on PostgreSQL.
    ///
    /// ```no_run
    /// # async fn f(tx: migrator_core::ops::DataTx<'_>) -> Result<(), migrator_core::ops::BoxError> {
    /// if let Some(count) = tx
    ///     .with_sqlite(|c| c.query_row("SELECT count(*) FROM fees", [], |r| r.get::<_, i64>(0)))
    ///     .await
    /// {
    ///     println!("{} fees", count?);
    /// }
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "sqlite")]
    pub async fn with_sqlite<R, F>(&self, f: F) -> Option<rusqlite::Result<R>>
    where
        R: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        match self.conn {
            Conn::Sqlite(calls) => Some(on_sqlite(calls, move |c| f(c)).await),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// Runs one SQL statement without parameters; returns the rows it touched.
    pub async fn execute(&self, sql: &str) -> Result<u64, BoxError> {
        match self.conn {
            #[cfg(feature = "postgres")]
            Conn::Postgres(client) => Ok(client.execute(sql, &[]).await?),
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(calls) => {
                let sql = sql.to_owned();
                let n = on_sqlite(calls, move |c| c.execute(&sql, [])).await?;
                Ok(n as u64)
            }
            #[cfg(not(any(feature = "postgres", feature = "sqlite")))]
            Conn::None(_) => {
                let _ = sql;
                Err("migrator was built without a database backend".into())
            }
        }
    }
}

impl DataTx<'_> {
    /// Runs one statement with `params` bound to its placeholders, written
    /// `$1`, `$2`, … on both engines; returns the rows it touched.
    ///
    /// ```no_run
    /// # async fn f(tx: migrator_core::ops::DataTx<'_>) -> Result<(), migrator_core::ops::BoxError> {
    /// use migrator_core::ops::Value;
    /// let late = tx
    ///     .execute_with(
    ///         "UPDATE fees SET status = $1 WHERE due_date < $2 AND status = 'pending'",
    ///         &[Value::from("late"), Value::from("2026-01-01")],
    ///     )
    ///     .await?;
    /// # let _ = late; Ok(()) }
    /// ```
    pub async fn execute_with(&self, sql: &str, params: &[Value]) -> Result<u64, BoxError> {
        Ok(self.run(sql, params).await?.1)
    }

    /// Runs a query with `params` bound to `$1`, `$2`, …; returns its rows.
    /// On SQLite the values are SQLite's (integers, floats, text, blobs);
    /// on PostgreSQL they come back as text, which [`Row::get`] converts
    /// (integers, floats, booleans `t`/`f`, `bytea` as `\x…`).
    ///
    /// ```no_run
    /// # async fn f(tx: migrator_core::ops::DataTx<'_>) -> Result<(), migrator_core::ops::BoxError> {
    /// use migrator_core::ops::Value;
    /// for row in tx.query("SELECT id, email FROM students WHERE id > $1", &[Value::from(100)]).await? {
    ///     let id: i64 = row.get("id")?;
    ///     let email: Option<String> = row.get("email")?;
    ///     tx.execute_with("UPDATE students SET email = $1 WHERE id = $2",
    ///         &[Value::from(email.map(|e| e.to_lowercase())), Value::from(id)]).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, BoxError> {
        Ok(self.run(sql, params).await?.0)
    }

    async fn run(&self, sql: &str, params: &[Value]) -> Result<(Vec<Row>, u64), BoxError> {
        match self.conn {
            #[cfg(feature = "postgres")]
            Conn::Postgres(client) => postgres::run(client, sql, params).await,
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(calls) => {
                let (sql, params) = (sql.to_owned(), params.to_vec());
                Ok(on_sqlite(calls, move |c| sqlite::run(c, &sql, &params)).await?)
            }
            #[cfg(not(any(feature = "postgres", feature = "sqlite")))]
            Conn::None(_) => {
                let _ = (sql, params);
                Err("migrator was built without a database backend".into())
            }
        }
    }
}

/// Runs `f` through `calls` and gives back what it returned.
#[cfg(feature = "sqlite")]
async fn on_sqlite<R, F>(calls: &dyn SqliteCalls, f: F) -> R
where
    R: Send + 'static,
    F: FnOnce(&mut rusqlite::Connection) -> R + Send + 'static,
{
    let slot = Arc::new(Mutex::new(None));
    let out = Arc::clone(&slot);
    calls
        .call_boxed(Box::new(move |c| {
            *out.lock().unwrap_or_else(PoisonError::into_inner) = Some(f(c));
        }))
        .await;
    let result = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
    result.expect("a SQLite call returns only after it ran")
}
