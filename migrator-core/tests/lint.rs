//! The lint's rules: for each, ops that break it (with the exact finding)
//! and ops that must not — among them the cases where squawk, reading SQL
//! without the schema, is wrong: `SET NOT NULL` proven by a validated
//! check, a varchar widened, an index or key on a table the same plan
//! created, a foreign key added `NOT VALID`.

use migrator_core::lint::{Finding, LintConfig, RULES, Severity, lint_ops};
use migrator_core::prelude::*;
use migrator_core::schema::Schema;

/// The schema the ops under test meet: `fees` with rows, as an
/// application has it.
fn existing() -> Schema {
    let mut op = Ops::new();
    op.create_table("students", |t| {
        t.column::<i64>("id").primary_key();
    });
    op.create_table("fees", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<i64>("student_id");
        t.column_as("code", ColumnType::Varchar(Some(10)));
        t.column::<Option<String>>("note");
        t.column::<Option<i64>>("amount");
    });
    op.create_index("fees", ["code"]);
    op.add_check("fees", "amount_known", "amount IS NOT NULL");
    Schema::replay(op.ops()).unwrap()
}

fn lint(build: impl FnOnce(&mut Ops)) -> Vec<Finding> {
    let mut op = Ops::new();
    build(&mut op);
    lint_ops("r1", op.ops(), &mut existing(), &LintConfig::default()).unwrap()
}

/// The findings as `rule: why. Instead: fix` lines.
fn lines(build: impl FnOnce(&mut Ops)) -> Vec<String> {
    lint(build)
        .iter()
        .map(|f| format!("{}: {}. Instead: {}", f.rule, f.why, f.fix))
        .collect()
}

fn rules(build: impl FnOnce(&mut Ops)) -> Vec<&'static str> {
    lint(build).iter().map(|f| f.rule).collect()
}

#[test]
fn a_finding_names_the_revision_the_op_and_the_fix() {
    let found = lint(|op| {
        op.create_index("fees", ["student_id"]);
    });
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].to_string(),
        "warning[require-concurrent-index-creation] revision r1, op #1 (create_index ix_fees_student_id on fees): builds under SHARE: writes to fees wait until the index is built. Instead: .concurrently() (it runs outside a transaction: give it a revision of its own)"
    );
    assert_eq!(found[0].severity, Severity::Warning);
}

#[test]
fn new_columns() {
    assert_eq!(
        lines(|op| {
            op.add_column::<i64>("fees", "late_days");
        }),
        [
            "adding-required-field: fails if fees has rows: a NOT NULL column without a default has no value for them. Instead: .default(…) on the column, or add it nullable, backfill it, then set NOT NULL"
        ]
    );
    assert_eq!(
        lines(|op| {
            op.add_column::<i64>("fees", "seq").identity();
        }),
        [
            "adding-field-with-default: rewrites fees and its indexes under ACCESS EXCLUSIVE: an identity or serial column is filled in every row. Instead: add a plain bigint column, backfill it in batches, set NOT NULL through a validated check, then alter_column(…).add_identity(…)"
        ]
    );
    assert_eq!(
        rules(|op| {
            op.add_column::<Option<String>>("fees", "ref")
                .default_sql("gen_random_uuid()::text");
        }),
        ["adding-field-with-default"]
    );
    // A constant default is stored in the catalog (PostgreSQL 11+): no rewrite.
    assert!(
        rules(|op| {
            op.add_column::<i64>("fees", "late_days").default(0);
        })
        .is_empty()
    );
    assert!(
        rules(|op| {
            op.add_column::<Option<i64>>("fees", "late_days");
        })
        .is_empty()
    );
}

#[test]
fn not_null_and_types() {
    assert_eq!(
        lines(|op| {
            op.alter_column("fees", "note").set_nullable(false);
        }),
        [
            "adding-not-nullable-field: SET NOT NULL reads every row of fees under ACCESS EXCLUSIVE, blocking reads and writes. Instead: add_check(\"fees\", \"note_not_null\", \"\\\"note\\\" IS NOT NULL\").not_valid(), validate_constraint(\"fees\", \"note_not_null\") in a later revision, then alter_column(…).set_nullable(false) (PostgreSQL skips the scan once the check is validated) and drop the check"
        ]
    );
    // squawk flags this one too; PostgreSQL skips the scan: a validated
    // check proves the column is not null.
    assert!(
        rules(|op| {
            op.alter_column("fees", "amount").set_nullable(false);
        })
        .is_empty()
    );
    assert_eq!(
        rules(|op| {
            op.alter_column("fees", "note").set_nullable(true);
        }),
        ["ban-drop-not-null"]
    );
    assert_eq!(
        lines(|op| {
            op.alter_column("fees", "student_id")
                .set_type(ColumnType::Text);
        }),
        [
            "changing-column-type: changing the type of fees.student_id rewrites fees under ACCESS EXCLUSIVE. Instead: add a column of the new type, backfill it in batches, switch the application to it, then drop the old one"
        ]
    );
    // Widening a varchar keeps the bytes (squawk flags it anyway).
    // (The new type is still a varchar.)
    assert_eq!(
        rules(|op| {
            op.alter_column("fees", "code")
                .set_type(ColumnType::Varchar(Some(40)));
        }),
        ["prefer-text-field"]
    );
}

