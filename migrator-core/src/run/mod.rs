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
//! - `lock_timeout` (and `statement_timeout`) are set for the run on the
//!   work session, once the runner's lock is held (never on the lock's own
//!   session); a lock timeout (55P03) retries the revision with backoff.
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
mod offline;
mod session;
mod tables;
pub(crate) mod tls;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

pub use config::RunConfig;
pub use error::{DbMessage, RunError, redact};
pub use session::Database;
pub use tls::connect;

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

    /// The schema model of a database whose version table holds `rows`.
    pub fn schema_at<S: AsRef<str>>(&self, rows: &[S]) -> Result<Schema, RunError> {
        let applied = self.graph.applied(rows.iter().map(AsRef::as_ref))?;
        Ok(self.replay(&applied)?.0)
    }

    /// The schema once the revisions `applied` (in order) have run, with
    /// each one's checksum.
    fn replay(&self, applied: &[String]) -> Result<(Schema, Checksums), RunError> {
        let (schema, sums, _) = self.replay_deriving(applied, &BTreeSet::new())?;
        Ok((schema, sums))
    }

    /// [`replay`](Self::replay), also deriving the downgrades of the
    /// revisions in `derive` from the schema just before each of them: one
    /// pass, however many revisions a downgrade undoes.
    fn replay_deriving(
        &self,
        applied: &[String],
        derive: &BTreeSet<&str>,
    ) -> Result<(Schema, Checksums, Derived), RunError> {
        let mut schema = Schema::new();
        let mut sums = Vec::with_capacity(applied.len());
        let mut derived = BTreeMap::new();
        for id in applied {
            let revision = self.get(id)?;
            if derive.contains(id.as_str()) {
                derived.insert(id.clone(), revision.downgrade_ops(&schema)?);
            }
            let ops = revision.upgrade_ops();
            let rendered = render(id, &ops, &mut schema)?;
            sums.push((id.clone(), checksum::of(&ops, &rendered)));
        }
        Ok((schema, sums, derived))
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

/// `(revision, checksum)` pairs.
type Checksums = Vec<(String, String)>;

/// Derived downgrades, by revision.
type Derived = BTreeMap<String, Vec<Op>>;

/// A revision (or its undoing) ready to run.
struct Prepared {
    revision: &'static Registered,
    step: Step,
    ops: Vec<Op>,
    statements: Vec<Vec<Statement>>,
    transactional: bool,
    checksum: String,
}

impl Prepared {
    /// `("upgrade", "a", "b")`: the words of `Running upgrade a -> b, message`.
    fn header(&self) -> (&'static str, String, String) {
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
    fn estimated_locks(&self) -> usize {
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

fn prepare(
    revision: &'static Registered,
    step: &Step,
    ops: Vec<Op>,
    schema: &mut Schema,
) -> Result<Prepared, RunError> {
    let statements = render(revision.id, &ops, schema)?;
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
            revision: revision.id.to_owned(),
            outside: outside.clone(),
            inside: inside.clone(),
        });
    }
    Ok(Prepared {
        revision,
        step: step.clone(),
        checksum: checksum::of(&ops, &statements),
        transactional: outside.is_none(),
        ops,
        statements,
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

/// The state of index `name` (in `schema`): missing, valid, or left INVALID
/// by an interrupted `CREATE INDEX CONCURRENTLY`.
async fn index_state(
    conn: &Conn,
    name: &crate::ident::QualifiedName,
) -> Result<Option<bool>, RunError> {
    let row = conn
        .query_opt(
            // Resolved as the statement resolves it: through search_path
            // when the name has no schema.
            "SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass($1::text)",
            &[&name.to_sql()],
        )
        .await
        .map_err(|e| RunError::db(format!("looking up index {name}"), &e))?;
    Ok(row.map(|r| r.get(0)))
}

/// Makes a statement of a revision that runs outside a transaction safe to
/// run again after an interrupted run, which may have left its work done or
/// half done. Returns whether the op is already done and must be skipped.
///
/// - `CREATE INDEX CONCURRENTLY` interrupted leaves an INVALID index: it is
///   dropped and built again. A valid index of that name means the earlier
///   run built it and stopped before recording the revision: it is kept.
/// - `DROP INDEX CONCURRENTLY` of an index that is gone already is done.
async fn resume(conn: &Conn, revision: &str, op: &Op) -> Result<bool, RunError> {
    match op {
        Op::CreateIndex(ci) if ci.concurrently => {
            let name = ci.index.qualified_name();
            match index_state(conn, &name).await? {
                Some(false) => {
                    tracing::warn!(
                        "revision {revision}: index {name} was left INVALID by an interrupted run; dropping it to build it again"
                    );
                    let sql = format!("DROP INDEX CONCURRENTLY IF EXISTS {}", name.to_sql());
                    conn.batch_execute(&sql).await.map_err(|e| {
                        RunError::db(format!("dropping the invalid index {name}"), &e)
                    })?;
                    Ok(false)
                }
                Some(true) => {
                    tracing::warn!(
                        "revision {revision}: index {name} exists and is valid (an earlier run built it and was interrupted before recording the revision); keeping it"
                    );
                    Ok(true)
                }
                None => Ok(false),
            }
        }
        Op::DropIndex(di) if di.concurrently => Ok(index_state(conn, &di.name).await?.is_none()),
        _ => Ok(false),
    }
}

/// Runs a step's version-table and history statements, in one round trip.
async fn run_bookkeeping(tx: &Transaction<'_>, statements: Vec<String>) -> Result<(), Failure> {
    let sql = statements.join(";\n");
    tx.batch_execute(&sql)
        .await
        .map_err(|error| Failure::Statement {
            op: "the version table".into(),
            sql,
            error,
        })
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
        tables::current(&conn, &self.config).await
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

    /// Gives back the work session as it was (it may go back to a pool)
    /// and releases the lock.
    async fn finish(&self, lock: Lock, conn: Conn) {
        if conn.is_pooled() && !self.config.timeouts().is_empty() {
            let _ = conn
                .batch_execute("RESET lock_timeout; RESET statement_timeout")
                .await;
        }
        drop(conn);
        lock.release().await;
    }

    /// Applies every revision `target` needs that is not applied yet.
    pub async fn upgrade(&self, db: &Database, target: &str) -> Result<Report, RunError> {
        let (lock, mut conn) = self.begin(db).await?;
        let result = self.run(&mut conn, Direction::Up, target).await;
        self.finish(lock, conn).await;
        result
    }

    /// Undoes every applied revision above `target`.
    pub async fn downgrade(&self, db: &Database, target: &str) -> Result<Report, RunError> {
        let (lock, mut conn) = self.begin(db).await?;
        let result = self.run(&mut conn, Direction::Down, target).await;
        self.finish(lock, conn).await;
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
        self.finish(lock, conn).await;
        result
    }

    /// The applied revisions whose ops changed since they ran: `(id,
    /// checksum when applied, checksum now)`.
    pub async fn changed(&self, db: &Database) -> Result<Vec<(String, String, String)>, RunError> {
        let conn = db.connect().await?;
        let rows = tables::current(&conn, &self.config).await?;
        let stored = tables::checksums(&*conn, &self.config).await?;
        let applied = self.migrations.graph.applied(&rows)?;
        let (_, sums) = self.migrations.replay(&applied)?;
        Ok(changed(&stored, sums))
    }

    /// Sets the run's timeouts on the work session, creates the version
    /// tables when they are missing and reads the version table — in two
    /// round trips when the tables exist.
    async fn open_tables(&self, conn: &Conn) -> Result<Vec<String>, RunError> {
        let mut prefix = String::new();
        for sql in self.config.timeouts() {
            prefix.push_str(&sql);
            prefix.push_str("; ");
        }
        if tables::exist(conn, &self.config, &prefix).await? {
            return tables::rows(conn, &self.config).await;
        }
        // Even CREATE TABLE IF NOT EXISTS needs CREATE on the schema, so it
        // is only sent when a table is missing.
        for sql in tables::create_sql(&self.config) {
            conn.batch_execute(&sql)
                .await
                .map_err(|e| RunError::db("creating the version tables", &e))?;
        }
        tables::rows(conn, &self.config).await
    }

    /// Resolves every step of `plan` to its ops and statements, against the
    /// schema the version table `rows` stands for, before anything runs: a
    /// revision that does not apply, mixes transaction kinds or cannot be
    /// undone stops the plan here. Also returns each applied revision's
    /// checksum now.
    fn prepare_plan(&self, plan: &Plan) -> Result<(Vec<Prepared>, Checksums), RunError> {
        let applied = self.migrations.graph.applied(&plan.before)?;
        let mut derive = BTreeSet::new();
        for step in &plan.steps {
            let revision = self.migrations.get(&step.revision)?;
            if step.direction == Direction::Down && matches!(revision.downgrade, Downgrade::Derived)
            {
                derive.insert(revision.id);
            }
        }
        let (mut schema, sums, mut derived) = self.migrations.replay_deriving(&applied, &derive)?;
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
            prepared.push(prepare(revision, step, ops, &mut schema)?);
        }
        Ok((prepared, sums))
    }

    /// The version-table change and history row of a step.
    fn bookkeeping(&self, p: &Prepared, duration_ms: u128) -> Vec<String> {
        let up = p.step.direction == Direction::Up;
        let mut sql = tables::change_sql(&self.config, &p.step.change);
        sql.push(tables::history_sql(
            &self.config,
            p.revision.id,
            if up { "up" } else { "down" },
            up.then_some(p.checksum.as_str()),
            duration_ms,
        ));
        sql
    }

    async fn run(
        &self,
        conn: &mut Conn,
        direction: Direction,
        target: &str,
    ) -> Result<Report, RunError> {
        let rows = self.open_tables(conn).await?;
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
        let (prepared, sums) = self.prepare_plan(&plan)?;
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
        if self.config.single_transaction {
            return self.run_single(conn, plan, &prepared, &at).await;
        }
        let mut steps = Vec::with_capacity(prepared.len());
        for p in &prepared {
            let took = self.execute(conn, p, &at).await?;
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
    async fn run_single(
        &self,
        conn: &mut Conn,
        plan: Plan,
        prepared: &[Prepared],
        at: &BTreeSet<String>,
    ) -> Result<Report, RunError> {
        if let Some(p) = prepared.iter().find(|p| !p.transactional) {
            return Err(RunError::Mixed {
                revision: p.revision.id.to_owned(),
                outside: "statements that cannot run in a transaction".into(),
                inside: "--single-transaction".into(),
            });
        }
        let needed: usize = prepared.iter().map(Prepared::estimated_locks).sum();
        let capacity: i64 = conn
            .query_one(
                "SELECT current_setting('max_locks_per_transaction')::bigint
                      * (current_setting('max_connections')::bigint
                         + current_setting('max_prepared_transactions')::bigint)",
                &[],
            )
            .await
            .map_err(|e| RunError::db("reading the lock table's size", &e))?
            .get(0);
        let budget = usize::try_from(capacity / 2).unwrap_or(usize::MAX);
        if needed > budget {
            return Err(RunError::TooManyLocks {
                steps: prepared.len(),
                needed,
                capacity,
            });
        }
        let started = Instant::now();
        let tx = conn
            .transaction()
            .await
            .map_err(|e| RunError::db("opening the transaction", &e))?;
        let mut steps = Vec::with_capacity(prepared.len());
        for p in prepared {
            let step_started = Instant::now();
            let mut result = run_in(&tx, p).await;
            if result.is_ok() {
                let sql = self.bookkeeping(p, step_started.elapsed().as_millis());
                result = run_bookkeeping(&tx, sql).await;
            }
            if let Err(failure) = result {
                return Err(failure.into_error(p.revision.id, at, true));
            }
            steps.push((p.step.clone(), step_started.elapsed()));
        }
        tx.commit().await.map_err(|e| {
            RunError::db(
                "committing the plan (if the connection was lost, the commit may or may not have happened: run `current` to see)",
                &e,
            )
        })?;
        tracing::info!(
            "Ran {} revisions in one transaction ... {} ms",
            steps.len(),
            started.elapsed().as_millis()
        );
        Ok(Report { plan, steps })
    }

    async fn execute(
        &self,
        conn: &mut Conn,
        prepared: &Prepared,
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
                    if resume(conn, revision.id, op).await? {
                        break 'op;
                    }
                    for s in statements {
                        if let Err(error) = conn.batch_execute(&s.sql).await {
                            let failure = Failure::Statement {
                                op: op.describe(),
                                sql: s.sql.clone(),
                                error,
                            };
                            if failure.is_lock_timeout() && attempt < self.config.lock_retries {
                                attempt += 1;
                                tracing::warn!(
                                    "revision {}: a lock was not granted within lock_timeout; retry {attempt} of {}",
                                    revision.id,
                                    self.config.lock_retries
                                );
                                tokio::time::sleep(backoff(attempt)).await;
                                continue 'op;
                            }
                            return Err(failure.into_error(revision.id, at, false));
                        }
                    }
                    break 'op;
                }
            }
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
                result = run_in(&tx, prepared).await;
            }
            if result.is_ok() {
                let sql = self.bookkeeping(prepared, started.elapsed().as_millis());
                result = run_bookkeeping(&tx, sql).await;
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
                Err(failure) => {
                    return Err(failure.into_error(revision.id, at, prepared.transactional));
                }
            }
        }
    }

    async fn stamp_locked(
        &self,
        conn: &mut Conn,
        target: &str,
        purge: bool,
    ) -> Result<Vec<String>, RunError> {
        let current = self.open_tables(conn).await?;
        let rows = if purge { Vec::new() } else { current };
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
        let (prepared, _) = self.prepare_plan(&plan)?;
        let single = self.config.single_transaction;
        let mut out = String::new();
        let line = |out: &mut String, sql: &str| {
            out.push_str(sql);
            // A trailing `--` comment would swallow the semicolon.
            if sql.lines().last().is_some_and(|l| l.contains("--")) {
                out.push('\n');
            }
            out.push_str(";\n\n");
        };
        for sql in tables::create_sql(&self.config) {
            line(&mut out, &sql);
        }
        if single {
            line(&mut out, "BEGIN");
        }
        for p in &prepared {
            if let Some(Op::RunRust(data)) = p.ops.iter().find(|o| matches!(o, Op::RunRust(_))) {
                return Err(RunError::Offline {
                    revision: p.revision.id.to_owned(),
                    step: data.name.clone(),
                });
            }
            if single && !p.transactional {
                return Err(RunError::Mixed {
                    revision: p.revision.id.to_owned(),
                    outside: "statements that cannot run in a transaction".into(),
                    inside: "--single-transaction".into(),
                });
            }
            let (word, from, to) = p.header();
            out.push_str(&format!(
                "-- Running {word} {from} -> {to}, {}\n\n",
                p.revision.message.replace(['\r', '\n'], " ")
            ));
            if p.transactional && !single {
                line(&mut out, "BEGIN");
            }
            for s in p.statements.iter().flatten() {
                line(&mut out, &s.sql);
            }
            if !p.transactional {
                line(&mut out, "BEGIN");
            }
            for sql in self.bookkeeping(p, 0) {
                line(&mut out, &sql);
            }
            if !single {
                line(&mut out, "COMMIT");
            }
        }
        if single {
            line(&mut out, "COMMIT");
        }
        Ok(out)
    }
}

/// The revisions whose checksum now differs from the one stored.
fn changed(
    stored: &std::collections::HashMap<String, String>,
    now: Checksums,
) -> Vec<(String, String, String)> {
    now.into_iter()
        .filter_map(|(id, now)| {
            let then = stored.get(&id)?;
            (*then != now).then(|| (id, then.clone(), now))
        })
        .collect()
}
