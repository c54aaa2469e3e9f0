//! Stored generated columns (`.generated_sql(expr)`) end to end on both
//! engines: created with a table and added to one that has rows (SQLite
//! rebuilds it), computed by the database, renamed through, made plain
//! (`drop_expression`), read back by
//! both catalog readers (and the independent ones) after each revision and
//! after each derived downgrade.

use migrator_core::prelude::*;
use migrator_core::run::{Migrations, RunConfig, Runner};
use migrator_tests::engine::TestTarget;
use migrator_tests::on_both_engines;
use migrator_tests::revisions::reversible;

on_both_engines!(a_generated_column_is_computed_and_read_back_after_each_step);

fn up_lines(op: &mut Reversible) {
    op.create_table("lines", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<i64>("price");
        t.column::<i64>("qty");
        t.column::<i64>("total").generated_sql("price * qty");
    });
}

fn up_discount(op: &mut Reversible) {
    op.add_column::<Option<i64>>("lines", "half")
        .generated_sql("price * 2 + qty");
}

fn up_rename(op: &mut Reversible) {
    op.rename_column("lines", "qty", "quantity");
}

fn up_plain(op: &mut Reversible) {
    op.alter_column("lines", "half").drop_expression();
}

async fn a_generated_column_is_computed_and_read_back_after_each_step(t: TestTarget) {
    let m = Migrations::new(vec![
        reversible("g1", &[], up_lines),
        reversible("g2", &["g1"], up_discount),
        reversible("g3", &["g2"], up_rename),
        reversible("g4", &["g3"], up_plain),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let db = t.database();
    let check = |heads: &'static [&'static str]| {
        let m = &m;
        let t = &t;
        async move {
            let diffs = t
                .differences(&m.schema_on(t.engine(), heads).unwrap())
                .await;
            assert!(diffs.is_empty(), "at {heads:?}: {diffs:#?}");
        }
    };
    runner.upgrade(&db, "g1").await.unwrap();
    check(&["g1"]).await;
    t.execute("INSERT INTO lines (id, price, qty) VALUES (1, 3, 4), (2, 5, 2)")
        .await;
    assert_eq!(
        t.column("SELECT total FROM lines ORDER BY id").await,
        ["12", "10"]
    );
    // Added to a table with rows: computed for them (SQLite rebuilds).
    runner.upgrade(&db, "g2").await.unwrap();
    check(&["g2"]).await;
    assert_eq!(
        t.column("SELECT half FROM lines ORDER BY id").await,
        ["10", "12"]
    );
    // Renaming a column the expressions use rewrites them.
    runner.upgrade(&db, "g3").await.unwrap();
    check(&["g3"]).await;
    t.execute("UPDATE lines SET quantity = 10 WHERE id = 1")
        .await;
    assert_eq!(
        t.column("SELECT total FROM lines ORDER BY id").await,
        ["30", "10"]
    );
    // Its expression dropped, a column keeps its values and takes others.
    runner.upgrade(&db, "g4").await.unwrap();
    check(&["g4"]).await;
    t.execute("UPDATE lines SET half = 0 WHERE id = 2").await;
    assert_eq!(
        t.column("SELECT half FROM lines ORDER BY id").await,
        ["16", "0"]
    );
    let drift = runner.drift(&db).await.unwrap();
    assert!(drift.is_empty(), "{drift}");
    // The derived downgrades, one at a time: the column generated again
    // computes its values again.
    runner.downgrade(&db, "g3").await.unwrap();
    check(&["g3"]).await;
    assert_eq!(
        t.column("SELECT half FROM lines ORDER BY id").await,
        ["16", "12"]
    );
    runner.downgrade(&db, "g2").await.unwrap();
    check(&["g2"]).await;
    runner.downgrade(&db, "g1").await.unwrap();
    check(&["g1"]).await;
    runner.downgrade(&db, "base").await.unwrap();
    check(&[]).await;
}
