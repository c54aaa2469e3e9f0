//! SQLite (bundled): the embedded default. One connection per run, driven
//! on tokio's blocking threads so the runtime never waits on the file.
//!
//! The migration lock is the operating system's exclusive lock on a file
//! beside the database, `<database>-migrator.lock`, polled as long as
//! `lock_wait` allows and released when the run ends or its process dies:
//! two runners never migrate one file at once, while the application's own
//! connections go on reading and writing between revisions. Each revision
//! runs in a `BEGIN IMMEDIATE` transaction, which waits up to `lock_timeout`
//! for an application's write to finish; a revision that still cannot get
//! the write lock is retried with backoff, as a lock timeout is on
//! PostgreSQL.
//!
//! Foreign keys are not enforced while migrating (`PRAGMA foreign_keys =
//! OFF`), so that rebuilding a table never cascades; a revision that
//! rebuilt a table or ran raw SQL or a Rust data step instead ends with
//! `PRAGMA foreign_key_check`, and one that left a dangling reference that
//! was not there before is rolled back.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode};

use super::{Rows, Session, Waiting, history_table_sql, version_table_sql};
use crate::ident::QualifiedName;
use crate::ops::DataTx;
use crate::render::{Effect, Rebuild, Statement};
use crate::run::config::RunConfig;
use crate::run::database::{Database, Engine};
use crate::run::error::{DbMessage, RunError};

/// Where an `sqlite:` URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    /// `sqlite::memory:`: a database that lives as long as the connection.
    Memory,
    /// A file, created when missing.
    File(PathBuf),
}

impl Location {
    /// Reads `sqlite://relative/path.db`, `sqlite:///absolute/path.db`,
    /// `sqlite:path.db` or `sqlite::memory:`.
    pub(crate) fn parse(url: &str) -> Result<Location, String> {
        let rest = url.get(7..).unwrap_or_default();
        if rest == ":memory:" || rest == "//:memory:" {
            return Ok(Location::Memory);
        }
        let path = rest.strip_prefix("//").unwrap_or(rest);
        if path.is_empty() {
            return Err("the URL names no file: write sqlite://path/to/app.db (relative), sqlite:///path/to/app.db (absolute) or sqlite::memory:".into());
        }
        if path.contains('?') {
            return Err("query parameters are not supported in sqlite: URLs".into());
        }
        Ok(Location::File(PathBuf::from(path)))
    }
}

/// Watches a revision's transaction through SQLite's commit and rollback
/// hooks: while one is open, a COMMIT the revision's own SQL or data step
/// sends is refused (SQLite then rolls the transaction back), and a
/// rollback the runner did not ask for is noted.
#[derive(Default)]
struct Watch {
    /// A revision's transaction is open.
    open: AtomicBool,
    /// It was rolled back by something other than the runner.
    ended: AtomicBool,
}

impl Watch {
    /// Installs the hooks on `conn`.
    fn install(self: &Arc<Self>, conn: &Connection) -> rusqlite::Result<()> {
        let watch = Arc::clone(self);
        // true: turn the COMMIT into a rollback.
        conn.commit_hook(Some(move || watch.open.load(Ordering::SeqCst)))?;
        let watch = Arc::clone(self);
        conn.rollback_hook(Some(move || {
            if watch.open.load(Ordering::SeqCst) {
                watch.ended.store(true, Ordering::SeqCst);
            }
        }))
    }

    fn set(&self, open: bool) {
        self.open.store(open, Ordering::SeqCst);
        self.ended.store(false, Ordering::SeqCst);
    }
}

/// The connection, shared with the blocking threads that use it.
#[derive(Clone)]
pub(crate) struct Handle {
    conn: Arc<Mutex<Connection>>,
    watch: Arc<Watch>,
    interrupt: Arc<rusqlite::InterruptHandle>,
    /// Interrupts a call running longer (the run's `statement_timeout`).
    statement_timeout: Option<Duration>,
}

