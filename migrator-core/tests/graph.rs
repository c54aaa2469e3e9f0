//! Table tests for the revision graph and planner: every shape Alembic users
//! meet, upgraded and downgraded to each of its revisions, with the exact step
//! order and version-table changes.

use std::collections::BTreeSet;

use migrator_core::graph::{Direction, Graph, GraphError, Plan, RevisionInfo, VersionChange};

const BASE: [&str; 0] = [];

fn rev(id: &str) -> RevisionInfo {
    RevisionInfo::new(id).message(format!("revision {id}"))
}

/// `a: insert a | b: update a -> b`, checking on the way that each change
/// applies cleanly to the rows before it and ends at `plan.after`.
fn steps(plan: &Plan) -> String {
    let mut rows: BTreeSet<String> = plan.before.iter().cloned().collect();
    for step in &plan.steps {
        assert_eq!(step.direction, plan.direction);
        assert!(
            step.change.apply(&mut rows),
            "{} does not apply to {rows:?}",
            step.change
        );
    }
    assert_eq!(
        rows.into_iter().collect::<Vec<_>>(),
        plan.after,
        "rows after the plan"
    );
    plan.steps
        .iter()
        .map(|s| format!("{}: {}", s.revision, s.change))
        .collect::<Vec<_>>()
        .join(" | ")
}

#[track_caller]
fn up(g: &Graph, current: &[&str], target: &str, expected: &str, after: &[&str]) {
    let plan = g
        .upgrade(current, target)
        .unwrap_or_else(|e| panic!("upgrade {current:?} -> {target}: {e}"));
    assert_eq!(plan.direction, Direction::Up);
    assert_eq!(steps(&plan), expected, "upgrade {current:?} -> {target}");
    assert_eq!(
        plan.after, after,
        "rows after upgrade {current:?} -> {target}"
    );
    assert_eq!(plan.is_noop(), expected.is_empty());
}

#[track_caller]
fn down(g: &Graph, current: &[&str], target: &str, expected: &str, after: &[&str]) {
    let plan = g
        .downgrade(current, target)
        .unwrap_or_else(|e| panic!("downgrade {current:?} -> {target}: {e}"));
    assert_eq!(plan.direction, Direction::Down);
    assert_eq!(steps(&plan), expected, "downgrade {current:?} -> {target}");
    assert_eq!(
        plan.after, after,
        "rows after downgrade {current:?} -> {target}"
    );
    assert_eq!(plan.is_noop(), expected.is_empty());
}

#[track_caller]
fn up_err(g: &Graph, current: &[&str], target: &str, message: &str) {
    let err = g.upgrade(current, target).unwrap_err();
    assert_eq!(err.to_string(), message, "upgrade {current:?} -> {target}");
}

#[track_caller]
fn down_err(g: &Graph, current: &[&str], target: &str, message: &str) {
    let err = g.downgrade(current, target).unwrap_err();
    assert_eq!(
        err.to_string(),
        message,
        "downgrade {current:?} -> {target}"
    );
}

#[track_caller]
fn note(plan: Result<Plan, GraphError>) -> String {
    let plan = plan.unwrap();
    assert!(plan.is_noop());
    plan.note.unwrap()
}

// ---------------------------------------------------------------- linear

/// a1 ─ b2 ─ c3 ─ d4
fn linear() -> Graph {
    Graph::new([
        rev("d4").parent("c3"),
        rev("b2").parent("a1"),
        rev("a1"),
        rev("c3").parent("b2"),
    ])
    .unwrap()
}

#[test]
fn linear_upgrade_to_every_revision() {
    let g = linear();
    assert_eq!(g.heads(), ["d4"]);
    assert_eq!(g.bases(), ["a1"]);
    up(&g, &BASE, "a1", "a1: insert a1", &["a1"]);
    up(
        &g,
        &BASE,
        "b2",
        "a1: insert a1 | b2: update a1 -> b2",
        &["b2"],
    );
    up(
        &g,
        &BASE,
        "c3",
        "a1: insert a1 | b2: update a1 -> b2 | c3: update b2 -> c3",
        &["c3"],
    );
    let all = "a1: insert a1 | b2: update a1 -> b2 | c3: update b2 -> c3 | d4: update c3 -> d4";
    up(&g, &BASE, "d4", all, &["d4"]);
    up(&g, &BASE, "head", all, &["d4"]);
    up(&g, &BASE, "heads", all, &["d4"]);
    up(&g, &BASE, ":", all, &["d4"]);
    up(
        &g,
        &["b2"],
        "head",
        "c3: update b2 -> c3 | d4: update c3 -> d4",
        &["d4"],
    );
    up(&g, &["b2"], "c", "c3: update b2 -> c3", &["c3"]);
}

#[test]
fn linear_downgrade_to_every_revision() {
    let g = linear();
    down(&g, &["d4"], "d4", "", &["d4"]);
    down(&g, &["d4"], "c3", "d4: update d4 -> c3", &["c3"]);
    down(
        &g,
        &["d4"],
        "b2",
        "d4: update d4 -> c3 | c3: update c3 -> b2",
        &["b2"],
    );
    down(
        &g,
        &["d4"],
        "a1",
        "d4: update d4 -> c3 | c3: update c3 -> b2 | b2: update b2 -> a1",
        &["a1"],
    );
    down(
        &g,
        &["d4"],
        "base",
        "d4: update d4 -> c3 | c3: update c3 -> b2 | b2: update b2 -> a1 | a1: delete a1",
        &[],
    );
    down(&g, &BASE, "base", "", &[]);
}

