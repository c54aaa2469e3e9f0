//! Raw SQL that declares what it makes, on both engines: the model knows
//! the objects (later ops use them, a SQLite rebuild keeps them), the
//! catalog equals the model after the SQL and after its reverse, and the
//! derived downgrade undoes both the SQL and what it declared.

use migrator_core::prelude::*;
use migrator_core::run::{Migrations, RunConfig, Runner};
use migrator_core::schema::Schema;
use migrator_tests::engine::TestTarget;
use migrator_tests::on_both_engines;
use migrator_tests::revisions::reversible;

on_both_engines!(raw_sql_that_declares_its_table_is_known_to_what_follows);

fn up_archive(op: &mut Reversible) {
    op.execute(
        "CREATE TABLE archive (id bigint NOT NULL, body text, CONSTRAINT archive_pkey PRIMARY KEY (id))",
        "DROP TABLE archive",
    )
    .declares(|op| {
        op.create_table("archive", |t| {
            t.column::<i64>("id").primary_key();
            t.column::<Option<String>>("body");
        });
    });
    // Ops that need the model to know the table.
    op.create_index("archive", ["body"]);
    op.alter_column("archive", "body")
        .set_type(ColumnType::varchar(200));
}

async fn raw_sql_that_declares_its_table_is_known_to_what_follows(t: TestTarget) {
    let m = Migrations::new(vec![reversible("r1", &[], up_archive)]).unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let db = t.database();
    runner.upgrade(&db, "heads").await.unwrap();
    let expected = m.schema_on(t.engine(), &["r1"]).unwrap();
    assert!(expected.table(&"archive".into()).is_some());
    let diffs = t.differences(&expected).await;
    assert!(diffs.is_empty(), "{diffs:#?}");
    let drift = runner.drift(&db).await.unwrap();
    assert!(drift.is_empty(), "{drift}");
    runner.downgrade(&db, "base").await.unwrap();
    let diffs = t.differences(&Schema::new()).await;
    assert!(diffs.is_empty(), "{diffs:#?}");
}
