//! Index keys with options end to end on both engines: created by a
//! revision, read back by each catalog reader equal to the model (and
//! checked by the independent readers), kept through a column rename,
//! undone by the derived downgrade; an index changed by hand is drift.

use migrator_core::ops::IndexKey;
use migrator_core::prelude::*;
use migrator_core::run::{Migrations, RunConfig, Runner};
use migrator_core::schema::Schema;
use migrator_tests::engine::TestTarget;
use migrator_tests::on_both_engines;
use migrator_tests::revisions::reversible;

on_both_engines!(
    index_keys_and_options_round_trip_through_the_catalog,
    a_unique_index_becomes_a_key_and_back,
);

fn up_people(op: &mut Reversible) {
    op.create_table("people", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<String>("email");
        t.column::<Option<String>>("name");
        t.column::<Option<i64>>("score");
    });
    // Both engines: an expression key, a descending key, a partial index
    // on an expression.
    op.create_index("people", [IndexKey::expr("lower(email)")])
        .unique();
    op.create_index(
        "people",
        [IndexKey::column("score").desc(), IndexKey::column("id")],
    );
    op.create_index("people", [IndexKey::expr("length(name)")])
        .named("people_name_length")
        .where_sql("name IS NOT NULL");
    op.on(Engine::Postgres, |op| {
        op.create_extension("pg_trgm").if_not_exists();
        op.create_index("people", [IndexKey::column("name").opclass("gin_trgm_ops")])
            .named("people_name_trgm")
            .using(IndexMethod::Gin);
        op.create_index(
            "people",
            [
                IndexKey::column("email")
                    .collate("C")
                    .opclass("text_pattern_ops"),
                IndexKey::column("score").nulls_first(),
                IndexKey::expr("score + 1").desc().nulls_last(),
            ],
        )
        .named("people_pattern");
        op.create_index("people", ["name"])
            .named("people_name_nnd")
            .unique()
            .nulls_not_distinct()
            .with("fillfactor", "70");
    });
    op.on(Engine::Sqlite, |op| {
        op.create_index(
            "people",
            [IndexKey::column("name").collate("NOCASE").desc()],
        )
        .named("people_name_nocase");
    });
}

fn up_rename(op: &mut Reversible) {
    op.rename_column("people", "email", "mail");
    op.rename_column("people", "score", "points");
}

async fn index_keys_and_options_round_trip_through_the_catalog(t: TestTarget) {
    let m = Migrations::new(vec![
        reversible("i1", &[], up_people),
        reversible("i2", &["i1"], up_rename),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let db = t.database();
    runner.upgrade(&db, "i1").await.unwrap();
    let at_i1 = m.schema_on(t.engine(), &["i1"]).unwrap();
    let diffs = t.differences(&at_i1).await;
    assert!(diffs.is_empty(), "{diffs:#?}");
    let drift = runner.drift(&db).await.unwrap();
    assert!(drift.is_empty(), "{drift}");
    // The catalog reader gives the keys the model holds.
    let live = runner.catalog(&db).await.unwrap();
    assert!(live.unmodelled.is_empty(), "{:?}", live.unmodelled);
    let keys = |schema: &Schema, name: &str| schema.index(&name.into()).unwrap().keys.clone();
    assert_eq!(
        keys(&live.schema, "ix_people_score_id"),
        [IndexKey::column("score").desc(), IndexKey::column("id")]
    );
    if t.engine() == Engine::Postgres {
        assert_eq!(
            keys(&live.schema, "people_pattern")[..2],
            [
                IndexKey::column("email")
                    .collate("C")
                    .opclass("text_pattern_ops"),
                IndexKey::column("score").nulls_first(),
            ]
        );
        let nnd = live.schema.index(&"people_name_nnd".into()).unwrap();
        assert!(nnd.nulls_not_distinct);
        assert_eq!(nnd.with, [("fillfactor".to_owned(), "70".to_owned())]);
    } else {
        assert_eq!(
            keys(&live.schema, "ix_people_lower_email"),
            [IndexKey::expr("lower(email)")]
        );
    }

    // A rename reaches into the key expressions, on the server and in the model.
    runner.upgrade(&db, "i2").await.unwrap();
    let diffs = t
        .differences(&m.schema_on(t.engine(), &["i2"]).unwrap())
        .await;
    assert!(diffs.is_empty(), "{diffs:#?}");
    let drift = runner.drift(&db).await.unwrap();
    assert!(drift.is_empty(), "{drift}");

    // An index changed by hand (ascending where the revision says DESC) is drift.
    runner.downgrade(&db, "i1").await.unwrap();
    t.execute("DROP INDEX ix_people_score_id").await;
    t.execute("CREATE INDEX ix_people_score_id ON people (score, id)")
        .await;
    let drift = runner.drift(&db).await.unwrap();
    assert!(
        drift
            .differences
            .iter()
            .any(|c| c.contains("ix_people_score_id")),
        "{drift}"
    );
    t.execute("DROP INDEX ix_people_score_id").await;
    t.execute("CREATE INDEX ix_people_score_id ON people (score DESC, id)")
        .await;
    let drift = runner.drift(&db).await.unwrap();
    assert!(drift.is_empty(), "{drift}");

    runner.downgrade(&db, "base").await.unwrap();
    let diffs = t.differences(&Schema::new()).await;
    assert!(diffs.is_empty(), "{diffs:#?}");
}

fn up_codes(op: &mut Reversible) {
    op.create_table("codes", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<String>("code");
    });
    op.create_index("codes", ["code"]).unique();
}

fn up_code_key(op: &mut Reversible) {
    op.add_unique_using_index("codes", "ix_codes_code")
        .named("codes_code_key");
}

async fn a_unique_index_becomes_a_key_and_back(t: TestTarget) {
    let m = Migrations::new(vec![
        reversible("k1", &[], up_codes),
        reversible("k2", &["k1"], up_code_key),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let db = t.database();
    for target in ["k2", "k1"] {
        if target == "k2" {
            runner.upgrade(&db, target).await.unwrap();
        } else {
            runner.downgrade(&db, target).await.unwrap();
        }
        let expected = m.schema_on(t.engine(), &[target]).unwrap();
        let diffs = t.differences(&expected).await;
        assert!(diffs.is_empty(), "at {target}: {diffs:#?}");
        let drift = runner.drift(&db).await.unwrap();
        assert!(drift.is_empty(), "at {target}: {drift}");
    }
    let key = m.schema_on(t.engine(), &["k2"]).unwrap();
    assert!(
        key.table(&"codes".into())
            .unwrap()
            .find_constraint("codes_code_key")
            .is_some()
    );
    runner.downgrade(&db, "base").await.unwrap();
}
