//! Sequences end to end: on PostgreSQL created, drawn from by a default,
//! altered (and restarted), renamed and dropped, the catalog read back as
//! the model after each revision and each derived downgrade (by the
//! product's reader and the independent one); on SQLite the same
//! revisions, whose sequence ops sit in a block for PostgreSQL, do nothing
//! there.

use migrator_core::prelude::*;
use migrator_core::run::{Migrations, RunConfig, Runner};
use migrator_tests::engine::TestTarget;
use migrator_tests::on_both_engines;
use migrator_tests::revisions::reversible;

on_both_engines!(a_sequence_is_created_used_altered_renamed_and_dropped);

fn up_numbers(op: &mut Reversible) {
    op.on(Engine::Postgres, |op| {
        op.create_sequence("numbers")
            .as_type(ColumnType::Integer)
            .start(100)
            .increment(10)
            .max_value(1_000_000)
            .cache(2);
        op.create_table("invoices", |t| {
            t.column::<i64>("id").primary_key();
            t.column::<i64>("number").default_sql("nextval('numbers')");
        });
    });
}

fn up_alter(op: &mut Reversible) {
    op.on(Engine::Postgres, |op| {
        op.alter_sequence("numbers")
            .increment(1)
            .cycle()
            .restart(5000);
    });
}

fn up_spare(op: &mut Reversible) {
    op.on(Engine::Postgres, |op| {
        op.create_sequence("spare").increment(-1);
        op.rename_sequence("spare", "Spare Parts");
    });
}

fn up_drop(op: &mut Reversible) {
    op.on(Engine::Postgres, |op| {
        op.drop_sequence("Spare Parts");
    });
}

