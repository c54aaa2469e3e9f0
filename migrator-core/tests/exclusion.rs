//! Exclusion constraints: built on a new table (`t.exclude`) and an
//! existing one (`op.add_exclusion`), named as PostgreSQL names them,
//! rendered for PostgreSQL and refused by SQLite by name, validated with
//! PostgreSQL's refusals, kept through renames, inverted, written back and
//! diffed.

use migrator_core::ops::{Constraint, Op, rust_source};
use migrator_core::prelude::*;
use migrator_core::render::{Postgres, Sqlite, render_ops, render_sql};
use migrator_core::schema::{Schema, diff};

mod support;

fn tsrange() -> ColumnType {
    ColumnType::Custom("tsrange".into())
}

fn bookings(op: &mut Ops) {
    op.create_extension("btree_gist");
    op.create_table("r", |t| {
        t.column::<i32>("room");
        t.column_as("during", tsrange());
        t.column::<String>("note");
    });
}

fn ops(build: impl FnOnce(&mut Ops)) -> Ops {
    let mut op = Ops::new();
    bookings(&mut op);
    build(&mut op);
    op
}

/// The statements after the extension's and the table's.
fn sql(op: &Ops) -> Vec<String> {
    render_sql(&Postgres, op.ops()).unwrap()[2..].to_vec()
}

fn refused(f: impl FnOnce(&mut Ops)) -> String {
    support::refused(bookings, f)
}

/// The names PostgreSQL 15 chose for these constraints (checked with psql:
/// a column's name, a call's function, a cast's operand or else its type,
/// `expr`, the `INCLUDE` columns, a repeated word numbered).
#[test]
fn default_names_are_postgres_own() {
    let op = ops(|op| {
        op.add_exclusion("r", [("room", "="), ("during", "&&")]);
        op.add_exclusion("r", [("during", "&&")]).include(["note"]);
        op.add_exclusion(
            "r",
            [
                (IndexKey::expr("room + 1"), "="),
                (IndexKey::expr("lower(during)"), "="),
            ],
        );
        op.add_exclusion(
            "r",
            [
                (IndexKey::column("room"), "="),
                (IndexKey::expr("note::text"), "="),
                (IndexKey::expr("coalesce(room, 0)"), "="),
                (IndexKey::expr("room::bigint"), "="),
                (IndexKey::expr("during * during"), "&&"),
            ],
        );
        op.add_exclusion(
            "r",
            [
                (IndexKey::expr("upper(during)"), "="),
                (IndexKey::expr("(room + 1)::bigint"), "="),
            ],
        );
        op.add_exclusion("r", [("during", "&&"), ("during", "-|-")]);
    });
    let names: Vec<String> = Schema::replay(op.ops())
        .unwrap()
        .table(&"r".into())
        .unwrap()
        .constraints
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "r_room_during_excl",
            "r_during_note_excl",
            "r_expr_lower_excl",
            "r_room_note_coalesce_room1_expr_excl",
            "r_upper_int8_excl",
            "r_during_during1_excl",
        ]
    );
    // A name given is kept, whatever comes after it.
    let op = ops(|op| {
        op.add_exclusion("r", [("during", "&&")])
            .named("no_overlap")
            .include(["note"]);
    });
    assert!(sql(&op)[0].contains("\"no_overlap\""), "{:?}", sql(&op));
}

