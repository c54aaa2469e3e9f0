//! Stored generated columns: the model's refusals (each PostgreSQL's,
//! measured on PostgreSQL 15), the SQL and claims on both engines, the
//! inverse, autogenerate's diff and the source it writes.

use migrator_core::ops::{Op, Ops, invert_all, rust_source};
use migrator_core::prelude::*;
use migrator_core::render::{Effect, LockLevel, Postgres, Sqlite, Statement, render_ops};
use migrator_core::schema::{Schema, diff};

mod support;
use support::schema;

fn lines(op: &mut Ops) {
    op.create_table("lines", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<i64>("price");
        t.column::<i64>("qty");
        t.column::<i64>("total").generated_sql("price * qty");
    });
}

fn error(f: impl FnOnce(&mut Ops)) -> String {
    support::refused(lines, f)
}

fn render_on(
    dialect: &dyn migrator_core::render::Dialect,
    f: impl FnOnce(&mut Ops),
) -> Vec<Statement> {
    let before = schema(lines);
    let mut op = Ops::new();
    f(&mut op);
    render_ops(dialect, op.ops(), &before)
        .expect("renders")
        .into_iter()
        .flatten()
        .collect()
}

#[test]
fn postgresql_refusals_are_the_models() {
    assert_eq!(
        error(|op| {
            op.add_column::<i64>("lines", "twice")
                .generated_sql("total * 2");
        }),
        "column twice of table lines: its expression uses generated column total, and a generated column may only use plain columns; repeat total's expression instead"
    );
    assert_eq!(
        error(|op| {
            op.add_column::<i64>("lines", "x")
                .generated_sql("price + 1")
                .default(1);
        }),
        "column x of table lines: a generated column cannot also have a default; remove .default(..) or .generated_sql(..)"
    );
    assert_eq!(
        error(|op| {
            op.add_column::<i64>("lines", "x")
                .generated_sql("price + 1")
                .identity();
        }),
        "column x of table lines: a generated column cannot also be an identity or serial column; remove one of them"
    );
    assert_eq!(
        error(|op| {
            op.add_column::<i64>("lines", "x").generated_sql("  ");
        }),
        "column x of table lines: its generation expression is empty"
    );
    assert_eq!(
        error(|op| {
            op.drop_column("lines", "price");
        }),
        "column price of table lines is still used by generated column total; drop that first"
    );
    assert_eq!(
        error(|op| {
            op.alter_column("lines", "qty")
                .set_type(ColumnType::Integer);
        }),
        "column qty of table lines: generated column total uses it, so PostgreSQL cannot change its type; drop total, change the type, then add total again"
    );
    // The same for a collation, which PostgreSQL changes with ALTER COLUMN
    // … TYPE ("cannot alter type of a column used by a generated column").
    assert_eq!(
        support::refused(
            |op| {
                op.create_table("people", |t| {
                    t.column::<String>("name");
                    t.column::<String>("shout").generated_sql("upper(name)");
                });
            },
            |op| {
                op.alter_column("people", "name").set_collation("C");
            }
        ),
        "column name of table people: generated column shout uses it, so PostgreSQL cannot change its collation; drop shout, change the collation, then add shout again"
    );
    assert_eq!(
        error(|op| {
            op.alter_column("lines", "total").set_default(0);
        }),
        "column total of table lines: a generated column has no default to set or drop: its value is its expression; drop the expression first (.drop_expression())"
    );
    assert_eq!(
        error(|op| {
            op.create_table("self_ref", |t| {
                t.column::<i64>("a").generated_sql("a + 1");
            });
        }),
        "column a of table self_ref: its expression uses generated column a, and a generated column may only use plain columns; repeat a's expression instead"
    );
}

#[test]
fn what_postgresql_allows_the_model_allows() {
    let mut op = Ops::new();
    lines(&mut op);
    // Its own type, nullability and comment change; the column itself is
    // dropped; renaming a column the expression uses rewrites it.
    op.alter_column("lines", "total")
        .set_type(ColumnType::Numeric(None))
        .set_nullable(false)
        .set_comment("price times quantity");
    op.rename_column("lines", "qty", "quantity");
    let s = Schema::replay(op.ops()).unwrap();
    let total = s
        .table(&"lines".into())
        .unwrap()
        .find_column("total")
        .unwrap();
    assert_eq!(total.generated.as_deref(), Some("price * \"quantity\""));
    op.drop_column("lines", "total");
    op.drop_column("lines", "price");
    Schema::replay(op.ops()).unwrap();
}

