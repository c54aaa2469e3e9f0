//! Views and materialized views as ops: rendered on both engines (SQLite
//! refusing what it lacks by name), validated by the model against what
//! they read, inverted, checksummed, written back as builder calls, and
//! diffed.

use migrator_core::ops::{Op, invert_all, rust_source};
use migrator_core::prelude::*;
use migrator_core::render::{LockLevel, Postgres, Sqlite, render_ops, render_sql};
use migrator_core::schema::{Schema, diff};

fn ops(build: impl FnOnce(&mut Ops)) -> Ops {
    let mut op = Ops::new();
    build(&mut op);
    op
}

/// `people` and `orders`, the tables every case reads.
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

fn base() -> Schema {
    Schema::replay(ops(tables).ops()).unwrap()
}

fn err(build: impl FnOnce(&mut Ops)) -> String {
    let mut all = ops(tables);
    let before = all.ops().len();
    build(&mut all);
    let e = Schema::replay(all.ops()).unwrap_err();
    // Positions counted from the first op after the tables.
    format!("#{} {}", e.index + 1 - before, e.source)
}

#[test]
fn views_render_on_postgres_with_their_claims() {
    let op = ops(|op| {
        op.create_view("names", "SELECT name FROM people");
        op.create_view("names", "SELECT name, age FROM people")
            .or_replace();
        op.create_materialized_view(
            ("public", "totals"),
            "SELECT p.id, sum(o.total) AS total FROM people p JOIN orders o ON o.person_id = p.id GROUP BY p.id",
        )
        .with_no_data();
        op.create_index("totals", ["id"]).unique();
        op.refresh_materialized_view("totals");
        op.refresh_materialized_view("totals").concurrently();
        op.rename_view("names", "people_names");
        op.rename_materialized_view("totals", "person_totals");
        op.drop_view("people_names");
        op.drop_materialized_view("person_totals");
    });
    let statements = render_ops(&Postgres, op.ops(), &base()).unwrap();
    let sql: Vec<&str> = statements
        .iter()
        .flatten()
        .map(|s| s.sql.as_str())
        .collect();
    assert_eq!(
        sql,
        [
            "CREATE VIEW \"names\" AS SELECT name FROM people",
            "CREATE OR REPLACE VIEW \"names\" AS SELECT name, age FROM people",
            "CREATE MATERIALIZED VIEW \"public\".\"totals\" AS SELECT p.id, sum(o.total) AS total FROM people p JOIN orders o ON o.person_id = p.id GROUP BY p.id WITH NO DATA",
            "CREATE UNIQUE INDEX \"ix_totals_id\" ON \"totals\" (\"id\")",
            "REFRESH MATERIALIZED VIEW \"totals\"",
            "REFRESH MATERIALIZED VIEW CONCURRENTLY \"totals\"",
            "ALTER VIEW \"names\" RENAME TO \"people_names\"",
            "ALTER MATERIALIZED VIEW \"totals\" RENAME TO \"person_totals\"",
            "DROP VIEW \"people_names\"",
            "DROP MATERIALIZED VIEW \"person_totals\"",
        ]
    );
    let claims = |n: usize| {
        let s = &statements[n][0];
        let mut locks: Vec<String> = s
            .locks
            .iter()
            .map(|l| format!("{} {}", l.level.as_str(), l.table.name))
            .collect();
        locks.sort();
        (locks, s.effect, s.transactional)
    };
    use migrator_core::render::Effect;
    let share = LockLevel::AccessShare.as_str();
    let exclusive = LockLevel::AccessExclusive.as_str();
    assert_eq!(
        claims(0),
        (vec![format!("{share} people")], Effect::None, true)
    );
    assert_eq!(
        claims(1),
        (
            vec![format!("{exclusive} names"), format!("{share} people")],
            Effect::None,
            true
        )
    );
    assert_eq!(
        claims(2),
        (
            vec![format!("{share} orders"), format!("{share} people")],
            Effect::None,
            true
        )
    );
    assert_eq!(
        claims(4),
        (
            vec![
                format!("{exclusive} totals"),
                format!("{share} orders"),
                format!("{share} people"),
            ],
            Effect::Rewrite,
            true
        )
    );
    // CONCURRENTLY runs in a transaction block too (PostgreSQL 15 allows
    // it); readers of the view go on.
    assert_eq!(
        claims(5),
        (
            vec![
                format!("{share} orders"),
                format!("{share} people"),
                format!("{} totals", LockLevel::Exclusive.as_str()),
            ],
            Effect::Scan,
            true
        )
    );
    assert_eq!(
        claims(8),
        (
            vec![format!("{exclusive} people_names")],
            Effect::None,
            true
        )
    );
}

