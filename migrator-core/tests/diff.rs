//! The schema diff on cases a property test is unlikely to draw: enum
//! values at their positions, refusals with their recipe, foreign keys that
//! form a cycle between new tables, constraints validated, type changes.

use migrator_core::ops::{EnumPosition, Op, Using};
use migrator_core::prelude::*;
use migrator_core::render::{Postgres, render_ops};
use migrator_core::schema::{Schema, diff};

fn schema(build: impl FnOnce(&mut Ops)) -> Schema {
    let mut op = Ops::new();
    build(&mut op);
    Schema::replay(op.ops()).expect("a valid schema")
}

/// The diff, checked: it replays onto `from` to give `to`.
fn ops(from: &Schema, to: &Schema) -> Vec<Op> {
    let ops = diff(from, to).expect("a diff");
    let mut now = from.clone();
    now.apply_all(&ops).expect("the diff replays");
    assert_eq!(now.normalized(), to.normalized());
    ops
}

fn described(ops: &[Op]) -> Vec<String> {
    ops.iter().map(Op::describe).collect()
}

#[test]
fn new_enum_values_go_at_their_positions() {
    let from = schema(|op| {
        op.create_enum("status", ["new", "done"]);
    });
    let to = schema(|op| {
        op.create_enum("status", ["draft", "new", "paid", "done", "archived"]);
    });
    let ops = ops(&from, &to);
    let positions: Vec<(String, Option<EnumPosition>)> = ops
        .iter()
        .map(|o| match o {
            Op::AddEnumValue(a) => (a.value.clone(), a.position.clone()),
            other => panic!("only values are added: {other:?}"),
        })
        .collect();
    assert_eq!(
        positions,
        [
            ("draft".into(), Some(EnumPosition::Before("new".into()))),
            ("paid".into(), Some(EnumPosition::After("new".into()))),
            ("archived".into(), Some(EnumPosition::After("done".into()))),
        ]
    );
}

#[test]
fn what_no_op_can_do_is_refused_with_the_recipe() {
    let from = schema(|op| {
        op.create_enum("level", ["low", "high"]);
        op.create_enum("status", ["new", "paid", "done"]);
        op.create_table("fees", |t| {
            t.column::<i64>("id").identity().primary_key();
        });
    });
    // The identity's options changing is an op now (set_identity_options),
    // so only the two enums are refused.
    let to = schema(|op| {
        op.create_enum("level", ["high", "low"]);
        op.create_enum("status", ["new", "done"]);
        op.create_table("fees", |t| {
            t.column::<i64>("id").identity().increment(2).primary_key();
        });
    });
    let err = diff(&from, &to).unwrap_err();
    assert_eq!(err.changes.len(), 2, "{err}");
    assert!(
        err.changes[0].starts_with("enum level changes the order of its values"),
        "{err}"
    );
    assert!(
        err.changes[1].starts_with(
            "enum status loses \"paid\": no op removes an enum value. Write it by hand: create a new enum"
        ) && err.changes[1].contains("If the value was renamed instead"),
        "{err}"
    );
    let reordered = schema(|op| {
        op.create_enum("status", ["done", "paid", "new"]);
    });
    let only_enum = schema(|op| {
        op.create_enum("status", ["new", "paid", "done"]);
    });
    let err = diff(&only_enum, &reordered).unwrap_err();
    assert!(
        err.to_string().contains("cannot reorder enum values"),
        "{err}"
    );
}

#[test]
fn new_tables_that_reference_each_other_get_their_keys_after_both() {
    let to = schema(|op| {
        op.create_table("teams", |t| {
            t.column::<i64>("id").primary_key();
            t.column::<Option<i64>>("captain_id");
        });
        op.create_table("players", |t| {
            t.column::<i64>("id").primary_key();
            t.column::<i64>("team_id").references("teams", "id");
        });
        op.add_foreign_key("teams", ["captain_id"], "players", ["id"]);
    });
    let ops = ops(&Schema::new(), &to);
    assert_eq!(
        described(&ops),
        [
            "create_table players",
            "create_table teams",
            "add foreign key players_team_id_fkey on players",
        ],
        "players is first by name; its key to teams waits for teams (which keeps its own key to players)"
    );
}

#[test]
fn a_constraint_added_not_valid_is_validated_not_rebuilt() {
    let base = |op: &mut Ops| {
        op.create_table("fees", |t| {
            t.column::<i64>("amount");
        });
    };
    let from = schema(|op| {
        base(op);
        op.add_check("fees", "fees_amount_positive", "amount > 0")
            .not_valid();
    });
    let to = schema(|op| {
        base(op);
        op.add_check("fees", "fees_amount_positive", "amount > 0");
    });
    assert_eq!(
        described(&ops(&from, &to)),
        ["validate_constraint fees_amount_positive on fees"]
    );
    // The other way no op exists; the constraint is added again NOT VALID.
    assert_eq!(
        described(&ops(&to, &from)),
        [
            "drop_constraint fees_amount_positive on fees",
            "add check constraint fees_amount_positive on fees"
        ]
    );
}

