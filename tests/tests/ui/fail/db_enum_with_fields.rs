// A database enum's variants are values: a variant with fields is refused.
use migrator_core::prelude::*;

#[derive(DbEnum)]
enum FeeStatus {
    Pending,
    Paid { on: String },
}

fn main() {}