#[test]
fn constraints() {
    assert_eq!(
        lines(|op| {
            op.add_foreign_key("fees", ["student_id"], "students", ["id"]);
        }),
        [
            "adding-foreign-key-constraint: checks every row of fees while holding SHARE ROW EXCLUSIVE on it and on students, blocking writes to both. Instead: .not_valid() on the foreign key, then validate_constraint(\"fees\", \"fees_student_id_fkey\") in a later revision (SHARE UPDATE EXCLUSIVE: writes go on)"
        ]
    );
    assert!(
        rules(|op| {
            op.add_foreign_key("fees", ["student_id"], "students", ["id"])
                .not_valid();
            op.validate_constraint("fees", "fees_student_id_fkey");
        })
        .is_empty()
    );
    assert_eq!(
        lines(|op| {
            op.add_check("fees", "amount_positive", "amount > 0");
        }),
        [
            "constraint-missing-not-valid: checks every row of fees under ACCESS EXCLUSIVE, blocking reads and writes. Instead: .not_valid() on the check, then validate_constraint(\"fees\", \"amount_positive\") in a later revision (SHARE UPDATE EXCLUSIVE: writes go on)"
        ]
    );
    assert_eq!(
        lines(|op| {
            op.add_unique("fees", ["code"]);
        }),
        [
            "disallowed-unique-constraint: the unique constraint builds its index under ACCESS EXCLUSIVE, blocking reads and writes of fees. Instead: create_index(\"fees\", […]).unique().concurrently() in a revision of its own, then add_unique_using_index(\"fees\", <the index>)"
        ]
    );
    assert!(
        rules(|op| {
            op.create_index("fees", ["student_id"])
                .unique()
                .concurrently();
        })
        .is_empty()
    );
}

#[test]
fn indexes() {
    assert_eq!(
        lines(|op| {
            op.drop_index("ix_fees_code");
        }),
        [
            "require-concurrent-index-deletion: takes ACCESS EXCLUSIVE on fees, blocking reads and writes. Instead: .concurrently() (it runs outside a transaction: give it a revision of its own)"
        ]
    );
    assert!(
        rules(|op| {
            op.drop_index("ix_fees_code").concurrently();
        })
        .is_empty()
    );
}

#[test]
fn ops_in_a_block_are_numbered_as_their_author_counts_them() {
    let found = lint(|op| {
        op.on(Engine::Sqlite, |op| {
            op.create_index("fees", ["student_id"]);
        });
        op.on(Engine::Postgres, |op| {
            op.create_extension("pg_trgm");
            op.create_index("fees", ["student_id"]);
        });
        op.create_index("fees", ["note"]);
    });
    let at: Vec<String> = found
        .iter()
        .map(|f| f.to_string().split(" (").next().unwrap().to_owned())
        .collect();
    assert_eq!(
        at,
        [
            "warning[require-concurrent-index-creation] revision r1, op #2.2",
            "warning[require-concurrent-index-creation] revision r1, op #3"
        ]
    );
}

#[test]
fn collations_exclusions_and_schemas() {
    // A collation changes with ALTER COLUMN … TYPE: the index over the
    // column is built again.
    assert_eq!(
        rules(|op| {
            op.alter_column("fees", "code").set_collation("C");
        }),
        ["changing-column-type"]
    );
    assert_eq!(
        lines(|op| {
            op.add_exclusion("fees", [("student_id", "=")])
                .using(IndexMethod::BTree);
        }),
        [
            "adding-exclusion-constraint: builds its index and checks every row of fees under ACCESS EXCLUSIVE, blocking reads and writes (it cannot be added NOT VALID, nor from an index built beforehand). Instead: add it in a quiet window, in a revision of its own with a short lock timeout (--lock-timeout)"
        ]
    );
    // The fix names a table in its schema as the builder takes it.
    let mut op = Ops::new();
    op.create_schema("billing");
    op.create_table(("billing", "fees"), |t| {
        t.column::<i64>("id").primary_key();
        t.column::<Option<i64>>("amount");
    });
    let mut schema = Schema::replay(op.ops()).unwrap();
    let mut op = Ops::new();
    op.add_check(("billing", "fees"), "positive", "amount > 0");
    let found = lint_ops("r1", op.ops(), &mut schema, &LintConfig::default()).unwrap();
    assert!(
        found[0]
            .fix
            .contains("validate_constraint((\"billing\", \"fees\"), \"positive\")"),
        "{}",
        found[0].fix
    );
}

