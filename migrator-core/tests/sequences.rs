//! Sequences of their own: the model's refusals (PostgreSQL's, in its words
//! where it has them), the PostgreSQL SQL, SQLite's refusal by name, the
//! inverses from the model, autogenerate's diff and the source it writes.

use migrator_core::ident::QualifiedName;
use migrator_core::ops::{Op, Ops, invert_all, rust_source};
use migrator_core::prelude::*;
use migrator_core::render::{Postgres, Sqlite, render_sql};
use migrator_core::schema::{Schema, diff};

mod support;
use support::schema;

fn base(op: &mut Ops) {
    op.create_table("invoices", |t| {
        t.column::<i64>("id").primary_key();
    });
    op.create_sequence("numbers").start(100);
}

fn error(f: impl FnOnce(&mut Ops)) -> String {
    support::refused(base, f)
}

#[test]
fn the_model_refuses_what_postgresql_refuses() {
    assert_eq!(
        error(|op| {
            op.create_sequence("invoices");
        }),
        "table invoices already exists in schema public"
    );
    assert_eq!(
        error(|op| {
            op.create_table("numbers", |t| {
                t.column::<i64>("id");
            });
        }),
        "sequence numbers already exists in schema public"
    );
    assert_eq!(
        error(|op| {
            op.create_sequence("small")
                .as_type(ColumnType::SmallInt)
                .max_value(40_000);
        }),
        "sequence small: MAXVALUE (40000) is out of range for sequence data type smallint"
    );
    assert_eq!(
        error(|op| {
            op.create_sequence("t").as_type(ColumnType::Text);
        }),
        "sequence t: a sequence is smallint, integer or bigint, not Text"
    );
    assert_eq!(
        error(|op| {
            op.alter_sequence("numbers").increment(0);
        }),
        "sequence numbers: INCREMENT must not be zero"
    );
    assert_eq!(
        error(|op| {
            op.alter_sequence("numbers").max_value(50);
        }),
        "sequence numbers: START value (100) cannot be greater than MAXVALUE (50)"
    );
    assert_eq!(
        error(|op| {
            op.alter_sequence("numbers").restart(0);
        }),
        "sequence numbers: RESTART value (0) cannot be less than MINVALUE (1)"
    );
    assert_eq!(
        error(|op| {
            op.alter_sequence("numbers");
        }),
        "sequence numbers: alter_sequence changes nothing; chain the options to set (.increment(n), .restart(n), …)"
    );
    assert_eq!(
        error(|op| {
            op.drop_sequence("nope");
        }),
        "sequence nope does not exist; create it first with create_sequence"
    );
    assert_eq!(
        error(|op| {
            op.rename_sequence("numbers", "invoices");
        }),
        "table invoices already exists in schema public"
    );
    assert_eq!(
        error(|op| {
            op.add_column::<i64>("invoices", "number")
                .default_sql("nextval('numbers')");
            op.drop_sequence("numbers");
        }),
        "sequence numbers: the default of column number of table invoices draws from it, so PostgreSQL cannot drop it; change that default first"
    );
    assert_eq!(
        error(|op| {
            op.create_schema("s");
            op.create_sequence(("s", "q"));
            op.drop_schema("s");
        }),
        "schema s is not empty: it still holds sequence q; drop it first"
    );
}

#[test]
fn postgresql_sql_and_sqlite_refuses_by_name() {
    let mut op = Ops::new();
    op.create_sequence(("public", "numbers"))
        .as_type(ColumnType::Integer)
        .increment(-2)
        .min_value(-1000)
        .max_value(-1)
        .start(-10)
        .cycle()
        .cache(20);
    op.alter_sequence("numbers")
        .increment(-1)
        .restart(-5)
        .no_cycle();
    op.rename_sequence("numbers", "Numbers");
    op.drop_sequence("Numbers");
    assert_eq!(
        render_sql(&Postgres, op.ops()).unwrap(),
        [
            "CREATE SEQUENCE \"public\".\"numbers\" AS integer START WITH -10 INCREMENT BY -2 MINVALUE -1000 MAXVALUE -1 CYCLE CACHE 20",
            "ALTER SEQUENCE \"numbers\" INCREMENT BY -1 RESTART WITH -5 NO CYCLE",
            "ALTER SEQUENCE \"numbers\" RENAME TO \"Numbers\"",
            "DROP SEQUENCE \"Numbers\"",
        ]
    );
    let err = render_sql(&Sqlite, op.ops()).unwrap_err().to_string();
    assert!(
        err.contains("SQLite has no sequences (create_sequence public.numbers); put the sequence ops in op.on(Engine::Postgres, …)"),
        "{err}"
    );
    // In a block for PostgreSQL, SQLite renders nothing.
    let mut op = Ops::new();
    op.on(Engine::Postgres, |op| {
        op.create_sequence("numbers");
    });
    assert!(render_sql(&Sqlite, op.ops()).unwrap().is_empty());
}

