//! add fee description

use migrator_core::prelude::*;

#[migration(
    revision = "27c6a30d7c24",
    down_revision = "ae1027a6acf4",
    message = "add fee description",
    reversible
)]
impl Revision {
    fn upgrade(op: &mut Reversible) {
        op.add_column::<Option<String>>("fees", "description");
    }
}
