//! The lint: findings about what a plan's statements do to a busy
//! database, computed from the typed ops, the schema model before each op
//! and the claims of the statements the dialect renders (the lock each
//! takes, whether it scans or rewrites, whether it runs in a transaction) —
//! never from SQL text. The rules carry squawk's names where squawk has
//! the rule, so its users recognise them; where squawk reads a file without
//! the schema and guesses, the model knows (a `SET NOT NULL` proven by a
//! validated check scans nothing, and is not flagged). The statements are
//! PostgreSQL's: the lint says what a plan does to a busy PostgreSQL
//! server (SQLite has one writer at a time, whatever the statement).
//!
//! ```
//! use migrator_core::lint::{LintConfig, lint_ops};
//! use migrator_core::prelude::*;
//! use migrator_core::schema::Schema;
//!
//! let mut before = Ops::new();
//! before.create_table("fees", |t| {
//!     t.column::<i64>("id").primary_key();
//! });
//! let mut schema = Schema::replay(before.ops()).unwrap();
//!
//! let mut op = Ops::new();
//! op.create_index("fees", ["id"]);
//! let findings = lint_ops("a1", op.ops(), &mut schema, &LintConfig::default()).unwrap();
//! assert_eq!(findings[0].rule, "require-concurrent-index-creation");
//! ```

mod rules;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::ident::QualifiedName;
use crate::ops::Op;
use crate::render::{Dialect, Postgres, RenderError, Statement};
use crate::schema::{ReplayError, Schema};

pub use rules::{RULES, Rule};

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Not reported.
    Off,
    /// Reported; the plan runs.
    Warning,
    /// Reported; `lint` exits 1.
    Error,
}

impl Severity {
    /// `error`, `warning` or `off`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Off => "off",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding: a rule an op of a revision breaks, why, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// The rule's name (squawk's where squawk has it).
    pub rule: &'static str,
    /// Its severity, after the configuration.
    pub severity: Severity,
    /// The revision.
    pub revision: String,
    /// Where the op is in the revision, as its author counts (0-based):
    /// `[2]` for the third op, `[0, 1]` for the second op of a block for
    /// one engine that is the first op (`op.on(…)`).
    pub position: Vec<usize>,
    /// The op, described.
    pub op: String,
    /// Why it matters: the lock, the effect, what it blocks.
    pub why: String,
    /// What to write instead: the op or recipe.
    pub fix: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let position: Vec<String> = self.position.iter().map(|i| (i + 1).to_string()).collect();
        write!(
            f,
            "{}[{}] revision {}, op #{} ({}): {}. Instead: {}",
            self.severity.as_str(),
            self.rule,
            self.revision,
            position.join("."),
            self.op,
            self.why,
            self.fix
        )
    }
}

/// Which rules run, at which severity: each rule's default unless set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LintConfig {
    /// Severities set by the application, by rule name.
    pub severities: BTreeMap<String, Severity>,
}

impl LintConfig {
    /// Sets `rule`'s severity (`Severity::Off` turns it off).
    ///
    /// ```
    /// use migrator_core::lint::{LintConfig, Severity};
    /// let config = LintConfig::default()
    ///     .with_rule("ban-drop-column", Severity::Error)
    ///     .unwrap();
    /// assert!(LintConfig::default().with_rule("ban-drop-colum", Severity::Off).is_err());
    /// ```
    pub fn with_rule(mut self, rule: &str, severity: Severity) -> Result<Self, UnknownRule> {
        let known = RULES
            .iter()
            .find(|r| r.name == rule)
            .ok_or_else(|| UnknownRule {
                rule: rule.to_owned(),
                suggestion: crate::graph::nearest(rule, RULES.iter().map(|r| r.name))
                    .into_iter()
                    .next(),
            })?;
        self.severities.insert(known.name.to_owned(), severity);
        Ok(self)
    }

    /// `rule`'s severity under this configuration.
    pub fn severity(&self, rule: &Rule) -> Severity {
        self.severities
            .get(rule.name)
            .copied()
            .unwrap_or(rule.severity)
    }
}

/// A rule name no rule has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("there is no lint rule {rule:?}{}; `lint --rules` lists them", .suggestion.as_ref().map(|s| format!(" (did you mean {s:?}?)")).unwrap_or_default())]
pub struct UnknownRule {
    /// The name given.
    pub rule: String,
    /// The closest name there is.
    pub suggestion: Option<String>,
}

