// Every revision states its id.
use migrator_core::prelude::*;

#[migration(down_revision = "1975ea83b712", message = "create fees")]
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

fn main() {}
