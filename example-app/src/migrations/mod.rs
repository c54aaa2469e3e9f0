//! The example's revisions, oldest first. Each is an upgrade written with the
//! op builder; its downgrade is derived from the schema model.

use migrator_core::ops::Ops;

mod r0001_students_and_fees;
mod r0002_fee_description;

/// One revision: an id, a message and its upgrade.
pub struct Revision {
    /// The revision's id.
    pub id: &'static str,
    /// What it does.
    pub message: &'static str,
    /// Records its ops.
    pub upgrade: fn(&mut Ops),
}

/// Every revision, in order.
pub fn all() -> Vec<Revision> {
    vec![
        Revision {
            id: "0001",
            message: "students and fees",
            upgrade: r0001_students_and_fees::upgrade,
        },
        Revision {
            id: "0002",
            message: "fee description",
            upgrade: r0002_fee_description::upgrade,
        },
    ]
}
