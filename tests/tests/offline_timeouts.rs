//! Offline scripts carry the live run's timeouts: `upgrade --sql` sets
//! `lock_timeout` (and `statement_timeout` when configured) for the
//! script's session on PostgreSQL, as a live run sets them for its own, so
//! a script run by psql behind a lock gives up instead of waiting (and
//! leaves the database at the revision before); on SQLite it sets
//! `PRAGMA busy_timeout`, so a script run behind an application's write
//! waits for it to finish.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use migrator_core::graph::Direction;
use migrator_core::prelude::*;
use migrator_core::registry::Downgrade;
use migrator_core::run::{Migrations, RunConfig, Runner};
use migrator_tests::db::TestDb;
use migrator_tests::engine::SqliteFile;
use migrator_tests::revisions::revision;

fn up_notes(op: &mut Ops) {
    op.create_table("notes", |t| {
        t.column::<i64>("id").primary_key();
    });
}

fn up_body(op: &mut Ops) {
    op.add_column::<Option<String>>("notes", "body");
}

fn migrations() -> Migrations {
    Migrations::new(vec![
        revision("t1", &[], up_notes, Downgrade::Derived),
        revision("t2", &["t1"], up_body, Downgrade::Derived),
    ])
    .unwrap()
}

/// psql running `script` on `url`, given 30 s before it is taken to be
/// waiting for ever.
fn psql(url: &str, script: &str) -> (bool, String) {
    let mut child = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("psql on the PATH (bash scripts/ensure-postgres installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            child.kill().unwrap();
            panic!("psql still waits after 30 s: the script set no lock_timeout");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_postgres_script_gives_up_behind_a_lock_as_a_live_run_does() {
    let db = TestDb::new().await;
    let m = migrations();
    let config = RunConfig::default()
        .with_lock_timeout(Some(Duration::from_millis(300)))
        .with_statement_timeout(Some(Duration::from_secs(60)));
    let runner = Runner::new(&m, config);
    let database = migrator_core::run::Database::Url(db.url());
    runner.upgrade(&database, "t1").await.unwrap();
    let script = runner
        .sql(Engine::Postgres, Direction::Up, "t1:t2")
        .unwrap();
    assert!(
        script.starts_with("SET lock_timeout = 300;\n\nSET statement_timeout = 60000;\n\n"),
        "{script}"
    );

    // An application's open transaction holds a lock on the table.
    let app = db.connect().await;
    app.batch_execute("BEGIN; LOCK TABLE notes IN ACCESS SHARE MODE")
        .await
        .unwrap();
    let (ok, stderr) = psql(&db.url(), &script);
    assert!(!ok, "the script ran behind the lock: {stderr}");
    assert!(
        stderr.contains("canceling statement due to lock timeout"),
        "{stderr}"
    );
    app.batch_execute("ROLLBACK").await.unwrap();
    // The revision's transaction rolled back: the version table says t1.
    let current = runner.current(&database).await.unwrap();
    assert_eq!(current, ["t1"]);

    // Without the lock, the same script runs.
    let (ok, stderr) = psql(&db.url(), &script);
    assert!(ok, "{stderr}");
    assert_eq!(runner.current(&database).await.unwrap(), ["t2"]);
}

#[tokio::test]
async fn a_sqlite_script_waits_for_an_applications_write() {
    let file = SqliteFile::new();
    let m = migrations();
    let config = RunConfig::default().with_lock_timeout(Some(Duration::from_secs(20)));
    let runner = Runner::new(&m, config);
    let database = migrator_core::run::Database::Url(file.url());
    runner.upgrade(&database, "t1").await.unwrap();
    let script = runner.sql(Engine::Sqlite, Direction::Up, "t1:t2").unwrap();
    assert!(
        script.starts_with("PRAGMA foreign_keys = OFF;\n\nPRAGMA busy_timeout = 20000;\n\n"),
        "{script}"
    );

    // An application holds the write lock for a moment.
    let app = file.connect();
    app.execute_batch("BEGIN IMMEDIATE; INSERT INTO notes (id) VALUES (1)")
        .unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        app.execute_batch("COMMIT").unwrap();
    });
    // A connection with no busy timeout of its own, as the sqlite3 shell
    // opens one: the script's pragma makes it wait.
    let conn = rusqlite::Connection::open(&file.path).unwrap();
    conn.busy_timeout(Duration::ZERO).unwrap();
    conn.execute_batch(&script)
        .unwrap_or_else(|e| panic!("the script did not wait for the write: {e}"));
    release.join().unwrap();
    assert_eq!(runner.current(&database).await.unwrap(), ["t2"]);
}
