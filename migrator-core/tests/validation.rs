//! Every validation error of the schema model, with its exact message.

use migrator_core::ops::Ops;
use migrator_core::prelude::*;
use migrator_core::schema::Schema;
use migrator_core::types::ColumnType as T;

mod support;

fn base(op: &mut Ops) {
    op.create_enum("status", ["new", "done"]);
    op.create_table("users", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<String>("email").unique();
        t.column::<Option<String>>("name");
        t.column::<i32>("score");
        t.column_as("state", T::enumeration("status"));
        t.check("score_positive", "score > 0");
    });
    op.create_table("posts", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<i64>("author_id").references("users", "id");
        t.column::<String>("title");
    });
    op.create_index("posts", ["title"]);
}

fn error(f: impl FnOnce(&mut Ops)) -> String {
    support::refused(base, f)
}

#[test]
fn base_schema_is_valid() {
    let mut op = Ops::new();
    base(&mut op);
    Schema::replay(op.ops()).unwrap();
}

#[test]
fn replay_error_names_the_op() {
    let mut op = Ops::new();
    op.add_column::<i32>("nope", "x");
    let err = Schema::replay(op.ops()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "op #1 (add_column nope.x): table nope does not exist"
    );
}

#[test]
fn unknown_tables_and_columns() {
    assert_eq!(
        error(|op| {
            op.drop_table("nope");
        }),
        "table nope does not exist"
    );
    assert_eq!(
        error(|op| {
            op.create_index("users", ["emial"]);
        }),
        "table users has no column emial"
    );
    assert_eq!(
        error(|op| {
            op.create_index("users", ["email"]).include(["nope"]);
        }),
        "table users has no column nope"
    );
    assert_eq!(
        error(|op| {
            op.drop_column("users", "nope");
        }),
        "table users has no column nope"
    );
    assert_eq!(
        error(|op| {
            op.alter_column("users", "nope").set_nullable(true);
        }),
        "table users has no column nope"
    );
    assert_eq!(
        error(|op| {
            op.rename_column("users", "nope", "x");
        }),
        "table users has no column nope"
    );
    assert_eq!(
        error(|op| {
            op.drop_index("ix_nope");
        }),
        "index ix_nope does not exist"
    );
    assert_eq!(
        error(|op| {
            op.drop_constraint("users", "nope");
        }),
        "table users has no constraint nope"
    );
}

#[test]
fn duplicate_names() {
    assert_eq!(
        error(|op| {
            op.create_table("users", |t| {
                t.column::<i32>("x");
            });
        }),
        "table users already exists in schema public"
    );
    assert_eq!(
        error(|op| {
            op.create_table("t", |t| {
                t.column::<i32>("x");
                t.column::<i64>("x");
            });
        }),
        "table t names column x twice"
    );
    assert_eq!(
        error(|op| {
            op.add_column::<i32>("users", "email");
        }),
        "table users already has a column email"
    );
    assert_eq!(
        error(|op| {
            op.rename_column("users", "name", "email");
        }),
        "table users already has a column email"
    );
    assert_eq!(
        error(|op| {
            op.create_index("users", ["email"]).named("posts");
        }),
        "table posts already exists in schema public"
    );
    assert_eq!(
        error(|op| {
            op.create_index("users", ["email"]).named("users_email_key");
        }),
        "index of unique constraint users_email_key already exists in schema public"
    );
    assert_eq!(
        error(|op| {
            op.create_index("users", ["name"]).named("ix_posts_title");
        }),
        "index ix_posts_title already exists in schema public"
    );
    assert_eq!(
        error(|op| {
            op.create_enum("users", ["a"]);
        }),
        "table (and its row type) users already exists in schema public"
    );
    assert_eq!(
        error(|op| {
            op.create_table("status", |t| {
                t.column::<i32>("x");
            });
        }),
        "enum status already exists in schema public"
    );
    assert_eq!(
        error(|op| {
            op.add_check("users", "score_positive", "score > 1");
        }),
        "table users already has a constraint score_positive"
    );
    assert_eq!(
        error(|op| {
            op.create_schema("public");
        }),
        "schema public already exists"
    );
}

