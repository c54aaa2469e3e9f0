//! The ops that turn one schema model into another: the heart of
//! autogenerate (issue 14), pure and engine-free.
//!
//! [`diff`] compares two [`Schema`]s object by object, by name, and orders
//! the ops so that they replay onto the first to give the second:
//!
//! 1. new schemas, then enums: created, or given their new values at their
//!    positions (`BEFORE`/`AFTER`);
//! 2. what goes away: triggers first, then foreign keys (so nothing still
//!    references what is dropped next), indexes, views, functions (those
//!    that change their arguments or result too, their triggers dropped and
//!    created again around them), other constraints, tables, columns;
//! 3. what comes: columns added and altered, table comments, primary keys,
//!    unique and check constraints, new tables (in foreign-key order; keys
//!    between new tables that form a cycle added after all of them), foreign
//!    keys, functions (new, replaced in place, or created again: a view may
//!    call one), views, indexes, constraints validated, triggers;
//! 4. last, the enums and schemas nothing uses any more.
//!
//! SQL is compared by meaning where its spelling can tell (see
//! [`normalize_sql`](super::normalize_sql)): a default of `now()` in one
//! and `CURRENT_TIMESTAMP` in the other, or `'x'` and `'x'::text`, is no
//! change. A constraint or index whose definition changed is dropped and created
//! again. Column order is not compared (PostgreSQL cannot reorder columns):
//! the result equals the target in [`Schema::normalized`] form.
//!
//! What no op can do is refused, never turned into something lossy: an
//! enum losing a value or changing the order of its values, an extension
//! changing its version. [`DiffError`] names each such
//! change and what to write by hand.
//!
//! ```
//! use migrator_core::prelude::*;
//! use migrator_core::schema::{Schema, diff};
//!
//! let mut before = Ops::new();
//! before.create_table("fees", |t| {
//!     t.column::<i64>("id").primary_key();
//! });
//! let mut after = Ops::new();
//! after.create_table("fees", |t| {
//!     t.column::<i64>("id").primary_key();
//!     t.column::<Option<String>>("note");
//! });
//! let (from, to) = (Schema::replay(before.ops()).unwrap(), Schema::replay(after.ops()).unwrap());
//! let ops = diff(&from, &to).unwrap();
//! assert_eq!(ops.len(), 1);
//! assert_eq!(ops[0].describe(), "add_column fees.note");
//! ```

mod routines;

use std::collections::{BTreeMap, BTreeSet};

use super::{Key, Schema};
use crate::ident::QualifiedName;
use crate::ops::{
    AddColumn, AddConstraint, AddEnumValue, AlterColumn, ColumnDef, Constraint, CreateEnum,
    CreateIndex, CreateSchema, CreateTable, DropColumn, DropConstraint, DropEnum, DropExtension,
    DropIndex, DropSchema, DropTable, EnumPosition, IdentityChange, Op, SetTableComment, TableDef,
    TypeChange, Using, ValidateConstraint,
};
use crate::ops::{AlterSequence, CreateSequence, DropSequence, SequenceChange, SequenceOwner};

/// Changes between two schemas that no op makes, each with what to write
/// by hand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .changes.join("\n"))]
pub struct DiffError {
    /// One line per change: the object, what differs, and the recipe.
    pub changes: Vec<String>,
}

/// The ops that turn `from` into `to` (see the [module](self) for their
/// order), or the changes no op makes.
pub fn diff(from: &Schema, to: &Schema) -> Result<Vec<Op>, DiffError> {
    let to = &super::align::align(to, &to.spelled(), from, &from.spelled());
    let (kept_views, replaced_views) = super::views::kept(from, to);
    let mut d = Differ {
        kept_views,
        replaced_views,
        from,
        to,
        ops: Vec::new(),
        refused: Vec::new(),
        rebuilt: BTreeSet::new(),
        late: Vec::new(),
    };
    d.run();
    if d.refused.is_empty() {
        Ok(d.ops)
    } else {
        Err(DiffError { changes: d.refused })
    }
}

