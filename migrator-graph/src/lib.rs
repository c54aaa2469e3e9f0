//! The revision graph and the planner that walks it, with Alembic's semantics.
//!
//! Revisions name their parents (`down_revisions`: none for a base, one, or
//! several for a merge) and may depend on revisions of other branches
//! (`depends_on`). A [`Graph`] checks them once; the planner then turns
//! (graph, version-table rows, target) into an ordered [`Plan`] of steps, each
//! with the change it makes to the version table (one row per current head).
//! Nothing here touches a database.
//!
//! ```
//! use migrator_graph::{Graph, RevisionInfo, VersionChange};
//!
//! let graph = Graph::new([
//!     RevisionInfo::new("a1").message("create users"),
//!     RevisionInfo::new("b1").parent("a1").message("add email"),
//!     RevisionInfo::new("c1").parent("a1").label("billing").message("create fees"),
//!     RevisionInfo::new("d1").parents(["b1", "c1"]).message("merge"),
//! ])
//! .unwrap();
//! assert_eq!(graph.heads(), ["d1"]);
//!
//! // From a database at b1, upgrade to the head of the billing branch.
//! let plan = graph.upgrade(["b1"], "billing@head").unwrap();
//! assert_eq!(plan.revisions().collect::<Vec<_>>(), ["c1", "d1"]);
//! assert_eq!(plan.steps[0].change, VersionChange::Insert("c1".into()));
//! assert_eq!(plan.after, ["d1"]);
//!
//! // A mistake says what to type instead.
//! let err = graph.downgrade(["d1"], "-2").unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "`-2` is ambiguous: d1 is a merge point of b1 and c1; type one of `b1-1` or `c1-1` instead"
//! );
//! ```

mod error;
mod history;
mod plan;
mod stamp;
mod suggest;
pub use suggest::nearest;
mod target;

use std::collections::HashMap;

pub use error::GraphError;
pub use history::HistoryEntry;
pub use plan::{Direction, Plan, Step, VersionChange};
pub use target::{Anchor, Offset, Point, Target};

/// Words of the target syntax; no revision id or branch label may be one.
pub const RESERVED_WORDS: [&str; 4] = ["head", "heads", "base", "current"];

/// One revision as registered: its id, its parents, its message, its branch
/// labels, its cross-branch dependencies and, if it cannot be undone, why.
///
/// Build one with the chained constructor:
///
/// ```
/// use migrator_graph::RevisionInfo;
///
/// let rev = RevisionInfo::new("3f47")
///     .parents(["ae10", "27c6"])
///     .message("merge billing")
///     .depends_on("1975")
///     .irreversible("drops the legacy table");
/// assert_eq!(rev.down_revisions, ["ae10", "27c6"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RevisionInfo {
    /// The revision id.
    pub id: String,
    /// The parents: empty for a base, several for a merge.
    pub down_revisions: Vec<String>,
    /// The one-line message.
    pub message: String,
    /// Branch labels this revision declares.
    pub branch_labels: Vec<String>,
    /// Revisions (ids or branch labels) that must be applied first without
    /// being parents.
    pub depends_on: Vec<String>,
    /// Why the revision cannot be downgraded, if it cannot.
    pub irreversible: Option<String>,
}

impl RevisionInfo {
    /// A base revision with no message, labels or dependencies.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// Adds a parent (a `down_revision`).
    pub fn parent(mut self, id: impl Into<String>) -> Self {
        self.down_revisions.push(id.into());
        self
    }

    /// Adds several parents, making this a merge when there are two or more.
    pub fn parents<S: Into<String>>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.down_revisions.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Sets the message.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// Declares a branch label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.branch_labels.push(label.into());
        self
    }

    /// Adds a dependency: a revision id or branch label applied before this one.
    pub fn depends_on(mut self, id: impl Into<String>) -> Self {
        self.depends_on.push(id.into());
        self
    }

    /// Marks the revision irreversible, with the reason.
    pub fn irreversible(mut self, reason: impl Into<String>) -> Self {
        self.irreversible = Some(reason.into());
        self
    }
}

