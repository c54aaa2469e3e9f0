//! The example application's revisions: the school-fees schema from
//! Alembic's documentation, written with migrator.

/// Every file of `src/migrations`, one revision each.
pub mod migrations {
    migrator_core::migrations!("migrations");
}
