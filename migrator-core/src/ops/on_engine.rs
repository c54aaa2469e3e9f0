//! Ops for one engine only: what a revision does on PostgreSQL and not on
//! SQLite (an extension, an operator-class index), or the other way round.
//!
//! A block is one op, [`OnEngine`], holding the ops it runs. The model
//! replays a block only for its engine ([`Schema::for_engine`]); the
//! runner, `--sql` and the dialects open it in place on its engine and
//! leave it out on the other; the checksum covers it whatever the engine,
//! so a revision has one checksum.
//!
//! ```
//! use migrator_core::prelude::*;
//! use migrator_core::ops::for_engine;
//!
//! let mut op = Ops::new();
//! op.create_table("docs", |t| {
//!     t.column::<i64>("id").primary_key();
//!     t.column::<String>("body");
//! });
//! op.on(Engine::Postgres, |op| {
//!     op.create_index("docs", ["body"]).using(IndexMethod::Hash);
//! });
//! assert_eq!(op.ops()[1].describe(), "on PostgreSQL: create_index ix_docs_body on docs");
//! assert_eq!(for_engine(op.ops(), Engine::Postgres).len(), 2);
//! assert_eq!(for_engine(op.ops(), Engine::Sqlite).len(), 1);
//! ```
//!
//! [`Schema::for_engine`]: crate::schema::Schema::for_engine

use super::Op;
use crate::engine::Engine;

/// Ops that run on one engine only.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OnEngine {
    /// The engine they run on.
    pub engine: Engine,
    /// The ops, in order.
    pub ops: Vec<Op>,
}

impl OnEngine {
    /// A block of `ops` for `engine`.
    pub fn new(engine: Engine, ops: Vec<Op>) -> Self {
        Self { engine, ops }
    }
}

/// `ops` as `engine` runs them: each block for `engine` opened in place
/// (blocks inside it too), each block for another engine left out.
pub fn for_engine(ops: &[Op], engine: Engine) -> Vec<Op> {
    let mut out = Vec::with_capacity(ops.len());
    push_for(&mut out, ops, engine);
    out
}

fn push_for(out: &mut Vec<Op>, ops: &[Op], engine: Engine) {
    for op in ops {
        match op {
            Op::OnEngine(block) if block.engine == engine => push_for(out, &block.ops, engine),
            Op::OnEngine(_) => {}
            other => out.push(other.clone()),
        }
    }
}