#[test]
fn linear_relative_steps() {
    let g = linear();
    up(&g, &["b2"], "+1", "c3: update b2 -> c3", &["c3"]);
    up(
        &g,
        &["b2"],
        "+2",
        "c3: update b2 -> c3 | d4: update c3 -> d4",
        &["d4"],
    );
    up(&g, &BASE, "+1", "a1: insert a1", &["a1"]);
    up(
        &g,
        &BASE,
        "base+2",
        "a1: insert a1 | b2: update a1 -> b2",
        &["b2"],
    );
    up(
        &g,
        &BASE,
        "a1+2",
        "a1: insert a1 | b2: update a1 -> b2 | c3: update b2 -> c3",
        &["c3"],
    );
    up(
        &g,
        &BASE,
        "d4-2",
        "a1: insert a1 | b2: update a1 -> b2",
        &["b2"],
    );
    up(&g, &["b2"], "+0", "", &["b2"]);
    down(&g, &["d4"], "-1", "d4: update d4 -> c3", &["c3"]);
    down(
        &g,
        &["d4"],
        "head-2",
        "d4: update d4 -> c3 | c3: update c3 -> b2",
        &["b2"],
    );
    down(
        &g,
        &["c3"],
        "-3",
        "c3: update c3 -> b2 | b2: update b2 -> a1 | a1: delete a1",
        &[],
    );
    down(&g, &["d4"], "d4@head-1", "d4: update d4 -> c3", &["c3"]);
    down(&g, &["d4"], "a1@head-1", "d4: update d4 -> c3", &["c3"]);
    up_err(
        &g,
        &["b2"],
        "+3",
        "`+3` goes too far: d4 is a head, 2 steps above b2; use `d4`",
    );
    up_err(
        &g,
        &["b2"],
        "+99999999999999999999",
        "`+99999999999999999999` is not a valid target: the step `+99999999999999999999` is too large",
    );
    up_err(
        &g,
        &["b2"],
        "+18446744073709551615",
        "`+18446744073709551615` goes too far: d4 is a head, 2 steps above b2; use `d4`",
    );
    down_err(
        &g,
        &["b2"],
        "-3",
        "`-3` goes too far: b2 is 2 steps above base; use `base`",
    );
    down_err(
        &g,
        &BASE,
        "-1",
        "`-1` goes too far: base is the bottom; use `base`",
    );
}

#[test]
fn linear_no_ops_say_so() {
    let g = linear();
    assert_eq!(
        note(g.upgrade(["d4"], "head")),
        "already at `head` (d4); nothing to upgrade"
    );
    assert_eq!(
        note(g.upgrade(["c3"], "c3")),
        "already at `c3`; nothing to upgrade"
    );
    assert_eq!(
        note(g.upgrade(["c3"], "a1")),
        "`a1` is already applied, below the current heads (c3); nothing to upgrade (to go back to it, use `downgrade a1`)"
    );
    assert_eq!(
        note(g.upgrade(["c3"], "base")),
        "`base` is below every revision; nothing to upgrade"
    );
    assert_eq!(
        note(g.downgrade(["c3"], "c3")),
        "nothing above `c3` is applied (current heads: c3); nothing to downgrade"
    );
    assert_eq!(
        note(g.downgrade(BASE, "base")),
        "nothing is applied: the database is at base; nothing to downgrade"
    );
}

#[test]
fn downgrade_to_a_revision_that_is_not_applied_says_why() {
    let g = linear();
    down_err(
        &g,
        &["b2"],
        "d4",
        "cannot downgrade to `d4`: d4 is not applied (it is above the current revision; to move forward to it, use `upgrade d4`); current heads: b2",
    );
    down_err(
        &g,
        &BASE,
        "a1",
        "cannot downgrade to `a1`: a1 is not applied (nothing is applied; to apply it, use `upgrade a1`); current heads: none (the database is at base)",
    );
    let g = one_branch();
    down_err(
        &g,
        &["a2"],
        "b1",
        "cannot downgrade to `b1`: b1 is not applied (it is not an ancestor of the current heads, it is on a branch that is not applied; to apply it, use `upgrade b1`); current heads: a2",
    );
}

// ---------------------------------------------------------------- one branch

/// ```text
/// r ─ a1 ─ a2
///   └ b1
/// ```
fn one_branch() -> Graph {
    Graph::new([
        rev("r"),
        rev("a1").parent("r"),
        rev("a2").parent("a1"),
        rev("b1").parent("r"),
    ])
    .unwrap()
}

#[test]
fn one_branch_upgrade_to_every_revision() {
    let g = one_branch();
    assert_eq!(g.heads(), ["a2", "b1"]);
    assert_eq!(g.branch_points(), ["r"]);
    up(&g, &BASE, "r", "r: insert r", &["r"]);
    up(&g, &BASE, "a1", "r: insert r | a1: update r -> a1", &["a1"]);
    up(
        &g,
        &BASE,
        "a2",
        "r: insert r | a1: update r -> a1 | a2: update a1 -> a2",
        &["a2"],
    );
    up(&g, &BASE, "b1", "r: insert r | b1: update r -> b1", &["b1"]);
    up(
        &g,
        &BASE,
        "heads",
        "r: insert r | a1: update r -> a1 | a2: update a1 -> a2 | b1: insert b1",
        &["a2", "b1"],
    );
    // A new branch gets its own row.
    up(&g, &["a2"], "b1", "b1: insert b1", &["a2", "b1"]);
    up(
        &g,
        &["r"],
        "heads",
        "a1: update r -> a1 | a2: update a1 -> a2 | b1: insert b1",
        &["a2", "b1"],
    );
    up(&g, &["b1"], "a1", "a1: insert a1", &["a1", "b1"]);
}

