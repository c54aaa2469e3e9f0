// `naming` names a NamingConvention constant by its path, not by a string.
use migrator_core::prelude::*;

#[migration(
    revision = "0a1b2c3d4e5f",
    down_revision = None,
    message = "users",
    naming = "sqlalchemy",
    reversible
)]
impl Revision {
    fn upgrade(op: &mut Reversible) {
        op.create_table("users", |t| {
            t.column::<i64>("id").primary_key();
        });
    }
}

fn main() {}
