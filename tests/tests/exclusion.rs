//! Exclusion constraints end to end: revisions add them on PostgreSQL (in
//! `op.on(Engine::Postgres, …)`, so SQLite, which has none, runs the rest);
//! each engine's catalog reads back the model (checked by the independent
//! readers), a rename reaches the constraint, the server enforces it, and
//! the derived downgrade walks back to nothing.

use migrator_core::ops::IndexKey;
use migrator_core::prelude::*;
use migrator_core::run::{Migrations, RunConfig, Runner};
use migrator_core::schema::Schema;
use migrator_tests::engine::TestTarget;
use migrator_tests::on_both_engines;
use migrator_tests::revisions::reversible;

on_both_engines!(exclusion_constraints_round_trip_through_the_catalog);

fn up_rooms(op: &mut Reversible) {
    op.on(Engine::Postgres, |op| {
        op.create_extension("btree_gist");
    });
    op.create_table("bookings", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<i32>("room");
        t.column_as("during", ColumnType::Custom("tsrange".into()));
        t.column::<Option<String>>("note");
    });
    op.on(Engine::Postgres, |op| {
        op.create_table("slots", |t| {
            t.column_as("span", ColumnType::Custom("int4range".into()));
            t.exclude([("span", "&&")]).where_sql("NOT isempty(span)");
        });
    });
}

fn up_exclusions(op: &mut Reversible) {
    op.on(Engine::Postgres, |op| {
        // `room WITH =` under GiST needs btree_gist's operator class.
        op.add_exclusion("bookings", [("room", "="), ("during", "&&")])
            .include(["note"])
            .with("fillfactor", "80")
            .where_sql("room > 0")
            .initially_deferred();
        op.add_exclusion(
            "bookings",
            [
                (IndexKey::expr("lower(note)"), "="),
                (IndexKey::column("note").collate("C"), "="),
            ],
        )
        .named("bookings_note_excl")
        .deferrable();
        op.add_exclusion("bookings", [(IndexKey::column("id").desc(), "=")])
            .using(IndexMethod::BTree);
        op.add_exclusion(
            "bookings",
            [(IndexKey::expr("id + 1"), "OPERATOR(pg_catalog.=)")],
        )
        .using(IndexMethod::Hash);
        op.add_exclusion("bookings", [("during", "-|-")])
            .using(IndexMethod::SpGist)
            .named("bookings_adjacent_excl");
    });
}

fn up_rename(op: &mut Reversible) {
    op.rename_column("bookings", "room", "chamber");
    op.rename_column("bookings", "note", "memo");
    op.rename_table("bookings", "reservations");
}

async fn exclusion_constraints_round_trip_through_the_catalog(t: TestTarget) {
    let m = Migrations::new(vec![
        reversible("x1", &[], up_rooms),
        reversible("x2", &["x1"], up_exclusions),
        reversible("x3", &["x2"], up_rename),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let db = t.database();
    for target in ["x1", "x2", "x3"] {
        runner.upgrade(&db, target).await.unwrap();
        t.assert_at(&m, &[target]).await;
        let drift = runner.drift(&db).await.unwrap();
        assert!(drift.is_empty(), "at {target}: {drift}");
        let live = runner.catalog(&db).await.unwrap();
        assert!(
            live.unmodelled.is_empty(),
            "at {target}: {:?}",
            live.unmodelled
        );
    }
    let model = m.schema_on(t.engine(), &["x3"]).unwrap();
    let count = model
        .table(&"reservations".into())
        .unwrap()
        .constraints
        .iter()
        .filter(|c| c.kind() == "exclusion constraint")
        .count();
    if t.engine() == Engine::Postgres {
        assert_eq!(count, 5);
        // The server enforces what the model holds: a second booking of
        // room 1 over an overlapping range is refused at commit.
        t.execute(
            "INSERT INTO reservations (id, chamber, during, memo) \
             VALUES (1, 1, '[2026-01-01 10:00, 2026-01-01 12:00)', 'a')",
        )
        .await;
        let TestTarget::Postgres(pg) = &t else {
            unreachable!()
        };
        let err = pg
            .client
            .batch_execute(
                "INSERT INTO reservations (id, chamber, during, memo) \
                 VALUES (2, 1, '[2026-01-01 11:00, 2026-01-01 13:00)', 'b')",
            )
            .await
            .unwrap_err();
        assert_eq!(
            err.code(),
            Some(&tokio_postgres::error::SqlState::EXCLUSION_VIOLATION),
            "{err:?}"
        );
        let message = err.as_db_error().unwrap().message().to_owned();
        assert!(
            message.contains("conflicting key value violates exclusion constraint \"bookings_room_during_note_excl\""),
            "{message}"
        );
        t.execute("DELETE FROM reservations").await;
    } else {
        assert_eq!(count, 0);
    }
    // Each step down leaves the catalog the model of where it stops.
    for target in ["x2", "x1", "base"] {
        runner.downgrade(&db, target).await.unwrap();
        if target == "base" {
            let diffs = t.differences(&Schema::new()).await;
            assert!(diffs.is_empty(), "{diffs:#?}");
        } else {
            t.assert_schema_at(&m, &[target]).await;
        }
    }
}
