//! The lint over a plan: the revisions an upgrade would run, each linted
//! against the schema the ones before it leave.

use super::{Engine, Migrations, RunError};
use crate::lint::{Finding, LintConfig, lint_ops};

impl Migrations {
    /// The findings of the revisions an upgrade of `range` would run: a
    /// target (from an empty database) or `from:to`, each revision linted
    /// on PostgreSQL against the schema the revisions before it leave, as
    /// when it is deployed on its own: the tables of earlier revisions are
    /// in use and hold rows; only those the revision itself creates are new.
    ///
    /// ```
    /// use migrator_core::lint::LintConfig;
    /// use migrator_core::run::Migrations;
    /// let m = Migrations::new(Vec::<migrator_core::registry::Registered>::new()).unwrap();
    /// assert!(m.lint("heads", &LintConfig::default()).unwrap().is_empty());
    /// ```
    pub fn lint(&self, range: &str, config: &LintConfig) -> Result<Vec<Finding>, RunError> {
        let plan = self.graph().upgrade(Vec::<String>::new(), range)?;
        let mut schema = self.schema_on(Engine::Postgres, &plan.before)?;
        let mut findings = Vec::new();
        for step in &plan.steps {
            let revision = self.get(&step.revision)?;
            let ops = revision.upgrade_ops();
            findings.extend(lint_ops(revision.id, &ops, &mut schema, config).map_err(
                |source| RunError::Invalid {
                    revision: revision.id.to_owned(),
                    source: Box::new(source),
                },
            )?);
        }
        Ok(findings)
    }
}
