//! Every op's SQL runs on a real PostgreSQL, and after each op the catalog
//! (tables, columns, types, nullability, defaults, identity, comments,
//! constraints, indexes, enums, schemas, views) matches what the schema model
//! predicts; the derived inverses walk the database back to empty.

use migrator_core::ops::{Ops, invert_all};
use migrator_core::prelude::*;
use migrator_core::schema::Schema;
use migrator_core::types::ColumnType as T;
use migrator_tests::catalog::assert_matches;
use migrator_tests::db::TestDb;
use migrator_tests::exec::run_op;

/// A migration that uses every op and option; `irreversible` adds the ops
/// that have no inverse (new enum values).
fn everything(op: &mut Ops, irreversible: bool) {
    op.create_schema("billing");
    op.create_schema("billing").if_not_exists();
    op.create_enum("fee_status", ["pending", "paid", "it's late"]);
    op.create_enum(("billing", "Mood"), ["ok", "meh"]);
    op.create_table("students", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<String>("email").unique().comment("login");
        t.column::<Option<String>>("name");
        t.column::<i16>("age").default(18);
        t.column::<i32>("score").default(-5);
        t.column_as("serial_no", T::Serial);
        t.column_as("big_no", T::BigSerial);
        t.column_as("small_no", T::SmallSerial);
        t.column::<bool>("active").default(true);
        t.column_as("code", T::char(3)).default("abc");
        t.column_as("nick", T::varchar(20)).nullable();
        t.column_as("bio", T::Varchar(None)).nullable();
        t.column_as("balance", T::numeric(10, 2)).default("0.00");
        t.column_as("ratio", T::Numeric(None)).nullable();
        t.column::<f32>("weight").default(1.5f32);
        t.column::<f64>("height").default(f64::NAN);
        t.column::<chrono::NaiveDate>("born").default("2000-01-31");
        t.column::<Option<chrono::NaiveTime>>("wakes");
        t.column::<chrono::NaiveDateTime>("seen")
            .default_sql("LOCALTIMESTAMP");
        t.column::<chrono::DateTime<chrono::Utc>>("created_at")
            .default_sql("now()");
        t.column_as("term", T::Interval).default("1 day");
        t.column::<uuid::Uuid>("token")
            .default_sql("gen_random_uuid()");
        t.column_as("raw", T::Json).nullable();
        t.column::<serde_json::Value>("data").default("{}");
        t.column::<Option<Vec<u8>>>("photo");
        t.column::<Option<std::net::IpAddr>>("ip");
        t.column_as("tags", T::array(T::Text)).default("{}");
        t.column_as("codes", T::array(T::varchar(5))).nullable();
        t.column_as("status", T::enumeration("fee_status"))
            .default("it's late");
        t.column_as("moods", T::array(T::enumeration(("billing", "Mood"))))
            .nullable();
        t.column_as("span", T::custom("int4range")).nullable();
        t.column::<i32>("always_id").identity_always();
        t.check("score_range", "score > -100 AND score < 1000");
        t.comment("Students of the school");
    });
    op.create_table(("billing", "fees"), |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<i64>("student_id")
            .references("students", "id")
            .on_delete(RefAction::Cascade)
            .on_update(RefAction::Restrict);
        t.column::<Option<i64>>("parent_id")
            .references(("billing", "fees"), "id")
            .on_delete(RefAction::SetNull);
        t.column_as("amount", T::numeric(10, 2));
        t.column_as("status", T::enumeration("fee_status"))
            .default("pending");
        t.column::<chrono::DateTime<chrono::Utc>>("created_at")
            .default_sql("now()");
        t.check("amount_positive", "amount > 0");
        t.unique(["student_id", "created_at"])
            .named("one_fee_per_instant");
    });
    op.create_table("memberships", |t| {
        t.column::<i64>("student_id");
        t.column::<i32>("club");
        t.primary_key(["student_id", "club"]);
    });
    op.create_table("students", |t| {
        t.column::<i64>("id");
    })
    .if_not_exists();
    op.create_table("user", |t| {
        t.column::<i32>("order");
        t.column::<i32>("a\"b");
        t.column::<i32>("Mixed Case");
        t.column::<i32>("naïve ✓");
        t.column::<String>("x; DROP TABLE y; --")
            .default("'; DROP TABLE z; -- $$ \\ \"");
        t.comment("it's \"quoted\" $$ \\");
    });
    op.create_table("scratch", |t| {
        t.column::<i32>("a");
    });

    // Tables.
    op.rename_table("scratch", "scratch2");
    op.set_table_comment("scratch2", "temporary");
    op.drop_table_comment("scratch2");
    op.drop_table("scratch2");

    // Columns.
    op.add_column::<Option<String>>("students", "motto")
        .comment("in latin");
    op.add_column::<i32>("students", "level").default(1);
    op.add_column_as("students", "ref", T::Uuid)
        .default_sql("gen_random_uuid()");
    op.add_column_as("students", "seq", T::BigSerial);
    op.add_column::<i64>("students", "ident").identity();
    op.rename_column("students", "motto", "saying");
    op.drop_column("students", "saying");
    op.rename_column("students", "score", "points");
    op.alter_column("students", "nick").set_type(T::varchar(50));
    op.alter_column("students", "bio").set_type(T::Text);
    op.alter_column("students", "level").set_type(T::BigInt);
    op.alter_column("students", "name").set_nullable(false);
    op.alter_column("students", "name").set_nullable(true);
    op.alter_column("students", "name").set_default("anon");
    op.alter_column("students", "name").drop_default();
    op.alter_column("students", "name")
        .set_default_sql("current_user");
    op.alter_column("students", "name")
        .set_comment("display name");
    op.alter_column("students", "name").drop_comment();
    op.add_column::<String>("students", "state")
        .default("pending");
    op.alter_column("students", "state")
        .set_type_using(T::enumeration("fee_status"), "state::fee_status");

    // Indexes.
    op.create_index("students", ["name"]);
    op.create_index("students", ["email", "name"])
        .unique()
        .named("students_email_name")
        .include(["age"])
        .where_sql("name IS NOT NULL AND points > 0");
    op.create_index("students", ["data"])
        .using(IndexMethod::Gin);
    op.create_index("students", ["nick"])
        .using(IndexMethod::Hash);
    op.create_index("students", ["nick"])
        .using(IndexMethod::Hash)
        .if_not_exists();
    op.create_index("students", ["created_at"])
        .using(IndexMethod::Brin);
    op.create_index("students", ["span"])
        .using(IndexMethod::Gist);
    op.create_index(("billing", "fees"), ["status"])
        .concurrently();
    op.create_index("user", ["Mixed Case", "a\"b"]);
    op.drop_index("ix_students_name");
    op.drop_index(("billing", "ix_fees_status")).concurrently();

    // Constraints.
    op.create_table("posts", |t| {
        t.column::<i64>("id");
        t.column::<i64>("author_id");
        t.column::<i32>("likes");
    });
    op.add_primary_key("posts", ["id"]);
    op.add_unique("posts", ["author_id", "likes"]);
    op.add_check("posts", "likes_positive", "likes >= 0")
        .not_valid();
    op.validate_constraint("posts", "likes_positive");
    op.add_foreign_key("posts", ["author_id"], "students", ["id"])
        .on_delete(RefAction::Cascade)
        .not_valid();
    op.validate_constraint("posts", "posts_author_id_fkey");
    op.add_check("posts", "likes_small", "likes < 1000000");
    op.drop_constraint("posts", "likes_small");
    op.rename_column("posts", "likes", "hearts");
    // Exclusion constraints: over a range (GiST, no extension needed) with
    // INCLUDE, WITH, a predicate the rename below reaches, deferred; over an
    // expression with b-tree; one added and dropped.
    op.add_exclusion("students", [("span", "&&")])
        .include(["age"])
        .with("fillfactor", "80")
        .where_sql("points > 0")
        .initially_deferred();
    op.add_exclusion("posts", [(IndexKey::expr("hearts + id"), "=")])
        .using(IndexMethod::BTree)
        .named("posts_sum_excl");
    op.add_exclusion("posts", [("hearts", "=")])
        .using(IndexMethod::Hash);
    op.drop_constraint("posts", "posts_hearts_excl");

    // Views.
    op.create_view(
        "student_names",
        "SELECT s.name, points FROM students s WHERE points > 0",
    );
    op.create_view(
        "student_names",
        "SELECT s.name, points, s.email FROM students s WHERE points > 0",
    )
    .or_replace();
    op.create_view(
        ("billing", "fee_totals"),
        "SELECT student_id, sum(amount) AS total FROM billing.fees GROUP BY student_id",
    );
    op.create_view("top", "SELECT name FROM student_names WHERE points > 10");
    op.rename_view("top", "top_students");
    op.rename_column("students", "points", "score_points");
    op.create_materialized_view(
        "post_counts",
        "SELECT author_id, count(*) AS n FROM posts GROUP BY author_id",
    )
    .with_no_data();
    op.create_index("post_counts", ["author_id"]).unique();
    op.refresh_materialized_view("post_counts");
    op.refresh_materialized_view("post_counts").concurrently();
    op.rename_materialized_view("post_counts", "posts_per_author");
    op.drop_view("top_students");

    // Enums.
    op.create_enum("color", ["red", "green"]);
    op.rename_enum_value("color", "green", "verde");
    op.rename_enum_value("fee_status", "it's late", "overdue");
    op.drop_enum("color");
    if irreversible {
        op.add_enum_value("fee_status", "waived");
        op.add_enum_value("fee_status", "draft").before("pending");
        op.add_enum_value("fee_status", "refunded")
            .after("paid")
            .if_not_exists();
        op.add_enum_value("fee_status", "refunded").if_not_exists();
    }

    // Schemas and data.
    op.create_schema("audit");
    op.drop_schema("audit");
    op.execute("INSERT INTO students (email, name) VALUES ('a@x', 'Ann'), ('b@x', 'Bob')")
        .reverse("DELETE FROM students WHERE email IN ('a@x', 'b@x')");
    op.data_step("shout names", |tx| {
        Box::pin(async move {
            tx.execute("UPDATE students SET name = upper(name)").await?;
            Ok(())
        })
    })
    .reverse(|tx| {
        Box::pin(async move {
            let pg = tx.as_postgres().expect("a PostgreSQL transaction");
            pg.execute("UPDATE students SET name = initcap(name)", &[])
                .await?;
            Ok(())
        })
    });
}

