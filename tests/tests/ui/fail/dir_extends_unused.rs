// An id in `extends` that no revision of the directory builds on is refused.
migrator_core::migrations!("../dirs/extends", extends = ["1975ea83b712", "4f1c0d9e2b37"]);

fn main() {}
