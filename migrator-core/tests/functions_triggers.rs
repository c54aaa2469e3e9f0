//! Functions and triggers as ops: rendered for PostgreSQL (functions,
//! triggers that run them) and SQLite (triggers that run statements),
//! refused by name where an engine has no such thing, validated by the
//! model with PostgreSQL's refusals, inverted from the model, written back
//! as builder calls and diffed.

use migrator_core::ops::{invert_all, rust_source};
use migrator_core::prelude::*;
use migrator_core::render::{Postgres, Sqlite, render_sql};
use migrator_core::schema::{Schema, diff};

mod support;

const TOUCH: &str = "BEGIN NEW.updated_at := now(); RETURN NEW; END;";

fn users(op: &mut Ops) {
    op.create_table("users", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<String>("email");
        t.column_as("updated_at", ColumnType::TimestampTz)
            .default_sql("now()");
    });
}

fn ops(build: impl FnOnce(&mut Ops)) -> Ops {
    let mut op = Ops::new();
    users(&mut op);
    build(&mut op);
    op
}

fn touch(op: &mut Ops) {
    op.create_function("set_updated_at", "trigger", TOUCH);
    op.create_trigger(
        "users",
        "users_touch",
        TriggerTiming::Before,
        [TriggerEvent::UPDATE],
        "set_updated_at",
    )
    .for_each_row();
}

#[test]
fn postgres_renders_functions_and_triggers() {
    let op = ops(|op| {
        touch(op);
        op.create_function("add", "integer", "SELECT a + b")
            .arg("a", "integer")
            .arg("b", "integer")
            .language("sql")
            .volatility(Volatility::Immutable)
            .strict();
        op.create_function("audit", "trigger", "BEGIN RETURN NULL; END;")
            .security_definer()
            .or_replace();
        op.create_trigger(
            "users",
            "users_audit",
            TriggerTiming::After,
            [
                TriggerEvent::Insert,
                TriggerEvent::update_of(["email"]),
                TriggerEvent::Delete,
            ],
            "audit",
        )
        .for_each_row()
        .when_sql("NEW.email IS NOT NULL")
        .args(["users", "it's"]);
        op.drop_trigger("users", "users_audit");
        op.drop_function("add");
    });
    assert_eq!(
        render_sql(&Postgres, op.ops()).unwrap()[1..],
        [
            "CREATE FUNCTION \"set_updated_at\"() RETURNS trigger LANGUAGE plpgsql AS $body$BEGIN NEW.updated_at := now(); RETURN NEW; END;$body$",
            "CREATE TRIGGER \"users_touch\" BEFORE UPDATE ON \"users\" FOR EACH ROW EXECUTE FUNCTION \"set_updated_at\"()",
            "CREATE FUNCTION \"add\"(\"a\" integer, \"b\" integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $body$SELECT a + b$body$",
            "CREATE OR REPLACE FUNCTION \"audit\"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $body$BEGIN RETURN NULL; END;$body$",
            "CREATE TRIGGER \"users_audit\" AFTER INSERT OR UPDATE OF \"email\" OR DELETE ON \"users\" FOR EACH ROW WHEN (NEW.email IS NOT NULL) EXECUTE FUNCTION \"audit\"('users', 'it''s')",
            "DROP TRIGGER \"users_audit\" ON \"users\"",
            "DROP FUNCTION \"add\"(integer, integer)",
        ]
    );
    // A body holding the tag gets another one.
    let tagged = ops(|op| {
        op.create_function("f", "text", "SELECT '$body$'")
            .language("sql");
    });
    assert_eq!(
        render_sql(&Postgres, tagged.ops()).unwrap()[1],
        "CREATE FUNCTION \"f\"() RETURNS text LANGUAGE sql AS $body_1$SELECT '$body$'$body_1$"
    );
}

