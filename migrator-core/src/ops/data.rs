//! Data migrations written in Rust: an async step given the open transaction.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The error a data step may return; `?` converts any error into it.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The future a data step returns.
pub type DataFuture<'a> = Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send + 'a>>;

/// A data step's function: given the revision's transaction, do the work.
pub type DataFn = Arc<dyn for<'a> Fn(DataTx<'a>) -> DataFuture<'a> + Send + Sync>;

/// The open transaction a data step runs in, on PostgreSQL or SQLite. Its
/// work commits or rolls back with the rest of the revision.
///
/// ```no_run
/// # use migrator_core::prelude::*;
/// # let mut op = Ops::new();
/// op.run("backfill slugs", |tx| {
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
    Postgres(&'a tokio_postgres::Client),
    Sqlite(&'a crate::run::SqliteHandle),
}

impl<'a> DataTx<'a> {
    /// Wraps a PostgreSQL session inside an open transaction (the runner
    /// does this for each revision).
    pub fn postgres(client: &'a tokio_postgres::Client) -> Self {
        Self {
            conn: Conn::Postgres(client),
        }
    }

    pub(crate) fn sqlite(handle: &'a crate::run::SqliteHandle) -> Self {
        Self {
            conn: Conn::Sqlite(handle),
        }
    }

    /// The PostgreSQL session (inside the revision's transaction), for
    /// queries with parameters and rows; `None` on SQLite.
    pub fn as_postgres(&self) -> Option<&'a tokio_postgres::Client> {
        match self.conn {
            Conn::Postgres(client) => Some(client),
            Conn::Sqlite(_) => None,
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
    pub async fn with_sqlite<R, F>(&self, f: F) -> Option<rusqlite::Result<R>>
    where
        R: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        match self.conn {
            Conn::Postgres(_) => None,
            Conn::Sqlite(handle) => Some(handle.call(move |c| f(c)).await),
        }
    }

    /// Runs one SQL statement without parameters; returns the rows it touched.
    pub async fn execute(&self, sql: &str) -> Result<u64, BoxError> {
        match self.conn {
            Conn::Postgres(client) => Ok(client.execute(sql, &[]).await?),
            Conn::Sqlite(handle) => {
                let sql = sql.to_owned();
                let n = handle.call(move |c| c.execute(&sql, [])).await?;
                Ok(n as u64)
            }
        }
    }
}

/// A named Rust data step and its optional reverse.
#[derive(Clone)]
pub struct DataStep {
    /// What the step does, shown in logs, `--sql` output and errors.
    pub name: String,
    /// The forward step.
    pub up: DataFn,
    /// The step that undoes it, if any.
    pub down: Option<DataFn>,
}

impl DataStep {
    /// Gives the step a reverse, which makes it invertible.
    pub fn reverse<F>(&mut self, f: F) -> &mut Self
    where
        F: for<'a> Fn(DataTx<'a>) -> DataFuture<'a> + Send + Sync + 'static,
    {
        self.down = Some(Arc::new(f));
        self
    }
}

impl fmt::Debug for DataStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataStep")
            .field("name", &self.name)
            .field("reversible", &self.down.is_some())
            .finish()
    }
}

impl PartialEq for DataStep {
    /// Two steps are equal when they have the same name and the same functions.
    fn eq(&self, other: &Self) -> bool {
        let same_down = match (&self.down, &other.down) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        self.name == other.name && Arc::ptr_eq(&self.up, &other.up) && same_down
    }
}
