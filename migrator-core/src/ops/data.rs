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

/// The open transaction a data step runs in. Its work commits or rolls back
/// with the rest of the revision.
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
    Postgres(&'a tokio_postgres::Transaction<'a>),
}

impl<'a> DataTx<'a> {
    /// Wraps a PostgreSQL transaction (the runner does this for each revision).
    pub fn postgres(tx: &'a tokio_postgres::Transaction<'a>) -> Self {
        Self {
            conn: Conn::Postgres(tx),
        }
    }

    /// The PostgreSQL transaction, for queries with parameters and rows.
    pub fn as_postgres(&self) -> Option<&'a tokio_postgres::Transaction<'a>> {
        match self.conn {
            Conn::Postgres(tx) => Some(tx),
        }
    }

    /// Runs one SQL statement without parameters; returns the rows it touched.
    pub async fn execute(&self, sql: &str) -> Result<u64, BoxError> {
        match self.conn {
            Conn::Postgres(tx) => Ok(tx.execute(sql, &[]).await?),
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
