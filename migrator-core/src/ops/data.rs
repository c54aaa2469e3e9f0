//! A data step in Rust: the step itself, as op data.

use std::fmt;
use std::sync::Arc;

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
