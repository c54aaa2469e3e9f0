//! What the runner does when a revision, the server or the setup goes
//! wrong in a way that used to pass unnoticed or hang: raw SQL that ends
//! the revision's transaction, a data step that panics, a server that
//! accepts a connection and never answers, a version table locked by
//! someone else, a role whose search_path is empty, and a read-only verb
//! pointed at an SQLite file that does not exist.

use std::time::{Duration, Instant};

use migrator_core::prelude::*;
use migrator_core::registry::Downgrade;
use migrator_core::run::{DataStepError, Database, Migrations, RunConfig, RunError, Runner};
use migrator_tests::cli::run_cli;
use migrator_tests::db::TestDb;
use migrator_tests::engine::{SqliteFile, TestTarget};
use migrator_tests::on_both_engines;
use migrator_tests::revisions::revision as rev;

on_both_engines!(
    raw_sql_that_ends_the_transaction_is_caught_and_said,
    a_data_step_that_panics_is_rolled_back_and_reported,
);

fn up_notes(op: &mut Ops) {
    op.create_table("notes", |t| {
        t.column::<i64>("id").primary_key();
    });
}

fn down_notes(op: &mut Ops) {
    op.drop_table("notes");
}

/// One revision, a1: the notes table.
fn notes() -> Migrations {
    Migrations::new(vec![rev(
        "a1",
        &[],
        up_notes,
        Downgrade::Written(down_notes),
    )])
    .expect("a valid graph")
}

/// A column, then raw SQL that commits half way, then a failing statement.
fn up_commits(op: &mut Ops) {
    op.add_column::<Option<String>>("notes", "body");
    op.execute("INSERT INTO notes (id) VALUES (1); COMMIT")
        .reverse("DELETE FROM notes");
    op.execute("INSERT INTO no_such_table VALUES (1)")
        .reverse("SELECT 1");
}

