//! The runner end to end, one test body per behaviour, run on PostgreSQL and
//! on SQLite (`name::postgres`, `name::sqlite`): stepping up and down with
//! the catalog checked against the model, every target form on the example
//! application, offline SQL, a failing statement, checksums, concurrent
//! runners, data kept through table rebuilds, Rust data steps.

use migrator_core::graph::Direction;
use migrator_core::prelude::*;
use migrator_core::registry::Downgrade;
use migrator_core::run::{DataStepError, Engine, Migrations, RunConfig, RunError, Runner};
use migrator_tests::engine::TestTarget;
use migrator_tests::on_both_engines;
use migrator_tests::revisions::{
    chain, down_people, down_users, revision as rev, up_bio, up_failing, up_people, up_posts,
    up_users,
};

// Links the example application, and with it the revisions it registers.
use example_app as _;

on_both_engines!(
    up_and_down_one_step_at_a_time_matches_the_model,
    the_example_takes_every_target_form_and_keeps_its_rows,
    the_offline_script_gives_what_the_online_run_gives,
    a_failing_statement_rolls_its_revision_back,
    a_changed_revision_is_reported_not_rerun,
    eight_runners_at_once_apply_each_revision_once,
    rebuilding_a_table_keeps_its_rows_and_its_children,
    a_rust_data_step_runs_in_the_revision_transaction,
    single_transaction_mode_is_all_or_nothing,
    a_statement_over_statement_timeout_is_stopped_and_rolled_back,
    the_failing_statement_of_a_batch_is_the_one_named,
);

fn up_posts_changed(op: &mut Ops) {
    op.create_table("posts", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<i64>("user_id").references("users", "id");
        t.column::<String>("headline");
    });
}

async fn up_and_down_one_step_at_a_time_matches_the_model(t: TestTarget) {
    let db = t.database();
    let m = chain();
    let runner = Runner::new(&m, RunConfig::default());
    for (target, heads) in [("+1", ["a1"]), ("+1", ["b2"]), ("+1", ["c3"])] {
        runner.upgrade(&db, target).await.unwrap();
        t.assert_at(&m, &heads).await;
    }
    let done = runner.upgrade(&db, "head").await.unwrap();
    assert!(done.steps.is_empty());
    for (target, heads) in [("-1", vec!["b2"]), ("-1", vec!["a1"]), ("base", vec![])] {
        runner.downgrade(&db, target).await.unwrap();
        t.assert_at(&m, &heads).await;
    }
    let history = t
        .query("SELECT revision, direction FROM migrator_history ORDER BY id")
        .await;
    let history: Vec<String> = history
        .into_iter()
        .map(|r| format!("{} {}", r[0].as_deref().unwrap(), r[1].as_deref().unwrap()))
        .collect();
    assert_eq!(
        history,
        ["a1 up", "b2 up", "c3 up", "c3 down", "b2 down", "a1 down"]
    );
    assert!(runner.current(&db).await.unwrap().is_empty());
}

const STUDENTS: &str = "1975ea83b712";
const FEES: &str = "ae1027a6acf4";
const DESCRIPTION: &str = "27c6a30d7c24";
const PAYMENTS: &str = "5d2be4c1a9f0";
const MARK_LATE: &str = "c41e7a9b3d25";
const MERGE: &str = "e7b94f2a6c18";
const HEAD: &str = "3f8a2c61d9e4";

/// The example application's revisions (linked into this test binary).
fn example() -> Migrations {
    Migrations::registered().expect("the example's revisions form a graph")
}

