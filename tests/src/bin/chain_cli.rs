//! `migrator_core::cli::main` over the test chain of revisions (users a1 →
//! posts b2 → bio c3), as a real process: what the command line does with a
//! closed stdout (`history | head`) is tested through it, from
//! `tests/tests/cli_input.rs` (`CARGO_BIN_EXE_chain_cli`).

use std::process::ExitCode;

use migrator_core::cli::{self, CliConfig};
use migrator_core::registry::Downgrade;
use migrator_tests::revisions::{down_users, revision, up_bio, up_posts, up_users};

fn main() -> ExitCode {
    cli::main(
        CliConfig::default()
            .with_revisions(vec![
                revision("a1", &[], up_users, Downgrade::Written(down_users)),
                revision("b2", &["a1"], up_posts, Downgrade::Derived),
                revision("c3", &["b2"], up_bio, Downgrade::Derived),
            ])
            .with_program("chain-cli"),
    )
}
