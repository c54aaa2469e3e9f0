//! Where the runner connects, and which engine that is.

use super::error::redact;

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
    Pool(deadpool_postgres::Pool),
}

/// The database engines the runner speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// PostgreSQL, the primary target.
    Postgres,
    /// SQLite (bundled), the embedded default.
    Sqlite,
}

impl Engine {
    /// The SQL dialect of the engine.
    pub fn dialect(self) -> &'static dyn crate::render::Dialect {
        match self {
            Engine::Postgres => &crate::render::Postgres,
            Engine::Sqlite => &crate::render::Sqlite,
        }
    }

    /// A string literal in the engine's SQL.
    pub(crate) fn literal(self, text: &str) -> String {
        match self {
            Engine::Postgres => crate::ident::quote_literal(text),
            Engine::Sqlite => crate::render::sqlite::quote_literal_sqlite(text),
        }
    }
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

impl Database {
    /// A human-readable name: the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Database::Url(url) => redact(url),
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

/// Whether `url` names an SQLite database.
pub fn is_sqlite_url(url: &str) -> bool {
    url.get(..7)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("sqlite:"))
}