impl Handle {
    /// Runs `f` on the connection on a blocking thread.
    pub(crate) async fn call<R, F>(&self, f: F) -> R
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> R + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let task = tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut guard)
        });
        // SQLite has no statement_timeout: a timer interrupts the call
        // (SQLITE_INTERRUPT), which fails like a statement timing out.
        let timer = self.statement_timeout.map(|after| {
            let interrupt = Arc::clone(&self.interrupt);
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                interrupt.interrupt();
            })
        });
        let result = task.await;
        if let Some(timer) = timer {
            timer.abort();
        }
        match result {
            Ok(r) => r,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("the SQLite worker thread was stopped: {e}"),
        }
    }
}

impl crate::data_tx::SqliteCalls for Handle {
    fn call_boxed(
        &self,
        call: crate::data_tx::SqliteCall,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(self.call(call))
    }
}

/// What SQLite said, as a [`DbMessage`] (`code` is SQLite's primary result
/// code, like `SQLITE_CONSTRAINT`).
pub(crate) fn message(e: &rusqlite::Error) -> DbMessage {
    let (code, message) = match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_COMMITHOOK =>
        {
            (
                code_name(f.code).to_owned(),
                "the revision's own SQL tried to end its transaction (COMMIT): the runner refused it and SQLite rolled the revision back; take COMMIT out of the revision (each revision already runs in a transaction of its own)".to_owned(),
            )
        }
        rusqlite::Error::SqliteFailure(f, msg) => (
            code_name(f.code).to_owned(),
            msg.clone().unwrap_or_else(|| f.to_string()),
        ),
        other => ("SQLITE_ERROR".to_owned(), other.to_string()),
    };
    DbMessage {
        code,
        message,
        detail: None,
        hint: None,
    }
}

fn code_name(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::ConstraintViolation => "SQLITE_CONSTRAINT",
        ErrorCode::DatabaseBusy => "SQLITE_BUSY",
        ErrorCode::DatabaseLocked => "SQLITE_LOCKED",
        ErrorCode::ReadOnly => "SQLITE_READONLY",
        ErrorCode::DiskFull => "SQLITE_FULL",
        ErrorCode::SystemIoFailure => "SQLITE_IOERR",
        ErrorCode::DatabaseCorrupt => "SQLITE_CORRUPT",
        ErrorCode::CannotOpen => "SQLITE_CANTOPEN",
        ErrorCode::PermissionDenied => "SQLITE_PERM",
        ErrorCode::OperationAborted => "SQLITE_ABORT",
        ErrorCode::OperationInterrupted => "SQLITE_INTERRUPT",
        ErrorCode::TypeMismatch => "SQLITE_MISMATCH",
        ErrorCode::TooBig => "SQLITE_TOOBIG",
        ErrorCode::SchemaChanged => "SQLITE_SCHEMA",
        ErrorCode::NotADatabase => "SQLITE_NOTADB",
        _ => "SQLITE_ERROR",
    }
}

/// An SQLite session: one connection and, for a run, the migration lock.
pub(crate) struct SqliteSession {
    handle: Handle,
    in_transaction: bool,
    /// The lock file, locked for the run, and its path (none for a reader
    /// or `:memory:`).
    lock: Option<(File, PathBuf)>,
    /// The foreign-key violations there were before the open transaction's
    /// first statement that could add one (none yet: nothing to check).
    baseline: Option<HashSet<Vec<Option<String>>>>,
}

/// How long a statement waits for another connection's write lock (an
/// application writing): then it fails with `SQLITE_BUSY`, and the runner
/// retries the revision as it does after a lock timeout.
fn busy_timeout(config: &RunConfig) -> Duration {
    // SQLite takes milliseconds as a C int: a longer wait is clamped, not a
    // panic (an application may set any Duration).
    let max = Duration::from_millis(u64::from(i32::MAX.unsigned_abs()));
    config
        .lock_timeout
        .unwrap_or(Duration::from_secs(5))
        .min(max)
}

/// The lock file of the database at `path`: `<real path>-migrator.lock`,
/// beside SQLite's own `-journal` and `-wal` files. The path is the
/// database's real one (symbolic links and `..` resolved), so that runners
/// reaching one file by two paths (a deploy tool's shared folder) share one
/// lock.
pub(crate) fn lock_path(path: &Path) -> PathBuf {
    let mut name = real_path(path).into_os_string();
    name.push("-migrator.lock");
    PathBuf::from(name)
}

