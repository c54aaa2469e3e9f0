//! Operations: what a migration does, recorded as data.
//!
//! The [`Ops`] builder (and [`Reversible`], for upgrades whose downgrade is
//! derived) records [`Op`] values; nothing here talks to a
//! database. The schema model replays them, [`invert_all`] undoes them, and a
//! dialect renders them to SQL.

mod builder;
mod column;
mod constraint;
mod data;
mod exclusion;
mod function;
mod index;
mod inverse;
mod key_using_index;
pub mod naming;
mod on_engine;
mod reversible;
mod sequence;
pub(crate) mod source;
mod table;
mod trigger;
mod view;

pub use builder::{OpBuilder, Ops};
pub use column::{ColumnDef, ColumnOptions, IdentityChange};
pub use constraint::{Check, Constraint, Deferral, ForeignKey, PrimaryKey, RefAction, Unique};
#[cfg(any(feature = "postgres", feature = "sqlite"))]
pub use data::Batches;
pub use data::{BoxError, DataFn, DataFuture, DataStep, DataTx, FromValue, Row, Value};
pub use exclusion::{ExcludeElement, Exclusion};
pub use function::{CreateFunction, DropFunction, FunctionArg, FunctionDef, Volatility};
pub use index::{IndexDef, IndexKey, IndexMethod, KeyExpr, Nulls};
pub use inverse::{InvertError, Irreversible, invert, invert_all};
pub use key_using_index::{AddKeyUsingIndex, KeyKind};
pub use naming::NamingConvention;
pub use on_engine::{OnEngine, for_engine};
pub use reversible::Reversible;
pub use sequence::{
    AlterSequence, CreateSequence, DropSequence, RenameSequence, SequenceBuilder, SequenceChange,
    SequenceOptions, SequenceOwner,
};
pub use source::{NoSource, rust_source};
pub use table::{ColumnBuilder, TableDef};
pub use trigger::{
    CreateTrigger, DropTrigger, TriggerAction, TriggerDef, TriggerEvent, TriggerTiming,
};
pub use view::{CreateView, DropView, RefreshMaterializedView, RenameView, ViewDef};

use crate::ident::QualifiedName;
use crate::types::{ColumnType, DefaultValue};

