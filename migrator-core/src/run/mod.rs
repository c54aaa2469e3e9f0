//! The runner: applies and undoes revisions on PostgreSQL or SQLite, safely.
//! It reaches a database only through one session trait (`backend::Session`,
//! one implementation per engine); nothing here knows which one it has.
//!
//! - One lock keeps two runners from migrating at once: on PostgreSQL an
//!   advisory lock (`pg_try_advisory_lock`, polled on a session of its own),
//!   on SQLite the file's write lock held for the whole run. The version
//!   table is read only once it is held, and it is released on every exit
//!   path.
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
//! runner.upgrade(&"sqlite://app.db".into(), "heads").await?; // the same, on SQLite
//! # Ok(()) }
//! ```

mod backend;
mod checksum;
mod config;
mod database;
mod error;
mod offline;
mod redact;
mod stamp;
mod tables;
mod verify;

use std::collections::{BTreeMap, BTreeSet};
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures_util::FutureExt;

pub use backend::postgres::connect::connect;
pub(crate) use backend::postgres::conninfo::decoded_password;
#[doc(hidden)]
pub use checksum::legacy_fnv;
pub use config::RunConfig;
pub use database::{Database, Engine, is_sqlite_url};
pub use error::{DbMessage, RunError};
pub use redact::redact;
pub use verify::{Changed, Verification};

/// Which way a plan moves (from the planner; here for `Runner::sql`).
pub use crate::graph::Direction;

use backend::Session;
pub(crate) use backend::sqlite::Handle as SqliteHandle;

use crate::graph::{Graph, Plan, Step, Target};
use crate::ops::Op;
use crate::registry::{self, Downgrade, Registered, RegistryError};
use crate::render::{Dialect, Effect, RenderError, Statement};
use crate::schema::{ReplayError, Schema};

/// Makes sure the database `db` names exists, for a command about to run
/// on it: when it does not and `create` is set, creates it (PostgreSQL: from
/// the server's `postgres` database) and says so; otherwise the error says
/// which command creates it. An SQLite file is made by the run itself, and
/// other connection failures are left to the runner, which reports them.
pub async fn ensure_database(db: &Database, create: bool) -> Result<(), RunError> {
    match db {
        Database::Url(url) if db.engine() == Engine::Postgres => {
            backend::postgres::ensure_database(url, create).await
        }
        _ => Ok(()),
    }
}

/// A checked set of revisions: the graph and each revision's code.
pub struct Migrations {
    revisions: BTreeMap<&'static str, &'static Registered>,
    graph: Graph,
}

impl Migrations {
    /// Every revision linked into this binary (`#[migration]`), checked as
    /// a graph. None at all is an error ([`RegistryError::Empty`]: the
    /// binary most likely forgot to link the crate that holds them); a
    /// binary with none on purpose uses [`Migrations::new`].
    pub fn registered() -> Result<Self, RegistryError> {
        let all = registry::registered();
        if all.is_empty() {
            return Err(RegistryError::Empty);
        }
        Self::new(all)
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
            for (index, op) in ops.iter().enumerate() {
                schema
                    .apply(op)
                    .map_err(|source| invalid(id, index, op, source))?;
            }
            sums.push((id.clone(), checksum::Sum::of(&ops)));
        }
        Ok((schema, sums, derived))
    }
}

/// Validates and renders `ops` against `schema`, which it moves forward.
fn render(
    dialect: &dyn Dialect,
    revision: &str,
    ops: &[Op],
    schema: &mut Schema,
) -> Result<Vec<Vec<Statement>>, RunError> {
    let mut out = Vec::with_capacity(ops.len());
    for (index, op) in ops.iter().enumerate() {
        let rendered = dialect.render(op, schema);
        schema
            .apply(op)
            .map_err(|source| invalid(revision, index, op, source))?;
        out.push(rendered.map_err(|source| RunError::Invalid {
            revision: revision.to_owned(),
            source: Box::new(source),
        })?);
    }
    Ok(out)
}

