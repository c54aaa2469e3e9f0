//! The SQLite dialect, the embedded default.
//!
//! SQLite's `ALTER TABLE` can only rename a table, rename a column, add a
//! column and drop an unused column. Everything else is a *batch rebuild*
//! ("move and copy", SQLite's documented twelve-step procedure): the table is
//! created again under a temporary name with its new definition, the rows
//! are copied, the old table is dropped and the new one renamed in its place,
//! then its indexes are created again. `render/sqlite/batch.rs` documents the exact SQL.
//!
//! The runner migrates with `PRAGMA foreign_keys = OFF` (it cannot change
//! inside a transaction), so dropping the old table never cascades to child
//! rows, and it runs `PRAGMA foreign_key_check` after each revision. Every
//! statement may run in a transaction: SQLite's DDL is transactional.
//!
//! # Op → what SQLite gets
//!
//! | op | SQLite |
//! |----|--------|
//! | `create_schema`, `drop_schema` | refused: SQLite has no schemas |
//! | `create_table` | one `CREATE TABLE` with every column and constraint (names kept as `CONSTRAINT "name"`) |
//! | `drop_table` | `DROP TABLE` |
//! | `rename_table` | `ALTER TABLE … RENAME TO` (SQLite rewrites the foreign keys, views and triggers that name it) |
//! | `set_table_comment`, column comments | nothing: SQLite keeps no comments (the model still records them) |
//! | `add_column` | `ALTER TABLE … ADD COLUMN` when SQLite allows it (nullable, or `NOT NULL` with a constant default; no `CURRENT_*` or expression default; not a generated column, which SQLite's `ADD COLUMN` refuses when `STORED`); otherwise a batch rebuild, which fails like PostgreSQL if existing rows would break `NOT NULL` |
//! | generated column (`.generated_sql(expr)`) | `GENERATED ALWAYS AS (expr) STORED` in the column's definition; added by a batch rebuild, which computes it for the existing rows (the rebuild's copy leaves generated columns out) |
//! | `drop_column` | `ALTER TABLE … DROP COLUMN` when nothing else of the table uses the column, otherwise a batch rebuild; dropping the last column is refused |
//! | `rename_column` | `ALTER TABLE … RENAME COLUMN` (SQLite rewrites checks, indexes and the foreign keys that name it) |
//! | `alter_column` (type, nullability, default, collation, `drop_expression`) | batch rebuild, copying through `USING` when given (see below) |
//! | `alter_column(..).set_identity_options(..)` | refused by name: the rowid has no sequence options and cannot be restarted (nothing when every option ends at its default) |
//! | column collation (`.collate(name)`) | `COLLATE BINARY`, `NOCASE` or `RTRIM`; any other name refused (SQLite has no other built in) |
//! | `create_index` | `CREATE [UNIQUE] INDEX [IF NOT EXISTS] … [WHERE …]`; `CONCURRENTLY` becomes a plain `CREATE INDEX` in the transaction (SQLite locks the whole database for any write anyway); `hash`/`gin`/`gist`/`brin` and `INCLUDE` are refused |
//! | `drop_index` | `DROP INDEX` (also for `CONCURRENTLY`) |
//! | `add_constraint`, `drop_constraint` | batch rebuild |
//! | `NOT VALID` | ignored: SQLite has no unvalidated constraints. The rebuild checks every copied row against a check, and the runner's `foreign_key_check` checks a foreign key's existing rows, so a migration written for PostgreSQL's "add `NOT VALID`, validate later" pattern works, checking at once |
//! | `validate_constraint` | nothing: the constraint is already enforced |
//! | `create_enum`, `drop_enum` | nothing: an enum column is `TEXT` with a `CHECK ("col" IN (…))` |
//! | `add_enum_value` | a batch rebuild of every table with a column of the enum (its checks widen) |
//! | `rename_enum_value` | a batch rebuild of those tables, copying with `CASE WHEN "col" = 'old' THEN 'new' ELSE "col" END` |
//! | `create_sequence`, `alter_sequence` (`owned_by` too), `drop_sequence`, `rename_sequence` | refused: SQLite has no sequences (put them in `op.on(Engine::Postgres, …)`) |
//! | `execute` | the SQL as written |
//! | `run` (Rust) | nothing: the runner calls it |
//!
//! Tables named in the schema `public` (the default) or `main` are rendered
//! unqualified; any other schema is refused.
//!
//! A `USING` expression of a type change is the copy's `SELECT` expression.
//! One that only casts the column itself (`"col"::bigint`, `state::fee_status`:
//! what PostgreSQL needs and what derived inverses write) copies the value as
//! it is and lets the new column's type affinity convert it; any other
//! `USING` must be SQL SQLite understands.
//!
//! # Types
//!
//! SQLite stores any value in any column; the declared type only gives the
//! column an *affinity*, which converts values on the way in (`'5'` into an
//! `INTEGER` column becomes `5`; `'abc'` stays text). Nothing enforces
//! lengths, precision or dates.
//!
//! | model type | declared type | affinity |
//! |------------|---------------|----------|
//! | `smallint`, `integer`, `bigint` | `INTEGER` | INTEGER |
//! | `smallserial`, `serial`, `bigserial`, identity | `INTEGER`, only as the table's single-column primary key: SQLite's rowid, assigned when omitted (`GENERATED ALWAYS` is not enforced); anywhere else refused | INTEGER |
//! | `boolean` | `BOOLEAN` (stores 1 and 0) | NUMERIC |
//! | `text` | `TEXT` | TEXT |
//! | `varchar(n)`, `varchar`, `char(n)` | `VARCHAR(n)`, `VARCHAR`, `CHAR(n)` (the length is not enforced) | TEXT |
//! | `numeric(p,s)`, `numeric` | `NUMERIC(p,s)`, `NUMERIC` (stored as integer or 8-byte float) | NUMERIC |
//! | `real`, `double precision` | `REAL`, `DOUBLE PRECISION` | REAL |
//! | `date`, `time`, `timestamp`, `timestamptz` | `DATE`, `TIME`, `TIMESTAMP`, `TIMESTAMPTZ` (text values stay text) | NUMERIC |
//! | `interval` | `TEXT` (`INTERVAL` would contain "INT": INTEGER affinity) | TEXT |
//! | `uuid`, `json`, `jsonb`, `inet` | `TEXT` (`UUID` or `JSON` would have NUMERIC affinity) | TEXT |
//! | `bytea` | `BLOB` | BLOB |
//! | enum | `TEXT` plus `CHECK ("col" IN ('a', …))` on the column | TEXT |
//! | custom | the SQL as written | by SQLite's rules |
//! | arrays | refused | |
//!
//! Defaults: literals are quoted for SQLite ([`quote_literal_sqlite`]),
//! booleans are `1`/`0`, infinities `9e999`/`-9e999`, NaN is refused (SQLite
//! stores it as NULL); `now()`, `current_timestamp`, `current_date` and
//! `current_time` become SQLite's `CURRENT_TIMESTAMP`, `CURRENT_DATE`,
//! `CURRENT_TIME` (UTC text); any other expression is `DEFAULT (expr)`.

