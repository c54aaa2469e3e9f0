//! Data as ops, end to end on both engines: `bulk_insert` puts typed rows
//! in (quotes, NULL, booleans and floats as each engine writes them),
//! `--sql` prints the same statements, and its lack of an inverse is said
//! before anything runs; a Rust data step binds `$1`, `$2`, … and reads
//! rows the same way on both engines.

use migrator_core::graph::Direction;
use migrator_core::ops::Value;
use migrator_core::prelude::*;
use migrator_core::registry::Downgrade;
use migrator_core::run::{Engine, Migrations, RunConfig, RunError, Runner};
use migrator_tests::engine::TestTarget;
use migrator_tests::on_both_engines;
use migrator_tests::revisions::{reversible, revision};

on_both_engines!(
    bulk_insert_puts_typed_rows_in_and_sql_prints_them,
    a_data_step_binds_parameters_and_reads_rows_on_both_engines,
    a_data_step_with_declared_sql_is_printed_by_sql_and_one_without_stops_it,
    a_deferred_foreign_key_is_checked_at_commit,
);

fn up_plans(op: &mut Ops) {
    op.create_table("plans", |t| {
        t.column::<String>("code").primary_key();
        t.column::<Option<i32>>("seats");
        t.column::<bool>("active").default(true);
        t.column::<Option<f64>>("price");
    });
    op.bulk_insert(
        "plans",
        ["code", "seats", "active", "price"],
        [
            [
                Literal::from("solo"),
                Literal::from(1),
                Literal::from(true),
                Literal::from(9.5),
            ],
            [
                Literal::from("it's a team"),
                Literal::from(None::<i32>),
                Literal::from(false),
                Literal::Null,
            ],
        ],
    );
}

async fn bulk_insert_puts_typed_rows_in_and_sql_prints_them(t: TestTarget) {
    let m = Migrations::new(vec![revision("p1", &[], up_plans, Downgrade::Derived)]).unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let script = runner.sql(t.engine(), Direction::Up, "base:p1").unwrap();
    assert!(
        script
            .contains("INSERT INTO \"plans\" (\"code\", \"seats\", \"active\", \"price\") VALUES"),
        "{script}"
    );
    let db = t.database();
    runner.upgrade(&db, "heads").await.unwrap();
    let rows = t
        .query("SELECT code, seats, CASE WHEN active THEN 'yes' ELSE 'no' END, price FROM plans ORDER BY code")
        .await;
    let text = |r: &[Option<String>]| {
        r.iter()
            .map(|v| v.clone().unwrap_or("NULL".into()))
            .collect::<Vec<_>>()
    };
    assert_eq!(text(&rows[0]), ["it's a team", "NULL", "no", "NULL"]);
    assert_eq!(text(&rows[1]), ["solo", "1", "yes", "9.5"]);
    // No inverse: the downgrade is refused before anything runs.
    let err = runner.downgrade(&db, "base").await.unwrap_err();
    assert!(matches!(err, RunError::Downgrade(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("inserted rows are not deleted by guess"),
        "{err}"
    );
    assert_eq!(t.version_rows().await, ["p1"]);
}

fn up_people(op: &mut Ops) {
    op.create_table("people", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<Option<String>>("email");
        t.column::<bool>("active").default(true);
        t.column::<Option<Vec<u8>>>("avatar");
    });
    op.bulk_insert(
        "people",
        ["id", "email"],
        [
            [Literal::from(1), Literal::from("Ann@X.org")],
            [Literal::from(2), Literal::from("BOB@x.ORG")],
            [Literal::from(3), Literal::Null],
        ],
    );
}

fn up_normalise(op: &mut Ops) {
    op.data_step("lower-case emails", |tx| {
        Box::pin(async move {
            // Parameters in any order, a quote in a value, NULL, bytes, a boolean.
            let rows = tx
                .query(
                    "SELECT id, email FROM people WHERE id >= $2 AND id <= $1 ORDER BY id",
                    &[Value::from(3), Value::from(1)],
                )
                .await?;
            assert_eq!(rows.len(), 3);
            for row in rows {
                let id: i64 = row.get("id")?;
                let email: Option<String> = row.get("email")?;
                let n = tx
                    .execute_with(
                        "UPDATE people SET email = $1, active = $2, avatar = $3 WHERE id = $4",
                        &[
                            Value::from(email.map(|e| format!("{}'s", e.to_lowercase()))),
                            Value::from(id != 3),
                            Value::from(vec![0u8, 0xff, id as u8]),
                            Value::from(id),
                        ],
                    )
                    .await?;
                assert_eq!(n, 1);
            }
            let back = tx
                .query(
                    "SELECT active, avatar FROM people WHERE id = $1",
                    &[Value::from(3)],
                )
                .await?;
            assert!(!back[0].get::<bool>("active")?);
            assert_eq!(back[0].get::<Vec<u8>>("avatar")?, [0, 0xff, 3]);
            // A mistake names what is wrong.
            let err = tx
                .execute_with("UPDATE people SET email = $1", &[])
                .await
                .unwrap_err()
                .to_string();
            assert!(err.contains("value(s) are given"), "{err}");
            Ok(())
        })
    });
}

/// `people` (q1), then `next`.
fn people_then(next: migrator_core::registry::Registered) -> Migrations {
    Migrations::new(vec![
        revision(
            "q1",
            &[],
            up_people,
            Downgrade::Written(|op| {
                op.drop_table("people");
            }),
        ),
        next,
    ])
    .unwrap()
}

async fn a_data_step_binds_parameters_and_reads_rows_on_both_engines(t: TestTarget) {
    let m = people_then(revision(
        "q2",
        &["q1"],
        up_normalise,
        Downgrade::Written(|_| {}),
    ));
    let runner = Runner::new(&m, RunConfig::default());
    runner.upgrade(&t.database(), "heads").await.unwrap();
    let emails = t
        .column("SELECT coalesce(email, '-') FROM people ORDER BY id")
        .await;
    assert_eq!(emails, ["ann@x.org's", "bob@x.org's", "-"]);
}

fn up_flag(op: &mut Reversible) {
    op.add_column::<bool>("people", "vip").default(false);
    op.data_step(
        "flag the first person",
        |tx| {
            Box::pin(async move {
                tx.execute_with(
                    "UPDATE people SET vip = $1 WHERE id = $2",
                    &[Value::from(true), Value::from(1)],
                )
                .await?;
                Ok(())
            })
        },
        |tx| {
            Box::pin(async move {
                tx.execute("UPDATE people SET vip = false").await?;
                Ok(())
            })
        },
    )
    .offline_sql("UPDATE people SET vip = true WHERE id = 1")
    .offline_reverse_sql("UPDATE people SET vip = false");
}

async fn a_data_step_with_declared_sql_is_printed_by_sql_and_one_without_stops_it(t: TestTarget) {
    let flag = reversible("q3", &["q1"], up_flag);
    let m = people_then(flag);
    let runner = Runner::new(&m, RunConfig::default());
    let up = runner.sql(t.engine(), Direction::Up, "base:q3").unwrap();
    assert!(
        up.contains("-- data step \"flag the first person\", as its author declared it\nUPDATE people SET vip = true WHERE id = 1;"),
        "{up}"
    );
    // The script does what the online run does.
    t.execute(&up).await;
    assert_eq!(
        t.column("SELECT id FROM people WHERE vip ORDER BY id")
            .await,
        ["1"]
    );
    let down = runner.sql(t.engine(), Direction::Down, "q3:q1").unwrap();
    assert!(down.contains("UPDATE people SET vip = false;"), "{down}");
    // A data step without declared SQL stops the script, and says how not to.
    let m2 = people_then(revision(
        "q2",
        &["q1"],
        up_normalise,
        Downgrade::Written(|_| {}),
    ));
    let err = Runner::new(&m2, RunConfig::default())
        .sql(t.engine(), Direction::Up, "base:q2")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("declare the SQL it runs with .offline_sql"),
        "{err}"
    );
}

