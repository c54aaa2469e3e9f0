// A key #[derive(Model)] does not know is refused, listing the keys.
use migrator_core::prelude::*;

#[derive(Model)]
#[model(table = "fees")]
struct Fee {
    #[model(primary_key, autoincrement)]
    id: i64,
}

fn main() {}
