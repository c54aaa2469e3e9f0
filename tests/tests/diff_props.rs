//! Property: for random pairs of schemas (one reached from the other by
//! random ops), the diff replays onto the first to give the second — in
//! both directions, in the model always and on a real PostgreSQL for a
//! sample; a schema's diff with itself is empty; and what the diff refuses
//! is only what no op can do, with the recipe to write by hand.

use migrator_core::engine::Engine;
use migrator_core::ops::Op;
use migrator_core::schema::{Schema, diff};
use migrator_tests::catalog::assert_matches;
use migrator_tests::db::TestDb;
use migrator_tests::exec::run_ops;
use migrator_tests::random_ops::{random_ops, random_rows};
use proptest::prelude::*;

/// An empty model, engine-neutral or PostgreSQL's (drawn from the stream):
/// on the second the generator draws blocks for one engine.
fn empty(stream: &[u32]) -> Schema {
    match stream.iter().fold(0u32, |a, x| a.rotate_left(7) ^ x) % 2 {
        0 => Schema::new(),
        _ => Schema::for_engine(Engine::Postgres),
    }
}

/// Two schemas: a random one, and the same after more random ops.
fn pair(stream: &[u32], base: usize, steps: usize) -> (Vec<Op>, Schema, Schema) {
    let (head, tail) = stream.split_at(stream.len() / 2);
    let base_ops = random_ops(head, base, &empty(stream));
    let mut first = empty(stream);
    first.apply_all(&base_ops).expect("generated base is valid");
    let mut second = first.clone();
    second
        .apply_all(&random_ops(tail, steps, &first))
        .expect("generated ops are valid");
    (base_ops, first, second)
}

/// The diff from `from` to `to`, checked in the model; `None` when it
/// refuses (with reasons no op can express).
fn checked_diff(from: &Schema, to: &Schema) -> Option<Vec<Op>> {
    match diff(from, to) {
        Ok(ops) => {
            let mut now = from.clone();
            now.apply_all(&ops).unwrap_or_else(|e| {
                panic!("the diff does not replay: {e}\nops: {ops:#?}\nfrom: {from:#?}\nto: {to:#?}")
            });
            assert_eq!(
                now.normalized(),
                to.normalized(),
                "the diff gives another schema\nops: {ops:#?}"
            );
            assert_eq!(diff(&now, to), Ok(vec![]), "a second diff is not empty");
            Some(ops)
        }
        Err(e) => {
            for change in &e.changes {
                assert!(
                    (change.starts_with("enum ") || change.starts_with("column "))
                        && change.contains("Write it by hand"),
                    "a refusal that names no recipe: {change}"
                );
            }
            None
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_diff_gives_the_target_both_ways(stream in prop::collection::vec(any::<u32>(), 0..400), base in 0usize..20, steps in 1usize..30) {
        let (_, first, second) = pair(&stream, base, steps);
        prop_assert_eq!(diff(&first, &first), Ok(vec![]));
        checked_diff(&first, &second);
        checked_diff(&second, &first);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn postgres_reaches_the_target(stream in prop::collection::vec(any::<u32>(), 100..400), base in 0usize..15, steps in 5usize..25) {
        let (base_ops, first, second) = pair(&stream, base, steps);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            for (from, to) in [(&first, &second), (&second, &first)] {
                let Some(ops) = checked_diff(from, to) else { continue };
                let mut db = TestDb::new().await;
                let mut schema = empty(&stream);
                run_ops(&mut db.client, &mut schema, &base_ops).await.unwrap_or_else(|e| panic!("base: {e}"));
                // Rows of every type put in and taken out again (bulk_insert).
                run_ops(&mut db.client, &mut schema, &random_rows(&stream, &first))
                    .await
                    .unwrap_or_else(|e| panic!("rows: {e}"));
                if from == &second {
                    // Going back may be possible where going there is not
                    // (an enum value added one way is refused removed the
                    // other): then there is nothing to check this way.
                    let Ok(forward) = diff(&first, &second) else { continue };
                    run_ops(&mut db.client, &mut schema, &forward).await.unwrap_or_else(|e| panic!("forward: {e}"));
                }
                run_ops(&mut db.client, &mut schema, &ops)
                    .await
                    .unwrap_or_else(|e| panic!("the diff fails on PostgreSQL: {e}\nops: {ops:#?}"));
                assert_matches(&db, to, "after the diff").await;
            }
        });
    }
}
