//! Identity columns' sequence options and identity changed on an existing
//! column (`add_identity`, `set_generated`, `drop_identity`): the model's
//! refusals (PostgreSQL 15's, in its words where it has them), the SQL and
//! claims on both engines, the inverse, autogenerate's diff and the source
//! it writes.

use migrator_core::ops::{Op, Ops, invert_all, rust_source};
use migrator_core::prelude::*;
use migrator_core::render::{Effect, LockLevel, Postgres, Sqlite, Statement, render_ops};
use migrator_core::schema::{Schema, diff};

mod support;
use support::schema;

fn tickets(op: &mut Ops) {
    op.create_table("tickets", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<i32>("n");
        t.column::<Option<i32>>("maybe");
        t.column::<i64>("auto").identity();
    });
}

fn error(f: impl FnOnce(&mut Ops)) -> String {
    support::refused(tickets, f)
}

fn render_on(
    dialect: &dyn migrator_core::render::Dialect,
    f: impl FnOnce(&mut Ops),
) -> Result<Vec<Statement>, String> {
    let before = schema(tickets);
    let mut op = Ops::new();
    f(&mut op);
    render_ops(dialect, op.ops(), &before)
        .map(|s| s.into_iter().flatten().collect())
        .map_err(|e| e.to_string())
}

#[test]
fn sequence_options_are_checked_as_postgresql_checks_them() {
    let add = |f: fn(&mut migrator_core::ops::ColumnDef)| {
        error(move |op| {
            f(op.add_column::<i32>("tickets", "x").identity());
        })
    };
    assert_eq!(
        add(|c| {
            c.increment(0);
        }),
        "column x of table tickets: its identity's sequence: INCREMENT must not be zero"
    );
    assert_eq!(
        add(|c| {
            c.min_value(5).start(1);
        }),
        "column x of table tickets: its identity's sequence: START value (1) cannot be less than MINVALUE (5)"
    );
    assert_eq!(
        add(|c| {
            c.max_value(3_000_000_000);
        }),
        "column x of table tickets: its identity's sequence: MAXVALUE (3000000000) is out of range for sequence data type integer"
    );
    assert_eq!(
        add(|c| {
            c.min_value(10).max_value(5);
        }),
        "column x of table tickets: its identity's sequence: MINVALUE (10) must be less than MAXVALUE (5)"
    );
    assert_eq!(
        add(|c| {
            c.cache(0);
        }),
        "column x of table tickets: its identity's sequence: CACHE (0) must be greater than zero"
    );
    assert_eq!(
        error(|op| {
            op.add_column::<i32>("tickets", "x").start(5);
        }),
        "column x of table tickets: sequence options (START WITH, INCREMENT BY, …) belong to an identity column; chain .identity() or .identity_always() before them"
    );
}

#[test]
fn identity_changes_are_refused_as_postgresql_refuses_them() {
    assert_eq!(
        error(|op| {
            op.alter_column("tickets", "auto")
                .add_identity(Identity::Always);
        }),
        "column auto of table tickets: it is already an identity column; change its kind with .set_generated(..)"
    );
    assert_eq!(
        error(|op| {
            op.alter_column("tickets", "maybe")
                .add_identity(Identity::Always);
        }),
        "column maybe of table tickets: it must be NOT NULL before it can become an identity column; chain .set_nullable(false)"
    );
    assert_eq!(
        error(|op| {
            op.alter_column("tickets", "n").set_default(1);
            op.alter_column("tickets", "n")
                .add_identity(Identity::Always);
        }),
        "column n of table tickets: it has a default, so it cannot become an identity column; drop the default first (.drop_default())"
    );
    assert_eq!(
        error(|op| {
            op.alter_column("tickets", "n")
                .set_generated(Identity::Always);
        }),
        "column n of table tickets: it is not an identity column; make it one with .add_identity(..)"
    );
    assert_eq!(
        error(|op| {
            op.alter_column("tickets", "n").drop_identity();
        }),
        "column n of table tickets: it is not an identity column, so it has no identity to drop"
    );
    // NOT NULL and the identity in one alter: PostgreSQL takes both.
    let mut op = Ops::new();
    tickets(&mut op);
    op.alter_column("tickets", "maybe")
        .set_nullable(false)
        .add_identity(Identity::ByDefault);
    Schema::replay(op.ops()).unwrap();
}

