//! The CLI run from an async test: it starts a runtime of its own, so it
//! runs on a blocking thread, off the test's runtime.

use migrator_core::cli::{self, CliConfig, Output};

/// Runs the CLI with `args` and `config` and gives what it printed.
pub async fn run_cli<S: AsRef<str>>(args: &[S], config: &CliConfig) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.as_ref().to_owned()).collect();
    let config = config.clone();
    tokio::task::spawn_blocking(move || cli::run(args, &config))
        .await
        .expect("the CLI does not panic")
}
