//! Guessed renames: a table (or column) that goes and one that comes which
//! look like the same object, and an enum value replaced by another at the
//! same position. Alembic guesses none (a rename becomes a drop and an add,
//! losing the data; an enum change is not seen at all); Django asks. [`guess_renames`] proposes,
//! the caller confirms (autogenerate asks on a terminal and marks each one
//! for review in the file), and [`diff_renaming`] writes the accepted ones
//! as `rename_table`/`rename_column`/`rename_enum_value` before the rest of
//! the diff.
//!
//! ```
//! use migrator_core::prelude::*;
//! use migrator_core::schema::{Rename, Schema, diff_renaming, guess_renames};
//!
//! let mut a = Ops::new();
//! a.create_table("fees", |t| {
//!     t.column::<i64>("id").primary_key();
//!     t.column::<Option<String>>("note");
//! });
//! let mut b = Ops::new();
//! b.create_table("fees", |t| {
//!     t.column::<i64>("id").primary_key();
//!     t.column::<Option<String>>("remark");
//! });
//! let (from, to) = (Schema::replay(a.ops()).unwrap(), Schema::replay(b.ops()).unwrap());
//! let guesses = guess_renames(&from, &to);
//! assert_eq!(guesses, [Rename::Column { table: "fees".into(), from: "note".into(), to: "remark".into() }]);
//! let ops = diff_renaming(&from, &to, &guesses).unwrap();
//! assert_eq!(ops[0].describe(), "rename_column fees.note to remark");
//! assert_eq!(ops.len(), 1);
//! ```

use std::fmt;

use super::{DiffError, Schema, diff};
use crate::ident::QualifiedName;
use crate::ops::{ColumnDef, Op, RenameColumn, RenameEnumValue, RenameTable, TableDef};

/// A rename [`guess_renames`] proposes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rename {
    /// Table `from` became `to` (same schema).
    Table {
        /// The table as it is.
        from: QualifiedName,
        /// Its new name.
        to: String,
    },
    /// Column `from` of `table` became `to`.
    Column {
        /// The table (under its new name when it is renamed too).
        table: QualifiedName,
        /// The column as it is.
        from: String,
        /// Its new name.
        to: String,
    },
    /// Value `from` of enum `name` became `to`.
    EnumValue {
        /// The enum.
        name: QualifiedName,
        /// The value as it is.
        from: String,
        /// Its new spelling.
        to: String,
    },
}

impl fmt::Display for Rename {
    /// The question autogenerate asks: `fees.note to fees.remark`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rename::Table { from, to } => {
                let renamed = QualifiedName {
                    schema: from.schema.clone(),
                    name: to.clone(),
                };
                write!(f, "table {from} to {renamed}")
            }
            Rename::Column { table, from, to } => {
                write!(f, "column {table}.{from} to {table}.{to}")
            }
            Rename::EnumValue { name, from, to } => {
                write!(f, "value {from:?} of enum {name} to {to:?}")
            }
        }
    }
}

impl Rename {
    fn op(&self) -> Op {
        match self {
            Rename::Table { from, to } => Op::RenameTable(RenameTable {
                name: from.clone(),
                to: to.clone(),
            }),
            Rename::Column { table, from, to } => Op::RenameColumn(RenameColumn {
                table: table.clone(),
                from: from.clone(),
                to: to.clone(),
            }),
            Rename::EnumValue { name, from, to } => Op::RenameEnumValue(RenameEnumValue {
                name: name.clone(),
                from: from.clone(),
                to: to.clone(),
            }),
        }
    }
}

/// Columns alike but for their names: type, nullability, default, identity.
fn same_column(a: &ColumnDef, b: &ColumnDef) -> bool {
    a.ty == b.ty && a.nullable == b.nullable && a.default == b.default && a.identity == b.identity
}

/// Tables alike but for their names: the same columns, by name and
/// definition, in any order.
fn same_columns(a: &TableDef, b: &TableDef) -> bool {
    a.columns.len() == b.columns.len()
        && a.columns.iter().all(|c| {
            b.find_column(&c.name)
                .is_some_and(|d| same_column(c, d) && c.comment == d.comment)
        })
}

