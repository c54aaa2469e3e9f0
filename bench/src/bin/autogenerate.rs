//! The cost of `revision --autogenerate` (and of the models part of
//! `check`) on an application with N revisions, in process:
//!
//! ```sh
//! cargo run --release -p migrator-bench --bin autogenerate            # N = 100, 1,000, 5,000; 7 runs
//! cargo run --release -p migrator-bench --bin autogenerate -- 1000 15 # N = 1,000; 15 runs
//! ```
//!
//! The revisions are the main benchmark's W(N) (each creates a table of
//! five columns with an index; every 10th also adds a column to an earlier
//! table); the models are the same schema with one column more. Each run
//! does what autogenerate does: replay every revision onto the model
//! (`Migrations::schema_at`, without checksums), build the models' schema,
//! diff the two, and write the ops as source. Printed: the median of the
//! runs for each phase, and the total's min and max.

use std::time::Instant;

use migrator_core::ops::{ColumnOptions, Op, OpBuilder, Ops, rust_source};
use migrator_core::schema::{Schema, diff};
use migrator_core::types::ColumnType;

fn table(i: usize) -> String {
    format!("t_{i:05}")
}

/// The ops of revision `i` of W(N).
fn revision(i: usize) -> Vec<Op> {
    let mut op = Ops::new();
    let t = table(i);
    op.create_table(t.as_str(), |t| {
        t.column_as("id", ColumnType::BigSerial).primary_key();
        t.column::<String>("name");
        t.column_as("created_at", ColumnType::TimestampTz)
            .default_sql("now()");
        t.column_as("amount", ColumnType::numeric(10, 2)).nullable();
        t.column::<Option<i64>>("ref_id");
    });
    op.create_index(t.as_str(), ["name"]);
    if i.is_multiple_of(10) {
        op.add_column::<Option<String>>(table(i - 5), format!("extra_{i:05}"));
    }
    op.into_ops()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let ns: Vec<usize> = match args.first() {
        Some(n) => vec![n.parse().expect("N is a number")],
        None => vec![100, 1_000, 5_000],
    };
    let runs: usize = args
        .get(1)
        .map_or(7, |r| r.parse().expect("runs is a number"));
    println!(
        "| N | replay (ms) | models (ms) | diff (ms) | source (ms) | total (ms), median | min–max |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for n in ns {
        let revisions: Vec<Vec<Op>> = (1..=n).map(revision).collect();
        let mut model_ops: Vec<Op> = revisions.iter().flatten().cloned().collect();
        let mut change = Ops::new();
        change.add_column::<Option<String>>(table(n), "note");
        model_ops.extend(change.into_ops());
        let (mut replay, mut models, mut diffing, mut source, mut total) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            let started = Instant::now();
            let mut current = Schema::new();
            for ops in &revisions {
                current.apply_all(ops).expect("W(N) replays");
            }
            let t1 = Instant::now();
            let target = Schema::replay(&model_ops).expect("the models replay");
            let t2 = Instant::now();
            let ops = diff(&current, &target).expect("a diff");
            let t3 = Instant::now();
            let text = rust_source(&ops).expect("source");
            let t4 = Instant::now();
            assert_eq!(ops.len(), 1, "one column more");
            assert!(text.contains("\"note\""));
            let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1000.0;
            replay.push(ms(started, t1));
            models.push(ms(t1, t2));
            diffing.push(ms(t2, t3));
            source.push(ms(t3, t4));
            total.push(ms(started, t4));
        }
        let (lo, hi) = total
            .iter()
            .fold((f64::MAX, 0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
        println!(
            "| {n} | {:.2} | {:.2} | {:.2} | {:.3} | {:.2} | {lo:.2}–{hi:.2} |",
            median(replay),
            median(models),
            median(diffing),
            median(source),
            median(total)
        );
    }
}
