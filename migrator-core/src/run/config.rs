//! How the runner behaves: table names, timeouts, retries.

use std::time::Duration;

use crate::ident::QualifiedName;

/// The runner's settings. The defaults suit a deploy: wait for another
/// runner as long as it takes, give up on a table lock after 5 s and retry
/// that revision 5 times with backoff, never cut a long statement short.
///
/// New settings may come in later versions: build it from the default and
/// change what differs.
///
/// ```
/// use std::time::Duration;
/// use migrator_core::run::RunConfig;
///
/// let config = RunConfig::default()
///     .with_lock_timeout(Some(Duration::from_secs(2)))
///     .with_lock_retries(10);
/// assert_eq!(config.lock_retries, 10);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
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
    /// Sets [`version_table`](Self::version_table).
    pub fn with_version_table(mut self, table: impl Into<QualifiedName>) -> Self {
        self.version_table = table.into();
        self
    }

    /// Sets [`history_table`](Self::history_table).
    pub fn with_history_table(mut self, table: impl Into<QualifiedName>) -> Self {
        self.history_table = table.into();
        self
    }

    /// Sets [`lock_wait`](Self::lock_wait).
    pub fn with_lock_wait(mut self, wait: Option<Duration>) -> Self {
        self.lock_wait = wait;
        self
    }

    /// Sets [`lock_timeout`](Self::lock_timeout).
    pub fn with_lock_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// Sets [`statement_timeout`](Self::statement_timeout).
    pub fn with_statement_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.statement_timeout = timeout;
        self
    }

    /// Sets [`lock_retries`](Self::lock_retries).
    pub fn with_lock_retries(mut self, retries: u32) -> Self {
        self.lock_retries = retries;
        self
    }

    /// Sets [`single_transaction`](Self::single_transaction).
    pub fn with_single_transaction(mut self, single: bool) -> Self {
        self.single_transaction = single;
        self
    }

    /// Sets [`accept_changed`](Self::accept_changed).
    pub fn with_accept_changed(mut self, accept: bool) -> Self {
        self.accept_changed = accept;
        self
    }

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
