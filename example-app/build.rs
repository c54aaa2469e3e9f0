//! Rebuilds the crate when a file is added to or removed from the migrations
//! directory, so `migrations!` picks it up without a clean build.
fn main() {
    println!("cargo:rerun-if-changed=src/migrations");
}
