//! The runner's one way to a database: a [`Session`], implemented for
//! PostgreSQL and for SQLite. Nothing above this module knows which one it
//! talks to.

#[cfg(feature = "postgres")]
pub(crate) mod postgres;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite_catalog;

use std::time::{Duration, Instant};

use super::config::RunConfig;
use super::database::{Database, Engine};
use super::error::{DbMessage, RunError};
use crate::ident::QualifiedName;
use crate::ops::{DataTx, Op};
use crate::render::Statement;
use crate::run::Catalog;
use crate::schema::Schema;

/// A runner waiting for the migration lock, on either engine: tries spaced
/// from 20 ms up to 1 s, a note when it starts waiting and every 5 s after,
/// and giving up once `wait` has passed.
pub(crate) struct Waiting {
    started: Instant,
    wait: Option<Duration>,
    delay: Duration,
    last_note: Option<Instant>,
}

impl Waiting {
    pub(crate) fn new(wait: Option<Duration>) -> Self {
        Self {
            started: Instant::now(),
            wait,
            delay: Duration::from_millis(20),
            last_note: None,
        }
    }

    /// How long it has waited.
    pub(crate) fn waited(&self) -> Duration {
        self.started.elapsed()
    }

    /// Whether it is time to give up.
    pub(crate) fn expired(&self) -> bool {
        self.wait.is_some_and(|w| self.waited() >= w)
    }

    /// Whether to say it is waiting now.
    pub(crate) fn note_due(&mut self) -> bool {
        let due = self
            .last_note
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(5));
        if due {
            self.last_note = Some(Instant::now());
        }
        due
    }

    /// Sleeps until the next try (never past the time to give up).
    pub(crate) async fn pause(&mut self) {
        let remaining = self.wait.map(|w| w.saturating_sub(self.waited()));
        tokio::time::sleep(remaining.map_or(self.delay, |r| r.min(self.delay))).await;
        self.delay = (self.delay * 2).min(Duration::from_secs(1));
    }
}

/// Runs `$body` with `$S` standing for the [`Session`] type of `$engine`:
/// the one place above the backends where an engine is mapped to its
/// implementation. `$body` gives a `Result<_, RunError>`; an engine whose
/// backend this build leaves out (its cargo feature is off) gives
/// [`RunError::NotBuilt`] instead.
macro_rules! on_engine {
    ($engine:expr, $S:ident => $body:expr) => {
        match $engine {
            #[cfg(feature = "postgres")]
            $crate::run::Engine::Postgres => {
                type $S = $crate::run::backend::postgres::PgSession;
                $body
            }
            #[cfg(feature = "sqlite")]
            $crate::run::Engine::Sqlite => {
                type $S = $crate::run::backend::sqlite::SqliteSession;
                $body
            }
            #[allow(unreachable_patterns)]
            engine => Err($crate::run::RunError::NotBuilt(engine)),
        }
    };
}
pub(crate) use on_engine;

/// `CREATE TABLE IF NOT EXISTS` of the version table, the same on every
/// engine (Alembic's shape).
pub(crate) fn version_table_sql(config: &RunConfig) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n  version_num text NOT NULL,\n  CONSTRAINT {} PRIMARY KEY (version_num)\n)",
        config.version_table.to_sql(),
        crate::ident::quote_ident(&format!("{}_pkc", config.version_table.name))
    )
}

/// `CREATE TABLE IF NOT EXISTS` of the history table, with the engine's
/// types for its key, its timestamp and who applied a step.
pub(crate) fn history_table_sql(
    config: &RunConfig,
    id: &str,
    applied_at: &str,
    applied_by: &str,
) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n  id {id},\n  revision text NOT NULL,\n  direction text NOT NULL,\n  checksum text,\n  applied_at {applied_at},\n  duration_ms bigint NOT NULL,\n  applied_by {applied_by}\n)",
        config.history_table.to_sql()
    )
}

/// Rows of a query, each column as text (`None` for NULL).
pub(crate) type Rows = Vec<Vec<Option<String>>>;

/// A session with a database: either a reader, or the session of a run,
/// which holds the migration lock from [`lock`](Session::lock) until
/// [`finish`](Session::finish) (or until it is dropped, whatever ends it).
pub(crate) trait Session: Sized {
    /// The engine it talks to.
    const ENGINE: Engine;

    /// The SQL that creates the version and history tables if they are
    /// missing (and the schemas they live in, where the engine has them).
    fn create_tables_sql(config: &RunConfig) -> Vec<String>;

    /// A query whose one value is true when every table of `tables` exists.
    fn tables_exist_sql(tables: &[&QualifiedName]) -> String;

