//! The runner: applies and undoes revisions on PostgreSQL, safely.
//!
//! - One advisory lock (`pg_try_advisory_lock`, polled on a session of its
//!   own) keeps two runners from migrating at once; the version table is read
//!   only once it is held, and it is released on every exit path.
//! - Each revision runs in its own transaction with its version-table change
//!   and history row; a failure rolls the whole revision back. A revision
//!   whose statements cannot run in a transaction (`CREATE INDEX
//!   CONCURRENTLY`) runs statement by statement, its version change last; a
//!   revision mixing both kinds is refused before anything runs.
//! - `lock_timeout` (and `statement_timeout`) are set per revision, after the
//!   runner's lock is held; a lock timeout (55P03) retries the revision with
//!   backoff.
//! - Each applied revision's checksum is stored; a revision changed since is
//!   reported, never silently re-run or ignored.
//!
//! ```no_run
//! # async fn deploy(pool: deadpool_postgres::Pool) -> Result<(), migrator_core::run::RunError> {
//! use migrator_core::run::{Migrations, RunConfig, Runner};
//!
//! let migrations = Migrations::registered()?;
//! let runner = Runner::new(&migrations, RunConfig::default());
//! runner.upgrade(&pool.into(), "heads").await?;
//! # Ok(()) }
//! ```

mod checksum;
mod config;
mod error;
mod session;
mod tables;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

pub use config::RunConfig;
pub use error::{DbMessage, RunError, redact};
pub use session::Database;

use session::{Conn, Lock};
use tokio_postgres::Transaction;

use crate::graph::{Direction, Graph, Plan, Step};
use crate::ops::{DataTx, Op};
use crate::registry::{self, Downgrade, Registered, RegistryError};
use crate::render::{Dialect, Postgres, RenderError, Statement};
use crate::schema::{ReplayError, Schema};

/// SQLSTATE `lock_not_available`, raised when `lock_timeout` expires.
const LOCK_NOT_AVAILABLE: &str = "55P03";

/// A checked set of revisions: the graph and each revision's code.
pub struct Migrations {
    revisions: BTreeMap<&'static str, &'static Registered>,
    graph: Graph,
}

impl Migrations {
    /// Every revision linked into this binary (`#[migration]`), checked as a graph.
    pub fn registered() -> Result<Self, RegistryError> {
        Self::new(registry::registered())
    }

    /// A given set of revisions, checked as a graph.
    pub fn new(revisions: Vec<&'static Registered>) -> Result<Self, RegistryError> {
        let graph = registry::graph_of(&revisions)?;
        Ok(Self {
            revisions: revisions.into_iter().map(|r| (r.id, r)).collect(),
            graph,
        })
    }

    /// The revision graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The revision `id`.
    pub fn get(&self, id: &str) -> Result<&'static Registered, RunError> {
        self.revisions
            .get(id)
            .copied()
            .ok_or_else(|| RunError::Missing(id.to_owned()))
    }

    /// The schema once the revisions `applied` (in order) have run, with
    /// each one's checksum.
    fn replay(&self, applied: &[String]) -> Result<(Schema, Vec<(String, String)>), RunError> {
        let mut schema = Schema::new();
        let mut sums = Vec::with_capacity(applied.len());
        for id in applied {
            let ops = self.get(id)?.upgrade_ops();
            let rendered = render(id, &ops, &mut schema)?;
            sums.push((id.clone(), checksum::of(&ops, &rendered)));
        }
        Ok((schema, sums))
    }
}

/// Validates and renders `ops` against `schema`, which it moves forward.
fn render(
    revision: &str,
    ops: &[Op],
    schema: &mut Schema,
) -> Result<Vec<Vec<Statement>>, RunError> {
    let invalid = |source: RenderError| RunError::Invalid {
        revision: revision.to_owned(),
        source: Box::new(source),
    };
    let mut out = Vec::with_capacity(ops.len());
    for (index, op) in ops.iter().enumerate() {
        let rendered = Postgres.render(op, schema);
        schema.apply(op).map_err(|source| {
            invalid(RenderError::Invalid(ReplayError {
                index,
                op: op.describe(),
                source,
            }))
        })?;
        out.push(rendered.map_err(invalid)?);
    }
    Ok(out)
}

