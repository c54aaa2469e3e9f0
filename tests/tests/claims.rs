//! Every op's claims checked against a real PostgreSQL (views and
//! materialized views count as tables here: their locks, a materialized
//! view's file and scans are watched too).
//!
//! Each case sets up tables of 10,000 rows (a referenced `users`, a
//! referencing `posts`, an unconstrained `events`), renders one op with the
//! PostgreSQL dialect against the schema model and runs each statement in a
//! transaction on a second connection. Before the rollback it reads what the
//! statement did to every table that existed before it:
//!
//! - the relation locks its backend holds (`pg_locks`): the strongest on
//!   each table must be claimed, at that level;
//! - `pg_class.relfilenode`: the statement claims `Rewrite` exactly when one
//!   changed;
//! - the scan counters (`pg_stat_xact_user_tables`, immediate inside the
//!   transaction): a scan must be claimed (`Scan` or `Rewrite`), and `Scan`
//!   only when one happened. Index scans that fetched fewer rows than a
//!   tenth of the table are key lookups (an insert checking its foreign
//!   keys), not a scan.
//!
//! Statements that cannot run in a transaction (`CONCURRENTLY`) are watched
//! from another session while a third one holds `ROW EXCLUSIVE` on every
//! table, which makes them wait after taking their table lock; their scans
//! are read from the flushed statistics.
//!
//! A claim weaker than the truth is a bug; one stronger fails too, since a
//! lint would cry wolf on it. Raw SQL (`execute`) is not a case: it claims
//! `Effect::Unknown` by design. A Rust data step renders no statement.

use std::collections::BTreeMap;
use std::time::Duration;

use migrator_core::ident::QualifiedName;
use migrator_core::ops::Ops;
use migrator_core::prelude::*;
use migrator_core::render::{Effect, LockLevel, Postgres, Statement, render_ops};
use migrator_core::schema::Schema;
use migrator_core::types::ColumnType as T;
use migrator_tests::db::TestDb;
use tokio_postgres::Client;

const ROWS: i64 = 10_000;

/// The tables every case starts from, in the model.
fn base(op: &mut Ops) {
    op.create_enum("mood", ["ok", "meh"]);
    op.create_table("users", |t| {
        t.column::<i64>("id").primary_key();
        t.column_as("code", T::varchar(10)).unique();
        t.column::<Option<String>>("name");
        t.column_as("nick", T::varchar(20)).nullable();
        t.column::<i32>("score");
        t.column_as("note", T::varchar(10)).nullable();
        t.column_as("qty", T::numeric(10, 2));
        t.column::<String>("state").default("ok");
        t.column::<serde_json::Value>("data");
        t.check("note_short", "length(note) < 9");
    });
    op.create_table("posts", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<i64>("author_id").references("users", "id");
        t.column_as("author_code", T::varchar(10))
            .nullable()
            .references("users", "code");
        t.column_as("label", T::varchar(10)).nullable();
        t.column::<Option<String>>("body");
    });
    op.create_table("events", |t| {
        t.column::<i64>("id");
        t.column::<i64>("user_id");
        t.column::<String>("kind");
        t.column::<i32>("n");
    });
}

/// The rows of the base tables.
fn data() -> String {
    format!(
        "INSERT INTO users (id, code, name, nick, score, note, qty, state, data) \
           SELECT g, 'c' || g, 'n' || g, 'k' || g, g, 'x', g, 'ok', '{{}}' FROM generate_series(1, {ROWS}) g;
         INSERT INTO posts (id, author_id, author_code, label, body) \
           SELECT g, g, 'c' || g, 'l', 'b' FROM generate_series(1, {ROWS}) g;
         INSERT INTO events (id, user_id, kind, n) \
           SELECT g, g, 'k' || g, g FROM generate_series(1, {ROWS}) g;"
    )
}

/// One op whose claims are checked.
struct Case {
    name: &'static str,
    /// SQL the model does not know, run before the extra ops (a function, an extension).
    raw: &'static str,
    /// Ops after the base, run and committed before the op.
    extra: fn(&mut Ops),
    /// The op.
    op: fn(&mut Ops),
}

const fn case(name: &'static str, op: fn(&mut Ops)) -> Case {
    Case {
        name,
        raw: "",
        extra: |_| {},
        op,
    }
}

impl Case {
    const fn raw(mut self, raw: &'static str) -> Case {
        self.raw = raw;
        self
    }

    const fn extra(mut self, extra: fn(&mut Ops)) -> Case {
        self.extra = extra;
        self
    }
}

