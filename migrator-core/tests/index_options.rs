//! Index keys with options: expressions, collations, operator classes,
//! direction, NULLS placement, NULLS NOT DISTINCT and storage parameters —
//! rendered for both engines (or refused by SQLite by name), validated,
//! kept by the model through renames, inverted, written back and diffed.

use migrator_core::ops::{IndexKey, rust_source};
use migrator_core::prelude::*;
use migrator_core::render::{Postgres, Sqlite, render_ops, render_sql};
use migrator_core::schema::{Schema, diff};

mod support;

fn users(op: &mut Ops) {
    op.create_table("users", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<String>("email");
        t.column::<Option<String>>("name");
        t.column::<Option<i64>>("score");
    });
}

fn ops(build: impl FnOnce(&mut Ops)) -> Ops {
    let mut op = Ops::new();
    users(&mut op);
    build(&mut op);
    op
}

/// The statements after the table's.
fn sql(dialect: &dyn migrator_core::render::Dialect, op: &Ops) -> Vec<String> {
    render_sql(dialect, op.ops()).unwrap()[1..].to_vec()
}

#[test]
fn keys_render_with_their_options_on_postgres() {
    let op = ops(|op| {
        op.create_index("users", [IndexKey::expr("lower(email)")])
            .unique();
        op.create_index(
            "users",
            [
                IndexKey::column("name")
                    .collate("C")
                    .opclass("text_pattern_ops"),
                IndexKey::column("score").desc().nulls_last(),
            ],
        );
        op.create_index("users", ["name"])
            .named("users_name_gin")
            .using(IndexMethod::Gin)
            .with("fastupdate", "off");
        op.create_index("users", ["score"])
            .unique()
            .nulls_not_distinct()
            .with("fillfactor", "70")
            .with("deduplicate_items", "false");
    });
    assert_eq!(
        sql(&Postgres, &op),
        [
            "CREATE UNIQUE INDEX \"ix_users_lower_email\" ON \"users\" ((lower(email)))",
            "CREATE INDEX \"ix_users_name_score\" ON \"users\" (\"name\" COLLATE \"C\" \
             \"text_pattern_ops\", \"score\" DESC NULLS LAST)",
            "CREATE INDEX \"users_name_gin\" ON \"users\" USING gin (\"name\") WITH (\"fastupdate\" = off)",
            "CREATE UNIQUE INDEX \"ix_users_score\" ON \"users\" (\"score\") NULLS NOT DISTINCT \
             WITH (\"fillfactor\" = 70, \"deduplicate_items\" = false)",
        ]
    );
}