struct Differ<'a> {
    from: &'a Schema,
    to: &'a Schema,
    /// The views of `from` that stay as they are.
    kept_views: BTreeSet<Key>,
    /// The views of `from` replaced in place (`CREATE OR REPLACE VIEW`).
    replaced_views: BTreeSet<Key>,
    ops: Vec<Op>,
    refused: Vec<String>,
    /// Unchanged foreign keys dropped because the key they reference is
    /// dropped or changed, to add again: (table, name).
    rebuilt: BTreeSet<(Key, String)>,
    /// The constraints `create_table` could not hold, added after every
    /// new table exists.
    late: Vec<(QualifiedName, Constraint)>,
}

fn qname(key: &Key) -> QualifiedName {
    QualifiedName::from_key(&key.0, &key.1)
}

fn constraint_named<'t>(table: &'t TableDef, name: &str) -> Option<&'t Constraint> {
    table.constraints.iter().find(|c| c.name() == name)
}

/// Whether constraint `c` reads `column` of its own table.
fn constraint_uses(c: &Constraint, column: &str) -> bool {
    match c {
        Constraint::Check(check) => super::expr::mentions(&check.expr, column),
        other => other.columns().iter().any(|k| k == column),
    }
}

fn is_foreign_key(c: &Constraint) -> bool {
    matches!(c, Constraint::ForeignKey(_))
}

/// Whether `then` becomes `now` by `VALIDATE CONSTRAINT` alone.
fn validates_to(then: &Constraint, now: &Constraint) -> bool {
    then.not_valid() && !now.not_valid() && then.clone().with_not_valid(false) == *now
}

