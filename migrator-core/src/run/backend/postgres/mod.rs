//! PostgreSQL: connections, the advisory migration lock, and the run's
//! session. Connection strings are read in `conninfo.rs`, TLS is set up in
//! `tls.rs`, and a connection is made (and its failure explained) in
//! `connect.rs`.

mod catalog;
pub(in crate::run) mod connect;
pub(in crate::run) mod conninfo;
#[cfg(feature = "tls")]
mod tls;

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use tokio_postgres::{Client, SimpleQueryMessage};

use self::connect::{ConnectError, Endpoint};
use super::{Rows, Session, Waiting, history_table_sql, version_table_sql};
use crate::ident::{QualifiedName, quote_ident, quote_literal};
use crate::ops::{DataTx, Op};
use crate::render::{Effect, Statement};
use crate::run::config::RunConfig;
use crate::run::database::{Database, Engine};
use crate::run::error::{DbMessage, RunError};
use crate::run::redact::redact;
use tokio_postgres::config::Host;

/// One connection, owned or borrowed from a pool.
pub(crate) enum Conn {
    Direct(Client),
    Pooled(deadpool_postgres::Object),
}

impl Deref for Conn {
    type Target = Client;
    fn deref(&self) -> &Client {
        match self {
            Conn::Direct(c) => c,
            Conn::Pooled(o) => o,
        }
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Client {
        match self {
            Conn::Direct(c) => c,
            Conn::Pooled(o) => o,
        }
    }
}

impl Conn {
    /// Whether it goes back to a pool (and so must be left as it was found).
    pub(crate) fn is_pooled(&self) -> bool {
        matches!(self, Conn::Pooled(_))
    }

    /// Closes the connection instead of returning it to a pool.
    fn discard(self) {
        if let Conn::Pooled(o) = self {
            drop(deadpool_postgres::Object::take(o));
        }
    }
}

/// Opens a connection to `db`, or takes one from its pool.
pub(crate) async fn connect(db: &Database) -> Result<Conn, RunError> {
    match db {
        Database::Url(url) => self::connect::connect(url).await.map(Conn::Direct),
        Database::Pool(pool) => pool
            .get()
            .await
            .map(Conn::Pooled)
            .map_err(|e| RunError::Connect {
                url: db.describe(),
                message: redact(&e.to_string()),
                code: match &e {
                    deadpool_postgres::PoolError::Backend(e) => {
                        e.code().map(|c| c.code().to_owned())
                    }
                    _ => None,
                },
            }),
    }
}

/// The advisory lock that keeps two runners from migrating one database at
/// once, held on a session of its own. It is released by [`Lock::release`]
/// and, in every other exit path, by closing that session.
pub(crate) struct Lock {
    conn: Option<Conn>,
    key: i64,
}

impl Lock {
    /// Polls `pg_try_advisory_lock` with backoff until it is granted, or
    /// until `wait` has passed. Never a blocking `pg_advisory_lock`: a session
    /// waiting on it deadlocks with `CREATE INDEX CONCURRENTLY`.
    pub(crate) async fn acquire(
        db: &Database,
        key: i64,
        wait: Option<Duration>,
    ) -> Result<Lock, RunError> {
        if let Database::Pool(pool) = db
            && pool.status().max_size < 2
        {
            return Err(RunError::Connect {
                url: db.describe(),
                message: "the runner needs two connections at once (one holds the migration lock); give the pool a max_size of 2 or more".into(),
                code: None,
            });
        }
        // Held in the guard from the start: whatever ends this function (a
        // timeout, an error, the caller dropping the future), the session
        // is closed rather than returned to a pool with the lock held.
        let lock = Lock {
            conn: Some(connect(db).await?),
            key,
        };
        let conn = lock.conn.as_ref().expect("set just above");
        let mut waiting = Waiting::new(wait);
        loop {
            let granted = simple_rows(conn, &format!("SELECT pg_try_advisory_lock({key})"))
                .await
                .map_err(|e| RunError::db("taking the migration lock", &e))?
                .first()
                .is_some_and(|v| v == "t");
            if granted {
                // The lock's session sits idle for the whole run: a server
                // or role `idle_session_timeout` (PostgreSQL 14+) must not
                // end it. (Older servers do not know the setting.)
                let _ = conn.batch_execute("SET idle_session_timeout = 0").await;
                return Ok(lock);
            }
            let holder = holder(conn, key).await;
            if waiting.expired() {
                // Dropping the guard closes the session.
                return Err(RunError::LockWait {
                    lock: format!(
                        "(advisory lock {key}{})",
                        holder
                            .map(|p| format!(", held by backend pid {p}"))
                            .unwrap_or_default()
                    ),
                    waited: waiting.waited(),
                });
            }
            if waiting.note_due() {
                tracing::info!(
                    "waiting for the migration lock (advisory lock {key}{}), held by another runner",
                    holder
                        .map(|p| format!(", backend pid {p}"))
                        .unwrap_or_default()
                );
            }
            waiting.pause().await;
        }
    }

