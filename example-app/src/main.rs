//! The example application: the school-fees schema, written with migrator's op builder.
fn main() {}