/// A default drawing from a sequence follows its rename, as PostgreSQL's
/// does (it keeps the sequence by oid): the model names the new name, so
/// the drop is still refused and the catalog reads back what the model
/// holds (found by the diff property test, which dropped the renamed
/// sequence the default still drew from).
#[test]
fn a_default_follows_its_sequences_rename() {
    let mut op = Ops::new();
    base(&mut op);
    op.create_schema("billing");
    op.create_sequence(QualifiedName::new("billing", "seq"));
    op.add_column::<i64>("invoices", "number")
        .default_sql("nextval('numbers'::regclass) + 1");
    op.add_column::<i64>("invoices", "other")
        .default_sql("nextval('billing.\"seq\"')");
    op.rename_sequence("numbers", "Serial's");
    op.rename_sequence(QualifiedName::new("billing", "seq"), "next");
    let renamed = Schema::replay(op.ops()).unwrap();
    let invoices = renamed.table(&"invoices".into()).unwrap();
    let default = |name: &str| format!("{:?}", invoices.find_column(name).unwrap().default);
    assert_eq!(
        default("number"),
        "Some(Expr(\"nextval('\\\"Serial''s\\\"'::regclass) + 1\"))"
    );
    assert_eq!(
        default("other"),
        "Some(Expr(\"nextval('\\\"billing\\\".\\\"next\\\"')\"))"
    );
    // A name with a double quote in it, quoted with "" in the literal, is
    // followed there and back (found by the inverse property test).
    let mut quoted = Ops::new();
    base(&mut quoted);
    quoted.create_sequence("s\"q");
    quoted
        .add_column::<i64>("invoices", "n")
        .default_sql("nextval('\"s\"\"q\"'::regclass)");
    let start = Schema::replay(quoted.ops()).unwrap();
    quoted.rename_sequence("s\"q", "seq");
    let there = Schema::replay(quoted.ops()).unwrap();
    assert_eq!(
        format!(
            "{:?}",
            there
                .table(&"invoices".into())
                .unwrap()
                .find_column("n")
                .unwrap()
                .default
        ),
        "Some(Expr(\"nextval('\\\"seq\\\"'::regclass)\"))"
    );
    quoted.rename_sequence("seq", "s\"q");
    let back = Schema::replay(quoted.ops()).unwrap();
    assert_eq!(
        back.table(&"invoices".into())
            .unwrap()
            .find_column("n")
            .unwrap()
            .default,
        start
            .table(&"invoices".into())
            .unwrap()
            .find_column("n")
            .unwrap()
            .default
    );
    let mut drop = Ops::new();
    drop.drop_sequence("Serial's");
    assert_eq!(
        renamed
            .clone()
            .apply(&drop.ops()[0])
            .unwrap_err()
            .to_string(),
        "sequence Serial's: the default of column number of table invoices draws from it, so PostgreSQL cannot drop it; change that default first"
    );
}

