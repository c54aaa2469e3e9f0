//! Indexes made with `create_index`: created and dropped (an index behind
//! a key goes with its constraint).

use super::{E, Result, column_exists, no_duplicates, no_nul};
use crate::ident::check_ident;
use crate::ops::{CreateIndex, DropIndex, IndexDef, IndexKey, IndexMethod, KeyExpr};
use crate::schema::Schema;

impl Schema {
    pub(super) fn create_index(&mut self, o: &CreateIndex) -> Result {
        let index = &IndexDef {
            keys: o
                .index
                .keys
                .iter()
                .cloned()
                .map(IndexKey::canonical)
                .collect(),
            ..o.index.clone()
        };
        let table = self.table_ref(&index.table)?;
        check_ident(&index.name)?;
        let schema = table.name.schema_name().to_owned();
        if o.if_not_exists && self.relation_kind(&schema, &index.name).is_some() {
            return Ok(());
        }
        self.relation_free(&schema, &index.name)?;
        let what = || format!("index {}", index.name);
        if index.keys.is_empty() {
            return Err(E::NoColumns { what: what() });
        }
        let columns: Vec<String> = index.key_columns().map(str::to_owned).collect();
        no_duplicates(what, &columns)?;
        for column in columns.iter().chain(&index.include) {
            column_exists(table, column)?;
        }
        let invalid = |reason: String| E::InvalidIndex {
            index: index.name.clone(),
            table: table.name.clone(),
            reason,
        };
        check_keys(index, &format!("key of index {}", index.name), invalid)?;
        let invalid = |reason: String| E::InvalidIndex {
            index: index.name.clone(),
            table: table.name.clone(),
            reason,
        };
        method_allows(index).map_err(invalid)?;
        for (name, value) in &index.with {
            check_ident(name)?;
            no_nul(value, || {
                format!("storage parameter {name} of index {}", index.name)
            })?;
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
                .find(|c| c.has_index() && c.name() == key.1 && t.name.schema_name() == key.0)
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

/// Refuses an empty key expression, collation or operator class of
/// `index` (also an exclusion constraint's), or one holding a NUL byte;
/// `what` names the object (`key of index i`).
pub(super) fn check_keys(
    index: &IndexDef,
    what: &str,
    invalid: impl Fn(String) -> super::E,
) -> Result {
    for key in &index.keys {
        if let KeyExpr::Expression(sql) = &key.expr {
            no_nul(sql, || what.to_owned())?;
            if sql.trim().is_empty() {
                return Err(invalid("a key expression is empty".into()));
            }
        }
        for name in key.collation.iter().chain(&key.opclass) {
            no_nul(name, || what.to_owned())?;
            if name.trim().is_empty() {
                return Err(invalid(
                    "a key's collation or operator class is empty".into(),
                ));
            }
        }
    }
    Ok(())
}

/// What PostgreSQL's access method refuses of `index`, with its words.
pub(super) fn method_allows(index: &IndexDef) -> std::result::Result<(), String> {
    let method = index.method;
    let name = method.as_str();
    let btree = method == IndexMethod::BTree;
    if index.unique && !btree {
        return Err(format!(
            "access method \"{name}\" does not support unique indexes"
        ));
    }
    if !index.include.is_empty()
        && !matches!(
            method,
            IndexMethod::BTree | IndexMethod::Gist | IndexMethod::SpGist
        )
    {
        return Err(format!(
            "access method \"{name}\" does not support included columns"
        ));
    }
    if !btree && index.keys.iter().any(|k| k.descending) {
        return Err(format!(
            "access method \"{name}\" does not support ASC/DESC options"
        ));
    }
    if !btree && index.keys.iter().any(|k| k.nulls.is_some()) {
        return Err(format!(
            "access method \"{name}\" does not support NULLS FIRST/LAST options"
        ));
    }
    if matches!(method, IndexMethod::Hash | IndexMethod::SpGist) && index.keys.len() > 1 {
        return Err(format!(
            "access method \"{name}\" does not support multicolumn indexes"
        ));
    }
    Ok(())
}
