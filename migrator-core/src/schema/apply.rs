//! Replaying one op onto the model: validate everything, then change it.
//!
//! Each handler checks before it mutates, so a failed op leaves the schema
//! unchanged.

use std::collections::BTreeSet;

use super::error::ValidationError as E;
use super::{Key, Schema, expr};
use crate::ident::{QualifiedName, check_ident};
use crate::ops::*;
use crate::types::{ColumnType, DefaultValue, Literal};

type Result<T = ()> = std::result::Result<T, E>;

/// The canonical form of a name: `public` left implicit.
fn canon(name: &QualifiedName) -> QualifiedName {
    let (schema, name) = name.key();
    QualifiedName::from_key(&schema, &name)
}

fn canon_type(ty: &ColumnType) -> ColumnType {
    match ty {
        ColumnType::Enum(name) => ColumnType::Enum(canon(name)),
        ColumnType::Array(element) => ColumnType::array(canon_type(element)),
        other => other.clone(),
    }
}

/// PostgreSQL stores an empty comment as no comment.
fn canon_comment(comment: &Option<String>) -> Option<String> {
    comment.clone().filter(|c| !c.is_empty())
}

fn canon_column(column: &ColumnDef) -> ColumnDef {
    ColumnDef {
        ty: canon_type(&column.ty),
        comment: canon_comment(&column.comment),
        ..column.clone()
    }
}

fn canon_constraint(constraint: &Constraint) -> Constraint {
    match constraint {
        Constraint::ForeignKey(fk) => Constraint::ForeignKey(ForeignKey {
            ref_table: canon(&fk.ref_table),
            ..fk.clone()
        }),
        other => other.clone(),
    }
}

fn no_duplicates(what: impl Fn() -> String, columns: &[String]) -> Result {
    let mut seen = BTreeSet::new();
    for column in columns {
        if !seen.insert(column) {
            return Err(E::DuplicateColumn {
                what: what(),
                column: column.clone(),
            });
        }
    }
    Ok(())
}

fn column_exists(table: &TableDef, column: &str) -> Result {
    match table.find_column(column) {
        Some(_) => Ok(()),
        None => Err(E::ColumnNotFound {
            table: table.name.clone(),
            column: column.to_owned(),
        }),
    }
}

/// Refuses text PostgreSQL cannot hold: it stores no NUL byte in text, and
/// a statement with one cannot even be sent.
fn no_nul(text: &str, what: impl FnOnce() -> String) -> Result {
    if text.contains('\0') {
        Err(E::NulByte { what: what() })
    } else {
        Ok(())
    }
}

/// Refuses a default whose string or SQL holds a NUL byte.
fn check_default(default: &DefaultValue, what: impl FnOnce() -> String) -> Result {
    match default {
        DefaultValue::Literal(Literal::Str(text)) | DefaultValue::Expr(text) => no_nul(text, what),
        DefaultValue::Literal(_) => Ok(()),
    }
}

fn sets_equal(a: &[String], b: &[String]) -> bool {
    a.iter().collect::<BTreeSet<_>>() == b.iter().collect::<BTreeSet<_>>()
}

impl Schema {
    /// Applies one op: the model changes as the database would, or the op is
    /// refused with the reason and the model is left unchanged. Raw SQL and
    /// Rust data steps are opaque to the model and change nothing.
    pub fn apply(&mut self, op: &Op) -> Result {
        let result = self.apply_op(op);
        // Whatever the op changed, even when it failed half way.
        self.refresh_key_names(op);
        result
    }

    fn apply_op(&mut self, op: &Op) -> Result {
        match op {
            Op::CreateSchema(o) => self.create_schema(o),
            Op::DropSchema(o) => self.drop_schema(o),
            Op::CreateTable(o) => self.create_table(o),
            Op::DropTable(o) => self.drop_table(o),
            Op::RenameTable(o) => self.rename_table(o),
            Op::SetTableComment(o) => {
                let table = self.table_mut(&o.table)?;
                if let Some(comment) = &o.comment {
                    no_nul(comment, || format!("comment of table {}", o.table))?;
                }
                table.comment = canon_comment(&o.comment);
                Ok(())
            }
            Op::AddColumn(o) => self.add_column(o),
            Op::DropColumn(o) => self.drop_column(o),
            Op::RenameColumn(o) => self.rename_column(o),
            Op::AlterColumn(o) => self.alter_column(o),
            Op::CreateIndex(o) => self.create_index(o),
            Op::DropIndex(o) => self.drop_index(o),
            Op::AddConstraint(o) => self.add_constraint(o),
            Op::DropConstraint(o) => self.drop_constraint(o),
            Op::ValidateConstraint(o) => self.validate_constraint(o),
            Op::CreateEnum(o) => self.create_enum(o),
            Op::AddEnumValue(o) => self.add_enum_value(o),
            Op::RenameEnumValue(o) => self.rename_enum_value(o),
            Op::DropEnum(o) => self.drop_enum(o),
            Op::Execute(_) | Op::RunRust(_) => Ok(()),
        }
    }