/// `path` with symbolic links resolved: the file's own when it exists,
/// else its directory's with the file name joined.
fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(dir), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_owned(),
    }
}

/// Whether `file` is still the file at `path` (not removed or replaced).
fn same_file(file: &File, path: &Path) -> bool {
    let (Ok(held), Ok(there)) = (file.metadata(), std::fs::metadata(path)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        held.dev() == there.dev() && held.ino() == there.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (held, there);
        true
    }
}

/// Takes the migration lock of the database at `path`: the operating
/// system's exclusive lock on its lock file, polled with backoff as long as
/// `lock_wait` allows. Closing the file, or the process ending, releases it.
async fn lock_file(
    db: &Database,
    path: &Path,
    config: &RunConfig,
) -> Result<(File, PathBuf), RunError> {
    let lock_path = lock_path(path);
    let failed = |what: &str, e: &dyn std::fmt::Display| RunError::Connect {
        url: db.describe(),
        message: format!("cannot {what} the lock file {}: {e}", lock_path.display()),
        code: None,
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| failed("open", &e))?;
    let mut waiting = Waiting::new(config.lock_wait);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok((file, lock_path)),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => return Err(failed("lock", &e)),
        }
        if waiting.expired() {
            return Err(RunError::LockWait {
                lock: format!("on {} (lock file {})", db.describe(), lock_path.display()),
                waited: waiting.waited(),
            });
        }
        if waiting.note_due() {
            tracing::info!(
                "waiting for the migration lock on {} ({}), held by another runner",
                db.describe(),
                lock_path.display()
            );
        }
        waiting.pause().await;
    }
}

/// Opens the database; with `create`, the file is made when missing (a
/// run), otherwise a missing file is an error (a verb that only reads
/// never leaves an empty database behind a mistyped path).
async fn open(db: &Database, config: &RunConfig, create: bool) -> Result<Handle, RunError> {
    let target = location_of(db)?;
    if let Location::File(path) = &target
        && !create
        && !path.exists()
    {
        return Err(RunError::NoDatabase {
            database: path.display().to_string(),
        });
    }
    let busy = busy_timeout(config);
    let watch = Arc::new(Watch::default());
    let hooks = Arc::clone(&watch);
    let opened = tokio::task::spawn_blocking(move || {
        let conn = match &target {
            Location::Memory => Connection::open_in_memory(),
            Location::File(path) => Connection::open(path),
        }?;
        conn.busy_timeout(busy)?;
        // A double-quoted name that names nothing must be an error, never
        // the string it spells (SQLite's legacy default).
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DML, false)?;
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DDL, false)?;
        // A rebuild turns legacy_alter_table on around its rename; a
        // connection never starts with it left on.
        conn.execute_batch("PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = OFF")?;
        hooks.install(&conn)?;
        Ok::<_, rusqlite::Error>(conn)
    })
    .await
    .expect("opening an SQLite database does not panic");
    let conn = opened.map_err(|e| connect_error(db, message(&e).to_string()))?;
    Ok(Handle {
        interrupt: Arc::new(conn.get_interrupt_handle()),
        conn: Arc::new(Mutex::new(conn)),
        watch,
        statement_timeout: None,
    })
}

fn connect_error(db: &Database, message: String) -> RunError {
    RunError::Connect {
        url: db.describe(),
        message,
        code: None,
    }
}

fn location_of(db: &Database) -> Result<Location, RunError> {
    match db {
        Database::Url(url) => Location::parse(url).map_err(|m| connect_error(db, m)),
        #[cfg(feature = "postgres")]
        Database::Pool(_) => unreachable!("a pool is always PostgreSQL"),
    }
}

