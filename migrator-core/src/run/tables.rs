//! The version and history tables.

use tokio_postgres::{Client, GenericClient, SimpleQueryMessage};

use super::config::RunConfig;
use super::error::RunError;
use crate::graph::VersionChange;
use crate::ident::{quote_ident, quote_literal};

/// The SQL that creates the two tables if they are missing.
pub(crate) fn create_sql(config: &RunConfig) -> Vec<String> {
    let mut out = Vec::new();
    for table in [&config.version_table, &config.history_table] {
        if let Some(schema) = &table.schema {
            let sql = format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(schema));
            if !out.contains(&sql) {
                out.push(sql);
            }
        }
    }
    out.push(format!(
        "CREATE TABLE IF NOT EXISTS {} (\n  version_num text NOT NULL,\n  CONSTRAINT {} PRIMARY KEY (version_num)\n)",
        config.version_table.to_sql(),
        quote_ident(&format!("{}_pkc", config.version_table.name))
    ));
    out.push(format!(
        "CREATE TABLE IF NOT EXISTS {} (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  revision text NOT NULL,\n  direction text NOT NULL,\n  checksum text,\n  applied_at timestamptz NOT NULL DEFAULT now(),\n  duration_ms bigint NOT NULL,\n  applied_by text NOT NULL DEFAULT current_user\n)",
        config.history_table.to_sql()
    ));
    out
}

/// The statements that make a step's change to the version table.
pub(crate) fn change_sql(config: &RunConfig, change: &VersionChange) -> Vec<String> {
    let table = config.version_table.to_sql();
    change
        .rows()
        .iter()
        .filter_map(|row| match row {
            VersionChange::Insert(id) => Some(format!(
                "INSERT INTO {table} (version_num) VALUES ({})",
                quote_literal(id)
            )),
            VersionChange::Update { from, to } => Some(format!(
                "UPDATE {table} SET version_num = {} WHERE version_num = {}",
                quote_literal(to),
                quote_literal(from)
            )),
            VersionChange::Delete(id) => Some(format!(
                "DELETE FROM {table} WHERE version_num = {}",
                quote_literal(id)
            )),
            VersionChange::Merge(_) | VersionChange::Unmerge(_) => None,
        })
        .collect()
}

/// The statement that records a step in the history table.
pub(crate) fn history_sql(
    config: &RunConfig,
    revision: &str,
    direction: &str,
    checksum: Option<&str>,
    duration_ms: u128,
) -> String {
    format!(
        "INSERT INTO {} (revision, direction, checksum, duration_ms) VALUES ({}, {}, {}, {duration_ms})",
        config.history_table.to_sql(),
        quote_literal(revision),
        quote_literal(direction),
        checksum.map_or_else(|| "NULL".to_owned(), quote_literal)
    )
}

/// The first column of each row of a simple-protocol query: one round
/// trip, where a query with parameters takes two (parse, then execute).
pub(crate) async fn simple_rows(
    client: &Client,
    sql: &str,
) -> Result<Vec<String>, tokio_postgres::Error> {
    Ok(client
        .simple_query(sql)
        .await?
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(row.get(0).unwrap_or_default().to_owned()),
            _ => None,
        })
        .collect())
}

/// Whether both tables exist, after running `prefix` (statements ending in
/// `;`) in the same round trip.
pub(crate) async fn exist(
    client: &Client,
    config: &RunConfig,
    prefix: &str,
) -> Result<bool, RunError> {
    let sql = format!(
        "{prefix}SELECT to_regclass({}) IS NOT NULL AND to_regclass({}) IS NOT NULL",
        quote_literal(&config.version_table.to_sql()),
        quote_literal(&config.history_table.to_sql())
    );
    let rows = simple_rows(client, &sql)
        .await
        .map_err(|e| RunError::db("looking for the version tables", &e))?;
    Ok(rows.first().is_some_and(|v| v == "t"))
}

/// The version table's rows, the table being known to exist.
pub(crate) async fn rows(client: &Client, config: &RunConfig) -> Result<Vec<String>, RunError> {
    simple_rows(
        client,
        &format!(
            "SELECT version_num FROM {} ORDER BY version_num COLLATE \"C\"",
            config.version_table.to_sql()
        ),
    )
    .await
    .map_err(|e| RunError::db("reading the version table", &e))
}

/// The version table's rows; none when it does not exist yet.
pub(crate) async fn current(client: &Client, config: &RunConfig) -> Result<Vec<String>, RunError> {
    let sql = format!(
        "SELECT to_regclass({}) IS NOT NULL",
        quote_literal(&config.version_table.to_sql())
    );
    let exists = simple_rows(client, &sql)
        .await
        .map_err(|e| RunError::db("looking for the version table", &e))?;
    if exists.first().is_none_or(|v| v != "t") {
        return Ok(Vec::new());
    }
    rows(client, config).await
}

/// The checksum each revision had when it was last applied.
pub(crate) async fn checksums(
    client: &impl GenericClient,
    config: &RunConfig,
) -> Result<std::collections::HashMap<String, String>, RunError> {
    let present = client
        .query_one(
            "SELECT to_regclass($1) IS NOT NULL",
            &[&config.history_table.to_sql()],
        )
        .await
        .map_err(|e| RunError::db("looking for the history table", &e))?;
    if !present.get::<_, bool>(0) {
        return Ok(Default::default());
    }
    let rows = client
        .query(
            &format!(
                "SELECT DISTINCT ON (revision) revision, direction, checksum FROM {}
                 ORDER BY revision, id DESC",
                config.history_table.to_sql()
            ),
            &[],
        )
        .await
        .map_err(|e| RunError::db("reading the history table", &e))?;
    Ok(rows
        .iter()
        .filter(|r| r.get::<_, String>(1) == "up")
        .filter_map(|r| Some((r.get::<_, String>(0), r.get::<_, Option<String>>(2)?)))
        .collect())
}
