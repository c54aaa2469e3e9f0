//! `lint` on the command line: the example app's revisions (each linted
//! as deployed on its own), severities an application sets, exit codes,
//! `--rules`, and a range that names no revision.

use example_app as _;
use migrator_core::cli::{self, CliConfig, Output};
use migrator_core::lint::{LintConfig, RULES, Severity};
use migrator_core::prelude::*;
use migrator_core::registry::Downgrade;
use migrator_tests::revisions::revision;

fn run(config: &CliConfig, args: &[&str]) -> Output {
    // No connection is made: lint reads the revisions only.
    let mut all = vec!["--database-url", "postgres://nobody@127.0.0.1:1/none"];
    all.extend_from_slice(args);
    cli::run(all, config)
}

#[test]
fn the_example_app_is_linted_revision_by_revision() {
    let out = run(&CliConfig::default(), &["lint"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "warning[require-concurrent-index-creation] revision 3f8a2c61d9e4, op #1.2 (create_index ix_students_name_trgm on students): builds under SHARE: writes to students wait until the index is built. Instead: .concurrently() (it runs outside a transaction: give it a revision of its own)\n\
         warning[require-concurrent-index-creation] revision 3f8a2c61d9e4, op #3 (create_index ix_students_lower_email on students): builds under SHARE: writes to students wait until the index is built. Instead: .concurrently() (it runs outside a transaction: give it a revision of its own)\n\
         2 finding(s): 0 error(s), 2 warning(s)\n"
    );
    // A range lints only its revisions.
    let out = run(
        &CliConfig::default(),
        &["lint", "1975ea83b712:8f3a61d0c2b7"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "0 finding(s): 0 error(s), 0 warning(s)\n");
}

fn up_accounts(op: &mut Ops) {
    op.create_table("accounts", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<Option<String>>("note");
    });
}

fn up_drop_note(op: &mut Ops) {
    op.drop_column("accounts", "note");
}

#[test]
fn an_error_level_finding_fails_the_command() {
    let config = CliConfig::default()
        .with_revisions(vec![
            revision("l1", &[], up_accounts, Downgrade::Derived),
            revision("l2", &["l1"], up_drop_note, Downgrade::Derived),
        ])
        .with_lint(
            LintConfig::default()
                .with_rule("ban-drop-column", Severity::Error)
                .unwrap(),
        );
    let out = run(&config, &["lint"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stdout,
        "error[ban-drop-column] revision l2, op #1 (drop_column accounts.note): the running application may still read or write accounts.note, and its data is lost. Instead: stop using the column in the application and deploy that first; then drop it\n\
         1 finding(s): 1 error(s), 0 warning(s)\n"
    );
    assert!(
        out.stderr.contains(
            "lint: 1 finding(s) at error level; fix them, or set the rule's severity with CliConfig::with_lint"
        ),
        "{}",
        out.stderr
    );
    // The same revision on its own creates the table: nothing to find.
    let out = run(&config, &["lint", "l1"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "0 finding(s): 0 error(s), 0 warning(s)\n")
    );
}

#[test]
fn rules_are_listed_and_a_bad_range_is_named() {
    let out = run(&CliConfig::default(), &["lint", "--rules"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.lines().count(), RULES.len());
    assert!(
        out.stdout.starts_with(
            "adding-field-with-default            warning  squawk  a new column that rewrites the table"
        ),
        "{}",
        out.stdout
    );
    let out = run(&CliConfig::default(), &["lint", "nosuchrev"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("nosuchrev"), "{}", out.stderr);
}
