//! create fees, on top of 1975ea83b712, a revision of another crate

use migrator_core::prelude::*;

#[migration(
    revision = "ae1027a6acf4",
    down_revision = "1975ea83b712",
    message = "create fees"
)]
impl Revision {
    fn upgrade(op: &mut Ops) {
        op.create_table("fees", |t| {
            t.column::<i64>("id").identity().primary_key();
            t.column::<i64>("student_id").references("students", "id");
        });
    }

    fn downgrade(op: &mut Ops) {
        op.drop_table("fees");
    }
}
