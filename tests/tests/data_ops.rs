//! Data as ops, end to end on both engines: `bulk_insert` puts typed rows
//! in (quotes, NULL, booleans and floats as each engine writes them),
//! `--sql` prints the same statements, and its lack of an inverse is said
//! before anything runs.

use migrator_core::graph::Direction;
use migrator_core::prelude::*;
use migrator_core::registry::Downgrade;
use migrator_core::run::{Migrations, RunConfig, RunError, Runner};
use migrator_tests::engine::TestTarget;
use migrator_tests::on_both_engines;
use migrator_tests::revisions::revision;

on_both_engines!(bulk_insert_puts_typed_rows_in_and_sql_prints_them);

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
