// A revision that does not parse is reported where it is, by the compiler,
// not hidden behind "there is no revision 1975ea83b712" from its child.
migrator_core::migrations!("../dirs/broken_syntax");

fn main() {}
