//! The example application's revisions: the school-fees schema from
//! Alembic's documentation, written with migrator.

/// Every file of `src/migrations`, one revision each.
pub mod migrations {
    migrator_core::migrations!("migrations");
}

/// The schema the application wants (`revision --autogenerate` compares
/// the migrations with it).
pub mod models;
