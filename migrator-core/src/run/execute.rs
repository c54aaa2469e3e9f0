//! Execution: running prepared revisions in a session, with their
//! version-table changes and history rows, retrying lock timeouts.

use std::collections::BTreeSet;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures_util::FutureExt;

use super::backend::Session;
use super::database::Engine;
use super::error::{DataStepError, DbMessage, RunError};
use super::prepare::{Prepared, check_transaction};
use super::{Report, Runner, changed, tables};
use crate::graph::{Direction, Plan};
use crate::ops::Op;
use crate::render::{Effect, Statement};

/// Why a revision's statements stopped.
pub(super) enum Failure {
    Statement {
        op: String,
        sql: String,
        error: DbMessage,
    },
    Data {
        step: String,
        error: DataStepError,
    },
    /// The version table no longer holds the rows the step was planned
    /// from: another runner moved the database.
    Moved,
    /// The revision's own SQL (or data step) ended its transaction.
    Ended {
        op: String,
        sql: String,
    },
}

impl Failure {
    pub(super) fn is_lock_timeout<S: Session>(&self) -> bool {
        match self {
            Failure::Statement { error, .. } => S::is_lock_not_available(error),
            Failure::Data { .. } | Failure::Moved | Failure::Ended { .. } => false,
        }
    }

    pub(super) fn into_error(
        self,
        revision: &str,
        at: &BTreeSet<String>,
        transactional: bool,
    ) -> RunError {
        let at: Vec<String> = at.iter().cloned().collect();
        match self {
            Failure::Statement { op, sql, error } => RunError::Statement {
                revision: revision.to_owned(),
                op,
                sql,
                message: error,
                at,
                transactional,
            },
            Failure::Data { step, error } => RunError::DataStep {
                revision: revision.to_owned(),
                step,
                error,
                at,
            },
            Failure::Ended { op, sql } => RunError::TransactionEnded {
                revision: revision.to_owned(),
                op,
                sql,
                at,
            },
            Failure::Moved => RunError::Moved {
                revision: revision.to_owned(),
                planned: at,
            },
        }
    }
}

/// What a statement of a revision's transaction belongs to.
#[derive(Clone, Copy)]
pub(super) enum Part {
    /// The check that the version table still holds what the step was
    /// planned from.
    Guard,
    /// Op `n` of the revision.
    Op(usize),
    /// The version-table change and history row.
    Bookkeeping,
}

/// Runs the statements `pending` holds (emptying it); a failure names the
/// op of the statement that failed.
pub(super) async fn flush<S: Session>(
    session: &mut S,
    prepared: &Prepared<'_>,
    pending: &mut Vec<(&Statement, Part)>,
) -> Result<(), Failure> {
    if pending.is_empty() {
        return Ok(());
    }
    let batch = std::mem::take(pending);
    let statements: Vec<&Statement> = batch.iter().map(|(s, _)| *s).collect();
    session.statements(&statements).await.map_err(|(i, error)| {
        let (statement, part) = batch[i];
        let op = match part {
            // The guard's insert of NULL fails exactly when the version
            // table no longer holds the planned rows; any other failure of
            // it (the lock's timeout) is what the database said.
            Part::Guard if !S::is_lock_not_available(&error) => {
                return Failure::Moved;
            }
            Part::Guard => "the version table's lock".to_owned(),
            Part::Op(o) => prepared.ops[o].describe(),
            Part::Bookkeeping => "the version table".to_owned(),
        };
        Failure::Statement {
            op,
            sql: statement.sql.clone(),
            error,
        }
    })
}

/// Fails when the revision's own SQL or data step ended the transaction the
/// runner opened for it.
pub(super) async fn still_in_revision<S: Session>(
    session: &mut S,
    op: &Op,
    sql: &str,
) -> Result<(), Failure> {
    match session.still_in_revision().await {
        Ok(true) => Ok(()),
        Ok(false) => Err(Failure::Ended {
            op: op.describe(),
            sql: sql.to_owned(),
        }),
        Err(error) => Err(Failure::Statement {
            op: op.describe(),
            sql: sql.to_owned(),
            error,
        }),
    }
}

/// What a panic said, when it said it with a string.
pub(super) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

pub(super) fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(200u64.saturating_mul(1 << attempt.min(5))).min(Duration::from_secs(5))
}