#[test]
fn postgresql_sql_and_claims() {
    let create = schema(|_| {});
    let mut op = Ops::new();
    lines(&mut op);
    let sql = render_ops(&Postgres, op.ops(), &create).unwrap();
    assert_eq!(
        sql[0][0].sql,
        "CREATE TABLE \"lines\" (\n  \"id\" bigint NOT NULL,\n  \"price\" bigint NOT NULL,\n  \"qty\" bigint NOT NULL,\n  \"total\" bigint GENERATED ALWAYS AS (price * qty) STORED NOT NULL,\n  CONSTRAINT \"lines_pkey\" PRIMARY KEY (\"id\")\n)"
    );
    let add = render_on(&Postgres, |op| {
        op.add_column::<Option<i64>>("lines", "twice")
            .generated_sql("price * 2");
    });
    assert_eq!(
        add[0].sql,
        "ALTER TABLE \"lines\" ADD COLUMN \"twice\" bigint GENERATED ALWAYS AS (price * 2) STORED"
    );
    // Every row gets its value: the table is rewritten.
    assert_eq!(
        (add[0].strongest_lock(), add[0].effect, add[0].transactional),
        (Some(LockLevel::AccessExclusive), Effect::Rewrite, true)
    );
}

#[test]
fn sqlite_sql_adds_by_rebuilding() {
    let add = render_on(&Sqlite, |op| {
        op.add_column::<Option<i64>>("lines", "twice")
            .generated_sql("price * 2");
    });
    assert_eq!(
        add[0].sql,
        "CREATE TABLE \"_migrator_new_lines\" (\n  \"id\" INTEGER NOT NULL,\n  \"price\" INTEGER NOT NULL,\n  \"qty\" INTEGER NOT NULL,\n  \"total\" INTEGER GENERATED ALWAYS AS (price * qty) STORED NOT NULL,\n  \"twice\" INTEGER GENERATED ALWAYS AS (price * 2) STORED,\n  CONSTRAINT \"lines_pkey\" PRIMARY KEY (\"id\")\n);\n\
         INSERT INTO \"_migrator_new_lines\" (\"id\", \"price\", \"qty\") SELECT \"id\", \"price\", \"qty\" FROM \"lines\";\n\
         DROP TABLE \"lines\";\n\
         PRAGMA legacy_alter_table = ON;\n\
         ALTER TABLE \"_migrator_new_lines\" RENAME TO \"lines\";\n\
         PRAGMA legacy_alter_table = OFF"
    );
    assert_eq!(add[0].effect, Effect::Rewrite);
    // Dropping the generated column itself is SQLite's DROP COLUMN.
    let drop = render_on(&Sqlite, |op| {
        op.drop_column("lines", "total");
    });
    assert_eq!(drop[0].sql, "ALTER TABLE \"lines\" DROP COLUMN \"total\"");
}

#[test]
fn adding_one_is_undone_by_dropping_it_and_dropping_one_adds_it_back() {
    let before = schema(lines);
    let mut op = Ops::new();
    op.drop_column("lines", "total");
    let undo = invert_all(op.ops(), &before).unwrap();
    let sql = render_ops(
        &Postgres,
        &undo,
        &schema(|op| {
            lines(op);
            op.drop_column("lines", "total");
        }),
    )
    .unwrap();
    assert_eq!(
        sql[0][0].sql,
        "ALTER TABLE \"lines\" ADD COLUMN \"total\" bigint GENERATED ALWAYS AS (price * qty) STORED NOT NULL"
    );
}

#[test]
fn autogenerate_adds_drops_and_replaces_generated_columns() {
    let plain = schema(|op| {
        op.create_table("lines", |t| {
            t.column::<i64>("price");
            t.column::<i64>("qty");
        });
    });
    let target = schema(lines_without_key);
    let ops = diff(&plain, &target).unwrap();
    let described: Vec<String> = ops.iter().map(Op::describe).collect();
    assert_eq!(described, ["add_column lines.total"]);
    let source = rust_source(&ops).unwrap();
    assert!(
        source.contains(".generated_sql(\"price * qty\")"),
        "{source}"
    );
    // A new expression: dropped and added again (its values are derived).
    let changed = schema(|op| {
        op.create_table("lines", |t| {
            t.column::<i64>("price");
            t.column::<i64>("qty");
            t.column::<i64>("total").generated_sql("price + qty");
        });
    });
    let ops = diff(&target, &changed).unwrap();
    let described: Vec<String> = ops.iter().map(Op::describe).collect();
    assert_eq!(
        described,
        ["drop_column lines.total", "add_column lines.total"]
    );
    // A generated column made plain: its expression is dropped.
    let made_plain = schema(|op| {
        op.create_table("lines", |t| {
            t.column::<i64>("price");
            t.column::<i64>("qty");
            t.column::<i64>("total").default(0);
        });
    });
    let ops = diff(&target, &made_plain).unwrap();
    assert_eq!(
        rust_source(&ops).unwrap(),
        "op.alter_column(\"lines\", \"total\").drop_expression();\n\
         op.alter_column(\"lines\", \"total\").set_default(0_i64);\n"
    );
}

