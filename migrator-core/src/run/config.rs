//! How the runner behaves: table names, timeouts, retries.

use std::time::Duration;

use crate::ident::QualifiedName;

/// The runner's settings. The defaults suit a deploy: wait for another
/// runner as long as it takes, give up on a table lock after 5 s and retry
/// that revision 5 times with backoff, never cut a long statement short.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The version table: one row per current head (Alembic's model).
    pub version_table: QualifiedName,
    /// The history table: one row per revision applied or undone.
    pub history_table: QualifiedName,
    /// How long to wait for another runner's migration lock; `None` waits
    /// as long as it takes.
    pub lock_wait: Option<Duration>,
    /// `lock_timeout` for the run's statements (`None`: the server's).
    pub lock_timeout: Option<Duration>,
    /// `statement_timeout` for the run's statements (`None`: the server's).
    pub statement_timeout: Option<Duration>,
    /// How many times a revision is retried after a lock timeout (SQLSTATE 55P03).
    pub lock_retries: u32,
    /// Run the whole plan in one transaction (refused when a revision
    /// cannot run in a transaction).
    pub single_transaction: bool,
    /// Go on although an applied revision's ops changed since it ran.
    pub accept_changed: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            version_table: QualifiedName::bare("migrator_version"),
            history_table: QualifiedName::bare("migrator_history"),
            lock_wait: None,
            lock_timeout: Some(Duration::from_secs(5)),
            statement_timeout: None,
            lock_retries: 5,
            single_transaction: false,
            accept_changed: false,
        }
    }
}

impl RunConfig {
    /// The advisory lock key of this configuration: a hash of the version
    /// table's name, so runners of one schema exclude each other and runners
    /// of two schemas with their own tables do not.
    pub fn lock_key(&self) -> i64 {
        let name = format!(
            "migrator:{}.{}",
            self.version_table.schema_name(),
            self.version_table.name
        );
        i64::from_ne_bytes(super::checksum::fnv64(name.as_bytes()).to_ne_bytes())
    }

    /// How long a read of the version table made without the migration lock
    /// (`current`, the check that an upgrade has nothing to do) waits
    /// behind another session's lock on it: `lock_timeout`, or 5 s when
    /// that is `None`.
    pub fn read_lock_timeout(&self) -> Duration {
        self.lock_timeout.unwrap_or(Duration::from_secs(5))
    }
}