pub(crate) mod batch;
mod view;

use super::{Dialect, Effect, LockLevel, RenderError, Statement};
use crate::ident::{QualifiedName, quote_ident};
use crate::ops::*;
use crate::schema::Schema;
use crate::types::{ColumnType, DefaultValue, Literal};

/// The dialect's name, for messages.
pub(crate) const NAME: &str = "SQLite";

/// The SQLite dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

/// Quotes a string literal for SQLite: `'` doubled, nothing else (a
/// backslash is an ordinary character; SQLite has no `E''` strings).
///
/// ```
/// # use migrator_core::render::sqlite::quote_literal_sqlite;
/// assert_eq!(quote_literal_sqlite(r"it's C:\temp"), r"'it''s C:\temp'");
/// ```
pub fn quote_literal_sqlite(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The declared SQLite type of a model type, or why SQLite cannot hold it.
/// Serial types give `INTEGER`; whether the column may be one (it must be
/// the single-column primary key) is checked with its table.
///
/// ```
/// use migrator_core::{render::sqlite::column_type, types::ColumnType};
/// assert_eq!(column_type(&ColumnType::numeric(10, 2)).unwrap(), "NUMERIC(10,2)");
/// assert_eq!(column_type(&ColumnType::Uuid).unwrap(), "TEXT");
/// assert!(column_type(&ColumnType::array(ColumnType::Text)).is_err());
/// ```
pub fn column_type(ty: &ColumnType) -> Result<String, String> {
    Ok(match ty {
        ColumnType::SmallInt
        | ColumnType::Integer
        | ColumnType::BigInt
        | ColumnType::SmallSerial
        | ColumnType::Serial
        | ColumnType::BigSerial => "INTEGER".into(),
        ColumnType::Boolean => "BOOLEAN".into(),
        ColumnType::Text
        | ColumnType::Interval
        | ColumnType::Uuid
        | ColumnType::Json
        | ColumnType::Jsonb
        | ColumnType::Inet
        | ColumnType::Enum(_) => "TEXT".into(),
        ColumnType::Varchar(None) => "VARCHAR".into(),
        ColumnType::Varchar(Some(n)) => format!("VARCHAR({n})"),
        ColumnType::Char(n) => format!("CHAR({n})"),
        ColumnType::Numeric(None) => "NUMERIC".into(),
        ColumnType::Numeric(Some((p, s))) => format!("NUMERIC({p},{s})"),
        ColumnType::Real => "REAL".into(),
        ColumnType::Double => "DOUBLE PRECISION".into(),
        ColumnType::Date => "DATE".into(),
        ColumnType::Time => "TIME".into(),
        ColumnType::Timestamp => "TIMESTAMP".into(),
        ColumnType::TimestampTz => "TIMESTAMPTZ".into(),
        ColumnType::Bytea => "BLOB".into(),
        ColumnType::Custom(sql) => sql.clone(),
        ColumnType::Array(_) => {
            return Err(
                "SQLite has no array types; store the values in a child table, or as JSON in a text column"
                    .into(),
            );
        }
    })
}

/// A literal as SQLite SQL, or why SQLite cannot store it.
pub fn literal_sql(value: &Literal) -> Result<String, String> {
    Ok(match value {
        Literal::Str(s) => quote_literal_sqlite(s),
        Literal::Int(i) => i.to_string(),
        Literal::Float(f) if f.is_nan() => {
            return Err(
                "SQLite stores NaN as NULL; leave the column without a default or pick a sentinel value"
                    .into(),
            );
        }
        Literal::Float(f) if f.is_infinite() => if *f > 0.0 { "9e999" } else { "-9e999" }.into(),
        Literal::Float(f) => format!("{f:?}"),
        Literal::Bool(b) => if *b { "1" } else { "0" }.into(),
        Literal::Null => "NULL".into(),
    })
}

/// The `CURRENT_*` keyword an SQL default means in SQLite, if it is one.
fn current_keyword(expr: &str) -> Option<&'static str> {
    match expr.trim().to_ascii_lowercase().as_str() {
        "now()" | "current_timestamp" => Some("CURRENT_TIMESTAMP"),
        "current_date" => Some("CURRENT_DATE"),
        "current_time" => Some("CURRENT_TIME"),
        _ => None,
    }
}

