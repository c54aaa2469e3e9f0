//! create b
//!
//! Revision ID: bbbbbbbbbbbb
//! Revises: aaaaaaaaaaaa

use migrator_core::prelude::*;

#[migration(
    revision = "bbbbbbbbbbbb",
    down_revision = "aaaaaaaaaaaa",
    message = "create b"
)]
impl Revision {
    fn upgrade(op: &mut Ops) {
        op.create_table("b", |t| {
            t.column::<i64>("id").identity().primary_key();
        });
    }

    fn downgrade(op: &mut Ops) {
        op.drop_table("b");
    }
}