/// Checks what will run in one transaction (the ops of one revision, or of
/// a whole plan in one-transaction mode) against the dialect's rules for
/// ops that meet in a transaction.
fn check_transaction<'a>(
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
fn invalid(
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
type Checksums = Vec<(String, checksum::Sum)>;

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
    dialect: &dyn Dialect,
    revision: &'static Registered,
    step: &Step,
    ops: Vec<Op>,
    schema: &mut Schema,
) -> Result<Prepared, RunError> {
    let statements = render(dialect, revision.id, &ops, schema)?;
    check_transaction(dialect, revision.id, [(&ops, &statements)])?;
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
        checksum: checksum::of(&ops),
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
        error: DbMessage,
    },
    Data {
        step: String,
        message: String,
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
    fn is_lock_timeout<S: Session>(&self) -> bool {
        match self {
            Failure::Statement { error, .. } => S::is_lock_not_available(error),
            Failure::Data { .. } | Failure::Moved | Failure::Ended { .. } => false,
        }
    }

    fn into_error(self, revision: &str, at: &BTreeSet<String>, transactional: bool) -> RunError {
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
            Failure::Data { step, message } => RunError::DataStep {
                revision: revision.to_owned(),
                step,
                message,
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
enum Part {
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
async fn flush<S: Session>(
    session: &mut S,
    prepared: &Prepared,
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
async fn still_in_revision<S: Session>(session: &mut S, op: &Op, sql: &str) -> Result<(), Failure> {
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
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(200u64.saturating_mul(1 << attempt.min(5))).min(Duration::from_secs(5))
}

/// Applies and undoes revisions.
pub struct Runner<'m> {
    migrations: &'m Migrations,
    config: RunConfig,
}

/// What a run under the migration lock does.
enum Job<'a> {
    Run(Direction, &'a str),
    Stamp(&'a str, bool),
}

/// What it gives back.
enum Outcome {
    Report(Report),
    Rows(Vec<String>),
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
        backend::on_engine!(db.engine(), S => {
            self.current_in(&mut S::open(db, &self.config).await?).await
        })
    }

    async fn current_in<S: Session>(&self, session: &mut S) -> Result<Vec<String>, RunError> {
        tables::current(session, &self.config).await
    }

    /// Applies every revision `target` needs that is not applied yet.
    pub async fn upgrade(&self, db: &Database, target: &str) -> Result<Report, RunError> {
        match self.locked(db, Job::Run(Direction::Up, target)).await? {
            Outcome::Report(report) => Ok(report),
            Outcome::Rows(_) => unreachable!("a run reports its steps"),
        }
    }

    /// Undoes every applied revision above `target`.
    pub async fn downgrade(&self, db: &Database, target: &str) -> Result<Report, RunError> {
        match self.locked(db, Job::Run(Direction::Down, target)).await? {
            Outcome::Report(report) => Ok(report),
            Outcome::Rows(_) => unreachable!("a run reports its steps"),
        }
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
        match self.locked(db, Job::Stamp(target, purge)).await? {
            Outcome::Rows(rows) => Ok(rows),
            Outcome::Report(_) => unreachable!("a stamp returns rows"),
        }
    }

    /// Runs `job` holding the migration lock of `db`'s engine.
    async fn locked(&self, db: &Database, job: Job<'_>) -> Result<Outcome, RunError> {
        backend::on_engine!(db.engine(), S => self.locked_in::<S>(db, job).await)
    }

    async fn locked_in<S: Session>(
        &self,
        db: &Database,
        job: Job<'_>,
    ) -> Result<Outcome, RunError> {
        if let Job::Run(direction, target) = job
            && let Some(report) = self.nothing_to_do::<S>(db, direction, target).await?
        {
            return Ok(Outcome::Report(report));
        }
        let mut session = S::lock(db, &self.config).await?;
        let result = match job {
            Job::Run(direction, target) => self
                .run(&mut session, direction, target)
                .await
                .map(Outcome::Report),
            Job::Stamp(target, purge) => self
                .stamp_locked(&mut session, target, purge)
                .await
                .map(Outcome::Rows),
        };
        session.finish().await;
        result
    }

    /// The report of a run with nothing to do, when the version table
    /// (read without the lock, on one session) already says the database
    /// is at `target` — the deploy-time case, which then needs neither the
    /// lock nor its session. Whatever else it says is read again under the
    /// lock: a run that has work to do plans from what it reads there.
    async fn nothing_to_do<S: Session>(
        &self,
        db: &Database,
        direction: Direction,
        target: &str,
    ) -> Result<Option<Report>, RunError> {
        let mut session = match S::open(db, &self.config).await {
            // The run creates it.
            Err(RunError::NoDatabase { .. }) => return Ok(None),
            opened => opened?,
        };
        let setup = S::read_setup_sql(&self.config);
        let rows = tables::read(&mut session, &self.config, &setup).await;
        session.finish().await;
        let Some(rows) = rows? else {
            return Ok(None);
        };
        let graph = &self.migrations.graph;
        let plan = match direction {
            Direction::Up => graph.upgrade(&rows, target),
            Direction::Down => graph.downgrade(&rows, target),
        };
        // An error (an unknown target, say) is reported under the lock.
        Ok(plan.ok().filter(Plan::is_noop).map(|plan| {
            if let Some(note) = &plan.note {
                tracing::info!("{note}");
            }
            Report {
                plan,
                steps: Vec::new(),
            }
        }))
    }

    /// Sets the run's timeouts, creates the version tables when they are
    /// missing and reads the version table — in two round trips when the
    /// tables exist.
    async fn open_tables<S: Session>(&self, session: &mut S) -> Result<Vec<String>, RunError> {
        let setup = S::setup_sql(&self.config);
        if let Some(rows) = tables::read(session, &self.config, &setup).await? {
            return Ok(rows);
        }
        // Even CREATE TABLE IF NOT EXISTS needs CREATE on the schema, so it
        // is only sent when a table is missing.
        for sql in setup.into_iter().chain(S::create_tables_sql(&self.config)) {
            session
                .execute(&sql)
                .await
                .map_err(|message| RunError::Database {
                    context: "creating the version tables".into(),
                    message,
                })?;
        }
        tables::rows(session, &self.config).await
    }

    /// Resolves every step of `plan` to its ops and statements, against the
    /// schema the version table `rows` stands for, before anything runs: a
    /// revision that does not apply, mixes transaction kinds, cannot be
    /// undone or cannot be written in `engine`'s SQL stops the plan here.
    /// Also returns each applied revision's checksum now.
    fn prepare_plan(
        &self,
        plan: &Plan,
        engine: Engine,
    ) -> Result<(Vec<Prepared>, Checksums), RunError> {
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
            prepared.push(prepare(engine.dialect(), revision, step, ops, &mut schema)?);
        }
        Ok((prepared, sums))
    }

    /// Runs a prepared revision in the session's open transaction (its ops
    /// unless `with_ops` is false), then its version-table change and
    /// history row, then the engine's checks. The statements between two
    /// Rust data steps go in one round trip where the engine allows; with
    /// `server_clock`, the history row is timed by the server and goes in
    /// the same round trip as the statements before it.
    async fn run_in<S: Session>(
        &self,
        session: &mut S,
        prepared: &Prepared,
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
            if let Op::RunRust(step) = op {
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
                let message = match ran {
                    Ok(Ok(())) => None,
                    Ok(Err(e)) => Some(e.to_string()),
                    Err(panic) => Some(format!("it panicked: {}", panic_message(&*panic))),
                };
                if let Some(message) = message {
                    return Err(Failure::Data {
                        step: step.name.clone(),
                        message,
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
    fn bookkeeping(&self, p: &Prepared, engine: Engine, duration_ms: &str) -> Vec<String> {
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

    async fn run<S: Session>(
        &self,
        session: &mut S,
        direction: Direction,
        target: &str,
    ) -> Result<Report, RunError> {
        let rows = self.open_tables(session).await?;
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
    async fn run_single<S: Session>(
        &self,
        session: &mut S,
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

    async fn execute<S: Session>(
        &self,
        session: &mut S,
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
                            if failure.is_lock_timeout::<S>() && attempt < self.config.lock_retries
                            {
                                attempt += 1;
                                self.note_retry(revision.id, attempt);
                                tokio::time::sleep(backoff(attempt)).await;
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
                Err(failure)
                    if failure.is_lock_timeout::<S>() && attempt < self.config.lock_retries =>
                {
                    session.rollback().await;
                    attempt += 1;
                    self.note_retry(revision.id, attempt);
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(failure) => {
                    session.rollback().await;
                    let failure = self.explain(session, prepared, failure).await;
                    return Err(failure.into_error(revision.id, at, prepared.transactional));
                }
            }
        }
    }

    /// A lock timeout that retries did not get past, told with who holds
    /// locks on the revision's tables and what to do.
    async fn explain<S: Session>(
        &self,
        session: &mut S,
        prepared: &Prepared,
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

    fn note_retry(&self, revision: &str, attempt: u32) {
        tracing::warn!(
            "revision {revision}: a lock was not granted within lock_timeout; retry {attempt} of {}",
            self.config.lock_retries
        );
    }
}

/// The revisions of a plan run in one transaction, for messages.
fn prepared_ids(prepared: &[Prepared]) -> String {
    let ids: Vec<&str> = prepared.iter().map(|p| p.revision.id).collect();
    format!("{} (in one transaction)", ids.join(", "))
}

/// The revisions whose checksum now differs from the one stored.
fn changed(
    stored: &std::collections::HashMap<String, tables::Recorded>,
    now: &[(String, checksum::Sum)],
) -> Vec<verify::Changed> {
    now.iter()
        .filter_map(|(id, now)| {
            let then = &stored.get(id)?.checksum;
            (!now.matches(then)).then(|| verify::Changed {
                revision: id.clone(),
                applied: then.clone(),
                now: now.text.clone(),
            })
        })
        .collect()
}
