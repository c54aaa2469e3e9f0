//! create payments
//!
//! Revision ID: 5d2be4c1a9f0
//! Revises: 27c6a30d7c24
//! Create Date: 2026-11-26 09:00:00

use migrator_core::prelude::*;

#[migration(
    revision = "5d2be4c1a9f0",
    down_revision = "27c6a30d7c24",
    message = "create payments",
    branch_labels = ["payments"],
    reversible
)]
impl Revision {
    fn upgrade(op: &mut Reversible) {
        op.create_table("payments", |t| {
            t.column::<i64>("id").identity().primary_key();
            t.column::<i64>("fee_id")
                .references("fees", "id")
                .on_delete(RefAction::Cascade);
            t.column_as("amount", ColumnType::numeric(10, 2));
            t.column_as("paid_at", ColumnType::TimestampTz)
                .default_sql("now()");
            t.check("payments_amount_positive", "amount > 0");
        });
        op.create_index("payments", ["fee_id"]);
    }
}
