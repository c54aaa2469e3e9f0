//! `bulk_insert`: rows of typed values rendered for both engines, checked
//! against the table by the model, without an inverse, and written back as
//! builder calls.

use migrator_core::ops::{invert_all, rust_source};
use migrator_core::prelude::*;
use migrator_core::render::{LockLevel, Postgres, Sqlite, render_ops, render_sql};
use migrator_core::schema::Schema;

fn plans(op: &mut Ops) {
    op.create_table("plans", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<String>("code");
        t.column::<Option<f64>>("price");
        t.column::<bool>("active").default(true);
    });
}

fn replay(build: impl FnOnce(&mut Ops)) -> Result<Schema, String> {
    let mut op = Ops::new();
    plans(&mut op);
    build(&mut op);
    Schema::replay(op.ops()).map_err(|e| e.to_string())
}

#[test]
fn rows_are_literals_of_each_engine() {
    let mut op = Ops::new();
    plans(&mut op);
    op.bulk_insert(
        "plans",
        ["code", "price"],
        [
            vec![Literal::from("it's"), Literal::from(f64::INFINITY)],
            vec![Literal::from("$$;--"), Literal::from(None::<f64>)],
        ],
    );
    assert_eq!(
        render_sql(&Postgres, op.ops()).unwrap()[1],
        "INSERT INTO \"plans\" (\"code\", \"price\") VALUES\n  ('it''s', 'Infinity'),\n  ('$$;--', NULL)"
    );
    assert_eq!(
        render_sql(&Sqlite, op.ops()).unwrap()[1],
        "INSERT INTO \"plans\" (\"code\", \"price\") VALUES\n  ('it''s', 9e999),\n  ('$$;--', NULL)"
    );
    // NaN: PostgreSQL stores it, SQLite would store NULL, so it refuses.
    let mut nan = Ops::new();
    plans(&mut nan);
    nan.bulk_insert(
        "plans",
        ["code", "price"],
        [[Literal::from("x"), Literal::from(f64::NAN)]],
    );
    assert!(render_sql(&Postgres, nan.ops()).is_ok());
    let err = render_sql(&Sqlite, nan.ops()).unwrap_err().to_string();
    assert!(err.contains("SQLite stores NaN as NULL"), "{err}");
}

#[test]
fn many_rows_go_in_statements_of_a_thousand_that_claim_row_exclusive() {
    let mut op = Ops::new();
    op.create_table("users", |t| {
        t.column::<i64>("id").primary_key();
    });
    op.create_table("posts", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<i64>("user_id").references("users", "id");
    });
    let before = Schema::replay(op.ops()).unwrap();
    let mut insert = Ops::new();
    insert.bulk_insert(
        "posts",
        ["id", "user_id"],
        (0..2500).map(|i| [Literal::from(i), Literal::from(1)]),
    );
    let statements = render_ops(&Postgres, insert.ops(), &before).unwrap();
    assert_eq!(statements[0].len(), 3);
    let s = &statements[0][0];
    assert_eq!(s.sql.lines().count(), 1001);
    let locks: Vec<(String, LockLevel)> = s
        .locks
        .iter()
        .map(|l| (l.table.to_string(), l.level))
        .collect();
    assert_eq!(
        locks,
        [
            ("posts".to_owned(), LockLevel::RowExclusive),
            ("users".to_owned(), LockLevel::RowShare)
        ]
    );
    assert!(s.transactional);
}

#[test]
fn the_model_checks_the_rows_against_the_table() {
    let row = |v: Vec<Literal>| vec![v];
    assert_eq!(
        replay(|op| {
            op.bulk_insert("nope", ["code"], row(vec![Literal::from("a")]));
        })
        .unwrap_err(),
        "op #2 (bulk_insert nope (1 row(s))): table nope does not exist"
    );
    assert_eq!(
        replay(|op| {
            op.bulk_insert("plans", ["cost"], row(vec![Literal::from(1)]));
        })
        .unwrap_err(),
        "op #2 (bulk_insert plans (1 row(s))): table plans has no column cost"
    );
    assert_eq!(
        replay(|op| {
            op.bulk_insert("plans", ["price"], row(vec![Literal::from(1.5)]));
        })
        .unwrap_err(),
        "op #2 (bulk_insert plans (1 row(s))): row 1 of the insert into plans: column code is NOT NULL without a default, and the insert gives it no value"
    );
    assert_eq!(
        replay(|op| {
            op.bulk_insert(
                "plans",
                ["code"],
                row(vec![Literal::from("a"), Literal::from(1)]),
            );
        })
        .unwrap_err(),
        "op #2 (bulk_insert plans (1 row(s))): row 1 of the insert into plans: it has 2 value(s) for 1 column(s)"
    );
    assert_eq!(
        replay(|op| {
            op.bulk_insert(
                "plans",
                ["code"],
                [vec![Literal::from("a")], vec![Literal::Null]],
            );
        })
        .unwrap_err(),
        "op #2 (bulk_insert plans (2 row(s))): row 2 of the insert into plans: NULL in NOT NULL column code"
    );
    assert_eq!(
        replay(|op| {
            op.bulk_insert(
                "plans",
                ["code", "code"],
                row(vec![Literal::from("a"), Literal::from("b")]),
            );
        })
        .unwrap_err(),
        "op #2 (bulk_insert plans (1 row(s))): the insert into plans names column code twice"
    );
    // Rows are data: the schema is the same after them.
    let with = replay(|op| {
        op.bulk_insert("plans", ["code"], row(vec![Literal::from("a")]));
    })
    .unwrap();
    assert_eq!(with, replay(|_| {}).unwrap());
}

#[test]
fn a_bulk_insert_has_no_inverse_and_is_written_back() {
    let before = replay(|_| {}).unwrap();
    let mut op = Ops::new();
    op.bulk_insert(
        "plans",
        ["code", "price", "active"],
        [[Literal::from("a"), Literal::Null, Literal::from(false)]],
    );
    let err = invert_all(op.ops(), &before).unwrap_err().to_string();
    assert!(
        err.contains("inserted rows are not deleted by guess"),
        "{err}"
    );
    assert_eq!(
        rust_source(op.ops()).unwrap(),
        "op.bulk_insert(\"plans\", [\"code\", \"price\", \"active\"], [vec![Literal::from(\"a\"), Literal::from(Literal::Null), Literal::from(false)]]);\n"
    );
}