#[test]
fn sqlite_renders_its_triggers_and_refuses_functions_by_name() {
    let op = ops(|op| {
        op.create_sqlite_trigger(
            "users",
            "users_touch",
            TriggerTiming::After,
            TriggerEvent::update_of(["email"]),
            "UPDATE users SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;",
        )
        .when_sql("OLD.email <> NEW.email");
        op.drop_trigger("users", "users_touch");
    });
    assert_eq!(
        render_sql(&Sqlite, op.ops()).unwrap()[1..],
        [
            "CREATE TRIGGER \"users_touch\" AFTER UPDATE OF \"email\" ON \"users\" FOR EACH ROW WHEN (OLD.email <> NEW.email) BEGIN UPDATE users SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id; END",
            "DROP TRIGGER \"users_touch\"",
        ]
    );
    let err = render_sql(&Sqlite, ops(touch).ops())
        .unwrap_err()
        .to_string();
    assert!(err.contains("create_function set_updated_at"), "{err}");
    assert!(
        err.contains(
            "SQLite has no stored functions; put the function in op.on(Engine::Postgres, …)"
        ),
        "{err}"
    );
    // And PostgreSQL refuses SQLite's kind of trigger.
    let err = render_sql(&Postgres, op.ops()).unwrap_err().to_string();
    assert!(err.contains("create_trigger users_touch on users"), "{err}");
    assert!(
        err.contains("a PostgreSQL trigger runs a function"),
        "{err}"
    );
}

#[test]
fn the_model_refuses_what_postgresql_refuses() {
    let err = |build: fn(&mut Ops)| Schema::replay(ops(build).ops()).unwrap_err().to_string();
    assert_eq!(
        err(|op| {
            op.create_trigger(
                "users",
                "t",
                TriggerTiming::Before,
                [TriggerEvent::UPDATE],
                "nope",
            )
            .for_each_row();
        }),
        "op #2 (create_trigger t on users): trigger t on users: function nope() does not exist; create it first with create_function"
    );
    assert_eq!(
        err(|op| {
            op.create_function("f", "integer", "SELECT 1")
                .language("sql");
            op.create_trigger(
                "users",
                "t",
                TriggerTiming::Before,
                [TriggerEvent::Insert],
                "f",
            );
        }),
        "op #3 (create_trigger t on users): trigger t on users: function f must return type trigger (it returns integer)"
    );
    assert_eq!(
        err(|op| {
            touch(op);
            op.create_function("set_updated_at", "trigger", "BEGIN RETURN NEW; END;");
        }),
        "op #4 (create_function set_updated_at): function set_updated_at exists already; chain .or_replace() to replace it"
    );
    assert_eq!(
        err(|op| {
            touch(op);
            op.drop_function("set_updated_at");
        }),
        "op #4 (drop_function set_updated_at): function set_updated_at is run by trigger users_touch on users; drop that trigger first"
    );
    assert_eq!(
        err(|op| {
            touch(op);
            op.create_function("set_updated_at", "integer", "SELECT 1")
                .or_replace();
        }),
        "op #4 (create_function set_updated_at): function set_updated_at: cannot change return type of existing function (it returns trigger); drop it first"
    );
    assert_eq!(
        err(|op| {
            touch(op);
            op.create_trigger(
                "users",
                "users_touch",
                TriggerTiming::After,
                [TriggerEvent::Insert],
                "set_updated_at",
            );
        }),
        "op #4 (create_trigger users_touch on users): trigger users_touch on users: a trigger of that name exists on the table already"
    );
    assert_eq!(
        err(|op| {
            op.create_function("f", "trigger", TOUCH);
            op.create_trigger(
                "users",
                "t",
                TriggerTiming::Before,
                [TriggerEvent::Truncate],
                "f",
            )
            .for_each_row();
        }),
        "op #3 (create_trigger t on users): trigger t on users: TRUNCATE triggers fire FOR EACH STATEMENT only"
    );
    assert_eq!(
        err(|op| {
            op.create_function("f", "trigger", TOUCH);
            op.create_trigger(
                "users",
                "t",
                TriggerTiming::After,
                [TriggerEvent::UPDATE],
                "f",
            )
            .when_sql("NEW.email <> ''");
        }),
        "op #3 (create_trigger t on users): trigger t on users: a statement-level trigger's WHEN cannot reference OLD or NEW: add .for_each_row()"
    );
    assert_eq!(
        err(|op| {
            op.create_function("f", "trigger", TOUCH);
            op.create_trigger(
                "users",
                "t",
                TriggerTiming::After,
                [TriggerEvent::update_of(["nope"])],
                "f",
            );
        }),
        "op #3 (create_trigger t on users): table users has no column nope"
    );
    assert_eq!(
        err(|op| {
            op.create_function("f", "trigger", TOUCH);
            op.create_trigger(
                "users",
                "t",
                TriggerTiming::After,
                [TriggerEvent::update_of(["email"])],
                "f",
            );
            op.drop_column("users", "email");
        }),
        "op #4 (drop_column users.email): column email of table users is still used by trigger t; drop that first"
    );
    assert_eq!(
        err(|op| {
            op.drop_trigger("users", "t");
        }),
        "op #2 (drop_trigger t on users): trigger t on users does not exist"
    );
    assert_eq!(
        err(|op| {
            op.create_schema("app");
            op.create_function(("app", "f"), "trigger", TOUCH);
            op.drop_schema("app");
        }),
        "op #4 (drop_schema app): schema app is not empty: it still holds function f; drop it first"
    );
}