#[test]
fn renders_every_option_on_postgres() {
    let op = ops(|op| {
        op.add_exclusion("r", [("room", "="), ("during", "&&")])
            .include(["note"])
            .with("fillfactor", "80")
            .where_sql("room > 0")
            .initially_deferred();
        op.add_exclusion(
            "r",
            [
                (IndexKey::column("note").collate("C"), "="),
                (IndexKey::column("room").opclass("gist_int4_ops"), "="),
            ],
        )
        .named("r_note_room")
        .deferrable();
        op.add_exclusion("r", [(IndexKey::column("room").desc(), "=")])
            .using(IndexMethod::BTree);
        // PostgreSQL would name it r_room_excl1; the model, which names
        // a constraint when the builder records it, refuses a taken name.
        op.add_exclusion("r", [("room", "OPERATOR(pg_catalog.=)")])
            .using(IndexMethod::Hash)
            .named("r_room_hash");
        op.add_exclusion("r", [("during", "&&")])
            .using(IndexMethod::SpGist)
            .named("r_during_sp");
    });
    assert_eq!(
        sql(&op),
        [
            "ALTER TABLE \"r\" ADD CONSTRAINT \"r_room_during_note_excl\" EXCLUDE USING gist (\"room\" WITH =, \"during\" WITH &&) INCLUDE (\"note\") WITH (\"fillfactor\" = 80) WHERE (room > 0) DEFERRABLE INITIALLY DEFERRED",
            "ALTER TABLE \"r\" ADD CONSTRAINT \"r_note_room\" EXCLUDE USING gist (\"note\" COLLATE \"C\" WITH =, \"room\" \"gist_int4_ops\" WITH =) DEFERRABLE",
            "ALTER TABLE \"r\" ADD CONSTRAINT \"r_room_excl\" EXCLUDE USING btree (\"room\" DESC WITH =)",
            "ALTER TABLE \"r\" ADD CONSTRAINT \"r_room_hash\" EXCLUDE USING hash (\"room\" WITH OPERATOR(pg_catalog.=))",
            "ALTER TABLE \"r\" ADD CONSTRAINT \"r_during_sp\" EXCLUDE USING spgist (\"during\" WITH &&)",
        ]
    );
    let claims = render_ops(&Postgres, op.ops(), &Schema::new()).unwrap();
    let add = &claims[2][0];
    let locks: Vec<_> = add
        .locks
        .iter()
        .map(|l| (l.table.name.as_str(), l.level))
        .collect();
    assert_eq!(
        locks,
        [("r", migrator_core::render::LockLevel::AccessExclusive)]
    );
    assert_eq!(add.effect, migrator_core::render::Effect::Scan);
    assert!(add.transactional);

    let mut op = Ops::new();
    op.create_table("slots", |t| {
        t.column_as("during", tsrange());
        t.exclude([("during", "&&")])
            .where_sql("NOT isempty(during)");
    });
    assert_eq!(
        render_sql(&Postgres, op.ops()).unwrap(),
        [
            "CREATE TABLE \"slots\" (\n  \"during\" tsrange NOT NULL,\n  CONSTRAINT \"slots_during_excl\" EXCLUDE USING gist (\"during\" WITH &&) WHERE (NOT isempty(during))\n)"
        ]
    );
}

#[test]
fn sqlite_refuses_it_by_name() {
    let mut op = Ops::new();
    op.create_table("r", |t| {
        t.column::<i32>("room");
        t.exclude([("room", "=")]);
    });
    let err = render_sql(&Sqlite, op.ops()).unwrap_err().to_string();
    assert_eq!(
        err,
        "create_table r is not supported on SQLite: SQLite has no exclusion constraints: check r_room_excl with a trigger that raises (BEFORE INSERT and UPDATE) instead, or put it in op.on(Engine::Postgres, …)"
    );
    let mut op = Ops::new();
    op.create_table("r", |t| {
        t.column::<i32>("room");
    });
    op.add_exclusion("r", [("room", "=")]);
    let err = render_sql(&Sqlite, op.ops()).unwrap_err().to_string();
    assert!(
        err.starts_with("add exclusion constraint r_room_excl on r is not supported on SQLite: SQLite has no exclusion constraints"),
        "{err}"
    );
    // Inside a block for PostgreSQL, SQLite leaves it out.
    let mut op = Ops::new();
    op.create_table("r", |t| {
        t.column::<i32>("room");
    });
    op.on(Engine::Postgres, |op| {
        op.add_exclusion("r", [("room", "=")]);
    });
    assert_eq!(render_sql(&Sqlite, op.ops()).unwrap().len(), 1);
}

