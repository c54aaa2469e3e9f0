//! The Rust source autogenerate writes (`ops::rust_source`) compiles and
//! records exactly the ops it was made from: for random schemas (hostile
//! names included) and the diffs between them, the source of each op list
//! goes into one program, built once by trybuild, whose `main` compares what
//! each function records with the ops printed here.

use migrator_core::ops::{Op, rust_source};
use migrator_core::schema::{Schema, diff};
use migrator_tests::random_ops::random_ops;

/// A deterministic stream of choices (xorshift), so the case is the same
/// on every run.
fn stream(seed: u32, len: usize) -> Vec<u32> {
    let mut x = seed.max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        })
        .collect()
}

fn cases() -> Vec<Vec<Op>> {
    let mut out = Vec::new();
    for seed in 1..=40u32 {
        let first = Schema::replay(&random_ops(&stream(seed, 300), 15, &Schema::new())).unwrap();
        let mut second = first.clone();
        second
            .apply_all(&random_ops(&stream(seed + 1000, 300), 15, &first))
            .unwrap();
        // Everything from nothing, and the diffs both ways.
        out.push(diff(&Schema::new(), &second).unwrap());
        out.extend(diff(&first, &second));
        out.extend(diff(&second, &first));
    }
    out.push(exclusions());
    out.retain(|ops| !ops.is_empty());
    out
}

/// Exclusion constraints with every option, on a new table and an
/// existing one (the random generator does not make them).
fn exclusions() -> Vec<Op> {
    use migrator_core::prelude::*;
    let mut op = Ops::new();
    op.create_extension("btree_gist");
    op.create_table("slots", |t| {
        t.column::<i32>("room");
        t.column_as("during", ColumnType::Custom("tsrange".into()));
        t.column::<Option<String>>("note");
        t.exclude([("room", "="), ("during", "&&")])
            .include(["note"])
            .with("fillfactor", "80")
            .where_sql("room > 0")
            .initially_deferred();
    });
    op.add_exclusion(
        "slots",
        [
            (IndexKey::column("note").collate("C"), "="),
            (IndexKey::expr("lower(during)"), "="),
        ],
    )
    .named("slots_note_lower")
    .deferrable();
    op.add_exclusion("slots", [(IndexKey::column("room").desc(), "=")])
        .using(IndexMethod::BTree);
    op.into_ops()
}

#[test]
fn the_source_records_the_ops_it_was_written_from() {
    let cases = cases();
    assert!(cases.len() >= 100, "{} cases", cases.len());
    let kinds: std::collections::BTreeSet<String> = cases
        .iter()
        .flatten()
        .map(|o| {
            o.describe()
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    // The cases reach most kinds of op (the generator's own coverage test
    // says which it draws).
    assert!(kinds.len() >= 12, "{kinds:?}");
    let mut program = String::from("use migrator_core::prelude::*;\n\n");
    let mut checks = String::new();
    for (i, ops) in cases.iter().enumerate() {
        let body = rust_source(ops).expect("no data steps in a diff");
        let body: String = body.lines().map(|l| format!("    {l}\n")).collect();
        program.push_str(&format!("fn case_{i}(op: &mut Ops) {{\n{body}}}\n\n"));
        checks.push_str(&format!("    check(case_{i}, {:?});\n", format!("{ops:?}")));
    }
    program.push_str(&format!(
        "fn check(f: fn(&mut Ops), expected: &str) {{\n    \
             let mut op = Ops::new();\n    \
             f(&mut op);\n    \
             assert_eq!(format!(\"{{:?}}\", op.ops()), expected);\n\
         }}\n\n\
         fn main() {{\n{checks}}}\n"
    ));
    let dir = std::env::temp_dir().join(format!("migrator_source_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("generated_source.rs");
    std::fs::write(&file, program).unwrap();
    trybuild::TestCases::new().pass(&file);
}