/// The events of a trigger are a set, kept in the order PostgreSQL's catalog
/// gives them, so a trigger written `UPDATE OR INSERT` reads back as the
/// model holds it (found by the diff property test on the server).
#[test]
fn a_triggers_events_are_kept_in_the_catalogs_order() {
    let op = ops(|op| {
        op.create_function("f", "trigger", TOUCH);
        op.create_trigger(
            "users",
            "t",
            TriggerTiming::Before,
            [
                TriggerEvent::Truncate,
                TriggerEvent::update_of(["email"]),
                TriggerEvent::Delete,
                TriggerEvent::Insert,
            ],
            "f",
        );
    });
    let schema = Schema::replay(op.ops()).unwrap();
    assert_eq!(
        schema.trigger(&"users".into(), "t").unwrap().events,
        [
            TriggerEvent::Insert,
            TriggerEvent::update_of(["email"]),
            TriggerEvent::Delete,
            TriggerEvent::Truncate
        ]
    );
}

#[test]
fn triggers_follow_their_table_and_its_columns() {
    let op = ops(|op| {
        op.create_function("f", "trigger", TOUCH);
        op.create_trigger(
            "users",
            "t",
            TriggerTiming::After,
            [TriggerEvent::update_of(["email"])],
            "f",
        )
        .for_each_row()
        .when_sql("(NEW.email <> OLD.email)");
        op.rename_column("users", "email", "mail");
        op.rename_table("users", "people");
    });
    let schema = Schema::replay(op.ops()).unwrap();
    let t = schema.trigger(&"people".into(), "t").unwrap();
    assert_eq!(t.events, [TriggerEvent::update_of(["mail"])]);
    assert_eq!(t.when.as_deref(), Some("NEW.\"mail\" <> OLD.\"mail\""));
    assert!(schema.trigger(&"users".into(), "t").is_none());
    // Dropping the table takes its triggers; undoing the drop brings them back.
    let mut drop = Ops::new();
    drop.drop_table("people");
    let undo = invert_all(drop.ops(), &schema).unwrap();
    let mut after = schema.clone();
    after.apply_all(drop.ops()).unwrap();
    assert!(after.triggers().next().is_none());
    let mut back = after.clone();
    back.apply_all(&undo).unwrap();
    assert_eq!(back, schema);
}

#[test]
fn drops_and_replacements_are_undone_from_the_model() {
    let before = Schema::replay(ops(touch).ops()).unwrap();
    let mut op = Ops::new();
    op.drop_trigger("users", "users_touch");
    op.drop_function("set_updated_at");
    assert_eq!(
        support::undo_sql(&op, &before),
        [
            "CREATE FUNCTION \"set_updated_at\"() RETURNS trigger LANGUAGE plpgsql AS $body$BEGIN NEW.updated_at := now(); RETURN NEW; END;$body$",
            "CREATE TRIGGER \"users_touch\" BEFORE UPDATE ON \"users\" FOR EACH ROW EXECUTE FUNCTION \"set_updated_at\"()",
        ]
    );
    // OR REPLACE is undone by the old body.
    let mut replace = Ops::new();
    replace
        .create_function("set_updated_at", "trigger", "BEGIN RETURN NEW; END;")
        .or_replace();
    let undo = invert_all(replace.ops(), &before).unwrap();
    assert_eq!(
        render_sql(&Postgres, &undo).unwrap(),
        [
            "CREATE OR REPLACE FUNCTION \"set_updated_at\"() RETURNS trigger LANGUAGE plpgsql AS $body$BEGIN NEW.updated_at := now(); RETURN NEW; END;$body$"
        ]
    );
}

