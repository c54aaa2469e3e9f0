//! The runner on PostgreSQL alone (what every engine does is in engines.rs):
//! lock, lock timeouts, lost connections, checksums, non-transactional
//! revisions and the pool API.

use std::time::{Duration, Instant};

use migrator_core::graph::Direction;
use migrator_core::prelude::*;
use migrator_core::registry::Downgrade;
use migrator_core::run::{Database, Engine, Migrations, RunConfig, RunError, Runner};
use migrator_core::schema::Schema;
use migrator_tests::catalog::differences;
use migrator_tests::db::TestDb;
use migrator_tests::revisions::{
    chain, down_people, down_users, revision as rev, up_people, up_users,
};

fn up_concurrent_index(op: &mut Ops) {
    op.create_index("users", ["email"])
        .named("ix_users_email_c")
        .concurrently();
}
fn down_concurrent_index(op: &mut Ops) {
    op.drop_index("ix_users_email_c").concurrently();
}
fn up_mixed(op: &mut Ops) {
    op.add_column::<Option<i32>>("users", "n");
    op.create_index("users", ["n"]).concurrently();
}
fn up_slow(op: &mut Ops) {
    op.add_column::<Option<i32>>("users", "slow");
    op.execute("SELECT pg_sleep(30)").reverse("SELECT 1");
}

fn model_at(migrations: &Migrations, heads: &[&str]) -> Schema {
    migrations.schema_at(heads).unwrap()
}

