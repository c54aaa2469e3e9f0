//! A database of either engine for one test, so that one test body runs on
//! PostgreSQL and on SQLite: `on_both_engines!(name, …)` turns each `async fn
//! name(t: TestTarget)` into the tests `name::postgres` and `name::sqlite`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use migrator_core::run::{Database, Engine, Migrations};
use migrator_core::schema::Schema;
use tokio_postgres::SimpleQueryMessage;

use crate::db::TestDb;

/// Rows of a query, each column as text (`None` for NULL).
pub type Rows = Vec<Vec<Option<String>>>;

/// A fresh database for one test: a PostgreSQL database of its own, or an
/// SQLite file in the temporary directory. Both go when it is dropped.
pub enum TestTarget {
    /// A database on the test server.
    Postgres(Box<TestDb>),
    /// A file, removed (with its journal) on drop.
    Sqlite(SqliteFile),
}

/// An SQLite database file of one test.
pub struct SqliteFile {
    /// Its path.
    pub path: PathBuf,
}

impl SqliteFile {
    /// A path no other test uses; the file does not exist yet.
    pub fn new() -> SqliteFile {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "migrator_test_{}_{}.db",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let file = SqliteFile { path };
        file.remove();
        file
    }

    /// Its `sqlite://` URL.
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }

    /// A connection of the test's own (foreign keys not enforced, as the
    /// runner has them), opened for each use so it holds no lock between.
    pub fn connect(&self) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open(&self.path)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", self.path.display()));
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .expect("a busy timeout");
        // The bundled SQLite enforces foreign keys by default; an application
        // may not, and leave references dangling, which tests need to do.
        conn.execute_batch("PRAGMA foreign_keys = OFF")
            .expect("foreign keys off");
        conn
    }

    fn remove(&self) {
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let mut path = self.path.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Default for SqliteFile {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for SqliteFile {
    fn drop(&mut self) {
        self.remove();
    }
}

impl TestTarget {
    /// A fresh database on `engine`.
    pub async fn new(engine: Engine) -> TestTarget {
        match engine {
            Engine::Postgres => TestTarget::Postgres(Box::new(TestDb::new().await)),
            Engine::Sqlite => TestTarget::Sqlite(SqliteFile::new()),
        }
    }

    /// Its engine.
    pub fn engine(&self) -> Engine {
        match self {
            TestTarget::Postgres(_) => Engine::Postgres,
            TestTarget::Sqlite(_) => Engine::Sqlite,
        }
    }

    /// Its URL.
    pub fn url(&self) -> String {
        match self {
            TestTarget::Postgres(db) => db.url(),
            TestTarget::Sqlite(file) => file.url(),
        }
    }

    /// Its URL as the runner takes it.
    pub fn database(&self) -> Database {
        Database::Url(self.url())
    }

    /// Runs SQL that returns no rows.
    pub async fn execute(&self, sql: &str) {
        match self {
            TestTarget::Postgres(db) => db
                .client
                .batch_execute(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e:?}")),
            TestTarget::Sqlite(file) => file
                .connect()
                .execute_batch(sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
        }
    }

    /// Runs a query; every column comes back as text.
    pub async fn query(&self, sql: &str) -> Rows {
        match self {
            TestTarget::Postgres(db) => db
                .client
                .simple_query(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
                .into_iter()
                .filter_map(|m| match m {
                    SimpleQueryMessage::Row(row) => Some(
                        (0..row.len())
                            .map(|i| row.get(i).map(str::to_owned))
                            .collect(),
                    ),
                    _ => None,
                })
                .collect(),
            TestTarget::Sqlite(file) => {
                let conn = file.connect();
                let mut statement = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
                let columns = statement.column_count();
                statement
                    .query_map([], |row| {
                        (0..columns)
                            .map(|i| {
                                Ok(match row.get_ref(i)? {
                                    rusqlite::types::ValueRef::Null => None,
                                    rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
                                    rusqlite::types::ValueRef::Real(x) => Some(x.to_string()),
                                    rusqlite::types::ValueRef::Text(t)
                                    | rusqlite::types::ValueRef::Blob(t) => {
                                        Some(String::from_utf8_lossy(t).into_owned())
                                    }
                                })
                            })
                            .collect::<rusqlite::Result<Vec<_>>>()
                    })
                    .and_then(Iterator::collect)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        }
    }

    /// The first column of every row, NULL as "NULL".
    pub async fn column(&self, sql: &str) -> Vec<String> {
        self.query(sql)
            .await
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .next()
                    .flatten()
                    .unwrap_or_else(|| "NULL".into())
            })
            .collect()
    }

    /// How the catalog differs from `model`, the runner's own tables aside:
    /// what the product's comparison finds, and what the independent
    /// reader of the engine finds (on SQLite, against the model as the
    /// dialect renders it; the SQLite reader's own check is in its tests).
    pub async fn differences(&self, model: &Schema) -> Vec<String> {
        match self {
            TestTarget::Postgres(db) => crate::catalog::differences(db, model).await,
            TestTarget::Sqlite(file) => {
                let mut out = crate::catalog::product_differences(&self.database(), model).await;
                out.extend(crate::sqlite_catalog::differences(&file.connect(), model));
                out
            }
        }
    }

    /// The version table's rows, in byte order.
    pub async fn version_rows(&self) -> Vec<String> {
        let mut rows = self
            .column("SELECT version_num FROM migrator_version")
            .await;
        rows.sort();
        rows
    }

    /// Asserts that the version table holds `heads` and that the catalog is
    /// the model of `migrations` at them, on this engine.
    pub async fn assert_at(&self, migrations: &Migrations, heads: &[&str]) {
        assert_eq!(self.version_rows().await, heads, "version table");
        self.assert_schema_at(migrations, heads).await;
    }

    /// Asserts that the catalog is the model of `migrations` at `heads`, on
    /// this engine.
    pub async fn assert_schema_at(&self, migrations: &Migrations, heads: &[&str]) {
        let model = migrations
            .schema_on(self.engine(), heads)
            .expect("the model at the heads");
        let diffs = self.differences(&model).await;
        assert!(
            diffs.is_empty(),
            "{:?}: catalog differs at {heads:?}: {diffs:#?}",
            self.engine()
        );
    }
}

/// Turns each `async fn name(t: TestTarget)` into two tests, `name::postgres`
/// and `name::sqlite`, each given a fresh database of its engine.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(
                    $crate::engine::TestTarget::new(migrator_core::run::Engine::Postgres).await,
                )
                .await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(
                    $crate::engine::TestTarget::new(migrator_core::run::Engine::Sqlite).await,
                )
                .await
            }
        }
    )*};
}