/// A default as it follows `DEFAULT` in SQLite SQL, or why it cannot be one.
///
/// ```
/// use migrator_core::{render::sqlite::default_sql, types::{DefaultValue, Literal}};
/// assert_eq!(default_sql(&DefaultValue::Expr("now()".into())).unwrap(), "CURRENT_TIMESTAMP");
/// assert_eq!(default_sql(&DefaultValue::Expr("1 + 1".into())).unwrap(), "(1 + 1)");
/// assert_eq!(default_sql(&DefaultValue::Literal(Literal::Bool(true))).unwrap(), "1");
/// ```
pub fn default_sql(default: &DefaultValue) -> Result<String, String> {
    match default {
        DefaultValue::Literal(value) => literal_sql(value),
        DefaultValue::Expr(expr) => Ok(match current_keyword(expr) {
            Some(keyword) => keyword.into(),
            None => format!("({})", expr.trim()),
        }),
    }
}

/// The check SQLite gets for a column of an enum with `values`:
/// `"col" IN ('a', 'b')`.
pub fn enum_check(column: &str, values: &[String]) -> String {
    let values: Vec<String> = values.iter().map(|v| quote_literal_sqlite(v)).collect();
    format!("{} IN ({})", quote_ident(column), values.join(", "))
}

/// A table's (or index's) name as SQLite SQL: unqualified, or why its schema
/// cannot be used.
pub(crate) fn table_sql(name: &QualifiedName) -> Result<String, String> {
    match name.schema.as_deref() {
        None | Some("public") | Some("main") => Ok(quote_ident(&name.name)),
        Some(schema) => Err(format!(
            "SQLite has no schemas ({name} is in schema {schema}); keep the table in the default schema, or attach another database file and use it through raw SQL"
        )),
    }
}

