//! The short form of the reliability suite (`src/bin/reliability.rs`): real
//! runner processes on a 200-revision plan, killed at random moments, raced
//! sixteen at a time, and cut off by a server restart. The long form is
//! `cargo run --release -p migrator-tests --bin reliability` (RELIABILITY.md).

use std::process::Command;

#[test]
fn killed_raced_and_restarted_runners_leave_a_consistent_database() {
    let out = Command::new(env!("CARGO_BIN_EXE_reliability"))
        .args([
            "--kills",
            "4",
            "--rounds",
            "1",
            "--runners",
            "16",
            "--restarts",
            "1",
            "--seed",
            "7",
        ])
        .output()
        .expect("the reliability suite runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the reliability suite found failures:\n{stdout}\n{stderr}"
    );
    let figures = stdout.lines().last().unwrap_or_default();
    assert!(
        figures.starts_with("kill_trials=4 kill_failures=0 deploy_rounds=1 deploy_failures=0"),
        "{figures}"
    );
}
