//! SQLite (bundled): the embedded default. One connection per run, driven
//! on tokio's blocking threads so the runtime never waits on the file.
//!
//! The migration lock is SQLite's own write lock: the run's connection takes
//! it with `BEGIN IMMEDIATE` (polled, as long as `lock_wait` allows) in
//! `PRAGMA locking_mode = EXCLUSIVE`, in which SQLite keeps its locks until
//! the connection closes: the lock lasts the whole run, across the
//! per-revision transactions, and a crashed runner leaves none behind. (With
//! a rollback journal the mode is switched on once the lock is taken; in WAL
//! mode it must be on before the first read.) While a run holds it, other connections to the file
//! can neither write nor read.
//!
//! Foreign keys are not enforced while migrating (`PRAGMA foreign_keys =
//! OFF`, SQLite's own default), so that rebuilding a table never cascades;
//! every revision instead ends with `PRAGMA foreign_key_check`, and one that
//! leaves a dangling reference is rolled back.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode};

use super::{Rows, Session};
use crate::ops::DataTx;
use crate::render::Statement;
use crate::run::config::RunConfig;
use crate::run::database::{Database, Engine};
use crate::run::error::{DbMessage, RunError};

/// Where an `sqlite:` URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// `sqlite::memory:`: a database that lives as long as the connection.
    Memory,
    /// A file, created when missing.
    File(PathBuf),
}

impl Target {
    /// Reads `sqlite://relative/path.db`, `sqlite:///absolute/path.db`,
    /// `sqlite:path.db` or `sqlite::memory:`.
    pub(crate) fn parse(url: &str) -> Result<Target, String> {
        let rest = url.get(7..).unwrap_or_default();
        if rest == ":memory:" || rest == "//:memory:" {
            return Ok(Target::Memory);
        }
        let path = rest.strip_prefix("//").unwrap_or(rest);
        if path.is_empty() {
            return Err("the URL names no file: write sqlite://path/to/app.db (relative), sqlite:///path/to/app.db (absolute) or sqlite::memory:".into());
        }
        if path.contains('?') {
            return Err("query parameters are not supported in sqlite: URLs".into());
        }
        Ok(Target::File(PathBuf::from(path)))
    }
}

/// The connection, shared with the blocking threads that use it.
#[derive(Clone)]
pub(crate) struct Handle {
    conn: Arc<Mutex<Connection>>,
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

/// What SQLite said, as a [`DbMessage`] (`code` is SQLite's primary result
/// code, like `SQLITE_CONSTRAINT`).
pub(crate) fn message(e: &rusqlite::Error) -> DbMessage {
    let (code, message) = match e {
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

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// An SQLite session: one connection; for a run, holding the write lock.
pub(crate) struct SqliteSession {
    handle: Handle,
    in_transaction: bool,
}

/// How long a statement waits for another connection's lock once the run
/// holds the write lock (readers finishing, mostly).
fn busy_timeout(config: &RunConfig) -> Duration {
    config.lock_timeout.unwrap_or(Duration::from_secs(5))
}

async fn open(db: &Database, config: &RunConfig) -> Result<Handle, RunError> {
    let Database::Url(url) = db else {
        unreachable!("a pool is always PostgreSQL");
    };
    let connect_error = |message: String| RunError::Connect {
        url: db.describe(),
        message,
        code: None,
    };
    let target = Target::parse(url).map_err(connect_error)?;
    let busy = busy_timeout(config);
    let opened = tokio::task::spawn_blocking(move || {
        let conn = match &target {
            Target::Memory => Connection::open_in_memory(),
            Target::File(path) => Connection::open(path),
        }?;
        conn.busy_timeout(busy)?;
        // A rebuild turns legacy_alter_table on around its rename; a
        // connection never starts with it left on.
        conn.execute_batch("PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = OFF")?;
        Ok::<_, rusqlite::Error>(conn)
    })
    .await
    .expect("opening an SQLite database does not panic");
    let conn = opened.map_err(|e| connect_error(message(&e).to_string()))?;
    Ok(Handle {
        interrupt: Arc::new(conn.get_interrupt_handle()),
        conn: Arc::new(Mutex::new(conn)),
        statement_timeout: None,
    })
}

impl SqliteSession {
    async fn run<R, F>(&self, f: F) -> Result<R, DbMessage>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        self.handle.call(f).await.map_err(|e| message(&e))
    }
}

impl Session for SqliteSession {
    const ENGINE: Engine = Engine::Sqlite;

    async fn open(db: &Database, config: &RunConfig) -> Result<Self, RunError> {
        Ok(SqliteSession {
            handle: open(db, config).await?,
            in_transaction: false,
        })
    }

    async fn lock(db: &Database, config: &RunConfig) -> Result<Self, RunError> {
        let lock_error = |message| RunError::Database {
            context: "taking the write lock".into(),
            message,
        };
        // In WAL mode, exclusive locking holds only when it is set before the
        // connection first reads the file; with a rollback journal a waiter
        // must not be in it (see below). So look first, on a probe.
        let journal = Self::open(db, config)
            .await?
            .run(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0)))
            .await
            .map_err(lock_error)?;
        let wal = journal.eq_ignore_ascii_case("wal");
        // With a rollback journal, a connection waits in the normal locking
        // mode, which lets go of the read lock between tries, and switches to
        // exclusive mode once it holds the write lock. In WAL mode exclusive
        // locking must be on before the first read, and two waiters in it can
        // each keep the lock the other needs: each try is then a short one on
        // a fresh connection, closed (its locks with it) when it fails.
        let (setup, then, slice) = if wal {
            (
                "PRAGMA locking_mode = EXCLUSIVE",
                "COMMIT",
                Duration::from_millis(100),
            )
        } else {
            (
                "",
                "PRAGMA locking_mode = EXCLUSIVE; COMMIT",
                Duration::from_secs(1),
            )
        };
        let started = Instant::now();
        let mut last_note: Option<Instant> = None;
        loop {
            let remaining = config
                .lock_wait
                .map(|w| w.saturating_sub(started.elapsed()));
            let slice = remaining.map_or(slice, |r| r.min(slice));
            let work_timeout = busy_timeout(config);
            let session = Self::open(db, config).await?;
            let taken = session
                .handle
                .call(move |c| {
                    c.execute_batch(setup)?;
                    c.busy_timeout(slice)?;
                    let taken = c
                        .execute_batch("BEGIN IMMEDIATE")
                        .and_then(|()| c.execute_batch(then));
                    if taken.is_err() && !c.is_autocommit() {
                        let _ = c.execute_batch("ROLLBACK");
                    }
                    c.busy_timeout(work_timeout)?;
                    taken
                })
                .await;
            match taken {
                Ok(()) => {
                    let mut session = session;
                    session.handle.statement_timeout = config.statement_timeout;
                    return Ok(session);
                }
                Err(e) if is_busy(&e) => {
                    drop(session);
                    if remaining.is_some_and(|r| r <= slice) {
                        return Err(RunError::Busy {
                            database: db.describe(),
                            waited: started.elapsed(),
                        });
                    }
                    if last_note.is_none_or(|t| t.elapsed() >= Duration::from_secs(5)) {
                        tracing::info!(
                            "waiting for the write lock on {}, held by another runner or connection",
                            db.describe()
                        );
                        last_note = Some(Instant::now());
                    }
                    if wal {
                        // Waiters that collided try again at different times.
                        let jitter = u64::from(started.elapsed().subsec_nanos() % 100);
                        tokio::time::sleep(Duration::from_millis(jitter)).await;
                    }
                }
                Err(e) => return Err(lock_error(message(&e))),
            }
        }
    }