/// One schema or data operation.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Op {
    /// `CREATE SCHEMA`.
    CreateSchema(CreateSchema),
    /// `DROP SCHEMA` (an empty schema).
    DropSchema(DropSchema),
    /// `CREATE TABLE`.
    CreateTable(CreateTable),
    /// `DROP TABLE`.
    DropTable(DropTable),
    /// `ALTER TABLE … RENAME TO`.
    RenameTable(RenameTable),
    /// `COMMENT ON TABLE`.
    SetTableComment(SetTableComment),
    /// `ALTER TABLE … ADD COLUMN`.
    AddColumn(AddColumn),
    /// `ALTER TABLE … DROP COLUMN`.
    DropColumn(DropColumn),
    /// `ALTER TABLE … RENAME COLUMN`.
    RenameColumn(RenameColumn),
    /// `ALTER TABLE … ALTER COLUMN` (type, nullability, default) and its comment.
    AlterColumn(AlterColumn),
    /// `CREATE INDEX`.
    CreateIndex(CreateIndex),
    /// `DROP INDEX`.
    DropIndex(DropIndex),
    /// `ALTER TABLE … ADD CONSTRAINT`.
    AddConstraint(AddConstraint),
    /// `ALTER TABLE … DROP CONSTRAINT`.
    DropConstraint(DropConstraint),
    /// `ALTER TABLE … ADD CONSTRAINT … {PRIMARY KEY | UNIQUE} USING INDEX`.
    AddKeyUsingIndex(AddKeyUsingIndex),
    /// `ALTER TABLE … VALIDATE CONSTRAINT`.
    ValidateConstraint(ValidateConstraint),
    /// `CREATE TYPE … AS ENUM`.
    CreateEnum(CreateEnum),
    /// `ALTER TYPE … ADD VALUE`.
    AddEnumValue(AddEnumValue),
    /// `ALTER TYPE … RENAME VALUE`.
    RenameEnumValue(RenameEnumValue),
    /// `DROP TYPE` (an enum).
    DropEnum(DropEnum),
    /// Raw SQL, with an optional reverse.
    Execute(Execute),
    /// A data step written in Rust.
    DataStep(DataStep),
    /// Ops that run on one engine only.
    OnEngine(OnEngine),
    /// `CREATE EXTENSION` (PostgreSQL; nothing to do on SQLite).
    CreateExtension(CreateExtension),
    /// `DROP EXTENSION` (PostgreSQL; nothing to do on SQLite).
    DropExtension(DropExtension),
    /// `INSERT INTO … VALUES …`: rows of typed values.
    BulkInsert(BulkInsert),
    /// `CREATE [OR REPLACE] FUNCTION` (PostgreSQL).
    CreateFunction(CreateFunction),
    /// `DROP FUNCTION` (PostgreSQL).
    DropFunction(DropFunction),
    /// `CREATE TRIGGER`.
    CreateTrigger(CreateTrigger),
    /// `DROP TRIGGER`.
    DropTrigger(DropTrigger),
    /// `CREATE [OR REPLACE] VIEW`, `CREATE MATERIALIZED VIEW`.
    CreateView(CreateView),
    /// `DROP VIEW`, `DROP MATERIALIZED VIEW`.
    DropView(DropView),
    /// `ALTER [MATERIALIZED] VIEW … RENAME TO`.
    RenameView(RenameView),
    /// `REFRESH MATERIALIZED VIEW`.
    RefreshMaterializedView(RefreshMaterializedView),
    /// `CREATE SEQUENCE` (PostgreSQL).
    CreateSequence(CreateSequence),
    /// `ALTER SEQUENCE` (PostgreSQL).
    AlterSequence(AlterSequence),
    /// `DROP SEQUENCE` (PostgreSQL).
    DropSequence(DropSequence),
    /// `ALTER SEQUENCE … RENAME TO` (PostgreSQL).
    RenameSequence(RenameSequence),
}

