//! Views and materialized views: created, replaced, dropped, renamed and
//! refreshed; and what they read kept from being dropped or retyped under
//! them, and rewritten when it is renamed (see
//! [`views`](crate::schema::views) for how a definition is read).

use super::{E, Result, canon, no_nul};
use crate::ident::{QualifiedName, check_ident};
use crate::ops::{CreateIndex, CreateView, DropView, Op, RefreshMaterializedView, RenameView};
use crate::schema::views::{output_columns, reads, rename_column, rename_relation};
use crate::schema::{Key, Schema};

fn kind(materialized: bool) -> &'static str {
    if materialized {
        "materialized view"
    } else {
        "view"
    }
}

impl Schema {
    /// The view `name` as the op `{verb}_view` or
    /// `{verb}_materialized_view` names it: refused when it is the other
    /// kind.
    fn view_as(&self, name: &QualifiedName, materialized: bool, verb: &str) -> Result<Key> {
        let key = name.key();
        let view = self
            .views
            .get(&key)
            .ok_or_else(|| E::ViewNotFound(name.clone()))?;
        if view.materialized != materialized {
            let reason = match (view.materialized, verb) {
                (false, "refresh") => "only a materialized view has rows to refresh".to_owned(),
                (true, _) => format!("use {verb}_materialized_view (it is not a plain view)"),
                (false, _) => format!("use {verb}_view (it is not a materialized view)"),
            };
            return Err(E::InvalidView {
                kind: kind(view.materialized),
                name: name.clone(),
                reason,
            });
        }
        Ok(key)
    }

    pub(super) fn create_view(&mut self, o: &CreateView) -> Result {
        let view = &o.view;
        let (schema, name) = view.name.key();
        check_ident(&name)?;
        self.need_schema(&schema)?;
        no_nul(&view.sql, || format!("definition of view {}", view.name))?;
        let invalid = |reason: &str| E::InvalidView {
            kind: kind(view.materialized),
            name: view.name.clone(),
            reason: reason.to_owned(),
        };
        let sql = view.sql.trim().trim_end_matches(';').trim_end();
        if sql.is_empty() {
            return Err(invalid("its definition is empty; give the SELECT it names"));
        }
        if output_columns(sql).is_none() {
            return Err(invalid(
                "its select list has a *, which PostgreSQL expands to the columns of the moment the view is created (the model could not follow it); list the columns instead",
            ));
        }
        if view.materialized && o.or_replace {
            return Err(invalid(
                "PostgreSQL has no CREATE OR REPLACE MATERIALIZED VIEW; drop it and create it again",
            ));
        }
        if !view.materialized && o.with_no_data {
            return Err(invalid("WITH NO DATA applies to a materialized view only"));
        }
        let key: Key = (schema.clone(), name.clone());
        match self.views.get(&key) {
            Some(old) if o.or_replace && !old.materialized => {
                self.replaceable(old, sql)?;
            }
            _ => {
                self.relation_free(&schema, &name)?;
                self.type_free(&schema, &name)?;
            }
        }
        let mut stored = view.clone();
        stored.name = canon(&view.name);
        stored.sql = sql.to_owned();
        self.views.insert(key, stored);
        Ok(())
    }

    /// Refuses what `CREATE OR REPLACE VIEW` refuses, where the model can
    /// tell: a column dropped or renamed (its type it cannot tell).
    fn replaceable(&self, old: &crate::ops::ViewDef, sql: &str) -> Result {
        let (Some(before), Some(after)) = (output_columns(&old.sql), output_columns(sql)) else {
            return Ok(());
        };
        let invalid = |reason: String| E::InvalidView {
            kind: "view",
            name: old.name.clone(),
            reason,
        };
        if after.len() < before.len() {
            return Err(invalid(format!(
                "CREATE OR REPLACE cannot drop columns from a view (it has {}, the new query {}); drop it and create it again",
                before.len(),
                after.len()
            )));
        }
        for (a, b) in before.iter().zip(&after) {
            if let (Some(a), Some(b)) = (a, b)
                && a != b
            {
                return Err(invalid(format!(
                    "CREATE OR REPLACE cannot change the name of view column {a} to {b}; keep the old columns first, in order, or drop the view and create it again"
                )));
            }
        }
        Ok(())
    }

    pub(super) fn drop_view(&mut self, o: &DropView) -> Result {
        let key = self.view_as(&o.name, o.materialized, "drop")?;
        let name = self.views[&key].name.clone();
        if let Some(by) = self
            .views_reading(&name)
            .into_iter()
            .find(|v| v.name.key() != key)
        {
            return Err(E::ViewDepends {
                view: by.name.clone(),
                object: format!("{} {name}", kind(o.materialized)),
            });
        }
        self.views.remove(&key);
        self.indexes.retain(|_, i| i.table.key() != key);
        Ok(())
    }

