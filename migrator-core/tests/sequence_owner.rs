//! Sequences `OWNED BY` a column: the model's refusals (PostgreSQL's, in
//! its words), the sequence going with its column or table and following
//! their renames, the PostgreSQL SQL with its locks, SQLite's refusal by
//! name, the inverses from the model, autogenerate's diff and the source it
//! writes.

use migrator_core::ops::{Op, Ops, invert_all, rust_source};
use migrator_core::prelude::*;
use migrator_core::render::{LockLevel, Postgres, Sqlite, render_ops, render_sql};
use migrator_core::schema::{Schema, diff};

mod support;
use support::schema;

fn base(op: &mut Ops) {
    op.create_schema("billing");
    op.create_table("invoices", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<i64>("number");
        t.column::<i64>("auto").identity();
    });
    op.create_table(("billing", "fees"), |t| {
        t.column::<i64>("id").primary_key();
    });
    op.create_sequence("numbers")
        .start(100)
        .owned_by("invoices", "number");
    op.create_sequence("spare");
}

fn error(f: impl FnOnce(&mut Ops)) -> String {
    support::refused(base, f)
}

fn owner_of(s: &Schema, name: &str) -> Option<(String, String)> {
    s.sequence(&name.into())
        .expect("the sequence exists")
        .owned_by
        .as_ref()
        .map(|o| (o.table.to_string(), o.column.clone()))
}

#[test]
fn the_model_refuses_an_owner_postgresql_refuses() {
    assert_eq!(
        error(|op| {
            op.create_sequence("s").owned_by("nope", "v");
        }),
        "table nope does not exist"
    );
    assert_eq!(
        error(|op| {
            op.alter_sequence("spare").owned_by("invoices", "nope");
        }),
        "table invoices has no column nope"
    );
    assert_eq!(
        error(|op| {
            op.alter_sequence("spare")
                .owned_by(("billing", "fees"), "id");
        }),
        "sequence spare: sequence must be in same schema as table it is linked to (OWNED BY billing.fees.id; the sequence is in schema public)"
    );
    assert_eq!(
        error(|op| {
            op.alter_sequence("invoices_auto_seq")
                .owned_by("invoices", "number");
        }),
        "sequence invoices_auto_seq: cannot change ownership of identity sequence: it is linked to table invoices"
    );
    // Another column's default draws from it: the owner cannot go.
    let uses = |op: &mut Ops| {
        op.add_column::<i64>("invoices", "copy")
            .default_sql("nextval('numbers')");
    };
    assert_eq!(
        error(|op| {
            uses(op);
            op.drop_column("invoices", "number");
        }),
        "sequence numbers: cannot drop column number of table invoices because other objects depend on it: it owns the sequence, and the default value for column copy of table invoices depends on sequence numbers; change that default first"
    );
    assert_eq!(
        error(|op| {
            op.create_table("receipts", |t| {
                t.column::<i64>("n")
                    .default_sql("nextval('numbers'::regclass)");
            });
            op.drop_table("invoices");
        }),
        "sequence numbers: cannot drop table invoices because other objects depend on it: it owns the sequence, and the default value for column n of table receipts depends on sequence numbers; change that default first"
    );
    // MINVALUE moved past a START left at its default: PostgreSQL keeps the
    // start and refuses it.
    assert_eq!(
        error(|op| {
            op.alter_sequence("spare").min_value(500);
        }),
        "sequence spare: START value (1) cannot be less than MINVALUE (500)"
    );
}

#[test]
fn the_sequence_goes_with_its_owner_and_follows_its_renames() {
    let renamed = schema(|op| {
        base(op);
        op.rename_table("invoices", "bills");
        op.rename_column("bills", "number", "no");
    });
    assert_eq!(
        owner_of(&renamed, "numbers"),
        Some(("bills".into(), "no".into()))
    );
    let column_gone = schema(|op| {
        base(op);
        op.drop_column("invoices", "number");
    });
    assert!(column_gone.sequence(&"numbers".into()).is_none());
    let table_gone = schema(|op| {
        base(op);
        op.drop_table("invoices");
    });
    assert!(table_gone.sequence(&"numbers".into()).is_none());
    assert!(table_gone.sequence(&"spare".into()).is_some());
    let disowned = schema(|op| {
        base(op);
        op.alter_sequence("numbers").owned_by_none();
        op.drop_table("invoices");
    });
    assert_eq!(owner_of(&disowned, "numbers"), None);
}

#[test]
fn postgresql_sql_locks_and_sqlite_refuses_by_name() {
    let before = schema(base);
    let mut op = Ops::new();
    op.create_sequence("more")
        .as_type(ColumnType::Integer)
        .owned_by("invoices", "id");
    op.alter_sequence("spare")
        .increment(2)
        .owned_by("invoices", "id");
    op.alter_sequence("numbers").owned_by_none();
    let got: Vec<_> = render_ops(&Postgres, op.ops(), &before).unwrap().concat();
    let sql: Vec<&str> = got.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sql,
        [
            "CREATE SEQUENCE \"more\" AS integer OWNED BY \"invoices\".\"id\"",
            "ALTER SEQUENCE \"spare\" INCREMENT BY 2 OWNED BY \"invoices\".\"id\"",
            "ALTER SEQUENCE \"numbers\" OWNED BY NONE",
        ]
    );
    // OWNED BY reads the table (ACCESS SHARE, measured); NONE locks none.
    let locks: Vec<_> = got
        .iter()
        .map(|s| (s.strongest_lock(), s.transactional))
        .collect();
    assert_eq!(
        locks,
        [
            (Some(LockLevel::AccessShare), true),
            (Some(LockLevel::AccessShare), true),
            (None, true),
        ]
    );
    let mut op = Ops::new();
    op.create_table("invoices", |t| {
        t.column::<i64>("number");
    });
    op.create_sequence("numbers").owned_by("invoices", "number");
    let err = render_sql(&Sqlite, op.ops()).unwrap_err().to_string();
    assert!(
        err.contains("SQLite has no sequences (create_sequence numbers)"),
        "{err}"
    );
}

