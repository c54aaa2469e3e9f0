//! The schema model: tables, columns, constraints, indexes, enums, views and
//! schemas held in memory, built by replaying ops without a database.
//!
//! ```
//! use migrator_core::prelude::*;
//! use migrator_core::schema::Schema;
//!
//! let mut op = Ops::new();
//! op.create_table("users", |t| {
//!     t.column::<i64>("id").primary_key();
//! });
//! op.create_index("users", ["email"]);
//! let err = Schema::replay(op.ops()).unwrap_err();
//! assert_eq!(err.to_string(), "op #2 (create_index ix_users_email on users): table users has no column email");
//! ```

pub(crate) mod align;
mod apply;
mod diff;
mod error;
pub(crate) mod expr;
mod renames;
mod spelling;
pub(crate) mod views;

use std::collections::{BTreeMap, BTreeSet};

pub use diff::{DiffError, diff};
pub use error::{ReplayError, ValidationError};
pub use renames::{Rename, diff_renaming, guess_renames};
pub use spelling::normalize as normalize_sql;

use crate::ident::{DEFAULT_SCHEMA, QualifiedName};
use crate::ops::{Constraint, IndexDef, Op, TableDef};

/// A name with its schema filled in: `(schema, name)`.
pub(crate) type Key = (String, String);

/// The database schema as the model knows it.
///
/// A schema is engine-neutral ([`Schema::new`]: ops for one engine only are
/// left out of it) or the schema of one engine ([`Schema::for_engine`]:
/// that engine's blocks replayed, the others' left out). Two schemas are
/// equal when they hold the same objects, whichever engine they are for.
#[derive(Debug, Clone)]
pub struct Schema {
    /// The engine whose [`OnEngine`](crate::ops::OnEngine) blocks replay.
    engine: Option<crate::engine::Engine>,
    pub(crate) schemas: BTreeSet<String>,
    pub(crate) tables: BTreeMap<Key, TableDef>,
    pub(crate) indexes: BTreeMap<Key, IndexDef>,
    pub(crate) enums: BTreeMap<Key, Vec<String>>,
    /// PostgreSQL extensions, by name (stored without `IF NOT EXISTS`).
    pub(crate) extensions: BTreeMap<String, crate::ops::CreateExtension>,
    /// Functions, by name (one per name: overloads are not modelled).
    pub(crate) functions: BTreeMap<Key, crate::ops::FunctionDef>,
    /// Triggers, by their table and name.
    pub(crate) triggers: BTreeMap<(Key, String), crate::ops::TriggerDef>,
    /// Views and materialized views, by schema and name.
    pub(crate) views: BTreeMap<Key, crate::ops::ViewDef>,
    /// Sequences of their own (not a serial's or an identity's), canonical.
    pub(crate) sequences: BTreeMap<Key, crate::ops::CreateSequence>,
    /// The names of the indexes behind primary keys and unique constraints
    /// (they share the relation namespace), derived from `tables`: what
    /// each is, and the names each table holds.
    key_names: BTreeMap<Key, &'static str>,
    key_names_of: BTreeMap<Key, Vec<Key>>,
}

impl PartialEq for Schema {
    fn eq(&self, other: &Self) -> bool {
        // The key names are derived from the tables.
        self.schemas == other.schemas
            && self.tables == other.tables
            && self.indexes == other.indexes
            && self.enums == other.enums
            && self.extensions == other.extensions
            && self.functions == other.functions
            && self.triggers == other.triggers
            && self.views == other.views
            && self.sequences == other.sequences
    }
}

impl Default for Schema {
    fn default() -> Self {
        Self::new()
    }
}

impl Schema {
    /// An empty database: only the `public` schema.
    pub fn new() -> Self {
        Self {
            engine: None,
            schemas: BTreeSet::from([DEFAULT_SCHEMA.to_owned()]),
            tables: BTreeMap::new(),
            indexes: BTreeMap::new(),
            enums: BTreeMap::new(),
            extensions: BTreeMap::new(),
            functions: BTreeMap::new(),
            triggers: BTreeMap::new(),
            views: BTreeMap::new(),
            sequences: BTreeMap::new(),
            key_names: BTreeMap::new(),
            key_names_of: BTreeMap::new(),
        }
    }