impl Op {
    /// A short description for messages: `create_index ix_users_email on users`.
    pub fn describe(&self) -> String {
        match self {
            Op::CreateSchema(o) => format!("create_schema {}", o.name),
            Op::DropSchema(o) => format!("drop_schema {}", o.name),
            Op::CreateTable(o) => format!("create_table {}", o.table.name),
            Op::DropTable(o) => format!("drop_table {}", o.name),
            Op::RenameTable(o) => format!("rename_table {} to {}", o.name, o.to),
            Op::SetTableComment(o) => format!("set_table_comment {}", o.table),
            Op::AddColumn(o) => format!("add_column {}.{}", o.table, o.column.name),
            Op::DropColumn(o) => format!("drop_column {}.{}", o.table, o.column),
            Op::RenameColumn(o) => {
                format!("rename_column {}.{} to {}", o.table, o.from, o.to)
            }
            Op::AlterColumn(o) => format!("alter_column {}.{}", o.table, o.column),
            Op::CreateIndex(o) => {
                format!("create_index {} on {}", o.index.name, o.index.table)
            }
            Op::DropIndex(o) => format!("drop_index {}", o.name),
            Op::AddConstraint(o) => format!(
                "add {} {} on {}",
                o.constraint.kind(),
                o.constraint.name(),
                o.table
            ),
            Op::DropConstraint(o) => format!("drop_constraint {} on {}", o.name, o.table),
            Op::AddKeyUsingIndex(o) => format!(
                "add {} {} on {} using index {}",
                match o.kind {
                    KeyKind::PrimaryKey => "primary key",
                    KeyKind::Unique => "unique constraint",
                },
                o.constraint_name(),
                o.table,
                o.index
            ),
            Op::ValidateConstraint(o) => {
                format!("validate_constraint {} on {}", o.name, o.table)
            }
            Op::CreateEnum(o) => format!("create_enum {}", o.name),
            Op::AddEnumValue(o) => format!("add_enum_value {} {:?}", o.name, o.value),
            Op::RenameEnumValue(o) => {
                format!("rename_enum_value {} {:?} to {:?}", o.name, o.from, o.to)
            }
            Op::DropEnum(o) => format!("drop_enum {}", o.name),
            Op::Execute(o) => {
                let first = o.sql.lines().next().unwrap_or("");
                let short: String = first.chars().take(60).collect();
                format!("execute {short:?}")
            }
            Op::DataStep(o) => format!("data step {:?}", o.name),
            Op::CreateExtension(o) => format!("create_extension {}", o.name),
            Op::BulkInsert(o) => format!("bulk_insert {} ({} row(s))", o.table, o.rows.len()),
            Op::DropExtension(o) => format!("drop_extension {}", o.name),
            Op::CreateFunction(o) => format!("create_function {}", o.function.name),
            Op::DropFunction(o) => format!("drop_function {}", o.name),
            Op::CreateTrigger(o) => {
                format!("create_trigger {} on {}", o.trigger.name, o.trigger.table)
            }
            Op::DropTrigger(o) => format!("drop_trigger {} on {}", o.name, o.table),
            Op::CreateView(o) if o.view.materialized => {
                format!("create_materialized_view {}", o.view.name)
            }
            Op::CreateView(o) => format!("create_view {}", o.view.name),
            Op::DropView(o) if o.materialized => format!("drop_materialized_view {}", o.name),
            Op::DropView(o) => format!("drop_view {}", o.name),
            Op::RenameView(o) => format!("rename_view {} to {}", o.name, o.to),
            Op::RefreshMaterializedView(o) => format!("refresh_materialized_view {}", o.name),
            Op::CreateSequence(o) => format!("create_sequence {}", o.name),
            Op::AlterSequence(o) => format!("alter_sequence {}", o.name),
            Op::DropSequence(o) => format!("drop_sequence {}", o.name),
            Op::RenameSequence(o) => format!("rename_sequence {} to {}", o.name, o.to),
            Op::OnEngine(o) => format!(
                "on {}: {}",
                o.engine.name(),
                o.ops
                    .iter()
                    .map(Op::describe)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// `INSERT INTO table (columns) VALUES (…), …`: rows of typed values, each
/// rendered as a literal of the engine's SQL (Alembic's `op.bulk_insert`).
/// The model checks the table, the columns and that no row leaves a NOT
/// NULL column without a value; the rows themselves are data, which the
/// model does not hold. It has no inverse: which rows to delete again is
/// the author's to say (raw SQL with its reverse, for one).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BulkInsert {
    /// The table.
    pub table: QualifiedName,
    /// The columns each row gives, in order.
    pub columns: Vec<String>,
    /// The rows: one value per column ([`Literal::Null`](crate::types::Literal::Null) for none).
    pub rows: Vec<Vec<crate::types::Literal>>,
}

/// `CREATE EXTENSION name`: a PostgreSQL extension (`pg_trgm`,
/// `citext`, …) installed in the database. SQLite has none: there it is
/// nothing to do, not an error.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateExtension {
    /// The extension's name.
    pub name: String,
    /// `SCHEMA s`: where its objects go (default: the first schema of
    /// `search_path`).
    pub schema: Option<String>,
    /// `VERSION 'v'` (default: the extension's default version).
    pub version: Option<String>,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
}

impl CreateExtension {
    /// Adds `IF NOT EXISTS`: an installed extension is left as it is.
    pub fn if_not_exists(&mut self) -> &mut Self {
        self.if_not_exists = true;
        self
    }

    /// `SCHEMA name`: the schema its objects are created in.
    pub fn schema(&mut self, name: impl Into<String>) -> &mut Self {
        self.schema = Some(name.into());
        self
    }

    /// `VERSION 'version'`.
    pub fn version(&mut self, version: impl Into<String>) -> &mut Self {
        self.version = Some(version.into());
        self
    }
}

/// `DROP EXTENSION name`: refused by PostgreSQL while objects outside it
/// depend on it (an index using its operator class, say).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DropExtension {
    /// The extension's name.
    pub name: String,
}

/// `CREATE SCHEMA name`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateSchema {
    /// The schema's name.
    pub name: String,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
}

impl CreateSchema {
    /// Adds `IF NOT EXISTS`: an existing schema is left as it is.
    pub fn if_not_exists(&mut self) -> &mut Self {
        self.if_not_exists = true;
        self
    }
}

