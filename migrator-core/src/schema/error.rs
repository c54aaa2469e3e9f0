//! Why an op does not apply to a schema.

use crate::ident::{IdentError, QualifiedName};

/// An op that does not fit the schema it is applied to. Each message names
/// the objects involved and, where there is one, the way out.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// A name PostgreSQL cannot store as written.
    #[error("{0}")]
    Ident(#[from] IdentError),
    /// A comment, string default or SQL text holding a NUL byte, which
    /// PostgreSQL can neither store in text nor receive in a statement.
    #[error("{what} contains a NUL byte, which PostgreSQL cannot store in text; remove it")]
    NulByte {
        /// Which text: `comment of table users`, `default of column users.name`, ….
        what: String,
    },
    /// A schema that does not exist.
    #[error("schema {0} does not exist; create it first with create_schema")]
    SchemaNotFound(String),
    /// A schema that exists already.
    #[error("schema {0} already exists")]
    SchemaExists(String),
    /// An extension that is installed already.
    #[error("extension {0} is installed already; chain .if_not_exists() to leave it as it is")]
    ExtensionExists(String),
    /// Dropping an extension that is not installed.
    #[error("extension {0} is not installed")]
    ExtensionNotFound(String),
    /// Dropping a schema that still holds objects.
    #[error("schema {schema} is not empty: it still holds {holds}; drop it first")]
    SchemaNotEmpty {
        /// The schema.
        schema: String,
        /// One object it holds.
        holds: String,
    },
    /// A table that does not exist.
    #[error("table {0} does not exist")]
    TableNotFound(QualifiedName),
    /// A sequence that does not exist (or that a serial or identity column
    /// owns, which the model does not name).
    #[error("sequence {0} does not exist; create it first with create_sequence")]
    SequenceNotFound(QualifiedName),
    /// A sequence definition PostgreSQL would refuse.
    #[error("sequence {name}: {reason}")]
    InvalidSequence {
        /// The sequence.
        name: QualifiedName,
        /// What is wrong, in PostgreSQL's words where it has them.
        reason: String,
    },
    /// A table, index or type name that is taken in its schema.
    #[error("{kind} {name} already exists in schema {schema}")]
    NameTaken {
        /// What holds the name: table, index, enum, ….
        kind: &'static str,
        /// The name.
        name: String,
        /// The schema.
        schema: String,
    },
    /// Dropping a table that other tables' foreign keys reference.
    #[error(
        "table {table} is referenced by foreign key {constraint} of table {by}; drop that constraint first"
    )]
    TableReferenced {
        /// The table.
        table: QualifiedName,
        /// The referencing constraint.
        constraint: String,
        /// The referencing table.
        by: QualifiedName,
    },
    /// A column that does not exist.
    #[error("table {table} has no column {column}")]
    ColumnNotFound {
        /// The table.
        table: QualifiedName,
        /// The column.
        column: String,
    },
    /// A column that exists already.
    #[error("table {table} already has a column {column}")]
    ColumnExists {
        /// The table.
        table: QualifiedName,
        /// The column.
        column: String,
    },
    /// Dropping a column that an index or constraint still uses.
    #[error("column {column} of table {table} is still used by {by}; drop that first")]
    ColumnInUse {
        /// The table.
        table: QualifiedName,
        /// The column.
        column: String,
        /// What uses it: `index ix_…`, `foreign key …`.
        by: String,
    },
    /// A column definition PostgreSQL would refuse.
    #[error("column {column} of table {table}: {reason}")]
    InvalidColumn {
        /// The table.
        table: QualifiedName,
        /// The column.
        column: String,
        /// What is wrong.
        reason: String,
    },
    /// A row of a bulk insert that does not fit its table.
    #[error("row {row} of the insert into {table}: {reason}")]
    BadRow {
        /// The table.
        table: QualifiedName,
        /// The row, from 1.
        row: usize,
        /// What is wrong.
        reason: String,
    },
    /// An index, constraint or key with no columns.
    #[error("{what} names no columns")]
    NoColumns {
        /// The index or constraint.
        what: String,
    },
    /// A column named twice in one list.
    #[error("{what} names column {column} twice")]
    DuplicateColumn {
        /// The table, index or constraint.
        what: String,
        /// The column.
        column: String,
    },
    /// Raw SQL that declares an op which is not a schema change.
    #[error("raw SQL declares {0}, which changes no schema; .declares(…) takes schema ops only")]
    NotADeclaration(String),
    /// A function whose definition PostgreSQL refuses.
    #[error("function {function}: {reason}")]
    InvalidFunction {
        /// The function.
        function: QualifiedName,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// A function that exists already.
    #[error("function {0} exists already; chain .or_replace() to replace it")]
    FunctionExists(QualifiedName),
    /// A function that does not exist.
    #[error("function {0} does not exist")]
    FunctionNotFound(QualifiedName),
    /// Dropping a function a trigger runs.
    #[error("function {function} is run by trigger {trigger} on {table}; drop that trigger first")]
    FunctionInUse {
        /// The function.
        function: QualifiedName,
        /// The trigger.
        trigger: String,
        /// The trigger's table.
        table: QualifiedName,
    },
    /// A trigger whose definition PostgreSQL (or SQLite) refuses.
    #[error("trigger {trigger} on {table}: {reason}")]
    InvalidTrigger {
        /// The trigger.
        trigger: String,
        /// Its table.
        table: QualifiedName,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// A trigger that does not exist.
    #[error("trigger {trigger} on {table} does not exist")]
    TriggerNotFound {
        /// The trigger.
        trigger: String,
        /// Its table.
        table: QualifiedName,
    },
    /// A foreign key whose referenced key is deferrable.
    #[error(
        "foreign key {name} references {key} of table {ref_table}, which is deferrable; PostgreSQL cannot use a deferrable key for a foreign key: make {key} not deferrable"
    )]
    ForeignKeyDeferrableKey {
        /// The foreign key.
        name: String,
        /// The referenced table.
        ref_table: QualifiedName,
        /// The deferrable key.
        key: String,
    },
    /// An index whose definition PostgreSQL refuses.
    #[error("index {index} on {table}: {reason}")]
    InvalidIndex {
        /// The index.
        index: String,
        /// Its table.
        table: QualifiedName,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// An exclusion constraint PostgreSQL refuses.
    #[error("exclusion constraint {name} on {table}: {reason}")]
    InvalidExclusion {
        /// The constraint.
        name: String,
        /// Its table.
        table: QualifiedName,
        /// What is wrong, in PostgreSQL's words where it has them.
        reason: String,
    },
    /// An index that does not exist.
    #[error("index {0} does not exist")]
    IndexNotFound(QualifiedName),
    /// Dropping the index behind a primary key or unique constraint.
    #[error("index {index} belongs to the {kind} of table {table}; use drop_constraint")]
    IndexOfConstraint {
        /// The index.
        index: String,
        /// `primary key`, `unique constraint` or `exclusion constraint`.
        kind: &'static str,
        /// Its table.
        table: QualifiedName,
    },
    /// A primary key or unique constraint over the same columns as another.
    #[error("{name} on table {table} covers the same columns as {earlier}; leave it out ({why})")]
    RedundantKey {
        /// The table.
        table: QualifiedName,
        /// The redundant constraint.
        name: String,
        /// The constraint with the same columns.
        earlier: String,
        /// What a second key would do.
        why: &'static str,
    },
    /// A constraint that does not exist.
    #[error("table {table} has no constraint {name}")]
    ConstraintNotFound {
        /// The table.
        table: QualifiedName,
        /// The constraint.
        name: String,
    },
    /// A constraint name taken on its table.
    #[error("table {table} already has a constraint {name}")]
    ConstraintExists {
        /// The table.
        table: QualifiedName,
        /// The constraint.
        name: String,
    },
    /// A second primary key.
    #[error("table {table} already has a primary key ({name}); drop it first")]
    PrimaryKeyExists {
        /// The table.
        table: QualifiedName,
        /// The existing key's name.
        name: String,
    },
    /// A primary key on nullable columns, which PostgreSQL would silently make NOT NULL.
    #[error(
        "primary key {name} on table {table}: column {column} is nullable; make it NOT NULL first with alter_column(..).set_nullable(false)"
    )]
    PrimaryKeyNullable {
        /// The table.
        table: QualifiedName,
        /// The key.
        name: String,
        /// The nullable column.
        column: String,
    },
    /// Dropping a key that foreign keys reference.
    #[error(
        "{name} of table {table} is referenced by foreign key {by_constraint} of table {by}; drop that first"
    )]
    KeyReferenced {
        /// The referenced table.
        table: QualifiedName,
        /// The key.
        name: String,
        /// The referencing foreign key.
        by_constraint: String,
        /// Its table.
        by: QualifiedName,
    },
    /// `NOT VALID` where PostgreSQL does not allow it.
    #[error("constraint {name}: {reason}")]
    NotValidMisuse {
        /// The constraint.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// A foreign key that references columns without a primary key or unique constraint.
    #[error(
        "foreign key {name}: table {ref_table} has no primary key or unique constraint on ({columns}); add one first"
    )]
    ForeignKeyNoKey {
        /// The foreign key.
        name: String,
        /// The referenced table.
        ref_table: QualifiedName,
        /// The referenced columns.
        columns: String,
    },
    /// A foreign key with different numbers of columns on each side.
    #[error("foreign key {name} has {local} columns but references {referenced}")]
    ForeignKeyArity {
        /// The foreign key.
        name: String,
        /// Its own columns.
        local: usize,
        /// The referenced columns.
        referenced: usize,
    },
    /// A foreign key joining columns of incompatible types.
    #[error(
        "foreign key {name}: column {column} is {ty:?} but {ref_table}.{ref_column} is {ref_ty:?}"
    )]
    ForeignKeyType {
        /// The foreign key.
        name: String,
        /// The referencing column.
        column: String,
        /// Its type.
        ty: crate::types::ColumnType,
        /// The referenced table.
        ref_table: QualifiedName,
        /// The referenced column.
        ref_column: String,
        /// Its type.
        ref_ty: crate::types::ColumnType,
    },
    /// An alter_column that changes nothing.
    #[error(
        "alter_column {table}.{column} changes nothing; chain set_type, set_nullable, set_default or set_comment"
    )]
    NothingToAlter {
        /// The table.
        table: QualifiedName,
        /// The column.
        column: String,
    },
    /// An enum that does not exist.
    #[error("enum {0} does not exist; create it first with create_enum")]
    EnumNotFound(QualifiedName),
    /// An enum value that exists already.
    #[error("enum {name} already has the value {value:?}")]
    EnumValueExists {
        /// The enum.
        name: QualifiedName,
        /// The value.
        value: String,
    },
    /// An enum value that does not exist.
    #[error("enum {name} has no value {value:?}")]
    EnumValueNotFound {
        /// The enum.
        name: QualifiedName,
        /// The value.
        value: String,
    },
    /// Dropping an enum a column still uses.
    #[error(
        "enum {name} is still used by column {column} of table {table}; change or drop that column first"
    )]
    EnumInUse {
        /// The enum.
        name: QualifiedName,
        /// The table.
        table: QualifiedName,
        /// The column.
        column: String,
    },
    /// A view that does not exist.
    #[error("view {0} does not exist")]
    ViewNotFound(QualifiedName),
    /// Dropping, or changing the type of, what a view reads.
    #[error("view {view} depends on {object}; drop view {view} first and create it again after")]
    ViewDepends {
        /// The view that reads it.
        view: QualifiedName,
        /// What it reads: `table people`, `column people.name`, `view names`.
        object: String,
    },
    /// Changing the type of a column a view reads.
    #[error(
        "cannot alter the type of column {table}.{column}: view {view} uses it; drop view {view} first and create it again after"
    )]
    ViewUsesColumnType {
        /// The table.
        table: QualifiedName,
        /// The column.
        column: String,
        /// The view that reads it.
        view: QualifiedName,
    },
    /// A view op PostgreSQL would refuse.
    #[error("{kind} {name}: {reason}")]
    InvalidView {
        /// `view` or `materialized view`.
        kind: &'static str,
        /// The view.
        name: QualifiedName,
        /// Why, and what to do instead.
        reason: String,
    },
}

/// An op of a list that failed validation: which one, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("op #{} ({op}): {source}", index + 1)]
pub struct ReplayError {
    /// The op's position in its list, from 0.
    pub index: usize,
    /// The op, described.
    pub op: String,
    /// What is wrong with it.
    pub source: ValidationError,
}
