//! One PostgreSQL database per test, created on start and dropped at the end.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio_postgres::{Client, Config, NoTls};

/// The variable that points the tests at a server.
pub const URL_VAR: &str = "MIGRATOR_TEST_DATABASE_URL";
/// The server the tests use when the variable is not set.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn admin_config() -> Config {
    let url = std::env::var(URL_VAR).unwrap_or_else(|_| DEFAULT_URL.to_owned());
    url.parse()
        .unwrap_or_else(|e| panic!("{URL_VAR} is not a valid PostgreSQL URL: {e}"))
}

async fn connect(config: &Config) -> Client {
    let (client, connection) = config.connect(NoTls).await.unwrap_or_else(|e| {
        panic!(
            "cannot reach the test PostgreSQL ({e}).\n\
             Start it with `pg_ctlcluster --skip-systemctl-redirect 15 main start` \
             (or run `bash scripts/ensure-postgres`), or point {URL_VAR} at a server."
        )
    });
    tokio::spawn(async move {
        // The connection ends when the client is dropped or the database goes.
        let _ = connection.await;
    });
    client
}

/// A database of its own for one test; dropped when this value is.
pub struct TestDb {
    /// The database's name.
    pub name: String,
    /// A connection to it.
    pub client: Client,
    config: Config,
}

impl TestDb {
    /// Creates a fresh, uniquely named database and connects to it.
    pub async fn new() -> TestDb {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "migrator_test_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let admin = admin_config();
        let client = connect(&admin).await;
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let mut config = admin.clone();
        config.dbname(&name);
        let client = connect(&config).await;
        TestDb {
            name,
            client,
            config,
        }
    }

    /// A connection URL for this database (the server's URL with its name).
    pub fn url(&self) -> String {
        let server = std::env::var(URL_VAR).unwrap_or_else(|_| DEFAULT_URL.to_owned());
        let (base, query) = match server.split_once('?') {
            Some((b, q)) => (b.to_owned(), format!("?{q}")),
            None => (server.clone(), String::new()),
        };
        let scheme_end = base.find("://").map_or(0, |i| i + 3);
        let path_start = base[scheme_end..]
            .find('/')
            .map_or(base.len(), |i| scheme_end + i);
        format!("{}/{}{query}", &base[..path_start], self.name)
    }

    /// The same database with a new main connection (after a server restart).
    pub async fn reconnect(mut self) -> TestDb {
        self.client = connect(&self.config).await;
        self
    }

    /// Whether the index `name` is valid (`pg_index.indisvalid`); panics
    /// when there is no such index.
    pub async fn index_is_valid(&self, name: &str) -> bool {
        self.client
            .query_one(
                "SELECT indisvalid FROM pg_index WHERE indexrelid = $1::text::regclass",
                &[&name],
            )
            .await
            .unwrap_or_else(|e| panic!("index {name}: {e}"))
            .get(0)
    }

    /// Another connection to the same database.
    pub async fn connect(&self) -> Client {
        connect(&self.config).await
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime; use a thread with its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the test database");
            runtime.block_on(async {
                let client = connect(&admin_config()).await;
                client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!("could not drop test database {}", self.name),
        }
    }
}