/// The model plus the runner's own two tables, as the catalog should show.
async fn assert_at(db: &TestDb, migrations: &Migrations, heads: &[&str]) {
    let rows: Vec<String> = db
        .client
        .query("SELECT version_num FROM migrator_version ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(rows, heads, "version table");
    let diffs = differences(db, &model_at(migrations, heads)).await;
    assert!(diffs.is_empty(), "catalog differs at {heads:?}: {diffs:#?}");
}

/// Advisory locks held in the test's database.
async fn advisory_locks(db: &TestDb) -> i64 {
    db.client
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_connection_leaves_a_consistent_revision_and_no_lock() {
    let db = TestDb::new().await;
    let url = format!("{}?application_name=migrator_victim", db.url());
    let m = Migrations::new(vec![
        rev("a1", &[], up_users, Downgrade::Written(down_users)),
        rev("s2", &["a1"], up_slow, Downgrade::Derived),
    ])
    .unwrap();
    let killer = {
        let client = db.connect().await;
        let name = db.name.clone();
        tokio::spawn(async move {
            // Wait until the runner sits in pg_sleep, then cut its connection.
            for _ in 0..200 {
                let killed: i64 = client
                    .query_one(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                         WHERE datname = $1 AND application_name = 'migrator_victim' AND query LIKE '%pg_sleep%'",
                        &[&name],
                    )
                    .await
                    .unwrap()
                    .get(0);
                if killed > 0 {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            false
        })
    };
    let runner = Runner::new(&m, RunConfig::default());
    let err = runner
        .upgrade(&url.clone().into(), "head")
        .await
        .unwrap_err();
    assert!(killer.await.unwrap(), "the runner never reached pg_sleep");
    assert!(
        err.to_string()
            .contains("Nothing of revision s2 was applied"),
        "{err}"
    );
    assert_at(&db, &m, &["a1"]).await;
    let locks = advisory_locks(&db).await;
    assert_eq!(locks, 0, "no migration lock is left behind");
}

#[tokio::test]
async fn non_transactional_revisions_run_and_mixing_is_refused() {
    let db = TestDb::new().await;
    let url: Database = db.url().into();
    let m = Migrations::new(vec![
        rev("a1", &[], up_users, Downgrade::Written(down_users)),
        rev(
            "c2",
            &["a1"],
            up_concurrent_index,
            Downgrade::Written(down_concurrent_index),
        ),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    runner.upgrade(&url, "head").await.unwrap();
    assert_at(&db, &m, &["c2"]).await;
    runner.downgrade(&url, "a1").await.unwrap();
    assert_at(&db, &m, &["a1"]).await;

    let mixed = Migrations::new(vec![
        rev("a1", &[], up_users, Downgrade::Written(down_users)),
        rev("m2", &["a1"], up_mixed, Downgrade::Derived),
    ])
    .unwrap();
    let err = Runner::new(&mixed, RunConfig::default())
        .upgrade(&url, "head")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "revision m2 mixes create_index ix_users_n on users, which cannot run inside a transaction, \
         with add_column users.n, which must; move one of them to a revision of its own"
    );
    assert_at(&db, &m, &["a1"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_timeout_is_retried_with_backoff() {
    let db = TestDb::new().await;
    let url: Database = db.url().into();
    let m = chain();
    let runner = Runner::new(
        &m,
        RunConfig::default()
            .with_lock_timeout(Some(Duration::from_millis(100)))
            .with_lock_retries(5),
    );
    runner.upgrade(&url, "b2").await.unwrap();
    // Another session holds users in ACCESS EXCLUSIVE mode for 700 ms.
    let blocker = db.connect().await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let started = Instant::now();
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        blocker.batch_execute("COMMIT").await.unwrap();
    });
    runner.upgrade(&url, "head").await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "it waited for the blocker"
    );
    release.await.unwrap();
    assert_at(&db, &m, &["c3"]).await;

    // With no retries left, the error says what PostgreSQL said.
    let strict = Runner::new(
        &m,
        RunConfig::default()
            .with_lock_timeout(Some(Duration::from_millis(50)))
            .with_lock_retries(1),
    );
    let blocker = db.connect().await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let err = strict.downgrade(&url, "b2").await.unwrap_err();
    assert!(
        err.to_string()
            .contains("canceling statement due to lock timeout (SQLSTATE 55P03)"),
        "{err}"
    );
    blocker.batch_execute("ROLLBACK").await.unwrap();
}

#[tokio::test]
async fn a_second_runner_gives_up_after_lock_wait_unless_there_is_nothing_to_do() {
    let db = TestDb::new().await;
    let url: Database = db.url().into();
    let m = chain();
    let config = RunConfig::default().with_lock_wait(Some(Duration::from_millis(300)));
    let holder = db.connect().await;
    holder
        .query_one("SELECT pg_advisory_lock($1)", &[&config.lock_key()])
        .await
        .unwrap();
    let err = Runner::new(&m, config.clone())
        .upgrade(&url, "head")
        .await
        .unwrap_err();
    assert!(matches!(err, RunError::LockWait { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("another runner holds the migration lock"),
        "{err}"
    );
    assert!(err.to_string().contains("held by backend pid"), "{err}");
    // A database already at the target needs no lock: the deploy-time no-op
    // reads the version table on one session and is done, lock or not.
    holder
        .query_one("SELECT pg_advisory_unlock($1)", &[&config.lock_key()])
        .await
        .unwrap();
    Runner::new(&m, RunConfig::default())
        .upgrade(&url, "head")
        .await
        .unwrap();
    holder
        .query_one("SELECT pg_advisory_lock($1)", &[&config.lock_key()])
        .await
        .unwrap();
    let report = Runner::new(&m, config.clone())
        .upgrade(&url, "head")
        .await
        .unwrap();
    assert!(report.steps.is_empty());
    // Anything to do waits for the lock (and here gives up).
    let err = Runner::new(&m, config)
        .downgrade(&url, "-1")
        .await
        .unwrap_err();
    assert!(matches!(err, RunError::LockWait { .. }), "{err:?}");
}

#[tokio::test]
async fn the_pool_api_shares_the_code_path() {
    let db = TestDb::new().await;
    let config: tokio_postgres::Config = db.url().parse().unwrap();
    let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
    let pool = deadpool_postgres::Pool::builder(manager)
        .max_size(4)
        .build()
        .unwrap();
    let m = chain();
    let runner = Runner::new(&m, RunConfig::default());
    let db_pool: Database = pool.clone().into();
    runner.upgrade(&db_pool, "heads").await.unwrap();
    assert_eq!(runner.current(&db_pool).await.unwrap(), ["c3"]);
    runner.downgrade(&db_pool, "base").await.unwrap();
    assert!(runner.current(&db_pool).await.unwrap().is_empty());
    // Both connections went back to the pool, and no lock is held.
    assert_eq!(pool.status().size - pool.status().available, 0);
    let locks = advisory_locks(&db).await;
    assert_eq!(locks, 0);
}

#[test]
fn offline_sql_has_transactions_and_version_statements() {
    let m = Migrations::new(vec![
        rev("a1", &[], up_users, Downgrade::Written(down_users)),
        rev(
            "c2",
            &["a1"],
            up_concurrent_index,
            Downgrade::Written(down_concurrent_index),
        ),
    ])
    .unwrap();
    let sql = Runner::new(&m, RunConfig::default())
        .sql(Engine::Postgres, Direction::Up, "base:head")
        .unwrap();
    let a1 = sql.find("-- Running upgrade  -> a1").expect("a1's header");
    let c2 = sql
        .find("-- Running upgrade a1 -> c2")
        .expect("c2's header");
    assert!(a1 < c2);
    assert!(sql[a1..c2].contains("BEGIN;\n\nCREATE TABLE \"users\""));
    assert!(sql[a1..c2].contains("INSERT INTO \"migrator_version\" (version_num) VALUES ('a1');"));
    assert!(sql[c2..].starts_with("-- Running upgrade a1 -> c2, c2\n\nCREATE INDEX CONCURRENTLY"));
    assert!(
        sql[c2..].contains(
            "UPDATE \"migrator_version\" SET version_num = 'c2' WHERE version_num = 'a1';"
        )
    );
    let down = Runner::new(&m, RunConfig::default())
        .sql(Engine::Postgres, Direction::Down, "c2:base")
        .unwrap();
    assert!(down.contains("DROP INDEX CONCURRENTLY \"ix_users_email_c\""));
    assert!(down.contains("DELETE FROM \"migrator_version\" WHERE version_num = 'a1';"));
}

fn up_many_tables(op: &mut Ops) {
    for i in 0..700 {
        op.create_table(format!("t_{i}").as_str(), |t| {
            t.column::<i64>("id").identity().primary_key();
            t.column::<String>("name");
        });
    }
}

#[tokio::test]
/// (All or nothing on both engines is in engines.rs.)
async fn single_transaction_mode_knows_its_limits() {
    let db = TestDb::new().await;
    let url: Database = db.url().into();
    let single = RunConfig::default().with_single_transaction(true);
    // It refuses a revision that cannot run in a transaction, before running anything.
    let concurrent = Migrations::new(vec![
        rev("a1", &[], up_users, Downgrade::Written(down_users)),
        rev(
            "c2",
            &["a1"],
            up_concurrent_index,
            Downgrade::Written(down_concurrent_index),
        ),
    ])
    .unwrap();
    let err = Runner::new(&concurrent, single.clone())
        .upgrade(&url, "head")
        .await
        .unwrap_err();
    assert!(matches!(err, RunError::Mixed { .. }), "{err:?}");
    assert_at(&db, &concurrent, &[]).await;

    // It estimates the locks it would hold until COMMIT and refuses a plan
    // that would exhaust the server's lock table (max_locks_per_transaction).
    let many = Migrations::new(vec![rev("m1", &[], up_many_tables, Downgrade::Derived)]).unwrap();
    let err = Runner::new(&many, single.clone())
        .upgrade(&url, "head")
        .await
        .unwrap_err();
    assert!(matches!(err, RunError::TooManyLocks { .. }), "{err:?}");
    assert!(err.to_string().contains("nothing was run"), "{err}");

    // And when it fits, it runs.
    let m = chain();
    let report = Runner::new(&m, single).upgrade(&url, "head").await.unwrap();
    assert_eq!(report.steps.len(), 3);
    assert_at(&db, &m, &["c3"]).await;
}

fn up_unique_names(op: &mut Ops) {
    op.create_index("people", ["name"])
        .named("ix_people_name")
        .unique()
        .concurrently();
}
fn down_unique_names(op: &mut Ops) {
    op.drop_index("ix_people_name").concurrently();
}

#[tokio::test]
async fn an_interrupted_concurrent_index_is_rebuilt_or_kept_on_rerun() {
    let db = TestDb::new().await;
    let url: Database = db.url().into();
    let m = Migrations::new(vec![
        rev("a1", &[], up_people, Downgrade::Written(down_people)),
        rev(
            "u2",
            &["a1"],
            up_unique_names,
            Downgrade::Written(down_unique_names),
        ),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    runner.upgrade(&url, "a1").await.unwrap();
    db.client
        .batch_execute("INSERT INTO people (name) VALUES ('ann'), ('ann')")
        .await
        .unwrap();
    // The build fails on the duplicate and leaves an INVALID index behind,
    // as a killed runner would.
    let err = runner.upgrade(&url, "head").await.unwrap_err();
    assert!(
        matches!(
            err,
            RunError::Statement {
                transactional: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("could not create unique index"),
        "{err}"
    );
    assert!(
        !db.index_is_valid("ix_people_name").await,
        "the failed build left an INVALID index"
    );
    db.client
        .batch_execute("DELETE FROM people WHERE id = (SELECT max(id) FROM people)")
        .await
        .unwrap();
    // The rerun drops the INVALID index and builds it again.
    runner.upgrade(&url, "head").await.unwrap();
    assert_at(&db, &m, &["u2"]).await;

    // A run interrupted after the build but before the version table moved
    // left a valid index: the rerun keeps it and records the revision.
    runner.downgrade(&url, "a1").await.unwrap();
    db.client
        .batch_execute("CREATE UNIQUE INDEX ix_people_name ON people (name)")
        .await
        .unwrap();
    runner.upgrade(&url, "head").await.unwrap();
    assert_at(&db, &m, &["u2"]).await;
    // And a drop that already happened is not an error either.
    db.client
        .batch_execute("DROP INDEX ix_people_name")
        .await
        .unwrap();
    runner.downgrade(&url, "a1").await.unwrap();
    assert_at(&db, &m, &["a1"]).await;
}

#[tokio::test]
async fn a_missing_privilege_is_named_and_nothing_is_recorded() {
    let db = TestDb::new().await;
    let role = format!("{}_nopriv", db.name);
    db.client
        .batch_execute(&format!(
            "CREATE ROLE \"{role}\" LOGIN;
             REVOKE CREATE ON SCHEMA public FROM PUBLIC;
             GRANT USAGE ON SCHEMA public TO \"{role}\";"
        ))
        .await
        .unwrap();
    let m = chain();
    // The owner creates the runner's tables; the role may only write them.
    Runner::new(&m, RunConfig::default())
        .stamp(&db.url().into(), "base", false)
        .await
        .unwrap();
    db.client
        .batch_execute(&format!(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON migrator_version, migrator_history TO \"{role}\""
        ))
        .await
        .unwrap();
    let url = db.url().replacen("postgres@", &format!("{role}@"), 1);
    let err = Runner::new(&m, RunConfig::default())
        .upgrade(&url.into(), "head")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("permission denied for schema public (SQLSTATE 42501)"),
        "{text}"
    );
    assert!(text.contains("HINT: the database role lacks a privilege: creating objects needs CREATE on their schema"), "{text}");
    assert!(
        text.contains("Nothing of revision a1 was applied; the database is at base"),
        "{text}"
    );
    let rows: i64 = db
        .client
        .query_one("SELECT count(*) FROM migrator_version", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 0, "nothing is recorded as applied");
    db.client
        .batch_execute(&format!("DROP OWNED BY \"{role}\"; DROP ROLE \"{role}\""))
        .await
        .unwrap();
}

fn up_fill_disk(op: &mut Ops) {
    op.add_column::<Option<String>>("users", "note");
    op.execute("CREATE TABLE filler (x text) TABLESPACE migrator_test_tiny")
        .reverse("DROP TABLE filler");
    op.execute(
        "INSERT INTO filler SELECT repeat(md5(g::text), 40) FROM generate_series(1, 20000) g",
    )
    .reverse("DELETE FROM filler");
}

/// A full disk: a tablespace on a 1 MiB tmpfs fills up in the middle of a
/// revision. The error is PostgreSQL's, the revision is rolled back, nothing
/// is recorded. Mounting needs root, which the test script and CI have.
#[tokio::test]
async fn a_full_disk_rolls_the_revision_back() {
    let dir = "/tmp/migrator-test-tiny-tablespace";
    let run = |cmd: &str, args: &[&str]| {
        std::process::Command::new(cmd)
            .args(args)
            .status()
            .unwrap_or_else(|e| panic!("{cmd}: {e}"))
            .success()
    };
    std::fs::create_dir_all(dir).unwrap();
    // Left mounted by an earlier run that failed half way, perhaps.
    let _ = std::process::Command::new("umount")
        .arg(dir)
        .stderr(std::process::Stdio::null())
        .status();
    assert!(
        run("mount", &["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]),
        "mounting a 1 MiB tmpfs needs root: run the tests as root (`bash scripts/test`, as CI does)"
    );
    assert!(run("chown", &["postgres:postgres", dir]));
    let db = TestDb::new().await;
    db.client
        .batch_execute("DROP TABLESPACE IF EXISTS migrator_test_tiny")
        .await
        .unwrap();
    db.client
        .batch_execute(&format!(
            "CREATE TABLESPACE migrator_test_tiny LOCATION '{dir}'"
        ))
        .await
        .unwrap();
    let m = Migrations::new(vec![
        rev("a1", &[], up_users, Downgrade::Written(down_users)),
        rev("d2", &["a1"], up_fill_disk, Downgrade::Derived),
    ])
    .unwrap();
    let err = Runner::new(&m, RunConfig::default())
        .upgrade(&db.url().into(), "head")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, RunError::Statement { .. }), "{err:?}");
    assert!(
        text.contains("No space left on device") && text.contains("SQLSTATE 53100"),
        "{text}"
    );
    assert!(
        text.contains("Nothing of revision d2 was applied; the database is at a1"),
        "{text}"
    );
    assert_at(&db, &m, &["a1"]).await;
    db.client
        .batch_execute("DROP TABLESPACE migrator_test_tiny")
        .await
        .unwrap();
    drop(db);
    assert!(run("umount", &[dir]));
}
