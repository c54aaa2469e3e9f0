//! The live PostgreSQL catalog compared with a schema model, the way the
//! product compares them (`Runner::compare_database`: the backend's
//! catalog reader, the server's spelling, `diff`), and the reader itself
//! checked on every comparison against the independent reader in
//! [`catalog_oracle`](crate::catalog_oracle), which does not trust the
//! product: what the product reads from the database must be, item by
//! item, what the catalog holds.

use migrator_core::registry::Registered;
use migrator_core::run::{Database, Migrations, RunConfig, Runner};
use migrator_core::schema::Schema;

use crate::db::TestDb;

fn runner_over(migrations: &Migrations) -> Runner<'_> {
    Runner::new(migrations, RunConfig::default())
}

fn no_migrations() -> Migrations {
    let none: Vec<Registered> = Vec::new();
    Migrations::new(none).expect("an empty graph")
}

/// The differences the product finds between `database` (either engine)
/// and `model`, in words; the runner's own tables are left out.
pub async fn product_differences(database: &Database, model: &Schema) -> Vec<String> {
    let migrations = no_migrations();
    match runner_over(&migrations)
        .compare_database(database, model)
        .await
    {
        Ok(drift) => drift.differences,
        Err(e) => vec![format!("comparing the catalog failed: {e}")],
    }
}

/// Every difference between the database and `model`, in words: those the
/// product finds, then any the independent reader finds between the
/// catalog and what the product read from it. The runner's own tables are
/// left out.
pub async fn differences(db: &TestDb, model: &Schema) -> Vec<String> {
    let database = Database::Url(db.url());
    let mut out = product_differences(&database, model).await;
    let migrations = no_migrations();
    match runner_over(&migrations).catalog(&database).await {
        Ok(catalog) => out.extend(
            crate::catalog_oracle::differences_without_runner_tables(&db.client, &catalog.schema)
                .await
                .into_iter()
                .map(|d| format!("the product's catalog reader is wrong: {d}")),
        ),
        Err(e) => out.push(format!("reading the catalog failed: {e}")),
    }
    out
}

/// Panics with every difference between the database and `model`.
pub async fn assert_matches(db: &TestDb, model: &Schema, context: &str) {
    let diffs = differences(db, model).await;
    assert!(
        diffs.is_empty(),
        "catalog differs from the schema model {context}:\n  {}",
        diffs.join("\n  ")
    );
}
