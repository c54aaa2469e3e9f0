// A misspelt key in a revision's #[migration] is reported at the key, in its
// file, not hidden behind "there is no revision 1975ea83b712" from its child.
migrator_core::migrations!("../dirs/broken_key");

fn main() {}
