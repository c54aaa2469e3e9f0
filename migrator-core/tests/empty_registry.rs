//! A binary that links no revisions (its `main.rs` forgot `use my_app as
//! _;`) fails loudly instead of reporting success on an empty graph; one
//! that has none on purpose says so.

use migrator_core::cli::{self, CliConfig};
use migrator_core::registry::RegistryError;
use migrator_core::run::Migrations;

#[test]
fn an_empty_registry_is_an_error_that_names_the_fix() {
    let err = Migrations::registered()
        .err()
        .expect("no revisions are linked here");
    assert!(matches!(err, RegistryError::Empty), "{err:?}");
    assert!(err.to_string().contains("use my_app as _;"), "{err}");

    let config = CliConfig::default();
    for args in [
        vec!["--database-url", "sqlite::memory:", "upgrade"],
        vec!["--database-url", "sqlite::memory:", "check"],
        vec![
            "--database-url",
            "sqlite::memory:",
            "upgrade",
            "head",
            "--sql",
        ],
        vec!["history"],
    ] {
        let out = cli::run(args.clone(), &config);
        assert_eq!(out.code, 1, "{args:?}: {}", out.stdout);
        assert!(
            out.stderr
                .contains("no revisions are linked into this binary"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn an_application_that_expects_no_revisions_says_so() {
    let config = CliConfig::default().with_revisions(Vec::new());
    let out = cli::run(["--database-url", "sqlite::memory:", "upgrade"], &config);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn the_first_revision_is_written_with_none_linked() {
    let dir = std::env::temp_dir().join(format!("migrator_first_{}", std::process::id()));
    let config = CliConfig::default().with_migrations_dir(dir.clone());
    std::fs::create_dir_all(&dir).unwrap();
    let out = cli::run(["revision", "-m", "create users"], &config);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}
