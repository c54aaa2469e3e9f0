//! create fees
//!
//! Revision ID: ae1027a6acf4
//! Revises: 1975ea83b712

use migrator_core::prelude::*;

#[migration(
    revision = "ae1027a6acf4",
    down_revision = "1975ea83b712",
    message = "create fees",
    branch_labels = ["billing"],
    reversible
)]
impl Revision {
    fn upgrade(op: &mut Reversible) {
        op.create_table("fees", |t| {
            t.column::<i64>("id").identity().primary_key();
            t.column::<i64>("student_id").references("students", "id");
        });
        op.create_index("fees", ["student_id"]);
    }
}
