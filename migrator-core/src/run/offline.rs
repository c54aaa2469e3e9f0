//! Offline scripts: an upgrade, downgrade or stamp written as SQL instead
//! of run, in the SQL of the engine asked for, with no database.

use super::backend::{Session, on_engine};
use super::execute::prepared_ids;
use super::prepare::check_transaction;
use super::{Direction, Engine, RunError, Runner, Target};
use crate::ops::Op;

impl Runner<'_> {
    /// The SQL script of an upgrade or downgrade in `engine`'s SQL, without
    /// a database: `range` is a target, or `from:to` where `from` stands for
    /// the version table. Transaction boundaries and version-table
    /// statements included, after the run's timeouts, set for the script's
    /// session as a live run sets them for its own (PostgreSQL:
    /// `SET lock_timeout`, and `SET statement_timeout` when configured,
    /// which reach the statements that run outside a transaction too;
    /// SQLite: `PRAGMA busy_timeout`). Run a PostgreSQL script with
    /// `psql -v ON_ERROR_STOP=1 -f`: without it psql goes on after a
    /// revision that failed (behind a lock, say) and runs the next ones.
    pub fn sql(
        &self,
        engine: Engine,
        direction: Direction,
        range: &str,
    ) -> Result<String, RunError> {
        on_engine!(engine, S => self.sql_in::<S>(direction, range))
    }

    fn sql_in<S: Session>(&self, direction: Direction, range: &str) -> Result<String, RunError> {
        let engine = S::ENGINE;
        let graph = &self.migrations.graph();
        let plan = match direction {
            Direction::Up => graph.upgrade(Vec::<String>::new(), range)?,
            // Offline there is no version table to say where a downgrade
            // starts (Alembic asks for a range too).
            Direction::Down
                if !matches!(Target::parse(range)?, Target::Range { from: Some(_), .. }) =>
            {
                // A misspelt name is said as such first (with its "did you
                // mean"); anything else needs the range.
                if let Err(e @ crate::graph::GraphError::UnknownRevision { .. }) =
                    graph.resolve(Vec::<String>::new(), range)
                {
                    return Err(e.into());
                }
                return Err(RunError::OfflineDowngrade {
                    target: range.to_owned(),
                });
            }
            Direction::Down => graph.downgrade(Vec::<String>::new(), range)?,
        };
        let (prepared, _) = self.prepare_plan(&plan, engine)?;
        let single = self.config.single_transaction;
        let size: usize = prepared
            .iter()
            .flat_map(|p| p.statements.iter().flatten())
            .map(|s| s.sql.len() + 4)
            .sum::<usize>()
            + prepared.len() * 400;
        let mut out = String::with_capacity(size);
        for sql in S::script_prelude()
            .into_iter()
            .chain(S::script_setup_sql(&self.config))
            .chain(S::create_tables_sql(&self.config))
        {
            script_line(&mut out, &sql);
        }
        if single {
            check_transaction(
                engine.dialect(),
                &prepared_ids(&prepared),
                prepared.iter().map(|p| (&p.ops, &p.statements)),
            )?;
            script_line(&mut out, "BEGIN");
        }
        for p in &prepared {
            // A data step prints the SQL its author declared for it, or
            // the script stops before it.
            if let Some(Op::DataStep(data)) = p
                .ops
                .iter()
                .find(|o| matches!(o, Op::DataStep(d) if d.offline.is_none()))
            {
                return Err(RunError::Offline {
                    revision: p.revision.id.to_owned(),
                    step: data.name.clone(),
                });
            }
            if single && !p.transactional {
                return Err(RunError::Mixed {
                    revision: p.revision.id.to_owned(),
                    outside: "statements that cannot run in a transaction".into(),
                    inside: "--single-transaction".into(),
                });
            }
            let (word, from, to) = p.header();
            out.push_str(&format!(
                "-- Running {word} {from} -> {to}, {}\n\n",
                p.revision.message.replace(['\r', '\n'], " ")
            ));
            if p.transactional && !single {
                script_line(&mut out, "BEGIN");
            }
            for (op, statements) in p.ops.iter().zip(&p.statements) {
                if let Op::DataStep(data) = op
                    && let Some(sql) = &data.offline
                {
                    out.push_str(&format!(
                        "-- data step {:?}, as its author declared it\n",
                        data.name
                    ));
                    script_line(&mut out, sql);
                }
                for s in statements {
                    script_line(&mut out, &s.sql);
                }
            }
            if !p.transactional {
                script_line(&mut out, "BEGIN");
            }
            for sql in self.bookkeeping(p, engine, "0") {
                script_line(&mut out, &sql);
            }
            if !single {
                script_line(&mut out, "COMMIT");
            }
        }
        if single {
            script_line(&mut out, "COMMIT");
        }
        Ok(out)
    }

    /// The SQL script of a stamp, without a database. `range` is a target
    /// (the version table is emptied first, then holds the target's rows), or
    /// `from:to`, which moves the rows of `from` as an online stamp of `to`
    /// would (`purge` empties the table first all the same). It sets the
    /// run's timeouts first, as [`sql`](Self::sql) does.
    ///
    /// ```no_run
    /// # use migrator_core::run::Engine;
    /// # fn f(runner: &migrator_core::run::Runner<'_>) -> Result<(), migrator_core::run::RunError> {
    /// print!("{}", runner.stamp_sql(Engine::Postgres, "heads", false)?);
    /// # Ok(()) }
    /// ```
    pub fn stamp_sql(&self, engine: Engine, range: &str, purge: bool) -> Result<String, RunError> {
        on_engine!(engine, S => self.stamp_sql_in::<S>(range, purge))
    }

    fn stamp_sql_in<S: Session>(&self, range: &str, purge: bool) -> Result<String, RunError> {
        let engine = S::ENGINE;
        let graph = &self.migrations.graph();
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
        let start = if purge {
            Vec::new()
        } else {
            before.clone().unwrap_or_default()
        };
        let after = graph.stamp(&start, &to)?;
        let kept = before.as_deref().filter(|_| !purge);
        let mut sql = S::script_setup_sql(&self.config);
        sql.extend(S::create_tables_sql(&self.config));
        sql.push("BEGIN".to_owned());
        sql.extend(self.stamp_statements(engine, kept, &after)?);
        sql.push("COMMIT".to_owned());
        let mut out = String::new();
        for s in sql {
            script_line(&mut out, &s);
        }
        Ok(out)
    }
}

/// Appends one statement of an offline script.
pub(crate) fn script_line(out: &mut String, sql: &str) {
    out.push_str(sql);
    // A trailing `--` comment would swallow the semicolon.
    if sql.lines().last().is_some_and(|l| l.contains("--")) {
        out.push('\n');
    }
    out.push_str(";\n\n");
}
