//! Hostile and malformed input given as data: table, column, index,
//! constraint and enum names, enum values, comments and string defaults made
//! of quotes, backslashes, semicolons, dollar quotes, comment markers, NUL
//! bytes, names around PostgreSQL's 63-byte limit (with the limit falling
//! inside a multi-byte character), combining marks, right-to-left text,
//! emoji, reserved words, surrounding spaces and upper case.
//!
//! Each generated migration is either refused by the schema model with the
//! error that names the offending input — exactly when a name is empty,
//! longer than 63 bytes or holds a NUL, or a text holds a NUL — or runs on a
//! real PostgreSQL and reads back from the catalog byte for byte. Generated
//! names never collide, and the string functions and the expression scanner
//! take arbitrary input without panicking.

use std::collections::{BTreeSet, HashMap};

use migrator_core::ident::{
    IdentError, MAX_IDENT_LEN, check_ident, generated_name, quote_ident, quote_literal,
};
use migrator_core::ops::Op;
use migrator_core::prelude::*;
use migrator_core::render::{Postgres, render_sql};
use migrator_core::run::redact;
use migrator_core::schema::Schema;
use migrator_core::schema::{ReplayError, ValidationError};
use migrator_tests::catalog::assert_matches;
use migrator_tests::db::TestDb;
use migrator_tests::exec::run_ops;
use proptest::prelude::*;
use proptest::sample::select;
use tokio_postgres::Client;

/// What hostile strings are made of.
const PIECES: &[&str] = &[
    "'",
    "''",
    "\"",
    "\"\"",
    "\\",
    "\\'",
    "\\\\",
    ";",
    "$$",
    "$tag$",
    "$1",
    "--",
    "/*",
    "*/",
    " ",
    "\t",
    "\n",
    "\r\n",
    "%",
    "%s",
    "{}",
    "(",
    ")",
    ",",
    ".",
    "::",
    "E'",
    "U&\"",
    "\\x00",
    "'; DROP TABLE users; --",
    "\"); DROP TABLE users; --",
    "$$; SELECT 1; $$",
    "*/ SELECT 1 /*",
    "user",
    "order",
    "select",
    "table",
    "or",
    "and",
    "USER",
    "Order",
    "SELECT",
    "Table",
    "NULL",
    "a",
    "Z",
    "_",
    "0",
    "x",
    "é",
    "e\u{301}",
    "\u{301}",
    "ß",
    "İ",
    "Ω",
    "中文",
    "\u{5e9}\u{5dc}\u{5d5}\u{5dd}",
    "\u{627}\u{644}\u{639}",
    "\u{202e}",
    "\u{202b}",
    "\u{200f}",
    "\u{200b}",
    "\u{feff}",
    "😀",
    "\u{1f469}\u{200d}\u{1f469}\u{200d}\u{1f467}",
    "\u{1f1eb}\u{1f1f7}",
];

/// Characters of 1 to 4 bytes that fill long names, so that the 63-byte
/// limit falls anywhere, inside a character too.
const FILL: &[&str] = &[
    "x", "Q", "_", "é", "ß", "中", "€", "😀", "\u{301}", "'", "\"",
];

/// Reserved words and their variants, as whole names.
const RESERVED: &[&str] = &[
    "user",
    "order",
    "select",
    "table",
    "or",
    "and",
    "not",
    "null",
    "User",
    "ORDER",
    "Select",
    " user",
    "user ",
    " order by ",
    "TABLE",
];

fn short() -> impl Strategy<Value = String> {
    prop::collection::vec(select(PIECES), 1..6).prop_map(|p| p.concat())
}

/// A hostile prefix filled up to at least `min..=max` bytes.
fn long(min: usize, max: usize) -> impl Strategy<Value = String> {
    (short(), min..=max, prop::collection::vec(select(FILL), 80)).prop_map(
        |(mut s, target, fill)| {
            for f in fill.iter().cycle() {
                if s.len() >= target {
                    break;
                }
                s.push_str(f);
            }
            s
        },
    )
}

