// migrations! takes the directory and `extends`, nothing else.
migrator_core::migrations!("../dirs/extends", extend = ["1975ea83b712"]);

fn main() {}
