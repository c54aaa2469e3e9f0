//! create teachers
//!
//! Revision ID: 1975ea83b712
//! Revises:

use migrator_core::prelude::*;

#[migration(revision = "1975ea83b712", down_revision = None, message = "create teachers")]
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
