// `extends` lists revisions of other crates, not of the directory itself.
migrator_core::migrations!("../dirs/valid", extends = ["1975ea83b712"]);

fn main() {}
