//! The planner: (graph, version-table rows, target) → ordered steps, each with
//! the change it makes to the version table.
//!
//! The version table holds one row per current head: the applied revisions
//! that no other applied revision descends from or depends on. Every step
//! keeps it so:
//!
//! | step                                         | change                      |
//! |----------------------------------------------|-----------------------------|
//! | upgrade, no parent is a row (new branch)     | insert                      |
//! | upgrade, one parent is a row (linear)        | update parent → revision    |
//! | upgrade, several parents are rows (merge)    | delete all but one + update |
//! | downgrade, one parent becomes a row (linear) | update revision → parent    |
//! | downgrade, several parents become rows       | update + insert the rest    |
//! | downgrade, no parent becomes a row           | delete                      |
//!
//! "Parents" here include `depends_on`, so a revision another one depends on
//! stops being a row once that one is applied, as in Alembic.
//!
//! Plans are deterministic: parents before children (children before parents
//! going down), ties broken by revision id, and one branch followed to its
//! end before the next one starts.

use std::collections::BTreeSet;
use std::fmt;

use super::error::GraphError;
use super::target::{Resolved, Target};
use super::{Graph, RESERVED_WORDS};

/// Which way a plan moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Applying revisions.
    Up,
    /// Undoing revisions.
    Down,
}

/// What one step does to the version table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VersionChange {
    /// A new row (a new branch starts, or a base is applied).
    Insert(String),
    /// A row moves from one revision to another.
    Update {
        /// The row's current value.
        from: String,
        /// Its new value.
        to: String,
    },
    /// A row goes (the last revision of a branch is undone).
    Delete(String),
    /// An upgrade joining several rows: [`VersionChange::Delete`]s, then one
    /// [`VersionChange::Update`] to the merge revision.
    Merge(Vec<VersionChange>),
    /// A downgrade splitting one row into several: one
    /// [`VersionChange::Update`], then [`VersionChange::Insert`]s.
    Unmerge(Vec<VersionChange>),
}

impl VersionChange {
    /// The single-row changes to run, in order (one for insert, update and
    /// delete; several for merges and unmerges).
    pub fn rows(&self) -> &[VersionChange] {
        match self {
            VersionChange::Merge(parts) | VersionChange::Unmerge(parts) => parts,
            one => std::slice::from_ref(one),
        }
    }

    /// Applies the change to a copy of the version table. Returns `false`
    /// (after applying what it can) when the rows did not hold what the change
    /// expects: a row to update or delete is missing, or a row to insert is
    /// there already.
    pub fn apply(&self, rows: &mut BTreeSet<String>) -> bool {
        let mut consistent = true;
        for change in self.rows() {
            match change {
                VersionChange::Insert(id) => consistent &= rows.insert(id.clone()),
                VersionChange::Update { from, to } => {
                    consistent &= rows.remove(from);
                    consistent &= rows.insert(to.clone());
                }
                VersionChange::Delete(id) => consistent &= rows.remove(id),
                VersionChange::Merge(_) | VersionChange::Unmerge(_) => consistent = false,
            }
        }
        consistent
    }
}

impl fmt::Display for VersionChange {
    /// `insert a`, `update a -> b`, `delete a`,
    /// `merge: delete b, update a -> m`, `unmerge: update m -> a, insert b`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = |f: &mut fmt::Formatter<'_>, parts: &[VersionChange]| {
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                part.fmt(f)?;
            }
            Ok(())
        };
        match self {
            VersionChange::Insert(id) => write!(f, "insert {id}"),
            VersionChange::Update { from, to } => write!(f, "update {from} -> {to}"),
            VersionChange::Delete(id) => write!(f, "delete {id}"),
            VersionChange::Merge(p) => {
                f.write_str("merge: ")?;
                parts(f, p)
            }
            VersionChange::Unmerge(p) => {
                f.write_str("unmerge: ")?;
                parts(f, p)
            }
        }
    }
}

/// One revision to apply or undo.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Step {
    /// The revision id.
    pub revision: String,
    /// Apply (`Up`) or undo (`Down`).
    pub direction: Direction,
    /// What the step does to the version table.
    pub change: VersionChange,
}

/// An ordered list of steps, with the version table before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Plan {
    /// Which way the plan moves.
    pub direction: Direction,
    /// The steps, in the order to run them.
    pub steps: Vec<Step>,
    /// The version-table rows the plan starts from, in id order.
    pub before: Vec<String>,
    /// The version-table rows once every step has run, in id order.
    pub after: Vec<String>,
    /// Why the plan is empty, when it is (`already at …`).
    pub note: Option<String>,
}

impl Plan {
    /// Whether there is nothing to do; [`Plan::note`] says why.
    pub fn is_noop(&self) -> bool {
        self.steps.is_empty()
    }

