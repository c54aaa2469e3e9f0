//! The example application: the school-fees schema, migrated with
//! migrator's command line (`cargo run -- upgrade`, `cargo run -- history`,
//! `cargo run -- --help` for every verb).

use std::process::ExitCode;

use migrator_core::cli::{self, CliConfig};

// Links the library, and with it every revision it registers.
use example_app as _;

fn main() -> ExitCode {
    cli::main(
        CliConfig::default()
            .with_migrations_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/migrations"))
            .with_default_url(if cfg!(feature = "sqlite") {
                "sqlite://migrator_example.db"
            } else {
                // Built for PostgreSQL only (`--no-default-features --features postgres`).
                "postgres://postgres@127.0.0.1:5432/migrator_example"
            })
            .with_program("example-app"),
    )
}
