//! Views and materialized views on real databases: the model refuses
//! exactly what PostgreSQL refuses (each case run on both, the verdicts
//! compared), the catalog read back is the model after each op and after
//! its inverse, and, on both engines, a revision of views runs up and down
//! through the runner with no drift — a SQLite table rebuild under a view
//! included.

use migrator_core::graph::Direction;
use migrator_core::ops::{Ops, invert_all};
use migrator_core::prelude::*;
use migrator_core::render::{Dialect, Postgres};
use migrator_core::run::{Migrations, RunConfig, Runner};
use migrator_core::schema::Schema;
use migrator_core::types::ColumnType as T;
use migrator_tests::catalog::differences;
use migrator_tests::db::TestDb;
use migrator_tests::engine::TestTarget;
use migrator_tests::exec::run_ops;
use migrator_tests::on_both_engines;
use migrator_tests::revisions::reversible;

on_both_engines!(
    a_revision_of_views_runs_up_and_down_without_drift,
    a_rebuilt_table_keeps_the_views_that_read_it,
);

fn tables(op: &mut Ops) {
    op.create_table("people", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<String>("name");
        t.column::<i32>("age");
    });
    op.create_table("orders", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<i64>("person_id");
        t.column::<i32>("total");
    });
}

/// `tables`, the view `names` over people and `adults` over `names`.
fn views(op: &mut Ops) {
    tables(op);
    op.create_view("names", "SELECT p.name, age FROM people AS p");
    op.create_view("adults", "SELECT name FROM names WHERE age >= 18");
}

/// `tables` and the materialized view `totals` (with no index).
fn totals(op: &mut Ops) {
    tables(op);
    op.create_materialized_view(
        "totals",
        "SELECT person_id, sum(total) AS total FROM orders GROUP BY person_id",
    );
}

struct Case {
    name: &'static str,
    setup: fn(&mut Ops),
    op: fn(&mut Ops),
    allowed: bool,
}

