//! migrator: schema migrations for Rust applications on PostgreSQL and SQLite.
//!
//! Migrations are written with a typed op builder ([`ops::Ops`]); every call
//! records an [`ops::Op`]. The ops are data, and flow through one pipeline:
//!
//! ```text
//! Ops ──► Vec<Op> ──► schema::Schema::apply   (validate by replaying onto the model)
//!                 ├──► ops::invert_all        (derive the downgrade)
//!                 └──► render::Dialect        (SQL statements + locks, effects, tx-ability)
//! ```
//!
//! ```
//! use migrator_core::prelude::*;
//! use migrator_core::schema::Schema;
//!
//! let mut op = Ops::new();
//! op.create_enum("fee_status", ["pending", "paid"]);
//! op.create_table("fees", |t| {
//!     t.column::<i64>("id").identity().primary_key();
//!     t.column_as("amount", ColumnType::numeric(10, 2)).default("0.00");
//!     t.column_as("status", ColumnType::enumeration("fee_status")).default("pending");
//! });
//! let schema = Schema::replay(op.ops()).unwrap();
//! assert!(schema.table(&"fees".into()).is_some());
//! ```

#[cfg(all(feature = "cli", any(feature = "postgres", feature = "sqlite")))]
pub mod cli;
#[cfg(all(feature = "cli", not(any(feature = "postgres", feature = "sqlite"))))]
compile_error!(
    "migrator-core's `cli` feature needs a database backend: enable `postgres`, `sqlite` or both"
);
mod data_tx;
pub mod engine;
/// The revision graph and its planner (the `migrator-graph` crate, shared
/// with the macros).
pub use migrator_graph as graph;
pub mod ident;
pub mod lint;
pub mod models;
pub mod ops;
pub mod registry;
pub mod render;
// The runner needs a backend: the `postgres` or `sqlite` feature.
#[cfg(any(feature = "postgres", feature = "sqlite"))]
pub mod run;
pub mod schema;
pub mod types;

pub use migrator_macros::{DbEnum, Model, migration, migrations};

#[doc(hidden)]
pub use inventory;

/// The names a revision file needs, and nothing else: the macros, the op
/// builders and the types their arguments take. Rendering, the schema model
/// and the runner are in their modules ([`render`], [`schema`], [`run`]).
pub mod prelude {
    pub use crate::engine::Engine;
    pub use crate::ops::{
        BoxError, ColumnOptions, DataTx, ExcludeElement, IndexKey, IndexMethod, OpBuilder, Ops,
        RefAction, Reversible, SequenceBuilder, SequenceChange, SequenceOptions, TriggerEvent,
        TriggerTiming, Using, Value, Volatility,
    };
    pub use crate::types::{ColumnType, Identity, Literal};
    pub use crate::{DbEnum, Model, migration, migrations};
}