#[test]
fn one_branch_downgrade_to_every_revision() {
    let g = one_branch();
    let top: &[&str] = &["a2", "b1"];
    down(&g, top, "a2", "", top);
    down(&g, top, "b1", "", top);
    down(&g, top, "a1", "a2: update a2 -> a1", &["a1", "b1"]);
    down(
        &g,
        top,
        "r",
        "a2: update a2 -> a1 | a1: delete a1 | b1: update b1 -> r",
        &["r"],
    );
    down(
        &g,
        top,
        "base",
        "a2: update a2 -> a1 | a1: delete a1 | b1: update b1 -> r | r: delete r",
        &[],
    );
    down(
        &g,
        &["a1", "b1"],
        "r",
        "a1: delete a1 | b1: update b1 -> r",
        &["r"],
    );
}

#[test]
fn one_branch_ambiguity_lists_the_ways_forward() {
    let g = one_branch();
    up_err(
        &g,
        &BASE,
        "head",
        "`head` is ambiguous: the graph has 2 heads (a2, b1); use `heads` for all of them, or name one: `a2` or `b1`",
    );
    up_err(
        &g,
        &["r"],
        "+1",
        "`+1` is ambiguous: r is a branch point with 2 children; type one of `a1` or `b1` instead",
    );
    up_err(
        &g,
        &["r"],
        "+2",
        "`+2` is ambiguous: r is a branch point with 2 children; type one of `a1+1` or `b1+1` instead",
    );
    up_err(
        &g,
        &["a1", "b1"],
        "+1",
        "`+1` is ambiguous: there are 2 current heads (a1, b1); type one of `a1+1` or `b1+1` instead",
    );
    down_err(
        &g,
        &["a2", "b1"],
        "-1",
        "`-1` is ambiguous: there are 2 current heads (a2, b1); type one of `a2-1` or `b1-1` instead",
    );
    up_err(
        &g,
        &BASE,
        "r@head",
        "`r@head` is ambiguous: revision r has 2 heads (a2, b1); use `r@heads` for all of them, or name one: `a2` or `b1`",
    );
    // The suggested forms work.
    up(
        &g,
        &["r"],
        "a1+1",
        "a1: update r -> a1 | a2: update a1 -> a2",
        &["a2"],
    );
    down(
        &g,
        &["a2", "b1"],
        "a2-1",
        "a2: update a2 -> a1",
        &["a1", "b1"],
    );
    down(&g, &["a2", "b1"], "b1-1", "b1: delete b1", &["a2"]);
    up(
        &g,
        &BASE,
        "r@heads",
        "r: insert r | a1: update r -> a1 | a2: update a1 -> a2 | b1: insert b1",
        &["a2", "b1"],
    );
    up(
        &g,
        &BASE,
        "a1@head",
        "r: insert r | a1: update r -> a1 | a2: update a1 -> a2",
        &["a2"],
    );
}

// ---------------------------------------------------------------- diamond

/// ```text
/// r ─ a ─ m
///   └ b ─┘
/// ```
fn diamond() -> Graph {
    Graph::new([
        rev("m").parents(["a", "b"]),
        rev("a").parent("r"),
        rev("b").parent("r"),
        rev("r"),
    ])
    .unwrap()
}

#[test]
fn diamond_upgrade_to_every_revision() {
    let g = diamond();
    assert_eq!(g.heads(), ["m"]);
    assert_eq!(g.merge_points(), ["m"]);
    assert_eq!(g.branch_points(), ["r"]);
    up(&g, &BASE, "r", "r: insert r", &["r"]);
    up(&g, &BASE, "a", "r: insert r | a: update r -> a", &["a"]);
    up(&g, &BASE, "b", "r: insert r | b: update r -> b", &["b"]);
    up(
        &g,
        &BASE,
        "m",
        "r: insert r | a: update r -> a | b: insert b | m: merge: delete b, update a -> m",
        &["m"],
    );
    up(
        &g,
        &["a"],
        "head",
        "b: insert b | m: merge: delete b, update a -> m",
        &["m"],
    );
    up(
        &g,
        &["b"],
        "head",
        "a: insert a | m: merge: delete b, update a -> m",
        &["m"],
    );
    up(
        &g,
        &["a", "b"],
        "m",
        "m: merge: delete b, update a -> m",
        &["m"],
    );
    // Walking up through a merge point is not ambiguous: it also applies the other parent.
    up(
        &g,
        &["a"],
        "+1",
        "b: insert b | m: merge: delete b, update a -> m",
        &["m"],
    );
}

