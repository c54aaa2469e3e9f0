//! Why a revision graph cannot be built, a target not resolved, or a plan not made.

/// Everything that can go wrong in the graph module. Each message names the
/// revisions involved and says what to type or change instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    // ----- building the graph -----
    /// A revision id that clashes with the target syntax.
    #[error(
        "revision id `{id}` is not valid: it {reason}; ids may not be empty, contain whitespace, `@`, `-`, `+` or `:`, or be one of head, heads, base, current"
    )]
    InvalidId {
        /// The id as written.
        id: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A branch label that clashes with the target syntax.
    #[error(
        "branch label `{label}` of revision {revision} is not valid: it {reason}; labels follow the same rules as revision ids"
    )]
    InvalidLabel {
        /// The revision that declares it.
        revision: String,
        /// The label as written.
        label: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two revisions with the same id.
    #[error("revision id {0} is used by two revisions; give one of them a new id")]
    DuplicateId(String),
    /// A `down_revision` that names no revision.
    #[error(
        "revision {revision} names {parent} as its down_revision, but there is no revision {parent}{}",
        did_you_mean(.suggestions)
    )]
    UnknownParent {
        /// The child.
        revision: String,
        /// The missing parent.
        parent: String,
        /// The nearest existing ids.
        suggestions: Vec<String>,
    },
    /// A `depends_on` entry that names no revision or branch label.
    #[error(
        "revision {revision} depends on {dependency}, but there is no revision or branch label {dependency}{}",
        did_you_mean(.suggestions)
    )]
    UnknownDependency {
        /// The dependent revision.
        revision: String,
        /// The missing dependency.
        dependency: String,
        /// The nearest existing ids and labels.
        suggestions: Vec<String>,
    },
    /// The same id listed twice among one revision's parents or dependencies.
    #[error("revision {revision} lists {parent} twice in its {field}; list it once")]
    ListedTwice {
        /// The revision.
        revision: String,
        /// The repeated id.
        parent: String,
        /// `down_revision` or `depends_on`.
        field: &'static str,
    },
    /// Revisions that are (indirectly) their own ancestors.
    #[error(
        "the revisions form a cycle: {} (each arrow goes from a down_revision or dependency to the revision that names it); break it by changing one of these down_revisions or dependencies",
        cycle_text(.0)
    )]
    Cycle(Vec<String>),
    /// A branch label declared twice.
    #[error(
        "branch label `{label}` is declared by both {first} and {second}; a label names one branch, rename one of them"
    )]
    DuplicateLabel {
        /// The label.
        label: String,
        /// The first revision declaring it (by id order).
        first: String,
        /// The second one.
        second: String,
    },
    /// A branch label equal to a revision id.
    #[error(
        "branch label `{label}` of revision {revision} is also a revision id; targets could not tell them apart, rename the label"
    )]
    LabelIsRevisionId {
        /// The label.
        label: String,
        /// The revision that declares it.
        revision: String,
    },

    // ----- targets -----
    /// A target that does not parse.
    #[error("`{input}` is not a valid target: {reason}")]
    Syntax {
        /// The target as typed.
        input: String,
        /// What is wrong and how to write it.
        reason: String,
    },
    /// A name that matches no revision id, prefix or branch label.
    #[error(
        "no revision or branch label matches `{name}`{}; run `history` to list the revisions",
        did_you_mean(.suggestions)
    )]
    UnknownRevision {
        /// The name as typed.
        name: String,
        /// The nearest ids and labels.
        suggestions: Vec<String>,
    },
    /// A prefix shared by several revision ids.
    #[error(
        "`{prefix}` is ambiguous: it is the start of {total} revision ids ({}{}); type more characters",
        .candidates.join(", "),
        if *.total > .candidates.len() { ", …" } else { "" }
    )]
    AmbiguousPrefix {
        /// The prefix as typed.
        prefix: String,
        /// The matching ids (at most ten).
        candidates: Vec<String>,
        /// How many ids match.
        total: usize,
    },
    /// `head` (or `x@head`) when there are several heads.
    #[error(
        "`{target}` is ambiguous: {what} has {} heads ({}); use {} for all of them, or name one: {}",
        .heads.len(),
        .heads.join(", "),
        quote(.all),
        one_of(.options)
    )]
    MultipleHeads {
        /// The target as typed.
        target: String,
        /// `the graph` or `branch x`.
        what: String,
        /// The heads.
        heads: Vec<String>,
        /// The target naming all of them (`heads`, `x@heads`).
        all: String,
        /// A target per head.
        options: Vec<String>,
    },
    /// A relative step that has more than one way forward.
    #[error("`{target}` is ambiguous: {reason}; type one of {} instead", one_of(.options))]
    AmbiguousStep {
        /// The target as typed.
        target: String,
        /// Where the walk forks.
        reason: String,
        /// A target per way forward.
        options: Vec<String>,
    },
    /// A relative step past a head or below base.
    #[error("`{target}` goes too far: {reason}")]
    StepOutOfRange {
        /// The target as typed.
        target: String,
        /// How far it can go and what to type.
        reason: String,
    },
    /// `x@base` or `x@` on a name that is not a branch label.
    #[error(
        "`{target}` needs a branch label before `@`, and {name} is a revision id; branch labels are: {}",
        if .labels.is_empty() { "none are declared".to_owned() } else { .labels.join(", ") }
    )]
    NotABranchLabel {
        /// The target as typed.
        target: String,
        /// The name before `@`.
        name: String,
        /// The declared labels (at most ten).
        labels: Vec<String>,
    },
    /// `history` given a single target.
    #[error(
        "`{0}` is not a range: history takes `from:to` with either side optional, e.g. `{0}:` for it and everything above, or `:{0}` for it and everything below"
    )]
    NotARange(String),

    // ----- current state and planning -----
    /// A version-table row naming no revision.
    #[error(
        "the version table holds `{id}`, which is not a known revision{}; restore its migration file, or rewrite the table with `stamp <revision> --purge`",
        did_you_mean(.suggestions)
    )]
    UnknownCurrent {
        /// The row.
        id: String,
        /// The nearest ids.
        suggestions: Vec<String>,
    },
    /// Version-table rows of which one is an ancestor of another.
    #[error(
        "the version table holds both {ancestor} and its descendant {descendant}, but it should hold heads only; rewrite it with `stamp <heads> --purge`"
    )]
    RedundantCurrent {
        /// The row that should not be there.
        ancestor: String,
        /// A row above it.
        descendant: String,
    },
    /// A downgrade target that is not applied.
    #[error("cannot downgrade to `{target}`: {revision} is not applied ({why}); current heads: {}", list_or_base(.current))]
    NotApplied {
        /// The target as typed.
        target: String,
        /// The target revision that is not applied.
        revision: String,
        /// Why, and what to type instead.
        why: String,
        /// The version-table rows.
        current: Vec<String>,
    },
    /// A downgrade through a revision marked irreversible.
    #[error(
        "cannot downgrade to `{target}`: revision {revision} is irreversible ({reason}); {}",
        if *.at_current {
            format!("the database is at {revision}, so nothing on its line can be undone. If its changes were undone by hand, record that with `stamp <its parent>`")
        } else {
            format!("the furthest this downgrade can go is `downgrade {revision}`")
        }
    )]
    Irreversible {
        /// The target as typed.
        target: String,
        /// The irreversible revision (the first one the plan meets).
        revision: String,
        /// The reason the revision gives.
        reason: String,
        /// Whether it is where the database is (a version-table row), so
        /// that the downgrade can undo nothing at all on its line.
        at_current: bool,
    },
}