    /// A query whose one value is true when a name without a schema cannot
    /// be resolved at all (PostgreSQL: search_path names no existing
    /// schema); `None` where names always resolve.
    fn no_schema_sql() -> Option<&'static str> {
        None
    }

    /// Whether `message` says that a table does not exist.
    fn is_missing_table(message: &DbMessage) -> bool;

    /// Whether `message` says that a lock was not granted in time (the
    /// runner retries the revision with backoff).
    fn is_lock_not_available(message: &DbMessage) -> bool;

    /// The statements an offline script starts with.
    fn script_prelude() -> Vec<String> {
        Vec::new()
    }

    /// The run's settings an offline script sets after its prelude, as a
    /// live run sets them on its session (its timeouts): by default the
    /// live run's own [`setup_sql`](Session::setup_sql).
    fn script_setup_sql(config: &RunConfig) -> Vec<String> {
        Self::setup_sql(config)
    }

    /// What [`check`](Session::check) runs, for messages.
    const CHECK_SQL: &'static str = "";

    /// Makes sure the database `db` names exists, creating it when it does
    /// not and `create` is set (see [`run::ensure_database`](crate::run::ensure_database));
    /// an engine whose databases come into being when opened has nothing
    /// to do.
    async fn ensure_database(_db: &Database, _create: bool) -> Result<(), RunError> {
        Ok(())
    }

    /// A session without the migration lock, for reading.
    async fn open(db: &Database, config: &RunConfig) -> Result<Self, RunError>;

    /// The session of a run: waits for the migration lock (as long as
    /// `config.lock_wait` allows), then opens the work session.
    async fn lock(db: &Database, config: &RunConfig) -> Result<Self, RunError>;

    /// Releases the lock and gives the session back as it was found.
    async fn finish(self);

    /// Statements run before the first query of a run, in the same round
    /// trip (the run's timeouts).
    fn setup_sql(_config: &RunConfig) -> Vec<String> {
        Vec::new()
    }

    /// The statement that makes concurrent runs of a step wait for each
    /// other at the start of its transaction (before the version-table
    /// check), where the transaction alone does not (SQLite's `BEGIN
    /// IMMEDIATE` already does).
    fn serialize_sql(_config: &RunConfig) -> Option<String> {
        None
    }

    /// Why the migration lock is no longer held (its session ended, its
    /// lock file was removed), if it is not.
    fn lock_lost(&self) -> Option<String> {
        None
    }

    /// Statements run before a read of the version table made without the
    /// migration lock, in the same round trip and transaction, bounding how
    /// long it may wait behind another session's lock on the table.
    fn read_setup_sql(_config: &RunConfig) -> Vec<String> {
        Vec::new()
    }

    /// Runs SQL that returns no rows (one statement or several).
    async fn execute(&mut self, sql: &str) -> Result<(), DbMessage>;

    /// Runs a query; every column comes back as text.
    async fn query(&mut self, sql: &str) -> Result<Rows, DbMessage>;

    /// Runs one rendered statement of a revision.
    async fn statement(&mut self, statement: &Statement) -> Result<(), DbMessage> {
        self.execute(&statement.sql).await
    }

    /// Runs `statements` in order, in as few round trips as the engine
    /// allows (PostgreSQL: one, the deferred `BEGIN` included); on failure,
    /// the index of the statement that failed and why.
    async fn statements(&mut self, statements: &[&Statement]) -> Result<(), (usize, DbMessage)> {
        for (i, s) in statements.iter().enumerate() {
            self.statement(s).await.map_err(|e| (i, e))?;
        }
        Ok(())
    }

    /// Sends what the session has deferred (PostgreSQL defers `BEGIN` to
    /// the next round trip), before a Rust data step uses the connection.
    async fn settle(&mut self) -> Result<(), DbMessage> {
        Ok(())
    }

    /// An SQL expression for the milliseconds since the open transaction
    /// began, if the engine knows (it then times a revision's history row
    /// on the server, in the same round trip as its statements).
    fn elapsed_sql() -> Option<&'static str> {
        None
    }

    /// Whether the transaction the runner opened for a revision is still
    /// the one open (the revision's own SQL or data step may have ended
    /// it with a COMMIT or ROLLBACK, or begun another).
    async fn still_in_revision(&mut self) -> Result<bool, DbMessage>;

    /// Opens a transaction.
    async fn begin(&mut self) -> Result<(), DbMessage>;

    /// Commits the open transaction.
    async fn commit(&mut self) -> Result<(), DbMessage>;

    /// Rolls the open transaction back, if there is one.
    async fn rollback(&mut self);

    /// What a Rust data step gets: the open transaction.
    fn data_tx(&self) -> DataTx<'_>;

    /// Checks run inside a revision's transaction before it commits (SQLite:
    /// every foreign key still holds after a table was rebuilt).
    async fn check(&mut self) -> Result<(), DbMessage> {
        Ok(())
    }

    /// Makes `op` of a revision run outside a transaction safe to run again
    /// after an interrupted run; true when it is done already.
    async fn resume(&mut self, _revision: &str, _op: &Op) -> Result<bool, RunError> {
        Ok(false)
    }

    /// The other sessions holding locks on `tables`, described (process,
    /// application, state, query), for the message of a lock timeout.
    async fn lock_holders(&mut self, _tables: &[&crate::ident::QualifiedName]) -> Vec<String> {
        Vec::new()
    }

    /// What the database holds, read from its catalog into the schema
    /// model, the runner's own tables left out (see `run::drift`).
    async fn read_catalog(&mut self, config: &RunConfig) -> Result<Catalog, RunError>;

    /// `schema` as this database would store it and
    /// [`read_catalog`](Session::read_catalog) read it back: the same
    /// objects, their SQL in the engine's own spelling, for comparing the
    /// two. Nothing in the database changes.
    async fn stored_form(&mut self, schema: &Schema) -> Result<Schema, RunError>;

    /// How many locks one transaction may hold, if the engine has a limit.
    async fn lock_capacity(&mut self) -> Result<Option<i64>, RunError> {
        Ok(None)
    }
}
