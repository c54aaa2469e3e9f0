//! The offline script of a stamp: the version-table statements only.

use super::{Engine, RunError, Runner, tables};
use crate::graph::{Target, VersionChange};

impl Runner<'_> {
    /// The SQL script of a stamp, without a database. `range` is a target
    /// (the version table is emptied first, then holds the target's rows), or
    /// `from:to`, which moves the rows of `from` to those of `to` (`purge`
    /// empties the table first all the same).
    ///
    /// ```no_run
    /// # use migrator_core::run::Engine;
    /// # fn f(runner: &migrator_core::run::Runner<'_>) -> Result<(), migrator_core::run::RunError> {
    /// print!("{}", runner.stamp_sql(Engine::Postgres, "heads", false)?);
    /// # Ok(()) }
    /// ```
    pub fn stamp_sql(&self, engine: Engine, range: &str, purge: bool) -> Result<String, RunError> {
        let graph = &self.migrations.graph;
        let none: [&str; 0] = [];
        let (before, to) = match Target::parse(range)? {
            Target::Point(_) => (None, range.to_owned()),
            Target::Range { from, to } => {
                let before = match from {
                    Some(p) => graph.version_rows(graph.resolve(none, &p.to_string())?)?,
                    None => Vec::new(),
                };
                (
                    Some(before),
                    to.map_or_else(|| "heads".to_owned(), |p| p.to_string()),
                )
            }
        };
        let start = before.clone().unwrap_or_default();
        let after = graph.version_rows(graph.resolve(&start, &to)?)?;
        let mut sql = tables::create_sql(&self.config, engine);
        sql.push("BEGIN".to_owned());
        let kept: &[String] = match &before {
            Some(rows) if !purge => {
                for row in rows.iter().filter(|r| !after.contains(r)) {
                    sql.extend(tables::change_sql(
                        &self.config,
                        engine,
                        &VersionChange::Delete(row.clone()),
                    ));
                }
                rows
            }
            _ => {
                sql.push(format!(
                    "DELETE FROM {}",
                    self.config.version_table.to_sql()
                ));
                &[]
            }
        };
        for row in after.iter().filter(|r| !kept.contains(r)) {
            sql.extend(tables::change_sql(
                &self.config,
                engine,
                &VersionChange::Insert(row.clone()),
            ));
            sql.push(tables::history_sql(
                &self.config,
                engine,
                row,
                "stamp",
                None,
                "0",
            ));
        }
        sql.push("COMMIT".to_owned());
        let mut out = String::new();
        for s in sql {
            super::script_line(&mut out, &s);
        }
        Ok(out)
    }
}