#[test]
fn views_render_on_sqlite_and_materialized_views_are_refused_by_name() {
    let op = ops(|op| {
        op.create_view("names", "SELECT name FROM people");
        op.create_view("names", "SELECT name, age FROM people")
            .or_replace();
        op.create_view("adults", "SELECT name FROM names WHERE age >= 18");
        op.rename_view("names", "people_names");
        op.drop_view("adults");
    });
    assert_eq!(
        render_ops(&Sqlite, op.ops(), &base())
            .unwrap()
            .concat()
            .iter()
            .map(|s| s.sql.as_str())
            .collect::<Vec<_>>(),
        [
            "CREATE VIEW \"names\" AS SELECT name FROM people",
            "DROP VIEW IF EXISTS \"names\"",
            "CREATE VIEW \"names\" AS SELECT name, age FROM people",
            "CREATE VIEW \"adults\" AS SELECT name FROM names WHERE age >= 18",
            // No ALTER VIEW: the view and those reading it made again.
            "DROP VIEW \"adults\"",
            "DROP VIEW \"names\"",
            "CREATE VIEW \"people_names\" AS SELECT name, age FROM people",
            "CREATE VIEW \"adults\" AS SELECT name FROM \"people_names\" WHERE age >= 18",
            "DROP VIEW \"adults\"",
        ]
    );
    let refused = |build: fn(&mut Ops)| {
        let mut all = ops(tables);
        build(&mut all);
        migrator_core::render::render_sql(&Sqlite, all.ops())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        refused(|op| {
            op.create_materialized_view("totals", "SELECT id FROM people");
        }),
        "create_materialized_view totals is not supported on SQLite: SQLite has no materialized views; wrap the op in op.on(Engine::Postgres, …) (and, if SQLite needs the rows too, a plain view in op.on(Engine::Sqlite, …))"
    );
    // In a PostgreSQL block it is nothing on SQLite.
    let mut both = ops(tables);
    both.on(Engine::Postgres, |op| {
        op.create_materialized_view("totals", "SELECT id FROM people");
        op.refresh_materialized_view("totals");
    });
    assert_eq!(render_sql(&Sqlite, both.ops()).unwrap().len(), 2);
}

#[test]
fn renames_under_a_view_rewrite_it_and_sqlite_makes_it_again() {
    let op = ops(|op| {
        tables(op);
        op.create_view("names", "SELECT name, p.age FROM people p WHERE name <> ''");
        op.rename_column("people", "name", "full_name");
        op.rename_table("people", "persons");
    });
    let schema = Schema::replay(op.ops()).unwrap();
    assert_eq!(
        schema.view(&"names".into()).unwrap().sql,
        "SELECT \"full_name\" AS \"name\", p.age FROM \"persons\" p WHERE \"full_name\" <> ''"
    );
    let sqlite = render_sql(&Sqlite, op.ops()).unwrap();
    assert_eq!(
        &sqlite[3..],
        [
            "DROP VIEW \"names\"",
            "ALTER TABLE \"people\" RENAME COLUMN \"name\" TO \"full_name\"",
            "CREATE VIEW \"names\" AS SELECT \"full_name\" AS \"name\", p.age FROM people p WHERE \"full_name\" <> ''",
            "DROP VIEW \"names\"",
            "ALTER TABLE \"people\" RENAME TO \"persons\"",
            "CREATE VIEW \"names\" AS SELECT \"full_name\" AS \"name\", p.age FROM \"persons\" p WHERE \"full_name\" <> ''",
        ]
    );
}

