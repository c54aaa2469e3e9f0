//! Column collations: the model's refusals, the SQL on both engines (a type
//! change keeps the collation PostgreSQL would otherwise reset), the
//! inverse, autogenerate's diff and the source it writes.

use migrator_core::ops::{Op, Ops, invert_all, rust_source};
use migrator_core::prelude::*;
use migrator_core::render::{Effect, Postgres, Sqlite, render_ops, render_sql};
use migrator_core::schema::diff;

mod support;
use support::schema;

fn words(op: &mut Ops) {
    op.create_table("words", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<String>("word").collate("C").unique();
        t.column::<String>("note");
    });
}

fn error(f: impl FnOnce(&mut Ops)) -> String {
    support::refused(words, f)
}

fn sql_after(f: impl FnOnce(&mut Ops)) -> Vec<(String, Effect)> {
    let before = schema(words);
    let mut op = Ops::new();
    f(&mut op);
    render_ops(&Postgres, op.ops(), &before)
        .unwrap()
        .into_iter()
        .flatten()
        .map(|s| (s.sql, s.effect))
        .collect()
}

#[test]
fn a_collation_needs_a_text_type() {
    assert_eq!(
        error(|op| {
            op.add_column::<i32>("words", "n").collate("C");
        }),
        "column n of table words: collations are not supported by type integer; only text, varchar and char columns take one"
    );
    assert_eq!(
        error(|op| {
            op.alter_column("words", "id").set_collation("C");
        }),
        "column id of table words: collations are not supported by type bigint; only text, varchar and char columns take one"
    );
    assert_eq!(
        error(|op| {
            op.add_column::<String>("words", "x").collate(" ");
        }),
        "column x of table words: its collation name is empty"
    );
}

#[test]
fn postgresql_sql_keeps_or_changes_the_collation() {
    let mut op = Ops::new();
    words(&mut op);
    assert!(
        render_sql(&Postgres, op.ops()).unwrap()[0]
            .contains("\"word\" text COLLATE \"C\" NOT NULL"),
    );
    // A type change alone keeps it (PostgreSQL would reset it).
    assert_eq!(
        sql_after(|op| {
            op.alter_column("words", "word")
                .set_type(ColumnType::varchar(50));
        })[0]
            .0,
        "ALTER TABLE \"words\" ALTER COLUMN \"word\" TYPE varchar(50) COLLATE \"C\""
    );
    // Changed with the type, or on its own (the type restated); the index
    // over the column is built again.
    assert_eq!(
        sql_after(|op| {
            op.alter_column("words", "word")
                .set_type(ColumnType::varchar(50))
                .reset_collation();
        })[0]
            .0,
        "ALTER TABLE \"words\" ALTER COLUMN \"word\" TYPE varchar(50) COLLATE \"default\""
    );
    assert_eq!(
        sql_after(|op| {
            op.alter_column("words", "word").set_collation("POSIX");
        }),
        [(
            "ALTER TABLE \"words\" ALTER COLUMN \"word\" TYPE text COLLATE \"POSIX\"".to_owned(),
            Effect::Scan
        )]
    );
    assert_eq!(
        sql_after(|op| {
            op.alter_column("words", "note").set_collation("C");
        }),
        [(
            "ALTER TABLE \"words\" ALTER COLUMN \"note\" TYPE text COLLATE \"C\"".to_owned(),
            Effect::None
        )]
    );
}

#[test]
fn sqlite_takes_its_own_collations_and_refuses_others_by_name() {
    let mut op = Ops::new();
    op.create_table("words", |t| {
        t.column::<String>("word").collate("nocase");
    });
    assert_eq!(
        render_sql(&Sqlite, op.ops()).unwrap()[0],
        "CREATE TABLE \"words\" (\n  \"word\" TEXT COLLATE NOCASE NOT NULL\n)"
    );
    let mut op = Ops::new();
    words(&mut op);
    let err = render_sql(&Sqlite, op.ops()).unwrap_err().to_string();
    assert!(
        err.contains("SQLite has the collations BINARY, NOCASE and RTRIM only, and column word has COLLATE C; use one of them, or give the collation in op.on(Engine::Postgres, …)"),
        "{err}"
    );
}

#[test]
fn a_collation_change_is_undone_and_diffed() {
    let before = schema(words);
    let mut op = Ops::new();
    op.alter_column("words", "word").reset_collation();
    op.alter_column("words", "note").set_collation("POSIX");
    let undo = invert_all(op.ops(), &before).unwrap();
    assert_eq!(
        rust_source(&undo).unwrap(),
        "op.alter_column(\"words\", \"note\").reset_collation();\n\
         op.alter_column(\"words\", \"word\").set_collation(\"C\");\n"
    );
    let mut after = before.clone();
    after.apply_all(op.ops()).unwrap();
    let ops = diff(&before, &after).unwrap();
    let described: Vec<String> = ops.iter().map(Op::describe).collect();
    assert_eq!(
        described,
        ["alter_column words.word", "alter_column words.note"]
    );
    assert_eq!(
        rust_source(&ops).unwrap(),
        "op.alter_column(\"words\", \"word\").reset_collation();\n\
         op.alter_column(\"words\", \"note\").set_collation(\"POSIX\");\n"
    );
    after.apply_all(&undo).unwrap();
    assert_eq!(after, before);
    // Written back inside create_table too.
    let mut op = Ops::new();
    words(&mut op);
    assert!(
        rust_source(op.ops())
            .unwrap()
            .contains("t.column_as(\"word\", ColumnType::Text).collate(\"C\");")
    );
}