    /// Releases the lock and gives the session back.
    pub(crate) async fn release(mut self) {
        if let Some(conn) = self.conn.take() {
            let mut sql = format!("SELECT pg_advisory_unlock({})", self.key);
            if conn.is_pooled() {
                sql.push_str("; RESET idle_session_timeout");
            }
            let unlocked = simple_rows(&conn, &sql).await;
            match unlocked.as_deref().map(|r| r.first().map(String::as_str)) {
                Ok(Some("t")) => drop(conn),
                // Whatever happened, closing the session releases the lock.
                _ => conn.discard(),
            }
        }
    }
}

impl Lock {
    /// Whether the lock's session has ended (the server ended it, or the
    /// connection broke), taking the lock with it.
    fn is_lost(&self) -> bool {
        self.conn.as_ref().is_none_or(|c| c.is_closed())
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            conn.discard();
        }
    }
}

/// The backend holding advisory lock `key`, if it can be seen.
async fn holder(conn: &Client, key: i64) -> Option<i32> {
    let classid = (key >> 32) as u32;
    let objid = key as u32;
    conn.query_opt(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 1
         LIMIT 1",
        &[&i64::from(classid), &i64::from(objid)],
    )
    .await
    .ok()
    .flatten()
    .map(|r| r.get(0))
}

/// The first column of each row of a simple-protocol query: one round
/// trip, where a query with parameters takes two (parse, then execute).
async fn simple_rows(client: &Client, sql: &str) -> Result<Vec<String>, tokio_postgres::Error> {
    Ok(client
        .simple_query(sql)
        .await?
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(row.get(0).unwrap_or_default().to_owned()),
            _ => None,
        })
        .collect())
}

/// A PostgreSQL session: the work connection and, for a run, the lock held
/// on a session of its own.
pub(crate) struct PgSession {
    conn: Option<Conn>,
    lock: Option<Lock>,
    /// Whether the run's timeouts were set (a pooled session must be reset).
    timeouts_set: bool,
    in_transaction: bool,
    /// `BEGIN` not sent yet: it goes with the next round trip.
    pending_begin: bool,
    /// How long to wait for an earlier run's index build.
    lock_wait: Option<Duration>,
}

impl PgSession {
    fn conn(&self) -> &Conn {
        self.conn
            .as_ref()
            .expect("the connection is held until finish")
    }

    /// `sql`, preceded by the deferred `BEGIN` if there is one.
    fn with_begin(&mut self, sql: &str) -> String {
        if std::mem::take(&mut self.pending_begin) {
            format!("{BEGIN}{sql}")
        } else {
            sql.to_owned()
        }
    }
}

/// How a revision's transaction starts: `BEGIN`, and a setting that lives
/// as long as the transaction, by which the runner tells whether the
/// revision's own SQL ended it (a COMMIT in raw SQL) or began another.
const BEGIN: &str = "BEGIN;\nSET LOCAL migrator.in_revision = 'on';\n";

/// The statements [`BEGIN`] holds.
const BEGIN_STATEMENTS: usize = 2;

/// Runs a simple-protocol query of several statements in one round trip;
/// on failure, how many statements completed before it.
async fn run_counting(client: &Client, sql: &str) -> Result<(), (usize, DbMessage)> {
    use futures_util::StreamExt;
    let stream = client
        .simple_query_raw(sql)
        .await
        .map_err(|e| (0, DbMessage::of(&e)))?;
    let mut stream = std::pin::pin!(stream);
    let mut completed = 0;
    while let Some(message) = stream.next().await {
        match message {
            Ok(SimpleQueryMessage::CommandComplete(_)) => completed += 1,
            Ok(_) => {}
            Err(e) => return Err((completed, DbMessage::of(&e))),
        }
    }
    Ok(())
}