#[test]
fn diamond_downgrade_to_every_revision() {
    let g = diamond();
    down(&g, &["m"], "m", "", &["m"]);
    down(
        &g,
        &["m"],
        "a",
        "m: unmerge: update m -> a, insert b",
        &["a", "b"],
    );
    down(
        &g,
        &["m"],
        "b",
        "m: unmerge: update m -> a, insert b",
        &["a", "b"],
    );
    down(
        &g,
        &["m"],
        "r",
        "m: unmerge: update m -> a, insert b | a: delete a | b: update b -> r",
        &["r"],
    );
    down(
        &g,
        &["m"],
        "base",
        "m: unmerge: update m -> a, insert b | a: delete a | b: update b -> r | r: delete r",
        &[],
    );
    down_err(
        &g,
        &["m"],
        "-1",
        "`-1` is ambiguous: m is a merge point of a and b; type one of `a` or `b` instead",
    );
    down_err(
        &g,
        &["m"],
        "-2",
        "`-2` is ambiguous: m is a merge point of a and b; type one of `a-1` or `b-1` instead",
    );
    // A relative step goes down one line: `a-1` undoes m and a, b stays.
    down(
        &g,
        &["m"],
        "a-1",
        "m: unmerge: update m -> a, insert b | a: delete a",
        &["b"],
    );
    down(
        &g,
        &["m"],
        "b-1",
        "m: unmerge: update m -> a, insert b | b: delete b",
        &["a"],
    );
}

// ---------------------------------------------------------------- several bases

/// ```text
/// x1 ─ x2
/// y1 ─ y2
/// ```
fn several_bases() -> Graph {
    Graph::new([
        rev("y2").parent("y1"),
        rev("x1"),
        rev("x2").parent("x1"),
        rev("y1"),
    ])
    .unwrap()
}

#[test]
fn several_bases_upgrade_and_downgrade_to_every_revision() {
    let g = several_bases();
    assert_eq!(g.bases(), ["x1", "y1"]);
    up(&g, &BASE, "x1", "x1: insert x1", &["x1"]);
    up(
        &g,
        &BASE,
        "x2",
        "x1: insert x1 | x2: update x1 -> x2",
        &["x2"],
    );
    up(&g, &BASE, "y1", "y1: insert y1", &["y1"]);
    up(
        &g,
        &BASE,
        "y2",
        "y1: insert y1 | y2: update y1 -> y2",
        &["y2"],
    );
    let all = "x1: insert x1 | x2: update x1 -> x2 | y1: insert y1 | y2: update y1 -> y2";
    up(&g, &BASE, "heads", all, &["x2", "y2"]);
    up(
        &g,
        &["x2"],
        "heads",
        "y1: insert y1 | y2: update y1 -> y2",
        &["x2", "y2"],
    );
    up_err(
        &g,
        &BASE,
        "+1",
        "`+1` is ambiguous: there are 2 bases; type one of `x1` or `y1` instead",
    );
    up(
        &g,
        &["x1", "y1"],
        "y1+1",
        "y2: update y1 -> y2",
        &["x1", "y2"],
    );

    let top: &[&str] = &["x2", "y2"];
    down(&g, top, "x2", "", top);
    down(&g, top, "x1", "x2: update x2 -> x1", &["x1", "y2"]);
    down(&g, top, "y2", "", top);
    down(&g, top, "y1", "y2: update y2 -> y1", &["x2", "y1"]);
    down(
        &g,
        top,
        "base",
        "x2: update x2 -> x1 | x1: delete x1 | y2: update y2 -> y1 | y1: delete y1",
        &[],
    );
    down(
        &g,
        top,
        "y1-1",
        "y2: update y2 -> y1 | y1: delete y1",
        &["x2"],
    );
}

// ---------------------------------------------------------------- merge of three

/// ```text
/// r ─ a ─┐
///   ├ b ─┼ m
///   └ c ─┘
/// ```
fn merge_of_three() -> Graph {
    Graph::new([
        rev("r"),
        rev("a").parent("r"),
        rev("b").parent("r"),
        rev("c").parent("r"),
        rev("m").parents(["a", "b", "c"]),
    ])
    .unwrap()
}

#[test]
fn merge_of_three_upgrade_and_downgrade_to_every_revision() {
    let g = merge_of_three();
    up(&g, &BASE, "r", "r: insert r", &["r"]);
    up(&g, &BASE, "a", "r: insert r | a: update r -> a", &["a"]);
    up(&g, &BASE, "b", "r: insert r | b: update r -> b", &["b"]);
    up(&g, &BASE, "c", "r: insert r | c: update r -> c", &["c"]);
    up(
        &g,
        &BASE,
        "m",
        "r: insert r | a: update r -> a | b: insert b | c: insert c | m: merge: delete b, delete c, update a -> m",
        &["m"],
    );
    up(
        &g,
        &["b"],
        "m",
        "a: insert a | c: insert c | m: merge: delete b, delete c, update a -> m",
        &["m"],
    );
    up(
        &g,
        &["a", "b", "c"],
        "m",
        "m: merge: delete b, delete c, update a -> m",
        &["m"],
    );

    down(&g, &["m"], "m", "", &["m"]);
    for target in ["a", "b", "c"] {
        down(
            &g,
            &["m"],
            target,
            "m: unmerge: update m -> a, insert b, insert c",
            &["a", "b", "c"],
        );
    }
    down(
        &g,
        &["m"],
        "r",
        "m: unmerge: update m -> a, insert b, insert c | a: delete a | b: delete b | c: update c -> r",
        &["r"],
    );
    down(
        &g,
        &["m"],
        "base",
        "m: unmerge: update m -> a, insert b, insert c | a: delete a | b: delete b | c: update c -> r | r: delete r",
        &[],
    );
    down_err(
        &g,
        &["m"],
        "-1",
        "`-1` is ambiguous: m is a merge point of a, b and c; type one of `a`, `b` or `c` instead",
    );
}

// ---------------------------------------------------------------- branch labels