/// `DROP SCHEMA name` (it must be empty).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DropSchema {
    /// The schema's name.
    pub name: String,
}

/// `CREATE TABLE`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateTable {
    /// The table to create.
    pub table: TableDef,
    /// `IF NOT EXISTS`: an existing table is left as it is.
    pub if_not_exists: bool,
}

impl CreateTable {
    /// Adds `IF NOT EXISTS`: an existing table of that name is left as it is.
    pub fn if_not_exists(&mut self) -> &mut Self {
        self.if_not_exists = true;
        self
    }
}

/// `DROP TABLE name`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DropTable {
    /// The table to drop.
    pub name: QualifiedName,
}

/// `ALTER TABLE name RENAME TO to` (same schema).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RenameTable {
    /// The table's current name.
    pub name: QualifiedName,
    /// Its new name, in the same schema.
    pub to: String,
}

/// `COMMENT ON TABLE`; `None` removes the comment.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SetTableComment {
    /// The table.
    pub table: QualifiedName,
    /// The new comment.
    pub comment: Option<String>,
}

/// `ALTER TABLE … ADD COLUMN`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AddColumn {
    /// The table.
    pub table: QualifiedName,
    /// The column to add.
    pub column: ColumnDef,
}

/// `ALTER TABLE … DROP COLUMN`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DropColumn {
    /// The table.
    pub table: QualifiedName,
    /// The column to drop.
    pub column: String,
}

/// `ALTER TABLE … RENAME COLUMN from TO to`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RenameColumn {
    /// The table.
    pub table: QualifiedName,
    /// The column's current name.
    pub from: String,
    /// Its new name.
    pub to: String,
}

/// A change of column type, with an optional `USING` conversion.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TypeChange {
    /// The new type.
    pub ty: ColumnType,
    /// How to convert existing values; `None`: the engine's implicit
    /// (assignment) conversion.
    pub using: Option<Using>,
}

/// How a type change converts the values a column holds: what the author
/// meant, which each dialect renders in its own SQL.
///
/// ```
/// use migrator_core::ops::Using;
/// assert_eq!(Using::from("amount * 100"), Using::Sql("amount * 100".into()));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Using {
    /// An explicit cast of the column itself to the new type: `USING
    /// "col"::type` on PostgreSQL, the value copied as it is on SQLite
    /// (where the new column's affinity converts it). Derived downgrades
    /// of type changes use it.
    CastColumn,
    /// `USING expr`: SQL written by the author, run as written.
    Sql(String),
}

impl From<&str> for Using {
    fn from(sql: &str) -> Self {
        Using::Sql(sql.to_owned())
    }
}

impl From<String> for Using {
    fn from(sql: String) -> Self {
        Using::Sql(sql)
    }
}

/// `ALTER TABLE … ALTER COLUMN`: any of type, nullability, default and comment.
/// Fields left `None` are unchanged.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AlterColumn {
    /// The table.
    pub table: QualifiedName,
    /// The column.
    pub column: String,
    /// A new type.
    pub ty: Option<TypeChange>,
    /// `Some(true)`: `DROP NOT NULL`; `Some(false)`: `SET NOT NULL`.
    pub nullable: Option<bool>,
    /// `Some(Some(d))`: `SET DEFAULT d`; `Some(None)`: `DROP DEFAULT`.
    pub default: Option<Option<DefaultValue>>,
    /// `Some(Some(c))`: set the comment; `Some(None)`: remove it.
    pub comment: Option<Option<String>>,
    /// Adds, changes the kind of, or drops the column's identity.
    pub identity: Option<IdentityChange>,
    /// Options of the identity's sequence set in place (`SET INCREMENT BY
    /// n`, …, `RESTART`): the column stays an identity and keeps its values.
    pub identity_options: Option<SequenceChange>,
    /// `Some(Some(c))`: `COLLATE c`; `Some(None)`: back to the default
    /// collation. A type change alone keeps the column's collation.
    pub collation: Option<Option<String>>,
    /// `DROP EXPRESSION`: a stored generated column becomes a plain one,
    /// keeping its values.
    pub drop_expression: bool,
}

