//! The version and history tables: reading them and the statements that
//! change them (the SQL each engine writes differently comes from its
//! backend).

use std::collections::HashMap;

use super::backend::{Rows, Session};
use super::config::RunConfig;
use super::database::Engine;
use super::error::RunError;
use crate::graph::VersionChange;

/// The statements that make a step's change to the version table.
pub(crate) fn change_sql(
    config: &RunConfig,
    engine: Engine,
    change: &VersionChange,
) -> Vec<String> {
    let table = config.version_table.to_sql();
    let lit = |s: &str| engine.literal(s);
    change
        .rows()
        .iter()
        .filter_map(|row| match row {
            VersionChange::Insert(id) => Some(format!(
                "INSERT INTO {table} (version_num) VALUES ({})",
                lit(id)
            )),
            VersionChange::Update { from, to } => Some(format!(
                "UPDATE {table} SET version_num = {} WHERE version_num = {}",
                lit(to),
                lit(from)
            )),
            VersionChange::Delete(id) => Some(format!(
                "DELETE FROM {table} WHERE version_num = {}",
                lit(id)
            )),
            VersionChange::Merge(_) | VersionChange::Unmerge(_) => None,
        })
        .collect()
}

/// A statement that fails (inserting NULL into the version table's key)
/// unless the version table holds exactly `rows`: the compare half of each
/// step's compare-and-set, run in the step's transaction before anything
/// else, so that a runner whose plan is out of date (another runner moved
/// the database meanwhile) changes nothing.
pub(crate) fn guard_sql(
    config: &RunConfig,
    engine: Engine,
    rows: &std::collections::BTreeSet<String>,
) -> String {
    let table = config.version_table.to_sql();
    let n = rows.len();
    let mut differs = format!("(SELECT count(*) FROM {table}) <> {n}");
    if n > 0 {
        let ids: Vec<String> = rows.iter().map(|r| engine.literal(r)).collect();
        differs.push_str(&format!(
            " OR (SELECT count(*) FROM {table} WHERE version_num IN ({})) <> {n}",
            ids.join(", ")
        ));
    }
    format!("INSERT INTO {table} (version_num) SELECT CAST(NULL AS text) WHERE {differs}")
}

/// The statement that records a step in the history table.
pub(crate) fn history_sql(
    config: &RunConfig,
    engine: Engine,
    revision: &str,
    direction: &str,
    checksum: Option<&str>,
    duration_ms: &str,
) -> String {
    format!(
        "INSERT INTO {} (revision, direction, checksum, duration_ms) VALUES ({}, {}, {}, {duration_ms})",
        config.history_table.to_sql(),
        engine.literal(revision),
        engine.literal(direction),
        checksum.map_or_else(|| "NULL".to_owned(), |c| engine.literal(c))
    )
}

fn is_true(value: Option<&str>) -> bool {
    matches!(value, Some("t" | "true" | "1"))
}

/// The first value of the first row.
fn first(rows: &[Vec<Option<String>>]) -> Option<&str> {
    rows.first()?.first()?.as_deref()
}

/// Runs a query of the runner's own; a failure says what it was doing.
async fn query<S: Session>(session: &mut S, sql: &str, doing: &str) -> Result<Rows, RunError> {
    session
        .query(sql)
        .await
        .map_err(|message| RunError::Database {
            context: doing.to_owned(),
            message,
        })
}

/// The version table's rows (in byte order), after running `setup`, in
/// one round trip; `None` when either table is missing. (A failed query
/// takes its `setup` with it: both ran in one implicit transaction.)
pub(crate) async fn read<S: Session>(
    session: &mut S,
    config: &RunConfig,
    setup: &[String],
) -> Result<Option<Vec<String>>, RunError> {
    let mut sql = String::new();
    for s in setup {
        sql.push_str(s);
        sql.push_str("; ");
    }
    // One statement that needs both tables.
    sql.push_str(&format!(
        "SELECT v.version_num FROM {} AS v WHERE NOT EXISTS (SELECT 1 FROM {} WHERE false)",
        config.version_table.to_sql(),
        config.history_table.to_sql()
    ));
    match session.query(&sql).await {
        Ok(rows) => Ok(Some(sorted_first_column(rows))),
        Err(message) if S::is_missing_table(&message) => Ok(None),
        Err(mut message) => {
            if S::is_lock_not_available(&message) && message.hint.is_none() {
                message.hint = Some(format!(
                    "another session holds a lock on {} (see pg_locks and pg_stat_activity); run again when it is released, or raise --lock-timeout",
                    config.version_table
                ));
            }
            Err(RunError::Database {
                context: "reading the version table".into(),
                message,
            })
        }
    }
}

fn sorted_first_column(rows: Rows) -> Vec<String> {
    let mut out: Vec<String> = rows
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect();
    out.sort();
    out
}

/// The version table's rows, the table being known to exist, in byte order.
pub(crate) async fn rows<S: Session>(
    session: &mut S,
    config: &RunConfig,
) -> Result<Vec<String>, RunError> {
    let sql = format!("SELECT version_num FROM {}", config.version_table.to_sql());
    Ok(sorted_first_column(
        query(session, &sql, "reading the version table").await?,
    ))
}

