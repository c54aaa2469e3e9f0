//! Shared helpers of migrator's integration tests: a database per test, and
//! the catalog read back from PostgreSQL or SQLite in the same shape as the
//! schema model.

pub mod catalog;
pub mod catalog_oracle;
pub mod cli;
pub mod db;
pub mod engine;
pub mod exec;
pub mod random_ops;
pub mod revisions;
pub mod sqlite_catalog;