/// Cuts `s` to at most `max` bytes at a character boundary.
fn cut(mut s: String, max: usize) -> String {
    let mut at = s.len().min(max);
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    s.truncate(at);
    s
}

/// Inserts a NUL byte somewhere in `s`.
fn with_nul(s: String, at: usize) -> String {
    let bounds: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
    let mut s = s;
    s.insert(bounds[at % bounds.len()], '\0');
    s
}

/// A name PostgreSQL stores as written: 1 to 63 bytes, no NUL.
fn valid_name() -> BoxedStrategy<String> {
    prop_oneof![
        4 => short().prop_map(|s| cut(s, MAX_IDENT_LEN)),
        3 => long(56, 66).prop_map(|s| cut(s, MAX_IDENT_LEN)),
        2 => select(RESERVED).prop_map(str::to_owned),
    ]
    .boxed()
}

/// A name the model must refuse: empty, over 63 bytes, or with a NUL.
fn invalid_name() -> BoxedStrategy<String> {
    prop_oneof![
        1 => Just(String::new()),
        2 => long(64, 70),
        2 => (valid_name(), any::<usize>()).prop_map(|(s, at)| with_nul(s, at)),
    ]
    .boxed()
}

/// A comment or string default without NUL: any length, empty included.
fn valid_text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => short(),
        1 => Just(String::new()),
        2 => long(60, 200),
    ]
    .boxed()
}

fn invalid_text() -> BoxedStrategy<String> {
    (valid_text(), any::<usize>())
        .prop_map(|(s, at)| with_nul(s, at))
        .boxed()
}

fn name(valid_only: bool) -> BoxedStrategy<String> {
    if valid_only {
        valid_name()
    } else {
        prop_oneof![12 => valid_name(), 1 => invalid_name()].boxed()
    }
}

fn text(valid_only: bool) -> BoxedStrategy<String> {
    if valid_only {
        valid_text()
    } else {
        prop_oneof![12 => valid_text(), 1 => invalid_text()].boxed()
    }
}

/// One generated migration's inputs.
#[derive(Debug, Clone)]
struct Case {
    enum_name: String,
    values: [String; 2],
    renamed_value: String,
    table: String,
    table_comment: String,
    col_a: String,
    col_comment: String,
    default: String,
    col_b: String,
    check: String,
    index: String,
    col_c: String,
    new_table_comment: String,
}

impl Case {
    /// The default name of the index on `col_b`.
    fn ix_b(&self) -> String {
        generated_name(&["ix", &self.table, &self.col_b])
    }

    /// The default name of the unique constraint on `col_a`.
    fn uq_a(&self) -> String {
        generated_name(&[&self.table, &self.col_a, "key"])
    }

    /// Whether the names that share a namespace are distinct, so that
    /// only the inputs themselves can make the model refuse the case.
    fn distinct(&self) -> bool {
        let all_distinct =
            |names: &[&String]| names.iter().collect::<BTreeSet<_>>().len() == names.len();
        let (ix_b, uq_a) = (self.ix_b(), self.uq_a());
        all_distinct(&[&self.col_a, &self.col_b, &self.col_c])
            && all_distinct(&[&self.values[0], &self.values[1], &self.renamed_value])
            && all_distinct(&[&self.table, &self.index, &ix_b, &uq_a])
            && self.enum_name != self.table
            && self.check != uq_a
    }

    /// The migration: an enum, a table using it with a hostile default,
    /// comment, unique key and check, two indexes, then renames of the
    /// column and of the enum value the other column defaults to.
    fn ops(&self) -> Vec<Op> {
        let mut op = Ops::new();
        op.create_enum(self.enum_name.as_str(), self.values.clone());
        op.create_table(self.table.as_str(), |t| {
            t.column::<String>(self.col_a.as_str())
                .default(self.default.as_str())
                .comment(self.col_comment.as_str())
                .unique();
            t.column_as(
                self.col_b.as_str(),
                ColumnType::enumeration(self.enum_name.as_str()),
            )
            .default(self.values[0].as_str());
            let a = quote_ident(&self.col_a);
            t.check(
                self.check.as_str(),
                format!(
                    "char_length({a}) >= 0 OR {a} = {}",
                    quote_literal(&self.default)
                ),
            );
            t.comment(self.table_comment.as_str());
        });
        op.create_index(self.table.as_str(), [self.col_a.as_str()])
            .named(self.index.as_str());
        op.create_index(self.table.as_str(), [self.col_b.as_str()]);
        op.rename_column(
            self.table.as_str(),
            self.col_a.as_str(),
            self.col_c.as_str(),
        );
        op.rename_enum_value(
            self.enum_name.as_str(),
            self.values[0].as_str(),
            self.renamed_value.as_str(),
        );
        op.set_table_comment(self.table.as_str(), self.new_table_comment.as_str());
        op.into_ops()
    }