/// Why `name` cannot be a revision id or label, if it cannot.
///
/// ```
/// assert_eq!(migrator_graph::name_problem("a b"), Some("contains whitespace"));
/// assert_eq!(migrator_graph::name_problem("ae1027a6acf4"), None);
/// ```
pub fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.chars().any(char::is_whitespace) {
        Some("contains whitespace")
    } else if name.contains('@') {
        Some("contains `@`")
    } else if name.contains('-') {
        Some("contains `-`")
    } else if name.contains('+') {
        Some("contains `+`")
    } else if name.contains(':') {
        Some("contains `:`")
    } else if RESERVED_WORDS.contains(&name) {
        Some("is a reserved word")
    } else {
        None
    }
}

/// A checked set of revisions: ids unique, parents and dependencies known, no
/// cycle, labels unique.
///
/// *Heads* are revisions no other revision names as a `down_revision`;
/// *bases* name none; a *branch point* is the `down_revision` of several
/// revisions, a *merge point* has several. Dependencies order plans and shape
/// the version table (a revision another one depends on is not kept as a row
/// once that one is applied, as in Alembic) but do not make parents.
#[derive(Debug, Clone)]
pub struct Graph {
    /// Sorted by id: a node's index is its tie-break rank everywhere.
    revs: Vec<RevisionInfo>,
    index: HashMap<String, usize>,
    /// Label → index of the revision declaring it.
    labels: HashMap<String, usize>,
    /// `down_revisions`, in declared order.
    parents: Vec<Vec<usize>>,
    /// `down_revisions` then `depends_on`, without repeats, in declared order.
    all_parents: Vec<Vec<usize>>,
    /// Revisions naming this one as a `down_revision`, ascending.
    children: Vec<Vec<usize>>,
    /// Revisions naming this one as a parent or dependency, ascending.
    all_children: Vec<Vec<usize>>,
}

impl Graph {
    /// Checks and links `revisions` (in any order).
    ///
    /// Fails on an invalid id or label, a duplicate id, an unknown parent or
    /// dependency, a label declared twice or equal to an id, or a cycle.
    pub fn new(revisions: impl IntoIterator<Item = RevisionInfo>) -> Result<Self, GraphError> {
        let mut revs: Vec<RevisionInfo> = revisions.into_iter().collect();
        for rev in &revs {
            if let Some(reason) = name_problem(&rev.id) {
                return Err(GraphError::InvalidId {
                    id: rev.id.clone(),
                    reason,
                });
            }
        }
        revs.sort_by(|a, b| a.id.cmp(&b.id));
        if let Some(pair) = revs.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(GraphError::DuplicateId(pair[0].id.clone()));
        }
        let index: HashMap<String, usize> = revs
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();

        let mut labels: HashMap<String, usize> = HashMap::new();
        for (i, rev) in revs.iter().enumerate() {
            for label in &rev.branch_labels {
                if let Some(reason) = name_problem(label) {
                    return Err(GraphError::InvalidLabel {
                        revision: rev.id.clone(),
                        label: label.clone(),
                        reason,
                    });
                }
                if index.contains_key(label) {
                    return Err(GraphError::LabelIsRevisionId {
                        label: label.clone(),
                        revision: rev.id.clone(),
                    });
                }
                if let Some(first) = labels.insert(label.clone(), i) {
                    return Err(GraphError::DuplicateLabel {
                        label: label.clone(),
                        first: revs[first].id.clone(),
                        second: rev.id.clone(),
                    });
                }
            }
        }

