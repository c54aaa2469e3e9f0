//! Property: random sequences of reversible ops, applied and then undone by
//! their derived inverses in reverse order, give back the starting schema —
//! in the model always, and on a real PostgreSQL for a sample of sequences.

use migrator_core::ops::invert_all;
use migrator_core::schema::Schema;
use migrator_tests::catalog::assert_matches;
use migrator_tests::db::TestDb;
use migrator_tests::exec::run_ops;
use migrator_tests::random_ops::random_ops;
use proptest::prelude::*;

/// A random starting schema and a random sequence of ops on top of it.
fn case(stream: &[u32], base: usize, steps: usize) -> (Schema, Vec<migrator_core::ops::Op>) {
    let (head, tail) = stream.split_at(stream.len() / 2);
    let start =
        Schema::replay(&random_ops(head, base, &Schema::new())).expect("generated base is valid");
    let ops = random_ops(tail, steps, &start);
    (start, ops)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn model_round_trips(stream in prop::collection::vec(any::<u32>(), 0..400), base in 0usize..20, steps in 1usize..30) {
        let (start, ops) = case(&stream, base, steps);
        let mut end = start.clone();
        end.apply_all(&ops).expect("generated ops are valid");
        let undo = invert_all(&ops, &start).expect("generated ops are reversible");
        let mut back = end.clone();
        back.apply_all(&undo).unwrap_or_else(|e| panic!("an inverse does not apply: {e}\nops: {ops:#?}\nundo: {undo:#?}"));
        prop_assert_eq!(back.normalized(), start.normalized());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn postgres_round_trips(stream in prop::collection::vec(any::<u32>(), 100..400), base in 0usize..15, steps in 5usize..25) {
        let (start, ops) = case(&stream, base, steps);
        let base_ops = random_ops(&stream[..stream.len() / 2], base, &Schema::new());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let mut db = TestDb::new().await;
            let mut schema = Schema::new();
            run_ops(&mut db.client, &mut schema, &base_ops).await.unwrap_or_else(|e| panic!("base: {e}"));
            assert_eq!(schema, start);
            let listing = |ops: &[migrator_core::ops::Op]| ops.iter().map(|o| format!("\n  {o:?}")).collect::<String>();
            run_ops(&mut db.client, &mut schema, &ops)
                .await
                .unwrap_or_else(|e| panic!("ops: {e}\nbase:{}\nops:{}", listing(&base_ops), listing(&ops)));
            assert_matches(&db, &schema, "after the ops").await;
            let undo = invert_all(&ops, &start).expect("generated ops are reversible");
            run_ops(&mut db.client, &mut schema, &undo)
                .await
                .unwrap_or_else(|e| panic!("undo: {e}\nbase:{}\nops:{}\nundo:{}", listing(&base_ops), listing(&ops), listing(&undo)));
            assert_matches(&db, &start, "after undoing them").await;
        });
    }
}

/// The generator must produce real work, not empty lists: across a fixed set
/// of streams it yields many ops of many kinds.
#[test]
fn the_generator_covers_the_ops() {
    let mut kinds = std::collections::BTreeSet::new();
    let mut total = 0;
    for seed in 0..200u32 {
        let stream: Vec<u32> = (0..400u32)
            .map(|i| {
                i.wrapping_mul(2_654_435_761)
                    .wrapping_add(seed.wrapping_mul(40_503))
                    .rotate_left(seed % 31)
            })
            .collect();
        let (_, ops) = case(&stream, 10, 25);
        total += ops.len();
        for op in &ops {
            kinds.insert(
                op.describe()
                    .split(' ')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
    }
    assert!(total > 2000, "only {total} ops generated");
    assert!(kinds.len() >= 15, "only these kinds of ops: {kinds:?}");
    for kind in ["create_view", "rename_view", "drop_view"] {
        assert!(kinds.contains(kind), "no {kind} among {kinds:?}");
    }
}
