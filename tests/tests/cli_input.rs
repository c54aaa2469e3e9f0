//! The command line against hostile input, and messages that say what to do
//! (issue 12): revision ids that would leave the migrations directory or
//! not compile, durations no engine takes, messages full of control
//! characters, a closed stdout, wrong URL schemes, typos.
//!
//! Most tests run the CLI in process through `migrator_core::cli::run`, as
//! `tests/cli.rs` does; the closed-pipe test runs it as a real process
//! (`src/bin/chain_cli.rs`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use example_app as _;
use migrator_core::cli::{self, CliConfig, Output};
use migrator_core::prelude::*;
use migrator_core::registry::{Downgrade, Registered, Upgrade};
use migrator_core::run::Engine;
use migrator_tests::engine::TestTarget;
use tokio::runtime::Runtime;

/// The example app's merge head.
const MERGE: &str = "e7b94f2a6c18";

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn temp_dir() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "migrator-cli-input-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str], config: &CliConfig) -> Output {
    cli::run(args.iter().copied(), config)
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A usage error: exit 2, `error:` on stderr containing `expected`.
fn assert_usage(out: &Output, expected: &str) {
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains(expected),
        "wanted {expected:?}: {out:?}"
    );
}

#[test]
fn a_rev_id_that_is_a_path_is_refused_and_nothing_is_written_outside_the_directory() {
    let root = temp_dir();
    let dir = root.join("a").join("b").join("migrations");
    std::fs::create_dir_all(&dir).unwrap();
    let config = CliConfig::default().with_migrations_dir(dir.clone());
    let absolute = root.join("abs_target");
    for id in [
        "../../..",
        "../../escaped",
        absolute.to_str().unwrap(),
        "a/b",
        "a.b",
        "x\\y",
    ] {
        let out = run(&["revision", "-m", "escape", "--rev-id", id], &config);
        assert_usage(&out, "ASCII letters, digits and `_` only");
    }
    assert_eq!(files_under(&root), Vec::<PathBuf>::new());
    // The slug made from the message never leaves the directory either.
    let out = run(
        &[
            "revision",
            "-m",
            "../../../../etc/passwd",
            "--rev-id",
            "f00d",
        ],
        &config,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(files_under(&root), [dir.join("f00d_etc_passwd.rs")]);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_rev_id_that_is_a_keyword_or_differs_only_in_case_is_refused_up_front() {
    let dir = temp_dir();
    let config = CliConfig::default().with_migrations_dir(dir.clone());
    for id in ["self", "fn", "Self", "SUPER", "gen"] {
        let out = run(&["revision", "-m", "", "--rev-id", id], &config);
        assert_usage(&out, "is a Rust keyword");
        let out = run(&["merge", "heads", "-m", "m", "--rev-id", id], &config);
        assert_usage(&out, "is a Rust keyword");
    }
    let upper = MERGE.to_ascii_uppercase();
    let out = run(&["revision", "-m", "x", "--rev-id", &upper], &config);
    assert_usage(
        &out,
        &format!("differs from the existing revision {MERGE} only in case"),
    );
    let out = run(
        &["revision", "-m", "x", "--branch-label", "bill\u{1b}[2Jing"],
        &config,
    );
    assert_usage(&out, "contains the character U+001B");
    assert!(!out.stderr.contains('\u{1b}'), "{out:?}");
    assert_eq!(files_under(&dir), Vec::<PathBuf>::new());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn out_of_range_durations_are_usage_errors_that_give_the_range() {
    let config = CliConfig::default();
    for option in ["--lock-wait", "--lock-timeout", "--statement-timeout"] {
        for value in ["1e300", "1e300m", "-1", "NaN", "inf", "3e6", "2147483.648"] {
            let out = run(&[option, value, "history"], &config);
            assert_usage(&out, "give 0 to 2147483.647 seconds");
            assert!(out.stderr.contains(value), "{out:?}");
        }
        let out = run(&[option, "0.5ms", "history"], &config);
        assert_usage(&out, "give at least `1ms`, or 0");
    }
}

#[test]
fn a_huge_lock_timeout_on_sqlite_is_a_usage_error_and_the_maximum_runs() {
    let rt = runtime();
    let db = rt.block_on(TestTarget::new(Engine::Sqlite));
    let url = db.url();
    let config = CliConfig::default();
    let out = run(
        &["--database-url", &url, "--lock-timeout", "3e6", "upgrade"],
        &config,
    );
    assert_usage(&out, "out of range");
    let out = run(
        &[
            "--database-url",
            &url,
            "--lock-timeout",
            "2147483.647",
            "--statement-timeout",
            "2147483647ms",
            "upgrade",
            "+1",
        ],
        &config,
    );
    assert_eq!(out.code, 0, "{out:?}");
}

/// Messages no source file holds as they are.
const HOSTILE_MESSAGES: [&str; 9] = [
    "lone\rcarriage return",
    "nul\0byte",
    "right-to-left \u{202e}override\u{202c} and \u{2066}isolate\u{2069} \u{200f}mark",
    "escape \u{1b}[31mred\u{1b}[0m and bell \u{7}",
    "quotes \" ' \\ backslash */ /* {} # \\u{41}",
    "two\nlines\r\nand a crlf\n\n\nand blank ones",
    "\u{feff}bom \u{2028} line separator \u{85} next line",
    "tab\there, trailing space \t ",
    "",
];

#[test]
fn generated_revision_files_compile_whatever_the_message_holds() {
    let root = temp_dir();
    let dir = root.join("migrations");
    std::fs::create_dir_all(&dir).unwrap();
    let config = CliConfig::default()
        .with_migrations_dir(dir.clone())
        .with_revisions(Vec::new());
    let mut expected = Vec::new();
    for (i, message) in HOSTILE_MESSAGES.iter().enumerate() {
        let id = format!("hostile{i:02}");
        let out = run(&["revision", "-m", message, "--rev-id", &id], &config);
        assert_eq!(out.code, 0, "{message:?}: {out:?}");
        assert!(!out.stdout.contains(['\r', '\0', '\u{1b}']), "{out:?}");
        expected.push((id, message.to_string()));
    }
    let long = "a long message, ".repeat(400);
    let out = run(&["revision", "-m", &long, "--rev-id", "long_one"], &config);
    assert_eq!(out.code, 0, "{out:?}");
    expected.push(("long_one".to_owned(), long));
    expected.sort();
    for file in files_under(&dir) {
        let text = std::fs::read_to_string(&file).unwrap();
        let header: String = text.lines().take_while(|l| l.starts_with("//!")).collect();
        assert!(
            !header.contains(['\r', '\0', '\u{1b}', '\u{202e}', '\u{2066}', '\u{feff}']),
            "{}: {header:?}",
            file.display()
        );
    }
    // The files, included by `migrations!`, compile and register each
    // message exactly as it was given.
    let pass = root.join("hostile_messages.rs");
    std::fs::write(
        &pass,
        format!(
            "mod migrations {{\n    migrator_core::migrations!({dir:?});\n}}\n\n\
             fn main() {{\n    \
                 let got: Vec<(String, String)> = migrator_core::registry::registered()\n        \
                     .iter()\n        \
                     .map(|r| (r.id.to_owned(), r.message.to_owned()))\n        \
                     .collect();\n    \
                 let expected: Vec<(String, String)> = {expected:?}\n        \
                     .into_iter()\n        \
                     .map(|(a, b): (&str, &str)| (a.to_owned(), b.to_owned()))\n        \
                     .collect();\n    \
                 assert_eq!(got, expected);\n\
             }}\n",
            dir = dir.display().to_string(),
        ),
    )
    .unwrap();
    trybuild::TestCases::new().pass(&pass);
}

fn written(_: &mut Ops) {}

fn up(op: &mut Ops) {
    op.execute("SELECT 1").reverse("SELECT 1");
}

/// One revision whose message and label hold terminal escapes.
fn hostile_graph() -> Vec<Registered> {
    vec![Registered {
        id: "a1",
        down_revisions: &[],
        message: "clears \u{1b}[2J the screen\r and \u{202e}reverses",
        branch_labels: &["lab\u{1b}]0;title\u{7}el"],
        depends_on: &[],
        upgrade: Upgrade::Ops(up),
        downgrade: Downgrade::Written(written),
        naming: None,
        file: "/nonexistent/revision.rs",
        line: 1,
    }]
}

fn assert_no_raw_controls(out: &Output) {
    for text in [&out.stdout, &out.stderr] {
        assert!(
            !text.contains(['\u{1b}', '\r', '\u{7}', '\u{202e}']),
            "raw control characters in {text:?}"
        );
    }
}

#[test]
fn control_characters_are_printed_escaped_in_history_show_and_errors() {
    let rt = runtime();
    let db = rt.block_on(TestTarget::new(Engine::Sqlite));
    let url = db.url();
    let config = CliConfig::default().with_revisions(hostile_graph());
    let cli = |args: &[&str]| {
        let mut all = vec!["--database-url", url.as_str()];
        all.extend_from_slice(args);
        run(&all, &config)
    };
    let out = cli(&["history"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "<base> -> a1 (lab\\u{1b}]0;title\\u{7}el) (head), clears \\u{1b}[2J the screen\\r and \\u{202e}reverses\n"
    );
    for args in [
        &["show", "a1"][..],
        &["history", "--verbose"],
        &["heads", "--verbose"],
        &["upgrade"],
    ] {
        let out = cli(args);
        assert_eq!(out.code, 0, "{args:?}: {out:?}");
        assert_no_raw_controls(&out);
    }
    assert!(cli(&["show", "a1"]).stdout.contains("\\u{1b}[2J"));
    // A target as typed, in an error.
    let out = cli(&["show", "zz\u{1b}[2J"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("zz\\u{1b}[2J"), "{out:?}");
    assert_no_raw_controls(&out);
    // A row of the version table, printed.
    rt.block_on(db.execute(
        "UPDATE migrator_version SET version_num = 'a1' || char(27) || '[2J' || char(13)",
    ));
    for args in [&["current"][..], &["history", "--indicate-current"]] {
        let out = cli(args);
        assert!(out.stderr.contains("a1\\u{1b}[2J\\r"), "{args:?}: {out:?}");
        assert_no_raw_controls(&out);
    }
}

#[test]
fn a_closed_stdout_ends_the_command_quietly_with_exit_0() {
    for args in [&["history"][..], &["history", "--verbose"], &["--help"]] {
        let (reader, writer) = std::io::pipe().unwrap();
        // Nobody reads: the first write fails with EPIPE, as in `history | head`
        // once head has exited.
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_chain_cli"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
    // With a reader, the same command prints.
    let out = Command::new(env!("CARGO_BIN_EXE_chain_cli"))
        .arg("history")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "b2 -> c3 (head), c3\na1 -> b2, b2\n<base> -> a1, a1\n"
    );
}

#[test]
fn a_wrong_url_scheme_names_the_schemes_that_exist() {
    let config = CliConfig::default();
    let out = run(
        &["--database-url", "mysql://app:hunter22@db/app", "current"],
        &config,
    );
    assert_eq!(out.code, 1, "{out:?}");
    for part in [
        "`mysql://` is not a scheme migrator knows",
        "`postgres://",
        "`postgresql://",
        "`sqlite://path/app.db`",
        "`sqlite:///abs/path/app.db`",
        "`sqlite::memory:`",
    ] {
        assert!(out.stderr.contains(part), "wanted {part:?}: {}", out.stderr);
    }
    assert_eq!(
        out.stderr.matches("invalid connection string").count(),
        1,
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("hunter22"), "{}", out.stderr);
    for (bare, hint) in [
        ("app.db", "write `sqlite://app.db`"),
        ("data/app.sqlite3", "write `sqlite://data/app.sqlite3`"),
        ("/srv/app.sqlite", "write `sqlite:///srv/app.sqlite`"),
    ] {
        let out = run(&["--database-url", bare, "current"], &config);
        assert_eq!(out.code, 1, "{out:?}");
        assert!(out.stderr.contains(hint), "{bare}: {}", out.stderr);
        assert!(!out.stderr.contains("unexpected EOF"), "{}", out.stderr);
    }
    // A string without a scheme is shown without its password.
    let out = run(
        &["--database-url", "app:hunter22@db/app", "current"],
        &config,
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("has no scheme: use `postgres://"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("hunter22"), "{}", out.stderr);
}

#[test]
fn a_mistyped_target_or_verb_gets_a_suggestion() {
    let config = CliConfig::default();
    let out = run(&["upgrade", "haed", "--sql"], &config);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("(did you mean `head` or `heads`?)"),
        "{}",
        out.stderr
    );
    let out = run(&["downgrade", "bsae", "--sql"], &config);
    assert!(
        out.stderr.contains("did you mean `base`?"),
        "{}",
        out.stderr
    );
    let out = run(&["updgrade"], &config);
    assert_usage(&out, "'upgrade'");
    let out = run(&["history", "--verbos"], &config);
    assert_usage(&out, "'--verbose'");
}

#[test]
fn history_takes_a_range_that_starts_with_a_hyphen() {
    let config = CliConfig::default();
    let spelled = run(&["history", "--rev-range=27c6:"], &config);
    assert_eq!(spelled.code, 0, "{spelled:?}");
    for args in [
        &["history", "-r", "-1:"][..],
        &["history", "--rev-range", "-1:"],
        &["history", "-r=-1:"],
    ] {
        let out = run(args, &config);
        assert!(
            !out.stderr.contains("unexpected argument"),
            "{args:?}: {out:?}"
        );
        // Relative to the current revision, which without a database is base.
        assert_eq!(out.code, 1, "{args:?}: {out:?}");
    }
    let (a, b) = (
        run(&["history", "-r", "-1:", "-v"], &config),
        run(&["history", "--rev-range=-1:", "-v"], &config),
    );
    assert_eq!(
        (a.code, &a.stdout, &a.stderr),
        (b.code, &b.stdout, &b.stderr)
    );
}

#[test]
fn database_url_help_names_the_sqlite_forms_and_the_real_default() {
    let config = CliConfig::default().with_default_url("sqlite://school_fees.db");
    for flag in ["--help", "-h"] {
        let out = run(&[flag], &config);
        assert_eq!(out.code, 0, "{out:?}");
        for part in [
            "postgres://",
            "sqlite://path/app.db",
            "sqlite:///abs/path/app.db",
            "sqlite::memory:",
            "Default: sqlite://school_fees.db",
        ] {
            assert!(
                out.stdout.contains(part),
                "{flag} lacks {part:?}:\n{}",
                out.stdout
            );
        }
        assert!(!out.stdout.contains("local database"), "{}", out.stdout);
    }
    let config = CliConfig::default().with_default_url("postgres://app:hunter22@db/app");
    let out = run(&["upgrade", "--help"], &config);
    assert!(
        out.stdout.contains("Default: postgres://app:"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("hunter22"), "{}", out.stdout);
}

#[test]
fn single_transaction_prints_one_duration_for_the_run() {
    let rt = runtime();
    let db = rt.block_on(TestTarget::new(Engine::Sqlite));
    let url = db.url();
    let out = run(
        &["--database-url", &url, "--single-transaction", "upgrade"],
        &CliConfig::default(),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let timed: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.ends_with(" ms") || l.contains(" ms;"))
        .collect();
    assert_eq!(timed.len(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("Applied 8 revision(s); the database is at"),
        "{}",
        out.stderr
    );
}
