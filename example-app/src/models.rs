//! The schema the application wants, as models: `cargo run -- revision
//! --autogenerate -m "…"` writes the revision that takes the migrations
//! there (and says "No changes detected" while they agree, as now).

use migrator_core::prelude::*;

migrator_core::model! {
    /// Fees move from pending to paid, or become late.
    pub fn fee_status(op: &mut Ops) {
        op.create_enum("fee_status", ["pending", "paid", "late"]);
    }
}

migrator_core::model! {
    /// The students.
    pub fn students(op: &mut Ops) {
        op.create_table("students", |t| {
            t.column::<i64>("id").identity().primary_key();
            t.column::<String>("name");
            t.column::<Option<String>>("email").unique();
            t.column_as("created_at", ColumnType::TimestampTz)
                .default_sql("now()");
        });
    }
}

migrator_core::model! {
    /// What each student owes.
    pub fn fees(op: &mut Ops) {
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
            t.column::<Option<String>>("description")
                .comment("what the fee is for");
            t.check("fees_amount_positive", "amount > 0");
        });
        op.create_index("fees", ["status"]);
        op.create_index("fees", ["student_id"]);
    }
}

migrator_core::model! {
    /// Payments against a fee.
    pub fn payments(op: &mut Ops) {
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