fn cases() -> Vec<Case> {
    vec![
        // Tables.
        case("create_table", |op| {
            op.create_table("extra", |t| {
                t.column::<i64>("id").primary_key();
            });
        }),
        case("create_table with a foreign key", |op| {
            op.create_table("extra", |t| {
                t.column::<i64>("user_id").references("users", "id");
            });
        }),
        case("create_table if_not_exists of an existing table", |op| {
            op.create_table("posts", |t| {
                t.column::<i64>("author_id").references("users", "id");
            })
            .if_not_exists();
        }),
        case("drop_table with foreign keys", |op| {
            op.drop_table("posts");
        }),
        case("rename_table", |op| {
            op.rename_table("events", "happenings");
        }),
        case("set_table_comment", |op| {
            op.set_table_comment("events", "what happened");
        }),
        case("drop_table_comment", |op| {
            op.drop_table_comment("events");
        }),
        // Columns.
        case("add_column nullable with a comment", |op| {
            op.add_column::<Option<String>>("events", "bio")
                .comment("about");
        }),
        case("add_column with a literal default", |op| {
            op.add_column::<i32>("events", "level").default(0);
        }),
        case("add_column default now()", |op| {
            op.add_column::<chrono::DateTime<chrono::Utc>>("events", "at")
                .default_sql("now()");
        }),
        case("add_column default current_timestamp", |op| {
            op.add_column::<chrono::DateTime<chrono::Utc>>("events", "at")
                .default_sql("current_timestamp");
        }),
        case("add_column default lower(literal) || cast", |op| {
            op.add_column::<String>("events", "tag")
                .default_sql("lower('X') || 1::text");
        }),
        case("add_column default gen_random_uuid()", |op| {
            op.add_column::<uuid::Uuid>("events", "token")
                .default_sql("gen_random_uuid()");
        }),
        case("add_column default a user's volatile function", |op| {
            op.add_column::<String>("events", "code")
                .default_sql("gen_code()");
        })
        .raw(
            "CREATE FUNCTION gen_code() RETURNS text LANGUAGE sql VOLATILE \
             AS $$ SELECT md5(random()::text) $$",
        ),
        case(
            "add_column default encode(gen_random_bytes(8), 'hex')",
            |op| {
                op.add_column::<String>("events", "code")
                    .default_sql("encode(gen_random_bytes(8), 'hex')");
            },
        )
        .raw("CREATE EXTENSION pgcrypto"),
        case("add_column default random () with a space", |op| {
            op.add_column::<f64>("events", "r").default_sql("random ()");
        }),
        case("add_column bigserial", |op| {
            op.add_column_as("events", "seq", T::BigSerial);
        }),
        case("add_column identity", |op| {
            op.add_column::<i64>("events", "ident").identity();
        }),
        // Generated columns: adding one computes every row (a rewrite);
        // dropping one, or renaming a column it uses, touches no row.
        case("add_column generated stored", |op| {
            op.add_column::<i64>("events", "twice")
                .generated_sql("n * 2");
        }),
        case("drop_column generated", |op| {
            op.drop_column("events", "twice");
        })
        .extra(|op| {
            op.add_column::<i64>("events", "twice")
                .generated_sql("n * 2");
        }),
        // Identity on an existing column: the ALTER touches no row; the
        // sequence moved past the column's values reads them all.
        case("alter_column add_identity", |op| {
            op.alter_column("events", "id")
                .add_identity_with(Identity::ByDefault, SequenceOptions::new().start(5));
        }),
        case("alter_column set_generated", |op| {
            op.alter_column("events", "id")
                .set_generated(Identity::Always);
        })
        .extra(|op| {
            op.alter_column("events", "id")
                .add_identity(Identity::ByDefault);
        }),
        case("alter_column drop_identity", |op| {
            op.alter_column("events", "id").drop_identity();
        })
        .extra(|op| {
            op.alter_column("events", "id")
                .add_identity(Identity::ByDefault);
        }),
        // An identity's sequence options set in place: the table's lock,
        // no row touched.
        case("alter_column set_identity_options with restart", |op| {
            op.alter_column("events", "id").set_identity_options(
                SequenceChange::new()
                    .increment(5)
                    .max_value(1_000_000)
                    .cycle()
                    .restart_with(20_000),
            );
        })
        .extra(|op| {
            op.alter_column("events", "id")
                .add_identity(Identity::ByDefault);
        }),
        case("add_column identity with sequence options", |op| {
            op.add_column::<i64>("events", "ident")
                .identity()
                .start(-5)
                .increment(-1)
                .min_value(-1_000_000);
        }),
        case("alter_column drop_expression", |op| {
            op.alter_column("events", "twice").drop_expression();
        })
        .extra(|op| {
            op.add_column::<i64>("events", "twice")
                .generated_sql("n * 2");
        }),
        case("rename_column used by a generated column", |op| {
            op.rename_column("events", "n", "m");
        })
        .extra(|op| {
            op.add_column::<i64>("events", "twice")
                .generated_sql("n * 2");
        }),
        // Collations: the bytes stay; an index over the column is built again.
        case("alter_column set_collation of an indexed column", |op| {
            op.alter_column("users", "code").set_collation("C");
        }),
        case("alter_column set_collation", |op| {
            op.alter_column("users", "nick").set_collation("C");
        }),
        case("add_column with a collation", |op| {
            op.add_column::<Option<String>>("users", "sorted")
                .collate("C");
        }),
        // Sequences: no table is locked, scanned or rewritten.
        case("create_sequence", |op| {
            op.create_sequence("numbers").start(10).increment(5);
        }),
        case("alter_sequence with restart", |op| {
            op.alter_sequence("numbers").increment(2).restart(50);
        })
        .extra(|op| {
            op.create_sequence("numbers");
        }),
        // OWNED BY reads its table: ACCESS SHARE; OWNED BY NONE locks none.
        case("create_sequence owned_by", |op| {
            op.create_sequence("numbers").owned_by("events", "n");
        }),
        case("alter_sequence owned_by", |op| {
            op.alter_sequence("numbers").owned_by("users", "score");
        })
        .extra(|op| {
            op.create_sequence("numbers");
        }),
        case("alter_sequence owned_by_none", |op| {
            op.alter_sequence("numbers").owned_by_none();
        })
        .extra(|op| {
            op.create_sequence("numbers").owned_by("events", "n");
        }),
        // Dropping the owning column drops the sequence too.
        case("drop_column owning a sequence", |op| {
            op.drop_column("events", "n");
        })
        .extra(|op| {
            op.create_sequence("numbers").owned_by("events", "n");
        }),
        case("rename_sequence", |op| {
            op.rename_sequence("numbers", "serials");
        })
        .extra(|op| {
            op.create_sequence("numbers");
        }),
        case("drop_sequence", |op| {
            op.drop_sequence("numbers");
        })
        .extra(|op| {
            op.create_sequence("numbers");
        }),
        case("drop_column", |op| {
            op.drop_column("users", "nick");
        }),
        case("rename_column", |op| {
            op.rename_column("users", "nick", "handle");
        }),
        // Column types.
        case("alter type varchar(20) -> varchar(50)", |op| {
            op.alter_column("users", "nick").set_type(T::varchar(50));
        }),
        case("alter type varchar(20) -> text", |op| {
            op.alter_column("users", "nick").set_type(T::Text);
        }),
        case("alter type numeric(10,2) -> numeric(12,2)", |op| {
            op.alter_column("users", "qty").set_type(T::numeric(12, 2));
        }),
        case("alter type binary-compatible under a CHECK", |op| {
            op.alter_column("users", "note").set_type(T::varchar(20));
        }),
        case("alter type to text under a CHECK", |op| {
            op.alter_column("users", "note").set_type(T::Text);
        }),
        case(
            "alter type binary-compatible under a NOT VALID CHECK",
            |op| {
                op.alter_column("posts", "label").set_type(T::varchar(20));
            },
        )
        .extra(|op| {
            op.add_check("posts", "label_short", "length(label) < 9")
                .not_valid();
        }),
        case(
            "alter type binary-compatible under a CHECK of another column",
            |op| {
                op.alter_column("posts", "label").set_type(T::varchar(20));
            },
        )
        .extra(|op| {
            op.add_check("posts", "body_short", "length(body) < 9");
        }),
        case("alter type of a referenced key, binary-compatible", |op| {
            op.alter_column("users", "code").set_type(T::varchar(20));
        }),
        case(
            "alter type of a foreign key column, binary-compatible",
            |op| {
                op.alter_column("posts", "author_code")
                    .set_type(T::varchar(20));
            },
        ),
        case("alter type of a foreign key column to text", |op| {
            op.alter_column("posts", "author_code").set_type(T::Text);
        }),
        case("alter type of a foreign key column, rewriting", |op| {
            op.alter_column("posts", "author_id").set_type(T::Integer);
        }),
        case("alter type of a referenced key, rewriting", |op| {
            op.alter_column("users", "id").set_type(T::Integer);
        }),
        case("alter type of another column of a referenced table", |op| {
            op.alter_column("users", "name").set_type(T::Varchar(None));
        }),
        case("alter type integer -> bigint", |op| {
            op.alter_column("users", "score").set_type(T::BigInt);
        }),
        case("alter type USING a plain cast", |op| {
            op.alter_column("users", "nick")
                .set_type_using(T::varchar(50), "nick::varchar(50)");
        }),
        case("alter type USING CAST of the quoted column", |op| {
            op.alter_column("users", "nick")
                .set_type_using(T::varchar(50), "CAST(\"nick\" AS varchar(50))");
        }),
        case("alter type USING an expression", |op| {
            op.alter_column("users", "name")
                .set_type_using(T::varchar(200), "left(name, 200)");
        }),
        case("alter type to an enum USING a cast, with a default", |op| {
            op.alter_column("users", "state")
                .set_type_using(T::enumeration("mood"), "state::mood");
        }),
        // Nullability and defaults.
        case("set not null", |op| {
            op.alter_column("users", "name").set_nullable(false);
        }),
        case("set not null under a validated CHECK (IS NOT NULL)", |op| {
            op.alter_column("users", "name").set_nullable(false);
        })
        .extra(|op| {
            op.add_check("users", "name_present", "name IS NOT NULL AND id > 0");
        }),
        case("set not null under a NOT VALID CHECK (IS NOT NULL)", |op| {
            op.alter_column("users", "name").set_nullable(false);
        })
        .extra(|op| {
            op.add_check("users", "name_present", "name IS NOT NULL")
                .not_valid();
        }),
        case("set not null of a column already NOT NULL", |op| {
            op.alter_column("users", "score").set_nullable(false);
        }),
        case("drop not null", |op| {
            op.alter_column("users", "score").set_nullable(true);
        }),
        case("set default", |op| {
            op.alter_column("users", "name").set_default("anon");
        }),
        case("set default sql", |op| {
            op.alter_column("users", "name")
                .set_default_sql("current_user");
        }),
        case("drop default", |op| {
            op.alter_column("users", "state").drop_default();
        }),
        case("set column comment", |op| {
            op.alter_column("users", "name").set_comment("display name");
        }),
        // Indexes.
        case("create_index", |op| {
            op.create_index("users", ["name"]);
        }),
        case("create_index unique partial with include", |op| {
            op.create_index("users", ["code", "name"])
                .unique()
                .include(["nick"])
                .where_sql("name IS NOT NULL");
        }),
        case("create_index gin", |op| {
            op.create_index("users", ["data"]).using(IndexMethod::Gin);
        }),
        case("create_index on expressions with key options", |op| {
            op.create_index(
                "users",
                [
                    IndexKey::expr("lower(name)").collate("C"),
                    IndexKey::column("nick").opclass("varchar_pattern_ops"),
                    IndexKey::column("score").desc().nulls_last(),
                ],
            )
            .unique()
            .nulls_not_distinct()
            .with("fillfactor", "70");
        }),
        case("create_index gin with an operator class", |op| {
            op.create_index(
                "users",
                [IndexKey::column("data").opclass("jsonb_path_ops")],
            )
            .using(IndexMethod::Gin)
            .with("fastupdate", "off");
        }),
        case("add_unique_using_index", |op| {
            op.add_unique_using_index("users", "users_nick_unique")
                .named("users_nick_key");
        })
        .extra(|op| {
            op.create_index("users", ["nick"])
                .unique()
                .named("users_nick_unique");
        }),
        // Exclusion constraints: the index is built under ACCESS EXCLUSIVE,
        // reading every row; dropping one reads none.
        case("add_exclusion gist (btree_gist)", |op| {
            op.add_exclusion("users", [("score", "="), ("nick", "=")])
                .where_sql("score > 0");
        })
        .extra(|op| {
            op.create_extension("btree_gist");
        }),
        case("add_exclusion btree on an expression, deferrable", |op| {
            op.add_exclusion("events", [(IndexKey::expr("id * 2"), "=")])
                .using(IndexMethod::BTree)
                .include(["n"])
                .deferrable();
        }),
        case(
            "collation of a column under an exclusion constraint",
            |op| {
                // Its index is built again (the table's file stays).
                op.alter_column("users", "nick").set_collation("C");
            },
        )
        .extra(|op| {
            op.add_exclusion("users", [("nick", "=")])
                .using(IndexMethod::BTree);
        }),
        case("drop exclusion constraint", |op| {
            op.drop_constraint("events", "events_id_excl");
        })
        .extra(|op| {
            op.add_exclusion("events", [("id", "=")])
                .using(IndexMethod::Hash);
        }),
        // Functions and triggers.
        case("create_function", |op| {
            op.create_function("touch", "trigger", "BEGIN RETURN NEW; END;");
        }),
        case("drop_function", |op| {
            op.drop_function("touch");
        })
        .extra(|op| {
            op.create_function("touch", "trigger", "BEGIN RETURN NEW; END;");
        }),
        case("create_trigger", |op| {
            op.create_trigger(
                "users",
                "users_touch",
                TriggerTiming::Before,
                [TriggerEvent::UPDATE],
                "touch",
            )
            .for_each_row()
            .when_sql("OLD.name IS DISTINCT FROM NEW.name");
        })
        .extra(|op| {
            op.create_function("touch", "trigger", "BEGIN RETURN NEW; END;");
        }),
        case("drop_trigger", |op| {
            op.drop_trigger("users", "users_touch");
        })
        .extra(|op| {
            op.create_function("touch", "trigger", "BEGIN RETURN NEW; END;");
            op.create_trigger(
                "users",
                "users_touch",
                TriggerTiming::After,
                [TriggerEvent::Insert],
                "touch",
            );
        }),
        case("create_index hash", |op| {
            op.create_index("users", ["nick"]).using(IndexMethod::Hash);
        }),
        case("create_index brin", |op| {
            op.create_index("users", ["id"]).using(IndexMethod::Brin);
        }),
        case("create_index if_not_exists of a new index", |op| {
            op.create_index("users", ["nick"]).if_not_exists();
        }),
        case("create_index if_not_exists of an existing index", |op| {
            op.create_index("users", ["name"]).if_not_exists();
        })
        .extra(|op| {
            op.create_index("users", ["name"]);
        }),
        case("create_index concurrently", |op| {
            op.create_index("users", ["name"]).concurrently();
        }),
        case("drop_index", |op| {
            op.drop_index("ix_users_name");
        })
        .extra(|op| {
            op.create_index("users", ["name"]);
        }),
        case("drop_index concurrently", |op| {
            op.drop_index("ix_users_name").concurrently();
        })
        .extra(|op| {
            op.create_index("users", ["name"]);
        }),
        // Constraints.
        case("add_primary_key", |op| {
            op.add_primary_key("events", ["id"]);
        }),
        case("add_unique", |op| {
            op.add_unique("events", ["kind", "n"]);
        }),
        case("add_check", |op| {
            op.add_check("events", "n_positive", "n > 0");
        }),
        case("add_check not_valid", |op| {
            op.add_check("events", "n_positive", "n > 0").not_valid();
        }),
        case("validate_constraint of a check", |op| {
            op.validate_constraint("events", "n_positive");
        })
        .extra(|op| {
            op.add_check("events", "n_positive", "n > 0").not_valid();
        }),
        case("add_foreign_key", |op| {
            op.add_foreign_key("events", ["user_id"], "users", ["id"]);
        }),
        case("add_foreign_key not_valid", |op| {
            op.add_foreign_key("events", ["user_id"], "users", ["id"])
                .not_valid();
        }),
        case("validate_constraint of a foreign key", |op| {
            op.validate_constraint("events", "events_user_id_fkey");
        })
        .extra(|op| {
            op.add_foreign_key("events", ["user_id"], "users", ["id"])
                .not_valid();
        }),
        case("drop_constraint of a check", |op| {
            op.drop_constraint("users", "note_short");
        }),
        case("drop_constraint of a foreign key", |op| {
            op.drop_constraint("posts", "posts_author_id_fkey");
        }),
        case("drop_constraint of a unique key", |op| {
            op.drop_constraint("events", "events_kind_n_key");
        })
        .extra(|op| {
            op.add_unique("events", ["kind", "n"]);
        }),
        // Enums and schemas.
        case("create_enum", |op| {
            op.create_enum("level", ["low", "high"]);
        }),
        case("add_enum_value of an enum a column uses", |op| {
            op.add_enum_value("mood", "sad").before("meh");
        })
        .extra(|op| {
            op.add_column_as("events", "mood", T::enumeration("mood"))
                .default("ok");
        }),
        case("add_enum_value if_not_exists", |op| {
            op.add_enum_value("mood", "ok").after("meh").if_not_exists();
        }),
        case("rename_enum_value of an enum a column uses", |op| {
            op.rename_enum_value("mood", "meh", "so-so");
        })
        .extra(|op| {
            op.add_column_as("events", "mood", T::enumeration("mood"))
                .default("ok");
        }),
        case("drop_enum", |op| {
            op.drop_enum("level");
        })
        .extra(|op| {
            op.create_enum("level", ["low"]);
        }),
        case("create_schema", |op| {
            op.create_schema("audit");
        }),
        case("drop_schema", |op| {
            op.drop_schema("audit");
        })
        .extra(|op| {
            op.create_schema("audit");
        }),
        // Rows: ROW EXCLUSIVE on the table, ROW SHARE on what its foreign
        // keys reference (the key check locks the rows it finds).
        case("bulk_insert into a table with foreign keys", |op| {
            op.bulk_insert(
                "posts",
                ["id", "author_id"],
                [
                    [Literal::from(100_001), Literal::from(1)],
                    [Literal::from(100_002), Literal::from(2)],
                ],
            );
        }),
        case("bulk_insert into a table without keys", |op| {
            op.bulk_insert(
                "events",
                ["id", "user_id", "kind", "n"],
                [[
                    Literal::from(1),
                    Literal::from(1),
                    Literal::from("x"),
                    Literal::from(0),
                ]],
            );
        }),
        // Extensions: no user table is locked, scanned or rewritten.
        case("create_extension", |op| {
            op.create_extension("pg_trgm");
        }),
        case("drop_extension", |op| {
            op.drop_extension("pg_trgm");
        })
        .extra(|op| {
            op.create_extension("pg_trgm");
        }),
        // Views: what they read is locked ACCESS SHARE; a materialized
        // view reads it all, and a refresh rewrites the view (CONCURRENTLY:
        // updates it in place under EXCLUSIVE).
        case("create_view", |op| {
            op.create_view(
                "authors",
                "SELECT u.name, p.label FROM users u JOIN posts p ON p.author_id = u.id",
            );
        }),
        case("create_view or_replace", |op| {
            op.create_view("names", "SELECT name, score FROM users")
                .or_replace();
        })
        .extra(names_view),
        case("drop_view", |op| {
            op.drop_view("names");
        })
        .extra(names_view),
        case("rename_view", |op| {
            op.rename_view("names", "user_names");
        })
        .extra(names_view),
        case("create_materialized_view", |op| {
            op.create_materialized_view(
                "kinds",
                "SELECT kind, count(*) AS n FROM events GROUP BY kind",
            );
        }),
        case("create_materialized_view with_no_data", |op| {
            op.create_materialized_view(
                "kinds",
                "SELECT kind, count(*) AS n FROM events GROUP BY kind",
            )
            .with_no_data();
        }),
        case("create_index on a materialized view", |op| {
            op.create_index("kinds", ["kind"]).unique();
        })
        .extra(kinds_view),
        case("refresh_materialized_view", |op| {
            op.refresh_materialized_view("kinds");
        })
        .extra(kinds_view),
        case("refresh_materialized_view concurrently", |op| {
            op.refresh_materialized_view("kinds").concurrently();
        })
        .extra(|op| {
            kinds_view(op);
            op.create_index("kinds", ["kind"]).unique();
        }),
        case("rename_materialized_view", |op| {
            op.rename_materialized_view("kinds", "event_kinds");
        })
        .extra(kinds_view),
        case("drop_materialized_view", |op| {
            op.drop_materialized_view("kinds");
        })
        .extra(kinds_view),
    ]
}