#[tokio::test]
async fn every_op_leaves_the_catalog_as_the_model_predicts() {
    let mut db = TestDb::new().await;
    let mut op = Ops::new();
    everything(&mut op, true);
    let mut schema = Schema::new();
    for (i, o) in op.ops().iter().enumerate() {
        run_op(&mut db.client, &mut schema, o)
            .await
            .unwrap_or_else(|e| panic!("op #{} failed: {e}", i + 1));
        assert_matches(
            &db,
            &schema,
            &format!("after op #{} ({})", i + 1, o.describe()),
        )
        .await;
    }
    let names: Vec<String> = db
        .client
        .query("SELECT name FROM students ORDER BY email", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, ["ANN", "BOB"]);
    let values: Vec<String> = db
        .client
        .query("SELECT unnest(enum_range(NULL::fee_status))::text", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        values,
        ["draft", "pending", "paid", "refunded", "overdue", "waived"]
    );
    let default: String = db
        .client
        .query_one("INSERT INTO \"user\" (\"order\", \"a\"\"b\", \"Mixed Case\", \"naïve ✓\") VALUES (1, 2, 3, 4) RETURNING \"x; DROP TABLE y; --\"", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(default, "'; DROP TABLE z; -- $$ \\ \"");
}

#[tokio::test]
async fn derived_inverses_walk_the_database_back_to_empty() {
    let mut db = TestDb::new().await;
    let mut op = Ops::new();
    everything(&mut op, false);
    let mut schema = Schema::new();
    for o in op.ops() {
        run_op(&mut db.client, &mut schema, o).await.unwrap();
    }
    let undo = invert_all(op.ops(), &Schema::new()).unwrap();
    for (i, o) in undo.iter().enumerate() {
        run_op(&mut db.client, &mut schema, o)
            .await
            .unwrap_or_else(|e| panic!("inverse op #{} failed: {e}", i + 1));
        assert_matches(
            &db,
            &schema,
            &format!("after inverse op #{} ({})", i + 1, o.describe()),
        )
        .await;
    }
    assert_eq!(schema, Schema::new());
}

/// The comparison is only worth something if it sees a difference: run one
/// migration, then compare the catalog with models of slightly different ones.
#[tokio::test]
async fn the_catalog_comparison_notices_each_kind_of_difference() {
    fn migration(op: &mut Ops, variant: usize) {
        op.create_enum(
            "mood",
            if variant == 1 {
                vec!["ok", "bad"]
            } else {
                vec!["ok", "meh"]
            },
        );
        op.create_table("t", |t| {
            t.column::<i64>("id").primary_key();
            t.column::<String>("a")
                .default(if variant == 2 { "x'" } else { "x" });
            let mut b = t.column_as(
                "b",
                if variant == 3 {
                    T::varchar(11)
                } else {
                    T::varchar(10)
                },
            );
            if variant == 4 {
                b.nullable();
            }
            t.column::<i64>("c")
                .default_sql(if variant == 5 { "1 + 2" } else { "1 + 1" });
            t.column_as("m", T::enumeration("mood"))
                .comment(if variant == 6 { "y" } else { "x" });
            t.check("c_pos", if variant == 7 { "c >= 0" } else { "c > 0" });
        });
        let ix =
            op.create_index("t", ["a"])
                .where_sql(if variant == 8 { "c > 2" } else { "c > 1" });
        if variant == 9 {
            ix.unique();
        }
        let fk = op.add_foreign_key("t", ["c"], "t", ["id"]);
        if variant == 10 {
            fk.on_delete(RefAction::Cascade);
        }
        if variant == 11 {
            op.add_column::<f64>("t", "d").default(0.5);
        } else {
            op.add_column::<f64>("t", "d").default(0.25);
        }
        op.create_view(
            "tv",
            if variant == 12 {
                "SELECT a FROM t WHERE c > 2"
            } else {
                "SELECT a FROM t WHERE c > 1"
            },
        );
    }
    let mut db = TestDb::new().await;
    let mut op = Ops::new();
    migration(&mut op, 0);
    let mut schema = Schema::new();
    migrator_tests::exec::run_ops(&mut db.client, &mut schema, op.ops())
        .await
        .unwrap();
    assert_matches(&db, &schema, "for the migration itself").await;
    let expected = [
        "enums",
        "t.a: default",
        "t.b: type",
        "t.b: model nullable",
        "t.c: default",
        "t.m: comment",
        "constraint c_pos",
        "index ix_t_a",
        "index ix_t_a",
        "constraint t_c_fkey",
        "t.d: default",
        "public.tv: definition",
    ];
    for (i, what) in expected.iter().enumerate() {
        let mut other = Ops::new();
        migration(&mut other, i + 1);
        let model = Schema::replay(other.ops()).unwrap();
        let diffs = migrator_tests::catalog_oracle::differences(&db.client, &model).await;
        assert!(
            diffs.iter().any(|d| d.contains(what)),
            "variant {} should differ at {what:?}, got {diffs:?}",
            i + 1
        );
    }
}