impl Differ<'_> {
    fn run(&mut self) {
        self.create_schemas();
        self.create_extensions();
        self.create_and_alter_sequences();
        self.change_enums();
        self.drop_triggers();
        self.drop_foreign_keys();
        self.drop_indexes();
        self.drop_views();
        self.drop_functions();
        self.drop_constraints();
        self.drop_tables();
        self.drop_columns();
        self.add_and_alter_columns();
        self.add_constraints(false);
        self.create_tables();
        self.add_constraints(true);
        self.create_functions();
        self.create_views();
        self.create_indexes();
        self.create_triggers();
        self.own_sequences();
        self.drop_sequences();
        self.drop_enums();
        self.drop_extensions();
        self.drop_schemas();
    }

    /// The tables in both schemas: (key, before, after).
    fn kept_tables(&self) -> Vec<(&Key, &TableDef, &TableDef)> {
        self.from
            .tables
            .iter()
            .filter_map(|(k, f)| self.to.tables.get(k).map(|t| (k, f, t)))
            .collect()
    }

    fn create_schemas(&mut self) {
        for name in self.to.schemas.difference(&self.from.schemas) {
            self.ops.push(Op::CreateSchema(CreateSchema {
                name: name.clone(),
                if_not_exists: false,
            }));
        }
    }

    fn change_enums(&mut self) {
        for (key, values) in &self.to.enums {
            let name = qname(key);
            let Some(old) = self.from.enums.get(key) else {
                self.ops.push(Op::CreateEnum(CreateEnum {
                    name,
                    values: values.clone(),
                }));
                continue;
            };
            let lost: Vec<&String> = old.iter().filter(|v| !values.contains(v)).collect();
            if !lost.is_empty() {
                self.refused.push(format!(
                    "enum {name} loses {}: no op removes an enum value. Write it by hand: create a new enum with the values wanted, alter each column that uses {name} to it with set_type_using(.., \"col::text::new_enum\"), then drop {name}. If the value was renamed instead, confirm the rename autogenerate asks about on a terminal, or write op.rename_enum_value(..)",
                    lost.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", ")
                ));
                continue;
            }
            let kept: Vec<&String> = values.iter().filter(|v| old.contains(v)).collect();
            if kept.iter().copied().ne(old.iter()) {
                self.refused.push(format!(
                    "enum {name} changes the order of its values ({old:?} to {values:?}): PostgreSQL cannot reorder enum values. Write it by hand: a new enum in the new order, columns altered to it, the old one dropped"
                ));
                continue;
            }
            // Each new value goes after the value before it in the target
            // (or before the first, for a new first value).
            let mut now: Vec<&String> = old.iter().collect();
            for (i, value) in values.iter().enumerate() {
                if now.contains(&value) {
                    continue;
                }
                let (position, at) = match i.checked_sub(1).map(|p| &values[p]) {
                    Some(prev) => (
                        Some(EnumPosition::After(prev.clone())),
                        now.iter()
                            .position(|v| *v == prev)
                            .map_or(now.len(), |p| p + 1),
                    ),
                    None => (
                        now.first()
                            .map(|first| EnumPosition::Before((*first).clone())),
                        0,
                    ),
                };
                now.insert(at, value);
                self.ops.push(Op::AddEnumValue(AddEnumValue {
                    name: name.clone(),
                    value: value.clone(),
                    position,
                    if_not_exists: false,
                }));
            }
        }
    }

    /// Foreign keys of kept tables that go or change, and those of dropped
    /// tables that reference other dropped tables (so the tables drop in
    /// any order; each drop's inverse recreates its table without them and
    /// the undo of these drops adds them back).
    fn drop_foreign_keys(&mut self) {
        let dropped_keys = self.dropped_keys();
        let mut out = Vec::new();
        let mut rebuilt = BTreeSet::new();
        for (key, f, t) in self.kept_tables() {
            for c in f.constraints.iter() {
                let Constraint::ForeignKey(fk) = c else {
                    continue;
                };
                match constraint_named(t, c.name()) {
                    Some(now) if now == c || validates_to(c, now) => {
                        // The key it references goes: drop it first, add
                        // it again once the new key is there.
                        if self.backing_goes(fk, &dropped_keys) {
                            out.push((f.name.clone(), c.name().to_owned()));
                            rebuilt.insert((key.clone(), c.name().to_owned()));
                        }
                    }
                    _ => out.push((f.name.clone(), c.name().to_owned())),
                }
            }
        }
        self.rebuilt = rebuilt;
        for (key, f) in &self.from.tables {
            if self.to.tables.contains_key(key) {
                continue;
            }
            for c in &f.constraints {
                if let Constraint::ForeignKey(fk) = c {
                    let target = fk.ref_table.key();
                    let target_goes = self.from.tables.contains_key(&target)
                        && !self.to.tables.contains_key(&target);
                    if (target != *key && target_goes) || self.backing_goes(fk, &dropped_keys) {
                        out.push((f.name.clone(), c.name().to_owned()));
                    }
                }
            }
        }
        for (table, name) in out {
            self.ops
                .push(Op::DropConstraint(DropConstraint { table, name }));
        }
    }

    /// Whether a column of kept table `table` that `uses` names is dropped
    /// and added again (its generation expression changes: `regenerated`),
    /// so what uses it is dropped before and made again after.
    fn regenerates(&self, table: &Key, uses: impl Fn(&str) -> bool) -> bool {
        let (Some(f), Some(t)) = (self.from.tables.get(table), self.to.tables.get(table)) else {
            return false;
        };
        f.columns.iter().any(|old| {
            uses(&old.name)
                && t.find_column(&old.name)
                    .is_some_and(|new| regenerated(old, new))
        })
    }

    fn drop_indexes(&mut self) {
        for (key, index) in &self.from.indexes {
            let table_kept = self.relation_kept(&index.table.key(), self.to);
            if table_kept
                && (self.to.indexes.get(key) != Some(index)
                    || self.regenerates(&index.table.key(), |c| index.uses(c)))
            {
                self.ops.push(Op::DropIndex(DropIndex {
                    name: qname(key),
                    concurrently: false,
                }));
            }
        }
    }

    /// Whether the key `fk` depends on (the first primary key or unique
    /// constraint over its referenced columns, as PostgreSQL picks) is among
    /// `dropped`.
    fn backing_goes(&self, fk: &crate::ops::ForeignKey, dropped: &BTreeSet<(Key, String)>) -> bool {
        let target = fk.ref_table.key();
        let mut wanted = fk.ref_columns.clone();
        wanted.sort();
        let backing = self.from.tables.get(&target).and_then(|r| {
            r.constraints.iter().find(|k| {
                let mut columns = k.columns().to_vec();
                columns.sort();
                matches!(k, Constraint::PrimaryKey(_) | Constraint::Unique(_)) && columns == wanted
            })
        });
        backing.is_some_and(|k| dropped.contains(&(target, k.name().to_owned())))
    }

    /// The primary keys, unique and check constraints of kept tables that
    /// go or change: (table, name).
    fn dropped_keys(&self) -> BTreeSet<(Key, String)> {
        let mut out = BTreeSet::new();
        for (key, f, t) in self.kept_tables() {
            for c in f.constraints.iter().filter(|c| !is_foreign_key(c)) {
                let regenerates = self.regenerates(key, |col| constraint_uses(c, col));
                match constraint_named(t, c.name()) {
                    Some(now) if (now == c || validates_to(c, now)) && !regenerates => {}
                    _ => {
                        out.insert((key.clone(), c.name().to_owned()));
                    }
                }
            }
        }
        out
    }

    fn drop_constraints(&mut self) {
        for (key, name) in self.dropped_keys() {
            self.ops.push(Op::DropConstraint(DropConstraint {
                table: self.from.tables[&key].name.clone(),
                name,
            }));
        }
    }

    fn drop_tables(&mut self) {
        for (key, f) in &self.from.tables {
            if !self.to.tables.contains_key(key) {
                self.ops.push(Op::DropTable(DropTable {
                    name: f.name.clone(),
                }));
            }
        }
    }

    fn drop_columns(&mut self) {
        let mut out = Vec::new();
        // A generated column that stays, plain, first loses its expression
        // (which may use a column that goes).
        let mut plain = Vec::new();
        for (_, f, t) in self.kept_tables() {
            for c in &f.columns {
                if c.generated.is_some()
                    && t.find_column(&c.name)
                        .is_some_and(|n| n.generated.is_none())
                {
                    plain.push(Op::AlterColumn(AlterColumn {
                        drop_expression: true,
                        ..AlterColumn::new(t.name.clone(), c.name.clone())
                    }));
                }
            }
        }
        self.ops.extend(plain);
        for (_, f, t) in self.kept_tables() {
            // Generated columns first: they may use the others. One whose
            // expression changes goes too (it is added again with the new
            // one: `regenerated`).
            let mut gone: Vec<&ColumnDef> = f
                .columns
                .iter()
                .filter(|c| match t.find_column(&c.name) {
                    None => true,
                    Some(new) => regenerated(c, new),
                })
                .collect();
            gone.sort_by_key(|c| c.generated.is_none());
            for c in gone {
                out.push((f.name.clone(), c.name.clone()));
            }
        }
        for (table, column) in out {
            self.ops.push(Op::DropColumn(DropColumn { table, column }));
        }
    }

    fn add_and_alter_columns(&mut self) {
        let mut out = Vec::new();
        for (_, f, t) in self.kept_tables() {
            for c in &t.columns {
                match f.find_column(&c.name) {
                    None => out.push(Op::AddColumn(AddColumn {
                        table: t.name.clone(),
                        column: c.clone(),
                    })),
                    // Dropped with the columns that go (`drop_columns`).
                    Some(old) if regenerated(old, c) => {
                        out.push(Op::AddColumn(AddColumn {
                            table: t.name.clone(),
                            column: c.clone(),
                        }));
                    }
                    Some(old) => out.extend(alter(&t.name, old, c)),
                }
            }
            if f.comment != t.comment {
                out.push(Op::SetTableComment(SetTableComment {
                    table: t.name.clone(),
                    comment: t.comment.clone(),
                }));
            }
        }
        self.ops.extend(out);
    }

    /// Constraints of kept tables that are new, changed or to validate:
    /// foreign keys when `foreign` is set, the others when not.
    fn add_constraints(&mut self, foreign: bool) {
        let mut out = Vec::new();
        for (key, f, t) in self.kept_tables() {
            for c in t
                .constraints
                .iter()
                .filter(|c| is_foreign_key(c) == foreign)
            {
                let rebuilt = self.rebuilt.contains(&(key.clone(), c.name().to_owned()))
                    || (!foreign && self.regenerates(key, |col| constraint_uses(c, col)));
                match constraint_named(f, c.name()) {
                    Some(old) if old == c && !rebuilt => {}
                    Some(old) if validates_to(old, c) => {
                        out.push(Op::ValidateConstraint(ValidateConstraint {
                            table: t.name.clone(),
                            name: c.name().to_owned(),
                        }));
                    }
                    _ => out.push(Op::AddConstraint(AddConstraint {
                        table: t.name.clone(),
                        constraint: c.clone(),
                    })),
                }
            }
        }
        if foreign {
            out.extend(
                self.late.drain(..).map(|(table, constraint)| {
                    Op::AddConstraint(AddConstraint { table, constraint })
                }),
            );
        }
        self.ops.extend(out);
    }

    /// The new tables in an order where each comes after the new tables
    /// its foreign keys reference, where there is one.
    fn new_tables_in_order(&self) -> Vec<&TableDef> {
        let new: BTreeMap<&Key, &TableDef> = self
            .to
            .tables
            .iter()
            .filter(|(k, _)| !self.from.tables.contains_key(*k))
            .collect();
        let mut placed: BTreeSet<Key> = BTreeSet::new();
        let mut order = Vec::new();
        while order.len() < new.len() {
            let ready: Vec<(&Key, &TableDef)> = new
                .iter()
                .filter(|(k, _)| !placed.contains(**k))
                .filter(|(k, t)| {
                    t.constraints.iter().all(|c| match c {
                        Constraint::ForeignKey(fk) => {
                            let target = fk.ref_table.key();
                            target == ***k || !new.contains_key(&target) || placed.contains(&target)
                        }
                        _ => true,
                    })
                })
                .map(|(k, t)| (*k, *t))
                .collect();
            // A cycle: take the first remaining table; its keys to tables
            // not yet created are added after all of them.
            let ready = if ready.is_empty() {
                let first = new
                    .iter()
                    .find(|(k, _)| !placed.contains(**k))
                    .map(|(k, t)| (*k, *t));
                first.into_iter().collect()
            } else {
                ready
            };
            for (k, t) in ready {
                placed.insert(k.clone());
                order.push(t);
            }
        }
        order
    }

    /// The constraints of new tables that `create_table` cannot hold: a
    /// foreign key to a new table created after it, and a constraint
    /// `NOT VALID` (which only `add_constraint` can add).
    fn late_keys(&self, order: &[&TableDef]) -> Vec<(QualifiedName, Constraint)> {
        let mut created: BTreeSet<Key> = BTreeSet::new();
        let mut late = Vec::new();
        for t in order {
            let key = t.name.key();
            for c in &t.constraints {
                if c.not_valid() {
                    late.push((t.name.clone(), c.clone()));
                } else if let Constraint::ForeignKey(fk) = c {
                    let target = fk.ref_table.key();
                    let is_new = !self.from.tables.contains_key(&target);
                    if target != key && is_new && !created.contains(&target) {
                        late.push((t.name.clone(), c.clone()));
                    }
                }
            }
            created.insert(key);
        }
        late
    }

    fn create_tables(&mut self) {
        let order = self.new_tables_in_order();
        let late = self.late_keys(&order);
        let mut out = Vec::new();
        for t in order {
            let mut table = t.clone();
            table.constraints.retain(|c| {
                !late
                    .iter()
                    .any(|(n, l)| n.key() == t.name.key() && l.name() == c.name())
            });
            out.push(Op::CreateTable(CreateTable {
                table,
                if_not_exists: false,
            }));
        }
        self.ops.extend(out);
        self.late = late;
    }

    fn create_indexes(&mut self) {
        let mut out = Vec::new();
        for (key, index) in &self.to.indexes {
            let table_kept = self.relation_kept(&index.table.key(), self.from);
            if !table_kept
                || self.from.indexes.get(key) != Some(index)
                || self.regenerates(&index.table.key(), |c| index.uses(c))
            {
                out.push(Op::CreateIndex(CreateIndex {
                    index: index.clone(),
                    concurrently: false,
                    if_not_exists: false,
                }));
            }
        }
        self.ops.extend(out);
    }

    /// Whether the relation `key` (of the schema a diff starts from or
    /// ends at) is in `other` too, the same: a table there, or a view
    /// neither dropped nor created again.
    fn relation_kept(&self, key: &Key, other: &Schema) -> bool {
        if self.from.views.contains_key(key) || self.to.views.contains_key(key) {
            self.kept_views.contains(key)
        } else {
            other.tables.contains_key(key)
        }
    }

    /// Views that go or change, before what they read changes: dependents
    /// first. A plain view whose new query only adds columns at the end is
    /// replaced in place later instead (`CREATE OR REPLACE`).
    fn drop_views(&mut self) {
        for view in self.from.views_in_order().into_iter().rev() {
            let key = view.name.key();
            if self.kept_views.contains(&key) || self.replaceable(&key) {
                continue;
            }
            self.ops.push(Op::DropView(crate::ops::DropView::new(
                view.name.clone(),
                view.materialized,
            )));
        }
    }

    /// Whether the view `key` is replaced in place.
    fn replaceable(&self, key: &Key) -> bool {
        self.replaced_views.contains(key)
    }

    /// New and changed views, after what they read exists: each after the
    /// views it reads.
    fn create_views(&mut self) {
        for view in self.to.views_in_order() {
            let key = view.name.key();
            if self.kept_views.contains(&key) {
                continue;
            }
            self.ops.push(Op::CreateView(crate::ops::CreateView {
                view: view.clone(),
                or_replace: self.replaceable(&key),
                with_no_data: false,
            }));
        }
    }

    fn drop_enums(&mut self) {
        for key in self.from.enums.keys() {
            if !self.to.enums.contains_key(key) {
                self.ops.push(Op::DropEnum(DropEnum { name: qname(key) }));
            }
        }
    }

    /// Extensions installed, before anything that may use them; one whose
    /// schema or version both sides name, differently, is refused (a drop
    /// would take what depends on it along, if PostgreSQL let it).
    fn create_extensions(&mut self) {
        for (name, ext) in &self.to.extensions {
            match self.from.extensions.get(name) {
                None => self.ops.push(Op::CreateExtension(ext.clone())),
                Some(old) => {
                    let differs = |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(a), Some(b)) if a != b);
                    if differs(&old.version, &ext.version) || differs(&old.schema, &ext.schema) {
                        self.refused.push(format!(
                            "extension {name} changes its version or schema ({:?}/{:?} to {:?}/{:?}): no op does that. Write it by hand: op.execute(\"ALTER EXTENSION {name} UPDATE TO '…'\") (or SET SCHEMA …) with its reverse",
                            old.version, old.schema, ext.version, ext.schema
                        ));
                    }
                }
            }
        }
    }

    /// Extensions removed, once nothing uses them.
    fn drop_extensions(&mut self) {
        for name in self.from.extensions.keys() {
            if !self.to.extensions.contains_key(name) {
                self.ops
                    .push(Op::DropExtension(DropExtension { name: name.clone() }));
            }
        }
    }

    /// Sequences new or changed, before any default may draw from them:
    /// without their owner (it may not exist yet; `own_sequences` gives
    /// it), and one whose owner changes let go of the old one first (which
    /// may be dropped).
    fn create_and_alter_sequences(&mut self) {
        for (key, seq) in &self.to.sequences {
            let Some(old) = self.from.sequences.get(key) else {
                self.ops.push(Op::CreateSequence(CreateSequence {
                    owned_by: None,
                    ..seq.clone()
                }));
                continue;
            };
            let (a, b) = (
                old.options.resolved(&old.ty()),
                seq.options.resolved(&seq.ty()),
            );
            let changed = |x: i64, y: i64| (x != y).then_some(y);
            // A new type moves a bound left unnamed that was the old
            // type's: both are named then.
            let retyped = old.ty() != seq.ty();
            let bound = |x: i64, y: i64| if retyped { Some(y) } else { changed(x, y) };
            let alter = AlterSequence {
                name: seq.name.clone(),
                as_type: retyped.then(|| seq.ty()),
                start: changed(a.0, b.0),
                increment: changed(a.1, b.1),
                min_value: bound(a.2, b.2),
                max_value: bound(a.3, b.3),
                cycle: (a.4 != b.4).then_some(b.4),
                cache: changed(a.5, b.5),
                restart: None,
                owned_by: (old.owned_by.is_some() && old.owned_by != seq.owned_by).then_some(None),
            };
            if !alter.is_empty() {
                self.ops.push(Op::AlterSequence(alter));
            }
        }
    }

    /// Sequences given their owner, once every table and column exists.
    fn own_sequences(&mut self) {
        for (key, seq) in &self.to.sequences {
            let Some(owner) = &seq.owned_by else {
                continue;
            };
            let old = self.from.sequences.get(key);
            if old.is_some_and(|old| old.owned_by.as_ref() == Some(owner)) {
                continue;
            }
            let mut alter = AlterSequence::new(seq.name.clone());
            alter.owned_by = Some(Some(owner.clone()));
            self.ops.push(Op::AlterSequence(alter));
        }
    }

    /// Whether `owner` (in `from`) goes in the diff, taking the sequences
    /// it owns with it.
    fn owner_goes(&self, owner: &SequenceOwner) -> bool {
        let key = owner.table.key();
        let (Some(f), Some(t)) = (self.from.tables.get(&key), self.to.tables.get(&key)) else {
            return true;
        };
        match (f.find_column(&owner.column), t.find_column(&owner.column)) {
            (Some(old), Some(new)) => regenerated(old, new),
            _ => true,
        }
    }

    /// Sequences removed, once no default draws from them (those whose
    /// owner was dropped went with it).
    fn drop_sequences(&mut self) {
        for (key, seq) in &self.from.sequences {
            let gone_with_owner = seq.owned_by.as_ref().is_some_and(|o| self.owner_goes(o));
            if !self.to.sequences.contains_key(key) && !gone_with_owner {
                self.ops.push(Op::DropSequence(DropSequence {
                    name: seq.name.clone(),
                }));
            }
        }
    }

    fn drop_schemas(&mut self) {
        for name in self.from.schemas.difference(&self.to.schemas) {
            self.ops
                .push(Op::DropSchema(DropSchema { name: name.clone() }));
        }
    }
}

