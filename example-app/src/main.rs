//! The example application: the school-fees schema, migrated with
//! migrator's command line (`cargo run -- upgrade`, `cargo run -- history`,
//! `cargo run -- --help` for every verb).

use std::process::ExitCode;

use migrator_core::cli::{self, CliConfig};

// Links the library, and with it every revision it registers.
use example_app as _;

fn main() -> ExitCode {
    cli::main(CliConfig {
        migrations_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/src/migrations").into(),
        default_url: "sqlite://migrator_example.db".into(),
        program: "example-app".into(),
        ..CliConfig::default()
    })
}