impl GraphError {
    /// The revision ids this error names, taken from its fields (not from
    /// its message), in the order the message names them, each once.
    ///
    /// An id may name no revision: a missing parent or dependency, an
    /// unknown version-table row. Suggestions are included; those of a
    /// dependency, a target or a version-table row may be branch labels (or,
    /// for a target, `head`, `heads` or `base`). A branch label is included
    /// only where it is also a revision id ([`LabelIsRevisionId`]). Targets
    /// as typed and the prose fields (`reason`, `why`) are not searched, so
    /// [`Syntax`], [`StepOutOfRange`] and [`NotARange`] name none, and
    /// [`AmbiguousStep`] none either (its revisions are in its `reason` and
    /// its `options` are targets).
    ///
    /// ```
    /// use migrator_graph::{Graph, RevisionInfo};
    ///
    /// let err = Graph::new([RevisionInfo::new("a1"), RevisionInfo::new("b1").parent("a2")])
    ///     .unwrap_err();
    /// assert_eq!(err.revisions(), ["b1", "a2", "a1"]); // a1 is the suggestion
    /// ```
    ///
    /// [`LabelIsRevisionId`]: GraphError::LabelIsRevisionId
    /// [`Syntax`]: GraphError::Syntax
    /// [`StepOutOfRange`]: GraphError::StepOutOfRange
    /// [`NotARange`]: GraphError::NotARange
    /// [`AmbiguousStep`]: GraphError::AmbiguousStep
    pub fn revisions(&self) -> Vec<&str> {
        fn one(s: &String) -> std::slice::Iter<'_, String> {
            std::slice::from_ref(s).iter()
        }
        let ids: Vec<&String> = match self {
            GraphError::InvalidId { id, .. } | GraphError::DuplicateId(id) => vec![id],
            GraphError::InvalidLabel { revision, .. } => vec![revision],
            GraphError::UnknownParent {
                revision,
                parent: missing,
                suggestions,
            }
            | GraphError::UnknownDependency {
                revision,
                dependency: missing,
                suggestions,
            } => one(revision)
                .chain(one(missing))
                .chain(suggestions)
                .collect(),
            GraphError::ListedTwice {
                revision, parent, ..
            } => vec![revision, parent],
            GraphError::Cycle(ids) => ids.iter().collect(),
            GraphError::DuplicateLabel { first, second, .. } => vec![first, second],
            GraphError::LabelIsRevisionId { label, revision } => vec![label, revision],
            GraphError::Syntax { .. }
            | GraphError::StepOutOfRange { .. }
            | GraphError::AmbiguousStep { .. }
            | GraphError::NotARange(_) => Vec::new(),
            GraphError::UnknownRevision { suggestions, .. } => suggestions.iter().collect(),
            GraphError::AmbiguousPrefix { candidates, .. } => candidates.iter().collect(),
            GraphError::MultipleHeads { heads, .. } => heads.iter().collect(),
            GraphError::NotABranchLabel { name, .. } => vec![name],
            GraphError::UnknownCurrent { id, suggestions } => one(id).chain(suggestions).collect(),
            GraphError::RedundantCurrent {
                ancestor,
                descendant,
            } => vec![ancestor, descendant],
            GraphError::NotApplied {
                revision, current, ..
            } => one(revision).chain(current).collect(),
            GraphError::Irreversible { revision, .. } => vec![revision],
        };
        let mut out: Vec<&str> = Vec::with_capacity(ids.len());
        for id in ids {
            if !out.contains(&id.as_str()) {
                out.push(id);
            }
        }
        out
    }
}

