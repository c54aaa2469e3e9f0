//! Why a run failed. Every message names the revision and, for SQL, the
//! statement and PostgreSQL's message, detail and hint, and says what state
//! the database is left in.

use std::fmt;
use std::time::Duration;

use super::database::Engine;
use crate::graph::GraphError;
use crate::registry::{DowngradeError, RegistryError};
use crate::render::RenderError;

/// What the database said about a failed statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbMessage {
    /// PostgreSQL's SQLSTATE, like `42P01`, or SQLite's result code, like
    /// `SQLITE_CONSTRAINT`.
    pub code: String,
    /// The primary message.
    pub message: String,
    /// `DETAIL`, if any.
    pub detail: Option<String>,
    /// `HINT`, if any.
    pub hint: Option<String>,
}

impl fmt::Display for DbMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if self.code.starts_with("SQLITE") {
            write!(f, " ({})", self.code)?;
        } else if !self.code.is_empty() {
            write!(f, " (SQLSTATE {})", self.code)?;
        }
        if let Some(detail) = &self.detail {
            write!(f, "\n  DETAIL: {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  HINT: {hint}")?;
        }
        Ok(())
    }
}

/// What a failed statement left: nothing of its revision, or (outside a
/// transaction) the statements before it.
fn left_at(revision: &str, transactional: bool, at: &[String]) -> String {
    if transactional {
        format!(
            "Nothing of revision {revision} was applied; the database is at {}",
            state_at(at)
        )
    } else {
        format!(
            "The statements before it stay applied and the version table still says {}; fix the cause and run the upgrade again (each statement is safe to retry only if written with IF NOT EXISTS)",
            state_at(at)
        )
    }
}

fn state_at(rows: &[String]) -> String {
    if rows.is_empty() {
        "base (no revision applied)".to_owned()
    } else {
        rows.join(", ")
    }
}