impl SqliteSession {
    async fn run<R, F>(&self, f: F) -> Result<R, DbMessage>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        self.handle.call(f).await.map_err(|e| message(&e))
    }

    /// Remembers the foreign-key violations there are now, before the
    /// first statement of the transaction that could add one.
    async fn take_baseline(&mut self) -> Result<(), DbMessage> {
        if self.baseline.is_none() {
            let rows = self
                .run(|c| query(c, "PRAGMA foreign_key_check", []))
                .await?;
            self.baseline = Some(rows.into_iter().collect());
        }
        Ok(())
    }

    /// Fails when SQLite ended the open transaction on its own (after an
    /// interrupt, a full disk or an I/O error a data step did not pass on):
    /// what follows would otherwise commit statement by statement.
    async fn still_in_transaction(&self) -> Result<(), DbMessage> {
        if !self.in_transaction {
            return Ok(());
        }
        let open = self.run(|c| Ok(!c.is_autocommit())).await?;
        if open {
            return Ok(());
        }
        Err(DbMessage {
            code: "SQLITE_ABORT".into(),
            message: "SQLite rolled the revision's transaction back (after an interrupt, a full disk or an I/O error that a data step did not pass on)".into(),
            detail: None,
            hint: None,
        })
    }
}

/// Runs a batch rebuild of `rebuild.table`, after checking that the table
/// holds nothing the model does not know (the copy would lose it) and that
/// foreign keys are not enforced (dropping the old table would cascade);
/// the table's triggers the model does not know are read before and created
/// again after (the rebuild itself recreates those it knows).
fn run_rebuild(c: &mut Connection, sql: &str, rebuild: &Rebuild) -> rusqlite::Result<()> {
    let table = &rebuild.table.name;
    let refuse = |message: String| {
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
            Some(message),
        )
    };
    let enforced = c.query_row("PRAGMA foreign_keys", [], |r| r.get::<_, i64>(0))?;
    if enforced != 0 {
        return Err(refuse(format!(
            "foreign keys are enforced on this connection (did raw SQL run PRAGMA foreign_keys = ON?); rebuilding {table} would delete the rows that reference it"
        )));
    }
    let known = |names: &[String], name: &str| names.iter().any(|n| n.eq_ignore_ascii_case(name));
    let column_rows = query(c, "SELECT name FROM pragma_table_info(?1)", [table])?;
    for column in column_rows
        .into_iter()
        .filter_map(|mut r| r.pop().flatten())
    {
        if !known(&rebuild.columns, &column) {
            return Err(refuse(format!(
                "table {table} has a column {column} that the migrations do not know (added by raw SQL?); rebuilding the table would lose it: declare it with add_column in an earlier revision, or drop it first"
            )));
        }
    }
    let index_rows = query(
        c,
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 COLLATE NOCASE AND sql IS NOT NULL",
        [table],
    )?;
    for index in index_rows.into_iter().filter_map(|mut r| r.pop().flatten()) {
        if !known(&rebuild.indexes, &index) {
            return Err(refuse(format!(
                "table {table} has an index {index} that the migrations do not know (created by raw SQL?); rebuilding the table would lose it: declare it with create_index in an earlier revision, or drop it first"
            )));
        }
    }
    let triggers: Vec<String> = query(
        c,
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?1 COLLATE NOCASE AND sql IS NOT NULL ORDER BY name",
        [table],
    )?
    .into_iter()
    .filter_map(|mut row| {
        let sql = row.pop().flatten()?;
        let name = row.pop().flatten()?;
        (!known(&rebuild.triggers, &name)).then_some(sql)
    })
    .collect();
    c.execute_batch(sql)?;
    for trigger in triggers {
        c.execute_batch(&trigger)?;
    }
    Ok(())
}

impl Session for SqliteSession {
    async fn read_catalog(&mut self, config: &RunConfig) -> Result<crate::run::Catalog, RunError> {
        let skip = [
            config.version_table.name.clone(),
            config.history_table.name.clone(),
        ];
        let (schema, unmodelled) = self
            .run(move |c| {
                let skip: Vec<&str> = skip.iter().map(String::as_str).collect();
                super::sqlite_catalog::read_catalog(c, &skip)
            })
            .await
            .map_err(|message| RunError::Database {
                context: "reading the database's catalog".into(),
                message,
            })?;
        Ok(crate::run::Catalog { schema, unmodelled })
    }