fn names_view(op: &mut Ops) {
    op.create_view("names", "SELECT name FROM users");
}

fn kinds_view(op: &mut Ops) {
    op.create_materialized_view(
        "kinds",
        "SELECT kind, count(*) AS n FROM events GROUP BY kind",
    );
}

/// A table that existed before a statement, as the catalog and the
/// statistics have it.
#[derive(Debug, Clone)]
struct TableState {
    key: (String, String),
    relfilenode: Option<i64>,
    /// Sequential scans of the table.
    seq_scans: i64,
    /// Index scans of the table.
    idx_scans: i64,
    /// Rows fetched through its indexes.
    fetched: i64,
}

/// What one statement did to one pre-existing table.
#[derive(Debug)]
struct Seen {
    key: (String, String),
    lock: Option<LockLevel>,
    rewritten: bool,
    scans: i64,
}

fn lock_level(mode: &str) -> LockLevel {
    match mode {
        "AccessShareLock" => LockLevel::AccessShare,
        "RowShareLock" => LockLevel::RowShare,
        "RowExclusiveLock" => LockLevel::RowExclusive,
        "ShareUpdateExclusiveLock" => LockLevel::ShareUpdateExclusive,
        "ShareLock" => LockLevel::Share,
        "ShareRowExclusiveLock" => LockLevel::ShareRowExclusive,
        "ExclusiveLock" => LockLevel::Exclusive,
        "AccessExclusiveLock" => LockLevel::AccessExclusive,
        other => panic!("unknown lock mode {other}"),
    }
}