impl Drop for PgSession {
    fn drop(&mut self) {
        // Ended in the middle of a transaction (the run's future was
        // dropped, a data step panicked) or with the run's timeouts still
        // set: close the session rather than give it back to a pool so.
        if (self.in_transaction || self.timeouts_set)
            && let Some(conn) = self.conn.take()
        {
            conn.discard();
        }
    }
}

impl Session for PgSession {
    const ENGINE: Engine = Engine::Postgres;

    async fn ensure_database(db: &Database, create: bool) -> Result<(), RunError> {
        match db {
            Database::Url(url) => ensure_database(url, create).await,
            // A pool's database is the pool owner's to create.
            Database::Pool(_) => Ok(()),
        }
    }

    fn create_tables_sql(config: &RunConfig) -> Vec<String> {
        let mut out = Vec::new();
        for table in [&config.version_table, &config.history_table] {
            if let Some(schema) = &table.schema {
                let sql = format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(schema));
                if !out.contains(&sql) {
                    out.push(sql);
                }
            }
        }
        out.push(version_table_sql(config));
        out.push(history_table_sql(
            config,
            "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
            "timestamptz NOT NULL DEFAULT now()",
            "text NOT NULL DEFAULT current_user",
        ));
        out
    }

    fn tables_exist_sql(tables: &[&QualifiedName]) -> String {
        let tests: Vec<String> = tables
            .iter()
            .map(|t| format!("to_regclass({}) IS NOT NULL", quote_literal(&t.to_sql())))
            .collect();
        format!("SELECT {}", tests.join(" AND "))
    }

    fn no_schema_sql() -> Option<&'static str> {
        Some("SELECT current_schema() IS NULL")
    }

    fn is_missing_table(message: &DbMessage) -> bool {
        message.code == "42P01"
    }

    fn is_lock_not_available(message: &DbMessage) -> bool {
        message.code == "55P03"
    }

    async fn open(db: &Database, _config: &RunConfig) -> Result<Self, RunError> {
        Ok(PgSession {
            conn: Some(connect(db).await?),
            lock: None,
            timeouts_set: false,
            in_transaction: false,
            pending_begin: false,
            lock_wait: None,
        })
    }

    async fn lock(db: &Database, config: &RunConfig) -> Result<Self, RunError> {
        // The work session connects while the lock is sought: it does
        // nothing until the lock is held.
        let (lock, conn) = tokio::join!(
            Lock::acquire(db, config.lock_key(), config.lock_wait),
            connect(db)
        );
        match (lock, conn) {
            (Ok(lock), Ok(conn)) => Ok(PgSession {
                conn: Some(conn),
                lock: Some(lock),
                timeouts_set: !timeouts(config).is_empty(),
                in_transaction: false,
                pending_begin: false,
                lock_wait: config.lock_wait,
            }),
            (Ok(lock), Err(e)) => {
                lock.release().await;
                Err(e)
            }
            (Err(e), _) => Err(e),
        }
    }

    fn setup_sql(config: &RunConfig) -> Vec<String> {
        timeouts(config)
    }

    fn read_setup_sql(config: &RunConfig) -> Vec<String> {
        // Local to the read's implicit transaction: nothing to reset after.
        let mut out = vec![format!(
            "SET LOCAL lock_timeout = {}",
            config.read_lock_timeout().as_millis().max(1)
        )];
        if let Some(t) = config.statement_timeout {
            out.push(format!(
                "SET LOCAL statement_timeout = {}",
                t.as_millis().max(1)
            ));
        }
        out
    }

    fn serialize_sql(config: &RunConfig) -> Option<String> {
        // Self-conflicting, and not in conflict with plain reads (`current`).
        Some(format!(
            "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
            config.version_table.to_sql()
        ))
    }

    fn lock_lost(&self) -> Option<String> {
        self.lock.as_ref().filter(|l| l.is_lost()).map(|l| {
            format!(
                "the session holding advisory lock {} ended: the server closed it (idle_session_timeout, pg_terminate_backend, a restart) or the connection broke",
                l.key
            )
        })
    }

    async fn finish(mut self) {
        if let Some(conn) = self.conn.take() {
            if self.in_transaction {
                conn.discard();
            } else {
                let reset = !self.timeouts_set
                    || !conn.is_pooled()
                    || conn
                        .batch_execute("RESET lock_timeout; RESET statement_timeout")
                        .await
                        .is_ok();
                if reset {
                    drop(conn);
                } else {
                    // Not as it was found: it does not go back to the pool.
                    conn.discard();
                }
            }
        }
        self.timeouts_set = false;
        self.in_transaction = false;
        if let Some(lock) = self.lock.take() {
            lock.release().await;
        }
    }

    async fn execute(&mut self, sql: &str) -> Result<(), DbMessage> {
        let sql = self.with_begin(sql);
        self.conn()
            .batch_execute(&sql)
            .await
            .map_err(|e| DbMessage::of(&e))
    }

    async fn query(&mut self, sql: &str) -> Result<Rows, DbMessage> {
        let sql = self.with_begin(sql);
        let messages = self
            .conn()
            .simple_query(&sql)
            .await
            .map_err(|e| DbMessage::of(&e))?;
        Ok(messages
            .into_iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_owned))
                        .collect(),
                ),
                _ => None,
            })
            .collect())
    }

    async fn statements(&mut self, statements: &[&Statement]) -> Result<(), (usize, DbMessage)> {
        let mut start = 0;
        while start < statements.len() {
            // Raw SQL may hold several statements, which would throw the
            // count off: it goes in a round trip of its own.
            let raw = |s: &&Statement| s.effect == Effect::Unknown;
            let end = if raw(&statements[start]) {
                start + 1
            } else {
                statements[start..]
                    .iter()
                    .position(raw)
                    .map_or(statements.len(), |p| start + p)
            };
            let begin = std::mem::take(&mut self.pending_begin);
            let mut sql = String::new();
            if begin {
                sql.push_str(BEGIN);
            }
            for s in &statements[start..end] {
                // The semicolon on a line of its own: a trailing `--`
                // comment would swallow it.
                sql.push_str(&s.sql);
                sql.push_str("\n;\n");
            }
            if let Err((completed, message)) = run_counting(self.conn(), &sql).await {
                let skipped = if begin { BEGIN_STATEMENTS } else { 0 };
                let index = (start + completed).saturating_sub(skipped);
                return Err((index.min(end - 1), message));
            }
            start = end;
        }
        Ok(())
    }

    async fn settle(&mut self) -> Result<(), DbMessage> {
        if self.pending_begin {
            self.execute("").await?;
        }
        Ok(())
    }

    fn elapsed_sql() -> Option<&'static str> {
        Some("(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint")
    }

    async fn begin(&mut self) -> Result<(), DbMessage> {
        // Sent with the transaction's first statements: one round trip less.
        self.pending_begin = true;
        self.in_transaction = true;
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), DbMessage> {
        if std::mem::take(&mut self.pending_begin) {
            self.in_transaction = false;
            return Ok(());
        }
        let result = self.execute("COMMIT").await;
        if result.is_ok() {
            self.in_transaction = false;
        }
        result
    }

    async fn still_in_revision(&mut self) -> Result<bool, DbMessage> {
        if self.pending_begin {
            return Ok(true);
        }
        let rows = self
            .query("SELECT current_setting('migrator.in_revision', true)")
            .await?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .is_some_and(|v| v.as_deref() == Some("on")))
    }

    async fn rollback(&mut self) {
        if std::mem::take(&mut self.pending_begin) {
            self.in_transaction = false;
            return;
        }
        if self.in_transaction && self.execute("ROLLBACK").await.is_ok() {
            self.in_transaction = false;
        }
    }

    fn data_tx(&self) -> DataTx<'_> {
        DataTx::postgres(self.conn())
    }

    async fn resume(&mut self, revision: &str, op: &Op) -> Result<bool, RunError> {
        resume(self.conn(), revision, op, self.lock_wait).await
    }

    async fn lock_holders(&mut self, tables: &[&crate::ident::QualifiedName]) -> Vec<String> {
        if tables.is_empty() {
            return Vec::new();
        }
        let regclasses: Vec<String> = tables
            .iter()
            .map(|t| format!("to_regclass({})", Engine::Postgres.literal(&t.to_sql())))
            .collect();
        let sql = format!(
            "SELECT DISTINCT l.pid::text, coalesce(a.application_name, ''), coalesce(a.state, ''),                     l.mode, l.relation::regclass::text, left(coalesce(a.query, ''), 200)                FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid               WHERE l.granted AND l.locktype = 'relation' AND l.pid <> pg_backend_pid()                 AND l.relation = ANY (ARRAY[{}]::oid[])               ORDER BY 1 LIMIT 5",
            regclasses.join(", ")
        );
        let Ok(rows) = self.query(&sql).await else {
            return Vec::new();
        };
        rows.into_iter()
            .map(|row| {
                let cell = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
                let app = cell(1);
                format!(
                    "pid {}{} ({}, {} on {}): {}",
                    cell(0),
                    if app.is_empty() {
                        String::new()
                    } else {
                        format!(" of {app}")
                    },
                    cell(2),
                    cell(3),
                    cell(4),
                    cell(5).split_whitespace().collect::<Vec<_>>().join(" ")
                )
            })
            .collect()
    }

    async fn lock_capacity(&mut self) -> Result<Option<i64>, RunError> {
        let capacity: i64 = self
            .conn()
            .query_one(
                "SELECT current_setting('max_locks_per_transaction')::bigint
                      * (current_setting('max_connections')::bigint
                         + current_setting('max_prepared_transactions')::bigint)",
                &[],
            )
            .await
            .map_err(|e| RunError::db("reading the lock table's size", &e))?
            .get(0);
        Ok(Some(capacity))
    }

    async fn read_catalog(&mut self, config: &RunConfig) -> Result<crate::run::Catalog, RunError> {
        catalog::read(self.conn(), config).await
    }

    async fn stored_form(
        &mut self,
        schema: &crate::schema::Schema,
    ) -> Result<crate::schema::Schema, RunError> {
        catalog::stored_form(self.conn(), schema).await
    }
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

