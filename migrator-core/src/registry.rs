//! Revisions registered by `#[migration]` through `inventory`: every revision
//! linked into the binary, from any crate, with no hand-kept list.

use std::collections::BTreeMap;

use crate::graph::{Graph, GraphError, RevisionInfo};
use crate::ops::{InvertError, invert_all};
use crate::ops::{NamingConvention, Op, Ops, Reversible, naming};
use crate::schema::Schema;

/// How a revision's upgrade records its ops.
#[derive(Debug, Clone, Copy)]
pub enum Upgrade {
    /// With the full builder.
    Ops(fn(&mut Ops)),
    /// With the builder that has only invertible ops; the downgrade is derived.
    Reversible(fn(&mut Reversible)),
}

/// How a revision is undone.
#[derive(Debug, Clone, Copy)]
pub enum Downgrade {
    /// A downgrade written by the author.
    Written(fn(&mut Ops)),
    /// The inverses of the upgrade's ops, last first.
    Derived,
    /// It cannot be undone, for this reason.
    Irreversible(&'static str),
}

/// One revision as `#[migration]` registers it, or as a program builds it
/// for [`Migrations::new`](crate::run::Migrations::new).
#[derive(Debug, Clone)]
pub struct Registered {
    /// The revision id.
    pub id: &'static str,
    /// Its parents: none for a base, several for a merge.
    pub down_revisions: &'static [&'static str],
    /// Its message.
    pub message: &'static str,
    /// The branch labels it declares.
    pub branch_labels: &'static [&'static str],
    /// Revisions (or labels) it depends on without being their child.
    pub depends_on: &'static [&'static str],
    /// Its upgrade.
    pub upgrade: Upgrade,
    /// Its downgrade.
    pub downgrade: Downgrade,
    /// The naming convention its ops are recorded under
    /// (`#[migration(naming = …)]`); `None`: PostgreSQL's names.
    pub naming: Option<&'static NamingConvention>,
    /// The source file that declares it.
    pub file: &'static str,
    /// The line of its `#[migration]`.
    pub line: u32,
}

inventory::collect!(Registered);

impl From<&Registered> for Registered {
    fn from(r: &Registered) -> Self {
        r.clone()
    }
}

/// The revisions of other crates that a `migrations!` directory builds on:
/// its `extends = ["<id>", ...]`. The compile-time check accepts them as
/// parents (it cannot see other crates); [`graph_of`] checks at start-up
/// that they are linked in, and says which crate link is missing if not.
#[derive(Debug)]
pub struct Extends {
    /// The ids of other crates' revisions the directory's revisions build on.
    pub ids: &'static [&'static str],
    /// The directory, as `migrations!` was given it.
    pub directory: &'static str,
    /// The source file that invokes `migrations!`.
    pub file: &'static str,
    /// The line of the invocation.
    pub line: u32,
}

inventory::collect!(Extends);

impl Extends {
    /// `file:line` of the `migrations!` invocation.
    pub fn location(&self) -> String {
        format!("{}:{}", shown_path(self.file), self.line)
    }
}

/// Every `extends` of a `migrations!` linked into this binary.
pub fn extends() -> Vec<&'static Extends> {
    inventory::iter::<Extends>.into_iter().collect()
}

/// `file` relative to the working directory when it is below it.
fn shown_path(file: &str) -> String {
    let file = std::path::Path::new(file);
    std::env::current_dir()
        .ok()
        .and_then(|cwd| file.strip_prefix(cwd).ok().map(|p| p.to_path_buf()))
        .unwrap_or_else(|| file.to_path_buf())
        .display()
        .to_string()
}

/// Why a revision's downgrade cannot be produced.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DowngradeError {
    /// The revision is marked irreversible.
    #[error("revision {id} is irreversible: {reason}")]
    Irreversible {
        /// The revision.
        id: String,
        /// Its author's reason.
        reason: String,
    },
    /// Its derived downgrade could not be computed.
    #[error("revision {id}: {source}")]
    Invert {
        /// The revision.
        id: String,
        /// Why.
        source: Box<InvertError>,
    },
}