/// The user tables of the database with their relfilenode and scan counts,
/// by oid: `stats` names the statistics view to read them from.
async fn tables(client: &Client, stats: &str) -> BTreeMap<i64, TableState> {
    let sql = format!(
        "SELECT c.oid::bigint, n.nspname::text, c.relname::text, c.relfilenode::bigint, \
                coalesce(s.seq_scan, 0), coalesce(s.idx_scan, 0), coalesce(s.idx_tup_fetch, 0) \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN {stats} s ON s.relid = c.oid \
         WHERE c.relkind IN ('r', 'p', 'v', 'm') \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname NOT LIKE 'pg\\_%'"
    );
    let rows = client.query(&sql, &[]).await.expect("read the user tables");
    rows.iter()
        .map(|r| {
            (
                r.get(0),
                TableState {
                    key: (r.get(1), r.get(2)),
                    relfilenode: Some(r.get(3)),
                    seq_scans: r.get(4),
                    idx_scans: r.get(5),
                    fetched: r.get(6),
                },
            )
        })
        .collect()
}

/// The strongest granted relation lock `pid` holds on each table, by oid.
async fn locks_of(observer: &Client, pid: i32) -> BTreeMap<i64, LockLevel> {
    let rows = observer
        .query(
            "SELECT relation::bigint, mode FROM pg_locks \
             WHERE pid = $1 AND locktype = 'relation' AND granted \
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[&pid],
        )
        .await
        .expect("read pg_locks");
    let mut out: BTreeMap<i64, LockLevel> = BTreeMap::new();
    for row in rows {
        let level = lock_level(row.get(1));
        let slot = out.entry(row.get(0)).or_insert(level);
        *slot = (*slot).max(level);
    }
    out
}