/// Whether SQLite can give `column` values by itself: it must be the
/// table's single-column primary key, which an `INTEGER` column makes the rowid.
fn check_generated(table: &TableDef, column: &ColumnDef) -> Result<(), String> {
    if !column.identity_options.is_empty() {
        return Err(format!(
            "SQLite's rowid cannot honour sequence options ({}) of identity column {} of table {}; leave them out, or give them on PostgreSQL only: create the table in op.on(Engine::Postgres, …) and without them in op.on(Engine::Sqlite, …)",
            crate::render::postgres::sequence_options_sql(&column.identity_options),
            column.name,
            table.name
        ));
    }
    if !column.ty.is_serial() && column.identity.is_none() {
        return Ok(());
    }
    let alone = table
        .primary_key_constraint()
        .is_some_and(|k| k.columns == [column.name.clone()]);
    if alone {
        return Ok(());
    }
    let what = if column.ty.is_serial() {
        "a serial"
    } else {
        "an identity"
    };
    Err(format!(
        "SQLite generates values only for a table's single-column INTEGER PRIMARY KEY (its rowid), so {what} column {} must be the primary key of {} on its own; otherwise use a plain integer column and supply the values",
        column.name, table.name
    ))
}

/// One column's definition: name, type, default, `NOT NULL`, enum check.
pub(crate) fn column_sql(column: &ColumnDef, schema: &Schema) -> Result<String, String> {
    let mut sql = format!("{} {}", quote_ident(&column.name), column_type(&column.ty)?);
    if let Some(collation) = &column.collation {
        if !["BINARY", "NOCASE", "RTRIM"]
            .iter()
            .any(|c| c.eq_ignore_ascii_case(collation))
        {
            return Err(format!(
                "SQLite has the collations BINARY, NOCASE and RTRIM only, and column {} has COLLATE {collation}; use one of them, or give the collation in op.on(Engine::Postgres, …)",
                column.name
            ));
        }
        sql.push_str(&format!(" COLLATE {}", collation.to_ascii_uppercase()));
    }
    if let Some(expr) = &column.generated {
        sql.push_str(&format!(" GENERATED ALWAYS AS ({}) STORED", expr.trim()));
    }
    if let Some(default) = &column.default {
        sql.push_str(" DEFAULT ");
        sql.push_str(&default_sql(default)?);
    }
    if !column.nullable {
        sql.push_str(" NOT NULL");
    }
    if let ColumnType::Enum(name) = &column.ty {
        let values = schema
            .enum_values(name)
            .ok_or_else(|| format!("enum {name} does not exist"))?;
        sql.push_str(&format!(" CHECK ({})", enum_check(&column.name, values)));
    }
    Ok(sql)
}

/// A table constraint, named; `NOT VALID` is dropped (see the module docs).
fn constraint_sql(constraint: &Constraint) -> Result<String, String> {
    if let Constraint::Exclusion(x) = constraint {
        return Err(format!(
            "SQLite has no exclusion constraints: check {} with a trigger that raises (BEFORE INSERT and UPDATE) instead, or put it in op.on(Engine::Postgres, …)",
            x.name
        ));
    }
    if constraint.deferrable().is_some() && !matches!(constraint, Constraint::ForeignKey(_)) {
        return Err(format!(
            "SQLite cannot defer a {} (only foreign keys): drop .deferrable()/.initially_deferred() from {}, or put it in op.on(Engine::Postgres, …)",
            constraint.kind(),
            constraint.name()
        ));
    }
    let ref_table = match constraint {
        Constraint::ForeignKey(fk) => Some(table_sql(&fk.ref_table)?),
        _ => None,
    };
    Ok(super::constraint_sql(constraint, &ref_table))
}

