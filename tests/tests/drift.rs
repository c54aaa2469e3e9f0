//! Drift: a live database compared with what its migrations say. Nothing is
//! reported for a database migrated normally (the example app's history,
//! and a schema written with every spelling the server rewrites); each
//! kind of change made by hand is reported, with what differs; `check`
//! fails on it; and `revision --autogenerate --from-database` writes the
//! ops from the live database to the models.

use migrator_core::cli::CliConfig;
use migrator_core::models::Model;
use migrator_core::prelude::*;
use migrator_core::registry::{Downgrade, Registered};
use migrator_core::run::{Engine, Migrations, RunConfig, Runner};
use migrator_tests::cli::run_cli;
use migrator_tests::engine::TestTarget;
use migrator_tests::on_both_engines;
use migrator_tests::revisions::revision;

// The example application's revisions.
use example_app as _;

on_both_engines!(
    the_example_app_migrated_normally_has_no_drift,
    each_change_made_by_hand_is_reported_and_undoing_it_clears_it,
    check_fails_on_drift_and_says_what_to_type,
    autogenerate_from_the_database_writes_what_the_database_lacks,
);

/// The same meaning written the ways authors write it, which the server
/// stores and prints otherwise.
fn up_spellings(op: &mut Ops) {
    op.create_table("spelled", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<String>("code").default("x");
        t.column::<i32>("n").default(-1);
        t.column_as("amount", ColumnType::numeric(10, 2)).default(0);
        t.column_as("seen_at", ColumnType::TimestampTz)
            .default_sql("CURRENT_TIMESTAMP");
        t.column_as("made_at", ColumnType::TimestampTz)
            .default_sql("now()");
        t.column::<bool>("flag").default(true);
        t.column::<Option<String>>("note");
        t.check("spelled_amount_positive", "amount >= 0 AND n > -10");
        t.check("spelled_code_known", "code IN ('x', 'y')");
    });
    op.create_index("spelled", ["code"])
        .where_sql("note IS NOT NULL AND code <> 'y'");
}

fn spellings() -> Vec<Registered> {
    vec![revision("s1", &[], up_spellings, Downgrade::Derived)]
}

async fn drift_of(t: &TestTarget, m: &Migrations) -> migrator_core::run::Drift {
    Runner::new(m, RunConfig::default())
        .drift(&t.database())
        .await
        .unwrap()
}

async fn the_example_app_migrated_normally_has_no_drift(t: TestTarget) {
    let m = Migrations::registered().unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    runner.upgrade(&t.database(), "heads").await.unwrap();
    let drift = runner.drift(&t.database()).await.unwrap();
    assert!(drift.is_empty(), "{drift}");
    assert_eq!(drift.changes, []);
    // The server's own spellings of defaults, checks and predicates.
    let t2 = TestTarget::new(t.engine()).await;
    let m = Migrations::new(spellings()).unwrap();
    Runner::new(&m, RunConfig::default())
        .upgrade(&t2.database(), "heads")
        .await
        .unwrap();
    let drift = drift_of(&t2, &m).await;
    assert!(drift.is_empty(), "{drift}");
    // Half-way, too: the expected schema is the one at the database's revision.
    let t3 = TestTarget::new(t.engine()).await;
    let m = Migrations::registered().unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    runner
        .upgrade(&t3.database(), "ae1027a6acf4")
        .await
        .unwrap();
    let drift = runner.drift(&t3.database()).await.unwrap();
    assert!(drift.is_empty(), "{drift}");
    assert_eq!(drift.at, ["ae1027a6acf4"]);
}

/// A change made by hand, the words the drift must say, and the SQL that
/// undoes it (`None`: not undone; the case runs last).
struct Case {
    change: &'static str,
    says: &'static str,
    undo: &'static str,
}