    /// An empty database of `engine`: the ops for `engine` only replay
    /// onto it, those for other engines do not.
    ///
    /// ```
    /// use migrator_core::prelude::*;
    /// use migrator_core::schema::Schema;
    ///
    /// let mut op = Ops::new();
    /// op.on(Engine::Postgres, |op| {
    ///     op.create_schema("audit");
    /// });
    /// let mut pg = Schema::for_engine(Engine::Postgres);
    /// pg.apply_all(op.ops()).unwrap();
    /// assert!(pg.has_schema("audit"));
    /// assert!(!Schema::replay(op.ops()).unwrap().has_schema("audit"));
    /// ```
    pub fn for_engine(engine: crate::engine::Engine) -> Self {
        Self {
            engine: Some(engine),
            ..Self::new()
        }
    }

    /// The engine this schema is for; `None` when engine-neutral.
    pub fn engine(&self) -> Option<crate::engine::Engine> {
        self.engine
    }

    /// Makes this the schema of `engine` from now on.
    pub(crate) fn set_engine(&mut self, engine: crate::engine::Engine) {
        self.engine = Some(engine);
    }

    /// Replays `ops` onto an empty database (engine-neutral).
    pub fn replay(ops: &[Op]) -> Result<Schema, ReplayError> {
        let mut schema = Schema::new();
        schema.apply_all(ops)?;
        Ok(schema)
    }

    /// Applies `ops` in order; on error the schema is as after the last good op.
    pub fn apply_all(&mut self, ops: &[Op]) -> Result<(), ReplayError> {
        for (index, op) in ops.iter().enumerate() {
            self.apply(op).map_err(|source| ReplayError {
                index,
                op: op.describe(),
                source,
            })?;
        }
        Ok(())
    }

    /// The schemas (namespaces), `public` included while it exists.
    pub fn schemas(&self) -> impl Iterator<Item = &str> {
        self.schemas.iter().map(String::as_str)
    }

    /// Whether the schema (namespace) `name` exists.
    pub fn has_schema(&self, name: &str) -> bool {
        self.schemas.contains(name)
    }

    /// Every table, by schema and name.
    pub fn tables(&self) -> impl Iterator<Item = &TableDef> {
        self.tables.values()
    }

    /// The table `name`.
    pub fn table(&self, name: &QualifiedName) -> Option<&TableDef> {
        self.tables.get(&name.key())
    }

    /// Every index created with `create_index`, by schema and name.
    pub fn indexes(&self) -> impl Iterator<Item = &IndexDef> {
        self.indexes.values()
    }

    /// The index `name` (qualified by its table's schema).
    pub fn index(&self, name: &QualifiedName) -> Option<&IndexDef> {
        self.indexes.get(&name.key())
    }

