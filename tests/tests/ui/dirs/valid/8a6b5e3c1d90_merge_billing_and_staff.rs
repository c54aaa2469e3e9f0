//! merge billing and staff
//!
//! Revision ID: 8a6b5e3c1d90
//! Revises: 27c6a30d7c24, 4f1c0d9e2b37

use migrator_core::prelude::*;

#[migration(
    revision = "8a6b5e3c1d90",
    down_revision = ["27c6a30d7c24", "4f1c0d9e2b37"],
    message = "merge billing and staff",
    reversible
)]
impl Revision {
    fn upgrade(_op: &mut Reversible) {}
}
