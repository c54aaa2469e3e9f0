//! The SQLite dialect: golden SQL for representative ops, every supported op
//! run on a real SQLite database (rusqlite, bundled) with the catalog
//! compared to the model after each op and the derived inverses walking back
//! to an empty database, rows kept through batch rebuilds, and random op
//! sequences either run or refused at render time.

use migrator_core::ops::{Op, Ops};
use migrator_core::ops::{invert, invert_all};
use migrator_core::prelude::*;
use migrator_core::render::{Dialect, Effect, LockLevel, RenderError, Sqlite, render_ops};
use migrator_core::schema::Schema;
use migrator_core::types::ColumnType as T;
use migrator_tests::random_ops::random_ops;
use migrator_tests::sqlite_catalog::{assert_matches, differences};
use rusqlite::Connection;
use rusqlite::types::Value;

// ---------------------------------------------------------------- helpers

/// Ops added to a migration.
type Migration = fn(&mut Ops);

/// A fresh database, with foreign keys off as the runner keeps them while
/// migrating.
fn open() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    conn
}

/// Foreign key violations, one line each.
fn fk_violations(conn: &Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT \"table\", rowid, parent, fkid FROM pragma_foreign_key_check")
        .unwrap();
    stmt.query_map([], |r| {
        Ok(format!(
            "{} row {:?} -> {} (fk {})",
            r.get::<_, String>(0)?,
            r.get::<_, Option<i64>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Renders `op` for SQLite and runs its statements in one transaction, as
/// the runner will; then foreign keys must hold, and the model moves on.
fn run_op(conn: &Connection, schema: &mut Schema, op: &Op) -> Result<(), String> {
    let statements = Sqlite.render(op, schema).map_err(|e| e.to_string())?;
    conn.execute_batch("BEGIN").unwrap();
    for statement in &statements {
        assert!(statement.transactional || matches!(op, Op::Execute(_)));
        if let Err(e) = conn.execute_batch(&statement.sql) {
            conn.execute_batch("ROLLBACK").unwrap();
            return Err(format!("{}: {e}\n{}", op.describe(), statement.sql));
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    let violations = fk_violations(conn);
    if !violations.is_empty() {
        return Err(format!(
            "{}: foreign_key_check: {violations:?}",
            op.describe()
        ));
    }
    schema.apply(op).map_err(|e| e.to_string())
}

/// Runs `ops` one by one, comparing the catalog with the model after each.
fn run_checked(conn: &Connection, schema: &mut Schema, ops: &[Op], what: &str) {
    for (i, op) in ops.iter().enumerate() {
        run_op(conn, schema, op).unwrap_or_else(|e| panic!("{what} #{} failed: {e}", i + 1));
        assert_matches(
            conn,
            schema,
            &format!("after {what} #{} ({})", i + 1, op.describe()),
        );
    }
}

fn rows(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn int(i: i64) -> Value {
    Value::Integer(i)
}

/// The SQL of the last op of `ops`, rendered against the schema the others build.
fn sql_of_last(ops: &Ops) -> Result<Vec<String>, RenderError> {
    let (last, first) = ops.ops().split_last().unwrap();
    let before = Schema::replay(first).unwrap();
    Ok(Sqlite
        .render(last, &before)?
        .into_iter()
        .map(|s| s.sql)
        .collect())
}

fn unsupported(ops: &Ops) -> String {
    match sql_of_last(ops) {
        Err(e @ RenderError::Unsupported { .. }) => e.to_string(),
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

// ---------------------------------------------------------------- golden SQL

fn fees_base(op: &mut Ops) {
    op.create_enum("fee_status", ["pending", "paid", "it's late"]);
    op.create_table("students", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<String>("email").unique();
    });
    op.create_table("fees", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<i64>("student_id")
            .references("students", "id")
            .on_delete(RefAction::Cascade);
        t.column_as("amount", T::numeric(10, 2));
        t.column_as("status", T::enumeration("fee_status"))
            .default("pending");
        t.column::<Option<String>>("note");
        t.check("fees_amount_positive", "amount > 0");
    });
    op.create_index("fees", ["student_id"]);
}

const FEES_REBUILT_PREFIX: &str = "CREATE TABLE \"_migrator_new_fees\" (\n  \"id\" INTEGER NOT NULL,\n  \"student_id\" INTEGER NOT NULL,\n  \"amount\" NUMERIC(10,2) NOT NULL,\n  \"status\" TEXT DEFAULT 'pending' NOT NULL CHECK (\"status\" IN ('pending', 'paid', 'it''s late')),\n";

#[test]
fn golden_create_table_with_every_type() {
    let mut op = Ops::new();
    op.create_enum("mood", ["ok", "it's \"bad\""]);
    op.create_table("every", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<i16>("small").default(-3);
        t.column::<i32>("int");
        t.column::<bool>("flag").default(true);
        t.column::<Option<String>>("txt").default("it's C:\\temp");
        t.column_as("vc", T::varchar(20)).nullable();
        t.column_as("vc_any", T::Varchar(None)).nullable();
        t.column_as("ch", T::char(3)).default("abc");
        t.column_as("num", T::numeric(10, 2)).default("0.00");
        t.column_as("num_any", T::Numeric(None)).nullable();
        t.column::<f32>("r").default(1.5f32);
        t.column::<f64>("d").default(f64::NEG_INFINITY);
        t.column::<chrono::NaiveDate>("day")
            .default_sql("current_date");
        t.column::<chrono::NaiveTime>("at")
            .default_sql("CURRENT_TIME");
        t.column::<chrono::NaiveDateTime>("ts")
            .default_sql("current_timestamp");
        t.column::<chrono::DateTime<chrono::Utc>>("tstz")
            .default_sql("now()");
        t.column_as("span", T::Interval).default("1 day");
        t.column::<uuid::Uuid>("token")
            .default_sql("lower(hex(randomblob(16)))");
        t.column_as("j", T::Json).nullable();
        t.column::<serde_json::Value>("jb").default("{}");
        t.column::<Option<Vec<u8>>>("bytes");
        t.column::<Option<std::net::IpAddr>>("ip");
        t.column_as("mood", T::enumeration("mood")).nullable();
        t.column_as("money", T::custom("MONEY")).nullable();
        t.comment("ignored");
    });
    assert_eq!(
        sql_of_last(&op).unwrap(),
        [concat!(
            "CREATE TABLE \"every\" (\n",
            "  \"id\" INTEGER NOT NULL,\n",
            "  \"small\" INTEGER DEFAULT -3 NOT NULL,\n",
            "  \"int\" INTEGER NOT NULL,\n",
            "  \"flag\" BOOLEAN DEFAULT 1 NOT NULL,\n",
            "  \"txt\" TEXT DEFAULT 'it''s C:\\temp',\n",
            "  \"vc\" VARCHAR(20),\n",
            "  \"vc_any\" VARCHAR,\n",
            "  \"ch\" CHAR(3) DEFAULT 'abc' NOT NULL,\n",
            "  \"num\" NUMERIC(10,2) DEFAULT '0.00' NOT NULL,\n",
            "  \"num_any\" NUMERIC,\n",
            "  \"r\" REAL DEFAULT 1.5 NOT NULL,\n",
            "  \"d\" DOUBLE PRECISION DEFAULT -9e999 NOT NULL,\n",
            "  \"day\" DATE DEFAULT CURRENT_DATE NOT NULL,\n",
            "  \"at\" TIME DEFAULT CURRENT_TIME NOT NULL,\n",
            "  \"ts\" TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL,\n",
            "  \"tstz\" TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP NOT NULL,\n",
            "  \"span\" TEXT DEFAULT '1 day' NOT NULL,\n",
            "  \"token\" TEXT DEFAULT (lower(hex(randomblob(16)))) NOT NULL,\n",
            "  \"j\" TEXT,\n",
            "  \"jb\" TEXT DEFAULT '{}' NOT NULL,\n",
            "  \"bytes\" BLOB,\n",
            "  \"ip\" TEXT,\n",
            "  \"mood\" TEXT CHECK (\"mood\" IN ('ok', 'it''s \"bad\"')),\n",
            "  \"money\" MONEY,\n",
            "  CONSTRAINT \"every_pkey\" PRIMARY KEY (\"id\")\n",
            ")"
        )]
    );
    // It runs, and the identity column is SQLite's rowid.
    let conn = open();
    let mut schema = Schema::new();
    run_checked(&conn, &mut schema, op.ops(), "op");
    conn.execute_batch("INSERT INTO every (int) VALUES (7), (8)")
        .unwrap();
    assert_eq!(
        rows(
            &conn,
            "SELECT id, rowid, flag, txt, d, typeof(tstz), span FROM every ORDER BY id"
        ),
        [
            [
                int(1),
                int(1),
                int(1),
                text("it's C:\\temp"),
                Value::Real(f64::NEG_INFINITY),
                text("text"),
                text("1 day")
            ],
            [
                int(2),
                int(2),
                int(1),
                text("it's C:\\temp"),
                Value::Real(f64::NEG_INFINITY),
                text("text"),
                text("1 day")
            ]
        ]
    );
    let err = conn
        .execute_batch("INSERT INTO every (int, mood) VALUES (1, 'meh')")
        .unwrap_err();
    assert!(err.to_string().contains("CHECK constraint failed"), "{err}");
}

#[test]
fn golden_keys_checks_and_indexes() {
    let mut op = Ops::new();
    fees_base(&mut op);
    let ops = op.ops();
    let schema = Schema::replay(&ops[..2]).unwrap();
    let create = Sqlite.render(&ops[2], &schema).unwrap();
    assert_eq!(
        create[0].sql,
        "CREATE TABLE \"fees\" (\n  \"id\" INTEGER NOT NULL,\n  \"student_id\" INTEGER NOT NULL,\n  \"amount\" NUMERIC(10,2) NOT NULL,\n  \"status\" TEXT DEFAULT 'pending' NOT NULL CHECK (\"status\" IN ('pending', 'paid', 'it''s late')),\n  \"note\" TEXT,\n  CONSTRAINT \"fees_pkey\" PRIMARY KEY (\"id\"),\n  CONSTRAINT \"fees_student_id_fkey\" FOREIGN KEY (\"student_id\") REFERENCES \"students\" (\"id\") ON DELETE CASCADE,\n  CONSTRAINT \"fees_amount_positive\" CHECK (amount > 0)\n)"
    );
    assert_eq!(
        create[0].strongest_lock(),
        Some(LockLevel::ShareRowExclusive)
    );
    let mut op = Ops::new();
    fees_base(&mut op);
    op.create_index("fees", ["student_id", "status"])
        .unique()
        .named("one_open_fee")
        .where_sql("status <> 'paid'")
        .concurrently()
        .if_not_exists();
    assert_eq!(
        sql_of_last(&op).unwrap(),
        [
            "CREATE UNIQUE INDEX IF NOT EXISTS \"one_open_fee\" ON \"fees\" (\"student_id\", \"status\") WHERE status <> 'paid'"
        ]
    );
    op.drop_index("one_open_fee").concurrently();
    assert_eq!(sql_of_last(&op).unwrap(), ["DROP INDEX \"one_open_fee\""]);
    let mut op = Ops::new();
    fees_base(&mut op);
    op.create_table("memberships", |t| {
        t.column::<i64>("student_id");
        t.column::<i32>("club");
        t.primary_key(["student_id", "club"]);
        t.unique(["club"]).named("by_club");
        t.foreign_key(["student_id"], "students", ["id"])
            .on_update(RefAction::Restrict)
            .on_delete(RefAction::SetDefault);
    })
    .if_not_exists();
    assert_eq!(
        sql_of_last(&op).unwrap(),
        [
            "CREATE TABLE IF NOT EXISTS \"memberships\" (\n  \"student_id\" INTEGER NOT NULL,\n  \"club\" INTEGER NOT NULL,\n  CONSTRAINT \"memberships_pkey\" PRIMARY KEY (\"student_id\", \"club\"),\n  CONSTRAINT \"by_club\" UNIQUE (\"club\"),\n  CONSTRAINT \"memberships_student_id_fkey\" FOREIGN KEY (\"student_id\") REFERENCES \"students\" (\"id\") ON DELETE SET DEFAULT ON UPDATE RESTRICT\n)"
        ]
    );
}

#[test]
fn golden_simple_alter_table_forms() {
    let cases: Vec<(Migration, &str)> = vec![
        (
            |op| {
                op.add_column::<Option<String>>("fees", "memo")
                    .comment("ignored");
            },
            "ALTER TABLE \"fees\" ADD COLUMN \"memo\" TEXT",
        ),
        (
            |op| {
                op.add_column::<i32>("fees", "level").default(1);
            },
            "ALTER TABLE \"fees\" ADD COLUMN \"level\" INTEGER DEFAULT 1 NOT NULL",
        ),
        (
            |op| {
                op.add_column_as("fees", "again", T::enumeration("fee_status"))
                    .default("paid");
            },
            "ALTER TABLE \"fees\" ADD COLUMN \"again\" TEXT DEFAULT 'paid' NOT NULL CHECK (\"again\" IN ('pending', 'paid', 'it''s late'))",
        ),
        (
            |op| {
                op.rename_column("fees", "note", "remark");
            },
            "ALTER TABLE \"fees\" RENAME COLUMN \"note\" TO \"remark\"",
        ),
        (
            |op| {
                op.rename_table("fees", "charges");
            },
            "ALTER TABLE \"fees\" RENAME TO \"charges\"",
        ),
        (
            |op| {
                op.drop_column("fees", "note");
            },
            "ALTER TABLE \"fees\" DROP COLUMN \"note\"",
        ),
        (
            |op| {
                op.drop_table("fees");
            },
            "DROP TABLE \"fees\"",
        ),
        (
            |op| {
                op.execute("UPDATE fees SET note = 'x'");
            },
            "UPDATE fees SET note = 'x'",
        ),
    ];
    for (add, want) in cases {
        let mut op = Ops::new();
        fees_base(&mut op);
        add(&mut op);
        assert_eq!(sql_of_last(&op).unwrap(), [want]);
    }
    // Model-only ops render nothing.
    let nothing: Vec<fn(&mut Ops)> = vec![
        |op| {
            op.set_table_comment("fees", "x");
        },
        |op| {
            op.alter_column("fees", "note").set_comment("x");
        },
        |op| {
            op.create_enum("color", ["red"]);
        },
        |op| {
            op.rename_enum_value("fee_status", "paid", "paid2");
            op.drop_table("fees");
            op.drop_enum("fee_status");
        },
        |op| {
            op.add_check("fees", "note_short", "length(note) < 10")
                .not_valid();
            op.validate_constraint("fees", "note_short");
        },
        |op| {
            op.add_enum_value("fee_status", "paid").if_not_exists();
        },
    ];
    for add in nothing {
        let mut op = Ops::new();
        fees_base(&mut op);
        add(&mut op);
        assert_eq!(sql_of_last(&op).unwrap(), Vec::<String>::new());
    }
}

/// The rebuild of `fees` with `middle` as the new definition's end and
/// `copy` as the copy's column list and expressions.
fn fees_rebuild(middle: &str, copy: &str) -> String {
    format!(
        "{FEES_REBUILT_PREFIX}{middle}\n);\nINSERT INTO \"_migrator_new_fees\" {copy} FROM \"fees\";\nDROP TABLE \"fees\";\nPRAGMA legacy_alter_table = ON;\nALTER TABLE \"_migrator_new_fees\" RENAME TO \"fees\";\nPRAGMA legacy_alter_table = OFF;\nCREATE INDEX \"ix_fees_student_id\" ON \"fees\" (\"student_id\")"
    )
}

const FEES_TAIL: &str = "  CONSTRAINT \"fees_pkey\" PRIMARY KEY (\"id\"),\n  CONSTRAINT \"fees_student_id_fkey\" FOREIGN KEY (\"student_id\") REFERENCES \"students\" (\"id\") ON DELETE CASCADE,\n  CONSTRAINT \"fees_amount_positive\" CHECK (amount > 0)";
const FEES_COPY: &str = "(\"id\", \"student_id\", \"amount\", \"status\", \"note\") SELECT \"id\", \"student_id\", \"amount\", \"status\", \"note\"";

#[test]
fn golden_batch_rebuilds() {
    let note = |decl: &str| format!("  \"note\" {decl},\n{FEES_TAIL}");
    let cases: Vec<(Migration, String)> = vec![
        (
            |op| {
                op.alter_column("fees", "note").set_type(T::varchar(40));
            },
            fees_rebuild(&note("VARCHAR(40)"), FEES_COPY),
        ),
        (
            |op| {
                op.alter_column("fees", "note")
                    .set_type_using(T::Integer, "length(note)");
            },
            fees_rebuild(
                &note("INTEGER"),
                "(\"id\", \"student_id\", \"amount\", \"status\", \"note\") SELECT \"id\", \"student_id\", \"amount\", \"status\", length(note)",
            ),
        ),
        (
            |op| {
                op.alter_column("fees", "note").set_nullable(false);
            },
            fees_rebuild(&note("TEXT NOT NULL"), FEES_COPY),
        ),
        (
            |op| {
                op.alter_column("fees", "note").set_default("n/a");
            },
            fees_rebuild(&note("TEXT DEFAULT 'n/a'"), FEES_COPY),
        ),
        (
            |op| {
                op.add_column::<chrono::DateTime<chrono::Utc>>("fees", "created_at")
                    .default_sql("now()");
            },
            fees_rebuild(
                &format!(
                    "  \"note\" TEXT,\n  \"created_at\" TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP NOT NULL,\n{FEES_TAIL}"
                ),
                FEES_COPY,
            ),
        ),
        (
            |op| {
                op.add_unique("fees", ["note"]);
            },
            fees_rebuild(
                &format!("{}, \n  CONSTRAINT \"fees_note_key\" UNIQUE (\"note\")", note("TEXT"))
                    .replace(", \n", ",\n"),
                FEES_COPY,
            ),
        ),
        (
            |op| {
                op.drop_constraint("fees", "fees_amount_positive");
            },
            fees_rebuild(
                "  \"note\" TEXT,\n  CONSTRAINT \"fees_pkey\" PRIMARY KEY (\"id\"),\n  CONSTRAINT \"fees_student_id_fkey\" FOREIGN KEY (\"student_id\") REFERENCES \"students\" (\"id\") ON DELETE CASCADE",
                FEES_COPY,
            ),
        ),
        (
            |op| {
                op.rename_enum_value("fee_status", "it's late", "late");
            },
            fees_rebuild(&note("TEXT"), FEES_COPY)
                .replace("'it''s late'))", "'late'))")
                .replace(
                    "\"amount\", \"status\", \"note\" FROM",
                    "\"amount\", CASE WHEN \"status\" = 'it''s late' THEN 'late' ELSE \"status\" END, \"note\" FROM",
                ),
        ),
        (
            |op| {
                op.add_enum_value("fee_status", "waived").after("paid");
            },
            fees_rebuild(&note("TEXT"), FEES_COPY)
                .replace("'paid', 'it''s late'", "'paid', 'waived', 'it''s late'"),
        ),
    ];
    for (i, (add, want)) in cases.into_iter().enumerate() {
        let mut op = Ops::new();
        fees_base(&mut op);
        add(&mut op);
        let (last, first) = op.ops().split_last().unwrap();
        let before = Schema::replay(first).unwrap();
        let statements = Sqlite.render(last, &before).unwrap();
        assert_eq!(statements.len(), 1, "case {i}");
        let s = &statements[0];
        assert_eq!(s.sql, want, "case {i} ({})", last.describe());
        assert_eq!(
            s.rebuilds.as_ref().map(|r| r.table.clone()),
            Some("fees".into()),
            "case {i}"
        );
        assert_eq!(s.effect, Effect::Rewrite);
        assert_eq!(s.strongest_lock(), Some(LockLevel::AccessExclusive));
        assert!(s.transactional);
    }
}

#[test]
fn unsupported_ops_say_what_to_write_instead() {
    let cases: Vec<(Migration, &str)> = vec![
        (
            |op| {
                op.create_schema("billing");
            },
            "create_schema billing is not supported on SQLite: SQLite has no schemas; keep every table in the default schema, or attach another database file through raw SQL (ATTACH DATABASE)",
        ),
        (
            |op| {
                op.create_schema("billing");
                op.create_table(("billing", "t"), |t| {
                    t.column::<i32>("a");
                });
            },
            "create_table billing.t is not supported on SQLite: SQLite has no schemas (billing.t is in schema billing); keep the table in the default schema, or attach another database file and use it through raw SQL",
        ),
        (
            |op| {
                op.create_table("t", |t| {
                    t.column_as("tags", T::array(T::Text));
                });
            },
            "create_table t is not supported on SQLite: SQLite has no array types; store the values in a child table, or as JSON in a text column",
        ),
        (
            |op| {
                op.create_table("t", |t| {
                    t.column::<i64>("id").identity();
                });
            },
            "create_table t is not supported on SQLite: SQLite generates values only for a table's single-column INTEGER PRIMARY KEY (its rowid), so an identity column id must be the primary key of t on its own; otherwise use a plain integer column and supply the values",
        ),
        (
            |op| {
                op.create_table("t", |t| {
                    t.column::<i32>("a").primary_key();
                    t.column_as("n", T::BigSerial).primary_key();
                });
            },
            "create_table t is not supported on SQLite: SQLite generates values only for a table's single-column INTEGER PRIMARY KEY (its rowid), so a serial column n must be the primary key of t on its own; otherwise use a plain integer column and supply the values",
        ),
        (
            |op| {
                op.add_column::<i64>("fees", "seq").identity();
            },
            "add_column fees.seq is not supported on SQLite: SQLite generates values only for a table's single-column INTEGER PRIMARY KEY (its rowid), so an identity column seq must be the primary key of fees on its own; otherwise use a plain integer column and supply the values",
        ),
        (
            |op| {
                op.drop_constraint("fees", "fees_pkey");
            },
            "drop_constraint fees_pkey on fees is not supported on SQLite: SQLite generates values only for a table's single-column INTEGER PRIMARY KEY (its rowid), so an identity column id must be the primary key of fees on its own; otherwise use a plain integer column and supply the values",
        ),
        (
            |op| {
                op.add_column::<f64>("fees", "ratio").default(f64::NAN);
            },
            "add_column fees.ratio is not supported on SQLite: SQLite stores NaN as NULL; leave the column without a default or pick a sentinel value",
        ),
        (
            |op| {
                op.add_exclusion("fees", [("amount", "=")]);
            },
            "add exclusion constraint fees_amount_excl on fees is not supported on SQLite: SQLite has no exclusion constraints: check fees_amount_excl with a trigger that raises (BEFORE INSERT and UPDATE) instead, or put it in op.on(Engine::Postgres, …)",
        ),
        (
            |op| {
                op.create_index("fees", ["note"]).using(IndexMethod::Gin);
            },
            "create_index ix_fees_note on fees is not supported on SQLite: SQLite has only b-tree indexes; drop .using(IndexMethod::Gin) to get one",
        ),
        (
            |op| {
                op.create_index("fees", ["note"]).include(["amount"]);
            },
            "create_index ix_fees_note on fees is not supported on SQLite: SQLite indexes have no INCLUDE columns; make them key columns or leave them out",
        ),
        (
            |op| {
                op.create_table("t", |t| {
                    t.column::<i32>("a");
                });
                op.drop_column("t", "a");
            },
            "drop_column t.a is not supported on SQLite: a SQLite table needs at least one column; drop table t instead",
        ),
    ];
    for (add, want) in cases {
        let mut op = Ops::new();
        fees_base(&mut op);
        add(&mut op);
        assert_eq!(unsupported(&op), want);
    }
    // An op that does not apply is reported as invalid, not unsupported.
    let mut op = Ops::new();
    fees_base(&mut op);
    op.drop_column("fees", "student_id");
    let err = render_ops(&Sqlite, op.ops(), &Schema::new()).unwrap_err();
    assert!(matches!(err, RenderError::Invalid(_)), "{err}");
}

// ---------------------------------------------------------------- every op on a real database

/// Every op SQLite supports, with rows in the tables from the start;
/// `irreversible` adds the ops without an inverse (new enum values).
fn everything(op: &mut Ops, irreversible: bool) {
    op.create_enum("fee_status", ["pending", "paid", "it's late"]);
    op.create_table("students", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<String>("email").unique().comment("login");
        t.column::<Option<String>>("name");
        t.column::<i16>("age").default(18);
        t.column::<i32>("score").default(-5);
        t.column::<bool>("active").default(true);
        t.column_as("code", T::char(3)).default("abc");
        t.column_as("nick", T::varchar(20)).nullable();
        t.column_as("bio", T::Varchar(None)).nullable();
        t.column_as("balance", T::numeric(10, 2)).default("0.00");
        t.column::<f64>("height").default(f64::INFINITY);
        t.column::<chrono::NaiveDate>("born").default("2000-01-31");
        t.column::<chrono::DateTime<chrono::Utc>>("created_at")
            .default_sql("now()");
        t.column_as("term", T::Interval).default("1 day");
        t.column::<uuid::Uuid>("token")
            .default_sql("lower(hex(randomblob(16)))");
        t.column::<serde_json::Value>("data").default("{}");
        t.column::<Option<Vec<u8>>>("photo");
        t.column_as("status", T::enumeration("fee_status"))
            .default("it's late");
        t.check("score_range", "score > -100 AND score < 1000");
        t.comment("Students of the school");
    });
    op.create_table("fees", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<i64>("student_id")
            .references("students", "id")
            .on_delete(RefAction::Cascade)
            .on_update(RefAction::Restrict);
        t.column::<Option<i64>>("parent_id")
            .references("fees", "id")
            .on_delete(RefAction::SetNull);
        t.column_as("amount", T::numeric(10, 2));
        t.column_as("status", T::enumeration("fee_status"))
            .default("pending");
        t.check("amount_positive", "amount > 0");
        t.unique(["student_id", "amount"])
            .named("one_fee_per_amount");
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
    });
    op.create_table("scratch", |t| {
        t.column::<i32>("a");
    });
    op.execute(
        "INSERT INTO students (email, name, nick) VALUES ('a@x', 'Ann', 'annie'), ('b@x', 'Bob', NULL)",
    )
    .reverse("DELETE FROM students WHERE email IN ('a@x', 'b@x')");
    op.execute("INSERT INTO fees (student_id, amount) SELECT id, 10.5 FROM students")
        .reverse("DELETE FROM fees");
    op.execute("INSERT INTO \"user\" (\"order\", \"a\"\"b\", \"Mixed Case\", \"naïve ✓\") VALUES (1, 2, 3, 4)")
        .reverse("DELETE FROM \"user\"");

    // Tables.
    op.rename_table("scratch", "scratch2");
    op.set_table_comment("scratch2", "temporary");
    op.drop_table_comment("scratch2");
    op.drop_table("scratch2");

    // Columns.
    op.add_column::<Option<String>>("students", "motto")
        .comment("in latin");
    op.add_column::<i32>("students", "level").default(1);
    op.add_column::<chrono::DateTime<chrono::Utc>>("students", "joined")
        .default_sql("current_timestamp");
    op.add_column::<i32>("memberships", "rank");
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
        .set_default_sql("'x' || 'y'");
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
        .where_sql("name IS NOT NULL AND points > 0");
    op.create_index("fees", ["status"]).concurrently();
    op.create_index("fees", ["status"])
        .concurrently()
        .if_not_exists();
    op.create_index("user", ["Mixed Case", "a\"b"]);
    op.drop_index("ix_students_name");
    op.drop_index("ix_fees_status").concurrently();

    // Constraints.
    op.create_table("posts", |t| {
        t.column::<i64>("id");
        t.column::<i64>("author_id");
        t.column::<i32>("likes");
    });
    op.execute("INSERT INTO posts SELECT id, id, 5 FROM students")
        .reverse("DELETE FROM posts");
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

    // Data.
    op.execute("UPDATE students SET name = upper(name)")
        .reverse("UPDATE students SET name = lower(name)");
}

#[test]
fn every_op_leaves_the_catalog_as_the_model_predicts() {
    let conn = open();
    let mut op = Ops::new();
    everything(&mut op, true);
    let mut schema = Schema::new();
    run_checked(&conn, &mut schema, op.ops(), "op");
    assert_eq!(
        rows(
            &conn,
            "SELECT s.name, s.nick, s.status, s.state, s.level, typeof(s.level), f.amount, f.status, p.hearts
             FROM students s JOIN fees f ON f.student_id = s.id JOIN posts p ON p.author_id = s.id
             ORDER BY s.email"
        ),
        [
            [
                text("ANN"),
                text("annie"),
                text("overdue"),
                text("pending"),
                int(1),
                text("integer"),
                Value::Real(10.5),
                text("pending"),
                int(5)
            ],
            [
                text("BOB"),
                Value::Null,
                text("overdue"),
                text("pending"),
                int(1),
                text("integer"),
                Value::Real(10.5),
                text("pending"),
                int(5)
            ]
        ]
    );
    let default: String = conn
        .query_row(
            "INSERT INTO \"user\" (\"order\", \"a\"\"b\", \"Mixed Case\", \"naïve ✓\") VALUES (1, 2, 3, 4) RETURNING \"x; DROP TABLE y; --\"",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(default, "'; DROP TABLE z; -- $$ \\ \"");
    // The enum's checks took every new value.
    conn.execute_batch("UPDATE fees SET status = 'refunded'; UPDATE fees SET status = 'draft'")
        .unwrap();
    assert!(
        conn.execute_batch("UPDATE fees SET status = 'nope'")
            .is_err()
    );
}

#[test]
fn derived_inverses_walk_the_database_back_to_empty() {
    let conn = open();
    let mut op = Ops::new();
    everything(&mut op, false);
    let mut schema = Schema::new();
    run_checked(&conn, &mut schema, op.ops(), "op");
    let undo = invert_all(op.ops(), &Schema::new()).unwrap();
    run_checked(&conn, &mut schema, &undo, "inverse op");
    assert_eq!(schema, Schema::new());
    let left: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
}

/// The comparison is only worth something if it sees a difference.
#[test]
fn the_catalog_comparison_notices_each_kind_of_difference() {
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
            t.column_as("m", T::enumeration("mood"));
            t.check(if variant == 6 { "c_positive" } else { "c_pos" }, "c > 0");
            if variant == 7 {
                t.unique(["a"]);
            }
        });
        let ix = op.create_index("t", ["a"]);
        if variant == 8 {
            ix.where_sql("c > 1");
        }
        if variant == 9 {
            ix.unique();
        }
        let fk = op.add_foreign_key("t", ["c"], "t", ["id"]);
        if variant == 10 {
            fk.on_delete(RefAction::Cascade);
        }
        op.add_column::<f64>("t", "d")
            .default(if variant == 11 { 0.5 } else { 0.25 });
        if variant == 12 {
            op.create_table("u", |t| {
                t.column::<i32>("a");
            });
        }
        if variant == 13 {
            op.add_column::<Option<i32>>("t", "e");
        }
    }
    let conn = open();
    let mut op = Ops::new();
    migration(&mut op, 0);
    let mut schema = Schema::new();
    run_checked(&conn, &mut schema, op.ops(), "op");
    let expected = [
        "table t: column m: column checks [\"\\\"m\\\" IN ('ok', 'meh')\"], model says [\"\\\"m\\\" IN ('ok', 'bad')\"]",
        "table t: column a: default 'x' evaluates to Text(\"x\"), model says Text(\"x'\")",
        "table t: column b: declared type VARCHAR(10), model says VARCHAR(11) (Varchar(Some(11)))",
        "table t: column b: NOT NULL is true, model says nullable=true",
        "table t: column c: default 1 + 1, model says 1 + 2 (from \"1 + 2\")",
        "table t: constraint c_pos (CHECK) is in SQLite, not in the model",
        "table t: unique constraints over [] in SQLite, model says [[\"a\"]]",
        "table t: index ix_t_a: (unique, columns, (desc, collation), partial) (false, [\"a\"], [(false, \"BINARY\")], false), model says (false, [\"a\"], [(false, \"BINARY\")], true)",
        "table t: index ix_t_a: (unique, columns, (desc, collation), partial) (false, [\"a\"], [(false, \"BINARY\")], false), model says (true, [\"a\"], [(false, \"BINARY\")], false)",
        "table t: foreign keys (columns, table, columns, on delete, on update) [([\"c\"], \"t\", [\"id\"], \"NO ACTION\", \"NO ACTION\")] in SQLite, model says [([\"c\"], \"t\", [\"id\"], \"CASCADE\", \"NO ACTION\")]",
        "table t: column d: default 0.25 evaluates to Real(0.25), model says Real(0.5)",
        "table u: the model has it, SQLite does not",
        "table t: columns are [\"id\", \"a\", \"b\", \"c\", \"m\", \"d\"] in SQLite, model says [\"id\", \"a\", \"b\", \"c\", \"m\", \"d\", \"e\"]",
    ];
    for (i, want) in expected.iter().enumerate() {
        let mut other = Ops::new();
        migration(&mut other, i + 1);
        let model = Schema::replay(other.ops()).unwrap();
        let diffs = differences(&conn, &model);
        assert!(
            diffs.iter().any(|d| d == want),
            "variant {} should report {want:?}, got {diffs:#?}",
            i + 1
        );
    }
    // A table the model does not know, and the runner's tables, which it ignores.
    conn.execute_batch(
        "CREATE TABLE extra (a); CREATE TABLE migrator_version (v); CREATE TABLE migrator_history (v)",
    )
    .unwrap();
    assert_eq!(
        differences(&conn, &schema),
        ["table extra: exists in SQLite, the model has no such table"]
    );
}

// ---------------------------------------------------------------- rows survive rebuilds

fn parent_and_children(op: &mut Ops) {
    op.create_enum("mood", ["ok", "meh"]);
    op.create_table("parent", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<String>("code");
        t.column::<String>("amount");
        t.column::<Option<String>>("note");
        t.column_as("mood", T::enumeration("mood")).default("ok");
    });
    op.create_index("parent", ["code"]);
    op.create_table("child", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<i64>("parent_id")
            .references("parent", "id")
            .on_delete(RefAction::Cascade);
        t.column::<String>("label");
    });
    op.execute(
        "INSERT INTO parent (code, amount, note, mood) VALUES ('a', '10', 'x', 'ok'), ('b', '20', 'y', 'meh'), ('c', 'n/a', 'z', 'ok')",
    );
    op.execute(
        "INSERT INTO child (parent_id, label) VALUES (1, 'a1'), (1, 'a2'), (2, 'b1'), (3, 'c1'), (3, 'c2')",
    );
    // A view on the table: every rebuild below keeps it readable.
    op.create_view("parent_notes", "SELECT id, note FROM parent");
}