async fn the_example_takes_every_target_form_and_keeps_its_rows(t: TestTarget) {
    let db = t.database();
    let m = example();
    let runner = Runner::new(&m, RunConfig::default());
    let up = |target: &'static str| {
        let runner = &runner;
        let db = &db;
        async move { runner.upgrade(db, target).await.unwrap() }
    };
    up("1975ea").await; // a unique prefix
    t.assert_at(&m, &[STUDENTS]).await;
    up("+1").await;
    t.assert_at(&m, &[FEES]).await;
    // Rows written now must come through every later revision.
    t.execute(
        "INSERT INTO students (name, email) VALUES ('Ada', 'ada@example.org');
         INSERT INTO fees (student_id, amount, status, due_date)
           VALUES (1, 120.50, 'overdue', '2020-01-31'), (1, 80.00, 'pending', '2020-02-28'),
                  (1, 15.00, 'pending', '2999-12-31')",
    )
    .await;
    up("payments").await; // a branch label
    t.assert_at(&m, &[PAYMENTS]).await;
    up(MARK_LATE).await; // a second head, renaming an enum value on the way
    t.assert_at(&m, &[PAYMENTS, MARK_LATE]).await;
    let statuses = t.column("SELECT status FROM fees ORDER BY id").await;
    assert_eq!(
        statuses,
        ["late", "late", "pending"],
        "renamed, then marked"
    );
    up("heads").await;
    t.assert_at(&m, &[HEAD]).await;
    // The data migration with a parameter described every fee.
    let described = t.column("SELECT DISTINCT description FROM fees").await;
    assert_eq!(described, ["tuition (before descriptions)"]);
    // And the updated_at trigger runs on this engine.
    t.execute("UPDATE fees SET updated_at = '2000-01-01' WHERE id = 1")
        .await;
    t.execute("UPDATE fees SET status = status WHERE id = 1")
        .await;
    let touched = t
        .column("SELECT CASE WHEN updated_at > '2001-01-01' THEN 'yes' ELSE 'no' END FROM fees WHERE id = 1")
        .await;
    assert_eq!(touched, ["yes"]);
    let down = |target: &'static str| {
        let runner = &runner;
        let db = &db;
        async move { runner.downgrade(db, target).await.unwrap() }
    };
    down(MERGE).await;
    t.assert_at(&m, &[MERGE]).await;
    let described = t
        .column("SELECT count(*) FROM fees WHERE description IS NULL")
        .await;
    assert_eq!(described, ["3"], "the data migration's reverse");
    down(MARK_LATE).await; // a full id: undoes the merge, two heads again
    t.assert_at(&m, &[PAYMENTS, MARK_LATE]).await;
    down("c41e7a9b3d25-2").await; // relative to a revision: walks its own line
    t.assert_at(&m, &[PAYMENTS]).await;
    down(DESCRIPTION).await;
    t.assert_at(&m, &[DESCRIPTION]).await;
    let statuses = t.column("SELECT status FROM fees ORDER BY id").await;
    // The data step's reverse marks every past-due late fee pending again
    // (the one that was overdue included: that reverse is lossy, on purpose).
    assert_eq!(statuses, ["pending", "pending", "pending"]);
    let amounts = t
        .column("SELECT CAST(amount * 100 AS INTEGER) FROM fees ORDER BY id")
        .await;
    assert_eq!(amounts, ["12050", "8000", "1500"]);
    down("-2").await;
    t.assert_at(&m, &[STUDENTS]).await;
    assert_eq!(t.column("SELECT name FROM students").await, ["Ada"]);
    down("base").await;
    t.assert_at(&m, &[]).await;
    // An unknown target is an error that changes nothing.
    let err = runner.upgrade(&db, "nope").await.unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    t.assert_at(&m, &[]).await;
}

async fn the_offline_script_gives_what_the_online_run_gives(t: TestTarget) {
    let m = chain();
    let runner = Runner::new(&m, RunConfig::default());
    let script = runner.sql(t.engine(), Direction::Up, "base:head").unwrap();
    assert!(
        script.contains("-- Running upgrade b2 -> c3, c3"),
        "{script}"
    );
    t.execute(&script).await;
    t.assert_at(&m, &["c3"]).await;
    // The database the script made is one the runner takes over.
    let db = t.database();
    assert!(runner.upgrade(&db, "head").await.unwrap().steps.is_empty());
    let down = runner.sql(t.engine(), Direction::Down, "c3:a1").unwrap();
    t.execute(&down).await;
    t.assert_at(&m, &["a1"]).await;
}

