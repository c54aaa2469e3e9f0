// A revision is either reversible or irreversible, not both.
use migrator_core::prelude::*;

#[migration(
    revision = "27c6a30d7c24",
    down_revision = "ae1027a6acf4",
    message = "add fee description",
    reversible,
    irreversible = "the description is lost"
)]
impl Revision {
    fn upgrade(op: &mut Reversible) {
        op.add_column::<Option<String>>("fees", "description");
    }
}

fn main() {}