fn up_tree(op: &mut Reversible) {
    op.create_table("nodes", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<Option<i64>>("parent_id")
            .references("nodes", "id")
            .initially_deferred();
        t.column::<Option<i64>>("first_child")
            .references("nodes", "id")
            .deferrable();
    });
    op.on(Engine::Postgres, |op| {
        op.add_column::<Option<i32>>("nodes", "pos");
        op.add_unique("nodes", ["pos"]).initially_deferred();
    });
}

async fn a_deferred_foreign_key_is_checked_at_commit(t: TestTarget) {
    let m = Migrations::new(vec![reversible("n1", &[], up_tree)]).unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let db = t.database();
    runner.upgrade(&db, "heads").await.unwrap();
    // The catalog holds the deferral the model says, and no drift is seen.
    let diffs = t
        .differences(&m.schema_on(t.engine(), &["n1"]).unwrap())
        .await;
    assert!(diffs.is_empty(), "{diffs:#?}");
    let drift = runner.drift(&db).await.unwrap();
    assert!(drift.is_empty(), "{drift}");
    // A child before its parent, in one transaction: checked at commit.
    let pragma = if t.engine() == Engine::Sqlite {
        "PRAGMA foreign_keys = ON; "
    } else {
        ""
    };
    t.execute(&format!(
        "{pragma}BEGIN; INSERT INTO nodes (id, parent_id) VALUES (2, 1); INSERT INTO nodes (id) VALUES (1); COMMIT"
    ))
    .await;
    assert_eq!(
        t.column("SELECT id FROM nodes ORDER BY id").await,
        ["1", "2"]
    );
    if t.engine() == Engine::Postgres {
        // A deferred unique key: two rows swap places in one transaction.
        t.execute("UPDATE nodes SET pos = id").await;
        t.execute(
            "BEGIN; UPDATE nodes SET pos = 2 WHERE id = 1; UPDATE nodes SET pos = 1 WHERE id = 2; COMMIT",
        )
        .await;
        assert_eq!(
            t.column("SELECT pos::text FROM nodes ORDER BY id").await,
            ["2", "1"]
        );
    }
    runner.downgrade(&db, "base").await.unwrap();
}