/// What a rule is shown of one op.
pub(crate) struct Seen<'a> {
    /// The op.
    pub op: &'a Op,
    /// The schema just before it.
    pub before: &'a Schema,
    /// Its statements, with their claims.
    pub statements: &'a [Statement],
    /// The tables created earlier in the revision (empty: nothing can
    /// block on them, and they hold no rows).
    pub created: &'a BTreeSet<Key>,
    /// The columns the revision added to tables that existed before it.
    pub added: &'a BTreeSet<(Key, String)>,
}

/// A table's `(schema, name)`.
type Key = (String, String);

impl Seen<'_> {
    /// Whether `table` exists before the plan: an application may be using
    /// it, and it may hold rows.
    pub fn existing(&self, table: &QualifiedName) -> bool {
        self.before.table(table).is_some() && !self.created.contains(&table.key())
    }
}

/// Lints `ops` of `revision`, rendered for PostgreSQL against `schema`,
/// which it moves forward op by op (as a plan replays them); the tables it
/// creates and the columns it adds are new (nothing uses them yet).
pub fn lint_ops(
    revision: &str,
    ops: &[Op],
    schema: &mut Schema,
    config: &LintConfig,
) -> Result<Vec<Finding>, RenderError> {
    let mut walk = Walk {
        revision,
        config,
        schema,
        created: BTreeSet::new(),
        added: BTreeSet::new(),
        findings: Vec::new(),
    };
    if walk.schema.engine().is_none() {
        walk.schema.set_engine(Postgres.engine());
    }
    walk.ops(ops, &mut Vec::new())?;
    Ok(walk.findings)
}

/// One revision's lint, op by op.
struct Walk<'a> {
    revision: &'a str,
    config: &'a LintConfig,
    schema: &'a mut Schema,
    created: BTreeSet<Key>,
    added: BTreeSet<(Key, String)>,
    findings: Vec<Finding>,
}

impl Walk<'_> {
    /// `ops` at `position` (the path of the block they are in): each op
    /// checked against the schema before it, then applied; a block for
    /// PostgreSQL opened in place, one for another engine skipped.
    fn ops(&mut self, ops: &[Op], position: &mut Vec<usize>) -> Result<(), RenderError> {
        for (index, op) in ops.iter().enumerate() {
            position.push(index);
            match op {
                Op::OnEngine(block) if block.engine == Postgres.engine() => {
                    self.ops(&block.ops, position)?;
                }
                Op::OnEngine(_) => {}
                _ => self.op(op, position)?,
            }
            position.pop();
        }
        Ok(())
    }

    fn op(&mut self, op: &Op, position: &[usize]) -> Result<(), RenderError> {
        let statements = Postgres.render(op, self.schema)?;
        let seen = Seen {
            op,
            before: self.schema,
            statements: &statements,
            created: &self.created,
            added: &self.added,
        };
        for rule in RULES {
            let severity = self.config.severity(rule);
            if severity == Severity::Off {
                continue;
            }
            if let Some(advice) = (rule.check)(&seen) {
                self.findings.push(Finding {
                    rule: rule.name,
                    severity,
                    revision: self.revision.to_owned(),
                    position: position.to_vec(),
                    op: op.describe(),
                    why: advice.why,
                    fix: advice.fix,
                });
            }
        }
        self.schema.apply(op).map_err(|source| ReplayError {
            index: position[0],
            op: op.describe(),
            source,
        })?;
        self.track(op);
        Ok(())
    }

    /// Keeps the new tables and columns under their names as the op
    /// leaves them.
    fn track(&mut self, op: &Op) {
        match op {
            Op::CreateTable(t) => {
                self.created.insert(t.table.name.key());
            }
            Op::AddColumn(o) => {
                self.added.insert((o.table.key(), o.column.name.clone()));
            }
            Op::RenameTable(o) => {
                let (old, new) = (o.name.key(), o.name.sibling(o.to.clone()).key());
                if self.created.remove(&old) {
                    self.created.insert(new.clone());
                }
                self.added = std::mem::take(&mut self.added)
                    .into_iter()
                    .map(|(t, c)| (if t == old { new.clone() } else { t }, c))
                    .collect();
            }
            Op::RenameColumn(o) if self.added.remove(&(o.table.key(), o.from.clone())) => {
                self.added.insert((o.table.key(), o.to.clone()));
            }
            _ => {}
        }
    }
}