impl AlterColumn {
    /// An alter of `column` of `table` that changes nothing yet.
    pub(crate) fn new(table: QualifiedName, column: String) -> Self {
        AlterColumn {
            table,
            column,
            ty: None,
            nullable: None,
            default: None,
            comment: None,
            identity: None,
            identity_options: None,
            collation: None,
            drop_expression: false,
        }
    }

    /// Changes the type; PostgreSQL converts values with an assignment cast.
    pub fn set_type(&mut self, ty: ColumnType) -> &mut Self {
        self.ty = Some(TypeChange { ty, using: None });
        self
    }

    /// Changes the type, converting values with `USING expr` (for example
    /// `"status::fee_status"`), or with [`Using::CastColumn`].
    pub fn set_type_using(&mut self, ty: ColumnType, using: impl Into<Using>) -> &mut Self {
        self.ty = Some(TypeChange {
            ty,
            using: Some(using.into()),
        });
        self
    }

    /// `SET NOT NULL` (`false`) or `DROP NOT NULL` (`true`).
    pub fn set_nullable(&mut self, nullable: bool) -> &mut Self {
        self.nullable = Some(nullable);
        self
    }

    /// `SET DEFAULT` a literal, escaped.
    pub fn set_default(&mut self, value: impl Into<crate::types::Literal>) -> &mut Self {
        self.default = Some(Some(DefaultValue::Literal(value.into())));
        self
    }

    /// `SET DEFAULT` an SQL expression, as written.
    pub fn set_default_sql(&mut self, expr: impl Into<String>) -> &mut Self {
        self.default = Some(Some(DefaultValue::Expr(expr.into())));
        self
    }

    /// `DROP DEFAULT`.
    pub fn drop_default(&mut self) -> &mut Self {
        self.default = Some(None);
        self
    }

    /// Sets the column's comment.
    pub fn set_comment(&mut self, text: impl Into<String>) -> &mut Self {
        self.comment = Some(Some(text.into()));
        self
    }

    /// Removes the column's comment.
    pub fn drop_comment(&mut self) -> &mut Self {
        self.comment = Some(None);
        self
    }

    /// `ADD GENERATED … AS IDENTITY`: the column (an integer, `NOT NULL`,
    /// without a default) becomes an identity column. On PostgreSQL its new
    /// sequence then moves past the values the column already holds.
    pub fn add_identity(&mut self, kind: crate::types::Identity) -> &mut Self {
        self.identity = Some(IdentityChange::Add(kind, SequenceOptions::default()));
        self
    }

    /// `ADD GENERATED … AS IDENTITY (options)`: as [`add_identity`](Self::add_identity),
    /// with the sequence's options.
    pub fn add_identity_with(
        &mut self,
        kind: crate::types::Identity,
        options: SequenceOptions,
    ) -> &mut Self {
        self.identity = Some(IdentityChange::Add(kind, options));
        self
    }

    /// `DROP IDENTITY`: the column keeps its values and loses its sequence
    /// (undone by adding the identity the model knows back).
    pub fn drop_identity(&mut self) -> &mut Self {
        self.identity = Some(IdentityChange::Drop);
        self
    }

    /// `COLLATE name` (PostgreSQL: `ALTER COLUMN … TYPE t COLLATE name`,
    /// `t` the new type or the current one).
    pub fn set_collation(&mut self, name: impl Into<String>) -> &mut Self {
        self.collation = Some(Some(name.into()));
        self
    }

    /// `DROP EXPRESSION`: a stored generated column becomes a plain one
    /// that keeps its values (SQLite rebuilds the table). Undone by dropping
    /// the column and adding it generated again (at the end of the table;
    /// its values computed again), which the model refuses while an index
    /// or constraint uses the column.
    pub fn drop_expression(&mut self) -> &mut Self {
        self.drop_expression = true;
        self
    }

    /// Back to the database's default collation.
    pub fn reset_collation(&mut self) -> &mut Self {
        self.collation = Some(None);
        self
    }

