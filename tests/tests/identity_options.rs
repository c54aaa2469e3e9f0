//! Identity changed on an existing column, and identity sequence options,
//! end to end on both engines: the catalog is the model after each
//! revision and after each derived downgrade, and the values handed out
//! continue after the rows already there (PostgreSQL's new sequence is
//! moved past them; SQLite's rowid does that by itself).

use migrator_core::prelude::*;
use migrator_core::run::{Migrations, RunConfig, Runner};
use migrator_tests::engine::TestTarget;
use migrator_tests::on_both_engines;
use migrator_tests::revisions::reversible;

on_both_engines!(identity_is_added_changed_and_dropped_and_read_back);

fn up_tickets(op: &mut Reversible) {
    op.create_table("tickets", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<String>("title");
    });
}

fn up_add(op: &mut Reversible) {
    op.alter_column("tickets", "id")
        .add_identity(Identity::ByDefault);
}

fn up_always(op: &mut Reversible) {
    op.alter_column("tickets", "id")
        .set_generated(Identity::Always);
}

fn up_orders(op: &mut Reversible) {
    // Options SQLite's rowid cannot honour: PostgreSQL only.
    op.on(Engine::Postgres, |op| {
        op.create_table("orders", |t| {
            t.column::<i64>("id")
                .identity()
                .start(1000)
                .increment(10)
                .max_value(1_000_000)
                .cache(3)
                .primary_key();
        });
    });
}

fn up_drop(op: &mut Reversible) {
    op.alter_column("tickets", "id").drop_identity();
}

async fn identity_is_added_changed_and_dropped_and_read_back(t: TestTarget) {
    let m = Migrations::new(vec![
        reversible("i1", &[], up_tickets),
        reversible("i2", &["i1"], up_add),
        reversible("i3", &["i2"], up_always),
        reversible("i4", &["i3"], up_orders),
        reversible("i5", &["i4"], up_drop),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let db = t.database();
    let at = |heads: &'static [&'static str]| t.assert_schema_at(&m, heads);
    runner.upgrade(&db, "i1").await.unwrap();
    t.execute("INSERT INTO tickets (id, title) VALUES (1, 'a'), (5, 'b')")
        .await;
    runner.upgrade(&db, "i2").await.unwrap();
    at(&["i2"]).await;
    // The next value follows the rows already there.
    t.execute("INSERT INTO tickets (title) VALUES ('c')").await;
    assert_eq!(
        t.column("SELECT id FROM tickets ORDER BY id").await,
        ["1", "5", "6"]
    );
    runner.upgrade(&db, "i3").await.unwrap();
    at(&["i3"]).await;
    runner.upgrade(&db, "i4").await.unwrap();
    at(&["i4"]).await;
    if t.engine() == Engine::Postgres {
        t.execute("INSERT INTO orders DEFAULT VALUES; INSERT INTO orders DEFAULT VALUES")
            .await;
        assert_eq!(
            t.column("SELECT id FROM orders ORDER BY id").await,
            ["1000", "1010"]
        );
    }
    runner.upgrade(&db, "i5").await.unwrap();
    at(&["i5"]).await;
    let drift = runner.drift(&db).await.unwrap();
    assert!(drift.is_empty(), "{drift}");
    // Undone one revision at a time: the identity comes back (its sequence
    // past the rows again), then its kind, then it goes.
    runner.downgrade(&db, "i4").await.unwrap();
    at(&["i4"]).await;
    t.execute("INSERT INTO tickets (title) VALUES ('d')").await;
    assert_eq!(
        t.column("SELECT id FROM tickets ORDER BY id").await,
        ["1", "5", "6", "7"]
    );
    for (target, heads) in [
        ("i3", &["i3"][..]),
        ("i2", &["i2"][..]),
        ("i1", &["i1"][..]),
    ] {
        runner.downgrade(&db, target).await.unwrap();
        t.assert_schema_at(&m, heads).await;
    }
    runner.downgrade(&db, "base").await.unwrap();
}

on_both_engines!(identity_options_are_set_in_place_and_undone);

fn up_counters(op: &mut Reversible) {
    op.create_table("counters", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<String>("label");
    });
}

fn up_set_options(op: &mut Reversible) {
    // SQLite's rowid has no options: PostgreSQL only.
    op.on(Engine::Postgres, |op| {
        op.alter_column("counters", "id")
            .set_generated(Identity::Always)
            .set_identity_options(
                SequenceChange::new()
                    .increment(10)
                    .max_value(1_000_000)
                    .restart_with(500),
            );
    });
}

async fn identity_options_are_set_in_place_and_undone(t: TestTarget) {
    let m = Migrations::new(vec![
        reversible("o1", &[], up_counters),
        reversible("o2", &["o1"], up_set_options),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let db = t.database();
    runner.upgrade(&db, "o1").await.unwrap();
    t.execute("INSERT INTO counters (label) VALUES ('a'), ('b')")
        .await;
    runner.upgrade(&db, "o2").await.unwrap();
    t.assert_schema_at(&m, &["o2"]).await;
    let drift = runner.drift(&db).await.unwrap();
    assert!(drift.is_empty(), "{drift}");
    if t.engine() == Engine::Postgres {
        // Restarted at 500, counting by 10; the rows kept their values.
        t.execute("INSERT INTO counters (label) VALUES ('c'), ('d')")
            .await;
        assert_eq!(
            t.column("SELECT id FROM counters ORDER BY id").await,
            ["1", "2", "500", "510"]
        );
    }
    // Undone from the model: the options back, the restart not undone
    // (the sequence goes on from where it is, by 1 again).
    runner.downgrade(&db, "o1").await.unwrap();
    t.assert_schema_at(&m, &["o1"]).await;
    if t.engine() == Engine::Postgres {
        t.execute("INSERT INTO counters (label) VALUES ('e')").await;
        assert_eq!(
            t.column("SELECT id FROM counters ORDER BY id DESC LIMIT 1")
                .await,
            ["511"]
        );
    }
    runner.downgrade(&db, "base").await.unwrap();
}
