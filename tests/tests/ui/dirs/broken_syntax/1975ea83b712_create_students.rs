//! create students, with a syntax error in its upgrade

use migrator_core::prelude::*;

#[migration(revision = "1975ea83b712", down_revision = None, message = "create students")]
impl Revision {
    fn upgrade(op: &mut Ops) {
        op.create_table("students", |t| {
            t.column::<i64>("id").identity().primary_key();
        }));
    }

    fn downgrade(op: &mut Ops) {
        op.drop_table("students");
    }
}
