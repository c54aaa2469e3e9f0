//! create fees
//!
//! Revision ID: ae1027a6acf4
//! Revises: 1975ea83b712
//! Create Date: 2026-11-25 18:05:00

use migrator_core::prelude::*;

#[migration(
    revision = "ae1027a6acf4",
    down_revision = "1975ea83b712",
    message = "create fees",
    reversible
)]
impl Revision {
    fn upgrade(op: &mut Reversible) {
        op.create_enum("fee_status", ["pending", "paid", "overdue"]);
        op.create_table("fees", |t| {
            t.column::<i64>("id").identity().primary_key();
            t.column::<i64>("student_id")
                .references("students", "id")
                .on_delete(RefAction::Cascade);
            t.column_as("amount", ColumnType::numeric(10, 2));
            t.column_as("status", ColumnType::enumeration("fee_status"))
                .default("pending");
            t.column_as("due_date", ColumnType::Date);
            t.column_as("created_at", ColumnType::TimestampTz)
                .default_sql("now()");
            t.column_as("updated_at", ColumnType::TimestampTz)
                .default_sql("now()");
            t.check("fees_amount_positive", "amount > 0");
        });
        op.create_index("fees", ["student_id"]);
        op.create_index("fees", ["status"]);
    }
}