    /// The error the model must give, worked out from the rules alone
    /// (a name is refused when empty, holding a NUL or over 63 bytes; a
    /// text when holding a NUL), in the order the ops check their inputs.
    fn expected_refusal(&self) -> Option<(usize, ValidationError)> {
        fn name(s: &str) -> Option<ValidationError> {
            let e = if s.is_empty() {
                IdentError::Empty
            } else if s.contains('\0') {
                IdentError::Nul(s.to_owned())
            } else if s.len() > 63 {
                IdentError::TooLong {
                    name: s.to_owned(),
                    len: s.len(),
                }
            } else {
                return None;
            };
            Some(ValidationError::Ident(e))
        }
        fn text(s: &str, what: String) -> Option<ValidationError> {
            s.contains('\0')
                .then_some(ValidationError::NulByte { what })
        }
        let (t, a) = (&self.table, &self.col_a);
        let checks: [(usize, Option<ValidationError>); 13] = [
            (0, name(&self.enum_name)),
            (0, name(&self.values[0])),
            (0, name(&self.values[1])),
            (1, name(t)),
            (
                1,
                text(&self.table_comment, format!("comment of table {t}")),
            ),
            (1, name(a)),
            (
                1,
                text(
                    &self.col_comment,
                    format!("comment of column {a} of table {t}"),
                ),
            ),
            (
                1,
                text(&self.default, format!("default of column {a} of table {t}")),
            ),
            (1, name(&self.col_b)),
            (1, name(&self.check)),
            (2, name(&self.index)),
            (4, name(&self.col_c)),
            (5, name(&self.renamed_value)),
        ];
        let last = (
            6,
            text(&self.new_table_comment, format!("comment of table {t}")),
        );
        checks
            .into_iter()
            .chain([last])
            .find_map(|(op, e)| e.map(|e| (op, e)))
    }
}

fn case(valid_only: bool) -> impl Strategy<Value = Case> {
    let names = prop::collection::vec(name(valid_only), 10);
    let texts = prop::collection::vec(text(valid_only), 4);
    (names, texts)
        .prop_map(|(n, x)| Case {
            enum_name: n[0].clone(),
            values: [n[1].clone(), n[2].clone()],
            renamed_value: n[3].clone(),
            table: n[4].clone(),
            col_a: n[5].clone(),
            col_b: n[6].clone(),
            check: n[7].clone(),
            index: n[8].clone(),
            col_c: n[9].clone(),
            table_comment: x[0].clone(),
            col_comment: x[1].clone(),
            default: x[2].clone(),
            new_table_comment: x[3].clone(),
        })
        .prop_filter("names sharing a namespace must differ", Case::distinct)
}

