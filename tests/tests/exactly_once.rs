//! Each revision is applied exactly once, even when the migration lock
//! fails: the lock session killed mid-run (PostgreSQL), the lock file
//! removed mid-run (SQLite), one SQLite file reached by two paths. The
//! version-table change of each step is a compare-and-set in the step's own
//! transaction, so a second runner that planned from rows another runner
//! has since moved changes nothing and says so; the first runner stops
//! before its next revision once it sees its lock gone.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use migrator_core::ops::DataTx;
use migrator_core::prelude::*;
use migrator_core::registry::Downgrade;
use migrator_core::run::{Database, Engine, Migrations, RunConfig, RunError, Runner};
use migrator_tests::engine::{SqliteFile, TestTarget};
use migrator_tests::on_both_engines;
use migrator_tests::revisions::revision as rev;

on_both_engines!(a_runner_that_lost_its_lock_applies_nothing_twice);

/// Set by the slow data step once it has written its row, per engine.
static ENTERED_PG: AtomicBool = AtomicBool::new(false);
static ENTERED_SQLITE: AtomicBool = AtomicBool::new(false);
static ENTERED_LINKED: AtomicBool = AtomicBool::new(false);

fn up_ledger(op: &mut Ops) {
    op.create_table("ledger", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<String>("note");
    });
}

fn down_ledger(op: &mut Ops) {
    op.drop_table("ledger");
}

/// Inserts one row, raises the flag `flag` picks, and takes two seconds
/// more before the revision commits.
fn insert_slowly(op: &mut Ops, flag: fn(&DataTx<'_>) -> &'static AtomicBool) {
    op.data_step("insert one row slowly", move |tx| {
        Box::pin(async move {
            tx.execute("INSERT INTO ledger (note) VALUES ('once')")
                .await?;
            flag(&tx).store(true, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_secs(2)).await;
            Ok(())
        })
    })
    .reverse(|tx| {
        Box::pin(async move {
            tx.execute("DELETE FROM ledger").await?;
            Ok(())
        })
    });
}

/// The slow insert, flagging per engine.
fn up_slow_insert(op: &mut Ops) {
    insert_slowly(op, |tx| {
        if tx.as_postgres().is_some() {
            &ENTERED_PG
        } else {
            &ENTERED_SQLITE
        }
    });
}

/// The slow insert of the test through a symbolic link.
fn up_linked_insert(op: &mut Ops) {
    insert_slowly(op, |_| &ENTERED_LINKED);
}

fn up_later(op: &mut Ops) {
    op.create_table("later", |t| {
        t.column::<i64>("id").primary_key();
    });
}

/// ledger (r1) → one slow insert (r2) → another table (r3).
fn migrations(slow: fn(&mut Ops)) -> &'static Migrations {
    Box::leak(Box::new(
        Migrations::new(vec![
            rev("r1", &[], up_ledger, Downgrade::Written(down_ledger)),
            rev("r2", &["r1"], slow, Downgrade::Derived),
            rev("r3", &["r2"], up_later, Downgrade::Derived),
        ])
        .expect("a valid graph"),
    ))
}

