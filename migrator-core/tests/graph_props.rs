//! Property tests for the planner over random DAGs, and a fuzz test that no
//! target string panics the parser or the resolver.

use std::collections::{BTreeMap, BTreeSet};

use migrator_core::graph::{Direction, Graph, GraphError, Plan, RevisionInfo, Target};
use proptest::prelude::*;

/// An independent model of a generated graph: parents and dependencies by id.
struct Model {
    revs: Vec<RevisionInfo>,
    /// id → parents through `down_revisions` and `depends_on`.
    all_parents: BTreeMap<String, Vec<String>>,
    /// id → children through `down_revisions` only.
    children: BTreeMap<String, Vec<String>>,
}

impl Model {
    fn new(revs: Vec<RevisionInfo>) -> Self {
        let mut all_parents = BTreeMap::new();
        let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in &revs {
            let mut ps = r.down_revisions.clone();
            ps.extend(r.depends_on.iter().cloned());
            all_parents.insert(r.id.clone(), ps);
            children.entry(r.id.clone()).or_default();
            for p in &r.down_revisions {
                children.entry(p.clone()).or_default().push(r.id.clone());
            }
        }
        Model {
            revs,
            all_parents,
            children,
        }
    }

    fn ids(&self) -> BTreeSet<String> {
        self.all_parents.keys().cloned().collect()
    }

    /// `id` and everything it stands on, through every edge.
    fn closure(&self, ids: &BTreeSet<String>) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut stack: Vec<String> = ids.iter().cloned().collect();
        while let Some(v) = stack.pop() {
            if out.insert(v.clone()) {
                stack.extend(self.all_parents[&v].iter().cloned());
            }
        }
        out
    }

    /// Strictly above `id` through `down_revisions`.
    fn above(&self, id: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut stack = self.children[id].clone();
        while let Some(v) = stack.pop() {
            if out.insert(v.clone()) {
                stack.extend(self.children[&v].iter().cloned());
            }
        }
        out
    }

    /// The applied revisions nothing applied stands on: the version table.
    fn rows(&self, applied: &BTreeSet<String>) -> BTreeSet<String> {
        let mut rows = applied.clone();
        for a in applied {
            for p in &self.all_parents[a] {
                rows.remove(p);
            }
        }
        rows
    }

    fn is_closed(&self, applied: &BTreeSet<String>) -> bool {
        applied
            .iter()
            .all(|a| self.all_parents[a].iter().all(|p| applied.contains(p)))
    }

    /// Runs `plan` against `applied`: every step applies or undoes a revision
    /// in a legal order, its change fits the rows, and the rows always equal
    /// the heads of the applied set.
    fn run(&self, plan: &Plan, applied: &mut BTreeSet<String>) -> Result<(), TestCaseError> {
        let mut rows: BTreeSet<String> = plan.before.iter().cloned().collect();
        prop_assert_eq!(&rows, &self.rows(applied));
        for step in &plan.steps {
            prop_assert_eq!(step.direction, plan.direction);
            let id = &step.revision;
            match plan.direction {
                Direction::Up => {
                    prop_assert!(!applied.contains(id), "{} applied twice", id);
                    for p in &self.all_parents[id] {
                        prop_assert!(applied.contains(p), "{} before its parent {}", id, p);
                    }
                    applied.insert(id.clone());
                }
                Direction::Down => {
                    prop_assert!(applied.remove(id), "{} undone but not applied", id);
                    for (c, ps) in &self.all_parents {
                        prop_assert!(
                            !(applied.contains(c) && ps.contains(id)),
                            "{} undone before {} which stands on it",
                            id,
                            c
                        );
                    }
                }
            }
            prop_assert!(
                step.change.apply(&mut rows),
                "{} does not fit {:?}",
                step.change,
                rows
            );
            prop_assert_eq!(&rows, &self.rows(applied), "after {}", step.change);
        }
        prop_assert_eq!(rows.into_iter().collect::<Vec<_>>(), plan.after.clone());
        prop_assert!(self.is_closed(applied));
        Ok(())
    }
}

/// Random DAGs of up to 30 revisions: bases, linear steps, merges of two or
/// three, cross-branch dependencies, ids whose order is not creation order,
/// registered in a shuffled order.
fn dag() -> impl Strategy<Value = Vec<RevisionInfo>> {
    (1usize..30)
        .prop_flat_map(|n| {
            (
                proptest::collection::vec((0u8..20, any::<u32>(), any::<u32>(), any::<u32>()), n),
                any::<u64>(),
            )
        })
        .prop_map(|(nodes, shuffle)| {
            let id = |i: usize| format!("r{:02x}", (i * 37 + 11) % 256);
            let mut revs = Vec::new();
            for (i, &(kind, a, b, c)) in nodes.iter().enumerate() {
                let pick = |x: u32| (x as usize) % i.max(1);
                let mut rev = RevisionInfo::new(id(i));
                let want = match kind {
                    _ if i == 0 => 0,
                    0..=1 => 0,
                    2..=14 => 1,
                    15..=18 => 2,
                    _ => 3,
                };
                let mut parents: Vec<usize> = Vec::new();
                for x in [a, b, c].into_iter().take(want) {
                    let p = pick(x);
                    if !parents.contains(&p) {
                        parents.push(p);
                    }
                }
                for &p in &parents {
                    rev = rev.parent(id(p));
                }
                if i > 0 && c % 5 == 0 {
                    let d = pick(c / 5);
                    if !parents.contains(&d) {
                        rev = rev.depends_on(id(d));
                    }
                }
                revs.push(rev);
            }
            // Deterministic shuffle of the registration order.
            let mut state = shuffle | 1;
            for i in (1..revs.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                revs.swap(i, (state % (i as u64 + 1)) as usize);
            }
            revs
        })
}

