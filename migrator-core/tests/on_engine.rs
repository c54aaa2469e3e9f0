//! Blocks of ops for one engine: rendered on their engine and not on the
//! other, replayed per engine, validated where they replay, inverted into a
//! block for the same engine, and written back as builder calls.

use migrator_core::ops::{Op, invert_all, rust_source};
use migrator_core::prelude::*;
use migrator_core::render::{Postgres, Sqlite, render_sql};
use migrator_core::schema::Schema;

fn revision() -> Ops {
    let mut op = Ops::new();
    op.create_table("docs", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<String>("body");
    });
    op.on(Engine::Postgres, |op| {
        op.create_index("docs", ["body"]).using(IndexMethod::Hash);
    });
    op.on(Engine::Sqlite, |op| {
        op.create_index("docs", ["body"])
            .named("ix_docs_body_sqlite");
    });
    // An op after the blocks sees what its engine's block made.
    op.on(Engine::Postgres, |op| {
        op.drop_index("ix_docs_body");
    });
    op
}

#[test]
fn each_engine_renders_its_own_blocks_only() {
    let op = revision();
    let pg = render_sql(&Postgres, op.ops()).unwrap();
    assert_eq!(pg.len(), 3, "{pg:#?}");
    assert_eq!(
        pg[1],
        "CREATE INDEX \"ix_docs_body\" ON \"docs\" USING hash (\"body\")"
    );
    assert_eq!(pg[2], "DROP INDEX \"ix_docs_body\"");
    let lite = render_sql(&Sqlite, op.ops()).unwrap();
    assert_eq!(lite.len(), 2, "{lite:#?}");
    assert_eq!(
        lite[1],
        "CREATE INDEX \"ix_docs_body_sqlite\" ON \"docs\" (\"body\")"
    );
}

#[test]
fn the_model_replays_a_block_on_its_engine_only() {
    let op = revision();
    let mut pg = Schema::for_engine(Engine::Postgres);
    pg.apply_all(op.ops()).unwrap();
    assert_eq!(pg.indexes().count(), 0);
    let mut lite = Schema::for_engine(Engine::Sqlite);
    lite.apply_all(op.ops()).unwrap();
    let names: Vec<&str> = lite.indexes().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["ix_docs_body_sqlite"]);
    // Engine-neutral: no block at all.
    assert_eq!(Schema::replay(op.ops()).unwrap().indexes().count(), 0);
    // Equal contents are equal schemas, whatever the engine.
    assert_eq!(pg, Schema::replay(op.ops()).unwrap());
}

#[test]
fn a_block_is_validated_where_it_replays_and_all_or_nothing() {
    let mut op = Ops::new();
    op.create_table("docs", |t| {
        t.column::<i64>("id").primary_key();
    });
    op.on(Engine::Postgres, |op| {
        op.create_index("docs", ["id"]);
        op.create_index("docs", ["missing"]);
    });
    let mut pg = Schema::for_engine(Engine::Postgres);
    let err = pg.apply_all(op.ops()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "op #2 (on PostgreSQL: create_index ix_docs_id on docs, create_index ix_docs_missing on docs): table docs has no column missing"
    );
    // Nothing of the block was applied.
    assert_eq!(pg.indexes().count(), 0);
    // On SQLite the block does not replay, so it is not an error there.
    let mut lite = Schema::for_engine(Engine::Sqlite);
    lite.apply_all(op.ops()).unwrap();
}

#[test]
fn a_block_is_undone_by_a_block_for_the_same_engine() {
    let mut op = Reversible::new();
    op.on(Engine::Postgres, |op| {
        op.create_schema("audit");
        op.create_table(("audit", "log"), |t| {
            t.column::<i64>("id").primary_key();
        });
    });
    let undo = invert_all(op.ops(), &Schema::for_engine(Engine::Postgres)).unwrap();
    let [Op::OnEngine(block)] = undo.as_slice() else {
        panic!("{undo:#?}")
    };
    assert_eq!(block.engine, Engine::Postgres);
    let described: Vec<String> = block.ops.iter().map(Op::describe).collect();
    assert_eq!(described, ["drop_table audit.log", "drop_schema audit"]);
    // On a model of the other engine the block never ran: nothing to undo.
    assert_eq!(
        invert_all(op.ops(), &Schema::for_engine(Engine::Sqlite)).unwrap(),
        []
    );
}

#[test]
fn a_block_is_written_back_as_builder_calls() {
    let mut op = Ops::new();
    op.on(Engine::Sqlite, |op| {
        op.create_schema("x");
    });
    assert_eq!(
        rust_source(op.ops()).unwrap(),
        "op.on(Engine::Sqlite, |op| {\nop.create_schema(\"x\");\n});\n"
    );
}

#[test]
fn raw_sql_declares_what_it_makes() {
    let mut op = Ops::new();
    op.execute("CREATE TABLE t AS SELECT 1 AS n")
        .reverse("DROP TABLE t")
        .declares(|op| {
            op.create_table("t", |t| {
                t.column::<Option<i32>>("n");
            });
        });
    let schema = Schema::replay(op.ops()).unwrap();
    assert!(schema.table(&"t".into()).is_some());
    // Undone by the reverse SQL, which takes the declared table away too.
    let undo = invert_all(op.ops(), &Schema::new()).unwrap();
    let mut back = schema.clone();
    back.apply_all(&undo).unwrap();
    assert_eq!(back, Schema::new());
    assert_eq!(
        rust_source(op.ops()).unwrap(),
        "op.execute(\"CREATE TABLE t AS SELECT 1 AS n\").reverse(\"DROP TABLE t\").declares(|op| {\n\
         op.create_table(\"t\", |t| {\n    t.column_as(\"n\", ColumnType::Integer).nullable();\n});\n});\n"
    );
    // Only schema ops are declarations.
    let mut bad = Ops::new();
    bad.execute("UPDATE x SET a = 1").declares(|op| {
        op.execute("SELECT 1");
    });
    assert_eq!(
        Schema::replay(bad.ops()).unwrap_err().to_string(),
        "op #1 (execute \"UPDATE x SET a = 1\"): raw SQL declares execute \"SELECT 1\", which changes no schema; .declares(…) takes schema ops only"
    );
    // What it declares must apply, as any op must.
    let mut wrong = Ops::new();
    wrong.execute("DROP TABLE nope").declares(|op| {
        op.drop_table("nope");
    });
    assert_eq!(
        Schema::replay(wrong.ops()).unwrap_err().to_string(),
        "op #1 (execute \"DROP TABLE nope\"): table nope does not exist"
    );
}