/// The backend building index `name`, if a `CREATE INDEX` of it is in
/// progress (`pg_stat_progress_create_index`, PostgreSQL 12+).
async fn builder_of(
    conn: &Conn,
    name: &crate::ident::QualifiedName,
) -> Result<Option<i32>, RunError> {
    let row = conn
        .query_opt(
            "SELECT pid FROM pg_stat_progress_create_index WHERE index_relid = to_regclass($1::text) LIMIT 1",
            &[&name.to_sql()],
        )
        .await
        .map_err(|e| RunError::db(format!("looking for a build of index {name}"), &e))?;
    Ok(row.map(|r| r.get(0)))
}

/// An INVALID index may be one an earlier run's backend is still building
/// (its client killed, the server not told yet): waits for that build to
/// end, as long as `lock_wait` allows, and gives the index's state then.
async fn wait_for_build(
    conn: &Conn,
    revision: &str,
    name: &crate::ident::QualifiedName,
    lock_wait: Option<Duration>,
) -> Result<Option<bool>, RunError> {
    let mut waiting = Waiting::new(lock_wait);
    while let Some(pid) = builder_of(conn, name).await? {
        if waiting.expired() {
            return Err(RunError::BuildInProgress {
                revision: revision.to_owned(),
                index: name.to_string(),
                pid,
                waited: waiting.waited(),
            });
        }
        if waiting.note_due() {
            tracing::info!(
                "revision {revision}: index {name} is still being built by backend pid {pid} (an earlier run's CREATE INDEX CONCURRENTLY); waiting for it to finish"
            );
        }
        waiting.pause().await;
    }
    index_state(conn, name).await
}