#[test]
fn postgresql_sql_and_claims() {
    let mut op = Ops::new();
    op.create_table("orders", |t| {
        t.column::<i64>("id")
            .identity_always()
            .start(1000)
            .increment(10)
            .max_value(1_000_000)
            .cycle()
            .cache(5)
            .primary_key();
    });
    let sql = render_ops(&Postgres, op.ops(), &Schema::default()).unwrap();
    assert!(
        sql[0][0].sql.contains("\"id\" bigint GENERATED ALWAYS AS IDENTITY (START WITH 1000 INCREMENT BY 10 MAXVALUE 1000000 CYCLE CACHE 5) NOT NULL"),
        "{}",
        sql[0][0].sql
    );
    let add = render_on(&Postgres, |op| {
        op.alter_column("tickets", "id")
            .add_identity_with(Identity::ByDefault, SequenceOptions::new().start(100));
    })
    .unwrap();
    assert_eq!(
        add.iter().map(|s| s.sql.as_str()).collect::<Vec<_>>(),
        [
            "ALTER TABLE \"tickets\" ALTER COLUMN \"id\" ADD GENERATED BY DEFAULT AS IDENTITY (START WITH 100)",
            "SELECT setval(pg_get_serial_sequence('\"tickets\"', 'id'), max(\"id\")) FROM \"tickets\" HAVING max(\"id\") >= 100"
        ]
    );
    let claims = |s: &Statement| (s.strongest_lock(), s.effect, s.transactional);
    assert_eq!(
        claims(&add[0]),
        (Some(LockLevel::AccessExclusive), Effect::None, true)
    );
    assert_eq!(
        claims(&add[1]),
        (Some(LockLevel::AccessShare), Effect::Scan, true)
    );
    let set = render_on(&Postgres, |op| {
        op.alter_column("tickets", "auto")
            .set_generated(Identity::Always);
    })
    .unwrap();
    assert_eq!(
        set[0].sql,
        "ALTER TABLE \"tickets\" ALTER COLUMN \"auto\" SET GENERATED ALWAYS"
    );
    // Dropped before the column may take NULL again.
    let drop = render_on(&Postgres, |op| {
        op.alter_column("tickets", "auto")
            .drop_identity()
            .set_nullable(true);
    })
    .unwrap();
    assert_eq!(
        drop[0].sql,
        "ALTER TABLE \"tickets\" ALTER COLUMN \"auto\" DROP IDENTITY, ALTER COLUMN \"auto\" DROP NOT NULL"
    );
}

#[test]
fn sqlite_maps_identity_to_the_rowid_and_refuses_options_by_name() {
    // The key is the rowid already: adding or dropping identity is nothing.
    let add = render_on(&Sqlite, |op| {
        op.alter_column("tickets", "id")
            .add_identity(Identity::Always);
    })
    .unwrap();
    assert!(add.is_empty(), "{add:?}");
    let err = render_on(&Sqlite, |op| {
        op.alter_column("tickets", "n")
            .add_identity(Identity::Always);
    })
    .unwrap_err();
    assert!(
        err.contains("SQLite generates values only for a table's single-column INTEGER PRIMARY KEY (its rowid), so an identity column n must be the primary key of tickets on its own"),
        "{err}"
    );
    let mut op = Ops::new();
    op.create_table("orders", |t| {
        t.column::<i64>("id").identity().start(1000).primary_key();
    });
    let err = render_ops(&Sqlite, op.ops(), &Schema::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("SQLite's rowid cannot honour sequence options (START WITH 1000) of identity column id of table orders; leave them out, or give them on PostgreSQL only: create the table in op.on(Engine::Postgres, …) and without them in op.on(Engine::Sqlite, …)"),
        "{err}"
    );
}