/// How many times a statement read the table (`Effect::Scan`: every row):
/// its sequential scans, and its index scans unless together they fetched
/// fewer rows than a tenth of the table — key lookups (a foreign key
/// checked for the rows inserted), which are not a scan.
fn scans(before: &TableState, after: &TableState) -> i64 {
    let seq = after.seq_scans - before.seq_scans;
    let idx = after.idx_scans - before.idx_scans;
    let fetched = after.fetched - before.fetched;
    seq + if fetched < ROWS / 10 { 0 } else { idx }
}

fn compare(
    before: &BTreeMap<i64, TableState>,
    after: &BTreeMap<i64, TableState>,
    locks: &BTreeMap<i64, LockLevel>,
) -> Vec<Seen> {
    before
        .iter()
        .map(|(oid, b)| {
            let a = after.get(oid);
            Seen {
                key: b.key.clone(),
                lock: locks.get(oid).copied(),
                // A table the statement dropped has no file to compare.
                rewritten: a.is_some_and(|a| a.relfilenode != b.relfilenode),
                scans: a.map_or(0, |a| scans(b, a)),
            }
        })
        .collect()
}

/// Runs `statement` in a transaction on `worker` and reports what it did
/// to every pre-existing table; rolls it back.
async fn observe_in_transaction(
    worker: &Client,
    observer: &Client,
    pid: i32,
    statement: &Statement,
) -> Vec<Seen> {
    worker.batch_execute("BEGIN").await.expect("begin");
    let before = tables(worker, "pg_stat_xact_user_tables").await;
    worker
        .batch_execute(&statement.sql)
        .await
        .unwrap_or_else(|e| panic!("{}: {e:?}", statement.sql));
    let after = tables(worker, "pg_stat_xact_user_tables").await;
    let locks = locks_of(observer, pid).await;
    worker.batch_execute("ROLLBACK").await.expect("rollback");
    compare(&before, &after, &locks)
}

