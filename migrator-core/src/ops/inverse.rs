//! Inverses: the ops that undo an op, derived from the schema before it.
//!
//! The model knows the old state, so dropping a column, table, index,
//! constraint or enum and altering a column are undone without the author
//! repeating any definition.

use super::*;
use crate::schema::{ReplayError, Schema};

/// An op that cannot be undone, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{op} cannot be undone: {reason}")]
pub struct Irreversible {
    /// The op, described.
    pub op: String,
    /// Why it has no inverse.
    pub reason: String,
}

/// `view` created again as `schema` has it, with a materialized view's
/// indexes.
fn recreate(view: &ViewDef, schema: &Schema) -> Vec<Op> {
    let mut ops = vec![Op::CreateView(CreateView::new(view.clone()))];
    ops.extend(schema.indexes_of(&view.name).map(|index| {
        Op::CreateIndex(CreateIndex {
            index: index.clone(),
            concurrently: false,
            if_not_exists: false,
        })
    }));
    ops
}

/// The ops that undo `op`, given the schema `before` it ran (the op must be
/// valid against it). Usually one op; dropping a table gives back the table
/// and its indexes, and an op that changed nothing (`if_not_exists` on an
/// existing object) gives none.
///
/// ```
/// use migrator_core::prelude::*;
/// use migrator_core::ops::invert;
/// use migrator_core::render::{Postgres, render_ops};
/// use migrator_core::schema::Schema;
///
/// let mut op = Ops::new();
/// op.create_table("users", |t| {
///     t.column::<Option<String>>("bio").default("hi");
/// });
/// let before = Schema::replay(op.ops()).unwrap();
///
/// let mut drop = Ops::new();
/// drop.drop_column("users", "bio");
/// let undo = invert(&drop.ops()[0], &before).unwrap();
///
/// let mut after = before.clone();
/// after.apply(&drop.ops()[0]).unwrap();
/// let sql = render_ops(&Postgres, &undo, &after).unwrap();
/// assert_eq!(sql[0][0].sql, "ALTER TABLE \"users\" ADD COLUMN \"bio\" text DEFAULT 'hi'");
/// ```
pub fn invert(op: &Op, before: &Schema) -> Result<Vec<Op>, Irreversible> {
    let irreversible = |reason: &str| Irreversible {
        op: op.describe(),
        reason: reason.to_owned(),
    };
    let missing =
        || irreversible("it does not apply to the schema before it (replay the earlier ops first)");
    let one = |op: Op| Ok(vec![op]);
    match op {
        Op::CreateSchema(o) => {
            if before.has_schema(&o.name) {
                return Ok(vec![]);
            }
            one(Op::DropSchema(DropSchema {
                name: o.name.clone(),
            }))
        }
        Op::DropSchema(o) => one(Op::CreateSchema(CreateSchema {
            name: o.name.clone(),
            if_not_exists: false,
        })),
        Op::CreateTable(o) => {
            if o.if_not_exists && before.table(&o.table.name).is_some() {
                return Ok(vec![]);
            }
            one(Op::DropTable(DropTable {
                name: o.table.name.clone(),
            }))
        }
        Op::DropTable(o) => {
            let table = before.table(&o.name).ok_or_else(missing)?;
            // CREATE TABLE makes every constraint valid; those that were NOT
            // VALID are added back as such afterwards.
            let (inline, later): (Vec<Constraint>, Vec<Constraint>) = table
                .constraints
                .iter()
                .cloned()
                .partition(|c| !c.not_valid());
            // The sequences its columns owned went with it: created again
            // first (a default may draw from one), owned once it exists.
            let (mut ops, owned) = owned_sequences_back(before, &table.name, None);
            ops.push(Op::CreateTable(CreateTable {
                table: TableDef {
                    constraints: inline,
                    ..table.clone()
                },
                if_not_exists: false,
            }));
            ops.extend(later.into_iter().map(|constraint| {
                Op::AddConstraint(AddConstraint {
                    table: table.name.clone(),
                    constraint,
                })
            }));
            ops.extend(before.indexes_of(&table.name).map(|index| {
                Op::CreateIndex(CreateIndex {
                    index: index.clone(),
                    concurrently: false,
                    if_not_exists: false,
                })
            }));
            ops.extend(before.triggers_of(&table.name).map(|trigger| {
                Op::CreateTrigger(CreateTrigger {
                    trigger: trigger.clone(),
                })
            }));
            ops.extend(owned);
            Ok(ops)
        }
        Op::RenameTable(o) => one(Op::RenameTable(RenameTable {
            name: o.name.sibling(o.to.clone()),
            to: o.name.name.clone(),
        })),
        Op::SetTableComment(o) => {
            let table = before.table(&o.table).ok_or_else(missing)?;
            one(Op::SetTableComment(SetTableComment {
                table: o.table.clone(),
                comment: table.comment.clone(),
            }))
        }
        Op::AddColumn(o) => one(Op::DropColumn(DropColumn {
            table: o.table.clone(),
            column: o.column.name.clone(),
        })),
        Op::DropColumn(o) => {
            let table = before.table(&o.table).ok_or_else(missing)?;
            let column = table.find_column(&o.column).ok_or_else(missing)?;
            let (mut ops, owned) = owned_sequences_back(before, &o.table, Some(&o.column));
            ops.push(Op::AddColumn(AddColumn {
                table: o.table.clone(),
                column: column.clone(),
            }));
            ops.extend(owned);
            Ok(ops)
        }
        Op::RenameColumn(o) => one(Op::RenameColumn(RenameColumn {
            table: o.table.clone(),
            from: o.to.clone(),
            to: o.from.clone(),
        })),
        Op::AlterColumn(o) => {
            let table = before.table(&o.table).ok_or_else(missing)?;
            let old = table.find_column(&o.column).ok_or_else(missing)?;
            if o.drop_expression {
                // No expression can be given back to a column (PostgreSQL
                // 15): the column goes and comes back as it was, generated,
                // the views reading the table around it.
                let readers = before.views_reading_all(&o.table);
                let mut ops: Vec<Op> = readers
                    .iter()
                    .rev()
                    .map(|v| Op::DropView(DropView::new(v.name.clone(), v.materialized)))
                    .collect();
                ops.push(Op::DropColumn(DropColumn {
                    table: o.table.clone(),
                    column: o.column.clone(),
                }));
                // The sequences the column owns go with it: back around it.
                let (create, own) = owned_sequences_back(before, &o.table, Some(&o.column));
                ops.extend(create);
                ops.push(Op::AddColumn(AddColumn {
                    table: o.table.clone(),
                    column: old.clone(),
                }));
                ops.extend(own);
                for view in readers {
                    ops.extend(recreate(view, before));
                }
                // What else uses the column (an index, a key, a trigger)
                // would keep it from being dropped: then it has no inverse.
                let mut after = before.clone();
                let undone = after
                    .apply(op)
                    .and_then(|()| after.apply_all(&ops).map_err(|e| e.source));
                return match undone {
                    Ok(()) => Ok(ops),
                    Err(why) => Err(irreversible(&format!(
                        "a column cannot be generated again in place, and dropping and adding it back is refused: {why}; write the downgrade"
                    ))),
                };
            }
            let undo = AlterColumn {
                table: o.table.clone(),
                column: o.column.clone(),
                ty: o.ty.as_ref().map(|_| TypeChange {
                    ty: old.ty.clone(),
                    using: Some(Using::CastColumn),
                }),
                nullable: o.nullable.map(|_| old.nullable),
                default: o.default.as_ref().map(|_| old.default.clone()),
                comment: o.comment.as_ref().map(|_| old.comment.clone()),
                collation: o.collation.as_ref().map(|_| old.collation.clone()),
                drop_expression: false,
                identity: o.identity.as_ref().and_then(|change| match change {
                    IdentityChange::Add(..) => Some(IdentityChange::Drop),
                    IdentityChange::Drop => old
                        .identity
                        .map(|kind| IdentityChange::Add(kind, old.identity_options.clone())),
                    IdentityChange::SetGenerated(_) => {
                        old.identity.map(IdentityChange::SetGenerated)
                    }
                }),
                // The options given back; a restart is state, not undone.
                identity_options: o
                    .identity_options
                    .as_ref()
                    .map(|change| change.undo(&old.identity_options, &old.ty))
                    .filter(|undo| !undo.is_empty()),
            };
            if undo == AlterColumn::new(undo.table.clone(), undo.column.clone()) {
                // Only a restart: nothing of the definition to undo.
                return Ok(vec![]);
            }
            one(Op::AlterColumn(undo))
        }
        Op::CreateIndex(o) => {
            if o.if_not_exists && before.index(&o.index.qualified_name()).is_some() {
                return Ok(vec![]);
            }
            one(Op::DropIndex(DropIndex {
                name: o.index.qualified_name(),
                concurrently: o.concurrently,
            }))
        }
        Op::DropIndex(o) => {
            let index = before.index(&o.name).ok_or_else(missing)?;
            one(Op::CreateIndex(CreateIndex {
                index: index.clone(),
                concurrently: o.concurrently,
                if_not_exists: false,
            }))
        }
        Op::AddConstraint(o) => one(Op::DropConstraint(DropConstraint {
            table: o.table.clone(),
            name: o.constraint.name().to_owned(),
        })),
        Op::DropConstraint(o) => {
            let table = before.table(&o.table).ok_or_else(missing)?;
            let constraint = table.find_constraint(&o.name).ok_or_else(missing)?;
            one(Op::AddConstraint(AddConstraint {
                table: o.table.clone(),
                constraint: constraint.clone(),
            }))
        }
        Op::ValidateConstraint(o) => {
            let table = before.table(&o.table).ok_or_else(missing)?;
            let constraint = table.find_constraint(&o.name).ok_or_else(missing)?;
            if !constraint.not_valid() {
                return Ok(vec![]);
            }
            // PostgreSQL cannot mark a constraint NOT VALID again; dropping it
            // and adding it back NOT VALID restores the exact state (and skips
            // the scan of existing rows).
            Ok(vec![
                Op::DropConstraint(DropConstraint {
                    table: o.table.clone(),
                    name: o.name.clone(),
                }),
                Op::AddConstraint(AddConstraint {
                    table: o.table.clone(),
                    constraint: constraint.clone(),
                }),
            ])
        }
        Op::CreateEnum(o) => one(Op::DropEnum(DropEnum {
            name: o.name.clone(),
        })),
        Op::AddEnumValue(_) => Err(irreversible(
            "PostgreSQL cannot remove a value from an enum; mark the revision irreversible or recreate the type by hand",
        )),
        Op::RenameEnumValue(o) => one(Op::RenameEnumValue(RenameEnumValue {
            name: o.name.clone(),
            from: o.to.clone(),
            to: o.from.clone(),
        })),
        Op::DropEnum(o) => {
            let values = before.enum_values(&o.name).ok_or_else(missing)?;
            one(Op::CreateEnum(CreateEnum {
                name: o.name.clone(),
                values: values.to_vec(),
            }))
        }
        Op::Execute(o) => match &o.reverse {
            Some(reverse) => one(Op::Execute(Execute {
                sql: reverse.clone(),
                reverse: Some(o.sql.clone()),
                transactional: o.transactional,
                // What the SQL declared, undone in the model as the reverse
                // SQL undoes it on the server.
                declares: invert_all(&o.declares, before).map_err(|e| {
                    irreversible(&format!("what it declares cannot be undone: {e}"))
                })?,
            })),
            None => Err(irreversible(
                "raw SQL without a reverse; chain .reverse(sql)",
            )),
        },
        Op::DataStep(o) => match &o.down {
            Some(down) => one(Op::DataStep(DataStep {
                name: format!("undo {}", o.name),
                up: down.clone(),
                down: Some(o.up.clone()),
                offline: o.offline_reverse.clone(),
                offline_reverse: o.offline.clone(),
            })),
            None => Err(irreversible(
                "a Rust data step without a reverse; chain .reverse(…)",
            )),
        },
        Op::CreateExtension(o) => {
            if o.if_not_exists && before.extension(&o.name).is_some() {
                return Ok(vec![]);
            }
            one(Op::DropExtension(DropExtension {
                name: o.name.clone(),
            }))
        }
        Op::DropExtension(o) => {
            let def = before.extension(&o.name).ok_or_else(missing)?;
            one(Op::CreateExtension(def.clone()))
        }
        Op::CreateFunction(o) => match before.function(&o.function.name) {
            // OR REPLACE of a function the model knows: put the old one back.
            Some(old) if o.or_replace => one(Op::CreateFunction(CreateFunction {
                function: old.clone(),
                or_replace: true,
            })),
            _ => one(Op::DropFunction(DropFunction {
                name: o.function.name.clone(),
            })),
        },
        Op::DropFunction(o) => {
            let def = before.function(&o.name).ok_or_else(missing)?;
            one(Op::CreateFunction(CreateFunction {
                function: def.clone(),
                or_replace: false,
            }))
        }
        Op::CreateTrigger(o) => one(Op::DropTrigger(DropTrigger {
            table: o.trigger.table.clone(),
            name: o.trigger.name.clone(),
        })),
        Op::DropTrigger(o) => {
            let def = before.trigger(&o.table, &o.name).ok_or_else(missing)?;
            one(Op::CreateTrigger(CreateTrigger {
                trigger: def.clone(),
            }))
        }
        Op::CreateSequence(o) => one(Op::DropSequence(DropSequence {
            name: o.name.clone(),
        })),
        Op::DropSequence(o) => {
            let def = before.sequence(&o.name).ok_or_else(missing)?;
            one(Op::CreateSequence(def.clone()))
        }
        Op::RenameSequence(o) => one(Op::RenameSequence(RenameSequence {
            name: o.name.sibling(o.to.clone()),
            to: o.name.name.clone(),
        })),
        Op::AlterSequence(o) => {
            let def = before.sequence(&o.name).ok_or_else(missing)?;
            let (start, increment, min, max, cycle, cache) = def.options.resolved(&def.ty());
            // RESTART is the sequence's state, not its definition: not undone.
            let undo = AlterSequence {
                name: o.name.clone(),
                as_type: o.as_type.as_ref().map(|_| def.ty()),
                increment: o.increment.map(|_| increment),
                start: o.start.map(|_| start),
                min_value: o.min_value.map(|_| min),
                max_value: o.max_value.map(|_| max),
                cycle: o.cycle.map(|_| cycle),
                cache: o.cache.map(|_| cache),
                restart: None,
                owned_by: o.owned_by.as_ref().map(|_| def.owned_by.clone()),
            };
            if undo.is_empty() {
                Ok(vec![])
            } else {
                one(Op::AlterSequence(undo))
            }
        }
        // The key goes, and the index is built again under its own name.
        Op::AddKeyUsingIndex(o) => {
            let table = before.table(&o.table).ok_or_else(missing)?;
            let index = before
                .index(&table.name.sibling(o.index.clone()))
                .ok_or_else(missing)?;
            Ok(vec![
                Op::DropConstraint(DropConstraint {
                    table: o.table.clone(),
                    name: o.constraint_name().to_owned(),
                }),
                Op::CreateIndex(CreateIndex {
                    index: index.clone(),
                    concurrently: false,
                    if_not_exists: false,
                }),
            ])
        }
        Op::BulkInsert(_) => Err(irreversible(
            "inserted rows are not deleted by guess; write the downgrade (raw SQL with its reverse, or a data step)",
        )),
        Op::CreateView(o) => {
            let drop = Op::DropView(DropView::new(o.view.name.clone(), o.view.materialized));
            match before.view(&o.view.name) {
                Some(old) if o.or_replace => {
                    let back = |or_replace| {
                        Op::CreateView(CreateView {
                            view: old.clone(),
                            or_replace,
                            with_no_data: false,
                        })
                    };
                    // OR REPLACE cannot take columns away: back to fewer
                    // columns is a drop and a create.
                    let columns = crate::schema::views::output_columns;
                    if columns(&old.sql).is_some_and(|c| columns(&o.view.sql) == Some(c)) {
                        return one(back(true));
                    }
                    // The views reading it go first and come back after.
                    let readers = before.views_reading_all(&old.name);
                    let mut ops: Vec<Op> = readers
                        .iter()
                        .rev()
                        .map(|v| Op::DropView(DropView::new(v.name.clone(), v.materialized)))
                        .collect();
                    ops.push(drop);
                    ops.push(back(false));
                    for view in readers {
                        ops.extend(recreate(view, before));
                    }
                    Ok(ops)
                }
                _ => one(drop),
            }
        }
        Op::DropView(o) => {
            let view = before.view(&o.name).ok_or_else(missing)?;
            Ok(recreate(view, before))
        }
        Op::RenameView(o) => one(Op::RenameView(RenameView::new(
            o.name.sibling(o.to.clone()),
            o.name.name.clone(),
            o.materialized,
        ))),
        // The schema does not change; the rows before are not restored.
        Op::RefreshMaterializedView(_) => Ok(vec![]),
        // A block is undone by a block for the same engine, its ops undone
        // in reverse order; on a model of another engine it never ran.
        Op::OnEngine(o) => match before.engine() {
            Some(engine) if engine != o.engine => Ok(vec![]),
            _ => {
                let mut inner = before.clone();
                inner.set_engine(o.engine);
                let undo = invert_all(&o.ops, &inner).map_err(|e| irreversible(&e.to_string()))?;
                one(Op::OnEngine(OnEngine::new(o.engine, undo)))
            }
        },
    }
}