const PARENT_ROWS: &str =
    "SELECT id, code, amount, typeof(amount), note, mood FROM parent ORDER BY id";
const CHILD_ROWS: &str = "SELECT id, parent_id, label FROM child ORDER BY id";

fn parent_rows(amounts: [Value; 3], moods: [&str; 3]) -> Vec<Vec<Value>> {
    let [a0, a1, a2] = amounts;
    let kind = |v: &Value| {
        text(match v {
            Value::Integer(_) => "integer",
            _ => "text",
        })
    };
    vec![
        vec![
            int(1),
            text("a"),
            a0.clone(),
            kind(&a0),
            text("x"),
            text(moods[0]),
        ],
        vec![
            int(2),
            text("b"),
            a1.clone(),
            kind(&a1),
            text("y"),
            text(moods[1]),
        ],
        vec![
            int(3),
            text("c"),
            a2.clone(),
            kind(&a2),
            text("z"),
            text(moods[2]),
        ],
    ]
}

#[test]
fn batch_rebuilds_keep_rows_and_child_rows() {
    let conn = open();
    let mut op = Ops::new();
    parent_and_children(&mut op);
    let mut schema = Schema::new();
    run_checked(&conn, &mut schema, op.ops(), "setup op");
    let original = parent_rows([text("10"), text("20"), text("n/a")], ["ok", "meh", "ok"]);
    let children = rows(&conn, CHILD_ROWS);
    assert_eq!(children.len(), 5);

    // Each change and the rows expected after it; its inverse gives back
    // the original rows, except where the change computed new values.
    let changes: Vec<(Migration, Vec<Vec<Value>>)> = vec![
        (
            |op| {
                op.alter_column("parent", "amount").set_type(T::BigInt);
            },
            // INTEGER affinity converts what looks like an integer, keeps the rest.
            parent_rows([int(10), int(20), text("n/a")], ["ok", "meh", "ok"]),
        ),
        (
            |op| {
                op.alter_column("parent", "note").set_nullable(true);
            },
            original.clone(),
        ),
        (
            |op| {
                op.alter_column("parent", "note").set_default("none");
            },
            original.clone(),
        ),
        (
            |op| {
                op.add_check("parent", "code_short", "length(code) < 5");
            },
            original.clone(),
        ),
        (
            |op| {
                op.add_unique("parent", ["code"]);
            },
            original.clone(),
        ),
        (
            |op| {
                op.drop_constraint("child", "child_parent_id_fkey");
            },
            original.clone(),
        ),
        (
            |op| {
                op.rename_enum_value("mood", "ok", "fine");
            },
            parent_rows(
                [text("10"), text("20"), text("n/a")],
                ["fine", "meh", "fine"],
            ),
        ),
        (
            |op| {
                op.add_column::<i32>("parent", "rank").default_sql("1 + 1");
            },
            original.clone(),
        ),
        // Last: its values stay changed after the inverse.
        (
            |op| {
                op.alter_column("parent", "amount")
                    .set_type_using(T::Text, "amount || '!'");
            },
            parent_rows(
                [text("10!"), text("20!"), text("n/a!")],
                ["ok", "meh", "ok"],
            ),
        ),
    ];
    for (change, want) in changes {
        let mut ops = Ops::new();
        change(&mut ops);
        let forward = ops.ops().to_vec();
        let undo = invert_all(&forward, &schema).unwrap();
        let before = schema.clone();
        let what = forward[0].describe();
        run_checked(&conn, &mut schema, &forward, &what);
        assert_eq!(rows(&conn, PARENT_ROWS), want, "after {what}");
        assert_eq!(rows(&conn, CHILD_ROWS), children, "children after {what}");
        assert_eq!(rows(&conn, "SELECT * FROM parent_notes").len(), 3);
        run_checked(&conn, &mut schema, &undo, &format!("undo of {what}"));
        assert_eq!(schema, before);
        // The inverse of a USING that computed new values keeps them (its
        // own USING only casts), as on PostgreSQL.
        let computed = matches!(&forward[0], Op::AlterColumn(a) if a.ty.as_ref().is_some_and(|t| t.using.is_some()));
        let restored = if computed { want } else { original.clone() };
        assert_eq!(rows(&conn, PARENT_ROWS), restored, "after undoing {what}");
        assert_eq!(
            rows(&conn, CHILD_ROWS),
            children,
            "children after undoing {what}"
        );
    }
    let legacy: i64 = conn
        .query_row("PRAGMA legacy_alter_table", [], |r| r.get(0))
        .unwrap();
    assert_eq!(legacy, 0, "the rebuild turns legacy_alter_table back off");

    // A column an index uses cannot be dropped: the model refuses it before
    // any dialect is asked.
    let mut drop = Ops::new();
    drop.drop_column("parent", "code");
    let err = render_ops(&Sqlite, drop.ops(), &schema).unwrap_err();
    assert_eq!(
        err.to_string(),
        "op #1 (drop_column parent.code): column code of table parent is still used by index ix_parent_code; drop that first"
    );

    // The child's foreign key still points at the rebuilt parent: with
    // foreign keys on, deleting a parent cascades, and an orphan is refused.
    conn.execute_batch("PRAGMA foreign_keys = ON; DELETE FROM parent WHERE id = 1")
        .unwrap();
    assert_eq!(rows(&conn, CHILD_ROWS).len(), 3);
    assert!(
        conn.execute_batch("INSERT INTO child (parent_id, label) VALUES (99, 'orphan')")
            .is_err()
    );
}