#[test]
fn foreign_keys() {
    assert_eq!(
        error(|op| {
            op.alter_column("posts", "author_id").set_type(T::Text);
        }),
        "foreign key posts_author_id_fkey: column author_id is Text but users.id is BigInt"
    );
    assert_eq!(
        error(|op| {
            op.alter_column("users", "id").set_type(T::Uuid);
        }),
        "foreign key posts_author_id_fkey: column author_id is BigInt but users.id is Uuid"
    );
    assert_eq!(
        error(|op| {
            op.add_foreign_key("posts", ["author_id"], "nope", ["id"])
                .named("fk2");
        }),
        "table nope does not exist"
    );
    assert_eq!(
        error(|op| {
            op.add_foreign_key("posts", ["author_id"], "users", ["nope"])
                .named("fk2");
        }),
        "table users has no column nope"
    );
    assert_eq!(
        error(|op| {
            op.add_foreign_key("posts", ["title"], "users", ["name"]);
        }),
        "foreign key posts_title_fkey: table users has no primary key or unique constraint on (name); add one first"
    );
    assert_eq!(
        error(|op| {
            op.add_foreign_key("posts", ["title"], "users", ["id"]);
        }),
        "foreign key posts_title_fkey: column title is Text but users.id is BigInt"
    );
    assert_eq!(
        error(|op| {
            op.add_foreign_key("posts", ["author_id", "title"], "users", ["id"]);
        }),
        "foreign key posts_author_id_title_fkey has 2 columns but references 1"
    );
    assert_eq!(
        error(|op| {
            op.drop_table("users");
        }),
        "table users is referenced by foreign key posts_author_id_fkey of table posts; drop that constraint first"
    );
    assert_eq!(
        error(|op| {
            op.drop_constraint("users", "users_pkey");
        }),
        "users_pkey of table users is referenced by foreign key posts_author_id_fkey of table posts; drop that first"
    );
}

#[test]
fn dropping_what_is_still_used() {
    assert_eq!(
        error(|op| {
            op.drop_column("posts", "title");
        }),
        "column title of table posts is still used by index ix_posts_title; drop that first"
    );
    assert_eq!(
        error(|op| {
            op.drop_column("users", "score");
        }),
        "column score of table users is still used by check constraint score_positive; drop that first"
    );
    assert_eq!(
        error(|op| {
            op.drop_column("users", "id");
        }),
        "column id of table users is still used by primary key users_pkey; drop that first"
    );
    assert_eq!(
        error(|op| {
            op.drop_column("posts", "author_id");
        }),
        "column author_id of table posts is still used by foreign key posts_author_id_fkey; drop that first"
    );
    assert_eq!(
        error(|op| {
            op.add_unique("posts", ["title", "id"]);
            op.create_table("links", |t| {
                t.column::<String>("title");
                t.column::<i64>("post_id");
                t.foreign_key(["title", "post_id"], "posts", ["title", "id"]);
            });
            op.drop_constraint("posts", "posts_title_id_key");
        }),
        "posts_title_id_key of table posts is referenced by foreign key links_title_post_id_fkey of table links; drop that first"
    );
    assert_eq!(
        error(|op| {
            op.drop_index("users_pkey");
        }),
        "index users_pkey belongs to the primary key of table users; use drop_constraint"
    );
    assert_eq!(
        error(|op| {
            op.drop_schema("public");
        }),
        "schema public is not empty: it still holds table posts; drop it first"
    );
}

#[test]
fn enums() {
    assert_eq!(
        error(|op| {
            op.add_enum_value("status", "new");
        }),
        "enum status already has the value \"new\""
    );
    assert_eq!(
        error(|op| {
            op.create_enum("mood", ["ok", "ok"]);
        }),
        "enum mood already has the value \"ok\""
    );
    assert_eq!(
        error(|op| {
            op.add_enum_value("status", "x").after("nope");
        }),
        "enum status has no value \"nope\""
    );
    assert_eq!(
        error(|op| {
            op.rename_enum_value("status", "nope", "x");
        }),
        "enum status has no value \"nope\""
    );
    assert_eq!(
        error(|op| {
            op.rename_enum_value("status", "new", "done");
        }),
        "enum status already has the value \"done\""
    );
    assert_eq!(
        error(|op| {
            op.drop_enum("status");
        }),
        "enum status is still used by column state of table users; change or drop that column first"
    );
    assert_eq!(
        error(|op| {
            op.add_column_as("users", "mood", T::enumeration("mood"));
        }),
        "enum mood does not exist; create it first with create_enum"
    );
    assert_eq!(
        error(|op| {
            op.add_enum_value("mood", "x");
        }),
        "enum mood does not exist; create it first with create_enum"
    );
}

#[test]
fn keys_and_constraints() {
    assert_eq!(
        error(|op| {
            op.add_primary_key("posts", ["title"]);
        }),
        "table posts already has a primary key (posts_pkey); drop it first"
    );
    assert_eq!(
        error(|op| {
            op.create_table("t", |t| {
                t.column::<Option<i32>>("a");
            });
            op.add_primary_key("t", ["a"]);
        }),
        "primary key t_pkey on table t: column a is nullable; make it NOT NULL first with alter_column(..).set_nullable(false)"
    );
    assert_eq!(
        error(|op| {
            op.alter_column("users", "id").set_nullable(true);
        }),
        "column id of table users: it is part of the primary key, which must stay NOT NULL"
    );
    assert_eq!(
        error(|op| {
            op.create_table("t", |t| {
                t.column::<i32>("a");
                t.check("c", "a > 0").not_valid();
            });
        }),
        "constraint c: NOT VALID applies only to a constraint added to an existing table"
    );
    assert_eq!(
        error(|op| {
            op.validate_constraint("users", "users_email_key");
        }),
        "constraint users_email_key: only check constraints and foreign keys can be validated"
    );
    assert_eq!(
        error(|op| {
            op.create_index("users", Vec::<String>::new())
                .named("empty");
        }),
        "index empty names no columns"
    );
    assert_eq!(
        error(|op| {
            op.add_unique("users", ["name", "name"]);
        }),
        "unique constraint users_name_name_key names column name twice"
    );
}