/// The version table's rows; none when it does not exist yet. One round
/// trip when the tables exist.
pub(crate) async fn current<S: Session>(
    session: &mut S,
    config: &RunConfig,
) -> Result<Vec<String>, RunError> {
    if let Some(rows) = read(session, config, &S::read_setup_sql(config)).await? {
        return Ok(rows);
    }
    // One of the two is missing: the version table alone may still exist.
    let sql = S::tables_exist_sql(&[&config.version_table]);
    let exists = query(session, &sql, "looking for the version table").await?;
    if !is_true(first(&exists)) {
        // A name without a schema is looked up through search_path: when
        // that names no schema at all, the table cannot be found, which is
        // not the same as a database at base.
        if config.version_table.schema.is_none()
            && let Some(sql) = S::no_schema_sql()
            && is_true(first(&query(session, sql, "reading search_path").await?))
        {
            return Err(RunError::NoSchema {
                table: config.version_table.to_string(),
            });
        }
        return Ok(Vec::new());
    }
    rows(session, config).await
}

/// What the history table says of an applied revision.
pub(crate) struct Recorded {
    /// Its checksum when it was last applied or stamped.
    pub(crate) checksum: String,
    /// Whether a stamp is all that recorded it (it was never applied).
    pub(crate) by_stamp_only: bool,
}

/// Whether the history table exists.
pub(crate) async fn history_exists<S: Session>(
    session: &mut S,
    config: &RunConfig,
) -> Result<bool, RunError> {
    let sql = S::tables_exist_sql(&[&config.history_table]);
    let rows = query(session, &sql, "looking for the history table").await?;
    Ok(is_true(first(&rows)))
}

/// What each revision's last record says, for those it says are applied
/// (applied or stamped, with a checksum), the history table being known
/// to exist.
pub(crate) async fn checksums<S: Session>(
    session: &mut S,
    config: &RunConfig,
) -> Result<HashMap<String, Recorded>, RunError> {
    let rows = query(
        session,
        &format!(
            "SELECT revision, direction, checksum FROM {} ORDER BY id",
            config.history_table.to_sql()
        ),
        "reading the history table",
    )
    .await?;
    // The last row of each revision says what it was last.
    let mut last = HashMap::new();
    let mut ever_up = std::collections::HashSet::new();
    for row in rows {
        let mut cells = row.into_iter();
        let (Some(Some(revision)), Some(direction), Some(checksum)) =
            (cells.next(), cells.next(), cells.next())
        else {
            continue;
        };
        if direction.as_deref() == Some("up") {
            ever_up.insert(revision.clone());
        }
        last.insert(revision, (direction, checksum));
    }
    Ok(last
        .into_iter()
        .filter_map(|(revision, (direction, checksum))| {
            let applied = matches!(direction.as_deref(), Some("up" | "stamp"));
            let by_stamp_only = !ever_up.contains(&revision);
            applied.then_some(())?;
            Some((
                revision,
                Recorded {
                    checksum: checksum?,
                    by_stamp_only,
                },
            ))
        })
        .collect())
}

/// How many revisions one rewrite of old checksums names (a bound on the
/// statement's length: SQLite takes 1 MB at most).
const REWRITE_CHUNK: usize = 500;

/// The statements that rewrite, as v2, the checksums the history table
/// holds in the format before v2 that still match their revision's ops:
/// `(revision, old checksum, v2 checksum)` triples. Each row is rewritten
/// only if it still holds that old checksum, so running them twice, or
/// after another runner did, changes nothing more.
pub(crate) fn record_v2_sql(
    config: &RunConfig,
    engine: Engine,
    rewrites: &[(&str, &str, &str)],
) -> Vec<String> {
    let lit = |s: &str| engine.literal(s);
    rewrites
        .chunks(REWRITE_CHUNK)
        .map(|chunk| {
            // One flat CASE and an IN list: an OR per revision would nest
            // past SQLite's expression depth limit (1,000).
            let cases: Vec<String> = chunk
                .iter()
                .map(|(revision, old, new)| {
                    format!(
                        "WHEN revision = {} AND checksum = {} THEN {}",
                        lit(revision),
                        lit(old),
                        lit(new)
                    )
                })
                .collect();
            let revisions: Vec<String> = chunk.iter().map(|(r, _, _)| lit(r)).collect();
            format!(
                "UPDATE {} SET checksum = CASE {} ELSE checksum END WHERE revision IN ({})",
                config.history_table.to_sql(),
                cases.join(" "),
                revisions.join(", ")
            )
        })
        .collect()
}

/// Rewrites as v2 the old-format checksums of `stored` that match the ops
/// of their revision now (`now`), under the migration lock, before a run's
/// first step: from then on those revisions are verified with the v2
/// encoding, which does not depend on `Debug` output. An old checksum that
/// does not match is left as it is (and reported as changed). Each
/// statement stands alone: an interruption leaves some rows in each
/// format, both of which are verified.
pub(crate) async fn record_v2<S: Session>(
    session: &mut S,
    config: &RunConfig,
    stored: &HashMap<String, Recorded>,
    now: &[(String, super::checksum::Sum)],
) -> Result<(), RunError> {
    let rewrites: Vec<(&str, &str, &str)> = now
        .iter()
        .filter_map(|(id, sum)| {
            let recorded = stored.get(id)?;
            sum.is_legacy_match(&recorded.checksum).then_some((
                id.as_str(),
                recorded.checksum.as_str(),
                sum.text.as_str(),
            ))
        })
        .collect();
    for sql in record_v2_sql(config, S::ENGINE, &rewrites) {
        session
            .execute(&sql)
            .await
            .map_err(|message| RunError::Database {
                context: "recording the checksums of older versions of migrator in the v2 format"
                    .into(),
                message,
            })?;
    }
    Ok(())
}