#[test]
fn the_model_refuses_what_postgres_refuses() {
    let prefix = |name: &str| format!("exclusion constraint {name} on r: ");
    assert_eq!(
        refused(|op| {
            op.add_exclusion("r", [("nope", "=")]);
        }),
        prefix("r_nope_excl") + "column \"nope\" named in key does not exist"
    );
    assert_eq!(
        refused(|op| {
            op.add_exclusion("r", [("room", "=")]).include(["gone"]);
        }),
        prefix("r_room_gone_excl") + "column \"gone\" named in key does not exist"
    );
    for (method, name) in [(IndexMethod::Gin, "gin"), (IndexMethod::Brin, "brin")] {
        assert_eq!(
            refused(|op| {
                op.add_exclusion("r", [("room", "=")]).using(method);
            }),
            prefix("r_room_excl")
                + &format!(
                    "access method \"{name}\" does not support exclusion constraints (it cannot fetch single rows); use gist, spgist, btree or hash"
                )
        );
    }
    assert_eq!(
        refused(|op| {
            op.add_exclusion("r", [(IndexKey::column("room").desc(), "=")]);
        }),
        prefix("r_room_excl") + "access method \"gist\" does not support ASC/DESC options"
    );
    assert_eq!(
        refused(|op| {
            op.add_exclusion("r", [(IndexKey::column("room").nulls_first(), "=")]);
        }),
        prefix("r_room_excl") + "access method \"gist\" does not support NULLS FIRST/LAST options"
    );
    assert_eq!(
        refused(|op| {
            op.add_exclusion("r", [("during", "&&"), ("room", "=")])
                .using(IndexMethod::SpGist);
        }),
        prefix("r_during_room_excl")
            + "access method \"spgist\" does not support multicolumn indexes"
    );
    assert_eq!(
        refused(|op| {
            op.add_exclusion("r", [("room", "=")])
                .using(IndexMethod::Hash)
                .include(["note"]);
        }),
        prefix("r_room_note_excl") + "access method \"hash\" does not support included columns"
    );
    assert_eq!(
        refused(|op| {
            op.add_exclusion("r", [("room", "<")]);
        }),
        prefix("r_room_excl")
            + "operator < is not commutative; only commutative operators can be used in exclusion constraints"
    );
    assert_eq!(
        refused(|op| {
            op.add_exclusion("r", [("room", "= 1; DROP TABLE r")]);
        }),
        prefix("r_room_excl")
            + "\"= 1; DROP TABLE r\" is not an operator: write one as SQL does after WITH (=, &&, OPERATOR(schema.=))"
    );
    assert_eq!(
        refused(|op| {
            op.add_exclusion("r", Vec::<(&str, &str)>::new());
        }),
        "exclusion constraint r_excl names no columns"
    );
    assert_eq!(
        refused(|op| {
            op.add_exclusion("r", [("room", "=")]);
            op.add_exclusion("r", [("room", "=")]);
        }),
        "table r already has a constraint r_room_excl"
    );
    // Its index is a relation: the name cannot be an index's or a table's.
    assert_eq!(
        refused(|op| {
            op.create_index("r", ["note"]).named("taken");
            op.add_exclusion("r", [("room", "=")]).named("taken");
        }),
        "index taken already exists in schema public"
    );
    assert_eq!(
        refused(|op| {
            op.add_exclusion("r", [("room", "=")]);
            op.create_index("r", ["note"]).named("r_room_excl");
        }),
        "index of exclusion constraint r_room_excl already exists in schema public"
    );
    assert_eq!(
        refused(|op| {
            op.add_exclusion("r", [("room", "=")]);
            op.drop_index("r_room_excl");
        }),
        "index r_room_excl belongs to the exclusion constraint of table r; use drop_constraint"
    );
    assert_eq!(
        refused(|op| {
            op.add_exclusion("r", [("room", "=")]);
            op.validate_constraint("r", "r_room_excl");
        }),
        "constraint r_room_excl: only check constraints and foreign keys can be validated"
    );
    // A column an element, INCLUDE or the predicate reads stays while the
    // constraint does.
    for (build, column) in [
        (
            (|op: &mut Ops| {
                op.add_exclusion("r", [("room", "=")]);
            }) as fn(&mut Ops),
            "room",
        ),
        (
            |op: &mut Ops| {
                op.add_exclusion("r", [(IndexKey::expr("lower(during)"), "=")]);
            },
            "during",
        ),
        (
            |op: &mut Ops| {
                op.add_exclusion("r", [("room", "=")]).include(["note"]);
            },
            "note",
        ),
        (
            |op: &mut Ops| {
                op.add_exclusion("r", [("room", "=")])
                    .where_sql("note <> ''");
            },
            "note",
        ),
    ] {
        let err = refused(|op| {
            build(op);
            op.drop_column("r", column);
        });
        assert!(
            err.starts_with(&format!(
                "column {column} of table r is still used by exclusion constraint r_"
            )),
            "{err}"
        );
    }
}

#[test]
fn renames_reach_every_part_of_it() {
    let op = ops(|op| {
        op.add_exclusion(
            "r",
            [
                (IndexKey::column("room"), "="),
                (IndexKey::expr("lower(during)"), "="),
            ],
        )
        .include(["note"])
        .where_sql("room > 0 AND note <> ''");
        op.rename_column("r", "room", "chamber");
        op.rename_column("r", "during", "span");
        op.rename_column("r", "note", "memo");
        op.rename_table("r", "bookings");
    });
    let schema = Schema::replay(op.ops()).unwrap();
    let table = schema.table(&"bookings".into()).unwrap();
    let Constraint::Exclusion(x) = &table.constraints[0] else {
        panic!("{:?}", table.constraints);
    };
    // The name stays as it was, as PostgreSQL keeps it.
    assert_eq!(x.name, "r_room_lower_note_excl");
    assert_eq!(x.elements[0].key, IndexKey::column("chamber"));
    assert_eq!(x.elements[1].key, IndexKey::expr("lower(\"span\")"));
    assert_eq!(x.include, ["memo"]);
    assert_eq!(
        x.predicate.as_deref(),
        Some("\"chamber\" > 0 AND \"memo\" <> ''")
    );
}