        let n = revs.len();
        let mut parents = vec![Vec::new(); n];
        let mut all_parents = vec![Vec::new(); n];
        for (i, rev) in revs.iter().enumerate() {
            for p in &rev.down_revisions {
                let Some(&j) = index.get(p) else {
                    return Err(GraphError::UnknownParent {
                        revision: rev.id.clone(),
                        parent: p.clone(),
                        suggestions: suggest::nearest(p, revs.iter().map(|r| r.id.as_str())),
                    });
                };
                if parents[i].contains(&j) {
                    return Err(GraphError::ListedTwice {
                        revision: rev.id.clone(),
                        parent: p.clone(),
                        field: "down_revision",
                    });
                }
                parents[i].push(j);
            }
            all_parents[i] = parents[i].clone();
            let mut deps: Vec<usize> = Vec::new();
            for d in &rev.depends_on {
                let Some(&j) = index.get(d).or_else(|| labels.get(d)) else {
                    return Err(GraphError::UnknownDependency {
                        revision: rev.id.clone(),
                        dependency: d.clone(),
                        suggestions: suggest::nearest(
                            d,
                            revs.iter()
                                .map(|r| r.id.as_str())
                                .chain(labels.keys().map(String::as_str)),
                        ),
                    });
                };
                if deps.contains(&j) {
                    return Err(GraphError::ListedTwice {
                        revision: rev.id.clone(),
                        parent: d.clone(),
                        field: "depends_on",
                    });
                }
                deps.push(j);
                if !all_parents[i].contains(&j) {
                    all_parents[i].push(j);
                }
            }
        }
        let mut children = vec![Vec::new(); n];
        let mut all_children = vec![Vec::new(); n];
        for i in 0..n {
            for &p in &parents[i] {
                children[p].push(i);
            }
            for &p in &all_parents[i] {
                all_children[p].push(i);
            }
        }
        let graph = Graph {
            revs,
            index,
            labels,
            parents,
            all_parents,
            children,
            all_children,
        };
        graph.check_acyclic()?;
        Ok(graph)
    }

    /// Kahn's algorithm over every edge; what it cannot reach holds a cycle.
    fn check_acyclic(&self) -> Result<(), GraphError> {
        let n = self.revs.len();
        let mut indegree: Vec<usize> = self.all_parents.iter().map(Vec::len).collect();
        let mut ready: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
        let mut seen = 0;
        while let Some(v) = ready.pop() {
            seen += 1;
            for &c in &self.all_children[v] {
                indegree[c] -= 1;
                if indegree[c] == 0 {
                    ready.push(c);
                }
            }
        }
        if seen == n {
            return Ok(());
        }
        // Every unsorted node has an unsorted parent: walk parents until one repeats.
        let Some(start) = (0..n).find(|&i| indegree[i] > 0) else {
            return Ok(());
        };
        let mut position = vec![usize::MAX; n];
        let mut path = Vec::new();
        let mut v = start;
        while position[v] == usize::MAX {
            position[v] = path.len();
            path.push(v);
            v = self.all_parents[v]
                .iter()
                .copied()
                .filter(|&p| indegree[p] > 0)
                .min()
                .unwrap_or(v);
        }
        let mut cycle: Vec<usize> = path[position[v]..].to_vec();
        // Walked child → parent; show parent → child, smallest id first.
        cycle.reverse();
        if let Some(min_at) = (0..cycle.len()).min_by_key(|&k| cycle[k]) {
            cycle.rotate_left(min_at);
        }
        Err(GraphError::Cycle(
            cycle.into_iter().map(|i| self.revs[i].id.clone()).collect(),
        ))
    }

    /// How many revisions the graph holds.
    pub fn len(&self) -> usize {
        self.revs.len()
    }

    /// Whether the graph holds no revision.
    pub fn is_empty(&self) -> bool {
        self.revs.is_empty()
    }

    /// The revision with exactly this id.
    pub fn get(&self, id: &str) -> Option<&RevisionInfo> {
        self.index.get(id).map(|&i| &self.revs[i])
    }

    /// Every revision, in id order.
    pub fn revisions(&self) -> impl ExactSizeIterator<Item = &RevisionInfo> {
        self.revs.iter()
    }

    /// Revisions no other revision names as a `down_revision`, in id order.
    pub fn heads(&self) -> Vec<&str> {
        self.ids(self.head_nodes())
    }

    /// Revisions without a `down_revision`, in id order.
    pub fn bases(&self) -> Vec<&str> {
        self.ids((0..self.len()).filter(|&i| self.parents[i].is_empty()))
    }

    /// Revisions that are the `down_revision` of several others, in id order.
    pub fn branch_points(&self) -> Vec<&str> {
        self.ids((0..self.len()).filter(|&i| self.children[i].len() > 1))
    }

    /// Revisions with several `down_revisions`, in id order.
    pub fn merge_points(&self) -> Vec<&str> {
        self.ids((0..self.len()).filter(|&i| self.parents[i].len() > 1))
    }

    /// The revisions naming `id` as a `down_revision`, in id order (`None`
    /// for an unknown id).
    pub fn children(&self, id: &str) -> Option<Vec<&str>> {
        let &i = self.index.get(id)?;
        Some(self.ids(self.children[i].iter().copied()))
    }

    /// The revisions naming `id` as a `depends_on` (not as a parent), in id
    /// order (`None` for an unknown id).
    pub fn dependents(&self, id: &str) -> Option<Vec<&str>> {
        let &i = self.index.get(id)?;
        Some(
            self.ids(
                self.all_children[i]
                    .iter()
                    .copied()
                    .filter(|&c| !self.parents[c].contains(&i)),
            ),
        )
    }

    /// The declared branch labels, sorted.
    pub fn branch_labels(&self) -> Vec<&str> {
        let mut labels: Vec<&str> = self.labels.keys().map(String::as_str).collect();
        labels.sort_unstable();
        labels
    }

    /// The revision that declares `label`.
    pub fn label_revision(&self, label: &str) -> Option<&RevisionInfo> {
        self.labels.get(label).map(|&i| &self.revs[i])
    }

    /// The revisions on the branch `label`, in id order: the revision that
    /// declares it, everything above it (through `down_revisions`, past
    /// merges), and the revisions below it down to the nearest branch point,
    /// merge point or base (not included), as Alembic spreads labels.
    pub fn branch_members(&self, label: &str) -> Option<Vec<&str>> {
        let members = self.members(label)?;
        Some(self.ids((0..self.len()).filter(|&i| members[i])))
    }

    /// Every label whose branch holds `id`, sorted (`None` for an unknown id).
    pub fn labels_of(&self, id: &str) -> Option<Vec<&str>> {
        let &i = self.index.get(id)?;
        Some(self.labels_of_node(i))
    }

    /// The version-table rows for a database where `revisions` and all their
    /// ancestors are applied: the applied revisions nothing applied depends
    /// on or descends from, in id order. `version_rows(graph.heads())` is what
    /// the table holds after `upgrade heads`.
    pub fn version_rows<S: AsRef<str>>(
        &self,
        revisions: impl IntoIterator<Item = S>,
    ) -> Result<Vec<String>, GraphError> {
        let mut nodes = Vec::new();
        for id in revisions {
            let id = id.as_ref();
            match self.index.get(id) {
                Some(&i) => nodes.push(i),
                None => return Err(self.unknown(id)),
            }
        }
        let applied = self.ancestors(&nodes);
        Ok(self.strings(self.rows_of(&applied)))
    }

    // ----- internals shared by the submodules -----

    pub(crate) fn head_nodes(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).filter(|&i| self.children[i].is_empty())
    }

    fn ids(&self, nodes: impl Iterator<Item = usize>) -> Vec<&str> {
        nodes.map(|i| self.revs[i].id.as_str()).collect()
    }

    pub(crate) fn id(&self, node: usize) -> &str {
        &self.revs[node].id
    }

    pub(crate) fn strings(&self, nodes: impl IntoIterator<Item = usize>) -> Vec<String> {
        nodes.into_iter().map(|i| self.revs[i].id.clone()).collect()
    }

    pub(crate) fn unknown(&self, name: &str) -> GraphError {
        GraphError::UnknownRevision {
            name: name.to_owned(),
            suggestions: self.suggest(name),
        }
    }

    /// [`unknown`](Self::unknown) for a name that stands for a whole target
    /// (`upgrade haed`): the words `head`, `heads` and `base` are
    /// suggestions too.
    pub(crate) fn unknown_target(&self, name: &str) -> GraphError {
        GraphError::UnknownRevision {
            name: name.to_owned(),
            suggestions: suggest::nearest(
                name,
                ["head", "heads", "base"]
                    .into_iter()
                    .chain(self.revs.iter().map(|r| r.id.as_str()))
                    .chain(self.labels.keys().map(String::as_str)),
            ),
        }
    }

    pub(crate) fn suggest(&self, name: &str) -> Vec<String> {
        suggest::nearest(
            name,
            self.revs
                .iter()
                .map(|r| r.id.as_str())
                .chain(self.labels.keys().map(String::as_str)),
        )
    }

    /// `nodes` and all their ancestors (through every edge), as a mask.
    pub(crate) fn ancestors(&self, nodes: &[usize]) -> Vec<bool> {
        let mut mask = vec![false; self.len()];
        let mut stack: Vec<usize> = Vec::new();
        for &v in nodes {
            if !mask[v] {
                mask[v] = true;
                stack.push(v);
            }
        }
        while let Some(v) = stack.pop() {
            for &p in &self.all_parents[v] {
                if !mask[p] {
                    mask[p] = true;
                    stack.push(p);
                }
            }
        }
        mask
    }

    /// The nodes of an ancestor-closed set with no child in it, ascending.
    pub(crate) fn rows_of(&self, applied: &[bool]) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| applied[i] && !self.all_children[i].iter().any(|&c| applied[c]))
            .collect()
    }

    /// The branch `label` as a mask, or `None` for an unknown label.
    pub(crate) fn members(&self, label: &str) -> Option<Vec<bool>> {
        let &root = self.labels.get(label)?;
        let mut mask = vec![false; self.len()];
        mask[root] = true;
        let mut stack = vec![root];
        while let Some(v) = stack.pop() {
            for &c in &self.children[v] {
                if !mask[c] {
                    mask[c] = true;
                    stack.push(c);
                }
            }
        }
        let mut v = root;
        while let [p] = self.parents[v][..] {
            if self.children[p].len() > 1 || self.parents[p].len() > 1 {
                break;
            }
            mask[p] = true;
            v = p;
        }
        Some(mask)
    }

    pub(crate) fn labels_of_node(&self, node: usize) -> Vec<&str> {
        let mut labels: Vec<&str> = self
            .labels
            .keys()
            .filter(|l| self.members(l).is_some_and(|m| m[node]))
            .map(String::as_str)
            .collect();
        labels.sort_unstable();
        labels
    }

    /// Topological order of the masked nodes, parents first. Ties go to the
    /// smallest id, and a branch is followed to its end before the next one
    /// starts (a depth-first Kahn's algorithm).
    pub(crate) fn order_up(&self, set: &[bool]) -> Vec<usize> {
        self.order(set, &self.all_parents, &self.all_children)
    }

    /// Topological order of the masked nodes, children first (heads first),
    /// with the same tie-breaks as [`Graph::order_up`].
    pub(crate) fn order_down(&self, set: &[bool]) -> Vec<usize> {
        self.order(set, &self.all_children, &self.all_parents)
    }

    /// The depth-first Kahn's algorithm of both orders: a node comes once
    /// every node it has an edge to in `before` has come, and the nodes it
    /// releases through `after` follow it, smallest first.
    fn order(&self, set: &[bool], before: &[Vec<usize>], after: &[Vec<usize>]) -> Vec<usize> {
        let mut waiting = vec![0u32; self.len()];
        let mut stack = Vec::new();
        for v in (0..self.len()).rev() {
            if set[v] {
                let d = before[v].iter().filter(|&&u| set[u]).count();
                waiting[v] = u32::try_from(d).unwrap_or(u32::MAX);
                if d == 0 {
                    stack.push(v);
                }
            }
        }
        let mut order = Vec::new();
        let mut ready = Vec::new();
        while let Some(v) = stack.pop() {
            order.push(v);
            ready.clear();
            for &w in &after[v] {
                if set[w] {
                    waiting[w] -= 1;
                    if waiting[w] == 0 {
                        ready.push(w);
                    }
                }
            }
            ready.sort_unstable();
            stack.extend(ready.iter().rev());
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(id: &str) -> RevisionInfo {
        RevisionInfo::new(id)
    }

    #[test]
    fn refuses_bad_ids_and_labels() {
        for bad in [
            "", "a b", "a@b", "a-b", "a+b", "a:b", "head", "current", "x\t",
        ] {
            let err = Graph::new([rev(bad)]).unwrap_err();
            assert!(
                matches!(err, GraphError::InvalidId { .. }),
                "{bad:?}: {err}"
            );
        }
        let err = Graph::new([rev("a").label("x@y")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "branch label `x@y` of revision a is not valid: it contains `@`; labels follow the same rules as revision ids"
        );
        let err = Graph::new([rev("a").label("b"), rev("b")]).unwrap_err();
        assert!(matches!(err, GraphError::LabelIsRevisionId { .. }));
    }

    #[test]
    fn a_mistyped_target_word_suggests_the_word() {
        let graph = Graph::new([
            rev("ae1027a6acf4"),
            rev("1975ea83b712").parent("ae1027a6acf4"),
        ])
        .unwrap();
        let none: [&str; 0] = [];
        let err = graph.resolve(none, "haed").unwrap_err();
        assert_eq!(
            err.to_string(),
            "no revision or branch label matches `haed` (did you mean `head` or `heads`?); run `history` to list the revisions"
        );
        let err = graph.resolve(none, "bsae").unwrap_err();
        assert!(err.to_string().contains("did you mean `base`?"), "{err}");
        let err = graph.resolve(none, "ae1072").unwrap_err();
        assert!(err.to_string().contains("`ae1027a6acf4`"), "{err}");
    }

    #[test]
    fn refuses_duplicates_unknowns_and_cycles() {
        let err = Graph::new([rev("a"), rev("a")]).unwrap_err();
        assert_eq!(err, GraphError::DuplicateId("a".into()));
        let err = Graph::new([rev("a1b2"), rev("c").parent("a1b3")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "revision c names a1b3 as its down_revision, but there is no revision a1b3 (did you mean `a1b2`?)"
        );
        let err = Graph::new([rev("a"), rev("c").depends_on("zzz")]).unwrap_err();
        assert!(matches!(err, GraphError::UnknownDependency { .. }));
        let err = Graph::new([rev("a"), rev("c").parents(["a", "a"])]).unwrap_err();
        assert!(matches!(err, GraphError::ListedTwice { .. }));
        let err = Graph::new([rev("a").label("x"), rev("b").parent("a").label("x")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "branch label `x` is declared by both a and b; a label names one branch, rename one of them"
        );
        let err = Graph::new([
            rev("r0"),
            rev("c").parents(["r0", "b"]),
            rev("b").parent("a"),
            rev("a").parent("c"),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the revisions form a cycle: a -> b -> c -> a (each arrow goes from a down_revision or dependency to the revision that names it); break it by changing one of these down_revisions or dependencies"
        );
        let err = Graph::new([rev("a").parent("a")]).unwrap_err();
        assert_eq!(err, GraphError::Cycle(vec!["a".into()]));
        let err = Graph::new([
            rev("a"),
            rev("b").parent("a").depends_on("c"),
            rev("c").parent("b"),
        ])
        .unwrap_err();
        assert_eq!(err, GraphError::Cycle(vec!["b".into(), "c".into()]));
    }

    #[test]
    fn derived_structure() {
        // r0 ─ a1 ─ a2 ─┐
        //    └─ b1 ─────┴ m ; d depends on b1
        let g = Graph::new([
            rev("r0"),
            rev("a1").parent("r0").label("left"),
            rev("a2").parent("a1"),
            rev("b1").parent("r0").label("right"),
            rev("m").parents(["a2", "b1"]),
            rev("d").depends_on("right"),
        ])
        .unwrap();
        assert_eq!(g.heads(), ["d", "m"]);
        assert_eq!(g.bases(), ["d", "r0"]);
        assert_eq!(g.branch_points(), ["r0"]);
        assert_eq!(g.merge_points(), ["m"]);
        assert_eq!(g.children("r0").unwrap(), ["a1", "b1"]);
        assert_eq!(g.dependents("b1").unwrap(), ["d"]);
        assert_eq!(g.branch_members("left").unwrap(), ["a1", "a2", "m"]);
        assert_eq!(g.branch_members("right").unwrap(), ["b1", "m"]);
        assert_eq!(g.labels_of("m").unwrap(), ["left", "right"]);
        assert_eq!(g.version_rows(g.heads()).unwrap(), ["d", "m"]);
        assert_eq!(g.version_rows(["d", "b1"]).unwrap(), ["d"]);
    }
}