impl Registered {
    /// The revision as the graph sees it.
    pub fn info(&self) -> RevisionInfo {
        let mut info = RevisionInfo::new(self.id)
            .parents(self.down_revisions.iter().copied())
            .message(self.message);
        for label in self.branch_labels {
            info = info.label(*label);
        }
        for dep in self.depends_on {
            info = info.depends_on(*dep);
        }
        if let Downgrade::Irreversible(reason) = self.downgrade {
            info = info.irreversible(reason);
        }
        info
    }

    /// The ops of its upgrade, named under its naming convention.
    pub fn upgrade_ops(&self) -> Vec<Op> {
        naming::within(self.naming, || self.record_upgrade())
    }

    fn record_upgrade(&self) -> Vec<Op> {
        match self.upgrade {
            Upgrade::Ops(f) => {
                let mut op = Ops::new();
                f(&mut op);
                op.into_ops()
            }
            Upgrade::Reversible(f) => {
                let mut op = Reversible::new();
                f(&mut op);
                op.into_ops()
            }
        }
    }

    /// The ops of its downgrade, given the schema before its upgrade (which
    /// a derived downgrade needs to restore what the upgrade dropped).
    pub fn downgrade_ops(&self, before_upgrade: &Schema) -> Result<Vec<Op>, DowngradeError> {
        match self.downgrade {
            Downgrade::Written(f) => Ok(naming::within(self.naming, || {
                let mut op = Ops::new();
                f(&mut op);
                op.into_ops()
            })),
            Downgrade::Derived => {
                invert_all(&self.upgrade_ops(), before_upgrade).map_err(|source| {
                    DowngradeError::Invert {
                        id: self.id.to_owned(),
                        source: Box::new(source),
                    }
                })
            }
            Downgrade::Irreversible(reason) => Err(DowngradeError::Irreversible {
                id: self.id.to_owned(),
                reason: reason.to_owned(),
            }),
        }
    }

    /// `file:line` of its declaration, relative to the working directory
    /// when it is below it.
    pub fn location(&self) -> String {
        format!("{}:{}", shown_path(self.file), self.line)
    }
}

/// Every registered revision, ordered by id.
pub fn registered() -> Vec<&'static Registered> {
    let mut all: Vec<&'static Registered> = inventory::iter::<Registered>.into_iter().collect();
    all.sort_by_key(|r| (r.id, r.file, r.line));
    all
}

/// Why the registered revisions do not form a graph.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RegistryError {
    /// Two revisions share an id.
    #[error(
        "revision id {id} is declared twice: at {first} and at {second}; give one of them a new id"
    )]
    DuplicateId {
        /// The id.
        id: String,
        /// One declaration.
        first: String,
        /// The other.
        second: String,
    },
    /// No revision is linked into the binary, and none was expected.
    #[error(
        "no revisions are linked into this binary, so there is nothing to run or check. If the migrations live in a library crate, the binary must link it: add `use my_app as _;` (the crate's name) to its main.rs; a binary that has none on purpose passes `CliConfig::default().with_revisions(Vec::new())` (or uses `Migrations::new(Vec::<Registered>::new())`). To write the first revision, run `revision -m \"...\"`"
    )]
    Empty,
    /// A revision builds on one of another crate (listed in `extends`)
    /// that is not linked into the binary.
    #[error(
        "revision {revision} (at {declared}) builds on {parent} from another crate (`extends` of migrations!(\"{directory}\") at {extended_at}), but no revision {parent} is linked into this binary: the crate that declares it must be linked in, so add `use base_migrations as _;` (with that crate's name) to the binary's main.rs"
    )]
    MissingExtended {
        /// The revision of this crate.
        revision: String,
        /// The other crate's revision it names as a parent or dependency.
        parent: String,
        /// `file:line` of the revision.
        declared: String,
        /// The directory whose `extends` lists `parent`.
        directory: String,
        /// `file:line` of that `migrations!`.
        extended_at: String,
    },
    /// The naming convention a revision names has a template that does
    /// not work.
    #[error(
        "revision {revision} (at {declared}) is written under a naming convention that does not work: {problem}; fix the constant its #[migration(naming = …)] names"
    )]
    Naming {
        /// The revision.
        revision: String,
        /// `file:line` of the revision.
        declared: String,
        /// What is wrong with the template.
        problem: String,
    },
    /// Another graph error, with where each revision it names is declared.
    #[error("{source}{}", declared_at(.locations))]
    Graph {
        /// What is wrong.
        source: GraphError,
        /// `id at file:line` for the revisions involved.
        locations: Vec<String>,
    },
}

