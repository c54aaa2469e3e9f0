//! A data step in Rust: the step itself, as op data.

use std::fmt;
use std::sync::Arc;

#[cfg(any(feature = "postgres", feature = "sqlite"))]
pub use crate::data_tx::Batches;
pub use crate::data_tx::{BoxError, DataFn, DataFuture, DataTx, FromValue, Row, Value};

/// A named Rust data step and its optional reverse.
#[derive(Clone)]
#[non_exhaustive]
pub struct DataStep {
    /// What the step does, shown in logs, `--sql` output and errors.
    pub name: String,
    /// The forward step.
    pub up: DataFn,
    /// The step that undoes it, if any.
    pub down: Option<DataFn>,
    /// The SQL `--sql` prints in place of the step (it cannot run Rust),
    /// declared by its author; without it the offline script stops here.
    pub offline: Option<String>,
    /// The SQL `--sql` prints in place of its reverse.
    pub offline_reverse: Option<String>,
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

    /// Declares the fixed SQL the step runs, which `--sql` prints in its
    /// place: the author vouches that it does what the Rust code does.
    ///
    /// ```
    /// use migrator_core::prelude::*;
    /// let mut op = Ops::new();
    /// op.data_step("flag old fees", |tx| Box::pin(async move {
    ///     tx.execute_with("UPDATE fees SET late = $1 WHERE due < $2", &[Value::from(true), Value::from("2026-01-01")]).await?;
    ///     Ok(())
    /// }))
    /// .offline_sql("UPDATE fees SET late = true WHERE due < '2026-01-01'");
    /// ```
    pub fn offline_sql(&mut self, sql: impl Into<String>) -> &mut Self {
        self.offline = Some(sql.into());
        self
    }

    /// Declares the SQL `--sql` prints in place of the step's reverse.
    pub fn offline_reverse_sql(&mut self, sql: impl Into<String>) -> &mut Self {
        self.offline_reverse = Some(sql.into());
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
        self.name == other.name
            && Arc::ptr_eq(&self.up, &other.up)
            && same_down
            && self.offline == other.offline
            && self.offline_reverse == other.offline_reverse
    }
}
