// migrations! checks the graph of the directory's revisions at compile time.
migrator_core::migrations!("../dirs/cycle");

fn main() {}