    pub(super) fn rename_view(&mut self, o: &RenameView) -> Result {
        let key = self.view_as(&o.name, o.materialized, "rename")?;
        check_ident(&o.to)?;
        self.relation_free(&key.0, &o.to)?;
        self.type_free(&key.0, &o.to)?;
        let rewrites = self.rewrites_for_relation(&key, &o.to);
        let mut view = self.views.remove(&key).expect("looked up above");
        let new = view.name.sibling(o.to.clone());
        view.name = new.clone();
        self.views.insert(new.key(), view);
        for index in self.indexes.values_mut() {
            if index.table.key() == key {
                index.table = new.clone();
            }
        }
        self.rewrite_views(rewrites);
        Ok(())
    }

    pub(super) fn refresh_materialized_view(&mut self, o: &RefreshMaterializedView) -> Result {
        let key = self.view_as(&o.name, true, "refresh")?;
        if o.concurrently
            && !self
                .indexes
                .values()
                .any(|i| i.table.key() == key && i.unique && i.predicate.is_none())
        {
            return Err(E::InvalidView {
                kind: "materialized view",
                name: o.name.clone(),
                reason: "REFRESH MATERIALIZED VIEW CONCURRENTLY needs a unique index on it, without a WHERE clause; create one with create_index(…).unique() first".to_owned(),
            });
        }
        Ok(())
    }

    /// An index on a materialized view (PostgreSQL has none on a plain
    /// view). Its columns are not checked: the model does not always know
    /// a view's columns (`SELECT *`); the server does.
    pub(super) fn create_view_index(&mut self, o: &CreateIndex) -> Result {
        let index = &o.index;
        let key = index.table.key();
        let view = &self.views[&key];
        if !view.materialized {
            return Err(E::InvalidView {
                kind: "view",
                name: view.name.clone(),
                reason: format!(
                    "index {} cannot be created on a view that is not materialized",
                    index.name
                ),
            });
        }
        check_ident(&index.name)?;
        if o.if_not_exists && self.relation_kind(&key.0, &index.name).is_some() {
            return Ok(());
        }
        self.relation_free(&key.0, &index.name)?;
        let mut stored = index.clone();
        stored.table = view.name.clone();
        self.indexes
            .insert((key.0.clone(), index.name.clone()), stored);
        Ok(())
    }

    /// Refuses `op` when it drops, or changes the type or collation of,
    /// what a view reads (as PostgreSQL does: a collation changes with
    /// `ALTER COLUMN … TYPE`).
    pub(super) fn views_allow(&self, op: &Op) -> Result {
        match op {
            Op::DropTable(o) => {
                if let Some(view) = self.views_reading(&o.name).first() {
                    return Err(E::ViewDepends {
                        view: view.name.clone(),
                        object: format!("table {}", canon(&o.name)),
                    });
                }
            }
            Op::DropColumn(o) => {
                if let Some(view) = self.view_reading_column(&o.table, &o.column) {
                    return Err(E::ViewDepends {
                        view,
                        object: format!("column {}.{}", canon(&o.table), o.column),
                    });
                }
            }
            Op::AlterColumn(o) if o.ty.is_some() || o.collation.is_some() => {
                if let Some(view) = self.view_reading_column(&o.table, &o.column) {
                    return Err(E::ViewUsesColumnType {
                        table: canon(&o.table),
                        column: o.column.clone(),
                        view,
                    });
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn view_reading_column(&self, table: &QualifiedName, column: &str) -> Option<QualifiedName> {
        let wanted = (table.key(), column.to_owned());
        self.views
            .values()
            .find(|v| reads(&v.sql, self).columns.contains(&wanted))
            .map(|v| v.name.clone())
    }

    /// The views' definitions after `op` renames what they read, computed
    /// before it runs (the definitions are read against the old names).
    pub(super) fn view_rewrites(&self, op: &Op) -> Vec<(Key, String)> {
        match op {
            Op::RenameTable(o) => self.rewrites_for_relation(&o.name.key(), &o.to),
            Op::RenameColumn(o) => {
                let table = o.table.key();
                self.views
                    .iter()
                    .map(|(key, v)| {
                        (
                            key.clone(),
                            rename_column(&v.sql, self, &table, &o.from, &o.to),
                        )
                    })
                    .filter(|(key, sql)| self.views[key].sql != *sql)
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    fn rewrites_for_relation(&self, from: &Key, to: &str) -> Vec<(Key, String)> {
        self.views
            .iter()
            .filter(|(key, _)| *key != from)
            .map(|(key, v)| (key.clone(), rename_relation(&v.sql, self, from, to)))
            .filter(|(key, sql)| self.views[key].sql != *sql)
            .collect()
    }

    pub(super) fn rewrite_views(&mut self, rewrites: Vec<(Key, String)>) {
        for (key, sql) in rewrites {
            if let Some(view) = self.views.get_mut(&key) {
                view.sql = sql;
            }
        }
    }
}
