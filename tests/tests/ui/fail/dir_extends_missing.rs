// Without `extends`, a parent of another crate is still an unknown parent.
migrator_core::migrations!("../dirs/extends");

fn main() {}
