//! rename fee status overdue to late
//!
//! Revision ID: 8f3a61d0c2b7
//! Revises: 27c6a30d7c24
//! Create Date: 2026-11-26 09:10:00

use migrator_core::prelude::*;

#[migration(
    revision = "8f3a61d0c2b7",
    down_revision = "27c6a30d7c24",
    message = "rename fee status overdue to late",
    reversible
)]
impl Revision {
    fn upgrade(op: &mut Reversible) {
        op.rename_enum_value("fee_status", "overdue", "late");
    }
}