#[test]
fn a_rebuild_refused_by_existing_rows_rolls_back() {
    let conn = open();
    let mut op = Ops::new();
    parent_and_children(&mut op);
    op.execute("UPDATE parent SET note = NULL WHERE id = 2");
    let mut schema = Schema::new();
    run_checked(&conn, &mut schema, op.ops(), "setup op");
    let before = rows(&conn, PARENT_ROWS);
    let mut change = Ops::new();
    change.alter_column("parent", "note").set_nullable(false);
    let err = run_op(&conn, &mut schema, &change.ops()[0]).unwrap_err();
    assert!(
        err.contains("NOT NULL constraint failed: _migrator_new_parent.note"),
        "{err}"
    );
    assert_eq!(rows(&conn, PARENT_ROWS), before);
    assert_matches(&conn, &schema, "after the failed rebuild");
    let legacy: i64 = conn
        .query_row("PRAGMA legacy_alter_table", [], |r| r.get(0))
        .unwrap();
    assert_eq!(legacy, 0);
}

// ---------------------------------------------------------------- random sequences

/// Runs `ops` from an empty database with catalog checks after each, then
/// their inverses back to empty.
fn round_trip(ops: &[Op], empty: &Schema) -> Result<(), String> {
    let undo = invert_all(ops, empty).map_err(|e| e.to_string())?;
    let conn = open();
    let mut schema = empty.clone();
    for (list, what) in [(ops, "op"), (&undo[..], "inverse op")] {
        for (i, op) in list.iter().enumerate() {
            run_op(&conn, &mut schema, op).map_err(|e| format!("{what} #{}: {e}", i + 1))?;
            let diffs = differences(&conn, &schema);
            if !diffs.is_empty() {
                return Err(format!(
                    "after {what} #{} ({}): {diffs:#?}",
                    i + 1,
                    op.describe()
                ));
            }
        }
    }
    if schema != *empty {
        return Err("the inverses did not empty the model".into());
    }
    Ok(())
}

