// A reversible upgrade records with `Reversible`, the builder that has no
// irreversible op; `Ops` would let one through.
use migrator_core::prelude::*;

#[migration(
    revision = "27c6a30d7c24",
    down_revision = "ae1027a6acf4",
    message = "add fee description",
    reversible
)]
impl Revision {
    fn upgrade(op: &mut Ops) {
        op.add_column::<Option<String>>("fees", "description");
    }
}

fn main() {}
