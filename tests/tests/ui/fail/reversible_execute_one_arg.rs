// Raw SQL in a reversible upgrade needs the SQL that undoes it: the
// `Reversible` builder's `execute` takes both, so rustc refuses one.
use migrator_core::prelude::*;

#[migration(
    revision = "5d2a9c7e4b10",
    down_revision = "27c6a30d7c24",
    message = "backfill fee descriptions",
    reversible
)]
impl Revision {
    fn upgrade(op: &mut Reversible) {
        op.execute("UPDATE fees SET description = 'tuition' WHERE description IS NULL");
    }
}

fn main() {}
