//! The builder of a revision whose downgrade is derived from its upgrade.

use std::sync::Arc;

use super::{DataFuture, DataStep, DataTx, Execute, OnEngine, Op, OpBuilder, Ops};

/// Records an upgrade that can be undone op by op, so its downgrade is
/// derived and never written. It has every [`OpBuilder`] op, raw SQL only with
/// its reverse and Rust data steps only with theirs, and no op that has no
/// inverse: `add_enum_value` does not exist here, so using it is a compile
/// error.
///
/// ```
/// use migrator_core::prelude::*;
/// use migrator_core::ops::invert_all;
/// use migrator_core::render::{Postgres, render_sql};
/// use migrator_core::schema::Schema;
///
/// let mut op = Reversible::new();
/// op.create_table("tags", |t| {
///     t.column::<i64>("id").identity().primary_key();
/// });
/// op.execute("INSERT INTO tags DEFAULT VALUES", "DELETE FROM tags");
/// let undo = invert_all(op.ops(), &Schema::new()).unwrap();
/// assert_eq!(render_sql(&Postgres, op.ops()).unwrap().len(), 2);
/// assert_eq!(undo.len(), 2);
/// ```
///
/// ```compile_fail
/// use migrator_core::prelude::*;
/// let mut op = Reversible::new();
/// op.add_enum_value("mood", "meh"); // no such method: it has no inverse
/// ```
///
/// ```compile_fail
/// use migrator_core::prelude::*;
/// let mut op = Reversible::new();
/// op.bulk_insert("plans", ["code"], [[Literal::from("solo")]]); // no inverse either
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reversible {
    ops: Ops,
}

impl OpBuilder for Reversible {
    fn recorder(&mut self) -> &mut Ops {
        &mut self.ops
    }
}

impl Reversible {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// The recorded operations, in order.
    pub fn ops(&self) -> &[Op] {
        self.ops.ops()
    }

    /// Takes the recorded operations.
    pub fn into_ops(self) -> Vec<Op> {
        self.ops.into_ops()
    }

    /// Raw SQL and the SQL that undoes it.
    pub fn execute(&mut self, sql: impl Into<String>, reverse: impl Into<String>) -> &mut Execute {
        self.ops.execute(sql).reverse(reverse)
    }

    /// The ops `define` records, run on `engine` only; undone on `engine`
    /// only, op by op, as the rest of the revision is.
    pub fn on(
        &mut self,
        engine: crate::engine::Engine,
        define: impl FnOnce(&mut Reversible),
    ) -> &mut OnEngine {
        let mut inner = Reversible::new();
        define(&mut inner);
        self.ops.record(OnEngine::new(engine, inner.into_ops()))
    }

    /// A Rust data step and the step that undoes it.
    pub fn data_step<F, G>(&mut self, name: impl Into<String>, up: F, down: G) -> &mut DataStep
    where
        F: for<'a> Fn(DataTx<'a>) -> DataFuture<'a> + Send + Sync + 'static,
        G: for<'a> Fn(DataTx<'a>) -> DataFuture<'a> + Send + Sync + 'static,
    {
        let step = self.ops.data_step(name, up);
        step.down = Some(Arc::new(down));
        step
    }
}
