//! Constraints: checked (a foreign key against the key it references),
//! added, dropped (unless a foreign key depends on it) and validated.

use super::{E, Result, canon_constraint, column_exists, no_duplicates, no_nul, sets_equal};
use crate::ident::check_ident;
use crate::ops::{
    AddConstraint, Constraint, DropConstraint, Exclusion, ForeignKey, IndexMethod, PrimaryKey,
    TableDef, Unique, ValidateConstraint,
};
use crate::schema::Schema;

impl Schema {
    /// Checks a constraint of `table` (which may be a table being created).
    pub(super) fn check_constraint(&self, table: &TableDef, constraint: &Constraint) -> Result {
        check_ident(constraint.name())?;
        let what = || format!("{} {}", constraint.kind(), constraint.name());
        if let Constraint::Check(check) = constraint {
            if check.expr.trim().is_empty() {
                return Err(E::NoColumns { what: what() });
            }
            return no_nul(&check.expr, || format!("expression of {}", what()));
        }
        if let Constraint::Exclusion(x) = constraint {
            return check_exclusion(table, x);
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
        let key = target.constraints.iter().find(|c| {
            matches!(c, Constraint::PrimaryKey(_) | Constraint::Unique(_))
                && sets_equal(c.columns(), &fk.ref_columns)
        });
        if let Some(key) = key.filter(|k| k.deferrable().is_some()) {
            return Err(E::ForeignKeyDeferrableKey {
                name: fk.name.clone(),
                ref_table: fk.ref_table.clone(),
                key: key.name().to_owned(),
            });
        }
        if key.is_none() {
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

    pub(super) fn add_constraint(&mut self, o: &AddConstraint) -> Result {
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
            Constraint::Unique(_) | Constraint::Exclusion(_) => {
                self.relation_free(table.name.schema_name(), constraint.name())?;
            }
            Constraint::Check(_) | Constraint::ForeignKey(_) => {}
        }
        self.table_mut(&o.table)?.constraints.push(constraint);
        Ok(())
    }

    pub(super) fn drop_constraint(&mut self, o: &DropConstraint) -> Result {
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

    pub(super) fn validate_constraint(&mut self, o: &ValidateConstraint) -> Result {
        let table = self.table_mut(&o.table)?;
        let slot = table
            .constraints
            .iter_mut()
            .find(|c| c.name() == o.name)
            .ok_or_else(|| E::ConstraintNotFound {
                table: o.table.clone(),
                name: o.name.clone(),
            })?;
        if slot.has_index() {
            return Err(E::NotValidMisuse {
                name: o.name.clone(),
                reason: "only check constraints and foreign keys can be validated",
            });
        }
        *slot = slot.clone().with_not_valid(false);
        Ok(())
    }
}

impl Schema {
    /// `ADD CONSTRAINT … USING INDEX`: the index becomes the key's, under
    /// the key's name; refused, with PostgreSQL's reason, for an index that
    /// cannot be one.
    pub(super) fn add_key_using_index(&mut self, o: &crate::ops::AddKeyUsingIndex) -> Result {
        use crate::ops::{IndexMethod, KeyKind};
        let table = self.table_ref(&o.table)?;
        let key = (table.name.schema_name().to_owned(), o.index.clone());
        let Some(index) = self
            .indexes
            .get(&key)
            .filter(|i| i.table.key() == table.name.key())
        else {
            return Err(E::IndexNotFound(table.name.sibling(o.index.clone())));
        };
        let invalid = |reason: &str| E::InvalidIndex {
            index: o.index.clone(),
            table: table.name.clone(),
            reason: format!("{reason}, so it cannot become a key (USING INDEX)"),
        };
        if !index.unique {
            return Err(invalid("it is not unique"));
        }
        if index.method != IndexMethod::BTree || !index.plain_keys() {
            return Err(invalid(
                "it is not a b-tree index of plain columns in their default order",
            ));
        }
        if index.predicate.is_some() {
            return Err(invalid("it is partial (WHERE)"));
        }
        if !index.include.is_empty() || index.nulls_not_distinct || !index.with.is_empty() {
            return Err(invalid(
                "it has INCLUDE columns, NULLS NOT DISTINCT or storage parameters",
            ));
        }
        let columns: Vec<String> = index.key_columns().map(str::to_owned).collect();
        let name = o.constraint_name().to_owned();
        let constraint = match o.kind {
            KeyKind::PrimaryKey => {
                let mut k = PrimaryKey::new(&table.name.name, columns);
                k.name = name;
                Constraint::PrimaryKey(k)
            }
            KeyKind::Unique => {
                let mut u = Unique::new(&table.name.name, columns);
                u.name = name;
                Constraint::Unique(u)
            }
        };
        // The index is the key's now, under its name.
        let mut after = self.clone();
        after.indexes.remove(&key);
        after.add_constraint(&AddConstraint {
            table: o.table.clone(),
            constraint,
        })?;
        *self = after;
        Ok(())
    }
}

/// Operators that are not their own commutator (`a < b` is not `b < a`),
/// which PostgreSQL refuses in an exclusion constraint.
const NOT_COMMUTATIVE: &[&str] = &[
    "<", ">", "<=", ">=", "<<", ">>", "@>", "<@", "&<", "&>", "<<|", "|>>", "&<|", "|&>", "<^",
    ">^", "~", "~*", "!~", "!~*", "~~", "~~*", "!~~", "!~~*", "^@", "@@", "@?",
];

/// What PostgreSQL refuses of an exclusion constraint of `table`, with its
/// words: an unknown column, a method without `amgettuple` (GIN, BRIN) or
/// without what an element asks of it (ordering, several columns,
/// `INCLUDE`), an operator that is not commutative. What only the server
/// knows (an operator class for a type under the method, say, an integer
/// under GiST without `btree_gist`) is left to it.
fn check_exclusion(table: &TableDef, x: &Exclusion) -> Result {
    let invalid = |reason: String| E::InvalidExclusion {
        name: x.name.clone(),
        table: table.name.clone(),
        reason,
    };
    if x.elements.is_empty() {
        return Err(E::NoColumns {
            what: format!("exclusion constraint {}", x.name),
        });
    }
    for column in x.key_columns().chain(x.include.iter().map(String::as_str)) {
        if table.find_column(column).is_none() {
            return Err(invalid(format!(
                "column \"{column}\" named in key does not exist"
            )));
        }
    }
    if matches!(x.method, IndexMethod::Gin | IndexMethod::Brin) {
        return Err(invalid(format!(
            "access method \"{}\" does not support exclusion constraints (it cannot fetch single rows); use gist, spgist, btree or hash",
            x.method.as_str()
        )));
    }
    let index = x.index_def(table.name.clone());
    super::index::check_keys(
        &index,
        &format!("key of exclusion constraint {}", x.name),
        invalid,
    )?;
    super::index::method_allows(&index).map_err(invalid)?;
    for e in &x.elements {
        let op = e.operator.trim();
        no_nul(op, || {
            format!("operator of exclusion constraint {}", x.name)
        })?;
        if !operator_name(op) {
            return Err(invalid(format!(
                "{op:?} is not an operator: write one as SQL does after WITH (=, &&, OPERATOR(schema.=))"
            )));
        }
        if NOT_COMMUTATIVE.contains(&op) {
            return Err(invalid(format!(
                "operator {op} is not commutative; only commutative operators can be used in exclusion constraints"
            )));
        }
    }
    for (name, value) in &x.with {
        check_ident(name)?;
        no_nul(value, || {
            format!(
                "storage parameter {name} of exclusion constraint {}",
                x.name
            )
        })?;
    }
    if let Some(predicate) = &x.predicate {
        no_nul(predicate, || {
            format!("predicate of exclusion constraint {}", x.name)
        })?;
        if predicate.trim().is_empty() {
            return Err(invalid("the WHERE predicate is empty".into()));
        }
    }
    Ok(())
}

/// Whether `op` is an operator as SQL writes one after `WITH`: its
/// characters alone, or `OPERATOR(schema.op)`.
fn operator_name(op: &str) -> bool {
    const CHARS: &[u8] = b"+-*/<>=~!@#%^&|`?";
    let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| CHARS.contains(&b));
    if let Some(inner) = op
        .strip_prefix("OPERATOR(")
        .or_else(|| op.strip_prefix("operator("))
        .and_then(|s| s.strip_suffix(')'))
    {
        return match inner.rsplit_once('.') {
            Some((schema, op)) => {
                plain(op)
                    && !schema.is_empty()
                    && schema
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            }
            None => plain(inner),
        };
    }
    plain(op)
}