#[test]
fn drop_expression_keeps_the_values_and_is_undone_by_adding_the_column_again() {
    assert_eq!(
        error(|op| {
            op.alter_column("lines", "price").drop_expression();
        }),
        "column price of table lines: it is not a stored generated column, so it has no expression to drop"
    );
    let pg = render_on(&Postgres, |op| {
        op.alter_column("lines", "total")
            .drop_expression()
            .set_default(0);
    });
    assert_eq!(
        pg[0].sql,
        "ALTER TABLE \"lines\" ALTER COLUMN \"total\" DROP EXPRESSION, ALTER COLUMN \"total\" SET DEFAULT 0"
    );
    assert_eq!(
        (pg[0].strongest_lock(), pg[0].effect),
        (Some(LockLevel::AccessExclusive), Effect::None)
    );
    // SQLite rebuilds, copying the values the column holds.
    let sqlite = render_on(&Sqlite, |op| {
        op.alter_column("lines", "total").drop_expression();
    });
    assert!(
        sqlite[0].sql.contains("\"total\" INTEGER NOT NULL,")
            && sqlite[0].sql.contains(
                "INSERT INTO \"_migrator_new_lines\" (\"id\", \"price\", \"qty\", \"total\") SELECT \"id\", \"price\", \"qty\", \"total\" FROM \"lines\""
            ),
        "{}",
        sqlite[0].sql
    );
    let before = schema(lines);
    let mut op = Ops::new();
    op.alter_column("lines", "total").drop_expression();
    let undo = invert_all(op.ops(), &before).unwrap();
    let described: Vec<String> = undo.iter().map(Op::describe).collect();
    assert_eq!(
        described,
        ["drop_column lines.total", "add_column lines.total"]
    );
    let mut after = before.clone();
    after.apply_all(op.ops()).unwrap();
    after.apply_all(&undo).unwrap();
    assert_eq!(after, before);

    // The views reading the table go around it (found by the inverse
    // property test: a view reading the column kept it from being dropped).
    let before = schema(|op| {
        lines(op);
        op.create_view("totals", "SELECT total FROM lines");
    });
    let undo = invert_all(op.ops(), &before).unwrap();
    assert_eq!(
        undo.iter().map(Op::describe).collect::<Vec<_>>(),
        [
            "drop_view totals",
            "drop_column lines.total",
            "add_column lines.total",
            "create_view totals"
        ]
    );
    let mut after = before.clone();
    after.apply_all(op.ops()).unwrap();
    after.apply_all(&undo).unwrap();
    assert_eq!(after, before);
    // A sequence the column owns goes with it and comes back (found by the
    // inverse property test).
    let before = schema(|op| {
        lines(op);
        op.create_sequence("s").owned_by("lines", "total");
    });
    let undo = invert_all(op.ops(), &before).unwrap();
    let mut after = before.clone();
    after.apply_all(op.ops()).unwrap();
    after.apply_all(&undo).unwrap();
    assert_eq!(after, before);
    // An index on it would be dropped with it: no inverse, and why.
    let before = schema(|op| {
        lines(op);
        op.create_index("lines", ["total"]);
    });
    let err = invert_all(op.ops(), &before).unwrap_err().to_string();
    assert!(
        err.contains("a column cannot be generated again in place, and dropping and adding it back is refused:")
            && err.ends_with("; write the downgrade"),
        "{err}"
    );
}

fn lines_without_key(op: &mut Ops) {
    op.create_table("lines", |t| {
        t.column::<i64>("price");
        t.column::<i64>("qty");
        t.column::<i64>("total").generated_sql("price * qty");
    });
}

/// A column whose generation expression changes is dropped and added
/// again, so the diff drops what uses it before (an index, a unique key, a
/// check, a trigger naming it) and makes them again after; found by the
/// diff property test, whose diff dropped the column under its index.
#[test]
fn what_uses_a_regenerated_column_is_dropped_and_made_again() {
    let with = |expr: &'static str| {
        schema(move |op| {
            lines(op);
            op.alter_column("lines", "total").drop_expression();
            op.drop_column("lines", "total");
            op.add_column::<Option<i64>>("lines", "total")
                .generated_sql(expr);
            op.create_index("lines", ["total", "qty"]);
            op.add_unique("lines", ["total"]);
            op.add_check("lines", "total_positive", "total > 0");
            op.create_function("f", "trigger", "BEGIN RETURN NEW; END;");
            op.create_trigger(
                "lines",
                "t",
                TriggerTiming::After,
                [TriggerEvent::update_of(["total"])],
                "f",
            );
        })
    };
    let (one, other) = (with("price * qty"), with("price + qty"));
    for (from, to) in [(&one, &other), (&other, &one)] {
        let ops = diff(from, to).unwrap();
        let described: Vec<String> = ops.iter().map(Op::describe).collect();
        assert_eq!(
            described,
            [
                "drop_trigger t on lines",
                "drop_index ix_lines_total_qty",
                "drop_constraint lines_total_key on lines",
                "drop_constraint total_positive on lines",
                "drop_column lines.total",
                "add_column lines.total",
                "add unique constraint lines_total_key on lines",
                "add check constraint total_positive on lines",
                "create_index ix_lines_total_qty on lines",
                "create_trigger t on lines"
            ]
        );
        let mut replayed = from.clone();
        replayed.apply_all(&ops).unwrap();
        assert_eq!(replayed.normalized(), to.normalized());
    }
}