#[test]
fn it_inverts_both_ways() {
    let before = support::schema(|op| {
        bookings(op);
    });
    let mut op = Ops::new();
    op.add_exclusion("r", [("room", "="), ("during", "&&")])
        .where_sql("room > 0");
    assert_eq!(
        support::undo_sql(&op, &before),
        ["ALTER TABLE \"r\" DROP CONSTRAINT \"r_room_during_excl\""]
    );
    let mut after = before.clone();
    after.apply_all(op.ops()).unwrap();
    let mut drop = Ops::new();
    drop.drop_constraint("r", "r_room_during_excl");
    assert_eq!(
        support::undo_sql(&drop, &after),
        [
            "ALTER TABLE \"r\" ADD CONSTRAINT \"r_room_during_excl\" EXCLUDE USING gist (\"room\" WITH =, \"during\" WITH &&) WHERE (room > 0)"
        ]
    );
}

#[test]
fn it_is_written_back_and_diffed() {
    let op = ops(|op| {
        op.add_exclusion("r", [("room", "="), ("during", "&&")])
            .include(["note"])
            .with("fillfactor", "80")
            .where_sql("room > 0")
            .deferrable();
        op.add_exclusion("r", [(IndexKey::expr("lower(note)"), "=")])
            .using(IndexMethod::Hash)
            .named("r_lower_note");
    });
    let source = rust_source(&op.ops()[2..]).unwrap();
    assert_eq!(
        source,
        "op.add_exclusion(\"r\", [(\"room\", \"=\"), (\"during\", \"&&\")]).include([\"note\"]).with(\"fillfactor\", \"80\").where_sql(\"room > 0\").deferrable();\n\
         op.add_exclusion(\"r\", [(IndexKey::expr(\"lower(note)\"), \"=\")]).using(IndexMethod::Hash).named(\"r_lower_note\");\n"
    );
    let mut table = Ops::new();
    table.create_table("t", |t| {
        t.column::<i32>("a");
        t.exclude([("a", "=")]).named("t_a");
    });
    let source = rust_source(table.ops()).unwrap();
    assert!(
        source.contains("t.exclude([(\"a\", \"=\")]).named(\"t_a\");"),
        "{source}"
    );

    // Added, changed (an operator), dropped: each a drop and an add.
    let base = support::schema(bookings);
    let with = support::schema(|op| {
        bookings(op);
        op.add_exclusion("r", [("room", "="), ("during", "&&")]);
    });
    assert_eq!(diff(&base, &with).unwrap(), &op_after(&with, &base)[..]);
    let changed = support::schema(|op| {
        bookings(op);
        op.add_exclusion("r", [("room", "="), ("during", "-|-")])
            .named("r_room_during_excl");
    });
    let ops = diff(&with, &changed).unwrap();
    assert!(
        matches!(&ops[..], [Op::DropConstraint(d), Op::AddConstraint(a)]
            if d.name == "r_room_during_excl" && a.constraint.name() == "r_room_during_excl"),
        "{ops:?}"
    );
    let ops = diff(&with, &base).unwrap();
    assert!(
        matches!(&ops[..], [Op::DropConstraint(d)] if d.name == "r_room_during_excl"),
        "{ops:?}"
    );
    let mut replayed = with.clone();
    replayed.apply_all(&diff(&with, &changed).unwrap()).unwrap();
    assert_eq!(replayed, changed);
}

/// The one op that adds the exclusion constraint `with` has and `base` lacks.
fn op_after(with: &Schema, base: &Schema) -> Vec<Op> {
    let table = with.table(&"r".into()).unwrap();
    assert!(base.table(&"r".into()).unwrap().constraints.is_empty());
    let mut op = Ops::new();
    let Constraint::Exclusion(x) = &table.constraints[0] else {
        panic!()
    };
    op.add_exclusion("r", x.elements.clone());
    op.into_ops()
}

#[test]
fn views_that_read_the_table_are_unaffected() {
    let op = ops(|op| {
        op.create_view("busy", "SELECT room, during FROM r WHERE room > 0");
        op.add_exclusion("r", [("room", "="), ("during", "&&")]);
        op.drop_constraint("r", "r_room_during_excl");
        op.add_exclusion("r", [(IndexKey::expr("lower(note)"), "=")])
            .named("r_note_ci");
    });
    let schema = Schema::replay(op.ops()).unwrap();
    assert_eq!(
        schema.view(&"busy".into()).unwrap().sql,
        "SELECT room, during FROM r WHERE room > 0"
    );
    assert!(
        schema
            .table(&"r".into())
            .unwrap()
            .find_constraint("r_note_ci")
            .is_some()
    );
    let statements = sql(&op);
    assert_eq!(statements.len(), 4, "{statements:?}");
    assert!(statements[0].starts_with("CREATE VIEW"), "{statements:?}");
}
