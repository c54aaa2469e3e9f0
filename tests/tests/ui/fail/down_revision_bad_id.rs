// A down_revision is checked like an id: this one could never name a revision.
use migrator_core::prelude::*;

#[migration(
    revision = "ae1027a6acf4",
    down_revision = "1975ea83b712@head",
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

fn main() {}
