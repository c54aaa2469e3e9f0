//! A query's rows read in batches, without holding them all: a cursor on
//! PostgreSQL, a temporary copy paged by rowid on SQLite. (A build without
//! a backend has no transaction to read from, and no batches.)

use std::sync::atomic::{AtomicU64, Ordering};

use super::value::{Row, Value};
use super::{BoxError, Conn, DataTx};
#[cfg(feature = "sqlite")]
use super::{on_sqlite, sqlite};
use crate::ident::quote_ident;

/// Tells the cursors (or temporary tables) of one process apart.
static NEXT: AtomicU64 = AtomicU64::new(1);

/// The rows of a query, read a batch at a time: from
/// [`DataTx::batches`]. Between two batches the step may run any other
/// statement through its [`DataTx`].
#[must_use = "read the batches with next(), or close() them"]
pub struct Batches<'a> {
    tx: DataTx<'a>,
    /// The cursor's (PostgreSQL) or the temporary table's (SQLite) name,
    /// quoted; `None` once closed.
    name: Option<String>,
    sql: String,
    size: usize,
    /// SQLite: the rowid of the last row read.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    last: i64,
}

/// The error of a statement of the batches of `sql`, naming it.
fn named(sql: &str, e: impl std::fmt::Display) -> BoxError {
    format!("reading the rows of `{sql}` in batches: {e}").into()
}

impl<'a> DataTx<'a> {
    /// The rows of the query `sql` (with `params` bound to `$1`, `$2`, …, as
    /// [`query`](Self::query) binds them), read `size` rows at a time with
    /// [`Batches::next`], so a step can walk a table of any size without
    /// holding its rows; each batch holds `size` rows, the last one the rest.
    ///
    /// The rows are those of the query when `batches` is called (a
    /// snapshot), the same on both engines: what the step writes while it
    /// reads — updating the rows it read, inserting or deleting others —
    /// changes neither which rows come nor their values. The step may run
    /// any other statement between two batches. On PostgreSQL the query
    /// runs as a cursor in the revision's transaction (`DECLARE … NO SCROLL
    /// CURSOR`, `FETCH size`), so the rows are read as they are fetched;
    /// on SQLite, where a statement cannot stay open across the step's
    /// calls, the rows are copied once into a temporary table and read from
    /// it by rowid (on disk or in memory, as SQLite keeps temporary tables;
    /// its columns are named as the query names them, a repeated name
    /// numbered by SQLite). Rows come in the query's order (give it an
    /// `ORDER BY` to have one).
    ///
    /// The cursor or temporary table goes when the last batch has been
    /// read (`next` returns `None`) or on [`Batches::close`]; a step that
    /// stops early should close it (else it stays until the transaction
    /// ends on PostgreSQL, until the connection closes on SQLite).
    ///
    /// ```no_run
    /// # async fn f(tx: migrator_core::ops::DataTx<'_>) -> Result<(), migrator_core::ops::BoxError> {
    /// use migrator_core::ops::Value;
    /// let mut batches = tx
    ///     .batches("SELECT id, email FROM users WHERE id > $1 ORDER BY id", &[Value::from(0)], 1000)
    ///     .await?;
    /// while let Some(rows) = batches.next().await? {
    ///     for row in rows {
    ///         let id: i64 = row.get("id")?;
    ///         let email: Option<String> = row.get("email")?;
    ///         tx.execute_with(
    ///             "UPDATE users SET email = $1 WHERE id = $2",
    ///             &[Value::from(email.map(|e| e.to_lowercase())), Value::from(id)],
    ///         )
    ///         .await?;
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn batches(
        &self,
        sql: &str,
        params: &[Value],
        size: usize,
    ) -> Result<Batches<'a>, BoxError> {
        if size == 0 {
            return Err(named(sql, "the batch size must be at least 1"));
        }
        let name = quote_ident(&format!(
            "migrator_batches_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        match self.conn {
            #[cfg(feature = "postgres")]
            Conn::Postgres(client) => {
                let query = super::postgres::bind(sql, params).map_err(|e| named(sql, e))?;
                client
                    .batch_execute(&format!("DECLARE {name} NO SCROLL CURSOR FOR {query}"))
                    .await
                    .map_err(|e| named(sql, super::postgres::error_text(&e)))?;
            }
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(calls) => {
                let create = format!("CREATE TEMP TABLE {name} AS {sql}");
                let params = params.to_vec();
                on_sqlite(calls, move |c| sqlite::run(c, &create, &params))
                    .await
                    .map_err(|e| named(sql, e))?;
            }
        }
        Ok(Batches {
            tx: *self,
            name: Some(name),
            sql: sql.to_owned(),
            size,
            last: 0,
        })
    }
}

impl Batches<'_> {
    /// The next batch: `Some` of 1 to `size` rows, or `None` once every
    /// row has been read (the cursor or temporary table is gone then).
    pub async fn next(&mut self) -> Result<Option<Vec<Row>>, BoxError> {
        let Some(name) = self.name.clone() else {
            return Ok(None);
        };
        let rows = self.fetch(&name).await.map_err(|e| named(&self.sql, e))?;
        if rows.is_empty() {
            self.close_now().await?;
            return Ok(None);
        }
        Ok(Some(rows))
    }

    /// Closes the cursor (PostgreSQL) or drops the temporary table
    /// (SQLite) before the last batch; nothing to do after it.
    pub async fn close(mut self) -> Result<(), BoxError> {
        self.close_now().await
    }

    async fn fetch(&mut self, name: &str) -> Result<Vec<Row>, BoxError> {
        match self.tx.conn {
            #[cfg(feature = "postgres")]
            Conn::Postgres(client) => {
                let fetch = format!("FETCH {} FROM {name}", self.size);
                Ok(super::postgres::run(client, &fetch, &[]).await?.0)
            }
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(calls) => {
                let page = format!(
                    "SELECT rowid, * FROM temp.{name} WHERE rowid > $1 ORDER BY rowid LIMIT $2"
                );
                let params = [Value::Int(self.last), Value::Int(self.size as i64)];
                let (rows, _) = on_sqlite(calls, move |c| sqlite::run(c, &page, &params)).await?;
                // The rowid read first, and left out of the rows.
                let Some(first) = rows.first() else {
                    return Ok(Vec::new());
                };
                let columns: std::sync::Arc<[String]> = first.columns()[1..].into();
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    let mut values = row.into_values();
                    if let Value::Int(rowid) = values.remove(0) {
                        self.last = rowid;
                    }
                    out.push(Row::new(std::sync::Arc::clone(&columns), values));
                }
                Ok(out)
            }
        }
    }

    async fn close_now(&mut self) -> Result<(), BoxError> {
        let Some(name) = self.name.take() else {
            return Ok(());
        };
        let sql = match self.tx.conn {
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => format!("CLOSE {name}"),
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(_) => format!("DROP TABLE temp.{name}"),
        };
        self.tx
            .execute(&sql)
            .await
            .map(|_| ())
            .map_err(|e| named(&self.sql, e))
    }
}