#[test]
fn the_model_refuses_what_postgresql_refuses() {
    let view = |op: &mut Ops| {
        op.create_view("names", "SELECT p.name, age FROM people AS p");
    };
    assert_eq!(
        err(|op| {
            view(op);
            op.drop_table("people");
        }),
        "#2 view names depends on table people; drop view names first and create it again after"
    );
    assert_eq!(
        err(|op| {
            view(op);
            op.drop_column("people", "age");
        }),
        "#2 view names depends on column people.age; drop view names first and create it again after"
    );
    assert_eq!(
        err(|op| {
            view(op);
            op.alter_column("people", "name")
                .set_type(migrator_core::types::ColumnType::varchar(20));
        }),
        "#2 cannot alter the type of column people.name: view names uses it; drop view names first and create it again after"
    );
    // A collation changes with ALTER COLUMN … TYPE, which PostgreSQL
    // refuses the same way (found by the diff property test on the server).
    assert_eq!(
        err(|op| {
            view(op);
            op.alter_column("people", "name").set_collation("C");
        }),
        "#2 cannot alter the type of column people.name: view names uses it; drop view names first and create it again after"
    );
    assert_eq!(
        err(|op| {
            view(op);
            op.create_view("adults", "SELECT name FROM names");
            op.drop_view("names");
        }),
        "#3 view adults depends on view names; drop view adults first and create it again after"
    );
    assert_eq!(
        err(|op| {
            view(op);
            op.create_table("names", |t| {
                t.column::<i64>("id");
            });
        }),
        "#2 view names already exists in schema public"
    );
    assert_eq!(
        err(|op| {
            op.create_view("people", "SELECT 1");
        }),
        "#1 table people already exists in schema public"
    );
    assert_eq!(
        err(|op| {
            view(op);
            op.create_view("names", "SELECT 1");
        }),
        "#2 view names already exists in schema public"
    );
    assert_eq!(
        err(|op| {
            view(op);
            op.create_view("names", "SELECT p.name FROM people p")
                .or_replace();
        }),
        "#2 view names: CREATE OR REPLACE cannot drop columns from a view (it has 2, the new query 1); drop it and create it again"
    );
    assert_eq!(
        err(|op| {
            view(op);
            op.create_view("names", "SELECT p.name AS nm, age FROM people p")
                .or_replace();
        }),
        "#2 view names: CREATE OR REPLACE cannot change the name of view column name to nm; keep the old columns first, in order, or drop the view and create it again"
    );
    assert_eq!(
        err(|op| {
            op.create_materialized_view("totals", "SELECT id FROM people")
                .or_replace();
        }),
        "#1 materialized view totals: PostgreSQL has no CREATE OR REPLACE MATERIALIZED VIEW; drop it and create it again"
    );
    assert_eq!(
        err(|op| {
            op.create_view("names", "SELECT id FROM people")
                .with_no_data();
        }),
        "#1 view names: WITH NO DATA applies to a materialized view only"
    );
    assert_eq!(
        err(|op| {
            op.create_view("names", " ; ");
        }),
        "#1 view names: its definition is empty; give the SELECT it names"
    );
    assert_eq!(
        err(|op| {
            op.create_view("everyone", "SELECT p.* FROM people p");
        }),
        "#1 view everyone: its select list has a *, which PostgreSQL expands to the columns of the moment the view is created (the model could not follow it); list the columns instead"
    );
    // A * that is not the view's columns reads every column.
    assert_eq!(
        err(|op| {
            op.create_view(
                "busy",
                "SELECT count(*) AS n FROM orders o WHERE EXISTS (SELECT * FROM people WHERE people.id = o.person_id)",
            );
            op.drop_column("people", "age");
        }),
        "#2 view busy depends on column people.age; drop view busy first and create it again after"
    );
    assert_eq!(
        err(|op| {
            op.drop_view("nothing");
        }),
        "#1 view nothing does not exist"
    );
    assert_eq!(
        err(|op| {
            op.create_materialized_view("totals", "SELECT id FROM people");
            op.drop_view("totals");
        }),
        "#2 materialized view totals: use drop_materialized_view (it is not a plain view)"
    );
    assert_eq!(
        err(|op| {
            view(op);
            op.drop_materialized_view("names");
        }),
        "#2 view names: use drop_view (it is not a materialized view)"
    );
    assert_eq!(
        err(|op| {
            op.create_materialized_view("totals", "SELECT id FROM people");
            op.create_index("people", ["name"]).named("totals");
        }),
        "#2 materialized view totals already exists in schema public"
    );
    assert_eq!(
        err(|op| {
            view(op);
            op.refresh_materialized_view("names");
        }),
        "#2 view names: only a materialized view has rows to refresh"
    );
    assert_eq!(
        err(|op| {
            op.create_materialized_view("totals", "SELECT id FROM people");
            op.create_index("totals", ["id"]);
            op.refresh_materialized_view("totals").concurrently();
        }),
        "#3 materialized view totals: REFRESH MATERIALIZED VIEW CONCURRENTLY needs a unique index on it, without a WHERE clause; create one with create_index(…).unique() first"
    );
    assert_eq!(
        err(|op| {
            view(op);
            op.create_index("names", ["name"]);
        }),
        "#2 view names: index ix_names_name cannot be created on a view that is not materialized"
    );
    assert_eq!(
        err(|op| {
            op.create_schema("reports");
            op.create_view(("reports", "names"), "SELECT name FROM people");
            op.drop_schema("reports");
        }),
        "#3 schema reports is not empty: it still holds view names; drop it first"
    );
    // What PostgreSQL allows: renames under a view, a column the view does
    // not read, views dropped in order, a concurrent refresh with its index.
    Schema::replay(
        ops(|op| {
            tables(op);
            view(op);
            op.create_view("adults", "SELECT name FROM names WHERE age > 17");
            op.drop_column("orders", "total");
            op.alter_column("orders", "person_id")
                .set_type(migrator_core::types::ColumnType::Integer);
            op.rename_column("people", "age", "years");
            op.rename_view("names", "people_names");
            op.create_materialized_view("totals", "SELECT id FROM people");
            op.create_index("totals", ["id"]).unique();
            op.refresh_materialized_view("totals").concurrently();
            op.drop_view("adults");
            op.drop_view("people_names");
            op.drop_materialized_view("totals");
            op.drop_table("people");
        })
        .ops(),
    )
    .unwrap();
}

