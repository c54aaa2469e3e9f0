//! Tables: created with their columns and constraints, dropped, renamed,
//! commented.

use std::collections::BTreeSet;

use super::{
    E, Result, canon, canon_column, canon_comment, canon_constraint, no_duplicates, no_nul,
    sets_equal,
};
use crate::ident::check_ident;
use crate::ops::{Constraint, CreateTable, DropTable, RenameTable, SetTableComment, TableDef};
use crate::schema::Schema;

impl Schema {
    pub(super) fn set_table_comment(&mut self, o: &SetTableComment) -> Result {
        let table = self.table_mut(&o.table)?;
        if let Some(comment) = &o.comment {
            no_nul(comment, || format!("comment of table {}", o.table))?;
        }
        table.comment = canon_comment(&o.comment);
        Ok(())
    }

    pub(super) fn create_table(&mut self, o: &CreateTable) -> Result {
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
        Self::check_generated(&table)?;
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
            if constraint.has_index() {
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

    pub(super) fn drop_table(&mut self, o: &DropTable) -> Result {
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
        self.triggers.retain(|(t, _), _| *t != key);
        Ok(())
    }

    pub(super) fn rename_table(&mut self, o: &RenameTable) -> Result {
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
        let moved: Vec<_> = self
            .triggers
            .keys()
            .filter(|(t, _)| *t == old.key())
            .cloned()
            .collect();
        for key in moved {
            let mut trigger = self.triggers.remove(&key).expect("listed above");
            trigger.table = new.clone();
            self.triggers.insert((new.key(), key.1), trigger);
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
}