#[test]
fn redundant_keys() {
    assert_eq!(
        error(|op| {
            op.create_table("t", |t| {
                t.column::<i64>("id").unique().primary_key();
            });
        }),
        "t_id_key on table t covers the same columns as t_pkey; leave it out (PostgreSQL would silently drop it)"
    );
    assert_eq!(
        error(|op| {
            op.create_table("t", |t| {
                t.column::<i64>("a");
                t.column::<i64>("b");
                t.unique(["a", "b"]);
                t.unique(["a", "b"]).named("again");
            });
        }),
        "again on table t covers the same columns as t_a_b_key; leave it out (PostgreSQL would silently drop it)"
    );
    // Another order of the same columns is another index, and just as redundant.
    assert_eq!(
        error(|op| {
            op.create_table("t", |t| {
                t.column::<i64>("a");
                t.column::<i64>("b");
                t.unique(["a", "b"]);
                t.unique(["b", "a"]);
            });
        }),
        "t_b_a_key on table t covers the same columns as t_a_b_key; leave it out (a second index over them only slows writes, and a foreign key could depend on either)"
    );
    assert_eq!(
        error(|op| {
            op.add_unique("users", ["id"]);
        }),
        "users_id_key on table users covers the same columns as users_pkey; leave it out (a second index over them only slows writes, and a foreign key could depend on either)"
    );
}

#[test]
fn columns() {
    assert_eq!(
        error(|op| {
            op.alter_column("users", "name");
        }),
        "alter_column users.name changes nothing; chain set_type, set_nullable, set_default or set_comment"
    );
    assert_eq!(
        error(|op| {
            op.add_column::<String>("users", "code").identity();
        }),
        "column code of table users: an identity column must be smallint, integer or bigint"
    );
    assert_eq!(
        error(|op| {
            op.add_column::<Option<i64>>("users", "n").identity();
        }),
        "column n of table users: an identity column must be NOT NULL"
    );
    assert_eq!(
        error(|op| {
            op.add_column_as("users", "n", T::Serial);
            op.alter_column("users", "n").set_type(T::BigInt);
        }),
        "column n of table users: the type of a serial column cannot be changed here: its sequence would be orphaned; add a new column instead"
    );
    assert_eq!(
        error(|op| {
            op.alter_column("users", "score").set_type(T::BigSerial);
        }),
        "column score of table users: serial types exist only for new columns; use an integer type (or an identity column)"
    );
    assert_eq!(
        error(|op| {
            op.add_column_as("users", "n", T::array(T::Serial));
        }),
        "column n of table users: an array of a serial type does not exist; use an integer array"
    );
    assert_eq!(
        error(|op| {
            op.add_column_as("users", "n", T::numeric(5, 6));
        }),
        "column n of table users: numeric precision must be 1..=1000 and scale at most the precision"
    );
}

#[test]
fn identifiers() {
    let long = "x".repeat(64);
    assert_eq!(
        error(|op| {
            op.add_column::<i32>("users", long.as_str());
        }),
        format!(
            "identifier \"{long}\" is 64 bytes long; PostgreSQL truncates names to 63 bytes, so choose a shorter name"
        )
    );
    assert_eq!(
        error(|op| {
            op.create_table("", |t| {
                t.column::<i32>("a");
            });
        }),
        "an identifier may not be empty"
    );
    assert_eq!(
        error(|op| {
            op.create_enum("mood", ["a\0b"]);
        }),
        "identifier \"a\\0b\" contains a NUL byte"
    );
    assert_eq!(
        error(|op| {
            op.create_table(("nope", "t"), |t| {
                t.column::<i32>("a");
            });
        }),
        "schema nope does not exist; create it first with create_schema"
    );
}

#[test]
fn a_failed_op_leaves_the_schema_unchanged() {
    let mut op = Ops::new();
    base(&mut op);
    let mut schema = Schema::replay(op.ops()).unwrap();
    let before = schema.clone();
    let mut bad = Ops::new();
    bad.create_table("t", |t| {
        t.column::<i32>("a");
        t.column::<i64>("b").references("nope", "id");
    });
    assert!(schema.apply(&bad.ops()[0]).is_err());
    assert_eq!(schema, before);
}
