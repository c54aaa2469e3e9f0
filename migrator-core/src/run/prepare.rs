//! Plan preparation: every step of a plan resolved to its ops and
//! statements, validated and rendered, before anything runs.

use std::collections::{BTreeMap, BTreeSet};

use super::database::Engine;
use super::error::RunError;
use super::{Runner, checksum};
use crate::graph::{Direction, Plan, Step};
use crate::ops::Op;
use crate::registry::{Downgrade, Registered};
use crate::render::{Dialect, RenderError, Statement};
use crate::schema::{ReplayError, Schema};

/// Validates and renders `ops` against `schema`, which it moves forward.
pub(super) fn render(
    dialect: &dyn Dialect,
    revision: &str,
    ops: &[Op],
    schema: &mut Schema,
) -> Result<Vec<Vec<Statement>>, RunError> {
    crate::render::render_onto(dialect, ops, schema).map_err(|source| RunError::Invalid {
        revision: revision.to_owned(),
        source: Box::new(source),
    })
}

/// Checks what will run in one transaction (the ops of one revision, or of
/// a whole plan in one-transaction mode) against the dialect's rules for
/// ops that meet in a transaction.
pub(super) fn check_transaction<'a>(
    dialect: &dyn Dialect,
    revision: &str,
    parts: impl IntoIterator<Item = (&'a Vec<Op>, &'a Vec<Vec<Statement>>)>,
) -> Result<(), RunError> {
    let mut all: Vec<(&Op, &[Statement])> = Vec::new();
    for (ops, statements) in parts {
        all.extend(ops.iter().zip(statements.iter().map(Vec::as_slice)));
    }
    dialect
        .check_transaction(&all)
        .map_err(|source| RunError::Invalid {
            revision: revision.to_owned(),
            source: Box::new(source),
        })
}

/// Op `index` of `revision` does not apply to the schema it meets.
pub(super) fn invalid(
    revision: &str,
    index: usize,
    op: &Op,
    source: crate::schema::ValidationError,
) -> RunError {
    RunError::Invalid {
        revision: revision.to_owned(),
        source: Box::new(RenderError::Invalid(ReplayError {
            index,
            op: op.describe(),
            source,
        })),
    }
}

/// `(revision, checksum)` pairs.
pub(super) type Checksums = Vec<(String, checksum::Sum)>;

/// Derived downgrades, by revision.
pub(super) type Derived = BTreeMap<String, Vec<Op>>;

/// A revision (or its undoing) ready to run.
pub(super) struct Prepared<'m> {
    pub(super) revision: &'m Registered,
    pub(super) step: Step,
    pub(super) ops: Vec<Op>,
    pub(super) statements: Vec<Vec<Statement>>,
    pub(super) transactional: bool,
    pub(super) checksum: String,
}

impl Prepared<'_> {
    /// `("upgrade", "a", "b")`: the words of `Running upgrade a -> b, message`.
    pub(super) fn header(&self) -> (&'static str, String, String) {
        let parents = self.revision.down_revisions.join(", ");
        let id = self.revision.id.to_owned();
        match self.step.direction {
            Direction::Up => ("upgrade", parents, id),
            Direction::Down => ("downgrade", id, parents),
        }
    }

    /// About how many locks the step holds until COMMIT: one per table it
    /// locks and, for what it creates, the relation, its TOAST table and
    /// index, its key indexes and its sequences — about 11 for a table with a
    /// serial key and an index, as measured on PostgreSQL 15.
    pub(super) fn estimated_locks(&self) -> usize {
        let mut n = 0;
        for (op, statements) in self.ops.iter().zip(&self.statements) {
            n += statements
                .iter()
                .map(|s| s.locks.len().max(1))
                .sum::<usize>();
            match op {
                Op::CreateTable(o) => {
                    n += 4
                        + o.table
                            .constraints
                            .iter()
                            .filter(|c| {
                                matches!(
                                    c,
                                    crate::ops::Constraint::PrimaryKey(_)
                                        | crate::ops::Constraint::Unique(_)
                                )
                            })
                            .count()
                        + o.table
                            .columns
                            .iter()
                            .filter(|c| c.ty.is_serial() || c.identity.is_some())
                            .count()
                            * 2;
                }
                Op::CreateIndex(_) | Op::AddConstraint(_) => n += 2,
                _ => {}
            }
        }
        n
    }
}

pub(super) fn prepare<'m>(
    dialect: &dyn Dialect,
    revision: &'m Registered,
    step: &Step,
    ops: Vec<Op>,
    schema: &mut Schema,
) -> Result<Prepared<'m>, RunError> {
    // The checksum covers every engine's blocks; what runs is this engine's.
    let checksum = checksum::of(&ops);
    let ops = crate::ops::for_engine(&ops, dialect.engine());
    let statements = render(dialect, revision.id, &ops, schema)?;
    check_transaction(dialect, revision.id, [(&ops, &statements)])?;
    let mut outside = None;
    let mut inside = None;
    for (op, rendered) in ops.iter().zip(&statements) {
        let needs_tx = matches!(op, Op::DataStep(_)) || rendered.iter().any(|s| s.transactional);
        let cannot = rendered.iter().any(|s| !s.transactional);
        if cannot && outside.is_none() {
            outside = Some(op.describe());
        }
        if needs_tx && !cannot && inside.is_none() {
            inside = Some(op.describe());
        }
    }
    if let (Some(outside), Some(inside)) = (&outside, &inside) {
        return Err(RunError::Mixed {
            revision: revision.id.to_owned(),
            outside: outside.clone(),
            inside: inside.clone(),
        });
    }
    Ok(Prepared {
        revision,
        step: step.clone(),
        checksum,
        transactional: outside.is_none(),
        ops,
        statements,
    })
}

impl<'m> Runner<'m> {
    /// Resolves every step of `plan` to its ops and statements, against the
    /// schema the version table `rows` stands for, before anything runs: a
    /// revision that does not apply, mixes transaction kinds, cannot be
    /// undone or cannot be written in `engine`'s SQL stops the plan here.
    /// Also returns each applied revision's checksum now.
    pub(super) fn prepare_plan(
        &self,
        plan: &Plan,
        engine: Engine,
    ) -> Result<(Vec<Prepared<'m>>, Checksums), RunError> {
        let applied = self.migrations.graph().applied(&plan.before)?;
        let mut derive = BTreeSet::new();
        for step in &plan.steps {
            let revision = self.migrations.get(&step.revision)?;
            if step.direction == Direction::Down && matches!(revision.downgrade, Downgrade::Derived)
            {
                derive.insert(revision.id);
            }
        }
        let (mut schema, sums, mut derived) =
            self.migrations.replay_deriving(&applied, &derive, engine)?;
        let mut prepared = Vec::with_capacity(plan.steps.len());
        for step in &plan.steps {
            let revision = self.migrations.get(&step.revision)?;
            let ops = match step.direction {
                Direction::Up => revision.upgrade_ops(),
                Direction::Down => match derived.remove(revision.id) {
                    Some(ops) => ops,
                    None => revision.downgrade_ops(&Schema::new())?,
                },
            };
            prepared.push(prepare(engine.dialect(), revision, step, ops, &mut schema)?);
        }
        Ok((prepared, sums))
    }
}