fn set(ids: &[String]) -> BTreeSet<String> {
    ids.iter().cloned().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn upgrade_base_to_heads_applies_everything_once_in_edge_order(revs in dag()) {
        let g = Graph::new(revs.clone()).unwrap();
        let m = Model::new(revs);
        let plan = g.upgrade(Vec::<String>::new(), "heads").unwrap();
        let mut applied = BTreeSet::new();
        m.run(&plan, &mut applied)?;
        prop_assert_eq!(&applied, &m.ids());
        prop_assert_eq!(plan.steps.len(), m.revs.len());
        prop_assert_eq!(set(&plan.after), m.rows(&applied));
        prop_assert_eq!(plan.after.clone(), g.version_rows(g.heads()).unwrap());
        // And again: nothing to do, and it says so.
        let again = g.upgrade(&plan.after, "heads").unwrap();
        prop_assert!(again.is_noop() && again.note.is_some());
    }

    #[test]
    fn downgrade_heads_to_base_undoes_exactly_everything(revs in dag()) {
        let g = Graph::new(revs.clone()).unwrap();
        let m = Model::new(revs);
        let top = g.version_rows(g.heads()).unwrap();
        let up = g.upgrade(Vec::<String>::new(), "heads").unwrap();
        let plan = g.downgrade(&top, "base").unwrap();
        let mut applied = m.ids();
        m.run(&plan, &mut applied)?;
        prop_assert!(applied.is_empty());
        prop_assert!(plan.after.is_empty());
        let undone: BTreeSet<&str> = plan.revisions().collect();
        let done: BTreeSet<&str> = up.revisions().collect();
        prop_assert_eq!(undone, done);
        prop_assert_eq!(plan.steps.len(), m.revs.len());
    }

    #[test]
    fn up_down_up_ends_with_everything_applied_once(
        revs in dag(),
        x in any::<prop::sample::Index>(),
        y in any::<prop::sample::Index>(),
        y_is_base in any::<bool>(),
    ) {
        let g = Graph::new(revs.clone()).unwrap();
        let m = Model::new(revs);
        let ids: Vec<String> = m.ids().into_iter().collect();
        let x = x.get(&ids).clone();
        let y = if y_is_base { "base".to_owned() } else { y.get(&ids).clone() };
        let mut net: BTreeMap<String, i32> = BTreeMap::new();
        let mut count = |plan: &Plan| {
            for s in &plan.steps {
                *net.entry(s.revision.clone()).or_default() += match s.direction {
                    Direction::Up => 1,
                    Direction::Down => -1,
                };
            }
        };

        let mut applied = BTreeSet::new();
        let p1 = g.upgrade(Vec::<String>::new(), &x).unwrap();
        m.run(&p1, &mut applied)?;
        count(&p1);
        prop_assert_eq!(&applied, &m.closure(&BTreeSet::from([x.clone()])));

        match g.downgrade(&p1.after, &y) {
            Ok(p2) => {
                prop_assert!(y == "base" || applied.contains(&y));
                let before = applied.clone();
                m.run(&p2, &mut applied)?;
                count(&p2);
                if y == "base" {
                    prop_assert!(applied.is_empty());
                } else {
                    prop_assert!(applied.contains(&y));
                    let above = m.above(&y);
                    prop_assert!(applied.is_disjoint(&above), "something above {} stayed", y);
                    // Only what stands on a revision above y went.
                    for gone in before.difference(&applied) {
                        let stands_on = m.closure(&BTreeSet::from([gone.clone()]));
                        prop_assert!(!stands_on.is_disjoint(&above), "{} undone needlessly", gone);
                    }
                }
            }
            Err(GraphError::NotApplied { .. }) => prop_assert!(!applied.contains(&y)),
            Err(other) => prop_assert!(false, "unexpected error: {}", other),
        }

        let rows: Vec<String> = m.rows(&applied).into_iter().collect();
        let p3 = g.upgrade(&rows, "heads").unwrap();
        m.run(&p3, &mut applied)?;
        count(&p3);
        prop_assert_eq!(&applied, &m.ids());
        prop_assert!(net.values().all(|&n| n == 1), "net applications: {:?}", net);
        prop_assert_eq!(net.len(), m.revs.len());
    }

    #[test]
    fn any_plan_keeps_the_version_table_at_the_heads_of_the_applied_set(
        revs in dag(),
        start in any::<prop::sample::Index>(),
        target in any::<prop::sample::Index>(),
        form in 0usize..10,
        down in any::<bool>(),
    ) {
        let g = Graph::new(revs.clone()).unwrap();
        let m = Model::new(revs);
        let ids: Vec<String> = m.ids().into_iter().collect();
        let mut applied = m.closure(&BTreeSet::from([start.get(&ids).clone()]));
        let rows: Vec<String> = m.rows(&applied).into_iter().collect();
        let t = target.get(&ids);
        let target = match form {
            0 => t.clone(),
            1 => format!("{t}+1"),
            2 => format!("{t}-1"),
            3 => format!("{t}@head"),
            4 => "+1".to_owned(),
            5 => "-1".to_owned(),
            6 => "heads".to_owned(),
            7 => "base".to_owned(),
            8 => format!("{t}:"),
            _ => format!(":{t}"),
        };
        let plan = if down { g.downgrade(&rows, &target) } else { g.upgrade(&rows, &target) };
        if let Ok(plan) = plan {
            // A range starts from its own start, not from the current rows.
            if !target.contains(':') {
                m.run(&plan, &mut applied)?;
            }
        }
    }

    #[test]
    fn graph_construction_refuses_a_cycle(revs in dag(), a in any::<prop::sample::Index>(), b in any::<prop::sample::Index>()) {
        let m = Model::new(revs.clone());
        let ids: Vec<String> = m.ids().into_iter().collect();
        let (a, b) = (a.get(&ids).clone(), b.get(&ids).clone());
        // Make a depend on b where b already stands on a: a cycle through a and b.
        if m.closure(&BTreeSet::from([b.clone()])).contains(&a) {
            let mut revs = revs;
            let r = revs.iter_mut().find(|r| r.id == a).unwrap();
            if !r.depends_on.contains(&b) && !r.down_revisions.contains(&b) {
                r.depends_on.push(b.clone());
                match Graph::new(revs) {
                    Err(GraphError::Cycle(cycle)) => {
                        prop_assert!(cycle.contains(&a) && cycle.contains(&b), "{:?}", cycle);
                    }
                    other => prop_assert!(false, "expected a cycle, got {:?}", other.map(|g| g.len())),
                }
            }
        }
    }
}

