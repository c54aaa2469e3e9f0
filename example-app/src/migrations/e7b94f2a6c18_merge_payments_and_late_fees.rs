//! merge payments and late fees
//!
//! Revision ID: e7b94f2a6c18
//! Revises: 5d2be4c1a9f0, c41e7a9b3d25
//! Create Date: 2026-11-26 09:30:00

use migrator_core::prelude::*;

#[migration(
    revision = "e7b94f2a6c18",
    down_revision = ["5d2be4c1a9f0", "c41e7a9b3d25"],
    message = "merge payments and late fees"
)]
impl Revision {
    fn upgrade(_op: &mut Ops) {}

    fn downgrade(_op: &mut Ops) {}
}