#[test]
fn drops_are_undone_with_the_sequence_created_again_and_owned() {
    let before = schema(|op| {
        base(op);
        op.add_column::<i64>("invoices", "copy")
            .default_sql("nextval('numbers')");
    });
    let mut op = Ops::new();
    op.drop_column("invoices", "copy");
    op.drop_column("invoices", "number");
    let undo = invert_all(op.ops(), &before).unwrap();
    assert_eq!(
        rust_source(&undo).unwrap(),
        "op.create_sequence(\"numbers\").start(100);\n\
         op.add_column_as(\"invoices\", \"number\", ColumnType::BigInt);\n\
         op.alter_sequence(\"numbers\").owned_by(\"invoices\", \"number\");\n\
         op.add_column_as(\"invoices\", \"copy\", ColumnType::BigInt).default_sql(\"nextval('numbers')\");\n"
    );
    // The table: its sequences created first (a default in it draws from
    // one), owned once it is back.
    let mut op = Ops::new();
    op.drop_table("invoices");
    op.alter_sequence("spare").owned_by_none();
    let undo = invert_all(op.ops(), &before).unwrap();
    let described: Vec<String> = undo.iter().map(Op::describe).collect();
    assert_eq!(described[0], "alter_sequence spare");
    assert_eq!(described[1], "create_sequence numbers");
    assert_eq!(described[2], "create_table invoices");
    assert_eq!(described.last().unwrap(), "alter_sequence numbers");
    let mut after = before.clone();
    after.apply_all(op.ops()).unwrap();
    assert!(after.sequence(&"numbers".into()).is_none());
    after.apply_all(&undo).unwrap();
    assert_eq!(after, before);
    // alter_sequence's owner undone from the model.
    let mut op = Ops::new();
    op.alter_sequence("numbers").owned_by("invoices", "id");
    assert_eq!(
        rust_source(&invert_all(op.ops(), &before).unwrap()).unwrap(),
        "op.alter_sequence(\"numbers\").owned_by(\"invoices\", \"number\");\n"
    );
}

#[test]
fn autogenerate_owns_after_the_tables_and_lets_the_owner_take_its_sequence() {
    let empty = Schema::new();
    let to = schema(base);
    let ops = diff(&empty, &to).unwrap();
    let source = rust_source(&ops).unwrap();
    assert!(
        source.starts_with("op.create_schema(\"billing\");\nop.create_sequence(\"numbers\").start(100);\nop.create_sequence(\"spare\");\n"),
        "{source}"
    );
    assert!(
        source.ends_with("op.alter_sequence(\"numbers\").owned_by(\"invoices\", \"number\");\n"),
        "{source}"
    );
    let mut replayed = Schema::new();
    replayed.apply_all(&ops).unwrap();
    assert_eq!(replayed, to);
    // The owner changes: let go first, owned again at the end.
    let moved = schema(|op| {
        base(op);
        op.alter_sequence("numbers").owned_by("invoices", "id");
    });
    assert_eq!(
        rust_source(&diff(&to, &moved).unwrap()).unwrap(),
        "op.alter_sequence(\"numbers\").owned_by_none();\n\
         op.alter_sequence(\"numbers\").owned_by(\"invoices\", \"id\");\n"
    );
    // The owning table dropped takes its sequence: no drop_sequence.
    let gone = schema(|op| {
        base(op);
        op.drop_table("invoices");
    });
    let ops = diff(&to, &gone).unwrap();
    assert_eq!(rust_source(&ops).unwrap(), "op.drop_table(\"invoices\");\n");
    let mut replayed = to.clone();
    replayed.apply_all(&ops).unwrap();
    assert_eq!(replayed, gone);
}

#[test]
fn a_column_drawing_from_the_sequence_it_owns_is_a_serial() {
    let serial = "column number of table invoices would own it and draw its default from it, which is what a serial column is (and how the database reads back); declare the column ColumnType::Serial or BigSerial, or an identity, instead";
    assert_eq!(
        error(|op| {
            op.alter_column("invoices", "number")
                .set_default_sql("nextval('numbers')");
        }),
        format!("sequence numbers: {serial}")
    );
    assert_eq!(
        error(|op| {
            op.alter_sequence("numbers").owned_by_none();
            op.alter_column("invoices", "number")
                .set_default_sql("nextval('numbers')");
            op.alter_sequence("numbers").owned_by("invoices", "number");
        }),
        format!("sequence numbers: {serial}")
    );
}
