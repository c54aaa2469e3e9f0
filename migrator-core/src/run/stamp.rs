//! `stamp`: the version table set to a target without running anything,
//! online (under the migration lock, compare-and-set like every step) or as
//! a script. The planner's [`Graph::stamp`](crate::graph::Graph::stamp)
//! says which rows the table holds after it (Alembic's rules); each
//! revision the stamp marks as applied gets a history row with the checksum
//! of its ops as they are now, since a stamp asserts "the database is as
//! these ops left it", and `check` holds later edits against it.

use std::collections::BTreeSet;

use super::backend::Session;
use super::{Engine, RunError, Runner, checksum, tables};
use crate::graph::VersionChange;
use crate::render::Statement;

impl Runner<'_> {
    /// The statements that move the version table from `before` (`None`:
    /// whatever it holds, emptied first) to `after`, with a history row for
    /// each revision that becomes applied (`stamp`, with its checksum) or
    /// stops being applied (`unstamp`).
    pub(super) fn stamp_statements(
        &self,
        engine: Engine,
        before: Option<&[String]>,
        after: &[String],
    ) -> Result<Vec<String>, RunError> {
        let graph = &self.migrations.graph();
        let mut sql = Vec::new();
        let kept: &[String] = match before {
            Some(rows) => {
                for row in rows.iter().filter(|r| !after.contains(r)) {
                    sql.extend(tables::change_sql(
                        &self.config,
                        engine,
                        &VersionChange::Delete(row.clone()),
                    ));
                }
                rows
            }
            None => {
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
        }
        let was: Vec<String> = graph.applied(kept)?;
        let now: Vec<String> = graph.applied(after)?;
        let was_set: BTreeSet<&String> = was.iter().collect();
        let now_set: BTreeSet<&String> = now.iter().collect();
        for id in now.iter().filter(|id| !was_set.contains(id)) {
            let sum = checksum::of(&self.migrations.get(id)?.upgrade_ops());
            sql.push(tables::history_sql(
                &self.config,
                engine,
                id,
                "stamp",
                Some(&sum),
                "0",
            ));
        }
        for id in was.iter().rev().filter(|id| !now_set.contains(id)) {
            sql.push(tables::history_sql(
                &self.config,
                engine,
                id,
                "unstamp",
                None,
                "0",
            ));
        }
        Ok(sql)
    }

    /// `stamp` under the migration lock.
    pub(super) async fn stamp_locked<S: Session>(
        &self,
        session: &mut S,
        target: &str,
        purge: bool,
    ) -> Result<Vec<String>, RunError> {
        let current = self.open_tables(session).await?;
        let start: &[String] = if purge { &[] } else { &current };
        let new_rows = self.migrations.graph().stamp(start, target)?;
        if !purge && new_rows == current {
            tracing::info!("The database is at {target} already; nothing to stamp");
            return Ok(new_rows);
        }
        let changes =
            self.stamp_statements(S::ENGINE, (!purge).then_some(&current[..]), &new_rows)?;
        let planned: BTreeSet<String> = current.iter().cloned().collect();
        let guard: Vec<Statement> = S::serialize_sql(&self.config)
            .into_iter()
            .chain([tables::guard_sql(&self.config, S::ENGINE, &planned)])
            .map(Statement::new)
            .collect();
        let statements: Vec<Statement> = changes.into_iter().map(Statement::new).collect();
        let all: Vec<&Statement> = guard.iter().chain(&statements).collect();
        let stamping = |message| RunError::Database {
            context: "stamping".into(),
            message,
        };
        session.begin().await.map_err(stamping)?;
        if let Err((index, message)) = session.statements(&all).await {
            session.rollback().await;
            return Err(if index + 1 == guard.len() {
                RunError::Moved {
                    revision: format!("stamp {target}"),
                    planned: current,
                }
            } else {
                stamping(message)
            });
        }
        session
            .commit()
            .await
            .map_err(|message| RunError::Database {
                context: "committing the stamp".into(),
                message,
            })?;
        Ok(new_rows)
    }
}