    /// The indexes of `table`.
    pub fn indexes_of<'a>(
        &'a self,
        table: &'a QualifiedName,
    ) -> impl Iterator<Item = &'a IndexDef> {
        let key = table.key();
        self.indexes.values().filter(move |i| i.table.key() == key)
    }

    /// Every extension created with `create_extension`, by name.
    pub fn extensions(&self) -> impl Iterator<Item = &crate::ops::CreateExtension> {
        self.extensions.values()
    }

    /// The extension `name`, if it is installed.
    pub fn extension(&self, name: &str) -> Option<&crate::ops::CreateExtension> {
        self.extensions.get(name)
    }

    /// Every function created with `create_function`, by schema and name.
    pub fn functions(&self) -> impl Iterator<Item = &crate::ops::FunctionDef> {
        self.functions.values()
    }

    /// The function `name`.
    pub fn function(&self, name: &QualifiedName) -> Option<&crate::ops::FunctionDef> {
        self.functions.get(&name.key())
    }

    /// Every trigger, by table and name.
    pub fn triggers(&self) -> impl Iterator<Item = &crate::ops::TriggerDef> {
        self.triggers.values()
    }

    /// The triggers of `table`, by name.
    pub fn triggers_of<'a>(
        &'a self,
        table: &'a QualifiedName,
    ) -> impl Iterator<Item = &'a crate::ops::TriggerDef> {
        let key = table.key();
        self.triggers
            .iter()
            .filter(move |((t, _), _)| *t == key)
            .map(|(_, trigger)| trigger)
    }

    /// The trigger `name` on `table`.
    pub fn trigger(&self, table: &QualifiedName, name: &str) -> Option<&crate::ops::TriggerDef> {
        self.triggers.get(&(table.key(), name.to_owned()))
    }

    /// Every view and materialized view, by schema and name.
    pub fn views(&self) -> impl Iterator<Item = &crate::ops::ViewDef> {
        self.views.values()
    }

    /// The view (or materialized view) `name`.
    pub fn view(&self, name: &QualifiedName) -> Option<&crate::ops::ViewDef> {
        self.views.get(&name.key())
    }

    /// The views that read the relation `name` (a table or a view), by
    /// name.
    pub(crate) fn views_reading(&self, name: &QualifiedName) -> Vec<&crate::ops::ViewDef> {
        let key = name.key();
        self.views
            .values()
            .filter(|v| views::reads(&v.sql, self).relations.contains(&key))
            .collect()
    }

    /// The views that read `name`, and those that read them, and so on, in
    /// an order they can be created in (`name` itself left out).
    pub(crate) fn views_reading_all(&self, name: &QualifiedName) -> Vec<&crate::ops::ViewDef> {
        let mut found: BTreeSet<Key> = BTreeSet::new();
        let mut todo = vec![name.clone()];
        while let Some(next) = todo.pop() {
            for view in self.views_reading(&next) {
                let key = view.name.key();
                if key != name.key() && found.insert(key) {
                    todo.push(view.name.clone());
                }
            }
        }
        self.views_in_order()
            .into_iter()
            .filter(|v| found.contains(&v.name.key()))
            .collect()
    }

    /// The views in an order they can be created in: each after the views
    /// it reads.
    pub(crate) fn views_in_order(&self) -> Vec<&crate::ops::ViewDef> {
        let mut out: Vec<&crate::ops::ViewDef> = Vec::new();
        let mut left: Vec<&crate::ops::ViewDef> = self.views.values().collect();
        while !left.is_empty() {
            let before = left.len();
            left.retain(|v| {
                let reads = views::reads(&v.sql, self).relations;
                let ready = reads.iter().all(|r| {
                    *r == v.name.key()
                        || !self.views.contains_key(r)
                        || out.iter().any(|o| o.name.key() == *r)
                });
                if ready {
                    out.push(v);
                }
                !ready
            });
            if left.len() == before {
                // A cycle the model never lets happen: keep name order.
                out.append(&mut left);
            }
        }
        out
    }

    /// Every sequence created with `create_sequence`, by schema and name.
    pub fn sequences(&self) -> impl Iterator<Item = &crate::ops::CreateSequence> {
        self.sequences.values()
    }

    /// The sequence `name`.
    pub fn sequence(&self, name: &QualifiedName) -> Option<&crate::ops::CreateSequence> {
        self.sequences.get(&name.key())
    }

    /// Every enum with its values in order.
    pub fn enums(&self) -> impl Iterator<Item = (QualifiedName, &[String])> {
        self.enums
            .iter()
            .map(|((s, n), v)| (QualifiedName::from_key(s, n), v.as_slice()))
    }

    /// The values of enum `name`, in order.
    pub fn enum_values(&self, name: &QualifiedName) -> Option<&[String]> {
        self.enums.get(&name.key()).map(Vec::as_slice)
    }

    /// The same schema with each table's columns and constraints sorted by
    /// name. Column order cannot be restored in PostgreSQL once a column is
    /// dropped and re-added at the end, so comparisons of schemas reached by
    /// different paths use this form.
    pub fn normalized(&self) -> Schema {
        let mut schema = self.clone();
        for table in schema.tables.values_mut() {
            table.columns.sort_by(|a, b| a.name.cmp(&b.name));
            table.constraints.sort_by(|a, b| a.name().cmp(b.name()));
        }
        schema
    }

    /// The foreign keys of other tables (and of `table` itself) that reference `table`.
    pub(crate) fn references_to<'a>(
        &'a self,
        table: &'a QualifiedName,
    ) -> impl Iterator<Item = (&'a TableDef, &'a crate::ops::ForeignKey)> {
        let key = table.key();
        self.tables.values().flat_map(move |t| {
            let key = key.clone();
            t.constraints.iter().filter_map(move |c| match c {
                Constraint::ForeignKey(fk) if fk.ref_table.key() == key => Some((t, fk)),
                _ => None,
            })
        })
    }
}