fn cases(engine: Engine) -> Vec<Case> {
    let mut cases = vec![
        Case {
            change: "ALTER TABLE spelled ADD COLUMN extra integer",
            says: "column spelled.extra (integer) is in the database, not in the migrations",
            undo: "ALTER TABLE spelled DROP COLUMN extra",
        },
        Case {
            change: "CREATE INDEX by_hand ON spelled (n)",
            says: "index by_hand on spelled is in the database, not in the migrations",
            undo: "DROP INDEX by_hand",
        },
        Case {
            change: "DROP INDEX ix_spelled_code",
            says: "index ix_spelled_code is missing from the database",
            undo: "CREATE INDEX ix_spelled_code ON spelled (code) WHERE note IS NOT NULL AND code <> 'y'",
        },
        Case {
            change: "CREATE TABLE scratch (id integer PRIMARY KEY)",
            says: "table scratch is in the database, not in the migrations",
            undo: "DROP TABLE scratch",
        },
        Case {
            // (With the partial index on it, which SQLite would not drop.)
            change: "DROP INDEX ix_spelled_code; ALTER TABLE spelled DROP COLUMN note",
            says: "column spelled.note is missing from the database",
            undo: "ALTER TABLE spelled ADD COLUMN note text; \
                   CREATE INDEX ix_spelled_code ON spelled (code) WHERE note IS NOT NULL AND code <> 'y'",
        },
    ];
    if engine == Engine::Postgres {
        cases.extend([
            Case {
                change: "ALTER TABLE spelled ALTER COLUMN code TYPE varchar(20)",
                says: "column spelled.code differs: type",
                undo: "ALTER TABLE spelled ALTER COLUMN code TYPE text",
            },
            Case {
                change: "ALTER TABLE spelled ALTER COLUMN n SET DEFAULT 7",
                says: "column spelled.n differs: default",
                undo: "ALTER TABLE spelled ALTER COLUMN n SET DEFAULT -1",
            },
            Case {
                change: "ALTER TABLE spelled ALTER COLUMN flag DROP NOT NULL",
                says: "column spelled.flag differs: NOT NULL in the migrations, NULL in the database",
                undo: "ALTER TABLE spelled ALTER COLUMN flag SET NOT NULL",
            },
            Case {
                change: "ALTER TABLE spelled DROP CONSTRAINT spelled_amount_positive",
                says: "constraint spelled_amount_positive on spelled is missing from the database",
                undo: "ALTER TABLE spelled ADD CONSTRAINT spelled_amount_positive CHECK (amount >= 0 AND n > -10)",
            },
            Case {
                change: "ALTER TABLE spelled DROP CONSTRAINT spelled_code_known, ADD CONSTRAINT spelled_code_known CHECK (code IN ('x', 'y', 'z'))",
                says: "check constraint spelled_code_known on spelled is defined differently in the database: CHECK",
                undo: "ALTER TABLE spelled DROP CONSTRAINT spelled_code_known, ADD CONSTRAINT spelled_code_known CHECK (code IN ('x', 'y'))",
            },
            Case {
                change: "COMMENT ON COLUMN spelled.note IS 'by hand'",
                says: "column spelled.note differs: comment",
                undo: "COMMENT ON COLUMN spelled.note IS NULL",
            },
            Case {
                change: "CREATE TYPE mood AS ENUM ('happy')",
                says: "enum mood is in the database, not in the migrations",
                undo: "DROP TYPE mood",
            },
        ]);
    }
    cases
}

async fn each_change_made_by_hand_is_reported_and_undoing_it_clears_it(t: TestTarget) {
    let m = Migrations::new(spellings()).unwrap();
    Runner::new(&m, RunConfig::default())
        .upgrade(&t.database(), "heads")
        .await
        .unwrap();
    for case in cases(t.engine()) {
        t.execute(case.change).await;
        let drift = drift_of(&t, &m).await;
        assert!(
            drift.differences.iter().any(|d| d.contains(case.says)),
            "after {:?}, expected a difference saying {:?}, got:\n{drift}",
            case.change,
            case.says
        );
        assert!(!drift.changes.is_empty(), "{drift}");
        t.execute(case.undo).await;
        let drift = drift_of(&t, &m).await;
        assert!(drift.is_empty(), "after undoing {:?}: {drift}", case.change);
    }
}