async fn a_failing_statement_rolls_its_revision_back(t: TestTarget) {
    let db = t.database();
    let m = Migrations::new(vec![
        rev("a1", &[], up_users, Downgrade::Written(down_users)),
        rev("f2", &["a1"], up_failing, Downgrade::Derived),
    ])
    .unwrap();
    let err = Runner::new(&m, RunConfig::default())
        .upgrade(&db, "head")
        .await
        .unwrap_err();
    assert!(matches!(err, RunError::Statement { .. }), "{err:?}");
    let said = match t.engine() {
        Engine::Postgres => "relation \"no_such_table\" does not exist (SQLSTATE 42P01)",
        Engine::Sqlite => "no such table: no_such_table (SQLITE_ERROR)",
    };
    assert_eq!(
        err.to_string(),
        format!(
            "revision f2 failed at execute \"INSERT INTO no_such_table VALUES (1)\":\n  \
             INSERT INTO no_such_table VALUES (1)\n{said}\n\
             Nothing of revision f2 was applied; the database is at a1"
        )
    );
    // a1 stays applied; nothing of f2 (its column, its index) remains.
    t.assert_at(&m, &["a1"]).await;
}

async fn a_changed_revision_is_reported_not_rerun(t: TestTarget) {
    let db = t.database();
    let before = Migrations::new(vec![
        rev("a1", &[], up_users, Downgrade::Written(down_users)),
        rev("b2", &["a1"], up_posts, Downgrade::Derived),
    ])
    .unwrap();
    Runner::new(&before, RunConfig::default())
        .upgrade(&db, "head")
        .await
        .unwrap();
    let after = Migrations::new(vec![
        rev("a1", &[], up_users, Downgrade::Written(down_users)),
        rev("b2", &["a1"], up_posts_changed, Downgrade::Derived),
        rev("c3", &["b2"], up_bio, Downgrade::Derived),
    ])
    .unwrap();
    let runner = Runner::new(&after, RunConfig::default());
    let err = runner.upgrade(&db, "head").await.unwrap_err();
    let RunError::Changed { revision, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(revision, "b2");
    assert!(err.to_string().contains("--accept-changed"), "{err}");
    assert_eq!(t.version_rows().await, ["b2"], "nothing ran");
    let changed = runner.changed(&db).await.unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].revision, "b2");
    // Accepted, the upgrade goes on from where the database is.
    let accepting = Runner::new(&after, RunConfig::default().with_accept_changed(true));
    let report = accepting.upgrade(&db, "head").await.unwrap();
    assert_eq!(report.steps.len(), 1);
}

async fn eight_runners_at_once_apply_each_revision_once(t: TestTarget) {
    let m: &'static Migrations = Box::leak(Box::new(chain()));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let db = t.database();
        tasks.push(tokio::spawn(async move {
            Runner::new(m, RunConfig::default())
                .upgrade(&db, "heads")
                .await
                .map(|r| r.steps.len())
        }));
    }
    let mut applied = 0;
    for task in tasks {
        applied += task.await.unwrap().unwrap();
    }
    assert_eq!(applied, 3, "the three revisions ran once in all");
    let ups = t
        .column("SELECT count(*) FROM migrator_history WHERE direction = 'up'")
        .await;
    assert_eq!(ups, ["3"]);
    t.assert_at(m, &["c3"]).await;
}