async fn a_sequence_is_created_used_altered_renamed_and_dropped(t: TestTarget) {
    let m = Migrations::new(vec![
        reversible("q1", &[], up_numbers),
        reversible("q2", &["q1"], up_alter),
        reversible("q3", &["q2"], up_spare),
        reversible("q4", &["q3"], up_drop),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let db = t.database();
    let pg = t.engine() == Engine::Postgres;
    let at = |heads: &'static [&'static str]| t.assert_schema_at(&m, heads);
    runner.upgrade(&db, "q1").await.unwrap();
    at(&["q1"]).await;
    if pg {
        t.execute("INSERT INTO invoices (id) VALUES (1), (2)").await;
        assert_eq!(
            t.column("SELECT number FROM invoices ORDER BY id").await,
            ["100", "110"]
        );
    }
    runner.upgrade(&db, "q2").await.unwrap();
    at(&["q2"]).await;
    if pg {
        t.execute("INSERT INTO invoices (id) VALUES (3), (4)").await;
        assert_eq!(
            t.column("SELECT number FROM invoices WHERE id > 2 ORDER BY id")
                .await,
            ["5000", "5001"]
        );
    }
    runner.upgrade(&db, "q3").await.unwrap();
    at(&["q3"]).await;
    runner.upgrade(&db, "q4").await.unwrap();
    at(&["q4"]).await;
    let drift = runner.drift(&db).await.unwrap();
    assert!(drift.is_empty(), "{drift}");
    if pg {
        // A sequence changed by hand is drift, and a sequence made by hand too.
        t.execute("ALTER SEQUENCE numbers INCREMENT BY 3; CREATE SEQUENCE by_hand")
            .await;
        let drift = runner.drift(&db).await.unwrap().to_string();
        assert!(
            drift.contains("sequence by_hand is in the database, not in the migrations")
                && drift.contains("sequence numbers differs: the database holds what op.alter_sequence(\"numbers\").increment(3); makes of the migrations' one"),
            "{drift}"
        );
        t.execute("ALTER SEQUENCE numbers INCREMENT BY 1; DROP SEQUENCE by_hand")
            .await;
        at(&["q4"]).await;
    }
    for (target, heads) in [
        ("q3", &["q3"][..]),
        ("q2", &["q2"][..]),
        ("q1", &["q1"][..]),
    ] {
        runner.downgrade(&db, target).await.unwrap();
        t.assert_schema_at(&m, heads).await;
    }
    runner.downgrade(&db, "base").await.unwrap();
    at(&[]).await;
}

on_both_engines!(an_owned_sequence_follows_its_column_and_goes_with_it);

fn up_owned(op: &mut Reversible) {
    op.on(Engine::Postgres, |op| {
        op.create_table("tickets", |t| {
            t.column::<i64>("id").primary_key();
            t.column::<i64>("seat");
            t.column::<i64>("other");
        });
        op.create_sequence("seats")
            .start(10)
            .owned_by("tickets", "other");
        // A sequence owned by one column, drawn from by another's default.
        op.create_sequence("spare").owned_by("tickets", "other");
        op.alter_column("tickets", "seat")
            .set_default_sql("nextval('seats')");
    });
}

fn up_rename(op: &mut Reversible) {
    op.on(Engine::Postgres, |op| {
        op.rename_table("tickets", "Passes");
        op.rename_column("Passes", "other", "Other One");
        op.alter_sequence("spare").owned_by_none();
        op.alter_sequence("spare").owned_by("Passes", "id");
    });
}

fn up_drop_owner(op: &mut Reversible) {
    op.on(Engine::Postgres, |op| {
        // The default that draws from seats goes first: PostgreSQL would
        // refuse to drop its owner while it draws from it.
        op.alter_column("Passes", "seat").drop_default();
        op.drop_column("Passes", "Other One");
        op.drop_table("Passes");
    });
}

async fn an_owned_sequence_follows_its_column_and_goes_with_it(t: TestTarget) {
    let m = Migrations::new(vec![
        reversible("w1", &[], up_owned),
        reversible("w2", &["w1"], up_rename),
        reversible("w3", &["w2"], up_drop_owner),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let db = t.database();
    let pg = t.engine() == Engine::Postgres;
    let at = |heads: &'static [&'static str]| t.assert_schema_at(&m, heads);
    let owned = || async {
        t.column(
            "SELECT c.relname || ' ' || d.refobjid::regclass::text || '.' || a.attname
             FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
             JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
             WHERE c.relkind = 'S' AND d.deptype = 'a' ORDER BY 1",
        )
        .await
    };
    runner.upgrade(&db, "w1").await.unwrap();
    at(&["w1"]).await;
    if pg {
        assert_eq!(
            owned().await,
            ["seats tickets.other", "spare tickets.other"]
        );
        t.execute("INSERT INTO tickets (id, other) VALUES (1, 0), (2, 0)")
            .await;
    }
    runner.upgrade(&db, "w2").await.unwrap();
    at(&["w2"]).await;
    if pg {
        assert_eq!(
            owned().await,
            ["seats \"Passes\".Other One", "spare \"Passes\".id"]
        );
    }
    runner.upgrade(&db, "w3").await.unwrap();
    at(&["w3"]).await;
    let drift = runner.drift(&db).await.unwrap();
    assert!(drift.is_empty(), "{drift}");
    if pg {
        // PostgreSQL lets a view's column own a sequence too; the model
        // owns sequences by table columns only: read without the owner,
        // and said.
        t.execute("CREATE VIEW v AS SELECT 1 AS a; CREATE SEQUENCE by_view OWNED BY v.a")
            .await;
        let live = runner.catalog(&db).await.unwrap();
        assert_eq!(
            live.unmodelled,
            ["sequence by_view OWNED BY v.a (not a table: read without its owner)"]
        );
        assert!(live.schema.sequence(&"by_view".into()).is_some());
        t.execute("DROP VIEW v").await;
        // Both sequences went with their owner.
        assert!(owned().await.is_empty());
        assert!(
            t.column("SELECT relname FROM pg_class WHERE relname IN ('seats', 'spare')")
                .await
                .is_empty()
        );
    }
    // Undone: the table and the column back, their sequences created again
    // and owned again (from START: their values were lost with them).
    runner.downgrade(&db, "w2").await.unwrap();
    at(&["w2"]).await;
    if pg {
        assert_eq!(
            owned().await,
            ["seats \"Passes\".Other One", "spare \"Passes\".id"]
        );
        t.execute("INSERT INTO \"Passes\" (id, \"Other One\") VALUES (3, 0)")
            .await;
        assert_eq!(t.column("SELECT seat FROM \"Passes\"").await, ["10"]);
    }
    for (target, heads) in [("w1", &["w1"][..])] {
        runner.downgrade(&db, target).await.unwrap();
        t.assert_schema_at(&m, heads).await;
    }
    runner.downgrade(&db, "base").await.unwrap();
    at(&[]).await;
}