    async fn stored_form(
        &mut self,
        schema: &crate::schema::Schema,
    ) -> Result<crate::schema::Schema, RunError> {
        super::sqlite_catalog::stored_form(schema).map_err(|reason| RunError::Database {
            context: "spelling the expected schema as SQLite stores it".into(),
            message: DbMessage {
                code: String::new(),
                message: reason,
                detail: None,
                hint: None,
            },
        })
    }

    const ENGINE: Engine = Engine::Sqlite;

    const CHECK_SQL: &'static str = "PRAGMA foreign_key_check";

    fn create_tables_sql(config: &RunConfig) -> Vec<String> {
        vec![
            version_table_sql(config),
            history_table_sql(
                config,
                "INTEGER PRIMARY KEY",
                "text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                "text",
            ),
        ]
    }

    fn tables_exist_sql(tables: &[&QualifiedName]) -> String {
        let names: Vec<String> = tables
            .iter()
            .map(|t| crate::render::sqlite::quote_literal_sqlite(&t.name))
            .collect();
        format!(
            "SELECT count(DISTINCT name) = {} FROM sqlite_master WHERE type = 'table' AND name IN ({})",
            tables.len(),
            names.join(", ")
        )
    }

    fn is_missing_table(message: &DbMessage) -> bool {
        message.message.starts_with("no such table")
    }

    fn is_lock_not_available(message: &DbMessage) -> bool {
        message.code == "SQLITE_BUSY"
    }

    fn script_prelude() -> Vec<String> {
        // Rebuilding a table must not cascade to the rows that reference it
        // (outside a transaction: SQLite ignores it inside).
        vec!["PRAGMA foreign_keys = OFF".to_owned()]
    }

    fn script_setup_sql(config: &RunConfig) -> Vec<String> {
        // The wait for an application's write lock a live run gives each
        // statement (SQLite has no statement timeout to set).
        vec![format!(
            "PRAGMA busy_timeout = {}",
            busy_timeout(config).as_millis()
        )]
    }

    async fn open(db: &Database, config: &RunConfig) -> Result<Self, RunError> {
        Ok(SqliteSession {
            handle: open(db, config, false).await?,
            in_transaction: false,
            lock: None,
            baseline: None,
        })
    }

    async fn lock(db: &Database, config: &RunConfig) -> Result<Self, RunError> {
        // An in-memory database is private to its connection: nothing to
        // exclude.
        let file = match location_of(db)? {
            Location::Memory => None,
            Location::File(path) => Some(lock_file(db, &path, config).await?),
        };
        let mut session = SqliteSession {
            handle: open(db, config, true).await?,
            in_transaction: false,
            lock: file,
            baseline: None,
        };
        session.handle.statement_timeout = config.statement_timeout;
        Ok(session)
    }

    fn lock_lost(&self) -> Option<String> {
        let (file, path) = self.lock.as_ref()?;
        (!same_file(file, path)).then(|| {
            format!(
                "its lock file {} was removed or replaced while the run held it",
                path.display()
            )
        })
    }

    async fn finish(self) {
        // Dropping the session closes the connection (rolling back whatever
        // is still open) and the lock file (releasing the lock).
    }

    async fn execute(&mut self, sql: &str) -> Result<(), DbMessage> {
        let sql = sql.to_owned();
        self.run(move |c| c.execute_batch(&sql)).await
    }

    async fn query(&mut self, sql: &str) -> Result<Rows, DbMessage> {
        let sql = sql.to_owned();
        self.run(move |c| query(c, &sql, [])).await
    }

    async fn statement(&mut self, statement: &Statement) -> Result<(), DbMessage> {
        if statement.rebuilds.is_some() || statement.effect == Effect::Unknown {
            self.take_baseline().await?;
        }
        let Some(rebuild) = statement.rebuilds.clone() else {
            return self.execute(&statement.sql).await;
        };
        let sql = statement.sql.clone();
        let table = rebuild.table.name.clone();
        self.run(move |c| run_rebuild(c, &sql, &rebuild))
            .await
            .map_err(|mut e| {
                // Name the table, not the temporary one it is copied into.
                let temp = crate::render::sqlite::batch::temporary_name(&table);
                e.message = e.message.replace(&temp, &table);
                e
            })
    }

