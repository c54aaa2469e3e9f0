//! Column collations end to end on both engines (`"C"` on PostgreSQL,
//! `NOCASE` on SQLite, each in a block for its engine): rows compare and
//! sort by the collation, a type change keeps it, a change of it is undone,
//! and the catalog is the model after each revision and each downgrade.

use migrator_core::prelude::*;
use migrator_core::run::{Migrations, RunConfig, Runner};
use migrator_tests::engine::TestTarget;
use migrator_tests::on_both_engines;
use migrator_tests::revisions::reversible;

on_both_engines!(a_column_collation_is_kept_changed_and_read_back);

fn up_words(op: &mut Reversible) {
    op.on(Engine::Postgres, |op| {
        op.create_table("words", |t| {
            t.column::<String>("word").collate("C");
        });
    });
    op.on(Engine::Sqlite, |op| {
        op.create_table("words", |t| {
            t.column::<String>("word").collate("NOCASE");
        });
    });
}

fn up_widen(op: &mut Reversible) {
    op.alter_column("words", "word")
        .set_type(ColumnType::varchar(40));
}

fn up_reset(op: &mut Reversible) {
    op.alter_column("words", "word").reset_collation();
}

async fn a_column_collation_is_kept_changed_and_read_back(t: TestTarget) {
    let m = Migrations::new(vec![
        reversible("w1", &[], up_words),
        reversible("w2", &["w1"], up_widen),
        reversible("w3", &["w2"], up_reset),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let db = t.database();
    let pg = t.engine() == Engine::Postgres;
    let at = |heads: &'static [&'static str]| t.assert_schema_at(&m, heads);
    // What the collation does: "C" sorts capitals first; NOCASE ignores case.
    let behaves = |collated: bool| {
        let t = &t;
        async move {
            let (sql, want): (&str, Vec<&str>) = if pg {
                if !collated {
                    // The default collation depends on the server's locale
                    // (C.UTF-8 sorts as "C" does): the catalog says it.
                    return;
                }
                ("SELECT word FROM words ORDER BY word", vec!["B", "a"])
            } else {
                (
                    "SELECT count(*) FROM words WHERE word = 'A'",
                    if collated { vec!["1"] } else { vec!["0"] },
                )
            };
            assert_eq!(t.column(sql).await, want, "collated: {collated}");
        }
    };
    runner.upgrade(&db, "w1").await.unwrap();
    at(&["w1"]).await;
    t.execute("INSERT INTO words (word) VALUES ('a'), ('B')")
        .await;
    behaves(true).await;
    runner.upgrade(&db, "w2").await.unwrap();
    at(&["w2"]).await;
    behaves(true).await;
    runner.upgrade(&db, "w3").await.unwrap();
    at(&["w3"]).await;
    behaves(false).await;
    let drift = runner.drift(&db).await.unwrap();
    assert!(drift.is_empty(), "{drift}");
    runner.downgrade(&db, "w2").await.unwrap();
    at(&["w2"]).await;
    behaves(true).await;
    runner.downgrade(&db, "w1").await.unwrap();
    at(&["w1"]).await;
    runner.downgrade(&db, "base").await.unwrap();
}
