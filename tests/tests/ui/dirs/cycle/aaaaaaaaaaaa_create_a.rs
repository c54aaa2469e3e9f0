//! create a
//!
//! Revision ID: aaaaaaaaaaaa
//! Revises: bbbbbbbbbbbb

use migrator_core::prelude::*;

#[migration(
    revision = "aaaaaaaaaaaa",
    down_revision = "bbbbbbbbbbbb",
    message = "create a"
)]
impl Revision {
    fn upgrade(op: &mut Ops) {
        op.create_table("a", |t| {
            t.column::<i64>("id").identity().primary_key();
        });
    }

    fn downgrade(op: &mut Ops) {
        op.drop_table("a");
    }
}
