//! A directory's `extends` at start-up: a parent of another crate that is
//! not linked in is refused with a message naming the missing crate link,
//! whether the revision names it as its parent or in `depends_on`; an
//! unknown parent that no `extends` lists keeps the plain message.

use migrator_core::inventory;
use migrator_core::ops::Ops;
use migrator_core::registry::{Downgrade, Extends, Registered, RegistryError, Upgrade};
use migrator_core::run::Migrations;

// What `migrations!("src/migrations", extends = ["a1b2c3d4e5f6"])` registers.
inventory::submit! {
    Extends {
        ids: &["a1b2c3d4e5f6"],
        directory: "src/migrations",
        file: "src/lib.rs",
        line: 3,
    }
}

fn noop(_: &mut Ops) {}

/// A revision as `#[migration]` registers it.
fn revision(
    id: &'static str,
    parents: &'static [&'static str],
    depends_on: &'static [&'static str],
) -> Registered {
    Registered {
        id,
        down_revisions: parents,
        message: "",
        branch_labels: &[],
        depends_on,
        upgrade: Upgrade::Ops(noop),
        downgrade: Downgrade::Written(noop),
        naming: None,
        file: "src/migrations/e002_fees.rs",
        line: 7,
    }
}

const MISSING: &str = "revision e002fe0c1a9b (at src/migrations/e002_fees.rs:7) builds on a1b2c3d4e5f6 from another crate (`extends` of migrations!(\"src/migrations\") at src/lib.rs:3), but no revision a1b2c3d4e5f6 is linked into this binary: the crate that declares it must be linked in, so add `use base_migrations as _;` (with that crate's name) to the binary's main.rs";

#[test]
fn a_missing_extended_parent_names_the_crate_link_to_add() {
    let err = Migrations::new(vec![revision("e002fe0c1a9b", &["a1b2c3d4e5f6"], &[])])
        .err()
        .expect("a1b2c3d4e5f6 is not linked in");
    assert!(
        matches!(&err, RegistryError::MissingExtended { revision, parent, .. }
            if revision == "e002fe0c1a9b" && parent == "a1b2c3d4e5f6"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), MISSING);
}

#[test]
fn a_missing_extended_dependency_names_the_crate_link_to_add() {
    let err = Migrations::new(vec![
        revision("0b5e0c1a9b2d", &[], &[]),
        revision("e002fe0c1a9b", &["0b5e0c1a9b2d"], &["a1b2c3d4e5f6"]),
    ])
    .err()
    .expect("a1b2c3d4e5f6 is not linked in");
    assert_eq!(err.to_string(), MISSING);
}

#[test]
fn the_extended_parent_linked_in_is_a_graph() {
    let migrations = Migrations::new(vec![
        revision("a1b2c3d4e5f6", &[], &[]),
        revision("e002fe0c1a9b", &["a1b2c3d4e5f6"], &[]),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(migrations.graph().heads(), ["e002fe0c1a9b"]);
}

#[test]
fn an_unknown_parent_not_in_extends_keeps_the_plain_message() {
    let err = Migrations::new(vec![revision("e002fe0c1a9b", &["a1b2c3d4e5f7"], &[])])
        .err()
        .expect("a1b2c3d4e5f7 is unknown");
    assert!(matches!(err, RegistryError::Graph { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("revision e002fe0c1a9b names a1b2c3d4e5f7 as its down_revision, but there is no revision a1b2c3d4e5f7"),
        "{err}"
    );
}