    fn need_schema(&self, schema: &str) -> Result {
        if self.schemas.contains(schema) {
            Ok(())
        } else {
            Err(E::SchemaNotFound(schema.to_owned()))
        }
    }

    pub(super) fn table_ref(&self, name: &QualifiedName) -> Result<&TableDef> {
        self.tables
            .get(&name.key())
            .ok_or_else(|| E::TableNotFound(name.clone()))
    }

    fn table_mut(&mut self, name: &QualifiedName) -> Result<&mut TableDef> {
        self.tables
            .get_mut(&name.key())
            .ok_or_else(|| E::TableNotFound(name.clone()))
    }

    /// What holds `name` among the relations of `schema` (tables, indexes and
    /// the indexes behind primary keys and unique constraints), if anything.
    fn relation_kind(&self, schema: &str, name: &str) -> Option<&'static str> {
        let key: Key = (schema.to_owned(), name.to_owned());
        if self.tables.contains_key(&key) {
            return Some("table");
        }
        if self.indexes.contains_key(&key) {
            return Some("index");
        }
        self.key_names.get(&key).copied()
    }

    /// Brings the names of key indexes up to date with the tables `op`
    /// touches.
    fn refresh_key_names(&mut self, op: &Op) {
        let touched: Vec<Key> = match op {
            Op::CreateTable(o) => vec![o.table.name.key()],
            Op::DropTable(o) => vec![o.name.key()],
            Op::RenameTable(o) => vec![o.name.key(), o.name.sibling(o.to.clone()).key()],
            Op::AddColumn(o) => vec![o.table.key()],
            Op::DropColumn(o) => vec![o.table.key()],
            Op::RenameColumn(o) => vec![o.table.key()],
            Op::AlterColumn(o) => vec![o.table.key()],
            Op::AddConstraint(o) => vec![o.table.key()],
            Op::DropConstraint(o) => vec![o.table.key()],
            Op::DropSchema(o) => self
                .key_names_of
                .keys()
                .filter(|(schema, _)| *schema == o.name)
                .cloned()
                .collect(),
            _ => Vec::new(),
        };
        for table in touched {
            for name in self.key_names_of.remove(&table).unwrap_or_default() {
                self.key_names.remove(&name);
            }
            let Some(def) = self.tables.get(&table) else {
                continue;
            };
            let mut names = Vec::new();
            for c in &def.constraints {
                let kind = match c {
                    Constraint::PrimaryKey(_) => "index of primary key",
                    Constraint::Unique(_) => "index of unique constraint",
                    _ => continue,
                };
                let name = (table.0.clone(), c.name().to_owned());
                self.key_names.insert(name.clone(), kind);
                names.push(name);
            }
            if !names.is_empty() {
                // In name order, so that two schemas with the same tables
                // compare equal whatever order their constraints came in.
                names.sort();
                self.key_names_of.insert(table, names);
            }
        }
    }

    fn relation_free(&self, schema: &str, name: &str) -> Result {
        match self.relation_kind(schema, name) {
            Some(kind) => Err(E::NameTaken {
                kind,
                name: name.to_owned(),
                schema: schema.to_owned(),
            }),
            None => Ok(()),
        }
    }

    /// Tables and enums share PostgreSQL's type namespace.
    fn type_free(&self, schema: &str, name: &str) -> Result {
        let key: Key = (schema.to_owned(), name.to_owned());
        let kind = if self.enums.contains_key(&key) {
            "enum"
        } else if self.tables.contains_key(&key) {
            "table (and its row type)"
        } else {
            return Ok(());
        };
        Err(E::NameTaken {
            kind,
            name: name.to_owned(),
            schema: schema.to_owned(),
        })
    }

    fn check_type(&self, table: &QualifiedName, column: &str, ty: &ColumnType) -> Result {
        let invalid = |reason: &str| E::InvalidColumn {
            table: table.clone(),
            column: column.to_owned(),
            reason: reason.to_owned(),
        };
        match ty {
            ColumnType::Array(element) if element.is_serial() => Err(invalid(
                "an array of a serial type does not exist; use an integer array",
            )),
            ColumnType::Array(element) if matches!(**element, ColumnType::Array(_)) => {
                Err(invalid(
                    "write a multi-dimensional array as a one-level array: PostgreSQL does not distinguish them",
                ))
            }
            ColumnType::Custom(sql) if sql.trim().is_empty() => {
                Err(invalid("custom type is empty"))
            }
            ColumnType::Custom(sql) if sql.contains('\0') => Err(E::NulByte {
                what: format!("type of column {column} of table {table}"),
            }),
            ColumnType::Varchar(Some(0)) | ColumnType::Char(0) => {
                Err(invalid("length must be at least 1"))
            }
            ColumnType::Numeric(Some((p, s))) if *p == 0 || *p > 1000 || s > p => Err(invalid(
                "numeric precision must be 1..=1000 and scale at most the precision",
            )),
            _ => match ty.enum_name() {
                Some(name) if !self.enums.contains_key(&name.key()) => {
                    Err(E::EnumNotFound(name.clone()))
                }
                _ => Ok(()),
            },
        }
    }

    fn check_column(&self, table: &QualifiedName, column: &ColumnDef) -> Result {
        check_ident(&column.name)?;
        self.check_type(table, &column.name, &column.ty)?;
        if let Some(comment) = &column.comment {
            no_nul(comment, || {
                format!("comment of column {} of table {table}", column.name)
            })?;
        }
        if let Some(default) = &column.default {
            check_default(default, || {
                format!("default of column {} of table {table}", column.name)
            })?;
        }
        let invalid = |reason: &str| E::InvalidColumn {
            table: table.clone(),
            column: column.name.clone(),
            reason: reason.to_owned(),
        };
        if column.identity.is_some() {
            if !column.ty.is_integer() {
                return Err(invalid(
                    "an identity column must be smallint, integer or bigint",
                ));
            }
            if column.nullable {
                return Err(invalid("an identity column must be NOT NULL"));
            }
            if column.default.is_some() {
                return Err(invalid("an identity column cannot also have a default"));
            }
        }
        if column.ty.is_serial() && column.default.is_some() {
            return Err(invalid(
                "a serial column's default is its sequence; remove the default",
            ));
        }
        Ok(())
    }

    /// Checks a constraint of `table` (which may be a table being created).
    fn check_constraint(&self, table: &TableDef, constraint: &Constraint) -> Result {
        check_ident(constraint.name())?;
        let what = || format!("{} {}", constraint.kind(), constraint.name());
        if let Constraint::Check(check) = constraint {
            if check.expr.trim().is_empty() {
                return Err(E::NoColumns { what: what() });
            }
            return no_nul(&check.expr, || format!("expression of {}", what()));
        }
        let columns = constraint.columns();
        if columns.is_empty() {
            return Err(E::NoColumns { what: what() });
        }
        no_duplicates(what, columns)?;
        for column in columns {
            column_exists(table, column)?;
        }
        if let Constraint::ForeignKey(fk) = constraint {
            self.check_foreign_key(table, fk)?;
        }
        Ok(())
    }

    fn check_foreign_key(&self, table: &TableDef, fk: &ForeignKey) -> Result {
        if fk.columns.len() != fk.ref_columns.len() {
            return Err(E::ForeignKeyArity {
                name: fk.name.clone(),
                local: fk.columns.len(),
                referenced: fk.ref_columns.len(),
            });
        }
        let target = if fk.ref_table.key() == table.name.key() {
            table
        } else {
            self.table_ref(&fk.ref_table)?
        };
        for column in &fk.ref_columns {
            column_exists(target, column)?;
        }
        let keyed = target.constraints.iter().any(|c| {
            matches!(c, Constraint::PrimaryKey(_) | Constraint::Unique(_))
                && sets_equal(c.columns(), &fk.ref_columns)
        });
        if !keyed {
            return Err(E::ForeignKeyNoKey {
                name: fk.name.clone(),
                ref_table: fk.ref_table.clone(),
                columns: fk.ref_columns.join(", "),
            });
        }
        for (column, ref_column) in fk.columns.iter().zip(&fk.ref_columns) {
            let ty = &table.find_column(column).expect("checked above").ty;
            let ref_ty = &target.find_column(ref_column).expect("checked above").ty;
            if !ty.joins_with(ref_ty) {
                return Err(E::ForeignKeyType {
                    name: fk.name.clone(),
                    column: column.clone(),
                    ty: ty.clone(),
                    ref_table: fk.ref_table.clone(),
                    ref_column: ref_column.clone(),
                    ref_ty: ref_ty.clone(),
                });
            }
        }
        Ok(())
    }

    /// After a type change of `column` of `table` to `ty`, the foreign keys
    /// on either side of it must still join.
    fn check_joins(&self, table: &TableDef, column: &str, ty: &ColumnType) -> Result {
        let mismatch = |fk: &ForeignKey,
                        col: &str,
                        col_ty: &ColumnType,
                        target: &TableDef,
                        ref_col: &str,
                        ref_ty: &ColumnType| {
            E::ForeignKeyType {
                name: fk.name.clone(),
                column: col.to_owned(),
                ty: col_ty.clone(),
                ref_table: target.name.clone(),
                ref_column: ref_col.to_owned(),
                ref_ty: ref_ty.clone(),
            }
        };
        for constraint in &table.constraints {
            let Constraint::ForeignKey(fk) = constraint else {
                continue;
            };
            let Some(i) = fk.columns.iter().position(|c| c == column) else {
                continue;
            };
            let target = if fk.ref_table.key() == table.name.key() {
                table
            } else {
                self.table_ref(&fk.ref_table)?
            };
            if let Some(r) = target.find_column(&fk.ref_columns[i])
                && !ty.joins_with(&r.ty)
            {
                return Err(mismatch(fk, column, ty, target, &r.name, &r.ty));
            }
        }
        for (by, fk) in self.references_to(&table.name) {
            let Some(i) = fk.ref_columns.iter().position(|c| c == column) else {
                continue;
            };
            if let Some(c) = by.find_column(&fk.columns[i])
                && !c.ty.joins_with(ty)
            {
                return Err(mismatch(fk, &c.name, &c.ty, table, column, ty));
            }
        }
        Ok(())
    }

    fn create_schema(&mut self, o: &CreateSchema) -> Result {
        check_ident(&o.name)?;
        if self.schemas.contains(&o.name) {
            return if o.if_not_exists {
                Ok(())
            } else {
                Err(E::SchemaExists(o.name.clone()))
            };
        }
        self.schemas.insert(o.name.clone());
        Ok(())
    }

    fn drop_schema(&mut self, o: &DropSchema) -> Result {
        self.need_schema(&o.name)?;
        let in_schema = |(s, _): &&Key| *s == o.name;
        let holds = None
            .or_else(|| {
                self.tables
                    .keys()
                    .find(in_schema)
                    .map(|k| format!("table {}", k.1))
            })
            .or_else(|| {
                self.indexes
                    .keys()
                    .find(in_schema)
                    .map(|k| format!("index {}", k.1))
            })
            .or_else(|| {
                self.enums
                    .keys()
                    .find(in_schema)
                    .map(|k| format!("enum {}", k.1))
            });
        if let Some(holds) = holds {
            return Err(E::SchemaNotEmpty {
                schema: o.name.clone(),
                holds,
            });
        }
        self.schemas.remove(&o.name);
        Ok(())
    }

    fn create_table(&mut self, o: &CreateTable) -> Result {
        let (schema, name) = o.table.name.key();
        check_ident(&name)?;
        if let Some(comment) = &o.table.comment {
            no_nul(comment, || format!("comment of table {}", o.table.name))?;
        }
        self.need_schema(&schema)?;
        if o.if_not_exists && self.relation_kind(&schema, &name).is_some() {
            return Ok(());
        }
        self.relation_free(&schema, &name)?;
        self.type_free(&schema, &name)?;

        let mut table = TableDef {
            name: canon(&o.table.name),
            columns: o.table.columns.iter().map(canon_column).collect(),
            constraints: o.table.constraints.iter().map(canon_constraint).collect(),
            comment: canon_comment(&o.table.comment),
        };
        // Constraints are kept oldest first; CREATE TABLE builds the primary
        // key's index before the others.
        table
            .constraints
            .sort_by_key(|c| !matches!(c, Constraint::PrimaryKey(_)));
        let names: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
        no_duplicates(|| format!("table {}", table.name), &names)?;
        for column in &table.columns {
            self.check_column(&table.name, column)?;
        }
        // PostgreSQL makes primary key columns NOT NULL.
        let key_columns: Vec<String> = table
            .primary_key_constraint()
            .map(|k| k.columns.clone())
            .unwrap_or_default();
        for column in &mut table.columns {
            if key_columns.contains(&column.name) {
                column.nullable = false;
            }
        }
        // One key per set of columns: PostgreSQL silently drops a repeated
        // list in CREATE TABLE (the primary key wins), and with two keys over
        // one set a foreign key could depend on either.
        let keys: Vec<&Constraint> = table
            .constraints
            .iter()
            .filter(|c| matches!(c, Constraint::PrimaryKey(_) | Constraint::Unique(_)))
            .collect();
        for (i, key) in keys.iter().enumerate() {
            if let Some(twin) = keys[i + 1..]
                .iter()
                .find(|k| sets_equal(k.columns(), key.columns()))
            {
                let (kept, dropped) = if matches!(twin, Constraint::PrimaryKey(_)) {
                    (twin, key)
                } else {
                    (key, twin)
                };
                return Err(E::RedundantKey {
                    table: table.name.clone(),
                    name: dropped.name().to_owned(),
                    earlier: kept.name().to_owned(),
                    why: if kept.columns() == dropped.columns() {
                        "PostgreSQL would silently drop it"
                    } else {
                        "a second index over them only slows writes, and a foreign key could depend on either"
                    },
                });
            }
        }
        let mut seen = BTreeSet::new();
        let mut primary: Option<&str> = None;
        for constraint in &table.constraints {
            if !seen.insert(constraint.name()) {
                return Err(E::ConstraintExists {
                    table: table.name.clone(),
                    name: constraint.name().to_owned(),
                });
            }
            if constraint.not_valid() {
                return Err(E::NotValidMisuse {
                    name: constraint.name().to_owned(),
                    reason: "NOT VALID applies only to a constraint added to an existing table",
                });
            }
            if let Constraint::PrimaryKey(k) = constraint {
                if let Some(first) = primary {
                    return Err(E::PrimaryKeyExists {
                        table: table.name.clone(),
                        name: first.to_owned(),
                    });
                }
                primary = Some(&k.name);
            }
            if matches!(
                constraint,
                Constraint::PrimaryKey(_) | Constraint::Unique(_)
            ) {
                self.relation_free(&schema, constraint.name())?;
                if constraint.name() == name {
                    return Err(E::NameTaken {
                        kind: "table",
                        name: name.clone(),
                        schema: schema.clone(),
                    });
                }
            }
            self.check_constraint(&table, constraint)?;
        }
        self.tables.insert((schema, name), table);
        Ok(())
    }

    fn drop_table(&mut self, o: &DropTable) -> Result {
        let table = self.table_ref(&o.name)?;
        let key = table.name.key();
        if let Some((by, fk)) = self
            .references_to(&o.name)
            .find(|(t, _)| t.name.key() != key)
        {
            return Err(E::TableReferenced {
                table: o.name.clone(),
                constraint: fk.name.clone(),
                by: by.name.clone(),
            });
        }
        self.tables.remove(&key);
        self.indexes.retain(|_, i| i.table.key() != key);
        Ok(())
    }

    fn rename_table(&mut self, o: &RenameTable) -> Result {
        let old = self.table_ref(&o.name)?.name.clone();
        check_ident(&o.to)?;
        let schema = old.schema_name().to_owned();
        self.relation_free(&schema, &o.to)?;
        self.type_free(&schema, &o.to)?;
        let new = old.sibling(o.to.clone());
        let mut table = self.tables.remove(&old.key()).expect("looked up above");
        table.name = new.clone();
        self.tables.insert(new.key(), table);
        for index in self.indexes.values_mut() {
            if index.table.key() == old.key() {
                index.table = new.clone();
            }
        }
        for table in self.tables.values_mut() {
            for constraint in &mut table.constraints {
                if let Constraint::ForeignKey(fk) = constraint
                    && fk.ref_table.key() == old.key()
                {
                    fk.ref_table = new.clone();
                }
            }
        }
        Ok(())
    }

    fn add_column(&mut self, o: &AddColumn) -> Result {
        let table = self.table_ref(&o.table)?;
        if table.find_column(&o.column.name).is_some() {
            return Err(E::ColumnExists {
                table: o.table.clone(),
                column: o.column.name.clone(),
            });
        }
        self.check_column(&o.table, &o.column)?;
        self.table_mut(&o.table)?
            .columns
            .push(canon_column(&o.column));
        Ok(())
    }

    /// What still uses `column` of `table`, if anything.
    fn column_user(&self, table: &TableDef, column: &str) -> Option<String> {
        for constraint in &table.constraints {
            let uses = match constraint {
                Constraint::Check(c) => expr::mentions(&c.expr, column),
                other => other.columns().iter().any(|c| c == column),
            };
            if uses {
                return Some(format!("{} {}", constraint.kind(), constraint.name()));
            }
        }
        if let Some((by, fk)) = self
            .references_to(&table.name)
            .find(|(_, fk)| fk.ref_columns.iter().any(|c| c == column))
        {
            return Some(format!("foreign key {} of table {}", fk.name, by.name));
        }
        self.indexes_of(&table.name)
            .find(|i| {
                i.columns.iter().chain(&i.include).any(|c| c == column)
                    || i.predicate
                        .as_deref()
                        .is_some_and(|p| expr::mentions(p, column))
            })
            .map(|i| format!("index {}", i.name))
    }

    fn drop_column(&mut self, o: &DropColumn) -> Result {
        let table = self.table_ref(&o.table)?;
        column_exists(table, &o.column)?;
        if let Some(by) = self.column_user(table, &o.column) {
            return Err(E::ColumnInUse {
                table: o.table.clone(),
                column: o.column.clone(),
                by,
            });
        }
        self.table_mut(&o.table)?
            .columns
            .retain(|c| c.name != o.column);
        Ok(())
    }

    fn rename_column(&mut self, o: &RenameColumn) -> Result {
        let table = self.table_ref(&o.table)?;
        column_exists(table, &o.from)?;
        check_ident(&o.to)?;
        if table.find_column(&o.to).is_some() {
            return Err(E::ColumnExists {
                table: o.table.clone(),
                column: o.to.clone(),
            });
        }
        let key = table.name.key();
        let rename = |names: &mut Vec<String>| {
            for name in names.iter_mut().filter(|n| **n == o.from) {
                name.clone_from(&o.to);
            }
        };
        let table = self.table_mut(&o.table)?;
        for column in table.columns.iter_mut().filter(|c| c.name == o.from) {
            column.name.clone_from(&o.to);
        }
        for constraint in &mut table.constraints {
            match constraint {
                Constraint::PrimaryKey(k) => rename(&mut k.columns),
                Constraint::Unique(u) => rename(&mut u.columns),
                Constraint::ForeignKey(fk) => rename(&mut fk.columns),
                Constraint::Check(c) => c.expr = expr::rename(&c.expr, &o.from, &o.to),
            }
        }
        for other in self.tables.values_mut() {
            for constraint in &mut other.constraints {
                if let Constraint::ForeignKey(fk) = constraint
                    && fk.ref_table.key() == key
                {
                    rename(&mut fk.ref_columns);
                }
            }
        }
        for index in self.indexes.values_mut().filter(|i| i.table.key() == key) {
            rename(&mut index.columns);
            rename(&mut index.include);
            if let Some(p) = &index.predicate {
                index.predicate = Some(expr::rename(p, &o.from, &o.to));
            }
        }
        Ok(())
    }

    fn alter_column(&mut self, o: &AlterColumn) -> Result {
        let table = self.table_ref(&o.table)?;
        column_exists(table, &o.column)?;
        let column = table.find_column(&o.column).expect("checked above");
        let invalid = |reason: &str| E::InvalidColumn {
            table: o.table.clone(),
            column: o.column.clone(),
            reason: reason.to_owned(),
        };
        if o.ty.is_none() && o.nullable.is_none() && o.default.is_none() && o.comment.is_none() {
            return Err(E::NothingToAlter {
                table: o.table.clone(),
                column: o.column.clone(),
            });
        }
        let mut after = column.clone();
        if let Some(change) = &o.ty {
            if column.ty.is_serial() {
                return Err(invalid(
                    "the type of a serial column cannot be changed here: its sequence would be orphaned; add a new column instead",
                ));
            }
            if change.ty.is_serial() {
                return Err(invalid(
                    "serial types exist only for new columns; use an integer type (or an identity column)",
                ));
            }
            self.check_type(&o.table, &o.column, &change.ty)?;
            if let Some(Using::Sql(using)) = &change.using {
                no_nul(using, || {
                    format!(
                        "USING expression of column {} of table {}",
                        o.column, o.table
                    )
                })?;
            }
            after.ty = canon_type(&change.ty);
            self.check_joins(table, &o.column, &after.ty)?;
        }
        if let Some(nullable) = o.nullable {
            let in_key = table
                .primary_key_constraint()
                .is_some_and(|k| k.columns.contains(&o.column));
            if nullable && in_key {
                return Err(invalid(
                    "it is part of the primary key, which must stay NOT NULL",
                ));
            }
            after.nullable = nullable;
        }
        if let Some(default) = &o.default {
            if column.identity.is_some() {
                return Err(invalid("an identity column has no default to set or drop"));
            }
            if column.ty.is_serial() {
                return Err(invalid(
                    "a serial column's default is its sequence and cannot be changed here",
                ));
            }
            if let Some(default) = default {
                check_default(default, || {
                    format!("default of column {} of table {}", o.column, o.table)
                })?;
            }
            after.default = default.clone();
        }
        if let Some(comment) = &o.comment {
            if let Some(text) = comment {
                no_nul(text, || {
                    format!("comment of column {} of table {}", o.column, o.table)
                })?;
            }
            after.comment = canon_comment(comment);
        }
        if after.identity.is_some() && o.ty.is_some() && !after.ty.is_integer() {
            return Err(invalid(
                "an identity column must be smallint, integer or bigint",
            ));
        }
        if after.identity.is_some() && after.nullable {
            return Err(invalid("an identity column must be NOT NULL"));
        }
        let table = self.table_mut(&o.table)?;
        let slot = table
            .columns
            .iter_mut()
            .find(|c| c.name == o.column)
            .expect("checked above");
        *slot = after;
        Ok(())
    }

    fn create_index(&mut self, o: &CreateIndex) -> Result {
        let index = &o.index;
        let table = self.table_ref(&index.table)?;
        check_ident(&index.name)?;
        let schema = table.name.schema_name().to_owned();
        if o.if_not_exists && self.relation_kind(&schema, &index.name).is_some() {
            return Ok(());
        }
        self.relation_free(&schema, &index.name)?;
        let what = || format!("index {}", index.name);
        if index.columns.is_empty() {
            return Err(E::NoColumns { what: what() });
        }
        no_duplicates(what, &index.columns)?;
        for column in index.columns.iter().chain(&index.include) {
            column_exists(table, column)?;
        }
        if let Some(predicate) = &index.predicate {
            no_nul(predicate, || format!("predicate of index {}", index.name))?;
        }
        let stored = IndexDef {
            table: table.name.clone(),
            ..index.clone()
        };
        self.indexes.insert((schema, index.name.clone()), stored);
        Ok(())
    }

    fn drop_index(&mut self, o: &DropIndex) -> Result {
        let key = o.name.key();
        if self.indexes.remove(&key).is_some() {
            return Ok(());
        }
        let owner = self.tables.values().find_map(|t| {
            t.constraints
                .iter()
                .find(|c| {
                    matches!(c, Constraint::PrimaryKey(_) | Constraint::Unique(_))
                        && c.name() == key.1
                        && t.name.schema_name() == key.0
                })
                .map(|c| (t.name.clone(), c.kind()))
        });
        Err(match owner {
            Some((table, kind)) => E::IndexOfConstraint {
                index: key.1,
                kind,
                table,
            },
            None => E::IndexNotFound(o.name.clone()),
        })
    }

    fn add_constraint(&mut self, o: &AddConstraint) -> Result {
        let table = self.table_ref(&o.table)?;
        let constraint = canon_constraint(&o.constraint);
        if let (Constraint::PrimaryKey(_), Some(existing)) =
            (&constraint, table.primary_key_constraint())
        {
            return Err(E::PrimaryKeyExists {
                table: o.table.clone(),
                name: existing.name.clone(),
            });
        }
        if table.find_constraint(constraint.name()).is_some() {
            return Err(E::ConstraintExists {
                table: o.table.clone(),
                name: constraint.name().to_owned(),
            });
        }
        self.check_constraint(table, &constraint)?;
        if matches!(
            constraint,
            Constraint::PrimaryKey(_) | Constraint::Unique(_)
        ) && let Some(twin) = table.constraints.iter().find(|c| {
            matches!(c, Constraint::PrimaryKey(_) | Constraint::Unique(_))
                && sets_equal(c.columns(), constraint.columns())
        }) {
            return Err(E::RedundantKey {
                table: o.table.clone(),
                name: constraint.name().to_owned(),
                earlier: twin.name().to_owned(),
                why: "a second index over them only slows writes, and a foreign key could depend on either",
            });
        }
        match &constraint {
            Constraint::PrimaryKey(key) => {
                if let Some(column) = key
                    .columns
                    .iter()
                    .find(|c| table.find_column(c).is_some_and(|c| c.nullable))
                {
                    return Err(E::PrimaryKeyNullable {
                        table: o.table.clone(),
                        name: key.name.clone(),
                        column: column.clone(),
                    });
                }
                self.relation_free(table.name.schema_name(), &key.name)?;
            }
            Constraint::Unique(unique) => {
                self.relation_free(table.name.schema_name(), &unique.name)?;
            }
            Constraint::Check(_) | Constraint::ForeignKey(_) => {}
        }
        self.table_mut(&o.table)?.constraints.push(constraint);
        Ok(())
    }

    fn drop_constraint(&mut self, o: &DropConstraint) -> Result {
        let table = self.table_ref(&o.table)?;
        let constraint = table
            .find_constraint(&o.name)
            .ok_or_else(|| E::ConstraintNotFound {
                table: o.table.clone(),
                name: o.name.clone(),
            })?;
        if matches!(
            constraint,
            Constraint::PrimaryKey(_) | Constraint::Unique(_)
        ) {
            // A foreign key depends on the index PostgreSQL chose for it: the
            // oldest key over its columns. Another key over the same columns
            // may go; that one may not.
            let columns = constraint.columns();
            let chosen = table
                .constraints
                .iter()
                .find(|c| {
                    matches!(c, Constraint::PrimaryKey(_) | Constraint::Unique(_))
                        && sets_equal(c.columns(), columns)
                })
                .is_some_and(|c| c.name() == o.name);
            let user = self
                .references_to(&table.name)
                .find(|(_, fk)| chosen && sets_equal(&fk.ref_columns, columns));
            if let Some((by, fk)) = user {
                return Err(E::KeyReferenced {
                    table: o.table.clone(),
                    name: o.name.clone(),
                    by_constraint: fk.name.clone(),
                    by: by.name.clone(),
                });
            }
        }
        self.table_mut(&o.table)?
            .constraints
            .retain(|c| c.name() != o.name);
        Ok(())
    }

    fn validate_constraint(&mut self, o: &ValidateConstraint) -> Result {
        let table = self.table_mut(&o.table)?;
        let slot = table
            .constraints
            .iter_mut()
            .find(|c| c.name() == o.name)
            .ok_or_else(|| E::ConstraintNotFound {
                table: o.table.clone(),
                name: o.name.clone(),
            })?;
        if matches!(slot, Constraint::PrimaryKey(_) | Constraint::Unique(_)) {
            return Err(E::NotValidMisuse {
                name: o.name.clone(),
                reason: "only check constraints and foreign keys can be validated",
            });
        }
        *slot = slot.clone().with_not_valid(false);
        Ok(())
    }

    fn enum_mut(&mut self, name: &QualifiedName) -> Result<&mut Vec<String>> {
        self.enums
            .get_mut(&name.key())
            .ok_or_else(|| E::EnumNotFound(name.clone()))
    }

    fn create_enum(&mut self, o: &CreateEnum) -> Result {
        let (schema, name) = o.name.key();
        check_ident(&name)?;
        self.need_schema(&schema)?;
        self.type_free(&schema, &name)?;
        let mut seen = BTreeSet::new();
        for value in &o.values {
            check_ident(value)?;
            if !seen.insert(value) {
                return Err(E::EnumValueExists {
                    name: o.name.clone(),
                    value: value.clone(),
                });
            }
        }
        self.enums.insert((schema, name), o.values.clone());
        Ok(())
    }

    fn add_enum_value(&mut self, o: &AddEnumValue) -> Result {
        check_ident(&o.value)?;
        let values = self.enum_mut(&o.name)?;
        if values.contains(&o.value) {
            return if o.if_not_exists {
                Ok(())
            } else {
                Err(E::EnumValueExists {
                    name: o.name.clone(),
                    value: o.value.clone(),
                })
            };
        }
        let at = match &o.position {
            None => values.len(),
            Some(EnumPosition::Before(v) | EnumPosition::After(v)) => {
                let i = values
                    .iter()
                    .position(|x| x == v)
                    .ok_or_else(|| E::EnumValueNotFound {
                        name: o.name.clone(),
                        value: v.clone(),
                    })?;
                if matches!(o.position, Some(EnumPosition::After(_))) {
                    i + 1
                } else {
                    i
                }
            }
        };
        values.insert(at, o.value.clone());
        Ok(())
    }

    fn rename_enum_value(&mut self, o: &RenameEnumValue) -> Result {
        check_ident(&o.to)?;
        let values = self.enum_mut(&o.name)?;
        if values.contains(&o.to) {
            return Err(E::EnumValueExists {
                name: o.name.clone(),
                value: o.to.clone(),
            });
        }
        let slot =
            values
                .iter_mut()
                .find(|v| **v == o.from)
                .ok_or_else(|| E::EnumValueNotFound {
                    name: o.name.clone(),
                    value: o.from.clone(),
                })?;
        slot.clone_from(&o.to);
        // A default that is this enum's value follows the rename, as in PostgreSQL.
        let key = o.name.key();
        for column in self.tables.values_mut().flat_map(|t| &mut t.columns) {
            let is_enum = matches!(&column.ty, ColumnType::Enum(n) if n.key() == key);
            if let (true, Some(DefaultValue::Literal(Literal::Str(v)))) =
                (is_enum, &mut column.default)
                && *v == o.from
            {
                v.clone_from(&o.to);
            }
        }
        Ok(())
    }

    fn drop_enum(&mut self, o: &DropEnum) -> Result {
        let key = o.name.key();
        if !self.enums.contains_key(&key) {
            return Err(E::EnumNotFound(o.name.clone()));
        }
        for table in self.tables.values() {
            if let Some(column) = table
                .columns
                .iter()
                .find(|c| c.ty.enum_name().is_some_and(|n| n.key() == key))
            {
                return Err(E::EnumInUse {
                    name: o.name.clone(),
                    table: table.name.clone(),
                    column: column.name.clone(),
                });
            }
        }
        self.enums.remove(&key);
        Ok(())
    }
}