/// Pairs each item of `gone` with the one item of `came` it matches, when
/// the match is one to one both ways.
fn one_to_one<'a, T>(
    gone: &[&'a T],
    came: &[&'a T],
    alike: impl Fn(&T, &T) -> bool,
) -> Vec<(&'a T, &'a T)> {
    gone.iter()
        .filter_map(|g| {
            let mut matches = came.iter().filter(|c| alike(g, c));
            let (Some(c), None) = (matches.next(), matches.next()) else {
                return None;
            };
            let back = gone.iter().filter(|g2| alike(g2, c)).count();
            (back == 1).then_some((*g, *c))
        })
        .collect()
}

/// The renames that `from` → `to` looks like: a table that goes and one
/// that comes, in the same schema, with the same columns; then, in each
/// table of both (after those renames), a column that goes and one that
/// comes with the same definition at the same position. Only one-to-one
/// matches are proposed. Last, in each enum of both with as many values
/// before as after, a value that goes and one that comes at the same
/// position (no op removes an enum value, so the diff would refuse it).
pub fn guess_renames(from: &Schema, to: &Schema) -> Vec<Rename> {
    let gone: Vec<&TableDef> = from
        .tables()
        .filter(|t| to.table(&t.name).is_none())
        .collect();
    let came: Vec<&TableDef> = to
        .tables()
        .filter(|t| from.table(&t.name).is_none())
        .collect();
    let mut out: Vec<Rename> = one_to_one(&gone, &came, |g, c| {
        g.name.schema_name() == c.name.schema_name() && same_columns(g, c)
    })
    .into_iter()
    .map(|(g, c)| Rename::Table {
        from: g.name.clone(),
        to: c.name.name.clone(),
    })
    .collect();
    let renamed = apply(from, &out).unwrap_or_else(|_| from.clone());
    for t in to.tables() {
        let Some(f) = renamed.table(&t.name) else {
            continue;
        };
        let position =
            |table: &TableDef, c: &ColumnDef| table.columns.iter().position(|x| x.name == c.name);
        let gone: Vec<&ColumnDef> = f
            .columns
            .iter()
            .filter(|c| t.find_column(&c.name).is_none())
            .collect();
        let came: Vec<&ColumnDef> = t
            .columns
            .iter()
            .filter(|c| f.find_column(&c.name).is_none())
            .collect();
        for (g, c) in one_to_one(&gone, &came, |g, c| {
            same_column(g, c) && position(f, g) == position(t, c)
        }) {
            out.push(Rename::Column {
                table: t.name.clone(),
                from: g.name.clone(),
                to: c.name.clone(),
            });
        }
    }
    for (name, values) in to.enums() {
        let Some(old) = from.enum_values(&name) else {
            continue;
        };
        if old.len() != values.len() {
            continue;
        }
        for (was, now) in old.iter().zip(values) {
            if was != now && !values.contains(was) && !old.contains(now) {
                out.push(Rename::EnumValue {
                    name: name.clone(),
                    from: was.clone(),
                    to: now.clone(),
                });
            }
        }
    }
    out
}

/// `from` with `renames` applied.
fn apply(from: &Schema, renames: &[Rename]) -> Result<Schema, DiffError> {
    let mut renamed = from.clone();
    for r in renames {
        renamed.apply(&r.op()).map_err(|e| DiffError {
            changes: vec![format!("the rename of {r} does not apply: {e}")],
        })?;
    }
    Ok(renamed)
}

/// The ops that turn `from` into `to`, the `renames` first (as
/// `rename_table`/`rename_column`), then [`diff`] from the renamed schema.
pub fn diff_renaming(from: &Schema, to: &Schema, renames: &[Rename]) -> Result<Vec<Op>, DiffError> {
    let renamed = apply(from, renames)?;
    let mut ops: Vec<Op> = renames.iter().map(Rename::op).collect();
    ops.extend(diff(&renamed, to)?);
    Ok(ops)
}
