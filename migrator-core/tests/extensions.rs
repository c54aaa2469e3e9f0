//! PostgreSQL extensions as ops: rendered on PostgreSQL, nothing on SQLite,
//! validated and inverted by the model, written back as builder calls, and
//! diffed.

use migrator_core::ops::{invert_all, rust_source};
use migrator_core::prelude::*;
use migrator_core::render::{Postgres, Sqlite, render_sql};
use migrator_core::schema::{Schema, diff};

fn ops(build: impl FnOnce(&mut Ops)) -> Ops {
    let mut op = Ops::new();
    build(&mut op);
    op
}

#[test]
fn extensions_render_on_postgres_and_are_nothing_on_sqlite() {
    let op = ops(|op| {
        op.create_schema("ext");
        op.create_extension("pg_trgm")
            .if_not_exists()
            .schema("ext")
            .version("1.6");
        op.create_extension("citext");
        op.drop_extension("citext");
    });
    assert_eq!(
        render_sql(&Postgres, op.ops()).unwrap(),
        [
            "CREATE SCHEMA \"ext\"",
            "CREATE EXTENSION IF NOT EXISTS \"pg_trgm\" SCHEMA \"ext\" VERSION '1.6'",
            "CREATE EXTENSION \"citext\"",
            "DROP EXTENSION \"citext\"",
        ]
    );
    // SQLite has no schemas either; the extension ops alone are nothing.
    let only = ops(|op| {
        op.create_extension("citext");
        op.drop_extension("citext");
    });
    assert!(render_sql(&Sqlite, only.ops()).unwrap().is_empty());
}

#[test]
fn the_model_refuses_what_postgresql_refuses() {
    let err = |build: fn(&mut Ops)| Schema::replay(ops(build).ops()).unwrap_err().to_string();
    assert_eq!(
        err(|op| {
            op.create_extension("citext");
            op.create_extension("citext");
        }),
        "op #2 (create_extension citext): extension citext is installed already; chain .if_not_exists() to leave it as it is"
    );
    assert_eq!(
        err(|op| {
            op.drop_extension("citext");
        }),
        "op #1 (drop_extension citext): extension citext is not installed"
    );
    assert_eq!(
        err(|op| {
            op.create_extension("citext").schema("ext");
        }),
        "op #1 (create_extension citext): schema ext does not exist; create it first with create_schema"
    );
    assert_eq!(
        err(|op| {
            op.create_schema("ext");
            op.create_extension("citext").schema("ext");
            op.drop_schema("ext");
        }),
        "op #3 (drop_schema ext): schema ext is not empty: it still holds extension citext; drop it first"
    );
    // IF NOT EXISTS leaves an installed extension as it is.
    Schema::replay(
        ops(|op| {
            op.create_extension("citext");
            op.create_extension("citext").if_not_exists();
        })
        .ops(),
    )
    .unwrap();
}

#[test]
fn extensions_are_undone_from_the_model() {
    let op = ops(|op| {
        op.create_extension("citext").version("1.6");
    });
    let undo = invert_all(op.ops(), &Schema::new()).unwrap();
    assert_eq!(undo[0].describe(), "drop_extension citext");
    let installed = Schema::replay(op.ops()).unwrap();
    let drop = ops(|op| {
        op.drop_extension("citext");
    });
    let back = invert_all(drop.ops(), &installed).unwrap();
    assert_eq!(
        render_sql(&Postgres, &back).unwrap(),
        ["CREATE EXTENSION \"citext\" VERSION '1.6'"]
    );
    // Already there with IF NOT EXISTS: nothing to undo.
    let again = ops(|op| {
        op.create_extension("citext").if_not_exists();
    });
    assert_eq!(invert_all(again.ops(), &installed).unwrap(), []);
}

#[test]
fn extensions_are_diffed_and_written_back() {
    let none = Schema::new();
    let with = Schema::replay(
        ops(|op| {
            op.create_extension("pg_trgm");
        })
        .ops(),
    )
    .unwrap();
    let up = diff(&none, &with).unwrap();
    assert_eq!(
        rust_source(&up).unwrap(),
        "op.create_extension(\"pg_trgm\");\n"
    );
    assert_eq!(
        diff(&with, &none).unwrap()[0].describe(),
        "drop_extension pg_trgm"
    );
    // A version both sides name, differently: no op updates an extension.
    let v = |version: &'static str| {
        let mut op = Ops::new();
        op.create_extension("pg_trgm").version(version);
        Schema::replay(op.ops()).unwrap()
    };
    let refused = diff(&v("1.5"), &v("1.6")).unwrap_err().to_string();
    assert!(
        refused.contains("ALTER EXTENSION pg_trgm UPDATE TO"),
        "{refused}"
    );
    // One side leaving the version open: the same extension.
    assert_eq!(diff(&with, &v("1.6")).unwrap(), []);
    assert_eq!(
        rust_source(
            ops(|op| {
                op.create_extension("x")
                    .schema("s")
                    .version("2")
                    .if_not_exists();
            })
            .ops()
        )
        .unwrap(),
        "op.create_extension(\"x\").schema(\"s\").version(\"2\").if_not_exists();\n"
    );
}