fn up_accounts(op: &mut Ops) {
    op.create_table("accounts", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<String>("code");
        t.column::<Option<i32>>("balance");
    });
    op.create_index("accounts", ["code"]).unique();
    op.create_table("entries", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<i64>("account_id")
            .references("accounts", "id")
            .on_delete(RefAction::Cascade);
        t.column::<String>("memo");
    });
}
fn down_accounts(op: &mut Ops) {
    op.drop_table("entries");
    op.drop_table("accounts");
}
/// Everything SQLite's ALTER TABLE cannot do to a parent table with rows.
fn up_reshape(op: &mut Ops) {
    op.alter_column("accounts", "balance")
        .set_type(ColumnType::BigInt)
        .set_nullable(false)
        .set_default(0_i64);
    op.alter_column("accounts", "code")
        .set_type(ColumnType::varchar(20));
    op.add_check("accounts", "accounts_balance_positive", "balance >= 0");
}
fn down_reshape(op: &mut Ops) {
    op.drop_constraint("accounts", "accounts_balance_positive");
    op.alter_column("accounts", "code")
        .set_type(ColumnType::Text);
    op.alter_column("accounts", "balance")
        .set_type(ColumnType::Integer)
        .set_nullable(true)
        .drop_default();
}

/// accounts and entries (a1), then everything SQLite cannot alter in place (r2).
fn accounts_then_reshape() -> Migrations {
    Migrations::new(vec![
        rev("a1", &[], up_accounts, Downgrade::Written(down_accounts)),
        rev("r2", &["a1"], up_reshape, Downgrade::Written(down_reshape)),
    ])
    .unwrap()
}