    async fn statements(&mut self, statements: &[&Statement]) -> Result<(), (usize, DbMessage)> {
        for (i, s) in statements.iter().enumerate() {
            self.still_in_transaction().await.map_err(|e| (i, e))?;
            self.statement(s).await.map_err(|e| (i, e))?;
        }
        Ok(())
    }

    async fn settle(&mut self) -> Result<(), DbMessage> {
        // A Rust data step may write anything.
        self.take_baseline().await
    }

    async fn begin(&mut self) -> Result<(), DbMessage> {
        // IMMEDIATE: the write lock now, waiting up to the busy timeout for
        // an application writing, rather than a deadlock later.
        self.execute("BEGIN IMMEDIATE").await?;
        self.in_transaction = true;
        self.handle.watch.set(true);
        self.baseline = None;
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), DbMessage> {
        self.handle.watch.set(false);
        self.execute("COMMIT").await?;
        self.in_transaction = false;
        Ok(())
    }

    async fn rollback(&mut self) {
        self.handle.watch.set(false);
        if self.in_transaction {
            let _ = self.run(|c| c.execute_batch("ROLLBACK")).await;
            self.in_transaction = false;
        }
    }

    async fn still_in_revision(&mut self) -> Result<bool, DbMessage> {
        if !self.in_transaction {
            return Ok(true);
        }
        let open = self.run(|c| Ok(!c.is_autocommit())).await?;
        Ok(open && !self.handle.watch.ended.load(Ordering::SeqCst))
    }

    fn data_tx(&self) -> DataTx<'_> {
        DataTx::sqlite(&self.handle)
    }

    async fn check(&mut self) -> Result<(), DbMessage> {
        self.still_in_transaction().await?;
        let Some(before) = self.baseline.take() else {
            // Nothing ran that could break a foreign key.
            return Ok(());
        };
        let broken: Vec<Vec<Option<String>>> = self
            .run(|c| query(c, "PRAGMA foreign_key_check", []))
            .await?
            .into_iter()
            .filter(|row| !before.contains(row))
            .collect();
        if broken.is_empty() {
            return Ok(());
        }
        let shown: Vec<String> = broken
            .iter()
            .take(5)
            .map(|row| {
                let cell = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
                format!(
                    "{} (rowid {}) references {} with no such row",
                    cell(0),
                    cell(1),
                    cell(2)
                )
            })
            .collect();
        Err(DbMessage {
            code: "SQLITE_CONSTRAINT".into(),
            message: format!(
                "{} row(s) break a foreign key after the revision: {}{}",
                broken.len(),
                shown.join("; "),
                if broken.len() > shown.len() { "; …" } else { "" }
            ),
            detail: None,
            hint: Some("PRAGMA foreign_key_check lists them all; fix the data in the revision (or an earlier one) and run it again".into()),
        })
    }
}

/// Rows of `sql`, each column as text.
fn query<P: rusqlite::Params>(c: &Connection, sql: &str, params: P) -> rusqlite::Result<Rows> {
    use rusqlite::types::ValueRef;
    let mut statement = c.prepare(sql)?;
    let columns = statement.column_count();
    let mut rows = statement.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(columns);
        for i in 0..columns {
            values.push(match row.get_ref(i)? {
                ValueRef::Null => None,
                ValueRef::Integer(n) => Some(n.to_string()),
                ValueRef::Real(x) => Some(x.to_string()),
                ValueRef::Text(t) | ValueRef::Blob(t) => {
                    Some(String::from_utf8_lossy(t).into_owned())
                }
            });
        }
        out.push(values);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(Location::parse("sqlite::memory:"), Ok(Location::Memory));
        assert_eq!(
            Location::parse("sqlite://data/app.db"),
            Ok(Location::File("data/app.db".into()))
        );
        assert_eq!(
            Location::parse("sqlite:///var/lib/app.db"),
            Ok(Location::File("/var/lib/app.db".into()))
        );
        assert_eq!(
            Location::parse("sqlite:app.db"),
            Ok(Location::File("app.db".into()))
        );
        assert!(
            Location::parse("sqlite://")
                .unwrap_err()
                .contains("names no file")
        );
        assert!(Location::parse("sqlite://a.db?mode=ro").is_err());
    }
}