/// `CREATE TABLE` for `table` (named `as_name` instead when given), whose
/// enums are looked up in `schema`.
pub(crate) fn create_table_sql(
    table: &TableDef,
    schema: &Schema,
    if_not_exists: bool,
    as_name: Option<&str>,
) -> Result<String, String> {
    let name = match as_name {
        Some(name) => quote_ident(name),
        None => table_sql(&table.name)?,
    };
    if table.columns.is_empty() {
        return Err(format!(
            "a SQLite table needs at least one column, and {} would have none",
            table.name
        ));
    }
    let mut items = Vec::new();
    for column in &table.columns {
        check_generated(table, column)?;
        items.push(column_sql(column, schema)?);
    }
    for constraint in &table.constraints {
        items.push(constraint_sql(constraint)?);
    }
    let ine = if if_not_exists { "IF NOT EXISTS " } else { "" };
    Ok(format!(
        "CREATE TABLE {ine}{name} (\n  {}\n)",
        items.join(",\n  ")
    ))
}

/// `CREATE TRIGGER … BEGIN statements END`, or why SQLite cannot hold it.
pub(crate) fn create_trigger_sql(trigger: &crate::ops::TriggerDef) -> Result<String, String> {
    let crate::ops::TriggerAction::Statements(body) = &trigger.action else {
        return Err(
            "SQLite triggers run statements, not functions: put create_trigger in \
             op.on(Engine::Postgres, …) and write SQLite's with create_sqlite_trigger in \
             op.on(Engine::Sqlite, …)"
                .into(),
        );
    };
    Ok(format!(
        "{} BEGIN {} END",
        crate::render::trigger_head(trigger, &table_sql(&trigger.table)?),
        body.trim()
    ))
}

/// `CREATE [UNIQUE] INDEX`, or why SQLite cannot build it.
pub(crate) fn create_index_sql(index: &IndexDef, if_not_exists: bool) -> Result<String, String> {
    if index.method != IndexMethod::BTree {
        return Err(format!(
            "SQLite has only b-tree indexes; drop .using(IndexMethod::{:?}) to get one",
            index.method
        ));
    }
    if !index.include.is_empty() {
        return Err(
            "SQLite indexes have no INCLUDE columns; make them key columns or leave them out"
                .into(),
        );
    }
    if let Some(key) = index.keys.iter().find(|k| k.opclass.is_some()) {
        return Err(format!(
            "SQLite has no operator classes: drop .opclass({:?}) or put the index in \
             op.on(Engine::Postgres, …)",
            key.opclass.as_deref().unwrap_or_default()
        ));
    }
    if index.keys.iter().any(|k| k.nulls.is_some()) {
        return Err(
            "SQLite index keys have no NULLS FIRST/LAST (NULLs sort first ascending, last \
             descending); drop .nulls_first()/.nulls_last() or put the index in \
             op.on(Engine::Postgres, …)"
                .into(),
        );
    }
    if index.nulls_not_distinct {
        return Err(
            "SQLite has no NULLS NOT DISTINCT (its unique indexes count NULLs as distinct); \
             drop .nulls_not_distinct() or put the index in op.on(Engine::Postgres, …)"
                .into(),
        );
    }
    if !index.with.is_empty() {
        return Err(format!(
            "SQLite indexes have no storage parameters; drop .with({:?}, …) or put the index \
             in op.on(Engine::Postgres, …)",
            index.with[0].0
        ));
    }
    let mut sql = String::from("CREATE ");
    if index.unique {
        sql.push_str("UNIQUE ");
    }
    sql.push_str("INDEX ");
    if if_not_exists {
        sql.push_str("IF NOT EXISTS ");
    }
    sql.push_str(&format!(
        "{} ON {} ({})",
        quote_ident(&index.name),
        table_sql(&index.table)?,
        crate::render::key_list(&index.keys)
    ));
    if let Some(predicate) = &index.predicate {
        sql.push_str(&format!(" WHERE {predicate}"));
    }
    Ok(sql)
}

