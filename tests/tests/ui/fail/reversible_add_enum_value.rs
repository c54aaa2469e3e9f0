// add_enum_value has no inverse: a reversible revision cannot use it.
use migrator_core::prelude::*;

#[migration(
    revision = "3b8e1f0c9a21",
    down_revision = "ae1027a6acf4",
    message = "add waived fee status",
    reversible
)]
impl Revision {
    fn upgrade(op: &mut Reversible) {
        op.add_column::<Option<String>>("fees", "waiver_note");
        op.add_enum_value("fee_status", "waived");
    }
}

fn main() {}