    /// `SET INCREMENT BY n`, `SET START WITH n`, … `RESTART [WITH n]`: an
    /// identity column's sequence changes its options in place (it may
    /// change kind with [`set_generated`](Self::set_generated) in the same
    /// op). Undone by setting back the options the model knew; a restart is
    /// the sequence's state and is not undone. SQLite's rowid has no
    /// options: refused there by name unless they end at their defaults.
    ///
    /// ```
    /// use migrator_core::prelude::*;
    /// use migrator_core::render::{Postgres, render_sql};
    /// let mut op = Ops::new();
    /// op.create_table("orders", |t| {
    ///     t.column::<i64>("id").identity().primary_key();
    /// });
    /// op.alter_column("orders", "id")
    ///     .set_identity_options(SequenceChange::new().start(100).cache(20).restart());
    /// assert_eq!(
    ///     render_sql(&Postgres, op.ops()).unwrap()[1],
    ///     "ALTER TABLE \"orders\" ALTER COLUMN \"id\" SET START WITH 100 SET CACHE 20 RESTART"
    /// );
    /// ```
    pub fn set_identity_options(&mut self, change: SequenceChange) -> &mut Self {
        self.identity_options = Some(change);
        self
    }

    /// `SET GENERATED ALWAYS | BY DEFAULT`: an identity column changes kind.
    pub fn set_generated(&mut self, kind: crate::types::Identity) -> &mut Self {
        self.identity = Some(IdentityChange::SetGenerated(kind));
        self
    }
}

/// `CREATE INDEX`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateIndex {
    /// The index to create.
    pub index: IndexDef,
    /// `CONCURRENTLY`: build without blocking writes (outside a transaction).
    pub concurrently: bool,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
}

impl CreateIndex {
    /// Replaces the default name `ix_<table>_<columns>`.
    pub fn named(&mut self, name: impl Into<String>) -> &mut Self {
        self.index.name = name.into();
        self
    }

    /// `UNIQUE`.
    pub fn unique(&mut self) -> &mut Self {
        self.index.unique = true;
        self
    }

    /// `USING method`.
    pub fn using(&mut self, method: IndexMethod) -> &mut Self {
        self.index.method = method;
        self
    }

    /// `WHERE predicate`: a partial index (the predicate is SQL).
    pub fn where_sql(&mut self, predicate: impl Into<String>) -> &mut Self {
        self.index.predicate = Some(predicate.into());
        self
    }

    /// `INCLUDE (columns)`.
    pub fn include<I, S>(&mut self, columns: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.index.include = constraint::names(columns);
        self
    }

    /// `CONCURRENTLY`: the revision then runs outside a transaction.
    pub fn concurrently(&mut self) -> &mut Self {
        self.concurrently = true;
        self
    }

    /// `IF NOT EXISTS`.
    pub fn if_not_exists(&mut self) -> &mut Self {
        self.if_not_exists = true;
        self
    }

    /// `NULLS NOT DISTINCT` (PostgreSQL 15): a unique index in which two
    /// NULLs count as equal.
    pub fn nulls_not_distinct(&mut self) -> &mut Self {
        self.index.nulls_not_distinct = true;
        self
    }

    /// `WITH (name = value)`: a storage parameter (`fillfactor`,
    /// `fastupdate`, `pages_per_range`, …); called again, it adds another.
    pub fn with(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.index.with.push((name.into(), value.into()));
        self
    }
}

/// `DROP INDEX`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DropIndex {
    /// The index (in its table's schema).
    pub name: QualifiedName,
    /// `CONCURRENTLY`: drop without blocking (outside a transaction).
    pub concurrently: bool,
}

impl DropIndex {
    /// `CONCURRENTLY`: the revision then runs outside a transaction.
    pub fn concurrently(&mut self) -> &mut Self {
        self.concurrently = true;
        self
    }
}

/// `ALTER TABLE … ADD CONSTRAINT`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AddConstraint {
    /// The table.
    pub table: QualifiedName,
    /// The constraint (its `not_valid` flag says whether to add it `NOT VALID`).
    pub constraint: Constraint,
}

/// `ALTER TABLE … DROP CONSTRAINT`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DropConstraint {
    /// The table.
    pub table: QualifiedName,
    /// The constraint's name.
    pub name: String,
}