    /// The revision ids of the steps, in order.
    pub fn revisions(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().map(|s| s.revision.as_str())
    }
}

impl Graph {
    /// Plans an upgrade from the version-table rows `current` to `target`
    /// (see [`Target`] for the syntax; a range `from:to` starts at `from`
    /// instead of `current`).
    ///
    /// Applies every ancestor of the target (dependencies included) that is
    /// not applied yet, parents before children. A target that is already
    /// applied gives an empty plan with a [`Plan::note`].
    pub fn upgrade<S: AsRef<str>>(
        &self,
        current: impl IntoIterator<Item = S>,
        target: &str,
    ) -> Result<Plan, GraphError> {
        self.plan(Direction::Up, current, &Target::parse(target)?)
    }

    /// Plans a downgrade from the version-table rows `current` to `target`.
    ///
    /// Undoes every applied revision above the target (through
    /// `down_revisions`) and every applied revision that depends on those,
    /// children before parents, heads first; revisions on other branches
    /// stay. The target
    /// must be applied; a revision marked irreversible stops the plan.
    /// `label@base` undoes the branch `label` only.
    pub fn downgrade<S: AsRef<str>>(
        &self,
        current: impl IntoIterator<Item = S>,
        target: &str,
    ) -> Result<Plan, GraphError> {
        self.plan(Direction::Down, current, &Target::parse(target)?)
    }

    /// Plans a move in `direction` from the version-table rows `current` to
    /// a parsed `target`.
    pub fn plan<S: AsRef<str>>(
        &self,
        direction: Direction,
        current: impl IntoIterator<Item = S>,
        target: &Target,
    ) -> Result<Plan, GraphError> {
        let current = self.current_rows(current)?;
        let shown = target.to_string();
        match target {
            Target::Point(point) => {
                let resolved = self.resolve_point(point, &current)?;
                self.plan_resolved(direction, current, resolved, &shown)
            }
            Target::Range { from, to } => {
                let start = match (from, direction) {
                    (Some(p), _) => self.resolve_nodes(p, &current)?,
                    (None, Direction::Up) => Vec::new(),
                    (None, Direction::Down) => self.head_nodes().collect(),
                };
                let start = self.rows_of(&self.ancestors(&start));
                let end = match (to, direction) {
                    (Some(p), _) => self.resolve_point(p, &start)?,
                    (None, Direction::Up) => Resolved::Nodes(self.head_nodes().collect()),
                    (None, Direction::Down) => Resolved::Nodes(Vec::new()),
                };
                self.plan_resolved(direction, start, end, &shown)
            }
        }
    }

    /// The revisions applied when the version table holds `current` (their
    /// ancestors and dependencies included), in the order an upgrade applies
    /// them.
    ///
    /// ```
    /// use migrator_graph::{Graph, RevisionInfo};
    /// let graph = Graph::new([
    ///     RevisionInfo::new("a"),
    ///     RevisionInfo::new("b").parent("a"),
    ///     RevisionInfo::new("c").parent("b"),
    /// ]).unwrap();
    /// assert_eq!(graph.applied(["b"]).unwrap(), ["a", "b"]);
    /// ```
    pub fn applied<S: AsRef<str>>(
        &self,
        current: impl IntoIterator<Item = S>,
    ) -> Result<Vec<String>, GraphError> {
        let rows = self.current_rows(current)?;
        let set = self.ancestors(&rows);
        Ok(self.strings(self.order_up(&set)))
    }

    /// Checks version-table rows: known ids, none an ancestor of another.
    pub(crate) fn current_rows<S: AsRef<str>>(
        &self,
        current: impl IntoIterator<Item = S>,
    ) -> Result<Vec<usize>, GraphError> {
        let mut rows = Vec::new();
        for id in current {
            let id = id.as_ref();
            match self.index.get(id) {
                Some(&i) => rows.push(i),
                None => {
                    return Err(GraphError::UnknownCurrent {
                        id: id.to_owned(),
                        suggestions: if RESERVED_WORDS.contains(&id) {
                            Vec::new()
                        } else {
                            self.suggest(id)
                        },
                    });
                }
            }
        }
        rows.sort_unstable();
        rows.dedup();
        let applied = self.ancestors(&rows);
        let is_row = self.mask(&rows);
        for &r in &rows {
            if self.all_children[r].iter().any(|&c| applied[c]) {
                // Find a row above it to name.
                let mut seen = vec![false; self.len()];
                let mut stack = vec![r];
                while let Some(v) = stack.pop() {
                    for &c in &self.all_children[v] {
                        if applied[c] && !seen[c] {
                            if is_row[c] {
                                return Err(GraphError::RedundantCurrent {
                                    ancestor: self.id(r).to_owned(),
                                    descendant: self.id(c).to_owned(),
                                });
                            }
                            seen[c] = true;
                            stack.push(c);
                        }
                    }
                }
            }
        }
        Ok(rows)
    }