/// How a Rust data step failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataStepError {
    /// It returned this error (the original, for `downcast_ref`).
    #[error("{0}")]
    Failed(crate::ops::BoxError),
    /// It panicked, with this message.
    #[error("it panicked: {0}")]
    Panicked(String),
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The database's engine has no backend in this build: its cargo
    /// feature (`postgres`, `sqlite`) is off.
    #[error(
        "this program was built without migrator's `{feature}` feature, so it cannot work on {name} databases: enable it (migrator-core = {{ features = [\"{feature}\"] }} in Cargo.toml) and build again",
        feature = .0.feature(),
        name = .0.name()
    )]
    NotBuilt(Engine),
    /// The models do not make a schema.
    #[error(transparent)]
    Models(#[from] crate::models::ModelError),
    /// The models differ from the migrations in a way no op expresses.
    #[error("the models differ from the migrations in a way no op expresses:\n  - {}", .0.changes.join("\n  - "))]
    ModelsDiffer(crate::schema::DiffError),
    /// A command that needs the database at the heads found it elsewhere.
    #[error(
        "the database is at {}, not at the heads ({}): it is not up to date. Run `upgrade heads` first, then try again",
        if .at.is_empty() { "base".to_owned() } else { .at.join(", ") },
        .heads.join(", ")
    )]
    NotAtHeads {
        /// The version table's rows.
        at: Vec<String>,
        /// The heads of the migrations.
        heads: Vec<String>,
    },
    /// The registered revisions do not form a graph.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The target or the version table does not fit the graph.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// An earlier run's `CREATE INDEX CONCURRENTLY` is still building the
    /// index this revision would build.
    #[error(
        "revision {revision}: index {index} is still being built by backend pid {pid} (an earlier run's CREATE INDEX CONCURRENTLY, whose client is gone); waited {waited:?}. Nothing was changed: run again once it has finished (raise --lock-wait to wait longer), or stop it with SELECT pg_cancel_backend({pid}) and run again to build it anew"
    )]
    BuildInProgress {
        /// The revision.
        revision: String,
        /// The index.
        index: String,
        /// The backend building it.
        pid: i32,
        /// How long this runner waited.
        waited: Duration,
    },
    /// The database does not exist (and was not, or could not be, created).
    #[error("database {name:?} does not exist on {server}{}; create it with `{how}`", .why.as_ref().map(|w| format!(" and could not be created ({w})")).unwrap_or_default())]
    MissingDatabase {
        /// Its name.
        name: String,
        /// The server, as its URL without secrets.
        server: String,
        /// The command that creates it.
        how: String,
        /// Why creating it failed, if it was tried.
        why: Option<String>,
    },
    /// The database cannot be reached.
    #[error("cannot connect to {url}: {message}")]
    Connect {
        /// The URL, without its password.
        url: String,
        /// Why.
        message: String,
        /// The SQLSTATE, when the server answered (`3D000`: no such database).
        code: Option<String>,
    },
    /// A verb that only reads was pointed at an SQLite file that does not
    /// exist (nothing was created).
    #[error(
        "there is no SQLite database at {database} (nothing was created): check the path, or run `upgrade` to create it"
    )]
    NoDatabase {
        /// The file's path.
        database: String,
    },
    /// The version table's name has no schema and the session's
    /// search_path names none, so it cannot be looked up.
    #[error(
        "cannot look for the version table {table}: its name has no schema and the session's search_path names no existing schema (search_path = '' on the role?). Give the table a schema (RunConfig::version_table, e.g. public.{table}) or set the role's search_path (ALTER ROLE … SET search_path = public)"
    )]
    NoSchema {
        /// The version table's name.
        table: String,
    },
    /// The version table names applied revisions, but the history table,
    /// which holds their checksums, is missing.
    #[error(
        "the version table says the database is at {}, but the history table {table} is missing (dropped by hand?), so no checksum can be compared. Restore it from a backup, or record the revisions' checksums as they are now with `stamp {} --purge`", state_at(.at), .at.join(" ")
    )]
    NoHistory {
        /// The history table's name.
        table: String,
        /// The version-table rows.
        at: Vec<String>,
    },
    /// A statement of the runner's own (version table, lock) failed.
    #[error("{context}: {message}")]
    Database {
        /// What the runner was doing.
        context: String,
        /// What PostgreSQL said.
        message: DbMessage,
    },
    /// Another runner held the migration lock for longer than allowed.
    #[error(
        "another runner holds the migration lock {lock}; gave up after {waited:?}. Run again when it has finished, or raise --lock-wait"
    )]
    LockWait {
        /// Which lock, as the engine has it: `(advisory lock K, held by
        /// backend pid P)` on PostgreSQL, `on <database> (lock file F)` on
        /// SQLite.
        lock: String,
        /// How long this runner waited.
        waited: Duration,
    },
    /// An applied revision's ops have changed since it ran.
    #[error(
        "revision {revision} has changed since it was applied (checksum {applied} when applied, {now} now). Restore it, or accept the change with --accept-changed"
    )]
    Changed {
        /// The revision.
        revision: String,
        /// The checksum recorded when it was applied.
        applied: String,
        /// Its checksum now.
        now: String,
    },
    /// A revision mixes ops that need a transaction with ops that cannot run in one.
    #[error(
        "revision {revision} mixes {outside}, which cannot run inside a transaction, with {inside}, which must; move one of them to a revision of its own"
    )]
    Mixed {
        /// The revision.
        revision: String,
        /// An op that must run outside a transaction.
        outside: String,
        /// An op that must run inside one.
        inside: String,
    },
    /// A revision's ops do not apply to the schema or cannot be rendered.
    #[error("revision {revision}: {source}")]
    Invalid {
        /// The revision.
        revision: String,
        /// Why.
        source: Box<RenderError>,
    },
    /// A revision cannot be undone.
    #[error(transparent)]
    Downgrade(#[from] DowngradeError),
    /// A statement of a revision failed: in a transaction, the revision
    /// was rolled back; outside one (`CREATE INDEX CONCURRENTLY`), what ran
    /// before it stays.
    #[error("revision {revision}{} failed at {op}:\n  {sql}\n{message}\n{}", if *.transactional { "" } else { " runs outside a transaction and" }, left_at(revision, *.transactional, .at))]
    Statement {
        /// The revision.
        revision: String,
        /// The op the statement belongs to.
        op: String,
        /// The statement.
        sql: String,
        /// What the database said.
        message: DbMessage,
        /// The version-table rows the database is left at.
        at: Vec<String>,
        /// Whether the revision ran in a transaction (and so was rolled
        /// back whole).
        transactional: bool,
    },
    /// A Rust data step failed; the revision was rolled back.
    #[error("revision {revision}: data step {step:?} failed: {error}\nNothing of revision {revision} was applied; the database is at {}", state_at(.at))]
    DataStep {
        /// The revision.
        revision: String,
        /// The step's name.
        step: String,
        /// What went wrong: the step's own error, kept, or its panic.
        #[source]
        error: DataStepError,
        /// The version-table rows the database is left at.
        at: Vec<String>,
    },
    /// A revision's own SQL (or data step) ended the transaction the runner
    /// opened for it; what ran before may be committed.
    #[error("revision {revision}: {op} ended the transaction the runner opened for the revision (a COMMIT or ROLLBACK in it):\n  {sql}\nWhat the revision ran before that point is committed if it was a COMMIT (undone if a ROLLBACK); nothing after it ran, and the version table still says {}. Look at the database, then either finish the revision by hand and run `stamp {revision}`, or undo what was committed; and take COMMIT and ROLLBACK out of the revision: each revision already runs in a transaction of its own", state_at(.at))]
    TransactionEnded {
        /// The revision.
        revision: String,
        /// The op whose SQL ended the transaction.
        op: String,
        /// Its SQL.
        sql: String,
        /// The version-table rows the database is left at.
        at: Vec<String>,
    },
    /// The version table no longer held what the step was planned from:
    /// another runner moved the database meanwhile.
    #[error("another runner moved the database while this one ran: revision {revision} was planned from {}, which the version table no longer holds. Nothing of revision {revision} was applied (it was rolled back). Run `current` to see where the database is now, then run the command again", state_at(.planned))]
    Moved {
        /// The revision.
        revision: String,
        /// The version-table rows it was planned from.
        planned: Vec<String>,
    },
    /// The migration lock was lost during the run.
    #[error("the migration lock was lost during the run ({why}); stopped{} so that no other runner applies a revision twice. The database is at {}; run the command again", .next.as_ref().map(|n| format!(" before revision {n}")).unwrap_or_default(), state_at(.at))]
    LockLost {
        /// Why the lock is no longer held.
        why: String,
        /// The revision that would have run next.
        next: Option<String>,
        /// The version-table rows the database is left at.
        at: Vec<String>,
    },
    /// An offline downgrade given a target instead of a range.
    #[error(
        "with --sql a downgrade needs a range FROM:TO, e.g. `downgrade head:base --sql` or `downgrade head:-1 --sql` (`{target}` alone would start from the version table, and offline there is none to read)"
    )]
    OfflineDowngrade {
        /// The target given.
        target: String,
    },
    /// A Rust data step in offline mode.
    #[error(
        "revision {revision} runs the Rust data step {step:?}, which cannot be written as SQL; run it online, or declare the SQL it runs with .offline_sql(\"…\")"
    )]
    Offline {
        /// The revision.
        revision: String,
        /// The step.
        step: String,
    },
    /// The plan would hold more locks in one transaction than the server has room for.
    #[error(
        "running these {steps} revisions in one transaction would hold about {needed} locks until COMMIT, more than half of the server's shared lock table ({capacity} = max_locks_per_transaction × (max_connections + max_prepared_transactions)); nothing was run. Run without --single-transaction, upgrade in smaller steps (a target such as +100), or raise max_locks_per_transaction"
    )]
    TooManyLocks {
        /// How many revisions the plan has.
        steps: usize,
        /// About how many locks they take.
        needed: usize,
        /// The lock table's size.
        capacity: i64,
    },
    /// A revision the graph names is not registered (a registry bug).
    #[error("revision {0} is in the graph but not registered")]
    Missing(String),
}

impl RunError {
    /// Whether the server said the database does not exist (3D000).
    pub fn is_missing_database(&self) -> bool {
        matches!(self, RunError::Connect { code: Some(code), .. } if code == "3D000")
    }
}