fn cases() -> Vec<Case> {
    let case = |name, setup, op, allowed| Case {
        name,
        setup,
        op,
        allowed,
    };
    vec![
        case(
            "drop a table a view reads",
            views,
            |op| {
                op.drop_table("people");
            },
            false,
        ),
        case(
            "drop a column a view reads",
            views,
            |op| {
                op.drop_column("people", "age");
            },
            false,
        ),
        case(
            "drop a column no view reads",
            views,
            |op| {
                op.drop_column("orders", "total");
            },
            true,
        ),
        case(
            "retype a column a view reads",
            views,
            |op| {
                op.alter_column("people", "name").set_type(T::varchar(20));
            },
            false,
        ),
        case(
            "retype a column no view reads",
            views,
            |op| {
                op.alter_column("orders", "total").set_type(T::BigInt);
            },
            true,
        ),
        case(
            "drop a view another reads",
            views,
            |op| {
                op.drop_view("names");
            },
            false,
        ),
        case(
            "drop views in order",
            views,
            |op| {
                op.drop_view("adults");
                op.drop_view("names");
            },
            true,
        ),
        case(
            "rename a column a view reads",
            views,
            |op| {
                op.rename_column("people", "name", "full_name");
                op.rename_column("people", "age", "years");
            },
            true,
        ),
        case(
            "rename a table a view reads",
            views,
            |op| {
                op.rename_table("people", "persons");
            },
            true,
        ),
        case(
            "rename a view another reads",
            views,
            |op| {
                op.rename_view("names", "people_names");
            },
            true,
        ),
        case(
            "replace a view, a column added at the end",
            views,
            |op| {
                op.create_view("names", "SELECT p.name, age, id FROM people AS p")
                    .or_replace();
            },
            true,
        ),
        case(
            "replace a view, a column dropped",
            views,
            |op| {
                op.create_view("names", "SELECT p.name FROM people AS p")
                    .or_replace();
            },
            false,
        ),
        case(
            "replace a view, a column renamed",
            views,
            |op| {
                op.create_view("names", "SELECT p.name AS full_name, age FROM people AS p")
                    .or_replace();
            },
            false,
        ),
        case(
            "a table named like a view",
            views,
            |op| {
                op.create_table("names", |t| {
                    t.column::<i64>("id");
                });
            },
            false,
        ),
        case(
            "a view named like a table",
            tables,
            |op| {
                op.create_view("orders", "SELECT 1 AS one");
            },
            false,
        ),
        case(
            "refresh concurrently without a unique index",
            totals,
            |op| {
                op.refresh_materialized_view("totals").concurrently();
            },
            false,
        ),
        case(
            "refresh concurrently with a unique index",
            totals,
            |op| {
                op.create_index("totals", ["person_id"]).unique();
                op.refresh_materialized_view("totals").concurrently();
            },
            true,
        ),
        case(
            "an index on a plain view",
            views,
            |op| {
                op.create_index("names", ["name"]);
            },
            false,
        ),
        case(
            "drop_view on a materialized view",
            totals,
            |op| {
                op.drop_view("totals");
            },
            false,
        ),
        case(
            "a materialized view with no data, then refreshed",
            tables,
            |op| {
                op.create_materialized_view("ids", "SELECT id FROM people")
                    .with_no_data();
                op.refresh_materialized_view("ids");
                op.rename_materialized_view("ids", "people_ids");
            },
            true,
        ),
        case(
            "drop a schema that holds a view",
            tables,
            |op| {
                op.create_schema("reports");
                op.create_view(("reports", "names"), "SELECT name FROM public.people");
                op.drop_schema("reports");
            },
            false,
        ),
        case(
            "drop a materialized view with its index",
            totals,
            |op| {
                op.create_index("totals", ["person_id"]).unique();
                op.drop_materialized_view("totals");
            },
            true,
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_refuses_exactly_what_postgresql_refuses() {
    let mut db = TestDb::new().await;
    let mut failures = Vec::new();
    for case in cases() {
        db.client
            .batch_execute("DROP SCHEMA IF EXISTS reports CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            .await
            .unwrap();
        let mut setup = Ops::new();
        (case.setup)(&mut setup);
        let mut schema = Schema::new();
        run_ops(&mut db.client, &mut schema, setup.ops())
            .await
            .unwrap_or_else(|e| panic!("{}: setup: {e}", case.name));
        let mut op = Ops::new();
        (case.op)(&mut op);

        let mut model = schema.clone();
        let model_verdict = model.apply_all(op.ops()).map_err(|e| e.to_string());
        // The same ops on the server, rendered against the model as each
        // op finds it (as far as the model goes), in a transaction.
        db.client.batch_execute("BEGIN").await.unwrap();
        let mut server_verdict = Ok(());
        let mut step = schema.clone();
        for o in op.ops() {
            // The PostgreSQL dialect renders an op the model refuses too.
            let statements = Postgres
                .render(o, &step)
                .unwrap_or_else(|e| panic!("{}: {} renders: {e}", case.name, o.describe()));
            for s in &statements {
                if let Err(e) = db.client.batch_execute(&s.sql).await {
                    server_verdict = Err(format!(
                        "{}: {}",
                        s.sql,
                        e.as_db_error()
                            .map_or(e.to_string(), |d| d.message().to_owned())
                    ));
                    break;
                }
            }
            if server_verdict.is_err() {
                break;
            }
            let _ = step.apply(o);
        }
        if model_verdict.is_ok() != server_verdict.is_ok() || model_verdict.is_ok() != case.allowed
        {
            failures.push(format!(
                "{}: expected {}, model {model_verdict:?}, server {server_verdict:?}",
                case.name,
                if case.allowed { "allowed" } else { "refused" }
            ));
            db.client.batch_execute("ROLLBACK").await.unwrap();
            continue;
        }
        if model_verdict.is_err() {
            db.client.batch_execute("ROLLBACK").await.unwrap();
            continue;
        }
        db.client.batch_execute("COMMIT").await.unwrap();
        // The catalog read back is the model after the ops…
        let diffs = differences(&db, &model).await;
        if !diffs.is_empty() {
            failures.push(format!("{}: after the ops: {diffs:#?}", case.name));
            continue;
        }
        // …and after their inverse, the model before.
        let undo = invert_all(op.ops(), &schema).unwrap();
        let mut back = model.clone();
        run_ops(&mut db.client, &mut back, &undo)
            .await
            .unwrap_or_else(|e| panic!("{}: undo: {e}", case.name));
        let diffs = differences(&db, &schema).await;
        if !diffs.is_empty() {
            failures.push(format!("{}: after the inverse: {diffs:#?}", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn up_tables(op: &mut Reversible) {
    op.create_table("people", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<String>("name");
        t.column::<Option<i32>>("age");
    });
    op.create_table("orders", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<i64>("person_id");
        t.column::<i32>("total");
    });
}

fn up_views(op: &mut Reversible) {
    op.create_view("names", "SELECT p.name, age FROM people AS p");
    op.create_view("adults", "SELECT name FROM names WHERE age >= 18");
    op.create_view("names", "SELECT p.name, age, id FROM people AS p")
        .or_replace();
    op.rename_column("people", "name", "full_name");
    op.rename_table("people", "persons");
    op.rename_view("names", "people_names");
    op.on(Engine::Postgres, |op| {
        op.create_materialized_view(
            "totals",
            "SELECT person_id, sum(total) AS total FROM orders GROUP BY person_id",
        );
        op.create_index("totals", ["person_id"]).unique();
        op.refresh_materialized_view("totals").concurrently();
    });
}

async fn a_revision_of_views_runs_up_and_down_without_drift(t: TestTarget) {
    let m = Migrations::new(vec![
        reversible("v1", &[], up_tables),
        reversible("v2", &["v1"], up_views),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let db = t.database();
    runner.upgrade(&db, "heads").await.unwrap();
    t.execute("INSERT INTO persons VALUES (1, 'Ann', 30), (2, 'Bo', 9)")
        .await;
    assert_eq!(t.column("SELECT name FROM adults").await, ["Ann"]);
    let expected = m.schema_on(t.engine(), &["v2"]).unwrap();
    assert_eq!(
        expected.view(&"people_names".into()).unwrap().sql,
        "SELECT p.\"full_name\" AS \"name\", age, id FROM \"persons\" AS p"
    );
    let diffs = t.differences(&expected).await;
    assert!(diffs.is_empty(), "{diffs:#?}");
    let drift = runner.drift(&db).await.unwrap();
    assert!(drift.is_empty(), "{drift}");
    // A view changed by hand is drift.
    t.execute("DROP VIEW adults").await;
    t.execute("CREATE VIEW adults AS SELECT name FROM people_names WHERE age >= 21")
        .await;
    let drift = runner.drift(&db).await.unwrap();
    let said = match t.engine() {
        Engine::Postgres => {
            "view adults is defined differently in the database: \"SELECT people_names.name\\n   FROM people_names\\n  WHERE (people_names.age >= 21)\" there, \"SELECT name FROM \\\"people_names\\\" WHERE age >= 18\" in the migrations"
        }
        Engine::Sqlite => {
            "view adults is defined differently in the database: \"SELECT name FROM people_names WHERE age >= 21\" there, \"SELECT name FROM \\\"people_names\\\" WHERE age >= 18\" in the migrations"
        }
    };
    assert_eq!(drift.differences, [said], "{drift}");
    t.execute("DROP VIEW adults").await;
    t.execute("CREATE VIEW adults AS SELECT name FROM people_names WHERE age >= 18")
        .await;
    let drift = runner.drift(&db).await.unwrap();
    assert!(drift.is_empty(), "{drift}");
    // --sql prints the views of this engine.
    let script = runner.sql(t.engine(), Direction::Up, "v1:v2").unwrap();
    assert!(script.contains("CREATE VIEW \"adults\""), "{script}");
    runner.downgrade(&db, "v1").await.unwrap();
    let diffs = t
        .differences(&m.schema_on(t.engine(), &["v1"]).unwrap())
        .await;
    assert!(diffs.is_empty(), "{diffs:#?}");
    runner.downgrade(&db, "base").await.unwrap();
    let diffs = t.differences(&Schema::new()).await;
    assert!(diffs.is_empty(), "{diffs:#?}");
}

fn up_rebuild(op: &mut Reversible) {
    op.create_view("named", "SELECT id, name FROM people WHERE name <> ''");
    // SQLite rebuilds the table for these; the view reads it throughout.
    op.alter_column("people", "name").set_default("anonymous");
    op.alter_column("people", "age").set_nullable(false);
    op.add_column::<i32>("people", "score").default(0);
}

async fn a_rebuilt_table_keeps_the_views_that_read_it(t: TestTarget) {
    let m = Migrations::new(vec![
        reversible("v1", &[], up_tables),
        reversible("r2", &["v1"], up_rebuild),
    ])
    .unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let db = t.database();
    runner.upgrade(&db, "v1").await.unwrap();
    if t.engine() == Engine::Sqlite {
        // The table is rebuilt (built anew and renamed) while the view reads it.
        let script = runner.sql(t.engine(), Direction::Up, "v1:r2").unwrap();
        assert!(
            script.contains("ALTER TABLE \"_migrator_new_people\" RENAME TO \"people\""),
            "{script}"
        );
    }
    t.execute("INSERT INTO people VALUES (1, 'Ann', 30)").await;
    runner.upgrade(&db, "heads").await.unwrap();
    assert_eq!(t.column("SELECT name FROM named").await, ["Ann"]);
    let diffs = t
        .differences(&m.schema_on(t.engine(), &["r2"]).unwrap())
        .await;
    assert!(diffs.is_empty(), "{diffs:#?}");
    runner.downgrade(&db, "base").await.unwrap();
    let diffs = t.differences(&Schema::new()).await;
    assert!(diffs.is_empty(), "{diffs:#?}");
}
