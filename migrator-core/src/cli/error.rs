//! Why a command stopped: [`CliError`], with the error each failure came
//! from, and the exit code it ends the run with.

use std::path::PathBuf;

use crate::graph::GraphError;
use crate::registry::RegistryError;
use crate::run::RunError;

/// Why a command failed. Its `Display` is the message the command line
/// prints after `error: `; [`source`](std::error::Error::source) gives the
/// error it came from, when there is one (that error's message is part of
/// this one's, so a report that prints the whole chain shows it twice).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// The revisions linked into the binary do not form a graph.
    #[error("{0}")]
    Registry(#[from] RegistryError),
    /// The runner failed (the database, a revision, the lock…).
    #[error("{0}")]
    Run(#[from] RunError),
    /// A target, a range or the version table does not fit the graph.
    #[error("{0}")]
    Graph(#[from] GraphError),
    /// Typed input refused before anything is read or written: a new
    /// revision's id or branch label that would make a file the compiler
    /// refuses or a name that cannot be typed back. The run exits with 2.
    #[error("{0}")]
    Input(String),
    /// A new revision id or branch label that is not a valid name.
    #[error("{what} {name:?} {problem}")]
    InvalidName {
        /// `revision id` or `branch label`.
        what: &'static str,
        /// The name as given.
        name: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A new revision id or branch label that the graph already uses.
    #[error("{what} {name:?} is already used in the graph")]
    NameTaken {
        /// `revision id` or `branch label`.
        what: &'static str,
        /// The name as given.
        name: String,
    },
    /// `current --check-heads`: the database is not at the heads.
    #[error(
        "the database is not at the heads: it is at {}, the heads are {}; run `upgrade heads`",
        at(.current),
        at(.heads)
    )]
    NotAtHeads {
        /// The version table's rows.
        current: Vec<String>,
        /// The rows the heads would make.
        heads: Vec<String>,
    },
    /// The application's naming convention has a template that does not work.
    #[error(
        "the naming convention {path} (CliConfig::with_naming) does not work: {problem}; fix that constant"
    )]
    Naming {
        /// The path new revisions name it by.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// `lint` found error-level findings.
    #[error(
        "lint: {errors} finding(s) at error level; fix them, or set the rule's severity with CliConfig::with_lint"
    )]
    LintErrors {
        /// How many.
        errors: usize,
    },
    /// `show` of a target that stands for base.
    #[error("{target:?} is base, not a revision")]
    ShowBase {
        /// The target as typed.
        target: String,
    },
    /// `revision --head` on a revision that is not a head, without
    /// `--splice`.
    #[error("revision {revision} is not a head; pass --splice to start a branch from it")]
    NotAHead {
        /// The revision the new one would build on.
        revision: String,
    },
    /// `merge` of fewer than two revisions.
    #[error(
        "{} names {}; a merge needs two revisions or more (`merge heads` merges every head)",
        .revs.join(" "),
        only(.parents)
    )]
    MergeNeedsTwo {
        /// The targets as typed.
        revs: Vec<String>,
        /// The revisions they name.
        parents: Vec<String>,
    },
    /// `merge` of revisions that a revision merges already.
    #[error(
        "{} are already merged by revision {by}; a second merge would add a redundant revision and a head. Nothing was written (see `history`; `merge heads` merges what is still apart)",
        .parents.join(" and ")
    )]
    AlreadyMerged {
        /// The revisions to merge.
        parents: Vec<String>,
        /// The revision that merges them.
        by: String,
    },
    /// `check` found problems, each in words.
    #[error("check found {} problem(s):\n  - {}", .0.len(), .0.join("\n  - "))]
    Check(Vec<String>),
    /// A new revision file could not be written into `dir`.
    #[error("cannot write a revision file into {}: {source}", .dir.display())]
    WriteRevision {
        /// The migrations directory.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No random revision id could be made (the operating system's random
    /// source failed).
    #[error("cannot make a random revision id: {0}; give one with --rev-id")]
    RandomId(#[source] std::io::Error),
    /// Stdout could not be written.
    #[error("cannot write the output: {0}")]
    Output(#[source] std::io::Error),
    /// The models do not make a schema (autogenerate).
    #[error("{0}")]
    Models(#[from] crate::models::ModelError),
    /// The models differ from the migrations in a way no op expresses
    /// (autogenerate writes no file).
    #[error("autogenerate cannot write this revision; no file was written:\n  - {}", .0.changes.join("\n  - "))]
    Diff(#[source] crate::schema::DiffError),
    /// `revision --autogenerate` with no model linked in.
    #[error(
        "no models are linked into this binary, so there is nothing to compare the migrations with: declare them with migrator_core::model! (or pass CliConfig::with_models), and link the crate that holds them"
    )]
    NoModels,
    /// `revision --autogenerate --from-database` on one head of several.
    #[error(
        "--from-database compares the models with a database at every head ({}), so the revision must build on all of them: merge the heads first (`merge heads -m \"merge\"`), or leave out --from-database",
        .heads.join(", ")
    )]
    FromDatabaseOnBranch {
        /// The heads.
        heads: Vec<String>,
    },
    /// The async runtime the commands run on could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

impl CliError {
    /// The exit code the run ends with: 2 for refused input (a usage
    /// error), 1 for every other failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Input(_) => 2,
            _ => 1,
        }
    }
}

/// `base` or the rows.
pub(super) fn at(rows: &[String]) -> String {
    if rows.is_empty() {
        "base".to_owned()
    } else {
        rows.join(", ")
    }
}

/// `no revision` or `only a1, b1`.
fn only(parents: &[String]) -> String {
    if parents.is_empty() {
        "no revision".to_owned()
    } else {
        format!("only {}", parents.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn sources_are_kept() {
        let io = || std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let err = CliError::WriteRevision {
            dir: PathBuf::from("migrations"),
            source: io(),
        };
        assert_eq!(
            err.to_string(),
            "cannot write a revision file into migrations: denied"
        );
        assert_eq!(err.source().unwrap().to_string(), "denied");
        let graph = GraphError::NotARange("a1".into());
        let err = CliError::from(graph.clone());
        assert_eq!(err.to_string(), graph.to_string());
        assert_eq!(
            err.source().unwrap().downcast_ref::<GraphError>(),
            Some(&graph)
        );
        assert_eq!(err.exit_code(), 1);
        assert!(CliError::Output(io()).source().is_some());
        assert!(CliError::Check(vec!["x".into()]).source().is_none());
    }

    #[test]
    fn messages() {
        assert_eq!(CliError::Input("bad".into()).exit_code(), 2);
        assert_eq!(
            CliError::NotAtHeads {
                current: Vec::new(),
                heads: vec!["b1".into(), "c1".into()],
            }
            .to_string(),
            "the database is not at the heads: it is at base, the heads are b1, c1; run `upgrade heads`"
        );
        assert_eq!(
            CliError::MergeNeedsTwo {
                revs: vec!["b1".into(), "b".into()],
                parents: vec!["b1".into()],
            }
            .to_string(),
            "b1 b names only b1; a merge needs two revisions or more (`merge heads` merges every head)"
        );
        assert_eq!(
            CliError::Check(vec!["one".into(), "two".into()]).to_string(),
            "check found 2 problem(s):\n  - one\n  - two"
        );
    }
}