/// A revision (or its undoing) ready to run.
struct Prepared {
    ops: Vec<Op>,
    statements: Vec<Vec<Statement>>,
    transactional: bool,
    checksum: String,
    after: Schema,
}

fn prepare(revision: &str, ops: Vec<Op>, before: &Schema) -> Result<Prepared, RunError> {
    let mut after = before.clone();
    let statements = render(revision, &ops, &mut after)?;
    let mut outside = None;
    let mut inside = None;
    for (op, rendered) in ops.iter().zip(&statements) {
        let needs_tx = matches!(op, Op::RunRust(_)) || rendered.iter().any(|s| s.transactional);
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
            revision: revision.to_owned(),
            outside: outside.clone(),
            inside: inside.clone(),
        });
    }
    Ok(Prepared {
        checksum: checksum::of(&ops, &statements),
        transactional: outside.is_none(),
        ops,
        statements,
        after,
    })
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The plan it followed.
    pub plan: Plan,
    /// Each step it ran, with how long it took.
    pub steps: Vec<(Step, Duration)>,
}

/// Why a revision's statements stopped.
enum Failure {
    Statement {
        op: String,
        sql: String,
        error: tokio_postgres::Error,
    },
    Data {
        step: String,
        message: String,
    },
}

impl Failure {
    fn is_lock_timeout(&self) -> bool {
        match self {
            Failure::Statement { error, .. } => error
                .as_db_error()
                .is_some_and(|db| db.code().code() == LOCK_NOT_AVAILABLE),
            Failure::Data { .. } => false,
        }
    }

    fn into_error(self, revision: &str, at: &BTreeSet<String>, transactional: bool) -> RunError {
        let at: Vec<String> = at.iter().cloned().collect();
        match self {
            Failure::Statement { op, sql, error } if transactional => RunError::Statement {
                revision: revision.to_owned(),
                op,
                sql,
                message: DbMessage::of(&error),
                at,
            },
            Failure::Statement { op, sql, error } => RunError::NonTransactional {
                revision: revision.to_owned(),
                op,
                sql,
                message: DbMessage::of(&error),
                at,
            },
            Failure::Data { step, message } => RunError::DataStep {
                revision: revision.to_owned(),
                step,
                message,
                at,
            },
        }
    }
}

/// Runs a prepared revision's ops on `tx` (statements and data steps).
async fn run_in(tx: &Transaction<'_>, prepared: &Prepared) -> Result<(), Failure> {
    for (op, statements) in prepared.ops.iter().zip(&prepared.statements) {
        if let Op::RunRust(step) = op {
            (step.up)(DataTx::postgres(tx))
                .await
                .map_err(|e| Failure::Data {
                    step: step.name.clone(),
                    message: e.to_string(),
                })?;
        }
        for s in statements {
            tx.batch_execute(&s.sql)
                .await
                .map_err(|error| Failure::Statement {
                    op: op.describe(),
                    sql: s.sql.clone(),
                    error,
                })?;
        }
    }
    Ok(())
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(200u64.saturating_mul(1 << attempt.min(5))).min(Duration::from_secs(5))
}

/// Applies and undoes revisions.
pub struct Runner<'m> {
    migrations: &'m Migrations,
    config: RunConfig,
}

impl<'m> Runner<'m> {
    /// A runner over `migrations`.
    pub fn new(migrations: &'m Migrations, config: RunConfig) -> Self {
        Self { migrations, config }
    }

    /// Its settings.
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// The version table's rows (the current heads); empty before the first run.
    pub async fn current(&self, db: &Database) -> Result<Vec<String>, RunError> {
        let conn = db.connect().await?;
        tables::current(&*conn, &self.config).await
    }

    /// Takes the migration lock, then opens the work connection.
    async fn begin(&self, db: &Database) -> Result<(Lock, Conn), RunError> {
        let lock = Lock::acquire(db, self.config.lock_key(), self.config.lock_wait).await?;
        match db.connect().await {
            Ok(conn) => Ok((lock, conn)),
            Err(e) => {
                lock.release().await;
                Err(e)
            }
        }
    }