/// Makes a statement of a revision that runs outside a transaction safe to
/// run again after an interrupted run, which may have left its work done or
/// half done. Returns whether the op is already done and must be skipped.
///
/// - `CREATE INDEX CONCURRENTLY` interrupted leaves an INVALID index: it is
///   dropped and built again — once no backend is still building it (an
///   earlier run's, whose client was killed: it is waited for as long as
///   `lock_wait` allows). A valid index of that name means the earlier
///   run built it and stopped before recording the revision: it is kept.
/// - `DROP INDEX CONCURRENTLY` of an index that is gone already is done.
async fn resume(
    conn: &Conn,
    revision: &str,
    op: &Op,
    lock_wait: Option<Duration>,
) -> Result<bool, RunError> {
    match op {
        Op::CreateIndex(ci) if ci.concurrently => {
            let name = ci.index.qualified_name();
            let mut state = index_state(conn, &name).await?;
            if state == Some(false) {
                state = wait_for_build(conn, revision, &name, lock_wait).await?;
            }
            match state {
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

/// SQLSTATE `invalid_catalog_name`: the database does not exist.
const NO_DATABASE: &str = "3D000";
/// SQLSTATE `duplicate_database`.
const DUPLICATE_DATABASE: &str = "42P04";

/// The command that creates the database of `config`.
fn createdb_command(config: &tokio_postgres::Config, name: &str) -> String {
    let mut cmd = String::from("createdb");
    if let Some(Host::Tcp(host)) = config.get_hosts().first() {
        cmd.push_str(&format!(" -h {host}"));
    }
    if let Some(port) = config.get_ports().first() {
        cmd.push_str(&format!(" -p {port}"));
    }
    if let Some(user) = config.get_user() {
        cmd.push_str(&format!(" -U {user}"));
    }
    format!("{cmd} {name}")
}

/// Makes sure the database of `url` exists. When it does not and `create`
/// is set, creates it from the server's `postgres` database and says so;
/// otherwise the error says which command creates it. Other connection
/// failures are left to the runner, which reports them.
async fn ensure_database(url: &str, create: bool) -> Result<(), RunError> {
    let Ok(endpoint) = Endpoint::parse(url) else {
        return Ok(());
    };
    let error = match endpoint.connect().await {
        Ok((client, task)) => {
            drop(client);
            let _ = task.await;
            return Ok(());
        }
        Err(e) => e,
    };
    if error.code().map(|c| c.code()) != Some(NO_DATABASE) {
        return Ok(());
    }
    let config = &endpoint.config;
    let name = config.get_dbname().unwrap_or("postgres").to_owned();
    let how = createdb_command(config, &name);
    if !create {
        return Err(RunError::MissingDatabase {
            name,
            server: redact(url),
            how,
            why: None,
        });
    }
    let mut admin = endpoint.clone();
    admin.config.dbname("postgres");
    let created = async {
        let (client, task) = admin.connect().await?;
        let result = client
            .batch_execute(&format!("CREATE DATABASE {}", quote_ident(&name)))
            .await;
        drop(client);
        let _ = task.await;
        result.map_err(ConnectError::from)
    }
    .await;
    match created {
        Ok(()) => {
            tracing::info!("Created database {name:?} ({})", redact(url));
            Ok(())
        }
        Err(e) if e.code().map(|c| c.code()) == Some(DUPLICATE_DATABASE) => Ok(()),
        Err(e) => Err(RunError::MissingDatabase {
            name,
            server: redact(url),
            how,
            why: Some(redact(&e.to_string())),
        }),
    }
}

/// What PostgreSQL said, as a [`DbMessage`], with a hint where the server
/// gives none but the runner knows what to do.
impl DbMessage {
    pub(crate) fn of(e: &tokio_postgres::Error) -> DbMessage {
        match e.as_db_error() {
            Some(db) => {
                let code = db.code().code().to_owned();
                // PostgreSQL gives no hint for a missing privilege or an
                // empty search_path; say what to do.
                let hint = db.hint().map(str::to_owned).or_else(|| match code.as_str() {
                    "42501" => Some("the database role lacks a privilege: creating objects needs CREATE on their schema (GRANT CREATE ON SCHEMA <schema> TO <role>), altering or dropping a table needs to own it".to_owned()),
                    "3F000" => Some("the session's search_path names no existing schema (search_path = '' on the role?): give the tables a schema (RunConfig::version_table, e.g. public.migrator_version) or set the role's search_path".to_owned()),
                    _ => None,
                });
                DbMessage {
                    code,
                    message: db.message().to_owned(),
                    detail: db.detail().map(str::to_owned),
                    hint,
                }
            }
            None => DbMessage {
                code: String::new(),
                message: e.to_string(),
                detail: None,
                hint: None,
            },
        }
    }
}

impl RunError {
    /// A statement of the runner's own failed on PostgreSQL.
    pub(crate) fn db(context: impl Into<String>, e: &tokio_postgres::Error) -> RunError {
        RunError::Database {
            context: context.into(),
            message: DbMessage::of(e),
        }
    }
}

/// `SET` statements for the timeouts of a run's work session.
fn timeouts(config: &RunConfig) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(t) = config.lock_timeout {
        out.push(format!("SET lock_timeout = {}", t.as_millis().max(1)));
    }
    if let Some(t) = config.statement_timeout {
        out.push(format!("SET statement_timeout = {}", t.as_millis().max(1)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn createdb_commands() {
        let config: tokio_postgres::Config =
            "postgres://postgres@127.0.0.1:5433/app".parse().unwrap();
        assert_eq!(
            createdb_command(&config, "app"),
            "createdb -h 127.0.0.1 -p 5433 -U postgres app"
        );
    }
}
