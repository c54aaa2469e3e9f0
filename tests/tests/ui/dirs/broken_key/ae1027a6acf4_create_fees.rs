//! create fees, a child of the revision whose attribute has a misspelt key

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
        });
    }

    fn downgrade(op: &mut Ops) {
        op.drop_table("fees");
    }
}