#[test]
fn a_type_change_casts_the_column_and_renders_on_postgres() {
    let from = schema(|op| {
        op.create_table("fees", |t| {
            t.column::<String>("state").default("new");
        });
    });
    let to = schema(|op| {
        op.create_enum("fee_state", ["new", "paid"]);
        op.create_table("fees", |t| {
            t.column_as("state", ColumnType::enumeration("fee_state"))
                .default("new")
                .comment("where the fee is");
        });
    });
    let ops = ops(&from, &to);
    assert_eq!(
        described(&ops),
        ["create_enum fee_state", "alter_column fees.state"]
    );
    let Op::AlterColumn(alter) = &ops[1] else {
        unreachable!()
    };
    assert_eq!(
        alter.ty.as_ref().and_then(|t| t.using.clone()),
        Some(Using::CastColumn)
    );
    assert!(alter.nullable.is_none() && alter.default.is_none());
    let sql = render_ops(&Postgres, &ops, &from).unwrap();
    assert!(
        sql[1][0]
            .sql
            .contains("ALTER COLUMN \"state\" TYPE \"fee_state\" USING \"state\"::\"fee_state\""),
        "{}",
        sql[1][0].sql
    );
}

#[test]
fn equal_schemas_give_nothing() {
    let s = schema(|op| {
        op.create_schema("billing");
        op.create_enum(("billing", "status"), ["a", "b"]);
        op.create_table(("billing", "fees"), |t| {
            t.column::<i64>("id").identity().primary_key();
            t.column_as("status", ColumnType::enumeration(("billing", "status")));
        });
        op.create_index(("billing", "fees"), ["status"]);
    });
    assert_eq!(diff(&s, &s), Ok(vec![]));
    // And from nothing, everything, in an order that replays.
    let all = ops(&Schema::new(), &s);
    assert_eq!(
        described(&all),
        [
            "create_schema billing",
            "create_enum billing.status",
            "create_table billing.fees",
            "create_index ix_fees_status on billing.fees",
        ]
    );
    let none = ops(&s, &Schema::new());
    assert_eq!(
        described(&none),
        [
            "drop_table billing.fees",
            "drop_enum billing.status",
            "drop_schema billing"
        ]
    );
}

fn guessed(from: &Schema, to: &Schema) -> Vec<String> {
    migrator_core::schema::guess_renames(from, to)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_table_with_the_same_columns_under_another_name_is_a_guessed_rename() {
    let fees = |name: &'static str| {
        move |op: &mut Ops| {
            op.create_table(name, |t| {
                t.column::<i64>("id").primary_key();
                t.column::<Option<String>>("note");
            });
        }
    };
    let from = schema(fees("fees"));
    let to = schema(fees("charges"));
    assert_eq!(guessed(&from, &to), ["table fees to charges"]);
    let renames = migrator_core::schema::guess_renames(&from, &to);
    let ops = migrator_core::schema::diff_renaming(&from, &to, &renames).unwrap();
    let mut now = from.clone();
    now.apply_all(&ops).unwrap();
    assert_eq!(now.normalized(), to.normalized());
    assert_eq!(described(&ops)[0], "rename_table fees to charges");
    // The primary key keeps its old name through a rename (as in
    // PostgreSQL), so the diff renames it by dropping and adding it.
    assert!(described(&ops).contains(&"add primary key charges_pkey on charges".to_owned()));

    // Two tables alike: which one was renamed cannot be told, so no guess.
    let two = schema(|op| {
        fees("fees")(op);
        fees("old_fees")(op);
    });
    let two_to = schema(|op| {
        fees("charges")(op);
        fees("old_charges")(op);
    });
    assert!(guessed(&two, &two_to).is_empty());
}

#[test]
fn a_column_with_the_same_definition_at_the_same_place_is_a_guessed_rename() {
    let from = schema(|op| {
        op.create_table("fees", |t| {
            t.column::<i64>("id").primary_key();
            t.column::<Option<String>>("note");
            t.column::<i32>("amount");
        });
    });
    let to = schema(|op| {
        op.create_table("fees", |t| {
            t.column::<i64>("id").primary_key();
            t.column::<Option<String>>("remark");
            t.column::<i64>("total");
        });
    });
    // `amount` → `total` changes type too: a drop and an add, not a guess.
    assert_eq!(guessed(&from, &to), ["column fees.note to fees.remark"]);
    let renames = migrator_core::schema::guess_renames(&from, &to);
    let ops = migrator_core::schema::diff_renaming(&from, &to, &renames).unwrap();
    assert_eq!(
        described(&ops),
        [
            "rename_column fees.note to remark",
            "drop_column fees.amount",
            "add_column fees.total"
        ]
    );
    // Without the guess (the author said no), a drop and an add.
    assert_eq!(
        described(&ops_of(&from, &to)),
        [
            "drop_column fees.note",
            "drop_column fees.amount",
            "add_column fees.remark",
            "add_column fees.total"
        ]
    );
}