/// `ALTER TABLE … VALIDATE CONSTRAINT`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ValidateConstraint {
    /// The table.
    pub table: QualifiedName,
    /// The constraint's name.
    pub name: String,
}

/// `CREATE TYPE name AS ENUM (values)`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateEnum {
    /// The type's name.
    pub name: QualifiedName,
    /// Its values, in order.
    pub values: Vec<String>,
}

/// Where `add_enum_value` puts the new value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnumPosition {
    /// `BEFORE existing`.
    Before(String),
    /// `AFTER existing`.
    After(String),
}

/// `ALTER TYPE name ADD VALUE`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AddEnumValue {
    /// The enum.
    pub name: QualifiedName,
    /// The new value.
    pub value: String,
    /// Where it goes; last when `None`.
    pub position: Option<EnumPosition>,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
}

impl AddEnumValue {
    /// `BEFORE existing`.
    pub fn before(&mut self, existing: impl Into<String>) -> &mut Self {
        self.position = Some(EnumPosition::Before(existing.into()));
        self
    }

    /// `AFTER existing`.
    pub fn after(&mut self, existing: impl Into<String>) -> &mut Self {
        self.position = Some(EnumPosition::After(existing.into()));
        self
    }

    /// `IF NOT EXISTS`.
    pub fn if_not_exists(&mut self) -> &mut Self {
        self.if_not_exists = true;
        self
    }
}

/// `ALTER TYPE name RENAME VALUE from TO to`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RenameEnumValue {
    /// The enum.
    pub name: QualifiedName,
    /// The current value.
    pub from: String,
    /// Its new spelling.
    pub to: String,
}

/// `DROP TYPE name` (an enum no column uses).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DropEnum {
    /// The enum.
    pub name: QualifiedName,
}

/// Raw SQL: for data migrations and what the builder does not cover.
/// Opaque to the schema model unless it declares what it makes
/// ([`declares`](Execute::declares)).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Execute {
    /// The SQL to run.
    pub sql: String,
    /// The SQL that undoes it, if any.
    pub reverse: Option<String>,
    /// Whether it may run inside a transaction (false for `VACUUM`, …).
    pub transactional: bool,
    /// What the SQL does to the schema, as the ops that would do the same:
    /// replayed by the model (never rendered: the SQL runs instead), so
    /// later ops, `drop_*` and SQLite's rebuilds know the objects it makes.
    pub declares: Vec<Op>,
}

impl Execute {
    /// The SQL that undoes this one, which makes it invertible.
    pub fn reverse(&mut self, sql: impl Into<String>) -> &mut Self {
        self.reverse = Some(sql.into());
        self
    }

    /// Marks the SQL as unable to run in a transaction (`VACUUM`, …).
    pub fn no_transaction(&mut self) -> &mut Self {
        self.transactional = false;
        self
    }

    /// Says what the SQL makes (or drops, or changes) with the ops that
    /// would do the same: the model replays them in the SQL's place, so the
    /// objects are known to what follows, and the derived inverse undoes
    /// them with the reverse SQL. Only schema ops: no raw SQL, data step or
    /// rows inside.
    ///
    /// ```
    /// use migrator_core::prelude::*;
    /// use migrator_core::render::{Postgres, render_sql};
    /// use migrator_core::schema::Schema;
    /// let mut op = Ops::new();
    /// op.create_table("fees", |t| { t.column::<i64>("id").primary_key(); });
    /// op.execute("CREATE TABLE fees_2020 AS SELECT * FROM fees")
    ///     .declares(|op| {
    ///         op.create_table("fees_2020", |t| { t.column::<Option<i64>>("id"); });
    ///     });
    /// op.drop_table("fees_2020"); // the model knows the table: reversible
    /// let schema = Schema::replay(op.ops()).unwrap();
    /// assert!(schema.table(&"fees_2020".into()).is_none());
    /// assert_eq!(render_sql(&Postgres, op.ops()).unwrap()[1],
    ///     "CREATE TABLE fees_2020 AS SELECT * FROM fees");
    /// ```
    pub fn declares(&mut self, define: impl FnOnce(&mut Ops)) -> &mut Self {
        let mut ops = Ops::new();
        define(&mut ops);
        self.declares.extend(ops.into_ops());
        self
    }
}
