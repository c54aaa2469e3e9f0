//! create students
//!
//! Revision ID: 1975ea83b712
//! Revises:
//! Create Date: 2026-11-25 18:00:00

use migrator_core::prelude::*;

#[migration(revision = "1975ea83b712", down_revision = None, message = "create students")]
impl Revision {
    fn upgrade(op: &mut Ops) {
        op.create_table("students", |t| {
            t.column::<i64>("id").identity().primary_key();
            t.column::<String>("name");
            t.column::<Option<String>>("email").unique();
            t.column_as("created_at", ColumnType::TimestampTz)
                .default_sql("now()");
        });
    }

    fn downgrade(op: &mut Ops) {
        op.drop_table("students");
    }
}