/// Whether `ops` render for SQLite, both ways; `Err` for anything but a refusal.
fn renders(ops: &[Op]) -> Result<bool, String> {
    let undo = invert_all(ops, &Schema::new()).map_err(|e| e.to_string())?;
    let end = Schema::replay(ops).map_err(|e| e.to_string())?;
    for result in [
        render_ops(&Sqlite, ops, &Schema::new()),
        render_ops(&Sqlite, &undo, &end),
    ] {
        match result {
            Ok(_) => {}
            Err(RenderError::Unsupported { .. }) => return Ok(false),
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(true)
}

/// A variant of the generator for SQLite: draws one op at a time onto
/// SQLite's model (so blocks for one engine are drawn: SQLite's run,
/// PostgreSQL's are skipped) and keeps only those SQLite renders (and whose
/// inverse it renders); counts the rest.
fn sqlite_ops(stream: &[u32], count: usize) -> (Vec<Op>, usize) {
    let mut schema = Schema::for_engine(Engine::Sqlite);
    let mut ops = Vec::new();
    let mut refused = 0;
    for chunk in stream.chunks(16) {
        if ops.len() == count {
            break;
        }
        for op in random_ops(chunk, 1, &schema) {
            let mut after = schema.clone();
            after.apply(&op).unwrap();
            let undo = invert(&op, &schema).unwrap();
            let ok =
                Sqlite.render(&op, &schema).is_ok() && render_ops(&Sqlite, &undo, &after).is_ok();
            if ok {
                schema = after;
                ops.push(op);
            } else {
                refused += 1;
            }
        }
    }
    (ops, refused)
}

fn listing(ops: &[Op]) -> String {
    ops.iter().map(|o| format!("\n  {o:?}")).collect()
}

#[test]
fn random_sequences_run_or_are_refused_at_render_time() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    use std::cell::Cell;

    let (ran, refused, ops_run, ops_refused) =
        (Cell::new(0), Cell::new(0), Cell::new(0), Cell::new(0));
    let mut runner = TestRunner::new(Config {
        cases: 300,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (prop::collection::vec(any::<u32>(), 50..400), 1usize..15);
    runner
        .run(&strategy, |(stream, steps)| {
            // The generator as it is: the whole sequence runs, or SQLite refuses it.
            let ops = random_ops(&stream, steps, &Schema::new());
            match renders(&ops) {
                Ok(true) => {
                    ran.set(ran.get() + 1);
                    round_trip(&ops, &Schema::new())
                        .map_err(|e| TestCaseError::fail(format!("{e}\nops:{}", listing(&ops))))?;
                }
                Ok(false) => refused.set(refused.get() + 1),
                Err(e) => return Err(TestCaseError::fail(format!("{e}\nops:{}", listing(&ops)))),
            }
            // The SQLite variant: every sequence runs.
            let (ops, skipped) = sqlite_ops(&stream, steps);
            ops_run.set(ops_run.get() + ops.len());
            ops_refused.set(ops_refused.get() + skipped);
            round_trip(&ops, &Schema::for_engine(Engine::Sqlite))
                .map_err(|e| TestCaseError::fail(format!("{e}\nops:{}", listing(&ops))))?;
            Ok(())
        })
        .unwrap();
    println!(
        "random sequences: {} ran and walked back, {} refused at render time; SQLite variant: {} ops ran, {} proposals refused",
        ran.get(),
        refused.get(),
        ops_run.get(),
        ops_refused.get()
    );
    assert!(ran.get() >= 30, "too few sequences ran: {}", ran.get());
    assert!(ops_run.get() >= 1000, "too few ops ran: {}", ops_run.get());
}

/// What the runner must do around a rebuild: a trigger on the rebuilt table
/// goes with the old table (hence `Statement::rebuilds`), while triggers and
/// views elsewhere that name it keep working.
#[test]
fn triggers_the_model_knows_are_created_again_by_a_rebuild() {
    let conn = open();
    let mut op = Ops::new();
    parent_and_children(&mut op);
    op.execute(
        "CREATE TRIGGER parent_audit AFTER UPDATE ON parent BEGIN SELECT 1; END;
         CREATE TRIGGER child_touch AFTER INSERT ON child BEGIN UPDATE parent SET note = 'touched' WHERE id = new.parent_id; END",
    )
    .declares(|op| {
        op.create_sqlite_trigger(
            "parent",
            "parent_audit",
            TriggerTiming::After,
            TriggerEvent::UPDATE,
            "SELECT 1;",
        );
        op.create_sqlite_trigger(
            "child",
            "child_touch",
            TriggerTiming::After,
            TriggerEvent::Insert,
            "UPDATE parent SET note = 'touched' WHERE id = new.parent_id;",
        );
    });
    let mut schema = Schema::new();
    run_checked(&conn, &mut schema, op.ops(), "setup op");
    let mut change = Ops::new();
    change.alter_column("parent", "note").set_default("n/a");
    let statements = Sqlite.render(&change.ops()[0], &schema).unwrap();
    let rebuild = statements[0].rebuilds.as_ref().unwrap();
    assert_eq!(rebuild.table, "parent".into());
    // The rebuild creates the trigger the model knows again itself (so
    // --sql prints it); the runner saves and restores only the others.
    assert_eq!(rebuild.triggers, ["parent_audit"]);
    assert!(
        statements[0]
            .sql
            .ends_with("CREATE TRIGGER \"parent_audit\" AFTER UPDATE ON \"parent\" FOR EACH ROW BEGIN SELECT 1; END"),
        "{}",
        statements[0].sql
    );
    run_checked(&conn, &mut schema, change.ops(), "change");
    let triggers: Vec<Vec<Value>> = rows(
        &conn,
        "SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name",
    );
    assert_eq!(triggers, [[text("child_touch")], [text("parent_audit")]]);
    conn.execute_batch("INSERT INTO child (parent_id, label) VALUES (2, 'b2')")
        .unwrap();
    assert_eq!(
        rows(&conn, "SELECT note FROM parent WHERE id = 2"),
        [[text("touched")]]
    );
    assert_eq!(rows(&conn, "SELECT * FROM parent_notes").len(), 3);
}