    /// Applies every revision `target` needs that is not applied yet.
    pub async fn upgrade(&self, db: &Database, target: &str) -> Result<Report, RunError> {
        let (lock, mut conn) = self.begin(db).await?;
        let result = self.run(&mut conn, Direction::Up, target).await;
        drop(conn);
        lock.release().await;
        result
    }

    /// Undoes every applied revision above `target`.
    pub async fn downgrade(&self, db: &Database, target: &str) -> Result<Report, RunError> {
        let (lock, mut conn) = self.begin(db).await?;
        let result = self.run(&mut conn, Direction::Down, target).await;
        drop(conn);
        lock.release().await;
        result
    }

    /// Sets the version table to `target` without running anything; with
    /// `purge`, whatever it held (even unknown ids) is discarded first.
    /// Returns the new rows.
    pub async fn stamp(
        &self,
        db: &Database,
        target: &str,
        purge: bool,
    ) -> Result<Vec<String>, RunError> {
        let (lock, mut conn) = self.begin(db).await?;
        let result = self.stamp_locked(&mut conn, target, purge).await;
        drop(conn);
        lock.release().await;
        result
    }

    /// The applied revisions whose ops changed since they ran: `(id,
    /// checksum when applied, checksum now)`.
    pub async fn changed(&self, db: &Database) -> Result<Vec<(String, String, String)>, RunError> {
        let conn = db.connect().await?;
        let rows = tables::current(&*conn, &self.config).await?;
        let stored = tables::checksums(&*conn, &self.config).await?;
        let applied = self.migrations.graph.applied(&rows)?;
        let (_, sums) = self.migrations.replay(&applied)?;
        Ok(changed(&stored, sums))
    }

    async fn ensure_tables(&self, conn: &Conn) -> Result<(), RunError> {
        for sql in tables::create_sql(&self.config) {
            conn.batch_execute(&sql)
                .await
                .map_err(|e| RunError::db("creating the version tables", &e))?;
        }
        Ok(())
    }

    async fn run(
        &self,
        conn: &mut Conn,
        direction: Direction,
        target: &str,
    ) -> Result<Report, RunError> {
        self.ensure_tables(conn).await?;
        let rows = tables::current(&**conn, &self.config).await?;
        let graph = &self.migrations.graph;
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
        let mut applied = graph.applied(&rows)?;
        let (mut schema, sums) = self.migrations.replay(&applied)?;
        if !self.config.accept_changed {
            let stored = tables::checksums(&**conn, &self.config).await?;
            if let Some((revision, applied, now)) = changed(&stored, sums).into_iter().next() {
                return Err(RunError::Changed {
                    revision,
                    applied,
                    now,
                });
            }
        }
        let mut at: BTreeSet<String> = rows.into_iter().collect();
        let mut steps = Vec::with_capacity(plan.steps.len());
        for step in &plan.steps {
            let revision = self.migrations.get(&step.revision)?;
            let ops = match direction {
                Direction::Up => revision.upgrade_ops(),
                Direction::Down => {
                    let before = match revision.downgrade {
                        Downgrade::Derived => {
                            let earlier: Vec<String> = applied
                                .iter()
                                .take_while(|id| *id != revision.id)
                                .cloned()
                                .collect();
                            self.migrations.replay(&earlier)?.0
                        }
                        _ => Schema::new(),
                    };
                    revision.downgrade_ops(&before)?
                }
            };
            let prepared = prepare(revision.id, ops, &schema)?;
            let took = self.execute(conn, revision, step, &prepared, &at).await?;
            tracing::info!(
                "Running {} {} -> {}, {} ... {} ms",
                if direction == Direction::Up {
                    "upgrade"
                } else {
                    "downgrade"
                },
                if direction == Direction::Up {
                    revision.down_revisions.join(", ")
                } else {
                    revision.id.to_owned()
                },
                if direction == Direction::Up {
                    revision.id.to_owned()
                } else {
                    revision.down_revisions.join(", ")
                },
                revision.message,
                took.as_millis()
            );
            step.change.apply(&mut at);
            match direction {
                Direction::Up => applied.push(revision.id.to_owned()),
                Direction::Down => applied.retain(|id| id != revision.id),
            }
            schema = prepared.after;
            steps.push((step.clone(), took));
        }
        Ok(Report { plan, steps })
    }