/// PostgreSQL keeps no empty comment.
fn comment(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// Reads back every hostile string the case stored, straight from the
/// system catalogs, and compares them byte for byte.
async fn check_catalog(client: &mut Client, c: &Case) {
    let relations: BTreeSet<String> = client
        .query(
            "SELECT relname::text FROM pg_class
             WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'i')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let want: BTreeSet<String> = [c.table.clone(), c.index.clone(), c.ix_b(), c.uq_a()].into();
    assert_eq!(relations, want, "pg_class.relname");

    let oid: u32 = client
        .query_one(
            "SELECT oid FROM pg_class
             WHERE relnamespace = 'public'::regnamespace AND relname::text = $1",
            &[&c.table],
        )
        .await
        .unwrap()
        .get(0);
    let table_comment: Option<String> = client
        .query_one("SELECT obj_description($1, 'pg_class')", &[&oid])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        table_comment,
        comment(&c.new_table_comment),
        "table comment"
    );

    let columns: Vec<(String, Option<String>)> = client
        .query(
            "SELECT attname::text, col_description(attrelid, attnum) FROM pg_attribute
             WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            &[&oid],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        columns,
        [
            (c.col_c.clone(), comment(&c.col_comment)),
            (c.col_b.clone(), None)
        ],
        "pg_attribute.attname, col_description"
    );

    let constraints: BTreeSet<String> = client
        .query(
            "SELECT conname::text FROM pg_constraint WHERE conrelid = $1",
            &[&oid],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        constraints,
        [c.check.clone(), c.uq_a()].into(),
        "pg_constraint.conname"
    );

    let enums: Vec<(String, Vec<String>)> = client
        .query(
            "SELECT t.typname::text, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
             FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
             WHERE t.typnamespace = 'public'::regnamespace GROUP BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        enums,
        [(
            c.enum_name.clone(),
            vec![c.renamed_value.clone(), c.values[1].clone()]
        )],
        "pg_type.typname, pg_enum.enumlabel"
    );

    // The defaults as PostgreSQL evaluates them for a new row.
    let tx = client.transaction().await.unwrap();
    let row = tx
        .query_one(
            &format!(
                "INSERT INTO {} DEFAULT VALUES RETURNING {}::text, {}::text",
                quote_ident(&c.table),
                quote_ident(&c.col_c),
                quote_ident(&c.col_b)
            ),
            &[],
        )
        .await
        .unwrap();
    let defaults: (String, String) = (row.get(0), row.get(1));
    assert_eq!(
        defaults,
        (c.default.clone(), c.renamed_value.clone()),
        "evaluated defaults"
    );
    tx.rollback().await.unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, failure_persistence: None, ..ProptestConfig::default() })]

    /// The model refuses a case exactly when an input breaks a rule, with
    /// the error naming that input; what it accepts renders without NUL.
    #[test]
    fn model_refuses_exactly_the_bad_inputs(c in case(false)) {
        let ops = c.ops();
        match (Schema::replay(&ops), c.expected_refusal()) {
            (Ok(schema), None) => {
                let sql = render_sql(&Postgres, &ops).expect("an accepted migration renders");
                prop_assert!(sql.iter().all(|s| !s.contains('\0')));
                let table = schema.table(&c.table.as_str().into()).expect("the table is modelled");
                prop_assert_eq!(&table.columns[0].name, &c.col_c);
                prop_assert_eq!(
                    schema.enum_values(&c.enum_name.as_str().into()),
                    Some(&[c.renamed_value.clone(), c.values[1].clone()][..])
                );
            }
            (Err(ReplayError { index, source, .. }), Some((want_index, want))) => {
                prop_assert_eq!((index, &source), (want_index, &want));
                let message = source.to_string();
                prop_assert!(
                    message.contains("NUL byte")
                        || message.contains("may not be empty")
                        || message.contains("PostgreSQL truncates names to 63 bytes"),
                    "unclear message: {}", message
                );
            }
            (got, want) => prop_assert!(false, "model gave {:?}, expected refusal {:?}", got.err(), want),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, max_shrink_iters: 32, failure_persistence: None, ..ProptestConfig::default() })]

    /// Accepted hostile migrations run on PostgreSQL and read back exactly.
    #[test]
    fn hostile_names_round_trip_through_postgres(c in case(true)) {
        let ops = c.ops();
        prop_assert!(c.expected_refusal().is_none());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let mut db = TestDb::new().await;
            let mut schema = Schema::new();
            run_ops(&mut db.client, &mut schema, &ops)
                .await
                .unwrap_or_else(|e| panic!("a valid hostile migration failed: {e}"));
            assert_matches(&db, &schema, "after the hostile migration").await;
            check_catalog(&mut db.client, &c).await;
        });
    }
}