    fn mask(&self, nodes: &[usize]) -> Vec<bool> {
        let mut mask = vec![false; self.len()];
        for &v in nodes {
            mask[v] = true;
        }
        mask
    }

    fn describe(&self, shown: &str, nodes: &[usize]) -> String {
        let ids = self.strings(nodes.iter().copied()).join(", ");
        if nodes.is_empty() || shown == ids {
            format!("`{shown}`")
        } else {
            format!("`{shown}` ({ids})")
        }
    }

    fn plan_resolved(
        &self,
        direction: Direction,
        rows: Vec<usize>,
        target: Resolved,
        shown: &str,
    ) -> Result<Plan, GraphError> {
        let applied = self.ancestors(&rows);
        let (set, note) = match direction {
            Direction::Up => {
                let target = target.into_nodes(self);
                let wanted = self.ancestors(&target);
                let set: Vec<bool> = wanted
                    .iter()
                    .zip(&applied)
                    .map(|(&w, &a)| w && !a)
                    .collect();
                let note = if self.is_empty() {
                    "there are no revisions; nothing to upgrade".to_owned()
                } else if target.is_empty() {
                    format!(
                        "{} is below every revision; nothing to upgrade",
                        self.describe(shown, &target)
                    )
                } else if target.iter().all(|t| rows.contains(t)) {
                    format!(
                        "already at {}; nothing to upgrade",
                        self.describe(shown, &target)
                    )
                } else {
                    format!(
                        "{} is already applied, below the current heads ({}); nothing to upgrade (to go back to it, use `downgrade {shown}`)",
                        self.describe(shown, &target),
                        self.strings(rows.iter().copied()).join(", ")
                    )
                };
                (set, note)
            }
            Direction::Down => {
                let set = match &target {
                    Resolved::Nodes(nodes) => {
                        for &t in nodes {
                            if !applied[t] {
                                return Err(self.not_applied(shown, t, &rows));
                            }
                        }
                        if nodes.is_empty() {
                            applied.clone()
                        } else {
                            // Above the target through down_revisions, and
                            // whatever depends on that; never the target's own
                            // ancestors (when it names several revisions).
                            let above = self.descendants_within(nodes, &applied, &self.children);
                            let seeds: Vec<usize> = (0..self.len()).filter(|&i| above[i]).collect();
                            let mut set =
                                self.descendants_within(&seeds, &applied, &self.all_children);
                            let keep = self.ancestors(nodes);
                            for i in 0..self.len() {
                                set[i] = (set[i] || above[i]) && !keep[i];
                            }
                            set
                        }
                    }
                    Resolved::Walked { at, from } => {
                        if let Some(t) = at.filter(|&t| !applied[t]) {
                            return Err(self.not_applied(shown, t, &rows));
                        }
                        // Only the line walked down: the revisions above `at`
                        // that `from` stands on, and whatever stands on them.
                        let line = self.line_below(*from);
                        let roots: Vec<usize> = match at {
                            Some(t) => self.children[*t].clone(),
                            None => (0..self.len())
                                .filter(|&i| self.parents[i].is_empty())
                                .collect(),
                        };
                        let roots: Vec<usize> = roots
                            .into_iter()
                            .filter(|&r| line[r] && applied[r])
                            .collect();
                        let mut set = self.descendants_within(&roots, &applied, &self.all_children);
                        for &r in &roots {
                            set[r] = true;
                        }
                        set
                    }
                    Resolved::BranchBase(label) => {
                        let members = self.members(label).unwrap_or_default();
                        let seeds: Vec<usize> = (0..self.len())
                            .filter(|&i| members[i] && applied[i])
                            .collect();
                        let mut set = self.descendants_within(&seeds, &applied, &self.all_children);
                        for &s in &seeds {
                            set[s] = true;
                        }
                        set
                    }
                };
                let note = if rows.is_empty() {
                    "nothing is applied: the database is at base; nothing to downgrade".to_owned()
                } else {
                    format!(
                        "nothing above `{shown}` is applied (current heads: {}); nothing to downgrade",
                        self.strings(rows.iter().copied()).join(", ")
                    )
                };
                (set, note)
            }
        };
        let order = match direction {
            Direction::Up => self.order_up(&set),
            Direction::Down => self.order_down(&set),
        };
        if direction == Direction::Down
            && let Some(&r) = order.iter().find(|&&r| self.revs[r].irreversible.is_some())
        {
            return Err(GraphError::Irreversible {
                target: shown.to_owned(),
                revision: self.id(r).to_owned(),
                reason: self.revs[r].irreversible.clone().unwrap_or_default(),
                at_current: rows.contains(&r),
            });
        }
        let before = self.strings(rows.iter().copied());
        let (steps, after) = self.simulate(direction, &rows, &applied, &order);
        Ok(Plan {
            direction,
            note: steps.is_empty().then_some(note),
            steps,
            before,
            after,
        })
    }

