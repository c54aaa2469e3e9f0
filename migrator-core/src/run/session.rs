//! Connections and the migration lock.

use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use tokio_postgres::Client;

use super::error::{RunError, redact};

/// Where the runner connects: a connection string, or the pool the
/// application already has.
#[derive(Clone)]
pub enum Database {
    /// A `postgres://` URL or `key=value` connection string. TLS as libpq's
    /// `sslmode` (default `prefer`) and `sslrootcert` say: see
    /// [`connect`](super::connect).
    Url(String),
    /// A deadpool-postgres pool; the runner takes two connections from it
    /// (one holds the lock, one does the work) and gives them back.
    Pool(deadpool_postgres::Pool),
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Url(url) => write!(f, "Database::Url({})", redact(url)),
            Database::Pool(_) => f.write_str("Database::Pool(..)"),
        }
    }
}

impl From<&str> for Database {
    fn from(url: &str) -> Self {
        Database::Url(url.to_owned())
    }
}

impl From<String> for Database {
    fn from(url: String) -> Self {
        Database::Url(url)
    }
}

impl From<deadpool_postgres::Pool> for Database {
    fn from(pool: deadpool_postgres::Pool) -> Self {
        Database::Pool(pool)
    }
}

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

impl Database {
    /// A human-readable name: the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Database::Url(url) => redact(url),
            Database::Pool(_) => "the application's connection pool".to_owned(),
        }
    }

    pub(crate) async fn connect(&self) -> Result<Conn, RunError> {
        match self {
            Database::Url(url) => super::tls::connect(url).await.map(Conn::Direct),
            Database::Pool(pool) => {
                pool.get()
                    .await
                    .map(Conn::Pooled)
                    .map_err(|e| RunError::Connect {
                        url: self.describe(),
                        message: redact(&e.to_string()),
                        code: match &e {
                            deadpool_postgres::PoolError::Backend(e) => {
                                e.code().map(|c| c.code().to_owned())
                            }
                            _ => None,
                        },
                    })
            }
        }
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
            conn: Some(db.connect().await?),
            key,
        };
        let conn = lock.conn.as_ref().expect("set just above");
        let started = Instant::now();
        let mut delay = Duration::from_millis(20);
        let mut last_note = Instant::now();
        let mut first_note = true;
        loop {
            let granted =
                super::tables::simple_rows(conn, &format!("SELECT pg_try_advisory_lock({key})"))
                    .await
                    .map_err(|e| RunError::db("taking the migration lock", &e))?
                    .first()
                    .is_some_and(|v| v == "t");
            if granted {
                return Ok(lock);
            }
            let holder = holder(conn, key).await;
            if wait.is_some_and(|w| started.elapsed() >= w) {
                // Dropping the guard closes the session.
                return Err(RunError::LockWait {
                    key,
                    holder,
                    waited: started.elapsed(),
                });
            }
            if first_note || last_note.elapsed() >= Duration::from_secs(5) {
                first_note = false;
                tracing::info!(
                    "waiting for the migration lock (advisory lock {key}{}), held by another runner",
                    holder
                        .map(|p| format!(", backend pid {p}"))
                        .unwrap_or_default()
                );
                last_note = Instant::now();
            }
            let remaining = wait.map(|w| w.saturating_sub(started.elapsed()));
            tokio::time::sleep(remaining.map_or(delay, |r| r.min(delay))).await;
            delay = (delay * 2).min(Duration::from_secs(1));
        }
    }

    /// Releases the lock and gives the session back.
    pub(crate) async fn release(mut self) {
        if let Some(conn) = self.conn.take() {
            let sql = format!("SELECT pg_advisory_unlock({})", self.key);
            let unlocked = super::tables::simple_rows(&conn, &sql).await;
            match unlocked.as_deref().map(|r| r.first().map(String::as_str)) {
                Ok(Some("t")) => drop(conn),
                // Whatever happened, closing the session releases the lock.
                _ => conn.discard(),
            }
        }
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