/// ```text
/// r0 ─ l1 (left) ─ l2
///    └ q1 (right) ─ q2
/// ```
fn labelled() -> Graph {
    Graph::new([
        rev("r0"),
        rev("l1").parent("r0").label("left"),
        rev("l2").parent("l1"),
        rev("q1").parent("r0").label("right"),
        rev("q2").parent("q1"),
    ])
    .unwrap()
}

#[test]
fn branch_labels_upgrade_to_every_revision() {
    let g = labelled();
    assert_eq!(g.branch_labels(), ["left", "right"]);
    assert_eq!(g.branch_members("left").unwrap(), ["l1", "l2"]);
    assert_eq!(g.labels_of("q2").unwrap(), ["right"]);
    assert!(g.labels_of("r0").unwrap().is_empty());
    up(&g, &BASE, "r0", "r0: insert r0", &["r0"]);
    up(
        &g,
        &BASE,
        "left",
        "r0: insert r0 | l1: update r0 -> l1",
        &["l1"],
    );
    up(
        &g,
        &BASE,
        "left@head",
        "r0: insert r0 | l1: update r0 -> l1 | l2: update l1 -> l2",
        &["l2"],
    );
    up(
        &g,
        &BASE,
        "right",
        "r0: insert r0 | q1: update r0 -> q1",
        &["q1"],
    );
    up(
        &g,
        &BASE,
        "right@head",
        "r0: insert r0 | q1: update r0 -> q1 | q2: update q1 -> q2",
        &["q2"],
    );
    up(
        &g,
        &["l2"],
        "right@head",
        "q1: insert q1 | q2: update q1 -> q2",
        &["l2", "q2"],
    );
    up(&g, &BASE, "right@base", "r0: insert r0", &["r0"]);
    up(
        &g,
        &BASE,
        "left@base+2",
        "r0: insert r0 | l1: update r0 -> l1 | l2: update l1 -> l2",
        &["l2"],
    );
    up(
        &g,
        &BASE,
        "left@head-1",
        "r0: insert r0 | l1: update r0 -> l1",
        &["l1"],
    );
    // label@+N walks the branch from its current revision, or from its start.
    up(&g, &["l2"], "right@+1", "q1: insert q1", &["l2", "q1"]);
    up(
        &g,
        &["l2", "q1"],
        "right@+1",
        "q2: update q1 -> q2",
        &["l2", "q2"],
    );
    up(
        &g,
        &["r0"],
        "left@+2",
        "l1: update r0 -> l1 | l2: update l1 -> l2",
        &["l2"],
    );
    up_err(
        &g,
        &BASE,
        "head",
        "`head` is ambiguous: the graph has 2 heads (l2, q2); use `heads` for all of them, or name one: `left@head` or `right@head`",
    );
    up_err(
        &g,
        &BASE,
        "l1@base",
        "`l1@base` needs a branch label before `@`, and l1 is a revision id; branch labels are: left, right",
    );
    up_err(
        &g,
        &BASE,
        "lefty@head",
        "no revision or branch label matches `lefty` (did you mean `left`?); run `history` to list the revisions",
    );
}

#[test]
fn branch_labels_downgrade_to_every_revision() {
    let g = labelled();
    let top: &[&str] = &["l2", "q2"];
    down(&g, top, "l2", "", top);
    down(&g, top, "left@head", "", top);
    down(&g, top, "l1", "l2: update l2 -> l1", &["l1", "q2"]);
    down(&g, top, "left", "l2: update l2 -> l1", &["l1", "q2"]);
    down(&g, top, "left@head-1", "l2: update l2 -> l1", &["l1", "q2"]);
    down(&g, top, "left@-1", "l2: update l2 -> l1", &["l1", "q2"]);
    down(&g, top, "q1", "q2: update q2 -> q1", &["l2", "q1"]);
    down(
        &g,
        top,
        "right@head-1",
        "q2: update q2 -> q1",
        &["l2", "q1"],
    );
    // A relative step on a branch undoes that branch's line only.
    down(
        &g,
        top,
        "right@-2",
        "q2: update q2 -> q1 | q1: delete q1",
        &["l2"],
    );
    down(
        &g,
        top,
        "q2-2",
        "q2: update q2 -> q1 | q1: delete q1",
        &["l2"],
    );
    down_err(
        &g,
        &["q2"],
        "left@-1",
        "`left@-1` goes too far: nothing on branch left is applied, so there is nothing to step down from",
    );
    // label@base undoes that branch only.
    down(
        &g,
        top,
        "left@base",
        "l2: update l2 -> l1 | l1: delete l1",
        &["q2"],
    );
    down(
        &g,
        top,
        "right@base",
        "q2: update q2 -> q1 | q1: delete q1",
        &["l2"],
    );
    down(
        &g,
        top,
        "r0",
        "l2: update l2 -> l1 | l1: delete l1 | q2: update q2 -> q1 | q1: update q1 -> r0",
        &["r0"],
    );
    down(
        &g,
        top,
        "base",
        "l2: update l2 -> l1 | l1: delete l1 | q2: update q2 -> q1 | q1: update q1 -> r0 | r0: delete r0",
        &[],
    );
}

// ---------------------------------------------------------------- depends_on across branches

/// ```text
/// a1 (a) ─ a2
///  ┆
/// b1 (b) ─ b2     b2 depends on a1 (through its label)
/// ```
fn dependencies() -> Graph {
    Graph::new([
        rev("a1").label("a"),
        rev("a2").parent("a1"),
        rev("b1").label("b"),
        rev("b2").parent("b1").depends_on("a"),
    ])
    .unwrap()
}