/// A small graph with branches, a merge, labels and a dependency, for the
/// fuzz test to resolve against.
fn fuzz_graph() -> Graph {
    Graph::new([
        RevisionInfo::new("ae1027"),
        RevisionInfo::new("ae10f3").parent("ae1027").label("left"),
        RevisionInfo::new("27c6").parent("ae1027").label("right"),
        RevisionInfo::new("3f47").parents(["ae10f3", "27c6"]),
        RevisionInfo::new("1975").depends_on("right"),
        RevisionInfo::new("8a2c").parent("1975"),
    ])
    .unwrap()
}

/// Arbitrary text, cheap to generate: mostly ASCII, with any Unicode scalar
/// value mixed in (surrogates become U+FFFD).
fn any_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<u32>(), 0..24).prop_map(|codes| {
        codes
            .into_iter()
            .map(|c| {
                let c = if c % 3 == 0 { c % 0x11_0000 } else { c % 0x80 };
                char::from_u32(c).unwrap_or('\u{fffd}')
            })
            .collect()
    })
}

/// Strings made of the target syntax's own pieces, more likely to get deep
/// into the parser than arbitrary text.
fn target_like() -> impl Strategy<Value = String> {
    const PIECES: [&str; 18] = [
        "head",
        "heads",
        "base",
        "current",
        "ae10",
        "27c6",
        "3f47",
        "left",
        "right",
        "@",
        ":",
        "+",
        "-",
        " ",
        "\u{0}",
        "é",
        "1",
        "18446744073709551616",
    ];
    proptest::collection::vec(
        (any::<prop::sample::Index>(), any::<u64>(), any::<bool>()),
        0..7,
    )
    .prop_map(|pieces| {
        pieces
            .into_iter()
            .map(|(i, n, number)| {
                if number {
                    n.to_string()
                } else {
                    i.get(&PIECES).to_string()
                }
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 100_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// No input panics the parser; what parses prints back to something that
    /// parses the same.
    #[test]
    fn target_parser_never_panics(input in prop_oneof![any_text(), target_like()]) {
        if let Ok(target) = Target::parse(&input) {
            prop_assert_eq!(Target::parse(&target.to_string()), Ok(target));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 20_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// No input panics target resolution, planning or history listing.
    #[test]
    fn target_resolution_never_panics(input in prop_oneof![any_text(), target_like()]) {
        thread_local! {
            static GRAPH: Graph = fuzz_graph();
        }
        GRAPH.with(|g| {
            let current = ["3f47", "8a2c"];
            let _ = g.upgrade(current, &input);
            let _ = g.downgrade(current, &input);
            let _ = g.upgrade(["ae10f3"], &input);
            let _ = g.history(Some(&input), current);
        });
    }
}
