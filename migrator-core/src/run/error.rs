//! Why a run failed. Every message names the revision and, for SQL, the
//! statement and PostgreSQL's message, detail and hint, and says what state
//! the database is left in.

use std::fmt;
use std::time::Duration;

use crate::graph::GraphError;
use crate::registry::{DowngradeError, RegistryError};
use crate::render::RenderError;

/// What PostgreSQL said about a failed statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbMessage {
    /// SQLSTATE, like `42P01`.
    pub code: String,
    /// The primary message.
    pub message: String,
    /// `DETAIL`, if any.
    pub detail: Option<String>,
    /// `HINT`, if any.
    pub hint: Option<String>,
}

impl DbMessage {
    pub(crate) fn of(e: &tokio_postgres::Error) -> DbMessage {
        match e.as_db_error() {
            Some(db) => DbMessage {
                code: db.code().code().to_owned(),
                message: db.message().to_owned(),
                detail: db.detail().map(str::to_owned),
                hint: db.hint().map(str::to_owned),
            },
            None => DbMessage {
                code: String::new(),
                message: e.to_string(),
                detail: None,
                hint: None,
            },
        }
    }
}

impl fmt::Display for DbMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if !self.code.is_empty() {
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

fn state_at(rows: &[String]) -> String {
    if rows.is_empty() {
        "base (no revision applied)".to_owned()
    } else {
        rows.join(", ")
    }
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The registered revisions do not form a graph.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The target or the version table does not fit the graph.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// The database cannot be reached.
    #[error("cannot connect to {url}: {message}")]
    Connect {
        /// The URL, without its password.
        url: String,
        /// Why.
        message: String,
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
    #[error("another runner holds the migration lock (advisory lock {key}{}); gave up after {waited:?}. Run again when it has finished, or raise --lock-wait", holder.map(|p| format!(", held by backend pid {p}")).unwrap_or_default())]
    LockWait {
        /// The advisory lock key.
        key: i64,
        /// The backend holding it, if known.
        holder: Option<i32>,
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
    /// A statement failed; the revision was rolled back.
    #[error("revision {revision} failed at {op}:\n  {sql}\n{message}\nNothing of revision {revision} was applied; the database is at {}", state_at(.at))]
    Statement {
        /// The revision.
        revision: String,
        /// The op the statement belongs to.
        op: String,
        /// The statement.
        sql: String,
        /// What PostgreSQL said.
        message: DbMessage,
        /// The version-table rows the database is left at.
        at: Vec<String>,
    },
    /// A statement of a revision run outside a transaction failed part way.
    #[error("revision {revision} runs outside a transaction and failed at {op}:\n  {sql}\n{message}\nThe statements before it stay applied and the version table still says {}; fix the cause and run the upgrade again (each statement is safe to retry only if written with IF NOT EXISTS)", state_at(.at))]
    NonTransactional {
        /// The revision.
        revision: String,
        /// The op the statement belongs to.
        op: String,
        /// The statement.
        sql: String,
        /// What PostgreSQL said.
        message: DbMessage,
        /// The version-table rows the database is left at.
        at: Vec<String>,
    },
    /// A Rust data step failed; the revision was rolled back.
    #[error("revision {revision}: data step {step:?} failed: {message}\nNothing of revision {revision} was applied; the database is at {}", state_at(.at))]
    DataStep {
        /// The revision.
        revision: String,
        /// The step's name.
        step: String,
        /// Its error.
        message: String,
        /// The version-table rows the database is left at.
        at: Vec<String>,
    },
    /// A Rust data step in offline mode.
    #[error(
        "revision {revision} runs the Rust data step {step:?}, which cannot be written as SQL; run it online"
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
    pub(crate) fn db(context: impl Into<String>, e: &tokio_postgres::Error) -> RunError {
        RunError::Database {
            context: context.into(),
            message: DbMessage::of(e),
        }
    }
}

/// A database URL with its password masked, for messages and logs.
///
/// ```
/// use migrator_core::run::redact;
/// assert_eq!(redact("postgres://app:s3cret@db:5432/prod"), "postgres://app:***@db:5432/prod");
/// assert_eq!(redact("host=db password=s3cret user=app"), "host=db password=*** user=app");
/// ```
pub fn redact(url: &str) -> String {
    if let Some(scheme_end) = url.find("://") {
        let rest = &url[scheme_end + 3..];
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        if let Some(at) = authority.rfind('@') {
            let userinfo = &authority[..at];
            if let Some(colon) = userinfo.find(':') {
                return format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[scheme_end + 3 + at..]
                );
            }
        }
        // A password may also come as a query parameter.
        return mask_words(url, &["password="]);
    }
    mask_words(url, &["password="])
}

fn mask_words(text: &str, keys: &[&str]) -> String {
    let mut out = text.to_owned();
    for key in keys {
        let mut from = 0;
        while let Some(i) = out[from..].find(key) {
            let start = from + i + key.len();
            let end = out[start..]
                .find([' ', '&'])
                .map_or(out.len(), |e| start + e);
            out.replace_range(start..end, "***");
            from = start + 3;
        }
    }
    out
}