async fn raw_sql_that_ends_the_transaction_is_caught_and_said(t: TestTarget) {
    let db = t.database();
    let m = Migrations::new(vec![
        rev("w001", &[], up_notes, Downgrade::Written(down_notes)),
        rev("w002", &["w001"], up_commits, Downgrade::Derived),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    runner.upgrade(&db, "w001").await.unwrap();
    let err = runner.upgrade(&db, "head").await.unwrap_err();
    let message = err.to_string();
    assert!(
        !message.contains("Nothing of revision w002 was applied")
            || matches!(t, TestTarget::Sqlite(_)),
        "{message}"
    );
    match &t {
        TestTarget::Postgres(_) => {
            // PostgreSQL committed what came before the COMMIT: said so,
            // and the failing statement after it never ran.
            let RunError::TransactionEnded {
                revision, sql, at, ..
            } = &err
            else {
                panic!("the transaction's end must be caught: {err:?}");
            };
            assert_eq!(revision, "w002");
            assert!(sql.contains("COMMIT"), "{sql}");
            assert_eq!(at, &["w001"]);
            assert!(message.contains("stamp w002"), "{message}");
            assert!(!message.contains("no_such_table"), "{message}");
            assert_eq!(t.column("SELECT count(*) FROM notes").await, ["1"]);
            assert_eq!(
                t.column(
                    "SELECT count(*) FROM information_schema.columns WHERE table_name = 'notes' AND column_name = 'body'"
                )
                .await,
                ["1"],
                "committed by the revision's own COMMIT"
            );
        }
        TestTarget::Sqlite(_) => {
            // SQLite refuses the revision's COMMIT (commit hook) and rolls
            // the whole revision back: nothing half-applied.
            assert!(
                message.contains("tried to end its transaction"),
                "{message}"
            );
            assert!(
                message.contains("Nothing of revision w002 was applied; the database is at w001"),
                "{message}"
            );
            assert_eq!(t.column("SELECT count(*) FROM notes").await, ["0"]);
            assert_eq!(
                t.column("SELECT count(*) FROM pragma_table_info('notes') WHERE name = 'body'")
                    .await,
                ["0"]
            );
        }
    }
    assert_eq!(t.version_rows().await, ["w001"]);
}

fn up_panics(op: &mut Ops) {
    op.add_column::<Option<i32>>("notes", "rank");
    op.data_step("panics after writing", |tx| {
        Box::pin(async move {
            tx.execute("INSERT INTO notes (id) VALUES (7)").await?;
            let ranks: Vec<i32> = Vec::new();
            // A bug in a data migration: an index out of bounds.
            let _ = ranks[usize::from(ranks.is_empty())];
            Ok(())
        })
    });
}

async fn a_data_step_that_panics_is_rolled_back_and_reported(t: TestTarget) {
    let db = t.database();
    let m = Migrations::new(vec![
        rev("p1", &[], up_notes, Downgrade::Written(down_notes)),
        rev("p2", &["p1"], up_panics, Downgrade::Derived),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    runner.upgrade(&db, "p1").await.unwrap();
    let err = runner.upgrade(&db, "head").await.unwrap_err();
    let RunError::DataStep {
        revision,
        step,
        error: DataStepError::Panicked(message),
        at,
    } = &err
    else {
        panic!("a panic must be reported like a failing step: {err:?}");
    };
    assert_eq!(revision, "p2");
    assert_eq!(step, "panics after writing");
    assert!(message.starts_with("index out of bounds"), "{message}");
    assert!(
        err.to_string().contains(
            "data step \"panics after writing\" failed: it panicked: index out of bounds"
        ),
        "{err}"
    );
    assert_eq!(at, &["p1"]);
    t.assert_at(&m, &["p1"]).await;
    assert_eq!(t.column("SELECT count(*) FROM notes").await, ["0"]);
    // The runner is usable again: the lock was released.
    runner.downgrade(&db, "base").await.unwrap();
    assert!(t.version_rows().await.is_empty());
}

#[tokio::test]
async fn a_server_that_never_answers_is_given_up_on_within_connect_timeout() {
    // Accepts connections, reads nothing, answers nothing.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let m = notes();
    let runner = Runner::new(&m, RunConfig::default());
    let db = Database::Url(format!(
        "postgres://postgres@127.0.0.1:{port}/x?connect_timeout=1&sslmode=disable"
    ));
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(30), runner.current(&db))
        .await
        .expect("the runner must give up on its own, not hang");
    let err = result.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let message = err.to_string();
    assert!(
        message.contains(&format!(
            "127.0.0.1:{port} did not finish the connection's start-up"
        )),
        "{message}"
    );
    assert!(message.contains("connect_timeout"), "{message}");
    silent.abort();
}

#[tokio::test]
async fn reading_the_version_table_behind_a_lock_gives_up_after_lock_timeout() {
    let test = TestDb::new().await;
    let m = notes();
    let db = Database::Url(test.url());
    Runner::new(&m, RunConfig::default())
        .upgrade(&db, "head")
        .await
        .unwrap();
    let holder = test.connect().await;
    holder
        .batch_execute("BEGIN; LOCK TABLE migrator_version IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let config = RunConfig::default().with_lock_timeout(Some(Duration::from_millis(500)));
    let runner = Runner::new(&m, config);
    for verb in ["current", "upgrade"] {
        let started = Instant::now();
        let run = async {
            match verb {
                "current" => runner.current(&db).await.map(|_| ()),
                _ => runner.upgrade(&db, "head").await.map(|_| ()),
            }
        };
        let result = tokio::time::timeout(Duration::from_secs(20), run)
            .await
            .unwrap_or_else(|_| panic!("`{verb}` waited behind the lock"));
        let err = result.unwrap_err();
        let message = err.to_string();
        assert!(message.contains("lock timeout"), "{verb}: {message}");
        assert!(
            message.contains("another session holds a lock"),
            "{verb}: {message}"
        );
        assert!(started.elapsed() < Duration::from_secs(5), "{verb}");
    }
    holder.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(runner.current(&db).await.unwrap(), ["a1"]);
}

#[tokio::test]
async fn an_empty_search_path_is_said_not_taken_for_base() {
    let test = TestDb::new().await;
    let m = notes();
    let db = Database::Url(test.url());
    let runner = Runner::new(&m, RunConfig::default());
    runner.upgrade(&db, "head").await.unwrap();
    test.client
        .batch_execute(&format!(
            "ALTER DATABASE \"{}\" SET search_path = ''",
            test.name
        ))
        .await
        .unwrap();
    let err = runner.current(&db).await.unwrap_err();
    assert!(matches!(err, RunError::NoSchema { .. }), "{err:?}");
    assert!(err.to_string().contains("search_path"), "{err}");
    // With the schema named, it is found.
    let config = RunConfig::default()
        .with_version_table(migrator_core::ident::QualifiedName::new(
            "public",
            "migrator_version",
        ))
        .with_history_table(migrator_core::ident::QualifiedName::new(
            "public",
            "migrator_history",
        ));
    assert_eq!(Runner::new(&m, config).current(&db).await.unwrap(), ["a1"]);
}

#[tokio::test]
async fn a_read_only_verb_never_creates_an_sqlite_file() {
    let file = SqliteFile::new();
    let m = notes();
    let runner = Runner::new(&m, RunConfig::default());
    let db = Database::Url(file.url());
    let err = runner.current(&db).await.unwrap_err();
    assert!(matches!(err, RunError::NoDatabase { .. }), "{err:?}");
    assert!(
        err.to_string().contains("there is no SQLite database at"),
        "{err}"
    );
    assert!(
        !file.path.exists(),
        "current created {}",
        file.path.display()
    );
    assert!(runner.changed(&db).await.is_err());
    assert!(!file.path.exists());
    // A run creates it.
    runner.upgrade(&db, "head").await.unwrap();
    assert!(file.path.exists());
    assert_eq!(runner.current(&db).await.unwrap(), ["a1"]);
}

fn up_people_rows(op: &mut Ops) {
    op.create_table("people", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<String>("name");
    });
    op.execute("INSERT INTO people (name) SELECT 'p' || g FROM generate_series(1, 100) g")
        .reverse("DELETE FROM people");
}

fn down_people_rows(op: &mut Ops) {
    op.drop_table("people");
}

/// A PostgreSQL database at a1 (100 people), and the migrations a1 → `id`
/// (upgrading with `up`).
async fn people_then(id: &'static str, up: fn(&mut Ops)) -> (TestDb, Database, Migrations) {
    let test = TestDb::new().await;
    let db = Database::Url(test.url());
    let m = Migrations::new(people_revisions(id, up)).unwrap();
    Runner::new(&m, RunConfig::default())
        .upgrade(&db, "a1")
        .await
        .unwrap();
    (test, db, m)
}

fn people_revisions(
    id: &'static str,
    up: fn(&mut Ops),
) -> Vec<migrator_core::registry::Registered> {
    vec![
        rev(
            "a1",
            &[],
            up_people_rows,
            Downgrade::Written(down_people_rows),
        ),
        rev(id, &["a1"], up, Downgrade::Derived),
    ]
}

fn up_name_index(op: &mut Ops) {
    op.create_index("people", ["name"])
        .named("ix_people_name")
        .concurrently();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_index_build_still_running_from_a_killed_run_is_waited_for_not_dropped() {
    let (test, db, m) = people_then("i2", up_name_index).await;
    // An open write keeps a concurrent build waiting after it has made the
    // (INVALID) index: what an earlier run's backend looks like while its
    // build goes on after its client was killed.
    let writer = test.connect().await;
    writer
        .batch_execute("BEGIN; INSERT INTO people (name) VALUES ('w')")
        .await
        .unwrap();
    let builder = test.connect().await;
    let build = tokio::spawn(async move {
        builder
            .batch_execute("CREATE INDEX CONCURRENTLY ix_people_name ON people (name)")
            .await
    });
    let mut seen = false;
    for _ in 0..500 {
        let n: i64 = test
            .client
            .query_one(
                "SELECT count(*) FROM pg_stat_progress_create_index WHERE index_relid = to_regclass('ix_people_name')",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if n == 1 {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(seen, "the concurrent build never showed up");

    let impatient = RunConfig::default().with_lock_wait(Some(Duration::from_millis(600)));
    let err = Runner::new(&m, impatient)
        .upgrade(&db, "head")
        .await
        .unwrap_err();
    assert!(matches!(err, RunError::BuildInProgress { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("index ix_people_name is still being built by backend pid")
            && message.contains("pg_cancel_backend"),
        "{message}"
    );
    // Nothing was dropped: the build goes on, and once the write ends it
    // finishes; a rerun keeps the index it built.
    writer.batch_execute("COMMIT").await.unwrap();
    build.await.unwrap().unwrap();
    Runner::new(&m, RunConfig::default())
        .upgrade(&db, "head")
        .await
        .unwrap();
    assert!(test.index_is_valid("ix_people_name").await);
    assert_eq!(
        Runner::new(&m, RunConfig::default())
            .current(&db)
            .await
            .unwrap(),
        ["i2"]
    );
}

fn up_moods(op: &mut Ops) {
    op.create_enum("mood", ["ok", "sad"]);
    op.create_table("days", |t| {
        t.column::<i64>("id").primary_key();
        t.column_as("mood", ColumnType::enumeration("mood"));
    });
}

fn down_moods(op: &mut Ops) {
    op.drop_table("days");
    op.drop_enum("mood");
}

/// Adds a value and uses it at once (as a column default).
fn up_meh_used(op: &mut Ops) {
    op.add_enum_value("mood", "meh");
    op.alter_column("days", "mood").set_default("meh");
}

fn up_meh(op: &mut Ops) {
    op.add_enum_value("mood", "meh");
}

fn up_meh_default(op: &mut Ops) {
    op.alter_column("days", "mood").set_default("meh");
}

on_both_engines!(a_new_enum_value_used_in_its_own_revision_is_refused_on_postgres);

async fn a_new_enum_value_used_in_its_own_revision_is_refused_on_postgres(t: TestTarget) {
    let db = t.database();
    let together = Migrations::new(vec![
        rev("e1", &[], up_moods, Downgrade::Written(down_moods)),
        rev(
            "e2",
            &["e1"],
            up_meh_used,
            Downgrade::Irreversible("adds an enum value"),
        ),
    ])
    .unwrap();
    let runner = Runner::new(&together, RunConfig::default());
    runner.upgrade(&db, "e1").await.unwrap();
    let result = runner.upgrade(&db, "head").await;
    match &t {
        TestTarget::Postgres(_) => {
            let err = result.unwrap_err();
            let message = err.to_string();
            assert!(
                message.starts_with("revision e2: alter_column days.mood uses the enum value 'meh' that add_enum_value mood \"meh\" adds in the same transaction"),
                "{message}"
            );
            assert!(
                message.contains("55P04") && message.contains("revision of its own"),
                "{message}"
            );
            // Refused before anything ran.
            assert_eq!(t.version_rows().await, ["e1"]);
            // Split in two revisions, it runs.
            let split = Migrations::new(vec![
                rev("e1", &[], up_moods, Downgrade::Written(down_moods)),
                rev(
                    "e2",
                    &["e1"],
                    up_meh,
                    Downgrade::Irreversible("adds an enum value"),
                ),
                rev("e3", &["e2"], up_meh_default, Downgrade::Derived),
            ])
            .unwrap();
            Runner::new(&split, RunConfig::default())
                .upgrade(&db, "head")
                .await
                .unwrap();
            t.assert_at(&split, &["e3"]).await;
            // One transaction for both is refused the same way.
            let single = RunConfig::default().with_single_transaction(true);
            let err = Runner::new(&split, single)
                .sql(
                    migrator_core::run::Engine::Postgres,
                    migrator_core::graph::Direction::Up,
                    "e1:head",
                )
                .unwrap_err();
            assert!(err.to_string().contains("in one transaction"), "{err}");
        }
        TestTarget::Sqlite(_) => {
            // SQLite has no such rule: the revision runs as written.
            result.unwrap();
            t.assert_at(&together, &["e2"]).await;
        }
    }
}

fn up_people_nickname(op: &mut Ops) {
    op.add_column::<Option<String>>("people", "nickname");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_timeout_past_its_retries_names_who_holds_the_lock() {
    let (test, db, m) = people_then("n2", up_people_nickname).await;
    let holder = test.connect().await;
    for sql in [
        "SET application_name = 'report_job'",
        "BEGIN",
        "SELECT count(*) FROM people",
    ] {
        holder.batch_execute(sql).await.unwrap();
    }
    let config = RunConfig::default()
        .with_lock_timeout(Some(Duration::from_millis(200)))
        .with_lock_retries(1);
    let err = Runner::new(&m, config)
        .upgrade(&db, "head")
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("lock timeout"), "{message}");
    assert!(
        message.contains("held by pid ")
            && message.contains(" of report_job (idle in transaction, AccessShareLock on people): SELECT count(*) FROM people"),
        "{message}"
    );
    assert!(message.contains("gave up after 1 retry"), "{message}");
    assert!(message.contains("--lock-retries"), "{message}");

    // The CLI takes the retry count.
    let url = test.url();
    let config = migrator_core::cli::CliConfig::default()
        .with_revisions(people_revisions("n2", up_people_nickname));
    let out = run_cli(
        &[
            "--database-url",
            url.as_str(),
            "--lock-timeout",
            "0.2",
            "--lock-retries",
            "0",
            "upgrade",
        ],
        &config,
    )
    .await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("gave up after 0 retries"),
        "{}",
        out.stderr
    );
    holder.batch_execute("COMMIT").await.unwrap();
}

#[tokio::test]
async fn on_sqlite_a_huge_lock_timeout_from_an_application_is_clamped_not_a_panic() {
    let file = SqliteFile::new();
    let m = notes();
    let config = RunConfig::default().with_lock_timeout(Some(Duration::from_secs(3_000_000_000)));
    let db = Database::Url(file.url());
    Runner::new(&m, config).upgrade(&db, "head").await.unwrap();
    assert_eq!(
        Runner::new(&m, RunConfig::default())
            .current(&db)
            .await
            .unwrap(),
        ["a1"]
    );
}