#[test]
fn identity_changes_are_undone_from_the_model() {
    let mut before_op = Ops::new();
    tickets(&mut before_op);
    before_op.alter_column("tickets", "auto").drop_identity();
    before_op
        .alter_column("tickets", "auto")
        .add_identity_with(Identity::Always, SequenceOptions::new().start(7));
    let before = Schema::replay(before_op.ops()).unwrap();
    let mut op = Ops::new();
    op.alter_column("tickets", "auto").drop_identity();
    op.alter_column("tickets", "id")
        .add_identity(Identity::ByDefault);
    op.alter_column("tickets", "id")
        .set_generated(Identity::Always);
    let undo = invert_all(op.ops(), &before).unwrap();
    assert_eq!(
        rust_source(&undo).unwrap(),
        "op.alter_column(\"tickets\", \"id\").set_generated(Identity::ByDefault);\n\
         op.alter_column(\"tickets\", \"id\").drop_identity();\n\
         op.alter_column(\"tickets\", \"auto\").add_identity_with(Identity::Always, SequenceOptions::new().start(7));\n"
    );
    let mut after = before.clone();
    for o in op.ops() {
        after.apply(o).unwrap();
    }
    for o in &undo {
        after.apply(o).unwrap();
    }
    assert_eq!(after, before);
}

#[test]
fn autogenerate_adds_changes_and_drops_identity() {
    let from = schema(tickets);
    let to = schema(|op| {
        op.create_table("tickets", |t| {
            t.column::<i64>("id").identity().start(10).primary_key();
            t.column::<i32>("n");
            t.column::<Option<i32>>("maybe");
            t.column::<i64>("auto");
        });
    });
    let ops = diff(&from, &to).unwrap();
    let described: Vec<String> = ops.iter().map(Op::describe).collect();
    assert_eq!(
        described,
        ["alter_column tickets.id", "alter_column tickets.auto"]
    );
    assert_eq!(
        rust_source(&ops).unwrap(),
        "op.alter_column(\"tickets\", \"id\").add_identity_with(Identity::ByDefault, SequenceOptions::new().start(10));\n\
         op.alter_column(\"tickets\", \"auto\").drop_identity();\n"
    );
    let kind = schema(|op| {
        op.create_table("tickets", |t| {
            t.column::<i64>("id").primary_key();
            t.column::<i32>("n");
            t.column::<Option<i32>>("maybe");
            t.column::<i64>("auto").identity_always();
        });
    });
    let ops = diff(&from, &kind).unwrap();
    assert_eq!(
        rust_source(&ops).unwrap(),
        "op.alter_column(\"tickets\", \"auto\").set_generated(Identity::Always);\n"
    );
    // Options alone: altered in place, each option that differs set
    // (one back at its default set to the default's value).
    let options = schema(|op| {
        op.create_table("tickets", |t| {
            t.column::<i64>("id").primary_key();
            t.column::<i32>("n");
            t.column::<Option<i32>>("maybe");
            t.column::<i64>("auto").identity().increment(2).cycle();
        });
    });
    let ops = diff(&from, &options).unwrap();
    assert_eq!(
        rust_source(&ops).unwrap(),
        "op.alter_column(\"tickets\", \"auto\").set_identity_options(SequenceChange::new().increment(2).cycle());\n"
    );
    let back = diff(&options, &from).unwrap();
    assert_eq!(
        rust_source(&back).unwrap(),
        "op.alter_column(\"tickets\", \"auto\").set_identity_options(SequenceChange::new().increment(1).no_cycle());\n"
    );
    let mut replayed = options.clone();
    for o in &back {
        replayed.apply(o).unwrap();
    }
    assert_eq!(replayed, from);
    // Kind and options together: one alter_column.
    let both = schema(|op| {
        op.create_table("tickets", |t| {
            t.column::<i64>("id").primary_key();
            t.column::<i32>("n");
            t.column::<Option<i32>>("maybe");
            t.column::<i64>("auto").identity_always().start(50);
        });
    });
    assert_eq!(
        rust_source(&diff(&from, &both).unwrap()).unwrap(),
        "op.alter_column(\"tickets\", \"auto\").set_generated(Identity::Always).set_identity_options(SequenceChange::new().start(50));\n"
    );
    // Options written at their defaults are no options.
    let same = schema(|op| {
        op.create_table("tickets", |t| {
            t.column::<i64>("id").primary_key();
            t.column::<i32>("n");
            t.column::<Option<i32>>("maybe");
            t.column::<i64>("auto")
                .identity()
                .start(1)
                .increment(1)
                .cache(1);
        });
    });
    assert!(diff(&from, &same).unwrap().is_empty());
}