/// `ALTER TABLE table action`.
fn alter_table(table: &QualifiedName, action: String) -> Result<Statement, String> {
    Ok(
        Statement::new(format!("ALTER TABLE {} {action}", table_sql(table)?))
            .lock(table, LockLevel::AccessExclusive),
    )
}

/// Whether `ALTER TABLE … ADD COLUMN` can add `column` (SQLite refuses a
/// `NOT NULL` column without a constant default, and any `CURRENT_*` or
/// parenthesized default).
fn simple_add(column: &ColumnDef) -> bool {
    let constant_default = match &column.default {
        None => None,
        Some(DefaultValue::Literal(_)) => Some(true),
        Some(DefaultValue::Expr(_)) => Some(false),
    };
    !column.ty.is_serial()
        && column.identity.is_none()
        && column.generated.is_none()
        && constant_default != Some(false)
        && (column.nullable || constant_default == Some(true))
}

/// Whether anything of `table` besides the column's own definition uses
/// `column`: then SQLite's `DROP COLUMN` refuses and the table is rebuilt.
fn column_used(before: &Schema, table: &TableDef, column: &str) -> bool {
    let mentions = |sql: &str| crate::schema::expr::mentions(sql, column);
    table.constraints.iter().any(|c| match c {
        Constraint::Check(check) => mentions(&check.expr),
        other => other.columns().iter().any(|c| c == column),
    }) || before
        .references_to(&table.name)
        .any(|(_, fk)| fk.ref_columns.iter().any(|c| c == column))
        || before.indexes_of(&table.name).any(|i| i.uses(column))
}

/// The tables with a column of enum `name`.
fn tables_using_enum<'a>(
    schema: &'a Schema,
    name: &QualifiedName,
) -> impl Iterator<Item = &'a TableDef> {
    let key = name.key();
    schema.tables().filter(move |t| {
        t.columns
            .iter()
            .any(|c| matches!(&c.ty, ColumnType::Enum(n) if n.key() == key))
    })
}