    /// Runs one step: its statements, its version-table change and its
    /// history row, in one transaction when it can.
    async fn execute(
        &self,
        conn: &mut Conn,
        revision: &Registered,
        step: &Step,
        prepared: &Prepared,
        at: &BTreeSet<String>,
    ) -> Result<Duration, RunError> {
        let started = Instant::now();
        let direction = if step.direction == Direction::Up {
            "up"
        } else {
            "down"
        };
        let checksum = (step.direction == Direction::Up).then_some(prepared.checksum.as_str());
        let mut attempt = 0;
        if !prepared.transactional {
            for sql in self.config.timeouts(false) {
                conn.batch_execute(&sql)
                    .await
                    .map_err(|e| RunError::db("setting timeouts", &e))?;
            }
            for (op, statements) in prepared.ops.iter().zip(&prepared.statements) {
                for s in statements {
                    loop {
                        match conn.batch_execute(&s.sql).await {
                            Ok(()) => break,
                            Err(error) => {
                                let failure = Failure::Statement {
                                    op: op.describe(),
                                    sql: s.sql.clone(),
                                    error,
                                };
                                if failure.is_lock_timeout() && attempt < self.config.lock_retries {
                                    attempt += 1;
                                    tracing::warn!(
                                        "revision {}: lock timeout, retry {attempt}",
                                        revision.id
                                    );
                                    tokio::time::sleep(backoff(attempt)).await;
                                    continue;
                                }
                                return Err(failure.into_error(revision.id, at, false));
                            }
                        }
                    }
                }
            }
            let _ = conn
                .batch_execute("RESET lock_timeout; RESET statement_timeout")
                .await;
        }
        loop {
            let tx = conn.transaction().await.map_err(|e| {
                RunError::db(
                    format!("opening the transaction of revision {}", revision.id),
                    &e,
                )
            })?;
            let mut result = Ok(());
            if prepared.transactional {
                for sql in self.config.timeouts(true) {
                    tx.batch_execute(&sql)
                        .await
                        .map_err(|e| RunError::db("setting timeouts", &e))?;
                }
                result = run_in(&tx, prepared).await;
            }
            if result.is_ok() {
                let duration = started.elapsed().as_millis();
                let mut bookkeeping = tables::change_sql(&self.config, &step.change);
                bookkeeping.push(tables::history_sql(
                    &self.config,
                    revision.id,
                    direction,
                    checksum,
                    duration,
                ));
                for sql in bookkeeping {
                    if let Err(error) = tx.batch_execute(&sql).await {
                        result = Err(Failure::Statement {
                            op: "the version table".into(),
                            sql,
                            error,
                        });
                        break;
                    }
                }
            }
            match result {
                Ok(()) => {
                    return match tx.commit().await {
                        Ok(()) => Ok(started.elapsed()),
                        Err(e) => Err(RunError::db(
                            format!(
                                "committing revision {} (if the connection was lost, the commit may or may not have happened: run `current` to see)",
                                revision.id
                            ),
                            &e,
                        )),
                    };
                }
                Err(failure) if failure.is_lock_timeout() && attempt < self.config.lock_retries => {
                    drop(tx);
                    attempt += 1;
                    tracing::warn!(
                        "revision {}: a lock was not granted within lock_timeout; retry {attempt} of {}",
                        revision.id,
                        self.config.lock_retries
                    );
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(failure) => return Err(failure.into_error(revision.id, at, true)),
            }
        }
    }

    async fn stamp_locked(
        &self,
        conn: &mut Conn,
        target: &str,
        purge: bool,
    ) -> Result<Vec<String>, RunError> {
        self.ensure_tables(conn).await?;
        let rows = if purge {
            Vec::new()
        } else {
            tables::current(&**conn, &self.config).await?
        };
        let graph = &self.migrations.graph;
        let resolved = graph.resolve(&rows, target)?;
        let new_rows = graph.version_rows(&resolved)?;
        let tx = conn
            .transaction()
            .await
            .map_err(|e| RunError::db("stamping", &e))?;
        let mut sql = vec![format!(
            "DELETE FROM {}",
            self.config.version_table.to_sql()
        )];
        for id in &new_rows {
            sql.extend(tables::change_sql(
                &self.config,
                &crate::graph::VersionChange::Insert(id.clone()),
            ));
            sql.push(tables::history_sql(&self.config, id, "stamp", None, 0));
        }
        for s in sql {
            tx.batch_execute(&s)
                .await
                .map_err(|e| RunError::db("stamping", &e))?;
        }
        tx.commit()
            .await
            .map_err(|e| RunError::db("committing the stamp", &e))?;
        Ok(new_rows)
    }

    /// The SQL script of an upgrade or downgrade, without a database: `range`
    /// is a target, or `from:to` where `from` stands for the version table.
    /// Transaction boundaries and version-table statements included.
    pub fn sql(&self, direction: Direction, range: &str) -> Result<String, RunError> {
        let graph = &self.migrations.graph;
        let plan = match direction {
            Direction::Up => graph.upgrade(Vec::<String>::new(), range)?,
            Direction::Down => graph.downgrade(Vec::<String>::new(), range)?,
        };
        let mut applied = graph.applied(&plan.before)?;
        let (mut schema, _) = self.migrations.replay(&applied)?;
        let mut out = String::new();
        for sql in tables::create_sql(&self.config) {
            out.push_str(&sql);
            out.push_str(
                ";

",
            );
        }
        let single = self.config.single_transaction;
        if single {
            out.push_str(
                "BEGIN;

",
            );
        }
        for step in &plan.steps {
            let revision = self.migrations.get(&step.revision)?;
            let (ops, word, from, to) = match direction {
                Direction::Up => (
                    revision.upgrade_ops(),
                    "upgrade",
                    revision.down_revisions.join(", "),
                    revision.id.to_owned(),
                ),
                Direction::Down => {
                    let earlier: Vec<String> = applied
                        .iter()
                        .take_while(|id| *id != revision.id)
                        .cloned()
                        .collect();
                    let before = self.migrations.replay(&earlier)?.0;
                    (
                        revision.downgrade_ops(&before)?,
                        "downgrade",
                        revision.id.to_owned(),
                        revision.down_revisions.join(", "),
                    )
                }
            };
            if let Some(Op::RunRust(data)) = ops.iter().find(|o| matches!(o, Op::RunRust(_))) {
                return Err(RunError::Offline {
                    revision: revision.id.to_owned(),
                    step: data.name.clone(),
                });
            }
            let prepared = prepare(revision.id, ops, &schema)?;
            if single && !prepared.transactional {
                return Err(RunError::Mixed {
                    revision: revision.id.to_owned(),
                    outside: "a statement that cannot run in a transaction".into(),
                    inside: "--single-transaction".into(),
                });
            }
            out.push_str(&format!(
                "-- Running {word} {from} -> {to}, {}

",
                revision.message
            ));
            let in_tx = prepared.transactional && !single;
            if in_tx {
                out.push_str(
                    "BEGIN;

",
                );
            }
            for s in prepared.statements.iter().flatten() {
                out.push_str(&s.sql);
                out.push_str(
                    ";

",
                );
            }
            if !prepared.transactional {
                out.push_str(
                    "BEGIN;

",
                );
            }
            let checksum = (direction == Direction::Up).then_some(prepared.checksum.as_str());
            for sql in tables::change_sql(&self.config, &step.change) {
                out.push_str(&sql);
                out.push_str(
                    ";

",
                );
            }
            out.push_str(&tables::history_sql(
                &self.config,
                revision.id,
                if direction == Direction::Up {
                    "up"
                } else {
                    "down"
                },
                checksum,
                0,
            ));
            out.push_str(
                ";

",
            );
            if in_tx || !prepared.transactional {
                out.push_str(
                    "COMMIT;

",
                );
            }
            match direction {
                Direction::Up => applied.push(revision.id.to_owned()),
                Direction::Down => applied.retain(|id| id != revision.id),
            }
            schema = prepared.after;
        }
        if single {
            out.push_str(
                "COMMIT;
",
            );
        }
        Ok(out)
    }
}

/// The revisions whose checksum now differs from the one stored.
fn changed(
    stored: &std::collections::HashMap<String, String>,
    now: Vec<(String, String)>,
) -> Vec<(String, String, String)> {
    now.into_iter()
        .filter_map(|(id, now)| {
            let then = stored.get(&id)?;
            (*then != now).then(|| (id, then.clone(), now))
        })
        .collect()
}