#[test]
fn depends_on_upgrade_to_every_revision() {
    let g = dependencies();
    // A dependency is not a parent: a1 stays a branch of its own.
    assert_eq!(g.heads(), ["a2", "b2"]);
    assert_eq!(g.children("a1").unwrap(), ["a2"]);
    assert_eq!(g.dependents("a1").unwrap(), ["b2"]);
    assert_eq!(g.version_rows(g.heads()).unwrap(), ["a2", "b2"]);
    assert_eq!(g.version_rows(["a1", "b2"]).unwrap(), ["b2"]);
    up(&g, &BASE, "a1", "a1: insert a1", &["a1"]);
    up(
        &g,
        &BASE,
        "a2",
        "a1: insert a1 | a2: update a1 -> a2",
        &["a2"],
    );
    up(&g, &BASE, "b1", "b1: insert b1", &["b1"]);
    // The dependency is applied first, and its row folds into b2's.
    up(
        &g,
        &BASE,
        "b2",
        "a1: insert a1 | b1: insert b1 | b2: merge: delete a1, update b1 -> b2",
        &["b2"],
    );
    up(
        &g,
        &BASE,
        "b@head",
        "a1: insert a1 | b1: insert b1 | b2: merge: delete a1, update b1 -> b2",
        &["b2"],
    );
    up(
        &g,
        &["b1"],
        "b2",
        "a1: insert a1 | b2: merge: delete a1, update b1 -> b2",
        &["b2"],
    );
    up(
        &g,
        &["a2", "b1"],
        "b2",
        "b2: update b1 -> b2",
        &["a2", "b2"],
    );
    up(
        &g,
        &BASE,
        "heads",
        "a1: insert a1 | a2: update a1 -> a2 | b1: insert b1 | b2: update b1 -> b2",
        &["a2", "b2"],
    );
    up(&g, &["b2"], "heads", "a2: insert a2", &["a2", "b2"]);
    assert_eq!(
        note(g.upgrade(["b2"], "a1")),
        "`a1` is already applied, below the current heads (b2); nothing to upgrade (to go back to it, use `downgrade a1`)"
    );
}

#[test]
fn depends_on_downgrade_to_every_revision() {
    let g = dependencies();
    let top: &[&str] = &["a2", "b2"];
    down(&g, top, "a2", "", top);
    down(&g, top, "b2", "", top);
    // Down to a1: b2 still has its dependency, so it stays.
    down(&g, top, "a1", "a2: delete a2", &["b2"]);
    down(&g, top, "b1", "b2: update b2 -> b1", &["a2", "b1"]);
    down(
        &g,
        &["b2"],
        "b1",
        "b2: unmerge: update b2 -> b1, insert a1",
        &["a1", "b1"],
    );
    // Undoing the dependency undoes what depends on it.
    down(
        &g,
        &["b2"],
        "a@base",
        "b2: unmerge: update b2 -> b1, insert a1 | a1: delete a1",
        &["b1"],
    );
    down(
        &g,
        top,
        "a@base",
        "a2: delete a2 | b2: unmerge: update b2 -> b1, insert a1 | a1: delete a1",
        &["b1"],
    );
    down(
        &g,
        top,
        "b@base",
        "b2: update b2 -> b1 | b1: delete b1",
        &["a2"],
    );
    down(
        &g,
        top,
        "b2-2",
        "b2: update b2 -> b1 | b1: delete b1",
        &["a2"],
    );
    down(
        &g,
        top,
        "base",
        "a2: delete a2 | b2: unmerge: update b2 -> b1, insert a1 | a1: delete a1 | b1: delete b1",
        &[],
    );
}

// ---------------------------------------------------------------- targets and errors

#[test]
fn prefixes_unknown_ids_and_version_table_problems() {
    let g = Graph::new([
        rev("ae1027a6"),
        rev("ae10f3c1").parent("ae1027a6"),
        rev("27c6a30d").parent("ae10f3c1"),
    ])
    .unwrap();
    up(
        &g,
        &BASE,
        "27",
        "ae1027a6: insert ae1027a6 | ae10f3c1: update ae1027a6 -> ae10f3c1 | 27c6a30d: update ae10f3c1 -> 27c6a30d",
        &["27c6a30d"],
    );
    up(
        &g,
        &BASE,
        "ae102",
        "ae1027a6: insert ae1027a6",
        &["ae1027a6"],
    );
    up_err(
        &g,
        &BASE,
        "ae10",
        "`ae10` is ambiguous: it is the start of 2 revision ids (ae1027a6, ae10f3c1); type more characters",
    );
    up_err(
        &g,
        &BASE,
        "ae1072a6",
        "no revision or branch label matches `ae1072a6` (did you mean `ae1027a6`?); run `history` to list the revisions",
    );
    up_err(
        &g,
        &BASE,
        "zz",
        "no revision or branch label matches `zz`; run `history` to list the revisions",
    );
    up_err(
        &g,
        &["ae1027a7"],
        "head",
        "the version table holds `ae1027a7`, which is not a known revision (did you mean `ae1027a6`?); restore its migration file, or rewrite the table with `stamp <revision> --purge`",
    );
    up_err(
        &g,
        &["ae1027a6", "27c6a30d"],
        "head",
        "the version table holds both ae1027a6 and its descendant 27c6a30d, but it should hold heads only; rewrite it with `stamp <heads> --purge`",
    );
    assert_eq!(g.resolve(BASE, "head-1").unwrap(), ["ae10f3c1"]);
    assert_eq!(g.resolve(["ae10f3c1"], "current").unwrap(), ["ae10f3c1"]);
    assert!(g.resolve(BASE, "base").unwrap().is_empty());
}

