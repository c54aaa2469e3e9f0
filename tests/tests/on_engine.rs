//! Ops for one engine only (`op.on(Engine::…, |op| …)`), end to end on both
//! engines: a block runs on its engine and not on the other, the catalog
//! is the model of that engine, `--sql` prints what the engine runs, the
//! derived downgrade undoes the block where it ran, and the checksum is
//! one per revision whatever the engine. And extensions, which PostgreSQL
//! installs and SQLite has none of.

use migrator_core::graph::Direction;
use migrator_core::prelude::*;
use migrator_core::registry::Downgrade;
use migrator_core::run::{Migrations, RunConfig, Runner};
use migrator_core::schema::Schema;
use migrator_tests::engine::TestTarget;
use migrator_tests::on_both_engines;
use migrator_tests::revisions::{reversible, revision};

on_both_engines!(
    a_block_runs_on_its_engine_only_and_is_undone_there,
    an_extension_is_installed_on_postgres_and_is_nothing_on_sqlite,
);

fn up_docs(op: &mut Ops) {
    op.create_table("docs", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<String>("body");
        t.column::<Option<String>>("lang");
    });
}

fn up_by_engine(op: &mut Reversible) {
    op.on(Engine::Postgres, |op| {
        op.create_index("docs", ["body"])
            .using(IndexMethod::Hash)
            .named("ix_docs_body_hash");
        op.add_column::<Option<i32>>("docs", "pg_only");
    });
    op.on(Engine::Sqlite, |op| {
        op.create_index("docs", ["body", "lang"])
            .named("ix_docs_body_lang");
    });
    op.create_index("docs", ["lang"]);
}

fn migrations() -> Migrations {
    Migrations::new(vec![
        revision(
            "d1",
            &[],
            up_docs,
            Downgrade::Written(|op| {
                op.drop_table("docs");
            }),
        ),
        reversible("d2", &["d1"], up_by_engine),
    ])
    .unwrap()
}

async fn indexes(t: &TestTarget) -> Vec<String> {
    let sql = match t.engine() {
        Engine::Postgres => {
            "SELECT indexname FROM pg_indexes WHERE tablename = 'docs' AND indexname LIKE 'ix_%' ORDER BY 1"
        }
        Engine::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'docs' AND name LIKE 'ix_%' ORDER BY 1"
        }
    };
    t.column(sql).await
}

async fn a_block_runs_on_its_engine_only_and_is_undone_there(t: TestTarget) {
    let m = migrations();
    let runner = Runner::new(&m, RunConfig::default());
    let db = t.database();
    runner.upgrade(&db, "heads").await.unwrap();
    let (mine, other) = match t.engine() {
        Engine::Postgres => ("ix_docs_body_hash", "ix_docs_body_lang"),
        Engine::Sqlite => ("ix_docs_body_lang", "ix_docs_body_hash"),
    };
    let names = indexes(&t).await;
    assert!(
        names.contains(&mine.to_owned()) && !names.contains(&other.to_owned()),
        "{names:?}"
    );
    assert!(names.contains(&"ix_docs_lang".to_owned()), "{names:?}");
    // The catalog is the model of this engine, and no drift is reported.
    let expected = m.schema_on(t.engine(), &["d2"]).unwrap();
    assert_eq!(
        expected
            .table(&"docs".into())
            .unwrap()
            .find_column("pg_only")
            .is_some(),
        t.engine() == Engine::Postgres
    );
    let diffs = t.differences(&expected).await;
    assert!(diffs.is_empty(), "{diffs:#?}");
    let drift = runner.drift(&db).await.unwrap();
    assert!(drift.is_empty(), "{drift}");
    // The engine-neutral model (what autogenerate compares with) has neither block.
    let neutral = m.schema_at(&["d2"]).unwrap();
    assert_eq!(neutral.indexes().count(), 1);
    // One checksum per revision, whatever the engine: verified here.
    let v = runner.verify(&db).await.unwrap();
    assert_eq!((v.compared, v.changed.len()), (2, 0));
    // --sql prints what this engine runs, and only that.
    let script = runner.sql(t.engine(), Direction::Up, "d1:d2").unwrap();
    assert!(script.contains(mine) && !script.contains(other), "{script}");
    // The derived downgrade undoes the block where it ran.
    runner.downgrade(&db, "d1").await.unwrap();
    let names = indexes(&t).await;
    assert!(names.is_empty(), "{names:?}");
    let diffs = t
        .differences(&m.schema_on(t.engine(), &["d1"]).unwrap())
        .await;
    assert!(diffs.is_empty(), "{diffs:#?}");
    runner.downgrade(&db, "base").await.unwrap();
    let diffs = t.differences(&Schema::new()).await;
    assert!(diffs.is_empty(), "{diffs:#?}");
}

fn up_trigram(op: &mut Reversible) {
    op.create_extension("pg_trgm").if_not_exists();
    op.create_table("words", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<String>("word");
    });
}

async fn an_extension_is_installed_on_postgres_and_is_nothing_on_sqlite(t: TestTarget) {
    let m = Migrations::new(vec![reversible("t1", &[], up_trigram)]).unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let db = t.database();
    runner.upgrade(&db, "heads").await.unwrap();
    let expected = m.schema_on(t.engine(), &["t1"]).unwrap();
    assert!(expected.extension("pg_trgm").is_some());
    let diffs = t.differences(&expected).await;
    assert!(diffs.is_empty(), "{diffs:#?}");
    let drift = runner.drift(&db).await.unwrap();
    assert!(drift.is_empty(), "{drift}");
    if t.engine() == Engine::Postgres {
        let installed = t
            .column("SELECT extname::text FROM pg_extension WHERE extname = 'pg_trgm'")
            .await;
        assert_eq!(installed, ["pg_trgm"]);
        // An extension installed by hand is drift.
        t.execute("CREATE EXTENSION citext").await;
        let drift = runner.drift(&db).await.unwrap();
        assert!(
            drift.differences.iter().any(
                |d| d == "extension citext is installed in the database, not by the migrations"
            ),
            "{drift}"
        );
        t.execute("DROP EXTENSION citext").await;
    }
    runner.downgrade(&db, "base").await.unwrap();
    let diffs = t.differences(&Schema::new()).await;
    assert!(diffs.is_empty(), "{diffs:#?}");
    if t.engine() == Engine::Postgres {
        let left = t
            .column("SELECT extname::text FROM pg_extension WHERE extname = 'pg_trgm'")
            .await;
        assert!(left.is_empty(), "{left:?}");
    }
}
