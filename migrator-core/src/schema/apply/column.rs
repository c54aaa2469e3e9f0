//! Columns: their types and defaults checked, added, dropped (unless
//! something still uses them), renamed (everywhere they are named) and
//! altered.

use super::{E, Result, canon_column, canon_comment, canon_type, column_exists, no_nul};
use crate::ident::{QualifiedName, check_ident};
use crate::ops::{
    AddColumn, AlterColumn, ColumnDef, Constraint, DropColumn, ForeignKey, IdentityChange,
    RenameColumn, SequenceChange, TableDef, Using,
};
use crate::schema::{Schema, expr};
use crate::types::{ColumnType, DefaultValue, Literal};

/// Refuses a default whose string or SQL holds a NUL byte.
fn check_default(default: &DefaultValue, what: impl FnOnce() -> String) -> Result {
    match default {
        DefaultValue::Literal(Literal::Str(text)) | DefaultValue::Expr(text) => no_nul(text, what),
        DefaultValue::Literal(_) => Ok(()),
    }
}

/// Refuses a collation on a type that takes none (PostgreSQL's words), or
/// an empty name.
fn check_collation(ty: &ColumnType, collation: &str, invalid: impl Fn(&str) -> E) -> Result {
    if collation.trim().is_empty() || collation.contains('\0') {
        return Err(invalid("its collation name is empty"));
    }
    if !ty.is_collatable() {
        return Err(invalid(&format!(
            "collations are not supported by type {}; only text, varchar and char columns take one",
            crate::render::postgres::type_sql(ty)
        )));
    }
    Ok(())
}

/// The generated column of `table`, other than `column` itself, whose
/// expression uses `column`.
fn generated_user<'a>(table: &'a TableDef, column: &str) -> Option<&'a str> {
    table
        .columns
        .iter()
        .find(|c| {
            c.name != column
                && c.generated
                    .as_deref()
                    .is_some_and(|e| expr::mentions(e, column))
        })
        .map(|c| c.name.as_str())
}

impl Schema {
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

    pub(super) fn check_column(&self, table: &QualifiedName, column: &ColumnDef) -> Result {
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
        if !column.identity_options.is_empty() {
            if column.identity.is_none() {
                return Err(invalid(
                    "sequence options (START WITH, INCREMENT BY, …) belong to an identity column; chain .identity() or .identity_always() before them",
                ));
            }
            if let Some(problem) = column.identity_options.problem(&column.ty) {
                return Err(invalid(&format!("its identity's sequence: {problem}")));
            }
        }
        if let Some(collation) = &column.collation {
            check_collation(&column.ty, collation, invalid)?;
        }
        if let Some(expr) = &column.generated {
            no_nul(expr, || {
                format!(
                    "generation expression of column {} of table {table}",
                    column.name
                )
            })?;
            if expr.trim().is_empty() {
                return Err(invalid("its generation expression is empty"));
            }
            if column.default.is_some() {
                return Err(invalid(
                    "a generated column cannot also have a default; remove .default(..) or .generated_sql(..)",
                ));
            }
            if column.identity.is_some() || column.ty.is_serial() {
                return Err(invalid(
                    "a generated column cannot also be an identity or serial column; remove one of them",
                ));
            }
        }
        Ok(())
    }

