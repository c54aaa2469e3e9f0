//! Students, and the fees they owe.

use migrator_core::prelude::*;

/// Creates `students`, the `fee_status` enum and `fees`.
pub fn upgrade(op: &mut Ops) {
    op.create_table("students", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<String>("name");
        t.column::<Option<String>>("email").unique();
        t.column_as("created_at", ColumnType::TimestampTz)
            .default_sql("now()");
    });
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