/// Found by the diff property test on the server: PostgreSQL retypes
/// before it drops an identity in one ALTER TABLE, and refuses an identity
/// of another type; the drop goes first, on its own.
#[test]
fn an_identity_dropped_with_a_type_change_is_dropped_first() {
    let before = schema(tickets);
    let mut op = Ops::new();
    op.alter_column("tickets", "auto")
        .drop_identity()
        .set_type(ColumnType::Text);
    let sql: Vec<String> =
        migrator_core::render::render_ops(&migrator_core::render::Postgres, op.ops(), &before)
            .unwrap()
            .concat()
            .into_iter()
            .map(|s| s.sql)
            .collect();
    assert_eq!(
        sql[0],
        "ALTER TABLE \"tickets\" ALTER COLUMN \"auto\" DROP IDENTITY"
    );
    assert!(
        sql[1].starts_with("ALTER TABLE \"tickets\" ALTER COLUMN \"auto\" TYPE text"),
        "{sql:?}"
    );
}

#[test]
fn identity_options_set_in_place_are_checked_as_postgresql_checks_them() {
    assert_eq!(
        error(|op| {
            op.alter_column("tickets", "n")
                .set_identity_options(SequenceChange::new().increment(2));
        }),
        "column n of table tickets: it is not an identity column, so it has no sequence options to set; make it one with .add_identity(..)"
    );
    assert_eq!(
        error(|op| {
            op.alter_column("tickets", "auto")
                .set_identity_options(SequenceChange::new().min_value(500));
        }),
        "column auto of table tickets: its identity's sequence: START value (1) cannot be less than MINVALUE (500)"
    );
    assert_eq!(
        error(|op| {
            op.alter_column("tickets", "auto")
                .set_identity_options(SequenceChange::new().increment(0));
        }),
        "column auto of table tickets: its identity's sequence: INCREMENT must not be zero"
    );
    assert_eq!(
        error(|op| {
            op.alter_column("tickets", "auto")
                .set_identity_options(SequenceChange::new().max_value(100).restart_with(101));
        }),
        "column auto of table tickets: its identity's sequence: RESTART value (101) cannot be greater than MAXVALUE (100)"
    );
    assert_eq!(
        error(|op| {
            op.alter_column("tickets", "auto")
                .drop_identity()
                .set_identity_options(SequenceChange::new().increment(2));
        }),
        "column auto of table tickets: its identity is dropped in this op, so there is no sequence to set options of"
    );
    assert_eq!(
        error(|op| {
            op.alter_column("tickets", "id")
                .add_identity(Identity::Always)
                .set_identity_options(SequenceChange::new().increment(2));
        }),
        "column id of table tickets: its identity is added in this op: give the sequence's options to .add_identity_with(kind, SequenceOptions::new()…)"
    );
    assert_eq!(
        error(|op| {
            op.alter_column("tickets", "auto")
                .set_identity_options(SequenceChange::new());
        }),
        support::refused(tickets, |op| {
            op.alter_column("tickets", "auto");
        })
    );
    // The model keeps the options, canonical: back at a default is no option.
    let s = schema(|op| {
        tickets(op);
        op.alter_column("tickets", "auto")
            .set_identity_options(SequenceChange::new().increment(5).cache(1).restart());
    });
    let auto = s
        .table(&"tickets".into())
        .unwrap()
        .find_column("auto")
        .unwrap()
        .clone();
    assert_eq!(auto.identity_options, SequenceOptions::new().increment(5));
}