fn declared_at(locations: &[String]) -> String {
    if locations.is_empty() {
        String::new()
    } else {
        format!(" (declared: {})", locations.join(", "))
    }
}

/// Checks `revisions` as a graph: the same checks `migrations!` makes at
/// compile time, run over everything registered (revisions may come from
/// several crates), before any connection is made. A missing parent that a
/// linked `migrations!` lists in `extends` is a
/// [`RegistryError::MissingExtended`], which names the crate link to add.
pub fn graph_of<R: std::borrow::Borrow<Registered>>(
    revisions: &[R],
) -> Result<Graph, RegistryError> {
    let mut seen: BTreeMap<&str, &Registered> = BTreeMap::new();
    for r in revisions {
        let r = r.borrow();
        if let Some(first) = seen.insert(r.id, r) {
            return Err(RegistryError::DuplicateId {
                id: r.id.to_owned(),
                first: first.location(),
                second: r.location(),
            });
        }
        if let Some(problem) = r.naming.and_then(NamingConvention::problem) {
            return Err(RegistryError::Naming {
                revision: r.id.to_owned(),
                declared: r.location(),
                problem,
            });
        }
    }
    Graph::new(revisions.iter().map(|r| r.borrow().info())).map_err(|source| {
        if let Some(missing) = missing_extended(&source, &seen) {
            return missing;
        }
        let named = source.revisions();
        let locations = seen
            .values()
            .filter(|r| named.contains(&r.id))
            .map(|r| format!("{} at {}", r.id, r.location()))
            .collect();
        RegistryError::Graph { source, locations }
    })
}

/// The error for a missing parent (or dependency) of `revisions` that an
/// `extends` lists, if `source` is one.
fn missing_extended(
    source: &GraphError,
    revisions: &BTreeMap<&str, &Registered>,
) -> Option<RegistryError> {
    let (revision, parent) = match source {
        GraphError::UnknownParent {
            revision, parent, ..
        } => (revision, parent),
        GraphError::UnknownDependency {
            revision,
            dependency,
            ..
        } => (revision, dependency),
        _ => return None,
    };
    let extended = extends()
        .into_iter()
        .find(|e| e.ids.contains(&parent.as_str()))?;
    Some(RegistryError::MissingExtended {
        revision: revision.clone(),
        parent: parent.clone(),
        declared: revisions
            .get(revision.as_str())
            .map(|r| r.location())
            .unwrap_or_default(),
        directory: extended.directory.to_owned(),
        extended_at: extended.location(),
    })
}

/// The graph of every revision linked into this binary.
pub fn graph() -> Result<Graph, RegistryError> {
    graph_of(&registered())
}

/// The registered revision `id`.
pub fn get(id: &str) -> Option<&'static Registered> {
    inventory::iter::<Registered>
        .into_iter()
        .find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing(_: &mut Ops) {}

    fn revision(
        id: &'static str,
        down_revisions: &'static [&'static str],
        line: u32,
    ) -> Registered {
        Registered {
            id,
            down_revisions,
            message: "m",
            branch_labels: &[],
            depends_on: &[],
            upgrade: Upgrade::Ops(nothing),
            downgrade: Downgrade::Written(nothing),
            naming: None,
            file: "src/migrations/test.rs",
            line,
        }
    }

    #[test]
    fn graph_errors_say_where_the_revisions_they_name_are_declared() {
        let (a, b, c) = (
            revision("a1", &[], 1),
            revision("b1", &["a2"], 2),
            revision("be", &[], 3),
        );
        let err = graph_of(&[&a, &b, &c]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "revision b1 names a2 as its down_revision, but there is no revision a2 (did you mean `a1`?) (declared: a1 at src/migrations/test.rs:1, b1 at src/migrations/test.rs:2)"
        );
        // `be` is a word of this message, not a revision it names.
        let bad = revision("a b", &[], 4);
        let err = graph_of(&[&bad, &c]).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("or be one of head, heads, base, current (declared: a b at src/migrations/test.rs:4)"),
            "{err}"
        );
    }
}
