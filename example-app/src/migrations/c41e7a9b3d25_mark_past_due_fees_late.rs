//! mark past-due pending fees late
//!
//! A data migration: rows change, the schema does not. Its reverse puts the
//! fees it marked back to pending.
//!
//! Revision ID: c41e7a9b3d25
//! Revises: 8f3a61d0c2b7
//! Create Date: 2026-11-26 09:20:00

use migrator_core::prelude::*;

#[migration(
    revision = "c41e7a9b3d25",
    down_revision = "8f3a61d0c2b7",
    message = "mark past-due pending fees late",
    reversible
)]
impl Revision {
    fn upgrade(op: &mut Reversible) {
        op.execute(
            "UPDATE fees SET status = 'late', updated_at = CURRENT_TIMESTAMP \
             WHERE status = 'pending' AND due_date < current_date",
            "UPDATE fees SET status = 'pending', updated_at = CURRENT_TIMESTAMP \
             WHERE status = 'late' AND due_date < current_date",
        );
    }
}
