// An index on a column the struct does not have is refused, naming the
// columns it has.
use migrator_core::prelude::*;

#[derive(Model)]
#[model(table = "fees", index(columns = ["student"]))]
struct Fee {
    #[model(primary_key)]
    id: i64,
    student_id: i64,
}

fn main() {}