    /// The nodes strictly above `nodes` through `edges` (`children` or
    /// `all_children`) that are in `within`.
    pub(crate) fn descendants_within(
        &self,
        nodes: &[usize],
        within: &[bool],
        edges: &[Vec<usize>],
    ) -> Vec<bool> {
        let mut mask = vec![false; self.len()];
        let mut stack = nodes.to_vec();
        while let Some(v) = stack.pop() {
            for &c in &edges[v] {
                if within[c] && !mask[c] {
                    mask[c] = true;
                    stack.push(c);
                }
            }
        }
        mask
    }

    /// `node` and its ancestors through `down_revisions` only.
    fn line_below(&self, node: usize) -> Vec<bool> {
        let mut mask = vec![false; self.len()];
        mask[node] = true;
        let mut stack = vec![node];
        while let Some(v) = stack.pop() {
            for &p in &self.parents[v] {
                if !mask[p] {
                    mask[p] = true;
                    stack.push(p);
                }
            }
        }
        mask
    }

    fn not_applied(&self, shown: &str, node: usize, rows: &[usize]) -> GraphError {
        let below = self.ancestors(&[node]);
        let why = if rows.iter().any(|&r| below[r]) {
            format!(
                "it is above the current revision; to move forward to it, use `upgrade {shown}`"
            )
        } else if rows.is_empty() {
            format!("nothing is applied; to apply it, use `upgrade {shown}`")
        } else {
            format!(
                "it is not an ancestor of the current heads, it is on a branch that is not applied; to apply it, use `upgrade {shown}`"
            )
        };
        GraphError::NotApplied {
            target: shown.to_owned(),
            revision: self.id(node).to_owned(),
            why,
            current: self.strings(rows.iter().copied()),
        }
    }

    /// Runs `order` against the version table, recording each step's change.
    fn simulate(
        &self,
        direction: Direction,
        rows: &[usize],
        applied: &[bool],
        order: &[usize],
    ) -> (Vec<Step>, Vec<String>) {
        let mut is_row = self.mask(rows);
        let mut steps = Vec::with_capacity(order.len());
        match direction {
            Direction::Up => {
                for &r in order {
                    let joined: Vec<usize> = self.all_parents[r]
                        .iter()
                        .copied()
                        .filter(|&p| is_row[p])
                        .collect();
                    for &p in &joined {
                        is_row[p] = false;
                    }
                    is_row[r] = true;
                    let id = self.id(r).to_owned();
                    let change = match joined[..] {
                        [] => VersionChange::Insert(id),
                        [p] => VersionChange::Update {
                            from: self.id(p).to_owned(),
                            to: id,
                        },
                        [kept, ref others @ ..] => {
                            let mut parts: Vec<VersionChange> = others
                                .iter()
                                .map(|&o| VersionChange::Delete(self.id(o).to_owned()))
                                .collect();
                            parts.push(VersionChange::Update {
                                from: self.id(kept).to_owned(),
                                to: id,
                            });
                            VersionChange::Merge(parts)
                        }
                    };
                    steps.push(Step {
                        revision: self.id(r).to_owned(),
                        direction,
                        change,
                    });
                }
            }
            Direction::Down => {
                // How many applied revisions stand on each applied revision.
                let mut standing: Vec<u32> = (0..self.len())
                    .map(|v| {
                        let n = self.all_children[v].iter().filter(|&&c| applied[c]).count();
                        u32::try_from(n).unwrap_or(u32::MAX)
                    })
                    .collect();
                for &r in order {
                    is_row[r] = false;
                    let mut freed = Vec::new();
                    for &p in &self.all_parents[r] {
                        standing[p] -= 1;
                        if standing[p] == 0 {
                            freed.push(p);
                            is_row[p] = true;
                        }
                    }
                    let id = self.id(r).to_owned();
                    let change = match freed[..] {
                        [] => VersionChange::Delete(id),
                        [p] => VersionChange::Update {
                            from: id,
                            to: self.id(p).to_owned(),
                        },
                        [kept, ref others @ ..] => {
                            let mut parts = vec![VersionChange::Update {
                                from: id,
                                to: self.id(kept).to_owned(),
                            }];
                            parts.extend(
                                others
                                    .iter()
                                    .map(|&o| VersionChange::Insert(self.id(o).to_owned())),
                            );
                            VersionChange::Unmerge(parts)
                        }
                    };
                    steps.push(Step {
                        revision: self.id(r).to_owned(),
                        direction,
                        change,
                    });
                }
            }
        }
        let after = self.strings((0..self.len()).filter(|&i| is_row[i]));
        (steps, after)
    }
}