impl Sqlite {
    fn render_op(
        &self,
        op: &Op,
        before: &Schema,
        after: &Schema,
    ) -> Result<Vec<Statement>, String> {
        let one = |s: Statement| Ok(vec![s]);
        let rebuild = |table: &QualifiedName| {
            batch::rebuild(before, after, table, &batch::CopyExprs::default()).map(|s| vec![s])
        };
        match op {
            Op::CreateSchema(_) | Op::DropSchema(_) => Err(
                "SQLite has no schemas; keep every table in the default schema, or attach another database file through raw SQL (ATTACH DATABASE)"
                    .into(),
            ),
            Op::CreateTable(o) => {
                let t = &o.table;
                let sql = create_table_sql(t, after, o.if_not_exists, None)?;
                let mut create = Statement::new(sql);
                for c in &t.constraints {
                    if let Constraint::ForeignKey(fk) = c
                        && fk.ref_table.key() != t.name.key()
                    {
                        create = create.lock(&fk.ref_table, LockLevel::ShareRowExclusive);
                    }
                }
                one(create)
            }
            Op::DropTable(o) => one(
                Statement::new(format!("DROP TABLE {}", table_sql(&o.name)?))
                    .lock(&o.name, LockLevel::AccessExclusive),
            ),
            Op::RenameTable(o) => {
                let to = table_sql(&o.name.sibling(o.to.clone()))?;
                one(alter_table(&o.name, format!("RENAME TO {to}"))?)
            }
            Op::SetTableComment(_) => Ok(vec![]),
            Op::AddColumn(o) if simple_add(&o.column) => one(alter_table(
                &o.table,
                format!("ADD COLUMN {}", column_sql(&o.column, after)?),
            )?),
            Op::AddColumn(o) => rebuild(&o.table),
            Op::DropColumn(o) => {
                let table = before
                    .table(&o.table)
                    .ok_or_else(|| format!("table {} does not exist", o.table))?;
                if table.columns.len() == 1 {
                    return Err(format!(
                        "a SQLite table needs at least one column; drop table {} instead",
                        o.table
                    ));
                }
                if column_used(before, table, &o.column) {
                    rebuild(&o.table)
                } else {
                    one(
                        alter_table(&o.table, format!("DROP COLUMN {}", quote_ident(&o.column)))?
                            .effect(Effect::Rewrite),
                    )
                }
            }
            Op::RenameColumn(o) => one(alter_table(
                &o.table,
                format!(
                    "RENAME COLUMN {} TO {}",
                    quote_ident(&o.from),
                    quote_ident(&o.to)
                ),
            )?),
            Op::AlterColumn(o)
                if o.ty.is_none()
                    && o.nullable.is_none()
                    && o.default.is_none()
                    && o.collation.is_none()
                    && !o.drop_expression =>
            {
                // An identity added, changed or dropped: the rowid assigns
                // values either way, if the column may be one. Its options
                // are refused below (the rowid has none); so is a restart.
                if o
                    .identity_options
                    .as_ref()
                    .is_some_and(|c| c.restart.is_some())
                {
                    return Err(format!(
                        "SQLite's rowid cannot be restarted (identity column {} of table {}): it assigns one more than the greatest rowid; restart it in op.on(Engine::Postgres, …)",
                        o.column, o.table
                    ));
                }
                if let Some(table) = after.table(&o.table)
                    && let Some(column) = table.find_column(&o.column)
                {
                    check_generated(table, column)?;
                }
                Ok(vec![])
            }
            Op::AlterColumn(o) => {
                let mut copy = batch::CopyExprs::default();
                match o.ty.as_ref().and_then(|t| t.using.as_ref()) {
                    Some(Using::Sql(using)) => {
                        copy.set(&o.column, batch::using_sql(&o.column, using))
                    }
                    // The value copied as it is: the new column's affinity
                    // converts it.
                    Some(Using::CastColumn) | None => {}
                }
                batch::rebuild(before, after, &o.table, &copy).map(|s| vec![s])
            }
            Op::CreateIndex(o) => {
                let sql = create_index_sql(&o.index, o.if_not_exists)?;
                one(Statement::new(sql)
                    .lock(&o.index.table, LockLevel::Share)
                    .effect(Effect::Scan))
            }
            Op::DropIndex(o) => {
                let mut statement = Statement::new(format!("DROP INDEX {}", table_sql(&o.name)?));
                if let Some(index) = before.index(&o.name) {
                    statement = statement.lock(&index.table, LockLevel::AccessExclusive);
                }
                one(statement)
            }
            Op::AddConstraint(o) => rebuild(&o.table),
            // The table is built again with the key; the index goes with
            // the old table.
            Op::AddKeyUsingIndex(o) => rebuild(&o.table),
            Op::DropConstraint(o) => rebuild(&o.table),
            Op::ValidateConstraint(_) | Op::CreateEnum(_) | Op::DropEnum(_) | Op::DataStep(_) => {
                Ok(vec![])
            }
            // Rendered by `Dialect::render`, before this.
            Op::OnEngine(_) => Ok(vec![]),
            // SQLite has no extensions: nothing to do (the model keeps
            // them, so a revision runs on both engines unchanged).
            Op::CreateExtension(_) | Op::DropExtension(_) => Ok(vec![]),
            Op::CreateFunction(_) | Op::DropFunction(_) => Err(
                "SQLite has no stored functions; put the function in op.on(Engine::Postgres, …) \
                 (an SQLite trigger runs its statements itself: create_sqlite_trigger)"
                    .into(),
            ),
            Op::CreateTrigger(o) => one(Statement::new(create_trigger_sql(&o.trigger)?)),
            Op::DropTrigger(o) => one(Statement::new(format!(
                "DROP TRIGGER {}",
                quote_ident(&o.name)
            ))),
            // Rendered by `view::render`, before this.
            Op::CreateView(_)
            | Op::DropView(_)
            | Op::RenameView(_)
            | Op::RefreshMaterializedView(_) => Ok(vec![]),
            Op::CreateSequence(_)
            | Op::AlterSequence(_)
            | Op::DropSequence(_)
            | Op::RenameSequence(_) => Err(format!(
                "SQLite has no sequences ({}); put the sequence ops in op.on(Engine::Postgres, …), and on SQLite use an INTEGER PRIMARY KEY (the rowid) or a counter table",
                op.describe()
            )),
            Op::BulkInsert(o) => super::insert_sql(o, before, &table_sql(&o.table)?, literal_sql),
            Op::AddEnumValue(o) => {
                if before.enum_values(&o.name) == after.enum_values(&o.name) {
                    return Ok(vec![]);
                }
                tables_using_enum(after, &o.name)
                    .map(|t| batch::rebuild(before, after, &t.name, &batch::CopyExprs::default()))
                    .collect()
            }
            Op::RenameEnumValue(o) => {
                let key = o.name.key();
                tables_using_enum(after, &o.name)
                    .map(|t| {
                        let mut copy = batch::CopyExprs::default();
                        for c in &t.columns {
                            if matches!(&c.ty, ColumnType::Enum(n) if n.key() == key) {
                                let col = quote_ident(&c.name);
                                copy.set(
                                    &c.name,
                                    format!(
                                        "CASE WHEN {col} = {} THEN {} ELSE {col} END",
                                        quote_literal_sqlite(&o.from),
                                        quote_literal_sqlite(&o.to)
                                    ),
                                );
                            }
                        }
                        batch::rebuild(before, after, &t.name, &copy)
                    })
                    .collect()
            }
            Op::Execute(o) => {
                let statement = Statement::new(o.sql.clone()).effect(Effect::Unknown);
                one(if o.transactional {
                    statement
                } else {
                    statement.outside_transaction()
                })
            }
        }
    }
}