#[test]
fn ranges_plan_from_their_start() {
    let g = linear();
    // For offline SQL: the range's start replaces the current rows.
    up(
        &g,
        &BASE,
        "b2:d4",
        "c3: update b2 -> c3 | d4: update c3 -> d4",
        &["d4"],
    );
    up(
        &g,
        &BASE,
        "b2:",
        "c3: update b2 -> c3 | d4: update c3 -> d4",
        &["d4"],
    );
    up(
        &g,
        &BASE,
        ":b2",
        "a1: insert a1 | b2: update a1 -> b2",
        &["b2"],
    );
    up(&g, &BASE, "b2:+1", "c3: update b2 -> c3", &["c3"]);
    up(&g, &["c3"], "current:head", "d4: update c3 -> d4", &["d4"]);
    down(
        &g,
        &BASE,
        "d4:b2",
        "d4: update d4 -> c3 | c3: update c3 -> b2",
        &["b2"],
    );
    down(
        &g,
        &BASE,
        ":b2",
        "d4: update d4 -> c3 | c3: update c3 -> b2",
        &["b2"],
    );
    down(
        &g,
        &BASE,
        "c3:",
        "c3: update c3 -> b2 | b2: update b2 -> a1 | a1: delete a1",
        &[],
    );
    let plan = g.upgrade(BASE, "b2:d4").unwrap();
    assert_eq!(plan.before, ["b2"]);
}

#[test]
fn irreversible_revisions_stop_a_downgrade() {
    let g = Graph::new([
        rev("a1"),
        rev("b2")
            .parent("a1")
            .irreversible("drops the legacy table"),
        rev("c3").parent("b2"),
    ])
    .unwrap();
    down(&g, &["c3"], "b2", "c3: update c3 -> b2", &["b2"]);
    down_err(
        &g,
        &["c3"],
        "a1",
        "cannot downgrade to `a1`: revision b2 is irreversible (drops the legacy table); the furthest this downgrade can go is `downgrade b2`",
    );
    // At the irreversible revision itself: nothing can be undone, and the
    // message says so instead of naming where the database already is.
    down_err(
        &g,
        &["b2"],
        "-1",
        "cannot downgrade to `-1`: revision b2 is irreversible (drops the legacy table); the database is at b2, so nothing on its line can be undone. If its changes were undone by hand, record that with `stamp <its parent>`",
    );
    up(
        &g,
        &BASE,
        "head",
        "a1: insert a1 | b2: update a1 -> b2 | c3: update b2 -> c3",
        &["c3"],
    );
}