    /// The rules of generated columns that need the whole table: an
    /// expression may not use a generated column (itself included).
    pub(super) fn check_generated(table: &TableDef) -> Result {
        for column in &table.columns {
            let Some(expr) = &column.generated else {
                continue;
            };
            if let Some(other) = table
                .columns
                .iter()
                .find(|c| c.generated.is_some() && expr::mentions(expr, &c.name))
            {
                return Err(E::InvalidColumn {
                    table: table.name.clone(),
                    column: column.name.clone(),
                    reason: format!(
                        "its expression uses generated column {}, and a generated column may only use plain columns; repeat {}'s expression instead",
                        other.name, other.name
                    ),
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

    pub(super) fn add_column(&mut self, o: &AddColumn) -> Result {
        let table = self.table_ref(&o.table)?;
        if table.find_column(&o.column.name).is_some() {
            return Err(E::ColumnExists {
                table: o.table.clone(),
                column: o.column.name.clone(),
            });
        }
        self.check_column(&o.table, &o.column)?;
        let mut after = table.clone();
        after.columns.push(canon_column(&o.column));
        Self::check_generated(&after)?;
        *self.table_mut(&o.table)? = after;
        Ok(())
    }

    /// What still uses `column` of `table`, if anything.
    fn column_user(&self, table: &TableDef, column: &str) -> Option<String> {
        if let Some(by) = generated_user(table, column) {
            return Some(format!("generated column {by}"));
        }
        for constraint in &table.constraints {
            let uses = match constraint {
                Constraint::Check(c) => expr::mentions(&c.expr, column),
                Constraint::Exclusion(x) => x.uses(column),
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
        if let Some(i) = self.indexes_of(&table.name).find(|i| i.uses(column)) {
            return Some(format!("index {}", i.name));
        }
        self.triggers_of(&table.name)
            .find(|t| t.uses(column))
            .map(|t| format!("trigger {}", t.name))
    }

    pub(super) fn drop_column(&mut self, o: &DropColumn) -> Result {
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

    pub(super) fn rename_column(&mut self, o: &RenameColumn) -> Result {
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
        for column in table.columns.iter_mut() {
            if column.name == o.from {
                column.name.clone_from(&o.to);
            }
            if let Some(e) = &column.generated {
                column.generated = Some(expr::rename(e, &o.from, &o.to));
            }
        }
        for constraint in &mut table.constraints {
            match constraint {
                Constraint::PrimaryKey(k) => rename(&mut k.columns),
                Constraint::Unique(u) => rename(&mut u.columns),
                Constraint::ForeignKey(fk) => rename(&mut fk.columns),
                Constraint::Check(c) => c.expr = expr::rename(&c.expr, &o.from, &o.to),
                Constraint::Exclusion(x) => x.rename_column(&o.from, &o.to),
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
        for trigger in self.triggers.values_mut().filter(|t| t.table.key() == key) {
            trigger.rename_column(&o.from, &o.to);
        }
        for index in self.indexes.values_mut().filter(|i| i.table.key() == key) {
            for k in &mut index.keys {
                k.rename_column(&o.from, &o.to);
            }
            rename(&mut index.include);
            if let Some(p) = &index.predicate {
                index.predicate = Some(expr::rename(p, &o.from, &o.to));
            }
        }
        Ok(())
    }

    pub(super) fn alter_column(&mut self, o: &AlterColumn) -> Result {
        let table = self.table_ref(&o.table)?;
        column_exists(table, &o.column)?;
        let column = table.find_column(&o.column).expect("checked above");
        let invalid = |reason: &str| E::InvalidColumn {
            table: o.table.clone(),
            column: o.column.clone(),
            reason: reason.to_owned(),
        };
        if o.ty.is_none()
            && o.nullable.is_none()
            && o.default.is_none()
            && o.comment.is_none()
            && o.identity.is_none()
            && o.identity_options
                .as_ref()
                .is_none_or(SequenceChange::is_empty)
            && o.collation.is_none()
            && !o.drop_expression
        {
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
            if let Some(by) = generated_user(table, &o.column) {
                return Err(invalid(&format!(
                    "generated column {by} uses it, so PostgreSQL cannot change its type; drop {by}, change the type, then add {by} again"
                )));
            }
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
            // The collation stays, where the new type takes one.
            if !after.ty.is_collatable() {
                after.collation = None;
            }
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
            if column.generated.is_some() && !o.drop_expression {
                return Err(invalid(
                    "a generated column has no default to set or drop: its value is its expression; drop the expression first (.drop_expression())",
                ));
            }
            let keeps_identity =
                column.identity.is_some() && !matches!(o.identity, Some(IdentityChange::Drop));
            if keeps_identity {
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
                self.check_own_default(&o.table, &o.column, default)?;
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
        if o.drop_expression {
            if column.generated.is_none() {
                return Err(invalid(
                    "it is not a stored generated column, so it has no expression to drop",
                ));
            }
            after.generated = None;
        }
        if let Some(collation) = &o.collation {
            if let Some(name) = collation {
                check_collation(&after.ty, name, invalid)?;
            }
            // A collation changes with ALTER COLUMN … TYPE: PostgreSQL
            // refuses it under a generated column as it refuses a type.
            if o.ty.is_none()
                && let Some(by) = generated_user(table, &o.column)
            {
                return Err(invalid(&format!(
                    "generated column {by} uses it, so PostgreSQL cannot change its collation; drop {by}, change the collation, then add {by} again"
                )));
            }
            after.collation.clone_from(collation);
        }
        if let Some(change) = &o.identity {
            match change {
                IdentityChange::Add(kind, options) => {
                    if column.identity.is_some() {
                        return Err(invalid(
                            "it is already an identity column; change its kind with .set_generated(..)",
                        ));
                    }
                    if after.default.is_some() || after.ty.is_serial() {
                        return Err(invalid(
                            "it has a default, so it cannot become an identity column; drop the default first (.drop_default())",
                        ));
                    }
                    if after.generated.is_some() {
                        return Err(invalid(
                            "a generated column cannot also be an identity column",
                        ));
                    }
                    if !after.ty.is_integer() {
                        return Err(invalid(
                            "an identity column must be smallint, integer or bigint",
                        ));
                    }
                    if after.nullable {
                        return Err(invalid(
                            "it must be NOT NULL before it can become an identity column; chain .set_nullable(false)",
                        ));
                    }
                    if let Some(problem) = options.problem(&after.ty) {
                        return Err(invalid(&format!("its identity's sequence: {problem}")));
                    }
                    after.identity = Some(*kind);
                    after.identity_options = options.canonical(&after.ty);
                }
                IdentityChange::SetGenerated(kind) => {
                    if column.identity.is_none() {
                        return Err(invalid(
                            "it is not an identity column; make it one with .add_identity(..)",
                        ));
                    }
                    after.identity = Some(*kind);
                }
                IdentityChange::Drop => {
                    if column.identity.is_none() {
                        return Err(invalid(
                            "it is not an identity column, so it has no identity to drop",
                        ));
                    }
                    after.identity = None;
                    after.identity_options = Default::default();
                }
            }
        }
        if let Some(change) = &o.identity_options {
            match &o.identity {
                Some(IdentityChange::Add(..)) => {
                    return Err(invalid(
                        "its identity is added in this op: give the sequence's options to .add_identity_with(kind, SequenceOptions::new()…)",
                    ));
                }
                Some(IdentityChange::Drop) => {
                    return Err(invalid(
                        "its identity is dropped in this op, so there is no sequence to set options of",
                    ));
                }
                _ => {}
            }
            if column.identity.is_none() {
                return Err(invalid(
                    "it is not an identity column, so it has no sequence options to set; make it one with .add_identity(..)",
                ));
            }
            let options = change.applied_to(&after.identity_options, &after.ty);
            if let Some(problem) = options
                .problem(&after.ty)
                .or_else(|| change.restart_problem(&options, &after.ty))
            {
                return Err(invalid(&format!("its identity's sequence: {problem}")));
            }
            after.identity_options = options;
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
}
