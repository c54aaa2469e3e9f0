//! Times building a revision graph and planning on it, for generated graphs
//! of 1,000 and 10,000 revisions, linear and with branches, merges and
//! dependencies. Prints the median of several runs; asserts nothing.
//!
//! ```text
//! cargo run --release -p migrator-core --example graph_bench
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use migrator_core::graph::{Graph, RevisionInfo};

const RUNS: usize = 9;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
}

/// Alembic-like ids: 12 hex digits, unrelated to creation order.
fn id(i: usize) -> String {
    format!(
        "{:012x}",
        (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 16
    )
}

fn linear(n: usize) -> Vec<RevisionInfo> {
    (0..n)
        .map(|i| {
            let rev = RevisionInfo::new(id(i)).message(format!("revision {i}"));
            if i == 0 { rev } else { rev.parent(id(i - 1)) }
        })
        .collect()
}

/// Mostly linear work on a few open branches: new branches fork off recent
/// revisions, open branches get merged, a few revisions depend on another
/// branch, and now and then a new base appears.
fn branchy(n: usize) -> Vec<RevisionInfo> {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut tips: Vec<usize> = Vec::new();
    let mut revs = Vec::with_capacity(n);
    for i in 0..n {
        let mut rev = RevisionInfo::new(id(i)).message(format!("revision {i}"));
        // Keep a handful of branches open, as real projects do.
        let roll = if tips.len() >= 8 { 15 } else { rng.below(100) };
        if tips.is_empty() || roll < 1 {
            tips.push(i);
        } else if roll < 11 {
            // Fork off one of the last 50 revisions.
            let from = i - 1 - rng.below(i.min(50));
            rev = rev.parent(id(from));
            tips.push(i);
        } else if roll < 21 && tips.len() >= 2 {
            let a = tips.swap_remove(rng.below(tips.len()));
            let b = tips.swap_remove(rng.below(tips.len()));
            rev = rev.parents([id(a), id(b)]);
            tips.push(i);
        } else {
            let t = rng.below(tips.len());
            rev = rev.parent(id(tips[t]));
            tips[t] = i;
        }
        if i > 0 && rng.below(100) < 5 {
            let dep = rng.below(i);
            if !rev.down_revisions.contains(&id(dep)) {
                rev = rev.depends_on(id(dep));
            }
        }
        revs.push(rev);
    }
    revs
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn time<T>(mut f: impl FnMut() -> T) -> Duration {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        black_box(f());
        times.push(start.elapsed());
    }
    median(times)
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    println!("graph_bench: median of {RUNS} runs each");
    println!(
        "{:<8} {:>9} {:>6} {:>7} {:>12} {:>22} {:>22} {:>14}",
        "shape",
        "revisions",
        "heads",
        "merges",
        "build",
        "upgrade base->heads",
        "downgrade heads->base",
        "history all"
    );
    for n in [1_000, 10_000] {
        for (shape, revs) in [("linear", linear(n)), ("branchy", branchy(n))] {
            let graph = Graph::new(revs.clone()).expect("generated graph is valid");
            let build = {
                let mut times = Vec::with_capacity(RUNS);
                for _ in 0..RUNS {
                    let input = revs.clone();
                    let start = Instant::now();
                    black_box(Graph::new(input).expect("valid"));
                    times.push(start.elapsed());
                }
                median(times)
            };
            let none: [&str; 0] = [];
            let up = graph.upgrade(none, "heads").expect("upgrade plans");
            assert_eq!(up.steps.len(), graph.len());
            let upgrade = time(|| graph.upgrade(none, "heads").expect("upgrade plans"));
            let top = up.after.clone();
            let downgrade = time(|| graph.downgrade(&top, "base").expect("downgrade plans"));
            let history = time(|| graph.history(None, none).expect("history lists").len());
            println!(
                "{:<8} {:>9} {:>6} {:>7} {:>12} {:>22} {:>22} {:>14}",
                shape,
                graph.len(),
                graph.heads().len(),
                graph.merge_points().len(),
                ms(build),
                ms(upgrade),
                ms(downgrade),
                ms(history),
            );
        }
    }
}
