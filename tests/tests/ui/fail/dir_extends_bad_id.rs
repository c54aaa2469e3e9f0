// An id in `extends` follows the rules of revision ids.
migrator_core::migrations!("../dirs/extends", extends = ["1975ea83b712", "base"]);

fn main() {}