/// Every view op with the ones to undo it: the model after the undo is the
/// model before.
#[test]
fn view_ops_are_inverted_from_the_model() {
    let before = Schema::replay(
        ops(|op| {
            tables(op);
            op.create_view("names", "SELECT name FROM people");
            op.create_materialized_view("totals", "SELECT id, age FROM people");
            op.create_index("totals", ["id"]).unique();
        })
        .ops(),
    )
    .unwrap();
    let cases: Vec<Ops> = vec![
        ops(|op| {
            op.create_view("adults", "SELECT name FROM names");
        }),
        ops(|op| {
            op.create_view("names", "SELECT name, age FROM people")
                .or_replace();
        }),
        ops(|op| {
            op.create_view("names", "SELECT upper(name) AS name FROM people")
                .or_replace();
        }),
        ops(|op| {
            op.drop_view("names");
        }),
        ops(|op| {
            op.drop_materialized_view("totals");
        }),
        ops(|op| {
            op.rename_view("names", "people_names");
        }),
        ops(|op| {
            op.refresh_materialized_view("totals").concurrently();
        }),
    ];
    for case in cases {
        let undo = invert_all(case.ops(), &before).unwrap();
        let mut schema = before.clone();
        schema.apply_all(case.ops()).unwrap();
        schema.apply_all(&undo).unwrap();
        assert_eq!(schema, before, "{:?} undone by {undo:?}", case.ops());
    }
    // Back to fewer columns is a drop and a create (OR REPLACE cannot).
    let widen = ops(|op| {
        op.create_view("names", "SELECT name, age FROM people")
            .or_replace();
    });
    let undo = invert_all(widen.ops(), &before).unwrap();
    assert_eq!(
        undo.iter().map(Op::describe).collect::<Vec<_>>(),
        ["drop_view names", "create_view names"]
    );
    // A dropped materialized view comes back with its index.
    let undo = invert_all(
        ops(|op| {
            op.drop_materialized_view("totals");
        })
        .ops(),
        &before,
    )
    .unwrap();
    assert_eq!(
        undo.iter().map(Op::describe).collect::<Vec<_>>(),
        [
            "create_materialized_view totals",
            "create_index ix_totals_id on totals"
        ]
    );
}