async fn rebuilding_a_table_keeps_its_rows_and_its_children(t: TestTarget) {
    let db = t.database();
    let m = accounts_then_reshape();
    let runner = Runner::new(&m, RunConfig::default());
    runner.upgrade(&db, "a1").await.unwrap();
    let mut insert = String::new();
    for i in 1..=500 {
        insert.push_str(&format!(
            "INSERT INTO accounts (code, balance) VALUES ('acct-{i}', {});\n\
             INSERT INTO entries (account_id, memo) VALUES ({i}, 'first of {i}'), ({i}, 'second of {i}');\n",
            i * 10
        ));
    }
    t.execute(&insert).await;
    let accounts = "SELECT id || ':' || code || ':' || balance FROM accounts ORDER BY id";
    let entries = "SELECT id || ':' || account_id || ':' || memo FROM entries ORDER BY id";
    let before_accounts = t.column(accounts).await;
    let before_entries = t.column(entries).await;
    assert_eq!(before_accounts.len(), 500);
    assert_eq!(before_entries.len(), 1000);
    runner.upgrade(&db, "head").await.unwrap();
    t.assert_at(&m, &["r2"]).await;
    assert_eq!(t.column(accounts).await, before_accounts);
    assert_eq!(t.column(entries).await, before_entries, "no child row lost");
    runner.downgrade(&db, "a1").await.unwrap();
    t.assert_at(&m, &["a1"]).await;
    assert_eq!(t.column(accounts).await, before_accounts);
    assert_eq!(t.column(entries).await, before_entries, "no child row lost");
    // A row that breaks the new CHECK stops the revision, which is rolled back.
    t.execute("UPDATE accounts SET balance = -1 WHERE id = 7")
        .await;
    let err = runner.upgrade(&db, "head").await.unwrap_err();
    assert!(matches!(err, RunError::Statement { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("Nothing of revision r2 was applied"),
        "{err}"
    );
    t.assert_at(&m, &["a1"]).await;
    assert_eq!(t.column(entries).await, before_entries);
}

fn up_backfill(op: &mut Ops) {
    op.add_column::<Option<String>>("users", "handle");
    op.data_step("backfill handles", |tx| {
        Box::pin(async move {
            let n = tx
                .execute("UPDATE users SET handle = 'h-' || email WHERE handle IS NULL")
                .await?;
            if n != 2 {
                return Err(format!("expected 2 users, updated {n}").into());
            }
            Ok(())
        })
    })
    .reverse(|tx| {
        Box::pin(async move {
            tx.execute("UPDATE users SET handle = NULL").await?;
            Ok(())
        })
    });
}
fn up_failing_step(op: &mut Ops) {
    op.add_column::<Option<i32>>("users", "rank");
    op.data_step("fails after writing", |tx| {
        Box::pin(async move {
            tx.execute("UPDATE users SET rank = 1").await?;
            Err(std::io::Error::other("the data step gives up").into())
        })
    });
}

async fn a_rust_data_step_runs_in_the_revision_transaction(t: TestTarget) {
    let db = t.database();
    let m = Migrations::new(vec![
        rev("a1", &[], up_users, Downgrade::Written(down_users)),
        rev("d2", &["a1"], up_backfill, Downgrade::Derived),
        rev("e3", &["d2"], up_failing_step, Downgrade::Derived),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    runner.upgrade(&db, "a1").await.unwrap();
    t.execute("INSERT INTO users (email) VALUES ('a@x'), ('b@x')")
        .await;
    runner.upgrade(&db, "d2").await.unwrap();
    assert_eq!(
        t.column("SELECT handle FROM users ORDER BY id").await,
        ["h-a@x", "h-b@x"]
    );
    let err = runner.upgrade(&db, "e3").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "revision e3: data step \"fails after writing\" failed: the data step gives up\n\
         Nothing of revision e3 was applied; the database is at d2"
    );
    // The step's own error is kept, as the error's source.
    let RunError::DataStep {
        error: DataStepError::Failed(inner),
        ..
    } = &err
    else {
        panic!("a failing data step is RunError::DataStep: {err:?}");
    };
    assert!(
        inner.downcast_ref::<std::io::Error>().is_some(),
        "{inner:?}"
    );
    assert!(std::error::Error::source(&err).is_some());
    t.assert_at(&m, &["d2"]).await;
    runner.downgrade(&db, "a1").await.unwrap();
    t.assert_at(&m, &["a1"]).await;
    assert_eq!(t.column("SELECT count(*) FROM users").await, ["2"]);
}

fn up_gin(op: &mut Ops) {
    op.add_column::<Option<String>>("users", "bio");
    op.create_index("users", ["bio"]).using(IndexMethod::Gin);
}

/// What only PostgreSQL can do is refused when the plan is rendered, before
/// the first statement runs: the error names the revision, the op and the
/// dialect.
#[tokio::test]
async fn on_sqlite_a_postgres_only_op_stops_the_plan_before_anything_runs() {
    let t = TestTarget::new(Engine::Sqlite).await;
    let m = Migrations::new(vec![
        rev("a1", &[], up_users, Downgrade::Written(down_users)),
        rev("g2", &["a1"], up_gin, Downgrade::Derived),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let err = runner.upgrade(&t.database(), "head").await.unwrap_err();
    assert!(matches!(err, RunError::Invalid { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with(
            "revision g2: create_index ix_users_bio on users is not supported on SQLite: "
        ),
        "{message}"
    );
    // Not even a1, which SQLite could run, was applied: the plan stopped whole.
    assert_eq!(
        runner.current(&t.database()).await.unwrap(),
        Vec::<String>::new()
    );
    // Offline, the same refusal.
    let offline = runner
        .sql(Engine::Sqlite, Direction::Up, "base:head")
        .unwrap_err();
    assert_eq!(offline.to_string(), message);
}

/// In WAL mode SQLite's locks behave otherwise (exclusive locking must be on
/// before the first read): the same eight runners, on a WAL database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_in_wal_mode_eight_runners_apply_each_revision_once() {
    let t = TestTarget::new(Engine::Sqlite).await;
    assert_eq!(t.column("PRAGMA journal_mode = WAL").await, ["wal"]);
    eight_runners_at_once_apply_each_revision_once(t).await;
}

async fn single_transaction_mode_is_all_or_nothing(t: TestTarget) {
    let db = t.database();
    let single = RunConfig::default().with_single_transaction(true);
    let failing = Migrations::new(vec![
        rev("a1", &[], up_users, Downgrade::Written(down_users)),
        rev("f2", &["a1"], up_failing, Downgrade::Derived),
    ])
    .unwrap();
    let err = Runner::new(&failing, single.clone())
        .upgrade(&db, "head")
        .await
        .unwrap_err();
    assert!(matches!(err, RunError::Statement { .. }), "{err:?}");
    // Not even a1 stayed: the plan was one transaction.
    t.assert_at(&failing, &[]).await;
    let m = chain();
    let report = Runner::new(&m, single.clone())
        .upgrade(&db, "head")
        .await
        .unwrap();
    assert_eq!(report.steps.len(), 3);
    t.assert_at(&m, &["c3"]).await;
    Runner::new(&m, single)
        .downgrade(&db, "base")
        .await
        .unwrap();
    t.assert_at(&m, &[]).await;
}

fn up_slow_query(op: &mut Ops) {
    op.add_column::<Option<i32>>("users", "slow");
    // Minutes of work on either engine, unless something stops it.
    op.execute(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) \
         SELECT count(*) FROM c",
    )
    .reverse("SELECT 1");
}

async fn a_statement_over_statement_timeout_is_stopped_and_rolled_back(t: TestTarget) {
    let db = t.database();
    let m = Migrations::new(vec![
        rev("a1", &[], up_users, Downgrade::Written(down_users)),
        rev("s2", &["a1"], up_slow_query, Downgrade::Derived),
    ])
    .unwrap();
    let config =
        RunConfig::default().with_statement_timeout(Some(std::time::Duration::from_millis(300)));
    let err = Runner::new(&m, config)
        .upgrade(&db, "head")
        .await
        .unwrap_err();
    let RunError::Statement {
        revision, message, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(revision, "s2");
    let expected = match t.engine() {
        Engine::Postgres => ("57014", "canceling statement due to statement timeout"),
        Engine::Sqlite => ("SQLITE_INTERRUPT", "interrupted"),
    };
    assert_eq!((message.code.as_str(), message.message.as_str()), expected);
    t.assert_at(&m, &["a1"]).await;
}

/// Three statements the runner may send in one round trip; the second fails
/// on the rows, the third would not.
fn up_unique_names(op: &mut Ops) {
    op.add_column::<Option<String>>("people", "nick");
    op.create_index("people", ["name"]).unique();
    op.create_index("people", ["nick"]);
}

async fn the_failing_statement_of_a_batch_is_the_one_named(t: TestTarget) {
    let db = t.database();
    let m = Migrations::new(vec![
        rev("p1", &[], up_people, Downgrade::Written(down_people)),
        rev("u2", &["p1"], up_unique_names, Downgrade::Derived),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    runner.upgrade(&db, "p1").await.unwrap();
    t.execute("INSERT INTO people (name) VALUES ('ann'), ('bob'), ('ann')")
        .await;
    let err = runner.upgrade(&db, "head").await.unwrap_err();
    let RunError::Statement {
        revision,
        op,
        sql,
        message,
        at,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(revision, "u2");
    assert_eq!(op, "create_index ix_people_name on people");
    assert_eq!(
        sql,
        "CREATE UNIQUE INDEX \"ix_people_name\" ON \"people\" (\"name\")"
    );
    match t.engine() {
        Engine::Postgres => {
            assert_eq!(message.code, "23505");
            assert_eq!(
                message.detail.as_deref(),
                Some("Key (name)=(ann) is duplicated.")
            );
        }
        Engine::Sqlite => {
            assert_eq!(message.code, "SQLITE_CONSTRAINT");
            assert_eq!(message.message, "UNIQUE constraint failed: people.name");
        }
    }
    assert_eq!(at, &["p1"]);
    t.assert_at(&m, &["p1"]).await;
    // With the duplicate gone the same revision applies, and the history
    // row says how long it took.
    t.execute("DELETE FROM people WHERE id = 3").await;
    runner.upgrade(&db, "head").await.unwrap();
    t.assert_at(&m, &["u2"]).await;
    let took = t
        .column("SELECT duration_ms FROM migrator_history WHERE revision = 'u2'")
        .await;
    assert!(
        took.len() == 1 && took[0].parse::<i64>().is_ok_and(|ms| ms >= 0),
        "{took:?}"
    );
}

/// The migration lock is a lock file: an application's connection, idle
/// (in WAL mode it keeps a shared lock on the database file) or writing
/// between revisions, does not stop a run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_an_idle_application_connection_does_not_block_a_run() {
    let t = TestTarget::new(Engine::Sqlite).await;
    let TestTarget::Sqlite(file) = &t else {
        unreachable!("an SQLite target")
    };
    let app = file.connect();
    app.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
        .unwrap();
    app.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .unwrap();
    let m = chain();
    let runner = Runner::new(
        &m,
        RunConfig::default().with_lock_wait(Some(std::time::Duration::from_secs(10))),
    );
    runner.upgrade(&t.database(), "head").await.unwrap();
    t.assert_at(&m, &["c3"]).await;
    drop(app);
}

/// A rebuild copies the columns the model knows: a table that has more
/// (added by raw SQL outside the migrations) is refused, its rows intact.
#[tokio::test]
async fn on_sqlite_a_rebuild_refuses_a_table_holding_what_the_model_does_not_know() {
    let t = TestTarget::new(Engine::Sqlite).await;
    let db = t.database();
    let m = accounts_then_reshape();
    let runner = Runner::new(&m, RunConfig::default());
    runner.upgrade(&db, "a1").await.unwrap();
    t.execute(
        "ALTER TABLE accounts ADD COLUMN extra TEXT;
         INSERT INTO accounts (code, balance, extra) VALUES ('a', 1, 'keep me')",
    )
    .await;
    let err = runner.upgrade(&db, "head").await.unwrap_err();
    assert!(
        err.to_string().contains(
            "table accounts has a column extra that the migrations do not know (added by raw SQL?); rebuilding the table would lose it"
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("Nothing of revision r2 was applied"),
        "{err}"
    );
    assert_eq!(t.version_rows().await, ["a1"]);
    assert_eq!(t.column("SELECT extra FROM accounts").await, ["keep me"]);
    // So is an index it does not know.
    t.execute("ALTER TABLE accounts DROP COLUMN extra; CREATE INDEX ix_raw ON accounts (balance)")
        .await;
    let err = runner.upgrade(&db, "head").await.unwrap_err();
    assert!(
        err.to_string()
            .contains("table accounts has an index ix_raw that the migrations do not know"),
        "{err}"
    );
    // Without them, it applies.
    t.execute("DROP INDEX ix_raw").await;
    runner.upgrade(&db, "head").await.unwrap();
    t.assert_at(&m, &["r2"]).await;
}

/// Foreign keys SQLite never enforced may already dangle: only a reference
/// a revision breaks stops it.
#[tokio::test]
async fn on_sqlite_references_dangling_before_a_revision_do_not_stop_it() {
    let t = TestTarget::new(Engine::Sqlite).await;
    let db = t.database();
    let m = accounts_then_reshape();
    let runner = Runner::new(&m, RunConfig::default());
    runner.upgrade(&db, "a1").await.unwrap();
    t.execute(
        "INSERT INTO accounts (code, balance) VALUES ('a', 1);
         INSERT INTO entries (account_id, memo) VALUES (1, 'fine'), (99, 'dangling since before')",
    )
    .await;
    runner.upgrade(&db, "head").await.unwrap();
    t.assert_at(&m, &["r2"]).await;
    assert_eq!(t.column("SELECT count(*) FROM entries").await, ["2"]);
}
