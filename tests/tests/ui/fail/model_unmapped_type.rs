// A field whose Rust type has no column mapping, and no sql_type, is a
// compile error at the field.
use migrator_core::prelude::*;

struct Money(i64);

#[derive(Model)]
struct Fee {
    #[model(primary_key)]
    id: i64,
    amount: Money,
}

fn main() {}
