// `irreversible` must say why: `history` and the runner quote the reason.
use migrator_core::prelude::*;

#[migration(
    revision = "3b8e1f0c9a21",
    down_revision = "ae1027a6acf4",
    message = "add waived fee status",
    irreversible = ""
)]
impl Revision {
    fn upgrade(op: &mut Ops) {
        op.add_enum_value("fee_status", "waived");
    }
}

fn main() {}