impl Runner<'_> {
    /// Runs a prepared revision in the session's open transaction (its ops
    /// unless `with_ops` is false), then its version-table change and
    /// history row, then the engine's checks. The statements between two
    /// Rust data steps go in one round trip where the engine allows; with
    /// `server_clock`, the history row is timed by the server and goes in
    /// the same round trip as the statements before it.
    pub(super) async fn run_in<S: Session>(
        &self,
        session: &mut S,
        prepared: &Prepared<'_>,
        at: &BTreeSet<String>,
        with_ops: bool,
        server_clock: bool,
        started: Instant,
    ) -> Result<(), Failure> {
        // Each statement with what it belongs to. First, under the version
        // table's lock, the check that it still holds what the step was
        // planned from (the migration lock is not the only guard: a runner
        // whose lock session died must not apply a revision again).
        let guard: Vec<Statement> = S::serialize_sql(&self.config)
            .into_iter()
            .chain([tables::guard_sql(&self.config, S::ENGINE, at)])
            .map(Statement::new)
            .collect();
        let mut pending: Vec<(&Statement, Part)> = guard.iter().map(|s| (s, Part::Guard)).collect();
        let ops = if with_ops {
            prepared.ops.as_slice()
        } else {
            &[]
        };
        for (index, (op, statements)) in ops.iter().zip(&prepared.statements).enumerate() {
            if let Op::DataStep(step) = op {
                flush(session, prepared, &mut pending).await?;
                session.settle().await.map_err(|error| Failure::Statement {
                    op: op.describe(),
                    sql: "BEGIN".into(),
                    error,
                })?;
                // A panic is caught and reported like a failing statement:
                // the revision is rolled back, the run stops cleanly.
                let ran = AssertUnwindSafe((step.up)(session.data_tx()))
                    .catch_unwind()
                    .await;
                let error = match ran {
                    Ok(Ok(())) => None,
                    Ok(Err(e)) => Some(DataStepError::Failed(e)),
                    Err(panic) => Some(DataStepError::Panicked(panic_message(&*panic))),
                };
                if let Some(error) = error {
                    return Err(Failure::Data {
                        step: step.name.clone(),
                        error,
                    });
                }
                still_in_revision(session, op, "(a Rust data step)").await?;
            }
            pending.extend(statements.iter().map(|s| (s, Part::Op(index))));
            // Raw SQL may end the transaction (a COMMIT in it): found out
            // at once, before anything else runs outside it.
            if let Some(raw) = statements.iter().find(|s| s.effect == Effect::Unknown) {
                flush(session, prepared, &mut pending).await?;
                still_in_revision(session, op, &raw.sql).await?;
            }
        }
        let clock = S::elapsed_sql().filter(|_| server_clock);
        if clock.is_none() {
            flush(session, prepared, &mut pending).await?;
        }
        let duration =
            clock.map_or_else(|| started.elapsed().as_millis().to_string(), str::to_owned);
        let bookkeeping: Vec<Statement> = self
            .bookkeeping(prepared, S::ENGINE, &duration)
            .into_iter()
            .map(Statement::new)
            .collect();
        pending.extend(bookkeeping.iter().map(|s| (s, Part::Bookkeeping)));
        flush(session, prepared, &mut pending).await?;
        session.check().await.map_err(|error| Failure::Statement {
            op: "the checks after the revision".into(),
            sql: S::CHECK_SQL.into(),
            error,
        })
    }

    /// The version-table change and history row of a step; `duration_ms`
    /// is SQL (a number, or the server's clock).
    pub(super) fn bookkeeping(
        &self,
        p: &Prepared<'_>,
        engine: Engine,
        duration_ms: &str,
    ) -> Vec<String> {
        let up = p.step.direction == Direction::Up;
        let mut sql = tables::change_sql(&self.config, engine, &p.step.change);
        sql.push(tables::history_sql(
            &self.config,
            engine,
            p.revision.id,
            if up { "up" } else { "down" },
            up.then_some(p.checksum.as_str()),
            duration_ms,
        ));
        sql
    }

    pub(super) async fn run<S: Session>(
        &self,
        session: &mut S,
        direction: Direction,
        target: &str,
    ) -> Result<Report, RunError> {
        let rows = self.open_tables(session).await?;
        let graph = &self.migrations.graph();
        let plan = match direction {
            Direction::Up => graph.upgrade(&rows, target)?,
            Direction::Down => graph.downgrade(&rows, target)?,
        };
        if plan.is_noop() {
            if let Some(note) = &plan.note {
                tracing::info!("{note}");
            }
            return Ok(Report {
                plan,
                steps: Vec::new(),
            });
        }
        let (prepared, sums) = self.prepare_plan(&plan, S::ENGINE)?;
        let stored = tables::checksums(session, &self.config).await?;
        if !self.config.accept_changed
            && let Some(c) = changed(&stored, &sums).into_iter().next()
        {
            return Err(RunError::Changed {
                revision: c.revision,
                applied: c.applied,
                now: c.now,
            });
        }
        // Old-format checksums that match are recorded as v2 from now on.
        tables::record_v2(session, &self.config, &stored, &sums).await?;
        let mut at: BTreeSet<String> = rows.into_iter().collect();
        if self.config.single_transaction {
            return self.run_single(session, plan, &prepared, &at).await;
        }
        let mut steps = Vec::with_capacity(prepared.len());
        for p in &prepared {
            // The version table guards each step as well; a lost lock stops
            // the run before the next one all the same.
            if let Some(why) = session.lock_lost() {
                return Err(RunError::LockLost {
                    why,
                    next: Some(p.revision.id.to_owned()),
                    at: at.into_iter().collect(),
                });
            }
            let took = self.execute(session, p, &at).await?;
            let (word, from, to) = p.header();
            tracing::info!(
                "Running {word} {from} -> {to}, {} ... {} ms",
                p.revision.message,
                took.as_millis()
            );
            p.step.change.apply(&mut at);
            steps.push((p.step.clone(), took));
        }
        Ok(Report { plan, steps })
    }

    /// Runs the whole plan in one transaction, after checking that every
    /// step can and that the locks it will hold until COMMIT fit the
    /// server's shared lock table.
    pub(super) async fn run_single<S: Session>(
        &self,
        session: &mut S,
        plan: Plan,
        prepared: &[Prepared<'_>],
        at: &BTreeSet<String>,
    ) -> Result<Report, RunError> {
        if let Some(p) = prepared.iter().find(|p| !p.transactional) {
            return Err(RunError::Mixed {
                revision: p.revision.id.to_owned(),
                outside: "statements that cannot run in a transaction".into(),
                inside: "--single-transaction".into(),
            });
        }
        check_transaction(
            S::ENGINE.dialect(),
            &prepared_ids(prepared),
            prepared.iter().map(|p| (&p.ops, &p.statements)),
        )?;
        if let Some(capacity) = session.lock_capacity().await? {
            let needed: usize = prepared.iter().map(Prepared::estimated_locks).sum();
            let budget = usize::try_from(capacity / 2).unwrap_or(usize::MAX);
            if needed > budget {
                return Err(RunError::TooManyLocks {
                    steps: prepared.len(),
                    needed,
                    capacity,
                });
            }
        }
        let started = Instant::now();
        session
            .begin()
            .await
            .map_err(|message| RunError::Database {
                context: "opening the transaction".into(),
                message,
            })?;
        let mut steps = Vec::with_capacity(prepared.len());
        let mut now_at = at.clone();
        for p in prepared {
            let step_started = Instant::now();
            let result = self
                .run_in(session, p, &now_at, true, false, step_started)
                .await;
            if let Err(failure) = result {
                session.rollback().await;
                return Err(failure.into_error(p.revision.id, at, true));
            }
            p.step.change.apply(&mut now_at);
            steps.push((p.step.clone(), step_started.elapsed()));
        }
        if let Some(why) = session.lock_lost() {
            session.rollback().await;
            return Err(RunError::LockLost {
                why,
                next: prepared.first().map(|p| p.revision.id.to_owned()),
                at: at.iter().cloned().collect(),
            });
        }
        session.commit().await.map_err(|message| RunError::Database {
            context: "committing the plan (if the connection was lost, the commit may or may not have happened: run `current` to see)".into(),
            message,
        })?;
        tracing::info!(
            "Ran {} revisions in one transaction ... {} ms",
            steps.len(),
            started.elapsed().as_millis()
        );
        Ok(Report { plan, steps })
    }

    pub(super) async fn execute<S: Session>(
        &self,
        session: &mut S,
        prepared: &Prepared<'_>,
        at: &BTreeSet<String>,
    ) -> Result<Duration, RunError> {
        let started = Instant::now();
        let revision = prepared.revision;
        let mut attempt = 0;
        if !prepared.transactional {
            for (op, statements) in prepared.ops.iter().zip(&prepared.statements) {
                // A lock timeout retries the whole op, looking again at what
                // the failed attempt left (an INVALID index, say).
                'op: loop {
                    if session.resume(revision.id, op).await? {
                        break 'op;
                    }
                    for s in statements {
                        if let Err(error) = session.statement(s).await {
                            let failure = Failure::Statement {
                                op: op.describe(),
                                sql: s.sql.clone(),
                                error,
                            };
                            if self.retry::<S>(&failure, revision.id, &mut attempt).await {
                                continue 'op;
                            }
                            let failure = self.explain(session, prepared, failure).await;
                            return Err(failure.into_error(revision.id, at, false));
                        }
                    }
                    break 'op;
                }
            }
        }
        loop {
            session
                .begin()
                .await
                .map_err(|message| RunError::Database {
                    context: format!("opening the transaction of revision {}", revision.id),
                    message,
                })?;
            let transactional = prepared.transactional;
            let result = self
                .run_in(session, prepared, at, transactional, transactional, started)
                .await;
            match result {
                Ok(()) => {
                    return match session.commit().await {
                        Ok(()) => Ok(started.elapsed()),
                        Err(message) => Err(RunError::Database {
                            context: format!(
                                "committing revision {} (if the connection was lost, the commit may or may not have happened: run `current` to see)",
                                revision.id
                            ),
                            message,
                        }),
                    };
                }
                Err(failure) => {
                    session.rollback().await;
                    if self.retry::<S>(&failure, revision.id, &mut attempt).await {
                        continue;
                    }
                    let failure = self.explain(session, prepared, failure).await;
                    return Err(failure.into_error(revision.id, at, prepared.transactional));
                }
            }
        }
    }

    /// A lock timeout that retries did not get past, told with who holds
    /// locks on the revision's tables and what to do.
    pub(super) async fn explain<S: Session>(
        &self,
        session: &mut S,
        prepared: &Prepared<'_>,
        mut failure: Failure,
    ) -> Failure {
        if !failure.is_lock_timeout::<S>() {
            return failure;
        }
        let mut tables: Vec<&crate::ident::QualifiedName> = Vec::new();
        for s in prepared.statements.iter().flatten() {
            for lock in &s.locks {
                if !tables.contains(&&lock.table) {
                    tables.push(&lock.table);
                }
            }
        }
        let holders = session.lock_holders(&tables).await;
        if let Failure::Statement { error, .. } = &mut failure {
            let held = if holders.is_empty() {
                String::new()
            } else {
                format!("held by {}; ", holders.join("; "))
            };
            error.hint = Some(format!(
                "{held}gave up after {} retr{} with backoff: run again when the lock is released, or raise --lock-timeout or --lock-retries",
                self.config.lock_retries,
                if self.config.lock_retries == 1 {
                    "y"
                } else {
                    "ies"
                }
            ));
        }
        failure
    }

    /// Whether to try `revision`'s work again after `failure`: when it is
    /// a lock timeout and retries are left, counts the attempt, says so and
    /// waits out the backoff first.
    pub(super) async fn retry<S: Session>(
        &self,
        failure: &Failure,
        revision: &str,
        attempt: &mut u32,
    ) -> bool {
        if !failure.is_lock_timeout::<S>() || *attempt >= self.config.lock_retries {
            return false;
        }
        *attempt += 1;
        tracing::warn!(
            "revision {revision}: a lock was not granted within lock_timeout; retry {attempt} of {}",
            self.config.lock_retries
        );
        tokio::time::sleep(backoff(*attempt)).await;
        true
    }
}

/// The revisions of a plan run in one transaction, for messages.
pub(super) fn prepared_ids(prepared: &[Prepared<'_>]) -> String {
    let ids: Vec<&str> = prepared.iter().map(|p| p.revision.id).collect();
    format!("{} (in one transaction)", ids.join(", "))
}