/// What an `alter_sequence` does not name keeps its value, a default one
/// too, as PostgreSQL 15 keeps it (checked with psql: after `CREATE
/// SEQUENCE s; ALTER SEQUENCE s MINVALUE -10 INCREMENT BY 2` pg_sequence
/// holds start 1; after `INCREMENT BY -1` the bounds stay; after `AS
/// integer` the bigint maximum becomes integer's). The model let START
/// follow the new MINVALUE, found by the diff property test.
#[test]
fn an_alter_keeps_what_it_does_not_name() {
    let options = |build: fn(&mut Ops)| {
        let mut op = Ops::new();
        op.create_sequence("s");
        build(&mut op);
        let schema = Schema::replay(op.ops()).unwrap();
        let seq = schema.sequence(&"s".into()).unwrap();
        rust_source(&[Op::CreateSequence(seq.clone())]).unwrap()
    };
    assert_eq!(
        options(|op| {
            op.alter_sequence("s").min_value(-10).increment(2);
        }),
        "op.create_sequence(\"s\").start(1).increment(2).min_value(-10);\n"
    );
    assert_eq!(
        options(|op| {
            op.alter_sequence("s").min_value(-10).increment(2);
            op.alter_sequence("s").increment(-1);
        }),
        "op.create_sequence(\"s\").start(1).increment(-1).min_value(-10).max_value(9223372036854775807);\n"
    );
    assert_eq!(
        options(|op| {
            op.alter_sequence("s").min_value(-10);
            op.alter_sequence("s").as_type(ColumnType::Integer);
        }),
        "op.create_sequence(\"s\").as_type(ColumnType::Integer).start(1).min_value(-10);\n"
    );
    // A bound at the old type's extreme moves to the new type's, set or
    // not, whichever way the sequence counts (psql on PostgreSQL 15:
    // seqstart -2147483648, seqmin -9223372036854775808; and seqmax
    // 2147483647 for the second).
    assert_eq!(
        options(|op| {
            op.alter_sequence("s").as_type(ColumnType::Integer);
            op.alter_sequence("s")
                .min_value(-2_147_483_648)
                .start(-2_147_483_648);
            op.alter_sequence("s").as_type(ColumnType::BigInt);
        }),
        "op.create_sequence(\"s\").start(-2147483648).min_value(-9223372036854775808);\n"
    );
    assert_eq!(
        options(|op| {
            op.alter_sequence("s").min_value(-10).increment(2);
            op.alter_sequence("s").increment(-1);
            op.alter_sequence("s").as_type(ColumnType::Integer);
        }),
        "op.create_sequence(\"s\").as_type(ColumnType::Integer).start(1).increment(-1).min_value(-10).max_value(2147483647);\n"
    );
}

#[test]
fn each_op_is_undone_from_the_model() {
    let before = schema(base);
    let mut op = Ops::new();
    op.alter_sequence("numbers")
        .increment(5)
        .as_type(ColumnType::Integer)
        .restart(500);
    op.rename_sequence("numbers", "serials");
    op.drop_sequence("serials");
    op.create_sequence("other").cycle();
    let undo = invert_all(op.ops(), &before).unwrap();
    assert_eq!(
        rust_source(&undo).unwrap(),
        "op.drop_sequence(\"other\");\n\
         op.create_sequence(\"serials\").as_type(ColumnType::Integer).start(100).increment(5);\n\
         op.rename_sequence(\"serials\", \"numbers\");\n\
         op.alter_sequence(\"numbers\").as_type(ColumnType::BigInt).increment(1);\n"
    );
    let mut after = before.clone();
    after.apply_all(op.ops()).unwrap();
    after.apply_all(&undo).unwrap();
    assert_eq!(after, before);
}

#[test]
fn autogenerate_creates_alters_and_drops_sequences() {
    let from = schema(base);
    let to = schema(|op| {
        op.create_table("invoices", |t| {
            t.column::<i64>("id").primary_key();
            t.column::<i64>("number").default_sql("nextval('serials')");
        });
        op.create_sequence("numbers").start(100).increment(2);
        op.create_sequence("serials");
    });
    let ops = diff(&from, &to).unwrap();
    assert_eq!(
        rust_source(&ops).unwrap(),
        "op.alter_sequence(\"numbers\").increment(2);\n\
         op.create_sequence(\"serials\");\n\
         op.add_column_as(\"invoices\", \"number\", ColumnType::BigInt).default_sql(\"nextval('serials')\");\n",
        "{ops:#?}"
    );
    let back = diff(&to, &from).unwrap();
    let described: Vec<String> = back.iter().map(Op::describe).collect();
    assert_eq!(
        described,
        [
            "alter_sequence numbers",
            "drop_column invoices.number",
            "drop_sequence serials"
        ]
    );
    // Options written at their defaults are no options.
    let same = schema(|op| {
        op.create_table("invoices", |t| {
            t.column::<i64>("id").primary_key();
        });
        op.create_sequence("numbers")
            .start(100)
            .increment(1)
            .as_type(ColumnType::BigInt)
            .cache(1);
    });
    assert!(diff(&from, &same).unwrap().is_empty());
}
