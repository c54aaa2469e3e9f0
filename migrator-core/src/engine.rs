//! The database engines: PostgreSQL and SQLite. A leaf that the ops (an
//! op for one engine only), the dialects and the runner share.

/// The database engines migrator speaks to.
///
/// ```
/// use migrator_core::engine::Engine;
/// assert_eq!(Engine::Postgres.name(), "PostgreSQL");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// PostgreSQL, the primary target.
    Postgres,
    /// SQLite (bundled), the embedded default.
    Sqlite,
}

impl Engine {
    /// Its name, for messages: `PostgreSQL`, `SQLite`.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Postgres => "PostgreSQL",
            Engine::Sqlite => "SQLite",
        }
    }

    /// The cargo feature of migrator-core that builds its backend.
    pub fn feature(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Sqlite => "sqlite",
        }
    }

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