/// The 63-byte limit inside a character: 62 ASCII bytes and a 2-byte `é`
/// are 64 bytes and refused, 61 and `é` are 63 and kept whole.
#[test]
fn the_limit_falls_inside_a_character() {
    let fits = format!("{}é", "x".repeat(61));
    let over = format!("{}é", "x".repeat(62));
    let emoji_over = format!("{}😀", "x".repeat(60));
    assert_eq!(fits.len(), 63);
    assert!(check_ident(&fits).is_ok());
    for name in [&over, &emoji_over] {
        let mut op = Ops::new();
        op.create_table(name.as_str(), |t| {
            t.column::<i64>("id");
        });
        let err = Schema::replay(op.ops()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "op #1 (create_table {name}): identifier {name:?} is {} bytes long; PostgreSQL truncates names to 63 bytes, so choose a shorter name",
                name.len()
            )
        );
    }
}

/// NUL in a comment, a default, a check or a predicate: refused with a
/// message that names the text, before any SQL is rendered.
#[test]
fn nul_in_text_is_refused_with_a_clear_message() {
    let refused = |build: &dyn Fn(&mut Ops)| {
        let mut op = Ops::new();
        op.create_table("t", |t| {
            t.column::<String>("a");
        });
        build(&mut op);
        Schema::replay(op.ops()).unwrap_err().to_string()
    };
    let tail = "contains a NUL byte, which PostgreSQL cannot store in text; remove it";
    type Build<'a> = &'a dyn Fn(&mut Ops);
    let cases: [(Build, String); 9] = [
        (
            &|op| {
                op.set_table_comment("t", "a\0b");
            },
            format!("op #2 (set_table_comment t): comment of table t {tail}"),
        ),
        (
            &|op| {
                op.add_column::<String>("t", "b").comment("\0");
            },
            format!("op #2 (add_column t.b): comment of column b of table t {tail}"),
        ),
        (
            &|op| {
                op.add_column::<String>("t", "b").default("x\0");
            },
            format!("op #2 (add_column t.b): default of column b of table t {tail}"),
        ),
        (
            &|op| {
                op.add_column::<String>("t", "b").default_sql("'x\0'");
            },
            format!("op #2 (add_column t.b): default of column b of table t {tail}"),
        ),
        (
            &|op| {
                op.alter_column("t", "a").set_default("\0");
            },
            format!("op #2 (alter_column t.a): default of column a of table t {tail}"),
        ),
        (
            &|op| {
                op.alter_column("t", "a").set_comment("\0");
            },
            format!("op #2 (alter_column t.a): comment of column a of table t {tail}"),
        ),
        (
            &|op| {
                op.add_check("t", "c", "a <> '\0'");
            },
            format!("op #2 (add check constraint c on t): expression of check constraint c {tail}"),
        ),
        (
            &|op| {
                op.create_index("t", ["a"]).where_sql("a <> '\0'");
            },
            format!("op #2 (create_index ix_t_a on t): predicate of index ix_t_a {tail}"),
        ),
        (
            &|op| {
                op.create_enum("e", ["ok", "n\0"]);
            },
            "op #2 (create_enum e): identifier \"n\\0\" contains a NUL byte".to_owned(),
        ),
    ];
    for (build, want) in cases {
        assert_eq!(refused(build), want);
    }
    // In create_table too, for the table's and the columns' texts.
    let mut op = Ops::new();
    op.create_table("t", |t| {
        t.column::<String>("a");
        t.comment("\0");
    });
    assert_eq!(
        Schema::replay(op.ops()).unwrap_err().to_string(),
        format!("op #1 (create_table t): comment of table t {tail}")
    );
}

// ---------------------------------------------------------------------------
// Generated names.

/// `(kind, parts)` → the default name the builder gives.
fn default_names(table: &str, columns: &[String]) -> [String; 3] {
    let cols: Vec<&str> = columns.iter().map(String::as_str).collect();
    let with = |prefix: &[&str], suffix: &[&str]| {
        let parts: Vec<&str> = prefix
            .iter()
            .copied()
            .chain(cols.iter().copied())
            .chain(suffix.iter().copied())
            .collect();
        generated_name(&parts)
    };
    [
        with(&["ix", table], &[]),
        with(&[table], &["key"]),
        with(&[table], &["fkey"]),
    ]
}

