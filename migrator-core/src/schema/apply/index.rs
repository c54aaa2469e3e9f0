//! Indexes made with `create_index`: created and dropped (an index behind
//! a key goes with its constraint).

use super::{E, Result, column_exists, no_duplicates, no_nul};
use crate::ident::check_ident;
use crate::ops::{Constraint, CreateIndex, DropIndex, IndexDef};
use crate::schema::Schema;

impl Schema {
    pub(super) fn create_index(&mut self, o: &CreateIndex) -> Result {
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

    pub(super) fn drop_index(&mut self, o: &DropIndex) -> Result {
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
}
