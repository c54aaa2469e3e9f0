//! The registry as a binary linking the example app sees it: exactly the
//! example app's revisions, with their parents; and the start-up graph checks'
//! messages for revisions that do not form a graph.

use example_app as _;
use migrator_core::registry::{self, Downgrade, Registered, RegistryError, Upgrade};

#[test]
fn lists_exactly_the_example_apps_revisions_with_their_parents() {
    let listed: Vec<(&str, &[&str], &str)> = registry::registered()
        .iter()
        .map(|r| (r.id, r.down_revisions, r.message))
        .collect();
    assert_eq!(
        listed,
        [
            ("1975ea83b712", &[][..], "create students"),
            ("27c6a30d7c24", &["ae1027a6acf4"][..], "add fee description"),
            (
                "3f8a2c61d9e4",
                &["e7b94f2a6c18"][..],
                "search students, touch fees, describe old fees"
            ),
            ("5d2be4c1a9f0", &["27c6a30d7c24"][..], "create payments"),
            (
                "8f3a61d0c2b7",
                &["27c6a30d7c24"][..],
                "rename fee status overdue to late"
            ),
            ("ae1027a6acf4", &["1975ea83b712"][..], "create fees"),
            (
                "c41e7a9b3d25",
                &["8f3a61d0c2b7"][..],
                "mark past-due pending fees late"
            ),
            (
                "e7b94f2a6c18",
                &["5d2be4c1a9f0", "c41e7a9b3d25"][..],
                "merge payments and late fees"
            ),
        ]
    );
}

#[test]
fn records_how_each_example_revision_is_written() {
    let students = registry::get("1975ea83b712").unwrap();
    assert!(matches!(students.upgrade, Upgrade::Ops(_)));
    assert!(matches!(students.downgrade, Downgrade::Written(_)));
    assert!(
        students
            .file
            .ends_with("src/migrations/1975ea83b712_create_students.rs"),
        "{}",
        students.file
    );
    for id in ["ae1027a6acf4", "27c6a30d7c24"] {
        let r = registry::get(id).unwrap();
        assert!(matches!(r.upgrade, Upgrade::Reversible(_)), "{id}");
        assert!(matches!(r.downgrade, Downgrade::Derived), "{id}");
    }
    for r in registry::registered() {
        let labels: &[&str] = if r.id == "5d2be4c1a9f0" {
            &["payments"]
        } else {
            &[]
        };
        assert_eq!(r.branch_labels, labels, "{}", r.id);
        assert!(r.depends_on.is_empty(), "{}", r.id);
    }
}

#[test]
fn the_example_apps_revisions_form_one_branch_its_merge_and_a_revision_after() {
    let graph = registry::graph().unwrap();
    assert_eq!(graph.len(), 8);
    assert_eq!(graph.heads(), ["3f8a2c61d9e4"]);
    assert_eq!(graph.branch_points(), ["27c6a30d7c24"]);
    assert_eq!(graph.merge_points(), ["e7b94f2a6c18"]);
    assert_eq!(graph.bases(), ["1975ea83b712"]);
}

/// A revision built by hand, as `#[migration]` would register it.
fn revision(id: &'static str, parents: &'static [&'static str], line: u32) -> Registered {
    fn noop(_: &mut migrator_core::ops::Ops) {}
    Registered {
        id,
        down_revisions: parents,
        message: "",
        branch_labels: &[],
        depends_on: &[],
        upgrade: Upgrade::Ops(noop),
        downgrade: Downgrade::Written(noop),
        naming: None,
        file: "src/migrations/hand_built.rs",
        line,
    }
}

#[test]
fn a_duplicate_id_names_both_declarations() {
    let err = registry::graph_of(&[
        revision("1975ea83b712", &[], 9),
        revision("ae1027a6acf4", &["1975ea83b712"], 30),
        revision("1975ea83b712", &[], 51),
    ])
    .unwrap_err();
    assert!(matches!(err, RegistryError::DuplicateId { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "revision id 1975ea83b712 is declared twice: at src/migrations/hand_built.rs:9 and at src/migrations/hand_built.rs:51; give one of them a new id"
    );
}

#[test]
fn an_unknown_parent_names_the_revision_and_where_it_is_declared() {
    let err = registry::graph_of(&[
        revision("1975ea83b712", &[], 9),
        revision("ae1027a6acf4", &["1975ea83b713"], 30),
    ])
    .unwrap_err();
    assert!(matches!(err, RegistryError::Graph { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "revision ae1027a6acf4 names 1975ea83b713 as its down_revision, but there is no revision 1975ea83b713 (did you mean `1975ea83b712`?) (declared: 1975ea83b712 at src/migrations/hand_built.rs:9, ae1027a6acf4 at src/migrations/hand_built.rs:30)"
    );
}

#[test]
fn the_example_apps_revisions_plus_a_stray_one_are_refused() {
    let mut all: Vec<Registered> = registry::registered().into_iter().cloned().collect();
    all.push(revision("3b8e1f0c9a21", &["27c6a30d7c25"], 12));
    let err = registry::graph_of(&all).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("revision 3b8e1f0c9a21 names 27c6a30d7c25 as its down_revision"),
        "{err}"
    );
}