#[test]
fn sqlite_renders_expressions_collations_and_direction_and_refuses_the_rest_by_name() {
    let op = ops(|op| {
        op.create_index(
            "users",
            [
                IndexKey::expr("lower(email)"),
                IndexKey::column("name").collate("NOCASE").desc(),
            ],
        );
    });
    assert_eq!(
        sql(&Sqlite, &op),
        [
            "CREATE INDEX \"ix_users_lower_email_name\" ON \"users\" ((lower(email)), \"name\" COLLATE \"NOCASE\" DESC)"
        ]
    );
    let refused = |build: fn(&mut Ops)| {
        render_sql(&Sqlite, ops(build).ops())
            .unwrap_err()
            .to_string()
    };
    type Case = (fn(&mut Ops), &'static str);
    let cases: [Case; 4] = [
        (
            |op| {
                op.create_index(
                    "users",
                    [IndexKey::column("name").opclass("text_pattern_ops")],
                );
            },
            "SQLite has no operator classes: drop .opclass(\"text_pattern_ops\") or put the index in op.on(Engine::Postgres, …)",
        ),
        (
            |op| {
                op.create_index("users", [IndexKey::column("score").nulls_first()]);
            },
            "SQLite index keys have no NULLS FIRST/LAST",
        ),
        (
            |op| {
                op.create_index("users", ["score"])
                    .unique()
                    .nulls_not_distinct();
            },
            "SQLite has no NULLS NOT DISTINCT",
        ),
        (
            |op| {
                op.create_index("users", ["score"]).with("fillfactor", "70");
            },
            "SQLite indexes have no storage parameters; drop .with(\"fillfactor\", …)",
        ),
    ];
    for (build, message) in cases {
        let err = refused(build);
        assert!(err.contains(message), "{err}");
        assert!(err.contains("create_index ix_users_"), "{err}");
    }
}

#[test]
fn the_model_refuses_what_the_access_method_refuses() {
    let err = |build: fn(&mut Ops)| Schema::replay(ops(build).ops()).unwrap_err().to_string();
    assert_eq!(
        err(|op| {
            op.create_index("users", [IndexKey::column("name").desc()])
                .using(IndexMethod::Gin);
        }),
        "op #2 (create_index ix_users_name on users): index ix_users_name on users: access method \"gin\" does not support ASC/DESC options"
    );
    assert_eq!(
        err(|op| {
            op.create_index("users", ["name"])
                .using(IndexMethod::Hash)
                .unique();
        }),
        "op #2 (create_index ix_users_name on users): index ix_users_name on users: access method \"hash\" does not support unique indexes"
    );
    assert_eq!(
        err(|op| {
            op.create_index("users", ["name"])
                .using(IndexMethod::Brin)
                .include(["score"]);
        }),
        "op #2 (create_index ix_users_name on users): index ix_users_name on users: access method \"brin\" does not support included columns"
    );
    assert_eq!(
        err(|op| {
            op.create_index("users", [IndexKey::expr("  ")])
                .named("blank");
        }),
        "op #2 (create_index blank on users): index blank on users: a key expression is empty"
    );
    assert_eq!(
        err(|op| {
            op.create_index("users", [IndexKey::expr("lower(email)")]);
            op.drop_column("users", "email");
        }),
        "op #3 (drop_column users.email): column email of table users is still used by index ix_users_lower_email; drop that first"
    );
    // A parenthesized name is that column, as PostgreSQL reads it.
    let schema = Schema::replay(
        ops(|op| {
            op.create_index("users", [IndexKey::expr("(\"email\")")])
                .named("e");
        })
        .ops(),
    )
    .unwrap();
    assert_eq!(
        schema.index(&"e".into()).unwrap().keys,
        [IndexKey::column("email")]
    );
}

#[test]
fn a_renamed_column_is_renamed_in_key_expressions() {
    let op = ops(|op| {
        op.create_index(
            "users",
            [
                IndexKey::expr("lower(email)"),
                IndexKey::column("name").desc(),
            ],
        )
        .named("ix");
        op.rename_column("users", "email", "mail");
        op.rename_column("users", "name", "nick");
    });
    let schema = Schema::replay(op.ops()).unwrap();
    assert_eq!(
        schema.index(&"ix".into()).unwrap().keys,
        [
            IndexKey::expr("lower(\"mail\")"),
            IndexKey::column("nick").desc()
        ]
    );
}

#[test]
fn a_dropped_index_comes_back_with_its_keys_and_options() {
    let created = ops(|op| {
        op.create_index(
            "users",
            [
                IndexKey::expr("lower(email)"),
                IndexKey::column("score").nulls_first(),
            ],
        )
        .named("ix")
        .unique()
        .nulls_not_distinct()
        .with("fillfactor", "80");
    });
    let before = Schema::replay(created.ops()).unwrap();
    let mut drop = Ops::new();
    drop.drop_index("ix");
    assert_eq!(
        support::undo_sql(&drop, &before),
        [
            "CREATE UNIQUE INDEX \"ix\" ON \"users\" ((lower(email)), \"score\" NULLS FIRST) \
          NULLS NOT DISTINCT WITH (\"fillfactor\" = 80)"
        ]
    );
}

#[test]
fn keys_are_diffed_and_written_back_as_builder_calls() {
    let plain = Schema::replay(
        ops(|op| {
            op.create_index("users", ["email"]).named("ix");
        })
        .ops(),
    )
    .unwrap();
    let rich = Schema::replay(
        ops(|op| {
            op.create_index(
                "users",
                [
                    IndexKey::expr("lower(email)").collate("C"),
                    IndexKey::column("score")
                        .desc()
                        .nulls_last()
                        .opclass("int8_ops"),
                ],
            )
            .named("ix")
            .unique()
            .nulls_not_distinct()
            .with("fillfactor", "70");
        })
        .ops(),
    )
    .unwrap();
    let up = diff(&plain, &rich).unwrap();
    assert_eq!(
        rust_source(&up).unwrap(),
        "op.drop_index(\"ix\");\n\
         op.create_index(\"users\", [IndexKey::expr(\"lower(email)\").collate(\"C\"), \
         IndexKey::column(\"score\").opclass(\"int8_ops\").desc().nulls_last()])\
         .named(\"ix\").unique().nulls_not_distinct().with(\"fillfactor\", \"70\");\n"
    );
    // Replayed, the source's ops make the target again.
    let mut again = Schema::replay(
        ops(|op| {
            op.create_index("users", ["email"]).named("ix");
        })
        .ops(),
    )
    .unwrap();
    again.apply_all(&up).unwrap();
    assert_eq!(again, rich);
    // NULLS at the direction's default is no change.
    let nulls = |key: IndexKey| {
        let mut op = ops(|_| {});
        op.create_index("users", [key]).named("ix");
        Schema::replay(op.ops()).unwrap()
    };
    assert_eq!(
        diff(
            &nulls(IndexKey::column("score").desc()),
            &nulls(IndexKey::column("score").desc().nulls_first())
        )
        .unwrap(),
        []
    );
}

#[test]
fn an_index_becomes_a_key_using_index() {
    let built = ops(|op| {
        op.create_index("users", ["email"]).unique().concurrently();
        op.create_index("users", ["name"]).named("by_name");
    });
    let before = Schema::replay(built.ops()).unwrap();
    let mut op = Ops::new();
    op.add_unique_using_index("users", "ix_users_email")
        .named("users_email_key");
    assert_eq!(
        render_ops(&Postgres, op.ops(), &before).unwrap()[0][0].sql,
        "ALTER TABLE \"users\" ADD CONSTRAINT \"users_email_key\" UNIQUE USING INDEX \"ix_users_email\""
    );
    let mut after = before.clone();
    after.apply_all(op.ops()).unwrap();
    assert!(after.index(&"ix_users_email".into()).is_none());
    assert!(
        after
            .table(&"users".into())
            .unwrap()
            .find_constraint("users_email_key")
            .is_some()
    );
    // Undone: the key dropped, the index built again.
    assert_eq!(
        support::undo_sql(&op, &before),
        [
            "ALTER TABLE \"users\" DROP CONSTRAINT \"users_email_key\"",
            "CREATE UNIQUE INDEX \"ix_users_email\" ON \"users\" (\"email\")"
        ]
    );
    assert_eq!(
        rust_source(op.ops()).unwrap(),
        "op.add_unique_using_index(\"users\", \"ix_users_email\").named(\"users_email_key\");\n"
    );
    // PostgreSQL's refusals, said before anything runs.
    let refused = |index: &str| {
        let mut op = Ops::new();
        op.add_unique_using_index("users", index);
        let mut s = before.clone();
        s.apply_all(op.ops()).unwrap_err().to_string()
    };
    assert_eq!(
        refused("by_name"),
        "op #1 (add unique constraint by_name on users using index by_name): index by_name on users: it is not unique, so it cannot become a key (USING INDEX)"
    );
    assert_eq!(
        refused("nope"),
        "op #1 (add unique constraint nope on users using index nope): index nope does not exist"
    );
    let pk = ops(|op| {
        op.drop_constraint("users", "users_pkey");
        op.create_index("users", ["name"]).unique().named("u_name");
        op.add_primary_key_using_index("users", "u_name");
    });
    let err = Schema::replay(pk.ops()).unwrap_err().to_string();
    assert!(err.contains("NOT NULL"), "{err}");
}