#[test]
fn views_are_diffed_in_an_order_that_replays() {
    let from = Schema::replay(
        ops(|op| {
            tables(op);
            op.create_view("names", "SELECT name FROM people");
            op.create_view("adults", "SELECT name FROM names");
            op.create_view("ages", "SELECT age FROM people");
            op.create_view("gone", "SELECT id FROM orders");
        })
        .ops(),
    )
    .unwrap();
    let to = Schema::replay(
        ops(|op| {
            op.create_table("people", |t| {
                t.column::<i64>("id").primary_key();
                t.column::<String>("name");
                t.column::<i64>("age");
            });
            op.create_view("names", "SELECT name, id FROM people");
            op.create_view("adults", "SELECT name FROM names");
            op.create_view("ages", "SELECT age FROM people");
            op.create_materialized_view("ids", "SELECT id FROM people");
            op.create_index("ids", ["id"]).unique();
        })
        .ops(),
    )
    .unwrap();
    let ops = diff(&from, &to).unwrap();
    assert_eq!(
        ops.iter().map(Op::describe).collect::<Vec<_>>(),
        [
            // ages reads people.age, whose type changes: made again.
            "drop_view gone",
            "drop_view ages",
            "drop_table orders",
            "alter_column people.age",
            "create_view ages",
            "create_materialized_view ids",
            // Only a column added: replaced in place, adults left standing.
            "create_view names",
            "create_index ix_ids_id on ids",
        ]
    );
    assert!(matches!(&ops[6], Op::CreateView(c) if c.or_replace));
    let mut replayed = from.clone();
    replayed.apply_all(&ops).unwrap();
    assert_eq!(replayed, to);
    assert!(diff(&to, &to).unwrap().is_empty());
    assert!(diff(&from, &from).unwrap().is_empty());
}

#[test]
fn a_view_is_made_again_around_a_collation_change_of_what_it_reads() {
    let with = |collate: bool| {
        Schema::replay(
            ops(|op| {
                op.create_table("people", |t| {
                    t.column::<i64>("id").primary_key();
                    let mut name = t.column::<String>("name");
                    if collate {
                        name.collate("C");
                    }
                });
                op.create_materialized_view("names", "SELECT name FROM people");
            })
            .ops(),
        )
        .unwrap()
    };
    let (from, to) = (with(false), with(true));
    let ops = diff(&from, &to).unwrap();
    assert_eq!(
        ops.iter().map(Op::describe).collect::<Vec<_>>(),
        [
            "drop_materialized_view names",
            "alter_column people.name",
            "create_materialized_view names"
        ]
    );
    let mut replayed = from.clone();
    replayed.apply_all(&ops).unwrap();
    assert_eq!(replayed, to);
}

#[test]
fn view_ops_are_written_back_as_builder_calls() {
    let op = ops(|op| {
        op.create_view("names", "SELECT \"name\" FROM people")
            .or_replace();
        op.create_materialized_view(("reports", "totals"), "SELECT 1")
            .with_no_data();
        op.rename_view("names", "people_names");
        op.rename_materialized_view(("reports", "totals"), "sums");
        op.refresh_materialized_view(("reports", "sums"))
            .concurrently();
        op.drop_view("people_names");
        op.drop_materialized_view(("reports", "sums"));
    });
    let source = rust_source(op.ops()).unwrap();
    assert_eq!(
        source,
        "op.create_view(\"names\", \"SELECT \\\"name\\\" FROM people\").or_replace();\n\
         op.create_materialized_view((\"reports\", \"totals\"), \"SELECT 1\").with_no_data();\n\
         op.rename_view(\"names\", \"people_names\");\n\
         op.rename_materialized_view((\"reports\", \"totals\"), \"sums\");\n\
         op.refresh_materialized_view((\"reports\", \"sums\")).concurrently();\n\
         op.drop_view(\"people_names\");\n\
         op.drop_materialized_view((\"reports\", \"sums\"));\n"
    );
}