/// Flushes `client`'s pending statistics to the shared ones.
async fn flush_stats(client: &Client) {
    client
        .batch_execute("SELECT pg_stat_force_next_flush()")
        .await
        .expect("force a stats flush");
    // The flush happens when the session goes idle after that query.
    client.batch_execute("SELECT 1").await.expect("idle once");
}

/// Runs `statement` (which cannot run in a transaction) on `worker` while
/// `blocker` holds `ROW EXCLUSIVE` on every table, so that it waits after
/// taking its own table lock: `observer` reads the locks it holds then.
async fn observe_outside_transaction(
    worker: &Client,
    observer: &Client,
    blocker: &Client,
    pid: i32,
    statement: &Statement,
) -> Vec<Seen> {
    flush_stats(worker).await;
    flush_stats(observer).await;
    let before = tables(observer, "pg_stat_user_tables").await;
    let names: Vec<String> = before
        .values()
        .map(|t| QualifiedName::new(t.key.0.clone(), t.key.1.clone()).to_sql())
        .collect();
    blocker
        .batch_execute(&format!(
            "BEGIN; LOCK TABLE {} IN ROW EXCLUSIVE MODE",
            names.join(", ")
        ))
        .await
        .expect("blocker locks");
    let run = worker.batch_execute(&statement.sql);
    tokio::pin!(run);
    let mut done = None;
    let mut locks = None;
    for _ in 0..2000 {
        tokio::select! {
            result = &mut run => {
                done = Some(result);
                break;
            }
            () = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
        let waiting: bool = observer
            .query_one(
                "SELECT count(*) > 0 FROM pg_locks WHERE pid = $1 AND NOT granted",
                &[&pid],
            )
            .await
            .expect("read pg_locks")
            .get(0);
        if waiting {
            locks = Some(locks_of(observer, pid).await);
            break;
        }
    }
    blocker
        .batch_execute("COMMIT")
        .await
        .expect("blocker commits");
    let result = match done {
        Some(result) => result,
        None => run.await,
    };
    result.unwrap_or_else(|e| panic!("{}: {e:?}", statement.sql));
    let locks = locks.unwrap_or_else(|| {
        panic!(
            "{}: finished without waiting for the blocker, so its locks were never seen",
            statement.sql
        )
    });
    flush_stats(worker).await;
    let after = tables(observer, "pg_stat_user_tables").await;
    compare(&before, &after, &locks)
}

/// Drops everything and builds the base tables with their rows, then the
/// case's raw SQL and extra ops; returns the model of the result.
async fn set_up(client: &Client, case: &Case) -> Schema {
    client
        .batch_execute(
            "DO $$ DECLARE s text; BEGIN \
               FOR s IN SELECT nspname FROM pg_namespace \
                 WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP \
                 EXECUTE format('DROP SCHEMA %I CASCADE', s); \
               END LOOP; END $$; CREATE SCHEMA public",
        )
        .await
        .expect("reset the database");
    let run = |ops: Ops, schema: Schema| async move {
        let statements = render_ops(&Postgres, ops.ops(), &schema).expect("setup renders");
        for statement in statements.concat() {
            client
                .batch_execute(&statement.sql)
                .await
                .unwrap_or_else(|e| panic!("setup {}: {e:?}", statement.sql));
        }
        let mut schema = schema;
        schema.apply_all(ops.ops()).expect("setup is valid");
        schema
    };
    let mut setup = Ops::new();
    base(&mut setup);
    let schema = run(setup, Schema::new()).await;
    client
        .batch_execute(&data())
        .await
        .expect("insert the rows");
    if !case.raw.is_empty() {
        client.batch_execute(case.raw).await.expect("raw setup");
    }
    let mut extra = Ops::new();
    (case.extra)(&mut extra);
    let schema = run(extra, schema).await;
    // The rows' foreign key checks scanned users: flush those counts now,
    // not in the middle of a measurement.
    flush_stats(client).await;
    schema
}

fn describe(seen: &Seen) -> String {
    format!(
        "{}: lock {}, {}, {} scan(s)",
        seen.key.1,
        seen.lock.map_or("none", LockLevel::as_str),
        if seen.rewritten {
            "rewritten"
        } else {
            "same file"
        },
        seen.scans
    )
}

/// Compares what happened with what `statement` claims: pushes the
/// failures (a claim weaker or stronger than the truth) and returns the
/// number of tables compared.
fn judge(case: &Case, statement: &Statement, seen: &[Seen], failures: &mut Vec<String>) -> usize {
    let mut checked = 0;
    let mut fail =
        |what: String| failures.push(format!("{}: `{}`: {what}", case.name, statement.sql));
    let mut notes = Vec::new();
    for table in seen {
        let claimed = statement
            .locks
            .iter()
            .filter(|l| l.table.key() == table.key)
            .map(|l| l.level)
            .max();
        if table.lock > claimed {
            fail(format!(
                "holds {} on {} but claims {}",
                table.lock.map_or("none", LockLevel::as_str),
                table.key.1,
                claimed.map_or("none", LockLevel::as_str)
            ));
        } else if table.lock < claimed {
            notes.push(format!(
                "claims {} on {} but holds {}",
                claimed.map_or("none", LockLevel::as_str),
                table.key.1,
                table.lock.map_or("none", LockLevel::as_str)
            ));
        }
        checked += 1;
    }
    let rewritten: Vec<&str> = seen
        .iter()
        .filter(|t| t.rewritten)
        .map(|t| t.key.1.as_str())
        .collect();
    let scanned: Vec<&str> = seen
        .iter()
        .filter(|t| t.scans > 0)
        .map(|t| t.key.1.as_str())
        .collect();
    let truth = if !rewritten.is_empty() {
        Effect::Rewrite
    } else if !scanned.is_empty() {
        Effect::Scan
    } else {
        Effect::None
    };
    match (statement.effect, truth) {
        (Effect::Rewrite, Effect::Rewrite) => {}
        (_, Effect::Rewrite) => fail(format!(
            "rewrites {rewritten:?} but claims {:?}",
            statement.effect
        )),
        (Effect::Rewrite, _) => fail(format!(
            "claims Rewrite but no table's relfilenode changed ({truth:?})"
        )),
        (Effect::None, Effect::Scan) => fail(format!("scans {scanned:?} but claims None")),
        (Effect::Scan, Effect::None) => notes.push("claims Scan but nothing was scanned".into()),
        (Effect::Unknown, _) => fail("claims Unknown for an op the renderer knows".into()),
        (Effect::Scan, Effect::Scan) | (Effect::None, Effect::None) => {}
        (_, Effect::Unknown) => unreachable!("what was seen is never Unknown"),
    }
    for note in notes {
        fail(format!("over-claims: {note}"));
    }
    checked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_op_claims_what_postgresql_does() {
    let db = TestDb::new().await;
    let worker = db.connect().await;
    let blocker = db.connect().await;
    worker
        .batch_execute("SET lock_timeout = '30s'; SET statement_timeout = '60s'")
        .await
        .expect("worker settings");
    let pid: i32 = worker
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .expect("worker pid")
        .get(0);
    let cases = cases();
    let mut failures = Vec::new();
    let mut total = 0;
    for case in &cases {
        let schema = set_up(&db.client, case).await;
        let mut op = Ops::new();
        (case.op)(&mut op);
        let rendered = render_ops(&Postgres, op.ops(), &schema)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name))
            .concat();
        assert!(!rendered.is_empty(), "{}: renders no statement", case.name);
        let mut checked = 0;
        for statement in &rendered {
            let seen = if statement.transactional {
                observe_in_transaction(&worker, &db.client, pid, statement).await
            } else {
                observe_outside_transaction(&worker, &db.client, &blocker, pid, statement).await
            };
            println!(
                "{}: `{}`\n  claims {:?} with {:?}; saw {}",
                case.name,
                statement.sql,
                statement.effect,
                statement
                    .locks
                    .iter()
                    .map(|l| format!("{} on {}", l.level.as_str(), l.table.name))
                    .collect::<Vec<_>>(),
                seen.iter().map(describe).collect::<Vec<_>>().join("; ")
            );
            checked += judge(case, statement, &seen, &mut failures);
            // Apply it for real, so that the op's next statement finds what
            // it needs (one outside a transaction already ran for real).
            if statement.transactional {
                db.client
                    .batch_execute(&statement.sql)
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e:?}", statement.sql));
            }
        }
        assert!(checked > 0, "{}: checked nothing", case.name);
        total += checked;
    }
    println!(
        "{} cases, {total} (statement, table) observations",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} claim(s) differ from what PostgreSQL does:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
