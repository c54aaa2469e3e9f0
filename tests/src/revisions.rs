//! Revisions built in a test, for runner and CLI tests that need their own
//! graphs rather than the ones linked into the binary.

use migrator_core::ops::Ops;
use migrator_core::registry::{Downgrade, Registered, Upgrade};

/// A revision `id` with `parents`, upgrading with `up` and undone by `down`
/// (its message is its id). Leaked: tests build a handful.
pub fn revision(
    id: &'static str,
    parents: &'static [&'static str],
    up: fn(&mut Ops),
    down: Downgrade,
) -> &'static Registered {
    Box::leak(Box::new(Registered {
        id,
        down_revisions: parents,
        message: id,
        branch_labels: &[],
        depends_on: &[],
        upgrade: Upgrade::Ops(up),
        downgrade: down,
        file: file!(),
        line: line!(),
    }))
}