async fn check_fails_on_drift_and_says_what_to_type(t: TestTarget) {
    let config = CliConfig::default().with_revisions(spellings());
    let url = t.url();
    let out = run_cli(&["--database-url", &url, "upgrade", "heads"], &config).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run_cli(&["--database-url", &url, "check"], &config).await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("the database's schema matches the migrations"),
        "{}",
        out.stdout
    );
    t.execute("CREATE INDEX by_hand ON spelled (n)").await;
    let out = run_cli(&["--database-url", &url, "check"], &config).await;
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(
        text.contains("the database differs from its migrations at s1")
            && text.contains("index by_hand on spelled is in the database, not in the migrations")
            && text.contains("revision --autogenerate --from-database"),
        "{text}"
    );
}

/// The models: the spellings table with one column more and written
/// otherwise (the same defaults and checks, spelled differently; on
/// PostgreSQL with casts SQLite cannot read).
fn spelled_model(op: &mut Ops) {
    spelled_model_with(op, "'x'::text", "'-1'::integer");
}

fn spelled_model_sqlite(op: &mut Ops) {
    spelled_model_with(op, "'x'", "(-1)");
}

fn spelled_model_with(op: &mut Ops, code: &'static str, n: &'static str) {
    op.create_table("spelled", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<String>("code").default_sql(code);
        t.column::<i32>("n").default_sql(n);
        t.column_as("amount", ColumnType::numeric(10, 2)).default(0);
        t.column_as("seen_at", ColumnType::TimestampTz)
            .default_sql("now()");
        t.column_as("made_at", ColumnType::TimestampTz)
            .default_sql("CURRENT_TIMESTAMP");
        t.column::<bool>("flag").default(true);
        t.column::<Option<String>>("note");
        t.column::<Option<i64>>("score");
        t.check("spelled_amount_positive", "(amount >= 0) AND (n > -10)");
        t.check("spelled_code_known", "code IN ('x', 'y')");
    });
    op.create_index("spelled", ["code"])
        .where_sql("note IS NOT NULL AND code <> 'y'");
}

async fn autogenerate_from_the_database_writes_what_the_database_lacks(t: TestTarget) {
    let dir = std::env::temp_dir().join(format!(
        "migrator_drift_{}_{:?}",
        std::process::id(),
        t.engine()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let model = Model {
        name: "Spelled",
        declare: match t.engine() {
            Engine::Sqlite => spelled_model_sqlite,
            _ => spelled_model,
        },
        file: file!(),
        line: line!(),
    };
    let config = CliConfig::default()
        .with_revisions(spellings())
        .with_migrations_dir(&dir)
        .with_models(vec![model]);
    let url = t.url();
    let generate = [
        "--database-url",
        url.as_str(),
        "revision",
        "-m",
        "score",
        "--autogenerate",
        "--from-database",
    ];
    // Not at the heads: refused, as Alembic does (an SQLite file that
    // exists, so that it is the revision that is refused, not the path).
    if t.engine() == Engine::Sqlite {
        t.execute("PRAGMA user_version = 1").await;
    }
    let out = run_cli(&generate, &config).await;
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("not at the heads (s1): it is not up to date. Run `upgrade heads` first"),
        "{}",
        out.stderr
    );
    let out = run_cli(&["--database-url", &url, "upgrade", "heads"], &config).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    // A column made by hand is in the database: the revision does not add it again.
    t.execute("ALTER TABLE spelled ADD COLUMN extra integer")
        .await;
    let out = run_cli(&generate, &config).await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(files.len(), 1, "{}", out.stdout);
    let text = std::fs::read_to_string(files[0].as_ref().unwrap().path()).unwrap();
    assert!(
        text.contains("--from-database") && text.contains("- add_column spelled.score"),
        "{text}"
    );
    assert!(text.contains("- drop_column spelled.extra"), "{text}");
    // Nothing else: the spellings of the same defaults and checks are no change.
    let listed: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("//! - ") || l.trim_start().starts_with("// - "))
        .filter(|l| !l.contains("review"))
        .collect();
    assert_eq!(listed.len(), 2, "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}
