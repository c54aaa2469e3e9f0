//! A data step reads a big table in batches (`DataTx::batches`), on both
//! engines, from a real table of 10,000 rows: every row comes exactly once,
//! in batches of the size asked (the last one the rest), the rows are those
//! of the query when it started however the step writes in between, an
//! error names the statement, and the cursor (PostgreSQL) or temporary
//! table (SQLite) is gone afterwards.

use std::collections::BTreeSet;

use migrator_core::ops::{DataTx, Value};
use migrator_core::prelude::*;
use migrator_core::registry::Downgrade;
use migrator_core::run::{Migrations, RunConfig, Runner};
use migrator_tests::engine::TestTarget;
use migrator_tests::on_both_engines;
use migrator_tests::revisions::revision;

on_both_engines!(
    a_step_reads_every_row_once_in_batches_while_it_writes,
    an_error_in_the_batches_sql_names_the_statement,
);

const ROWS: i64 = 10_000;

fn up_items(op: &mut Ops) {
    op.create_table("items", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<i64>("n");
        t.column::<Option<String>>("note");
    });
    op.execute(format!(
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {ROWS}) \
         INSERT INTO items (id, n) SELECT i, i FROM s"
    ));
}

/// The cursors (PostgreSQL) or temporary tables (SQLite) left open.
async fn left_open(tx: &DataTx<'_>) -> Result<i64, BoxError> {
    let sql = if tx.as_postgres().is_some() {
        "SELECT count(*) AS n FROM pg_cursors"
    } else {
        "SELECT count(*) AS n FROM temp.sqlite_master"
    };
    tx.query(sql, &[]).await?[0].get("n")
}

fn up_walk(op: &mut Ops) {
    op.data_step("walk items", |tx| {
        Box::pin(async move {
            let mut batches = tx
                .batches(
                    "SELECT id, n, note FROM items WHERE n > $1 ORDER BY id",
                    &[Value::from(0)],
                    1000,
                )
                .await?;
            assert_eq!(left_open(&tx).await?, 1);
            let (mut seen, mut sizes) = (BTreeSet::new(), Vec::new());
            while let Some(rows) = batches.next().await? {
                sizes.push(rows.len());
                let mut last = 0;
                for row in &rows {
                    let id: i64 = row.get("id")?;
                    assert_eq!(row.get::<i64>("n")?, id, "a row as it was at the start");
                    assert_eq!(row.get::<Option<String>>("note")?, None);
                    assert!(seen.insert(id), "row {id} came twice");
                    last = id;
                }
                // Writes between batches: the rows read are updated, the
                // ones still to come are taken out of the query's WHERE
                // (n <= 0) or deleted, and new ones are inserted; none of
                // it changes what the batches give.
                tx.execute_with(
                    "UPDATE items SET note = $1 WHERE id <= $2 AND note IS NULL",
                    &[Value::from("read"), Value::from(last)],
                )
                .await?;
                tx.execute_with(
                    "UPDATE items SET n = -n WHERE id > $1 AND id <= $2",
                    &[Value::from(last), Value::from(last + 500)],
                )
                .await?;
                tx.execute_with("DELETE FROM items WHERE id = $1", &[Value::from(last + 600)])
                    .await?;
                tx.execute_with(
                    "INSERT INTO items (id, n) VALUES ($1, 1)",
                    &[Value::from(ROWS + last)],
                )
                .await?;
            }
            assert_eq!(sizes, [1000; 10]);
            assert_eq!(seen, (1..=ROWS).collect::<BTreeSet<_>>());
            assert_eq!(left_open(&tx).await?, 0, "the cursor is closed at the end");
            // After the end there is nothing more.
            assert!(batches.next().await?.is_none());
            // Another size: the last batch holds the rest; closed early.
            let mut batches = tx
                .batches("SELECT id FROM items WHERE id <= $1 ORDER BY id", &[Value::from(ROWS)], 3000)
                .await?;
            let mut sizes = Vec::new();
            while let Some(rows) = batches.next().await? {
                sizes.push(rows.len());
            }
            // 10,000 rows less the nine deleted among them (1,600 to 9,600).
            assert_eq!(sizes, [3000, 3000, 3000, 991]);
            let early = tx.batches("SELECT id FROM items", &[], 7).await?;
            assert_eq!(left_open(&tx).await?, 1);
            early.close().await?;
            assert_eq!(left_open(&tx).await?, 0, "closed early");
            assert_eq!(
                tx.batches("SELECT id FROM items", &[], 0)
                    .await
                    .err()
                    .map(|e| e.to_string()),
                Some(
                    "reading the rows of `SELECT id FROM items` in batches: the batch size must be at least 1"
                        .to_owned()
                )
            );
            Ok(())
        })
    });
}

fn items_then(next: migrator_core::registry::Registered) -> Migrations {
    Migrations::new(vec![
        revision(
            "b1",
            &[],
            up_items,
            Downgrade::Written(|op| {
                op.drop_table("items");
            }),
        ),
        next,
    ])
    .unwrap()
}

async fn a_step_reads_every_row_once_in_batches_while_it_writes(t: TestTarget) {
    let m = items_then(revision("b2", &["b1"], up_walk, Downgrade::Written(|_| {})));
    let runner = Runner::new(&m, RunConfig::default());
    runner.upgrade(&t.database(), "heads").await.unwrap();
    // The step's writes committed with the revision.
    let counts = t
        .column("SELECT count(*) FROM items WHERE note = 'read'")
        .await;
    assert_eq!(counts, [(ROWS - 9).to_string()]);
    assert_eq!(t.version_rows().await, ["b2"]);
}

fn up_wrong(op: &mut Ops) {
    op.data_step("walk a column that is not there", |tx| {
        Box::pin(async move {
            let mut batches = tx
                .batches(
                    "SELECT nope FROM items WHERE id > $1",
                    &[Value::from(1)],
                    10,
                )
                .await?;
            while batches.next().await?.is_some() {}
            Ok(())
        })
    });
}

async fn an_error_in_the_batches_sql_names_the_statement(t: TestTarget) {
    let m = items_then(revision(
        "b2",
        &["b1"],
        up_wrong,
        Downgrade::Written(|_| {}),
    ));
    let runner = Runner::new(&m, RunConfig::default());
    let err = runner.upgrade(&t.database(), "heads").await.unwrap_err();
    let text = format!("{err}");
    assert!(
        text.contains("reading the rows of `SELECT nope FROM items WHERE id > $1` in batches: "),
        "{text}"
    );
    let engine_says = match t.engine() {
        migrator_core::run::Engine::Postgres => "column \"nope\" does not exist",
        _ => "no such column: nope",
    };
    assert!(text.contains(engine_says), "{text}");
    // The revision rolled back: b1 stays the head.
    assert_eq!(t.version_rows().await, ["b1"]);
}
