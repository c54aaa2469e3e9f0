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