/// Why a list of ops cannot be inverted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InvertError {
    /// An op does not apply to the schema.
    #[error(transparent)]
    Invalid(#[from] ReplayError),
    /// An op has no inverse.
    #[error(transparent)]
    Irreversible(#[from] Irreversible),
}

/// The ops that undo all of `ops`, applied from `start`: each op's inverse,
/// last op first.
pub fn invert_all(ops: &[Op], start: &Schema) -> Result<Vec<Op>, InvertError> {
    let mut schema = start.clone();
    let mut undo: Vec<Vec<Op>> = Vec::with_capacity(ops.len());
    for (index, op) in ops.iter().enumerate() {
        // Compute the inverse against the state before the op, but report an
        // invalid op as such rather than as irreversible.
        let inv = invert(op, &schema);
        schema.apply(op).map_err(|source| ReplayError {
            index,
            op: op.describe(),
            source,
        })?;
        undo.push(inv?);
    }
    Ok(undo.into_iter().rev().flatten().collect())
}

/// The sequences owned by `column` of `table` (any of its columns when
/// `None`) in `before`, which its drop took: their `create_sequence` without
/// the owner (to run before the column is back: a default may draw from
/// one), and the `alter_sequence(..).owned_by(..)` that gives it back after.
/// Their current values are lost, as PostgreSQL loses them.
fn owned_sequences_back(
    before: &Schema,
    table: &QualifiedName,
    column: Option<&str>,
) -> (Vec<Op>, Vec<Op>) {
    let mut create = Vec::new();
    let mut own = Vec::new();
    for seq in before.sequences() {
        let Some(owner) = &seq.owned_by else {
            continue;
        };
        if owner.table.key() != table.key() || column.is_some_and(|c| c != owner.column) {
            continue;
        }
        create.push(Op::CreateSequence(CreateSequence {
            owned_by: None,
            ..seq.clone()
        }));
        let mut alter = AlterSequence::new(seq.name.clone());
        alter.owned_by = Some(Some(owner.clone()));
        own.push(Op::AlterSequence(alter));
    }
    (create, own)
}
