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
mod drift;
mod error;
mod execute;
mod lint;
mod migrations;
mod offline;
mod prepare;
mod redact;
mod stamp;
mod tables;
mod verify;

use std::time::Duration;

#[cfg(feature = "postgres")]
pub use backend::postgres::connect::connect;
#[doc(hidden)]
pub use checksum::legacy_fnv;
pub use config::RunConfig;
pub use database::{Database, Engine, is_sqlite_url};
pub use drift::{Catalog, Drift};
pub use error::{DataStepError, DbMessage, RunError};
pub use migrations::Migrations;
pub use redact::redact;
pub use verify::{Changed, Verification};

/// Which way a plan moves (from the planner; here for `Runner::sql`).
pub use crate::graph::Direction;

use backend::Session;

use crate::graph::{Plan, Step, Target};

/// The password a PostgreSQL connection string holds, percent-decoded, for
/// the CLI to mask wherever it could be echoed; `None` when it holds none
/// (or this build has no PostgreSQL backend to read one).
#[cfg(feature = "cli")]
pub(crate) fn decoded_password(conn: &str) -> Option<String> {
    #[cfg(feature = "postgres")]
    return backend::postgres::conninfo::decoded_password(conn);
    #[cfg(not(feature = "postgres"))]
    {
        let _ = conn;
        None
    }
}

/// Makes sure the database `db` names exists, for a command about to run
/// on it: when it does not and `create` is set, creates it (PostgreSQL: from
/// the server's `postgres` database) and says so; otherwise the error says
/// which command creates it. An SQLite file is made by the run itself, and
/// other connection failures are left to the runner, which reports them.
pub async fn ensure_database(db: &Database, create: bool) -> Result<(), RunError> {
    backend::on_engine!(db.engine(), S => S::ensure_database(db, create).await)
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The plan it followed.
    pub plan: Plan,
    /// Each step it ran, with how long it took.
    pub steps: Vec<(Step, Duration)>,
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
        let graph = &self.migrations.graph();
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

/// A build without the SQLite backend (CI runs these in its PostgreSQL-only
/// build): an SQLite URL is refused by the feature's name.
#[cfg(all(test, not(feature = "sqlite")))]
mod without_sqlite {
    use super::{Migrations, RunConfig, Runner};
    use crate::registry::Registered;

    #[test]
    fn an_sqlite_url_names_the_feature_to_enable() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let m = Migrations::new(Vec::<Registered>::new()).unwrap();
        let runner = Runner::new(&m, RunConfig::default());
        let err = rt
            .block_on(runner.current(&"sqlite::memory:".into()))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("this program was built without migrator's `sqlite` feature, so it cannot work on SQLite databases: enable it"),
            "{err}"
        );
    }
}