#[test]
fn functions_and_triggers_are_diffed_and_written_back() {
    let plain = Schema::replay(ops(|_| {}).ops()).unwrap();
    let with = Schema::replay(ops(touch).ops()).unwrap();
    let up = diff(&plain, &with).unwrap();
    assert_eq!(
        rust_source(&up).unwrap(),
        "op.create_function(\"set_updated_at\", \"trigger\", \"BEGIN NEW.updated_at := now(); RETURN NEW; END;\");\n\
         op.create_trigger(\"users\", \"users_touch\", TriggerTiming::Before, [TriggerEvent::UPDATE], \"set_updated_at\").for_each_row();\n"
    );
    let down = diff(&with, &plain).unwrap();
    let described: Vec<String> = down.iter().map(|o| o.describe()).collect();
    assert_eq!(
        described,
        [
            "drop_trigger users_touch on users",
            "drop_function set_updated_at"
        ]
    );
    // A new body: replaced in place, the trigger kept.
    let changed = Schema::replay(
        ops(|op| {
            op.create_function("set_updated_at", "trigger", "BEGIN RETURN NEW; END;");
            op.create_trigger(
                "users",
                "users_touch",
                TriggerTiming::Before,
                [TriggerEvent::UPDATE],
                "set_updated_at",
            )
            .for_each_row();
        })
        .ops(),
    )
    .unwrap();
    let described: Vec<String> = diff(&with, &changed)
        .unwrap()
        .iter()
        .map(|o| o.describe())
        .collect();
    assert_eq!(described, ["create_function set_updated_at"]);
    // Another timing: the trigger is dropped and created again.
    let other = Schema::replay(
        ops(|op| {
            op.create_function("set_updated_at", "trigger", TOUCH);
            op.create_trigger(
                "users",
                "users_touch",
                TriggerTiming::After,
                [TriggerEvent::UPDATE],
                "set_updated_at",
            )
            .for_each_row();
        })
        .ops(),
    )
    .unwrap();
    let described: Vec<String> = diff(&with, &other)
        .unwrap()
        .iter()
        .map(|o| o.describe())
        .collect();
    assert_eq!(
        described,
        [
            "drop_trigger users_touch on users",
            "create_trigger users_touch on users"
        ]
    );
    let mut replayed = with.clone();
    replayed.apply_all(&diff(&with, &other).unwrap()).unwrap();
    assert_eq!(replayed, other);
    // The table goes with the function its trigger runs: the trigger is
    // dropped before the function (the functions go before the tables),
    // not left to go with its table (found by the diff property test).
    let described: Vec<String> = diff(&with, &Schema::new())
        .unwrap()
        .iter()
        .map(|o| o.describe())
        .collect();
    assert_eq!(
        described,
        [
            "drop_trigger users_touch on users",
            "drop_function set_updated_at",
            "drop_table users"
        ]
    );
    let mut emptied = with.clone();
    emptied
        .apply_all(&diff(&with, &Schema::new()).unwrap())
        .unwrap();
    assert_eq!(emptied, Schema::new());
    // SQLite's triggers are written back too.
    let sqlite = ops(|op| {
        op.create_sqlite_trigger(
            "users",
            "t",
            TriggerTiming::After,
            TriggerEvent::Insert,
            "SELECT 1;",
        )
        .when_sql("NEW.id > 0");
    });
    assert_eq!(
        rust_source(&sqlite.ops()[1..]).unwrap(),
        "op.create_sqlite_trigger(\"users\", \"t\", TriggerTiming::After, TriggerEvent::Insert, \"SELECT 1;\").when_sql(\"NEW.id > 0\");\n"
    );
}
