//! Views and materialized views: a name for a SELECT.

use crate::ident::QualifiedName;

/// A view as the schema model keeps it: its name, its defining `SELECT`
/// as the author wrote it (the model rewrites it when a table or column
/// it reads is renamed, as PostgreSQL does), and whether it is
/// materialized.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ViewDef {
    /// The view's name; views share the relation namespace with tables and
    /// indexes of their schema.
    pub name: QualifiedName,
    /// The defining query: `SELECT …` (no trailing semicolon).
    pub sql: String,
    /// `CREATE MATERIALIZED VIEW` (PostgreSQL only): the rows are stored,
    /// and refreshed by `refresh_materialized_view`.
    pub materialized: bool,
}

impl ViewDef {
    /// A plain view `name` defined by `sql`.
    pub fn new(name: impl Into<QualifiedName>, sql: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            sql: sql.into(),
            materialized: false,
        }
    }

    /// The same view, materialized or not.
    pub fn materialized(mut self, materialized: bool) -> Self {
        self.materialized = materialized;
        self
    }
}

/// `CREATE [OR REPLACE] VIEW name AS sql`, or `CREATE MATERIALIZED VIEW
/// name AS sql [WITH NO DATA]`.
///
/// ```
/// use migrator_core::prelude::*;
/// use migrator_core::render::{Postgres, render_sql};
/// let mut op = Ops::new();
/// op.create_table("people", |t| {
///     t.column::<i64>("id").primary_key();
///     t.column::<String>("name");
/// });
/// op.create_view("names", "SELECT name FROM people").or_replace();
/// assert_eq!(render_sql(&Postgres, op.ops()).unwrap()[1],
///     "CREATE OR REPLACE VIEW \"names\" AS SELECT name FROM people");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateView {
    /// The view.
    pub view: ViewDef,
    /// `OR REPLACE` (plain views): an existing view of that name is
    /// replaced; PostgreSQL requires the new query to keep the old one's
    /// columns (names and types, in order) and lets it add columns at the end.
    pub or_replace: bool,
    /// `WITH NO DATA` (materialized views): created empty, unreadable until
    /// refreshed.
    pub with_no_data: bool,
}

impl CreateView {
    /// Creates `view` (neither `OR REPLACE` nor `WITH NO DATA`).
    pub fn new(view: ViewDef) -> Self {
        Self {
            view,
            or_replace: false,
            with_no_data: false,
        }
    }

    /// `OR REPLACE`: replaces the view of that name if there is one (a
    /// plain view only; PostgreSQL has no `CREATE OR REPLACE MATERIALIZED
    /// VIEW`).
    pub fn or_replace(&mut self) -> &mut Self {
        self.or_replace = true;
        self
    }

    /// `WITH NO DATA`: a materialized view created empty, to be filled by
    /// `refresh_materialized_view`.
    pub fn with_no_data(&mut self) -> &mut Self {
        self.with_no_data = true;
        self
    }
}

/// `DROP VIEW name` or `DROP MATERIALIZED VIEW name` (with the indexes of
/// a materialized view). Refused while another view reads it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DropView {
    /// The view.
    pub name: QualifiedName,
    /// Whether it names a materialized view (`drop_materialized_view`).
    pub materialized: bool,
}

impl DropView {
    /// Drops `name` (a materialized view when `materialized`).
    pub fn new(name: impl Into<QualifiedName>, materialized: bool) -> Self {
        Self {
            name: name.into(),
            materialized,
        }
    }
}

/// `ALTER [MATERIALIZED] VIEW name RENAME TO to`; the views that read it
/// are rewritten to read the new name, as PostgreSQL does.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RenameView {
    /// The view.
    pub name: QualifiedName,
    /// Its new name, in the same schema.
    pub to: String,
    /// Whether it names a materialized view.
    pub materialized: bool,
}

impl RenameView {
    /// Renames `name` to `to` (a materialized view when `materialized`).
    pub fn new(name: impl Into<QualifiedName>, to: impl Into<String>, materialized: bool) -> Self {
        Self {
            name: name.into(),
            to: to.into(),
            materialized,
        }
    }
}

/// `REFRESH MATERIALIZED VIEW [CONCURRENTLY] name`: the stored rows
/// computed again. The schema does not change; undoing it is nothing (the
/// rows before are not restored).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RefreshMaterializedView {
    /// The materialized view.
    pub name: QualifiedName,
    /// `CONCURRENTLY`: readers are not blocked (an `EXCLUSIVE` lock instead
    /// of `ACCESS EXCLUSIVE`); PostgreSQL requires a unique index on the
    /// view, without a predicate, and a view that holds data.
    pub concurrently: bool,
}

impl RefreshMaterializedView {
    /// `CONCURRENTLY`: readers go on reading the old rows meanwhile.
    pub fn concurrently(&mut self) -> &mut Self {
        self.concurrently = true;
        self
    }
}