#[test]
fn a_table_created_in_the_same_plan_is_new() {
    // Nothing can block on it and it holds no rows: indexes, keys and
    // NOT NULL columns on it are fine.
    assert!(
        rules(|op| {
            op.create_table("refunds", |t| {
                t.column::<i64>("id").primary_key();
                t.column::<i64>("fee_id");
                t.column::<String>("reason");
            });
            op.create_index("refunds", ["fee_id"]);
            op.add_foreign_key("refunds", ["fee_id"], "fees", ["id"]);
            op.add_unique("refunds", ["fee_id", "reason"]);
            op.add_column::<i64>("refunds", "cents");
            op.rename_column("refunds", "reason", "why");
            op.drop_column("refunds", "cents");
            // Still new under another name.
            op.rename_table("refunds", "returns");
            op.create_index("returns", ["why"]);
            // A column the revision adds is not in use either.
            op.add_column::<Option<String>>("fees", "memo");
            op.rename_column("fees", "memo", "remark");
            op.alter_column("fees", "remark").set_nullable(true);
            op.drop_column("fees", "remark");
        })
        .is_empty()
    );
}

#[test]
fn drops_and_renames_break_running_code() {
    assert_eq!(
        rules(|op| {
            op.drop_column("fees", "note");
            op.rename_column("fees", "code", "fee_code");
            op.rename_table("fees", "charges");
            op.drop_table("charges");
        }),
        [
            "ban-drop-column",
            "renaming-column",
            "renaming-table",
            "ban-drop-table"
        ]
    );
}

#[test]
fn column_types() {
    assert_eq!(
        lines(|op| {
            op.create_table("logs", |t| {
                t.column_as("id", ColumnType::Serial).primary_key();
                t.column_as("level", ColumnType::SmallInt);
                t.column_as("kind", ColumnType::Char(4));
                t.column_as("source", ColumnType::Varchar(Some(80)));
                t.column_as("at", ColumnType::Timestamp);
            });
        }),
        [
            "ban-char-field: logs.kind is char(n): values are blank-padded to n, and it is no faster than text. Instead: ColumnType::Text (with a check on length(…) if the length matters)",
            "prefer-bigint-over-int: logs.id is serial: 32 bits run out at 2,147,483,647. Instead: ColumnType::BigInt (i64)",
            "prefer-bigint-over-smallint: logs.level is smallint: 16 bits run out at 32,767. Instead: ColumnType::BigInt (i64)",
            "prefer-identity: logs.id is a serial type: its sequence is a separate object with its own permissions, and a copy of the table shares it. Instead: a bigint column with .identity() (GENERATED BY DEFAULT AS IDENTITY)",
            "prefer-text-field: logs.source is varchar(n): making n smaller later rewrites the table under ACCESS EXCLUSIVE. Instead: ColumnType::Text with a check on length(…), which can be replaced NOT VALID",
            "prefer-timestamptz: logs.at is timestamp without time zone: the same instant reads differently in each session's time zone. Instead: ColumnType::TimestampTz",
        ]
    );
    assert!(
        rules(|op| {
            op.create_table("logs", |t| {
                t.column::<i64>("id").identity().primary_key();
                t.column::<String>("source");
                t.column_as("at", ColumnType::TimestampTz);
            });
        })
        .is_empty()
    );
}

#[test]
fn severities_are_the_applications() {
    let mut op = Ops::new();
    op.drop_column("fees", "note");
    let config = LintConfig::default()
        .with_rule("ban-drop-column", Severity::Error)
        .unwrap();
    let found = lint_ops("r1", op.ops(), &mut existing(), &config).unwrap();
    assert_eq!(found[0].severity, Severity::Error);
    let off = LintConfig::default()
        .with_rule("ban-drop-column", Severity::Off)
        .unwrap();
    assert!(
        lint_ops("r1", op.ops(), &mut existing(), &off)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        LintConfig::default()
            .with_rule("ban-drop-colum", Severity::Off)
            .unwrap_err()
            .to_string(),
        "there is no lint rule \"ban-drop-colum\" (did you mean \"ban-drop-column\"?); `lint --rules` lists them"
    );
    // Every rule has a distinct name and a summary.
    let mut names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), RULES.len());
    assert!(RULES.iter().all(|r| !r.summary.is_empty()));
}
