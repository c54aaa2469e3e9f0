//! Where the runner connects, and which engine that is.

use super::redact::redact;
pub use crate::engine::Engine;

/// Where the runner connects: a connection string, or the pool the
/// application already has.
///
/// A URL starting with `sqlite:` names an SQLite database
/// (`sqlite://relative/path.db`, `sqlite:///absolute/path.db`,
/// `sqlite::memory:`); anything else is PostgreSQL.
///
/// ```
/// use migrator_core::run::{Database, Engine};
///
/// assert_eq!(Database::from("sqlite://app.db").engine(), Engine::Sqlite);
/// assert_eq!(Database::from("postgres://app@db/app").engine(), Engine::Postgres);
/// ```
#[derive(Clone)]
pub enum Database {
    /// A `postgres://` URL or `key=value` connection string (TLS as libpq's
    /// `sslmode` and `sslrootcert` say: see [`connect`](super::connect)), or
    /// an `sqlite:` URL.
    Url(String),
    /// A deadpool-postgres pool; the runner takes two connections from it
    /// (one holds the lock, one does the work) and gives them back.
    #[cfg(feature = "postgres")]
    Pool(deadpool_postgres::Pool),
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Url(url) => write!(f, "Database::Url({})", redact(url)),
            #[cfg(feature = "postgres")]
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

#[cfg(feature = "postgres")]
impl From<deadpool_postgres::Pool> for Database {
    fn from(pool: deadpool_postgres::Pool) -> Self {
        Database::Pool(pool)
    }
}

impl Database {
    /// A human-readable name: the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Database::Url(url) => redact(url),
            #[cfg(feature = "postgres")]
            Database::Pool(_) => "the application's connection pool".to_owned(),
        }
    }

    /// The engine this database runs on.
    pub fn engine(&self) -> Engine {
        match self {
            Database::Url(url) if is_sqlite_url(url) => Engine::Sqlite,
            _ => Engine::Postgres,
        }
    }
}

/// The connection strings migrator reads, for messages.
#[cfg(feature = "postgres")]
const FORMS: &str = "`postgres://host/db`, `postgresql://…` or a `key=value` string such as `host=db dbname=app` for PostgreSQL; `sqlite://path/app.db` (relative), `sqlite:///abs/path/app.db` or `sqlite::memory:` for SQLite";

/// What is wrong with `conn` when it names no engine migrator speaks
/// (`mysql://…`, a bare `app.db`), with the forms that exist; `None` for a
/// string whose engine is known (a malformed `key=value` string is left to
/// the PostgreSQL parser).
#[cfg(feature = "postgres")]
pub(crate) fn unknown_form(conn: &str) -> Option<String> {
    let conn = conn.trim();
    if conn.is_empty() || is_sqlite_url(conn) {
        return None;
    }
    if let Some((scheme, _)) = conn.split_once("://")
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        if scheme == "postgres" || scheme == "postgresql" {
            return None;
        }
        return Some(format!(
            "`{scheme}://` is not a scheme migrator knows: use {FORMS}"
        ));
    }
    if conn.contains('=') {
        return None;
    }
    // Shown without a password: `user:secret@host/db` has no scheme either.
    let shown: String = redact(conn)
        .chars()
        .take(200)
        .flat_map(char::escape_debug)
        .collect();
    let lower = conn.to_ascii_lowercase();
    if [".db", ".sqlite", ".sqlite3"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        return Some(format!(
            "`{shown}` has no scheme: for the SQLite file write `sqlite://{shown}`. Connection strings are {FORMS}"
        ));
    }
    Some(format!("`{shown}` has no scheme: use {FORMS}"))
}

/// Whether `url` names an SQLite database.
pub fn is_sqlite_url(url: &str) -> bool {
    url.get(..7)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("sqlite:"))
}