fn ops_of(from: &Schema, to: &Schema) -> Vec<Op> {
    ops(from, to)
}

#[test]
fn an_enum_value_replaced_at_its_position_is_a_guessed_rename() {
    let status = |values: &'static [&'static str]| {
        schema(move |op| {
            op.create_enum("fee_status", values.iter().copied());
        })
    };
    let from = status(&["pending", "paid", "overdue"]);
    let to = status(&["pending", "paid", "late"]);
    assert_eq!(
        guessed(&from, &to),
        ["value \"overdue\" of enum fee_status to \"late\""]
    );
    let renames = migrator_core::schema::guess_renames(&from, &to);
    let ops = migrator_core::schema::diff_renaming(&from, &to, &renames).unwrap();
    assert_eq!(
        described(&ops),
        ["rename_enum_value fee_status \"overdue\" to \"late\""]
    );
    // Not confirmed: no op removes a value, so the diff refuses and says
    // how to write the rename.
    let refused = diff(&from, &to).unwrap_err().to_string();
    assert!(refused.contains("rename_enum_value"), "{refused}");
    // A value added and another removed elsewhere, or a reorder: no guess.
    assert!(guessed(&from, &status(&["pending", "paid", "overdue", "late"])).is_empty());
    assert!(guessed(&from, &status(&["paid", "pending", "overdue"])).is_empty());
}

#[test]
fn a_foreign_key_made_deferrable_is_dropped_and_added_again() {
    let plain = schema(|op| {
        op.create_table("nodes", |t| {
            t.column::<i64>("id").primary_key();
            t.column::<Option<i64>>("parent_id")
                .references("nodes", "id");
        });
    });
    let deferred = schema(|op| {
        op.create_table("nodes", |t| {
            t.column::<i64>("id").primary_key();
            t.column::<Option<i64>>("parent_id")
                .references("nodes", "id")
                .initially_deferred();
        });
    });
    let ops = ops(&plain, &deferred);
    assert_eq!(
        described(&ops),
        [
            "drop_constraint nodes_parent_id_fkey on nodes",
            "add foreign key nodes_parent_id_fkey on nodes"
        ]
    );
    assert!(
        migrator_core::ops::rust_source(&ops)
            .unwrap()
            .contains(".initially_deferred()"),
        "{ops:#?}"
    );
}

#[test]
fn deferrable_keys_render_on_postgres_are_refused_by_sqlite_and_cannot_be_referenced() {
    use migrator_core::render::{Sqlite, render_sql};
    let mut op = Ops::new();
    op.create_table("slots", |t| {
        t.column::<i64>("id");
        t.column::<i32>("pos");
        t.primary_key(["id"]).deferrable();
        t.unique(["pos"]).initially_deferred();
    });
    let sql = render_sql(&Postgres, op.ops()).unwrap();
    assert!(
        sql[0].contains("CONSTRAINT \"slots_pkey\" PRIMARY KEY (\"id\") DEFERRABLE,")
            && sql[0].contains(
                "CONSTRAINT \"slots_pos_key\" UNIQUE (\"pos\") DEFERRABLE INITIALLY DEFERRED"
            ),
        "{sql:?}"
    );
    let err = render_sql(&Sqlite, op.ops()).unwrap_err().to_string();
    assert!(
        err.contains("SQLite cannot defer a primary key (only foreign keys): drop .deferrable()/.initially_deferred() from slots_pkey, or put it in op.on(Engine::Postgres, …)"),
        "{err}"
    );
    // A foreign key cannot reference a deferrable key, as PostgreSQL says.
    op.create_table("moves", |t| {
        t.column::<i64>("slot_id").references("slots", "id");
    });
    let err = Schema::replay(op.ops()).unwrap_err().to_string();
    assert_eq!(
        err,
        "op #2 (create_table moves): foreign key moves_slot_id_fkey references slots_pkey of table slots, which is deferrable; PostgreSQL cannot use a deferrable key for a foreign key: make slots_pkey not deferrable"
    );
    // Written back, and a key made deferrable is dropped and added again.
    let plain = schema(|op| {
        op.create_table("slots", |t| {
            t.column::<i32>("pos");
            t.unique(["pos"]);
        });
    });
    let deferred = schema(|op| {
        op.create_table("slots", |t| {
            t.column::<i32>("pos");
            t.unique(["pos"]).initially_deferred();
        });
    });
    let change = ops(&plain, &deferred);
    assert_eq!(
        described(&change),
        [
            "drop_constraint slots_pos_key on slots",
            "add unique constraint slots_pos_key on slots"
        ]
    );
    assert_eq!(
        migrator_core::ops::rust_source(&change).unwrap(),
        "op.drop_constraint(\"slots\", \"slots_pos_key\");\nop.add_unique(\"slots\", [\"pos\"]).initially_deferred();\n"
    );
}