async fn wait_for(flag: &AtomicBool) {
    for _ in 0..3000 {
        if flag.load(Ordering::SeqCst) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the first runner never reached its data step");
}

async fn a_runner_that_lost_its_lock_applies_nothing_twice(t: TestTarget) {
    let m = migrations(up_slow_insert);
    let url = t.url();
    let first = tokio::spawn({
        let db = Database::Url(url.clone());
        async move {
            Runner::new(m, RunConfig::default())
                .upgrade(&db, "head")
                .await
        }
    });
    let flag = match t.engine() {
        Engine::Postgres => &ENTERED_PG,
        Engine::Sqlite => &ENTERED_SQLITE,
    };
    wait_for(flag).await;

    // The first runner's lock goes while it is inside r2.
    match &t {
        TestTarget::Postgres(db) => {
            let killed = db
                .client
                .query_one(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_locks
                      WHERE locktype = 'advisory' AND granted
                        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                    &[],
                )
                .await
                .unwrap()
                .get::<_, i64>(0);
            assert_eq!(killed, 1, "the first runner's lock session");
        }
        TestTarget::Sqlite(file) => {
            let mut lock = std::fs::canonicalize(&file.path).unwrap().into_os_string();
            lock.push("-migrator.lock");
            std::fs::remove_file(&lock).expect("the first runner's lock file");
        }
    }

    // A second runner now gets the lock, plans from r1 and meets the
    // version table moved by the first when its r2 commits.
    let second = Runner::new(m, RunConfig::default())
        .upgrade(&t.database(), "head")
        .await;
    match second {
        Err(RunError::Moved { revision, planned }) => {
            assert_eq!(revision, "r2");
            assert_eq!(planned, ["r1"]);
        }
        other => panic!("the second runner must find the database moved: {other:?}"),
    }
    // The first runner finished r2, then saw its lock gone and stopped.
    match first.await.unwrap() {
        Err(RunError::LockLost { next, at, .. }) => {
            assert_eq!(next.as_deref(), Some("r3"));
            assert_eq!(at, ["r2"]);
        }
        other => panic!("the first runner must stop before r3: {other:?}"),
    }
    assert_eq!(t.version_rows().await, ["r2"]);
    // A rerun finishes the job.
    Runner::new(m, RunConfig::default())
        .upgrade(&t.database(), "head")
        .await
        .expect("a rerun reaches the head");

    assert_eq!(t.column("SELECT count(*) FROM ledger").await, ["1"]);
    assert_eq!(
        t.column("SELECT count(*) FROM migrator_history WHERE direction = 'up' GROUP BY revision ORDER BY revision")
            .await,
        ["1", "1", "1"],
        "each revision applied once"
    );
    assert_eq!(t.version_rows().await, ["r3"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_one_file_reached_by_two_paths_has_one_lock() {
    let m = migrations(up_linked_insert);
    let file = SqliteFile::new();
    let dir = std::env::temp_dir().join(format!("migrator_link_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("app.db");
    std::os::unix::fs::symlink(&file.path, &link).unwrap();

    let first = tokio::spawn({
        let db = Database::Url(file.url());
        async move {
            Runner::new(m, RunConfig::default())
                .upgrade(&db, "head")
                .await
        }
    });
    wait_for(&ENTERED_LINKED).await;
    let config = RunConfig::default().with_lock_wait(Some(Duration::from_millis(300)));
    let second = Runner::new(m, config)
        .upgrade(
            &Database::Url(format!("sqlite://{}", link.display())),
            "head",
        )
        .await;
    assert!(
        matches!(second, Err(RunError::LockWait { .. })),
        "the path through the link must meet the same lock: {second:?}"
    );
    first.await.unwrap().expect("the first runner finishes");
    assert_eq!(
        file.connect()
            .query_row("SELECT count(*) FROM ledger", [], |r| r.get::<_, i64>(0))
            .unwrap(),
        1
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let mut lock = std::fs::canonicalize(&file.path).unwrap().into_os_string();
    lock.push("-migrator.lock");
    let _ = std::fs::remove_file(lock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_idle_session_timeout_does_not_end_the_lock_session() {
    let t = TestTarget::new(Engine::Postgres).await;
    let TestTarget::Postgres(db) = &t else {
        unreachable!()
    };
    // Every new session of the database is ended after 500 ms idle; the
    // lock's session sits idle for the whole run.
    db.client
        .batch_execute(&format!(
            "ALTER DATABASE \"{}\" SET idle_session_timeout = '500ms'",
            db.name
        ))
        .await
        .unwrap();
    let m = Box::leak(Box::new(
        Migrations::new(vec![
            rev("r1", &[], up_ledger, Downgrade::Written(down_ledger)),
            rev("r2", &["r1"], up_idle_insert, Downgrade::Derived),
            rev("r3", &["r2"], up_later, Downgrade::Derived),
        ])
        .unwrap(),
    ));
    Runner::new(m, RunConfig::default())
        .upgrade(&t.database(), "head")
        .await
        .expect("the run keeps its lock past idle_session_timeout");
    assert_eq!(t.version_rows().await, ["r3"]);
}

/// Inserts a row and waits 1.5 s (the lock session idle meanwhile).
fn up_idle_insert(op: &mut Ops) {
    op.data_step("insert one row, then wait", |tx| {
        Box::pin(async move {
            tx.execute("INSERT INTO ledger (note) VALUES ('once')")
                .await?;
            tokio::time::sleep(Duration::from_millis(1500)).await;
            Ok(())
        })
    })
    .reverse(|tx| {
        Box::pin(async move {
            tx.execute("DELETE FROM ledger").await?;
            Ok(())
        })
    });
}
