//! create teachers
//!
//! Revision ID: 4f1c0d9e2b37
//! Revises: 1975ea83b712

use migrator_core::prelude::*;

#[migration(
    revision = "4f1c0d9e2b37",
    down_revision = "1975ea83b712",
    message = "create teachers",
    branch_labels = ["staff"]
)]
impl Revision {
    fn upgrade(op: &mut Ops) {
        op.create_table("teachers", |t| {
            t.column::<i64>("id").identity().primary_key();
        });
    }

    fn downgrade(op: &mut Ops) {
        op.drop_table("teachers");
    }
}
