//! A free-text description on each fee.

use migrator_core::prelude::*;

/// Adds `fees.description`.
pub fn upgrade(op: &mut Ops) {
    op.add_column::<Option<String>>("fees", "description")
        .comment("what the fee is for");
}