/// Whether column `old` becomes `new` by being dropped and added again: a
/// generation expression cannot change in place (PostgreSQL 15), and the
/// values are derived, so nothing is lost.
fn regenerated(old: &ColumnDef, new: &ColumnDef) -> bool {
    new.generated.is_some() && old.generated != new.generated
}

/// The `alter_column` from `old` to `new`, if they differ.
fn alter(table: &QualifiedName, old: &ColumnDef, new: &ColumnDef) -> Option<Op> {
    // An identity kept changes its sequence's options in place.
    let identity_options = match (old.identity, new.identity) {
        (Some(_), Some(_)) => Some(SequenceChange::between(
            &old.identity_options,
            &new.identity_options,
            &new.ty,
        ))
        .filter(|change| !change.is_empty()),
        _ => None,
    };
    let identity = match (old.identity, new.identity) {
        (None, Some(kind)) => Some(IdentityChange::Add(kind, new.identity_options.clone())),
        (Some(_), None) => Some(IdentityChange::Drop),
        (Some(a), Some(b)) if a != b => Some(IdentityChange::SetGenerated(b)),
        _ => None,
    };
    let ty = (old.ty != new.ty).then(|| TypeChange {
        ty: new.ty.clone(),
        using: Some(Using::CastColumn),
    });
    let nullable = (old.nullable != new.nullable).then_some(new.nullable);
    let default = (old.default != new.default).then(|| new.default.clone());
    let comment = (old.comment != new.comment).then(|| new.comment.clone());
    // A type change keeps the collation; one that changes is said.
    let kept = if new.ty.is_collatable() {
        old.collation.clone()
    } else {
        None
    };
    let collation = (kept != new.collation).then(|| new.collation.clone());
    if ty.is_none()
        && nullable.is_none()
        && default.is_none()
        && comment.is_none()
        && identity.is_none()
        && identity_options.is_none()
        && collation.is_none()
    {
        return None;
    }
    Some(Op::AlterColumn(AlterColumn {
        table: table.clone(),
        column: new.name.clone(),
        ty,
        nullable,
        default,
        comment,
        identity,
        identity_options,
        collation,
        drop_expression: false,
    }))
}