    async fn finish(self) {
        // Closing the connection (the last handle) releases the lock and
        // rolls back whatever is still open.
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
        let Some(table) = &statement.rebuilds else {
            return self.execute(&statement.sql).await;
        };
        // The model knows the table's columns, keys and indexes, which the
        // rebuild recreates; triggers written in raw SQL it does not know:
        // they are read before and created again after.
        let sql = statement.sql.clone();
        let table = table.name.clone();
        self.run(move |c| {
            let triggers: Vec<String> = query(
                c,
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?1 AND sql IS NOT NULL ORDER BY name",
                [&table],
            )?
            .into_iter()
            .filter_map(|mut row| row.pop().flatten())
            .collect();
            c.execute_batch(&sql)?;
            for trigger in triggers {
                c.execute_batch(&trigger)?;
            }
            Ok(())
        })
        .await
    }

    async fn begin(&mut self) -> Result<(), DbMessage> {
        self.execute("BEGIN").await?;
        self.in_transaction = true;
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), DbMessage> {
        self.execute("COMMIT").await?;
        self.in_transaction = false;
        Ok(())
    }

    async fn rollback(&mut self) {
        if self.in_transaction {
            let _ = self.run(|c| c.execute_batch("ROLLBACK")).await;
            self.in_transaction = false;
        }
    }

    fn data_tx(&self) -> DataTx<'_> {
        DataTx::sqlite(&self.handle)
    }

    async fn check(&mut self) -> Result<(), DbMessage> {
        let broken = self
            .run(|c| query(c, "PRAGMA foreign_key_check", []))
            .await?;
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
        assert_eq!(Target::parse("sqlite::memory:"), Ok(Target::Memory));
        assert_eq!(
            Target::parse("sqlite://data/app.db"),
            Ok(Target::File("data/app.db".into()))
        );
        assert_eq!(
            Target::parse("sqlite:///var/lib/app.db"),
            Ok(Target::File("/var/lib/app.db".into()))
        );
        assert_eq!(
            Target::parse("sqlite:app.db"),
            Ok(Target::File("app.db".into()))
        );
        assert!(
            Target::parse("sqlite://")
                .unwrap_err()
                .contains("names no file")
        );
        assert!(Target::parse("sqlite://a.db?mode=ro").is_err());
    }
}
