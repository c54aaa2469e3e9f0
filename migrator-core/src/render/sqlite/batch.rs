//! Batch rebuilds ("move and copy"): what SQLite's `ALTER TABLE` cannot do,
//! done by building the table again, as SQLite documents it.
//!
//! One [`Statement`] holds, separated by `;\n`:
//!
//! ```sql
//! CREATE TABLE "_migrator_new_t" (…the definition after the op…);
//! INSERT INTO "_migrator_new_t" ("a", "b") SELECT "a", <expr> FROM "t";
//! DROP TABLE "t";
//! PRAGMA legacy_alter_table = ON;
//! ALTER TABLE "_migrator_new_t" RENAME TO "t";
//! PRAGMA legacy_alter_table = OFF;
//! CREATE INDEX … (every index of the table after the op)
//! CREATE TRIGGER … (every trigger of the table the model knows)
//! ```
//!
//! - It must run with `PRAGMA foreign_keys = OFF` (the runner's setting):
//!   with it on, `DROP TABLE` would first delete every row, cascading to
//!   child tables.
//! - Child tables' foreign keys name `"t"`; they dangle between the `DROP`
//!   and the rename and point at the new table afterwards, untouched.
//! - `legacy_alter_table` is on for the rename only: with it off, SQLite
//!   re-parses every view and trigger of the database during the rename, and
//!   one that names `"t"` fails (`error in view v: no such table: main.t`)
//!   because `"t"` is gone at that moment. With it on the rename changes
//!   only the renamed table (foreign keys elsewhere name `"t"`, not the
//!   temporary name, so nothing else needs rewriting).
//! - Triggers on the table go with `DROP TABLE`: those the model knows are
//!   created again at the end (`CREATE TRIGGER …`); the others are not, so
//!   the statement carries `Statement::rebuilds` and the runner saves and
//!   recreates them.
//! - A column that exists before and after is copied by name unless the op
//!   gives an expression (`Copy::set`); a new column gets its default; a
//!   generated column is left out of the copy and computes its values.
//!   Values pass through the new column's affinity and constraints: a new
//!   `NOT NULL` or check that existing rows break fails the statement, and
//!   the transaction rolls back.

use std::collections::BTreeMap;

use super::{create_index_sql, create_table_sql, table_sql};
use crate::ident::{QualifiedName, generated_name, quote_ident};
use crate::render::{Effect, LockLevel, Statement};
use crate::schema::Schema;

/// The `SELECT` expression of columns that are not copied as they are.
#[derive(Debug, Default)]
pub(crate) struct CopyExprs {
    exprs: BTreeMap<String, String>,
}

impl CopyExprs {
    /// Copies `column` from the SQL expression `expr` over the old row.
    pub(crate) fn set(&mut self, column: &str, expr: String) {
        self.exprs.insert(column.to_owned(), expr);
    }
}

/// The temporary name the new table is built under (at most 63 bytes).
pub(crate) fn temporary_name(table: &str) -> String {
    generated_name(&["_migrator_new", table])
}

/// Whether `using` only casts `column` (`"col"::type`, `col::type`): then
/// the value is copied as it is and the new column's affinity converts it.
fn casts_column_only(column: &str, using: &str) -> bool {
    let Some((value, ty)) = using.trim().split_once("::") else {
        return false;
    };
    let value = value.trim();
    let is_column = value == quote_ident(column) || value.eq_ignore_ascii_case(column);
    let is_type = !ty.trim().is_empty()
        && ty
            .chars()
            .all(|c| c.is_alphanumeric() || " _\".,()[]".contains(c));
    is_column && is_type
}

/// The copy expression for a type change of `column` with `USING using`.
pub(crate) fn using_sql(column: &str, using: &str) -> String {
    if casts_column_only(column, using) {
        quote_ident(column)
    } else {
        using.to_owned()
    }
}

/// The statement that rebuilds `table` from its definition in `before` to
/// the one in `after`, copying its rows; or why SQLite cannot hold it.
pub(crate) fn rebuild(
    before: &Schema,
    after: &Schema,
    table: &QualifiedName,
    copy: &CopyExprs,
) -> Result<Statement, String> {
    let old = before
        .table(table)
        .ok_or_else(|| format!("table {table} does not exist"))?;
    let new = after
        .table(table)
        .ok_or_else(|| format!("table {table} does not exist after the op"))?;
    let old_sql = table_sql(table)?;
    let temp = temporary_name(&table.name);
    if after.table(&table.sibling(temp.clone())).is_some() {
        return Err(format!(
            "the rebuild of {table} needs the temporary name {temp}, which a table has; rename that table"
        ));
    }
    let mut parts = vec![create_table_sql(new, after, false, Some(&temp))?];
    let (columns, exprs): (Vec<String>, Vec<String>) = new
        .columns
        .iter()
        // A generated column computes itself; SQLite refuses a value for it.
        .filter(|c| c.generated.is_none())
        .filter_map(|c| {
            let expr = match copy.exprs.get(&c.name) {
                Some(expr) => expr.clone(),
                None => quote_ident(&old.find_column(&c.name)?.name),
            };
            Some((quote_ident(&c.name), expr))
        })
        .unzip();
    if columns.is_empty() {
        return Err(format!(
            "no column of {table} survives the change, so its rows cannot be copied; create a new table instead"
        ));
    }
    parts.push(format!(
        "INSERT INTO {} ({}) SELECT {} FROM {old_sql}",
        quote_ident(&temp),
        columns.join(", "),
        exprs.join(", ")
    ));
    parts.push(format!("DROP TABLE {old_sql}"));
    parts.push("PRAGMA legacy_alter_table = ON".into());
    parts.push(format!(
        "ALTER TABLE {} RENAME TO {old_sql}",
        quote_ident(&temp)
    ));
    parts.push("PRAGMA legacy_alter_table = OFF".into());
    for index in after.indexes_of(table) {
        parts.push(create_index_sql(index, false)?);
    }
    for trigger in after.triggers_of(table) {
        parts.push(super::create_trigger_sql(trigger)?);
    }
    Ok(Statement::new(parts.join(";\n"))
        .lock(table, LockLevel::AccessExclusive)
        .effect(Effect::Rewrite)
        .rebuilds(crate::render::Rebuild {
            table: table.clone(),
            columns: old.columns.iter().map(|c| c.name.clone()).collect(),
            indexes: before.indexes_of(table).map(|i| i.name.clone()).collect(),
            triggers: before.triggers_of(table).map(|t| t.name.clone()).collect(),
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_casts_of_the_column_alone() {
        assert_eq!(using_sql("n", "\"n\"::bigint"), "\"n\"");
        assert_eq!(using_sql("state", "state::fee_status"), "\"state\"");
        assert_eq!(using_sql("n", "\"n\"::character varying(20)"), "\"n\"");
        assert_eq!(using_sql("n", "n * 100"), "n * 100");
        assert_eq!(using_sql("n", "\"m\"::bigint"), "\"m\"::bigint");
        assert_eq!(using_sql("n", "n::int + 1"), "n::int + 1");
    }

    #[test]
    fn temporary_names_stay_short() {
        assert_eq!(temporary_name("fees"), "_migrator_new_fees");
        assert!(temporary_name(&"x".repeat(63)).len() <= 63);
    }
}