fn long_table() -> impl Strategy<Value = String> {
    long(40, 70).prop_map(|s| cut(s, MAX_IDENT_LEN))
}

/// Two column lists: random, or the same but for their last bytes (so
/// that the full names share their first 63 bytes).
fn column_lists() -> impl Strategy<Value = (Vec<String>, Vec<String>)> {
    let list = prop::collection::vec(valid_name(), 1..4);
    prop_oneof![
        (list.clone(), list.clone()),
        (list, select(FILL)).prop_map(|(a, f)| {
            let mut b = a.clone();
            let last = b.last_mut().expect("a list has a column");
            *last = cut(format!("{last}{f}"), MAX_IDENT_LEN);
            if *last == a[a.len() - 1] {
                last.pop();
                last.push_str(if f == "x" { "Q" } else { "x" });
            }
            (a, b)
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Different column lists on long tables give different default
    /// names, each a valid identifier of at most 63 bytes; a name that fits
    /// is PostgreSQL's own, a longer one keeps its first bytes.
    #[test]
    fn generated_names_never_collide(table in long_table(), (a, b) in column_lists()) {
        prop_assume!(a.join("_") != b.join("_"));
        let (na, nb) = (default_names(&table, &a), default_names(&table, &b));
        for (x, y) in na.iter().zip(&nb) {
            prop_assert_ne!(x, y);
            for n in [x, y] {
                prop_assert!(check_ident(n).is_ok(), "{:?}", n);
            }
        }
        let full = format!("ix_{table}_{}", a.join("_"));
        if full.len() <= MAX_IDENT_LEN {
            prop_assert_eq!(&na[0], &full);
        } else {
            let kept = &na[0][..na[0].len() - 9];
            prop_assert!(full.starts_with(kept) && kept.len() >= MAX_IDENT_LEN - 12);
        }
    }

    /// Primary keys of different tables get different default names.
    #[test]
    fn primary_key_names_never_collide(a in long_table(), b in long_table()) {
        prop_assume!(a != b);
        prop_assert_ne!(generated_name(&[&a, "pkey"]), generated_name(&[&b, "pkey"]));
    }
}

/// A table and two columns whose default index names share their first 63
/// bytes: the generated names differ (a hash of the full name ends them),
/// PostgreSQL keeps both as written, and the same names given explicitly
/// are refused rather than truncated into one by PostgreSQL.
#[tokio::test]
async fn long_names_sharing_63_bytes_stay_distinct() {
    let table = format!("Tâble {}", "é".repeat(22)); // 51 bytes
    let child = format!("Child {}", "é".repeat(25)); // 56 bytes
    let c1 = format!("{}_1", "ç".repeat(20));
    let c2 = format!("{}_2", "ç".repeat(20));
    let ix = |c: &str| format!("ix_{table}_{c}");
    assert!(ix(&c1).len() > 64 && ix(&c1).as_bytes()[..63] == ix(&c2).as_bytes()[..63]);

    let mut op = Ops::new();
    op.create_table(table.as_str(), |t| {
        t.column::<i64>(c1.as_str()).primary_key();
        t.column::<i64>(c2.as_str()).unique();
    });
    op.create_index(table.as_str(), [c1.as_str()]);
    op.create_index(table.as_str(), [c2.as_str()]);
    op.add_unique(table.as_str(), [c1.as_str(), c2.as_str()]);
    op.create_table(child.as_str(), |t| {
        t.column::<i64>(c1.as_str())
            .references(table.as_str(), c1.as_str());
        t.column::<i64>(c2.as_str())
            .references(table.as_str(), c2.as_str());
    });
    let ops = op.into_ops();
    let schema = Schema::replay(&ops).expect("generated names are distinct");
    let names: Vec<String> = schema.indexes().map(|i| i.name.clone()).collect();
    assert_eq!(names.len(), 2);
    assert_ne!(names[0], names[1]);
    assert!(names.iter().all(|n| n.len() <= 63));

    let mut db = TestDb::new().await;
    let mut model = Schema::new();
    run_ops(&mut db.client, &mut model, &ops).await.unwrap();
    assert_matches(&db, &model, "with long generated names").await;
    let mut want: BTreeSet<String> = names.into_iter().collect();
    for t in model.tables() {
        want.insert(t.name.name.clone());
        for c in &t.constraints {
            if matches!(
                c,
                migrator_core::ops::Constraint::PrimaryKey(_)
                    | migrator_core::ops::Constraint::Unique(_)
            ) {
                want.insert(c.name().to_owned());
            }
        }
    }
    let relations: BTreeSet<String> = db
        .client
        .query(
            "SELECT relname::text FROM pg_class
             WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'i')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(relations, want);
    let model_constraints: BTreeSet<String> = model
        .tables()
        .flat_map(|t| t.constraints.iter().map(|c| c.name().to_owned()))
        .collect();
    assert_eq!(model_constraints.len(), 5);
    let constraints: BTreeSet<String> = db
        .client
        .query(
            "SELECT conname::text FROM pg_constraint
             WHERE connamespace = 'public'::regnamespace",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(constraints, model_constraints);

    // Given explicitly, the two long names are refused by the model...
    let mut op = Ops::new();
    op.create_index(table.as_str(), [c1.as_str()])
        .named(ix(&c1));
    let err = model.clone().apply_all(op.ops()).unwrap_err();
    assert!(
        err.to_string()
            .contains("PostgreSQL truncates names to 63 bytes"),
        "{err}"
    );
    // ...because PostgreSQL would cut both to the same 63 bytes.
    for c in [&c1, &c2] {
        let sql = format!(
            "CREATE INDEX {} ON {} ({})",
            quote_ident(&ix(c)),
            quote_ident(&table),
            quote_ident(c)
        );
        let result = db.client.batch_execute(&sql).await;
        if c == &c2 {
            let e = result.unwrap_err();
            assert_eq!(e.code().map(|c| c.code()), Some("42P07"), "{e}");
        } else {
            result.unwrap();
        }
    }
}

/// An adversarial pair of column names whose long default index names
/// collide, hash included: the model refuses the second index by name,
/// before PostgreSQL sees it.
#[test]
fn a_hash_collision_is_refused_not_merged() {
    let table = "t".repeat(50);
    let mut seen: HashMap<String, String> = HashMap::new();
    let (c1, c2) = (0u32..)
        .find_map(|i| {
            let column = format!("col_{i:08}");
            let name = generated_name(&["ix", &table, &column]);
            seen.insert(name, column.clone())
                .map(|other| (other, column))
        })
        .expect("a 32-bit hash collides within a few hundred thousand names");
    let name = generated_name(&["ix", &table, &c1]);
    assert_eq!(name, generated_name(&["ix", &table, &c2]));
    let mut op = Ops::new();
    op.create_table(table.as_str(), |t| {
        t.column::<i64>(c1.as_str());
        t.column::<i64>(c2.as_str());
    });
    op.create_index(table.as_str(), [c1.as_str()]);
    op.create_index(table.as_str(), [c2.as_str()]);
    let err = Schema::replay(op.ops()).unwrap_err();
    assert_eq!(err.index, 2);
    assert_eq!(
        err.source,
        ValidationError::NameTaken {
            kind: "index",
            name,
            schema: "public".into()
        }
    );
}

/// Column lists that join to the same string (`a_b` and `a`, `b`) give the
/// same default name, as in PostgreSQL; the model refuses the second index.
#[test]
fn ambiguous_column_lists_are_refused() {
    let mut op = Ops::new();
    op.create_table("t", |t| {
        t.column::<i64>("a");
        t.column::<i64>("b");
        t.column::<i64>("a_b");
    });
    op.create_index("t", ["a", "b"]);
    op.create_index("t", ["a_b"]);
    let err = Schema::replay(op.ops()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "op #3 (create_index ix_t_a_b on t): index ix_t_a_b already exists in schema public"
    );
}

// ---------------------------------------------------------------------------
// No panics on arbitrary strings.

/// Characters that matter to the scanner and the quoting functions.
const SQL_CHARS: &[&str] = &[
    "'", "\"", "\\", "$", "$$", "$a$", "-", "--", "/", "/*", "*/", "*", ":", "::", "(", ")", ".",
    " ", "\n", "E", "e", "x", "a", "A", "_", "0", "é", "\u{301}", "😀", "\0", "@", "?", "=", "&",
    "%", "%4", "%40", "#",
];

fn arbitrary() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<char>(), 0..40).prop_map(String::from_iter),
        prop::collection::vec(any::<u8>(), 0..48)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        prop::collection::vec(select(SQL_CHARS), 0..24).prop_map(|p| p.concat()),
    ]
}

/// The inverse of `quote_ident`.
fn unquote_ident(q: &str) -> Option<String> {
    Some(
        q.strip_prefix('"')?
            .strip_suffix('"')?
            .replace("\"\"", "\""),
    )
}

/// The inverse of `quote_literal`.
fn unquote_literal(q: &str) -> Option<String> {
    match q.strip_prefix('E') {
        Some(e) => Some(
            e.strip_prefix('\'')?
                .strip_suffix('\'')?
                .replace("''", "'")
                .replace("\\\\", "\\"),
        ),
        None => Some(q.strip_prefix('\'')?.strip_suffix('\'')?.replace("''", "'")),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// `check_ident`, `quote_ident`, `quote_literal`, `generated_name`,
    /// `redact` and the model's expression scanner (through `drop_column`
    /// and `rename_column` of columns a check and a predicate mention) take
    /// any string without panicking, and the first four do what they say.
    #[test]
    fn string_functions_never_panic(s in arbitrary(), s2 in arbitrary()) {
        let refused = s.is_empty() || s.contains('\0') || s.len() > MAX_IDENT_LEN;
        prop_assert_eq!(check_ident(&s).is_err(), refused);
        prop_assert_eq!(unquote_ident(&quote_ident(&s)), Some(s.clone()));
        let literal = quote_literal(&s);
        prop_assert_eq!(unquote_literal(&literal), Some(s.clone()));
        prop_assert_eq!(literal.starts_with('E'), s.contains('\\'));
        let generated = generated_name(&["ix", &s, &s2]);
        prop_assert!(generated.len() <= MAX_IDENT_LEN);
        let _ = redact(&s);
        let _ = redact(&format!("postgres://{s}@{s2}"));
        let _ = redact(&format!("host={s} password={s2}"));

        let mut op = Ops::new();
        op.create_table("t", |t| {
            t.column::<String>("a");
            t.column::<String>("b");
            t.check("c", s.as_str());
        });
        op.create_index("t", ["b"]).where_sql(s2.as_str());
        if let Ok(base) = Schema::replay(op.ops()) {
            let mut edits = Ops::new();
            edits.drop_column("t", "a");
            edits.drop_column("t", "b");
            edits.rename_column("t", "a", "z\"");
            edits.rename_column("t", "b", &s2);
            for edit in edits.ops() {
                let _ = base.clone().apply(edit);
            }
        }
    }
}

/// Renaming a column named like a keyword leaves the keyword alone: the
/// expression scanner never reads an unquoted keyword as a column (found by
/// this suite: `… >= 0 OR "or" = 'x'` once became `… >= 0 "z" "z" = 'x'`).
#[tokio::test]
async fn renaming_a_column_named_like_a_keyword() {
    let mut op = Ops::new();
    op.create_table("t", |t| {
        t.column::<String>("or");
        t.check("c", "char_length(\"or\") >= 0 OR \"or\" = 'x'");
    });
    op.rename_column("t", "or", "z");
    let mut db = TestDb::new().await;
    let mut model = Schema::new();
    run_ops(&mut db.client, &mut model, op.ops()).await.unwrap();
    assert_matches(&db, &model, "after renaming column \"or\"").await;
}