impl Dialect for Sqlite {
    fn name(&self) -> &'static str {
        NAME
    }

    fn engine(&self) -> crate::engine::Engine {
        crate::engine::Engine::Sqlite
    }

    fn render(&self, op: &Op, before: &Schema) -> Result<Vec<Statement>, RenderError> {
        if let Op::OnEngine(block) = op {
            return super::render_block(self, block, before);
        }
        let mut after = before.clone();
        after
            .apply(op)
            .map_err(|source| crate::schema::ReplayError {
                index: 0,
                op: op.describe(),
                source,
            })?;
        let statements = match view::render(op, &after) {
            Some(rendered) => rendered,
            None => self.render_op(op, before, &after),
        };
        statements
            .and_then(|statements| view::around_renames(op, before, &after, statements))
            .map_err(|reason| RenderError::Unsupported {
                op: op.describe(),
                dialect: NAME,
                reason,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_literals_without_escape_strings() {
        assert_eq!(quote_literal_sqlite(""), "''");
        assert_eq!(quote_literal_sqlite("a'b"), "'a''b'");
        assert_eq!(quote_literal_sqlite("back\\slash"), "'back\\slash'");
        assert_eq!(quote_literal_sqlite("$$;--"), "'$$;--'");
    }

    #[test]
    fn literals() {
        let sql = |l: Literal| literal_sql(&l);
        assert_eq!(sql(Literal::Int(-3)).unwrap(), "-3");
        assert_eq!(sql(Literal::Float(0.5)).unwrap(), "0.5");
        assert_eq!(sql(Literal::Float(f64::INFINITY)).unwrap(), "9e999");
        assert_eq!(sql(Literal::Float(f64::NEG_INFINITY)).unwrap(), "-9e999");
        assert!(sql(Literal::Float(f64::NAN)).is_err());
        assert_eq!(sql(Literal::Bool(false)).unwrap(), "0");
    }

    #[test]
    fn current_keywords() {
        let sql = |e: &str| default_sql(&DefaultValue::Expr(e.into())).unwrap();
        assert_eq!(sql("NOW()"), "CURRENT_TIMESTAMP");
        assert_eq!(sql(" current_timestamp "), "CURRENT_TIMESTAMP");
        assert_eq!(sql("current_date"), "CURRENT_DATE");
        assert_eq!(sql("CURRENT_TIME"), "CURRENT_TIME");
        assert_eq!(sql("random()"), "(random())");
    }

    #[test]
    fn other_schemas_are_refused() {
        assert_eq!(table_sql(&"t".into()).unwrap(), "\"t\"");
        assert_eq!(table_sql(&("main", "t").into()).unwrap(), "\"t\"");
        assert_eq!(table_sql(&("public", "t").into()).unwrap(), "\"t\"");
        assert!(table_sql(&("billing", "t").into()).is_err());
    }
}