#[test]
fn identity_options_set_in_place_render_and_claim() {
    let set = render_on(&Postgres, |op| {
        op.alter_column("tickets", "auto")
            .set_generated(Identity::Always)
            .set_identity_options(
                SequenceChange::new()
                    .increment(10)
                    .min_value(1)
                    .max_value(1_000_000)
                    .start(5)
                    .cache(20)
                    .cycle()
                    .restart_with(500),
            );
    })
    .unwrap();
    assert_eq!(set.len(), 1);
    assert_eq!(
        set[0].sql,
        "ALTER TABLE \"tickets\" ALTER COLUMN \"auto\" SET GENERATED ALWAYS, ALTER COLUMN \"auto\" SET INCREMENT BY 10 SET MINVALUE 1 SET MAXVALUE 1000000 SET START WITH 5 SET CACHE 20 SET CYCLE RESTART WITH 500"
    );
    assert_eq!(
        (set[0].strongest_lock(), set[0].effect, set[0].transactional),
        (Some(LockLevel::AccessExclusive), Effect::None, true)
    );
    let restart = render_on(&Postgres, |op| {
        op.alter_column("tickets", "auto")
            .set_identity_options(SequenceChange::new().no_cycle().restart());
    })
    .unwrap();
    assert_eq!(
        restart[0].sql,
        "ALTER TABLE \"tickets\" ALTER COLUMN \"auto\" SET NO CYCLE RESTART"
    );
    // SQLite: the rowid has no options and no restart; refused by name.
    let err = render_on(&Sqlite, |op| {
        op.alter_column("tickets", "id")
            .add_identity(Identity::ByDefault);
        op.alter_column("tickets", "id")
            .set_identity_options(SequenceChange::new().increment(2));
    })
    .unwrap_err();
    assert!(
        err.contains("SQLite's rowid cannot honour sequence options (INCREMENT BY 2) of identity column id of table tickets"),
        "{err}"
    );
    let err = render_on(&Sqlite, |op| {
        op.alter_column("tickets", "id")
            .add_identity(Identity::ByDefault);
        op.alter_column("tickets", "id")
            .set_identity_options(SequenceChange::new().restart());
    })
    .unwrap_err();
    assert!(
        err.contains("SQLite's rowid cannot be restarted (identity column id of table tickets)"),
        "{err}"
    );
}

#[test]
fn identity_options_set_in_place_are_undone_from_the_model() {
    let before = schema(|op| {
        tickets(op);
        op.alter_column("tickets", "auto")
            .set_identity_options(SequenceChange::new().start(7).max_value(900));
    });
    let mut op = Ops::new();
    op.alter_column("tickets", "auto").set_identity_options(
        SequenceChange::new()
            .start(100)
            .increment(3)
            .max_value(5000)
            .restart_with(200),
    );
    // A restart alone is the sequence's state: nothing to undo.
    op.alter_column("tickets", "auto")
        .set_identity_options(SequenceChange::new().restart());
    let undo = invert_all(op.ops(), &before).unwrap();
    assert_eq!(
        rust_source(&undo).unwrap(),
        "op.alter_column(\"tickets\", \"auto\").set_identity_options(SequenceChange::new().increment(1).start(7).max_value(900));\n"
    );
    let mut after = before.clone();
    for o in op.ops().iter().chain(&undo) {
        after.apply(o).unwrap();
    }
    assert_eq!(after, before);
}
