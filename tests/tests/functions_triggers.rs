//! The `updated_at` trigger end to end on both engines: PostgreSQL's runs
//! a function, SQLite's runs a statement; each is read back by its catalog
//! reader equal to the model (and checked by the independent readers),
//! kept through a SQLite table rebuild, fires, is drift when dropped by
//! hand, and is undone by the derived downgrade.

use migrator_core::prelude::*;
use migrator_core::run::{Migrations, RunConfig, Runner};
use migrator_core::schema::Schema;
use migrator_tests::engine::TestTarget;
use migrator_tests::on_both_engines;
use migrator_tests::revisions::reversible;

on_both_engines!(an_updated_at_trigger_fires_survives_a_rebuild_and_is_undone);

fn up_touch(op: &mut Reversible) {
    op.create_table("notes", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<String>("body");
        t.column_as("updated_at", ColumnType::TimestampTz)
            .default_sql("CURRENT_TIMESTAMP");
    });
    op.on(Engine::Postgres, |op| {
        op.create_function(
            "set_updated_at",
            "trigger",
            "BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END;",
        );
        op.create_function("body_length", "int", "SELECT length(b)")
            .arg("b", "text")
            .language("sql")
            .volatility(Volatility::Immutable);
        op.create_trigger(
            "notes",
            "notes_touch",
            TriggerTiming::Before,
            [TriggerEvent::update_of(["body"])],
            "set_updated_at",
        )
        .for_each_row()
        .when_sql("OLD.body IS DISTINCT FROM NEW.body");
    });
    op.on(Engine::Sqlite, |op| {
        op.create_sqlite_trigger(
            "notes",
            "notes_touch",
            TriggerTiming::After,
            TriggerEvent::update_of(["body"]),
            "UPDATE notes SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;",
        )
        .when_sql("OLD.body IS NOT NEW.body");
    });
}

/// A change SQLite makes by rebuilding the table.
fn up_rebuild(op: &mut Reversible) {
    op.alter_column("notes", "body").set_nullable(true);
}

async fn touched(t: &TestTarget, id: i64) -> bool {
    let rows = t
        .column(&format!(
            "SELECT CASE WHEN updated_at > '2001-01-01' THEN 'yes' ELSE 'no' END FROM notes WHERE id = {id}"
        ))
        .await;
    rows == ["yes"]
}

async fn an_updated_at_trigger_fires_survives_a_rebuild_and_is_undone(t: TestTarget) {
    let m = Migrations::new(vec![
        reversible("t1", &[], up_touch),
        reversible("t2", &["t1"], up_rebuild),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let db = t.database();
    for (revision, id) in [("t1", 1), ("t2", 2)] {
        runner.upgrade(&db, revision).await.unwrap();
        let expected = m.schema_on(t.engine(), &[revision]).unwrap();
        assert!(expected.trigger(&"notes".into(), "notes_touch").is_some());
        let diffs = t.differences(&expected).await;
        assert!(diffs.is_empty(), "at {revision}: {diffs:#?}");
        let drift = runner.drift(&db).await.unwrap();
        assert!(drift.is_empty(), "at {revision}: {drift}");
        let live = runner.catalog(&db).await.unwrap();
        assert!(live.unmodelled.is_empty(), "{:?}", live.unmodelled);
        // The trigger fires (after the rebuild too).
        t.execute(&format!(
            "INSERT INTO notes (id, body, updated_at) VALUES ({id}, 'a', '2000-01-01')"
        ))
        .await;
        assert!(!touched(&t, id).await);
        t.execute(&format!("UPDATE notes SET body = 'b' WHERE id = {id}"))
            .await;
        assert!(touched(&t, id).await, "at {revision}");
    }
    if t.engine() == Engine::Postgres {
        let length = t.column("SELECT body_length('abc')::text").await;
        assert_eq!(length, ["3"]);
    }
    // A trigger dropped by hand is drift.
    let drop = match t.engine() {
        Engine::Postgres => "DROP TRIGGER notes_touch ON notes",
        Engine::Sqlite => "DROP TRIGGER notes_touch",
    };
    t.execute(drop).await;
    let at_t2 = m.schema_on(t.engine(), &["t2"]).unwrap();
    let diffs = t.differences(&at_t2).await;
    assert!(
        diffs.iter().any(|d| d.contains("notes_touch")),
        "{diffs:#?}"
    );
    let drift = runner.drift(&db).await.unwrap();
    assert!(
        drift.differences.iter().any(|d| d.contains("notes_touch")),
        "{drift}"
    );
    // Put back by hand as the revision wrote it, it is no drift.
    let create = match t.engine() {
        Engine::Postgres => {
            "CREATE TRIGGER notes_touch BEFORE UPDATE OF body ON notes FOR EACH ROW \
             WHEN (OLD.body IS DISTINCT FROM NEW.body) EXECUTE FUNCTION set_updated_at()"
        }
        Engine::Sqlite => {
            "CREATE TRIGGER \"notes_touch\" AFTER UPDATE OF \"body\" ON \"notes\" FOR EACH ROW \
             WHEN (OLD.body IS NOT NEW.body) BEGIN UPDATE notes SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id; END"
        }
    };
    t.execute(create).await;
    let drift = runner.drift(&db).await.unwrap();
    assert!(drift.is_empty(), "{drift}");
    runner.downgrade(&db, "base").await.unwrap();
    let diffs = t.differences(&Schema::new()).await;
    assert!(diffs.is_empty(), "{diffs:#?}");
}
