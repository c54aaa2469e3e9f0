//! Property: random sequences of reversible ops, applied and then undone by
//! their derived inverses in reverse order, give back the starting schema —
//! in the model always, and on a real PostgreSQL for a sample of sequences.

use migrator_core::engine::Engine;
use migrator_core::ops::invert_all;
use migrator_core::schema::Schema;
use migrator_tests::catalog::assert_matches;
use migrator_tests::db::TestDb;
use migrator_tests::exec::run_ops;
use migrator_tests::random_ops::{random_ops, random_rows};
use proptest::prelude::*;

/// An empty model of one of `engines`, drawn from the stream: blocks for
/// one engine replay onto a model of theirs, and the generator draws what
/// one engine has only bare on an engine-neutral one.
fn empty(stream: &[u32], engines: &[Option<Engine>]) -> Schema {
    let drawn = stream.iter().fold(0u32, |a, x| a.rotate_left(7) ^ x);
    let engine = engines[drawn as usize % engines.len()];
    engine.map_or_else(Schema::new, Schema::for_engine)
}

/// Every model: engine-neutral, PostgreSQL's and SQLite's.
const ANY: &[Option<Engine>] = &[None, Some(Engine::Postgres), Some(Engine::Sqlite)];
/// The models PostgreSQL runs: engine-neutral and its own.
const POSTGRES: &[Option<Engine>] = &[None, Some(Engine::Postgres)];

/// A random starting schema and a random sequence of ops on top of it.
fn case(
    stream: &[u32],
    base: usize,
    steps: usize,
    engines: &[Option<Engine>],
) -> (Schema, Vec<migrator_core::ops::Op>) {
    let (head, tail) = stream.split_at(stream.len() / 2);
    let mut start = empty(stream, engines);
    start
        .apply_all(&random_ops(head, base, &start.clone()))
        .expect("generated base is valid");
    let ops = random_ops(tail, steps, &start);
    (start, ops)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn model_round_trips(stream in prop::collection::vec(any::<u32>(), 0..400), base in 0usize..20, steps in 1usize..30) {
        let (start, ops) = case(&stream, base, steps, ANY);
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
        let (start, ops) = case(&stream, base, steps, POSTGRES);
        let base_ops = random_ops(&stream[..stream.len() / 2], base, &empty(&stream, POSTGRES));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let mut db = TestDb::new().await;
            let mut schema = empty(&stream, POSTGRES);
            let listing = |ops: &[migrator_core::ops::Op]| ops.iter().map(|o| format!("\n  {o:?}")).collect::<String>();
            run_ops(&mut db.client, &mut schema, &base_ops).await.unwrap_or_else(|e| panic!("base: {e}"));
            assert_eq!(schema, start);
            // Rows of every type put in and taken out again (bulk_insert).
            let rows = random_rows(&stream, &start);
            run_ops(&mut db.client, &mut schema, &rows)
                .await
                .unwrap_or_else(|e| panic!("rows: {e}\nbase:{}\nrows:{}", listing(&base_ops), listing(&rows)));
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
/// of streams it yields many ops of many kinds (those inside blocks for one
/// engine counted too), and the options of each kind.
#[test]
fn the_generator_covers_the_ops() {
    fn kinds_of(op: &migrator_core::ops::Op, kinds: &mut std::collections::BTreeSet<String>) {
        let describe = op.describe();
        let kind = describe.split(' ').next().unwrap_or_default();
        kinds.insert(kind.to_owned());
        if let migrator_core::ops::Op::OnEngine(block) = op {
            kinds.insert(format!("{describe:.13}"));
            for inner in &block.ops {
                kinds_of(inner, kinds);
            }
        }
    }
    let mut kinds = std::collections::BTreeSet::new();
    let mut listing = String::new();
    let (mut total, mut inserts) = (0, 0);
    for seed in 0..200u32 {
        let stream: Vec<u32> = (0..400u32)
            .map(|i| {
                i.wrapping_mul(2_654_435_761)
                    .wrapping_add(seed.wrapping_mul(40_503))
                    .rotate_left(seed % 31)
            })
            .collect();
        let (start, ops) = case(&stream, 10, 25, ANY);
        total += ops.len();
        inserts += random_rows(&stream, &start)
            .iter()
            .filter(|o| matches!(o, migrator_core::ops::Op::BulkInsert(_)))
            .count();
        for op in &ops {
            kinds_of(op, &mut kinds);
            listing.push_str(&format!("{op:?}\n"));
        }
    }
    assert!(total > 2000, "only {total} ops generated");
    assert!(inserts > 200, "only {inserts} bulk inserts for the bases");
    assert!(kinds.len() >= 15, "only these kinds of ops: {kinds:?}");
    for kind in [
        "create_view",
        "rename_view",
        "drop_view",
        "create_materialized_view",
        "drop_materialized_view",
        "refresh_materialized_view",
        "create_sequence",
        "alter_sequence",
        "rename_sequence",
        "drop_sequence",
        "create_function",
        "drop_function",
        "create_trigger",
        "drop_trigger",
        "on PostgreSQL",
        "on SQLite: cr",
    ] {
        assert!(kinds.contains(kind), "no {kind} among {kinds:?}");
    }
    for option in [
        "AddKeyUsingIndex(",
        "kind: PrimaryKey",
        "opclass: Some",
        "nulls: Some",
        "nulls_not_distinct: true",
        "with: [(",
        "deferrable: Some",
        "collation: Some",
        "Add(ByDefault, SequenceOptions { start: Some",
        "drop_expression: true",
        "or_replace: true",
        "Update([\"",
        "Exclusion(Exclusion",
        "owned_by: Some(Some(",
        "owned_by: Some(None)",
        "identity_options: Some(SequenceChange",
    ] {
        assert!(listing.contains(option), "no op with {option}");
    }
}