fn did_you_mean(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", one_of(suggestions))
    }
}

fn quote(s: &str) -> String {
    format!("`{s}`")
}

/// "`a`", "`a` or `b`", "`a`, `b` or `c`".
pub(crate) fn one_of(items: &[String]) -> String {
    match items {
        [] => "nothing".to_owned(),
        [one] => quote(one),
        [rest @ .., last] => {
            let rest: Vec<String> = rest.iter().map(|s| quote(s)).collect();
            format!("{} or {}", rest.join(", "), quote(last))
        }
    }
}

fn cycle_text(cycle: &[String]) -> String {
    let mut text = cycle.join(" -> ");
    if let Some(first) = cycle.first() {
        text.push_str(" -> ");
        text.push_str(first);
    }
    text
}

fn list_or_base(ids: &[String]) -> String {
    if ids.is_empty() {
        "none (the database is at base)".to_owned()
    } else {
        ids.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Graph, RevisionInfo};

    fn strings(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    /// The variant's name; a new variant does not compile here until it
    /// has a case in [`cases`].
    fn variant(e: &GraphError) -> &'static str {
        match e {
            GraphError::InvalidId { .. } => "InvalidId",
            GraphError::InvalidLabel { .. } => "InvalidLabel",
            GraphError::DuplicateId(_) => "DuplicateId",
            GraphError::UnknownParent { .. } => "UnknownParent",
            GraphError::UnknownDependency { .. } => "UnknownDependency",
            GraphError::ListedTwice { .. } => "ListedTwice",
            GraphError::Cycle(_) => "Cycle",
            GraphError::DuplicateLabel { .. } => "DuplicateLabel",
            GraphError::LabelIsRevisionId { .. } => "LabelIsRevisionId",
            GraphError::Syntax { .. } => "Syntax",
            GraphError::UnknownRevision { .. } => "UnknownRevision",
            GraphError::AmbiguousPrefix { .. } => "AmbiguousPrefix",
            GraphError::MultipleHeads { .. } => "MultipleHeads",
            GraphError::AmbiguousStep { .. } => "AmbiguousStep",
            GraphError::StepOutOfRange { .. } => "StepOutOfRange",
            GraphError::NotABranchLabel { .. } => "NotABranchLabel",
            GraphError::NotARange(_) => "NotARange",
            GraphError::UnknownCurrent { .. } => "UnknownCurrent",
            GraphError::RedundantCurrent { .. } => "RedundantCurrent",
            GraphError::NotApplied { .. } => "NotApplied",
            GraphError::Irreversible { .. } => "Irreversible",
        }
    }

    const VARIANTS: usize = 21;

    /// One error of each variant, with the ids it names.
    fn cases() -> Vec<(GraphError, Vec<&'static str>)> {
        vec![
            (
                GraphError::InvalidId {
                    id: "a b".into(),
                    reason: "contains whitespace",
                },
                vec!["a b"],
            ),
            (
                GraphError::InvalidLabel {
                    revision: "a1".into(),
                    label: "x@y".into(),
                    reason: "contains `@`",
                },
                vec!["a1"],
            ),
            (GraphError::DuplicateId("a1".into()), vec!["a1"]),
            (
                GraphError::UnknownParent {
                    revision: "b1".into(),
                    parent: "a2".into(),
                    suggestions: strings(&["a1", "a3"]),
                },
                vec!["b1", "a2", "a1", "a3"],
            ),
            (
                GraphError::UnknownDependency {
                    revision: "b1".into(),
                    dependency: "bill".into(),
                    suggestions: strings(&["billing"]),
                },
                vec!["b1", "bill", "billing"],
            ),
            (
                GraphError::ListedTwice {
                    revision: "b1".into(),
                    parent: "a1".into(),
                    field: "down_revision",
                },
                vec!["b1", "a1"],
            ),
            (
                GraphError::Cycle(strings(&["a1", "b1", "c1"])),
                vec!["a1", "b1", "c1"],
            ),
            (
                GraphError::DuplicateLabel {
                    label: "billing".into(),
                    first: "a1".into(),
                    second: "b1".into(),
                },
                vec!["a1", "b1"],
            ),
            (
                GraphError::LabelIsRevisionId {
                    label: "b1".into(),
                    revision: "a1".into(),
                },
                vec!["b1", "a1"],
            ),
            (
                GraphError::Syntax {
                    input: "a1::".into(),
                    reason: "a range has one `:`".into(),
                },
                vec![],
            ),
            (
                GraphError::UnknownRevision {
                    name: "a9".into(),
                    suggestions: strings(&["a1", "billing"]),
                },
                vec!["a1", "billing"],
            ),
            (
                GraphError::AmbiguousPrefix {
                    prefix: "a".into(),
                    candidates: strings(&["a1", "a2"]),
                    total: 2,
                },
                vec!["a1", "a2"],
            ),
            (
                GraphError::MultipleHeads {
                    target: "head".into(),
                    what: "the graph".into(),
                    heads: strings(&["b1", "c1"]),
                    all: "heads".into(),
                    options: strings(&["b1", "c1"]),
                },
                vec!["b1", "c1"],
            ),
            (
                GraphError::AmbiguousStep {
                    target: "-2".into(),
                    reason: "d1 is a merge point of b1 and c1".into(),
                    options: strings(&["b1-1", "c1-1"]),
                },
                vec![],
            ),
            (
                GraphError::StepOutOfRange {
                    target: "+5".into(),
                    reason: "a1 is 1 step from the head".into(),
                },
                vec![],
            ),
            (
                GraphError::NotABranchLabel {
                    target: "a1@head".into(),
                    name: "a1".into(),
                    labels: strings(&["billing"]),
                },
                vec!["a1"],
            ),
            (GraphError::NotARange("a1".into()), vec![]),
            (
                GraphError::UnknownCurrent {
                    id: "a9".into(),
                    suggestions: strings(&["a1"]),
                },
                vec!["a9", "a1"],
            ),
            (
                GraphError::RedundantCurrent {
                    ancestor: "a1".into(),
                    descendant: "b1".into(),
                },
                vec!["a1", "b1"],
            ),
            (
                GraphError::NotApplied {
                    target: "c1".into(),
                    revision: "c1".into(),
                    why: "it is on a branch that is not applied".into(),
                    current: strings(&["b1", "d1"]),
                },
                vec!["c1", "b1", "d1"],
            ),
            (
                GraphError::Irreversible {
                    target: "base".into(),
                    revision: "b1".into(),
                    reason: "drops data".into(),
                    at_current: false,
                },
                vec!["b1"],
            ),
        ]
    }

    #[test]
    fn revisions_of_every_variant() {
        let cases = cases();
        let mut names: Vec<&str> = cases.iter().map(|(e, _)| variant(e)).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), VARIANTS, "{names:?}");
        for (error, want) in &cases {
            assert_eq!(error.revisions(), *want, "{}: {error}", variant(error));
            // Each of them is one the message shows.
            let text = error.to_string();
            for id in error.revisions() {
                assert!(text.contains(id), "{id} not in: {text}");
            }
        }
    }

    #[test]
    fn each_id_once() {
        let error = GraphError::UnknownParent {
            revision: "b1".into(),
            parent: "a2".into(),
            suggestions: strings(&["b1"]),
        };
        assert_eq!(error.revisions(), ["b1", "a2"]);
    }

    #[test]
    fn revisions_of_errors_the_graph_makes() {
        let rev = RevisionInfo::new;
        let err =
            Graph::new([rev("a1"), rev("b1").parent("c1"), rev("c1").parent("b1")]).unwrap_err();
        assert!(matches!(err, GraphError::Cycle(_)), "{err}");
        let mut ids = err.revisions();
        ids.sort_unstable();
        assert_eq!(ids, ["b1", "c1"]);

        let err = Graph::new([rev("a1").label("billing"), rev("b1").label("billing")]).unwrap_err();
        assert_eq!(err.revisions(), ["a1", "b1"]);

        let graph =
            Graph::new([rev("a1"), rev("b1").parent("a1"), rev("c1").parent("a1")]).unwrap();
        let none: [&str; 0] = [];
        let err = graph.upgrade(none, "head").unwrap_err();
        assert_eq!(err.revisions(), ["b1", "c1"]);
        let err = graph.resolve(none, "b2").unwrap_err();
        assert!(matches!(err, GraphError::UnknownRevision { .. }), "{err}");
        // A target's suggestions may be target words.
        assert_eq!(err.revisions(), ["b1", "base"]);
        let err = Graph::new([rev("a1"), rev("a2")])
            .unwrap()
            .resolve(none, "a")
            .unwrap_err();
        assert!(matches!(err, GraphError::AmbiguousPrefix { .. }), "{err}");
        assert_eq!(err.revisions(), ["a1", "a2"]);
        let err = graph.applied(["zzzzzz"]).unwrap_err();
        assert_eq!(err.revisions(), ["zzzzzz"]);
    }
}