#[test]
fn history_lists_ranges_with_markers() {
    let g = Graph::new([
        rev("r").message("create users"),
        rev("a")
            .parent("r")
            .label("billing")
            .message("create fees\n\nlonger text"),
        rev("b").parent("r").depends_on("a").message("add email"),
        rev("m")
            .parents(["a", "b"])
            .message("merge")
            .irreversible("backfill"),
    ])
    .unwrap();
    let lines = |range: Option<&str>, current: &[&str]| -> Vec<String> {
        g.history(range, current)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(
        lines(None, &["b"]),
        [
            "a, b -> m (head) (mergepoint) (irreversible: backfill), merge",
            "r (a) -> b (current), add email",
            "r -> a (billing), create fees",
            "<base> -> r (branchpoint), create users",
        ]
    );
    assert_eq!(
        lines(Some("a:"), &[]),
        [
            "a, b -> m (head) (mergepoint) (irreversible: backfill), merge",
            "r (a) -> b, add email",
            "r -> a (billing), create fees"
        ]
    );
    assert_eq!(
        lines(Some(":a"), &[]),
        [
            "r -> a (billing), create fees",
            "<base> -> r (branchpoint), create users"
        ]
    );
    assert_eq!(
        lines(Some("current:"), &["b"]),
        [
            "a, b -> m (head) (mergepoint) (irreversible: backfill), merge",
            "r (a) -> b (current), add email"
        ]
    );
    assert_eq!(
        lines(Some("r:r"), &[]),
        ["<base> -> r (branchpoint), create users"]
    );
    let entry = g.entry("r").unwrap();
    assert!(entry.is_base && entry.is_branch_point && !entry.is_head && !entry.is_merge_point);
    let entry = g.entry("m").unwrap();
    assert!(entry.is_head && entry.is_merge_point);
    assert_eq!(
        g.history(Some("a"), BASE).unwrap_err().to_string(),
        "`a` is not a range: history takes `from:to` with either side optional, e.g. `a:` for it and everything above, or `:a` for it and everything below"
    );
}

#[test]
fn plan_order_does_not_depend_on_registration_order() {
    let revs = vec![
        rev("r"),
        rev("a1").parent("r"),
        rev("a2").parent("a1"),
        rev("b1").parent("r"),
        rev("b2").parent("b1").depends_on("a1"),
        rev("m").parents(["a2", "b2"]),
    ];
    let forward = Graph::new(revs.clone()).unwrap();
    let backward = Graph::new(revs.into_iter().rev()).unwrap();
    for target in ["head", "a2", "b2", "b2-1", "a2+1"] {
        assert_eq!(
            forward.upgrade(BASE, target).unwrap(),
            backward.upgrade(BASE, target).unwrap()
        );
    }
    assert_eq!(
        forward.downgrade(["m"], "base").unwrap(),
        backward.downgrade(["m"], "base").unwrap()
    );
}

#[test]
fn an_empty_graph_plans_nothing() {
    let g = Graph::new([]).unwrap();
    assert!(g.is_empty() && g.heads().is_empty());
    assert_eq!(
        note(g.upgrade(BASE, "head")),
        "there are no revisions; nothing to upgrade"
    );
    assert_eq!(
        note(g.upgrade(BASE, "heads")),
        "there are no revisions; nothing to upgrade"
    );
    assert_eq!(
        note(g.downgrade(BASE, "base")),
        "nothing is applied: the database is at base; nothing to downgrade"
    );
    up_err(&g, &BASE, "+1", "`+1` goes too far: there are no revisions");
    assert!(g.history(None, BASE).unwrap().is_empty());
}

#[test]
fn version_changes_apply_to_rows_and_report_a_mismatch() {
    let mut rows = BTreeSet::from(["a".to_owned(), "b".to_owned()]);
    let merge = VersionChange::Merge(vec![
        VersionChange::Delete("b".into()),
        VersionChange::Update {
            from: "a".into(),
            to: "m".into(),
        },
    ]);
    assert_eq!(merge.rows().len(), 2);
    assert!(merge.apply(&mut rows));
    assert_eq!(rows, BTreeSet::from(["m".to_owned()]));
    assert!(!VersionChange::Delete("zz".into()).apply(&mut rows));
    assert!(!VersionChange::Insert("m".into()).apply(&mut rows));
    assert_eq!(merge.to_string(), "merge: delete b, update a -> m");
}

// ---------------------------------------------------------------- stamp

#[track_caller]
fn stamp(g: &Graph, current: &[&str], target: &str, after: &[&str]) {
    let rows = g
        .stamp(current, target)
        .unwrap_or_else(|e| panic!("stamp {current:?} -> {target}: {e}"));
    assert_eq!(rows, after, "stamp {current:?} -> {target}");
}

/// Alembic's stamp replaces only the rows on the target's own line
/// (ancestors and descendants, dependencies included) and keeps the rest.
#[test]
fn stamp_replaces_only_the_rows_on_the_targets_line() {
    let g = linear();
    stamp(&g, &BASE, "c3", &["c3"]);
    stamp(&g, &["b2"], "d4", &["d4"]);
    stamp(&g, &["d4"], "b2", &["b2"]);
    stamp(&g, &["c3"], "c3", &["c3"]);
    stamp(&g, &["c3"], "base", &[]);
    stamp(&g, &["b2"], "heads", &["d4"]);
    stamp(&g, &["b2"], "+1", &["c3"]);

    let g = one_branch();
    stamp(&g, &["a2", "b1"], "a1", &["a1", "b1"]);
    stamp(&g, &["a1"], "b1", &["a1", "b1"]);
    stamp(&g, &["a1", "b1"], "r", &["r"]);
    stamp(&g, &["r"], "heads", &["a2", "b1"]);
    stamp(&g, &["a2"], "r", &["r"]);
    stamp(&g, &BASE, "a2", &["a2"]);
    stamp(&g, &["b1"], "a2", &["a2", "b1"]);
    stamp(&g, &["a2", "b1"], "base", &[]);

    let g = diamond();
    stamp(&g, &["a"], "b", &["a", "b"]);
    stamp(&g, &["a", "b"], "m", &["m"]);
    stamp(&g, &["m"], "a", &["a"]);
    stamp(&g, &["a"], "r", &["r"]);
    stamp(&g, &["a", "b"], "r", &["r"]);
    stamp(&g, &["r"], "m", &["m"]);

    let g = several_bases();
    stamp(&g, &["x2"], "y1", &["x2", "y1"]);
    stamp(&g, &["x2", "y2"], "x1", &["x1", "y2"]);
    stamp(&g, &BASE, "heads", &["x2", "y2"]);
    stamp(&g, &["x1"], "heads", &["x2", "y2"]);
    stamp(&g, &["x1", "y1"], "base", &[]);

    let g = merge_of_three();
    stamp(&g, &["a"], "b", &["a", "b"]);
    stamp(&g, &["a", "b"], "c", &["a", "b", "c"]);
    stamp(&g, &["a", "b", "c"], "m", &["m"]);
    stamp(&g, &["m"], "c", &["c"]);
    stamp(&g, &["a", "b"], "r", &["r"]);

    let g = labelled();
    stamp(&g, &["l2", "q2"], "left@head", &["l2", "q2"]);
    stamp(&g, &["l2", "q2"], "l1", &["l1", "q2"]);
    stamp(&g, &["l1"], "right@head", &["l1", "q2"]);
    stamp(&g, &["l2", "q1"], "r0", &["r0"]);

    let g = dependencies();
    // b2 depends on a1: it is on a1's line.
    stamp(&g, &["a2", "b2"], "a1", &["a1"]);
    stamp(&g, &["a1"], "b2", &["b2"]);
    stamp(&g, &["a2"], "b1", &["a2", "b1"]);
    stamp(&g, &["a1", "b1"], "a2", &["a2", "b1"]);

    let err = linear().stamp(["b2"], "a1:c3").unwrap_err();
    assert!(err.to_string().contains("not a range"), "{err}");
    let err = linear().stamp(["zz"], "c3").unwrap_err();
    assert!(err.to_string().contains("`zz`"), "{err}");
}
