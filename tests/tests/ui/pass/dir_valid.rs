// migrations! includes every file of a directory as a module and accepts a
// valid graph: a base, a labelled branch, a second branch and a merge.
use migrator_core::registry;

mod migrations {
    migrator_core::migrations!("../dirs/valid");
}

fn main() {
    // One module per file; a stem that starts with a digit gets `m_`.
    assert_eq!(
        migrations::m_1975ea83b712_create_students::Revision::ID,
        "1975ea83b712"
    );
    assert_eq!(
        migrations::ae1027a6acf4_create_fees::Revision::ID,
        "ae1027a6acf4"
    );

    let listed: Vec<(&str, &[&str])> = registry::registered()
        .iter()
        .map(|r| (r.id, r.down_revisions))
        .collect();
    assert_eq!(
        listed,
        [
            ("1975ea83b712", &[][..]),
            ("27c6a30d7c24", &["ae1027a6acf4"][..]),
            ("4f1c0d9e2b37", &["1975ea83b712"][..]),
            ("8a6b5e3c1d90", &["27c6a30d7c24", "4f1c0d9e2b37"][..]),
            ("ae1027a6acf4", &["1975ea83b712"][..]),
        ]
    );
    for r in registry::registered() {
        assert!(r.file.contains("dirs/valid/"), "{}", r.file);
    }

    let graph = registry::graph().unwrap();
    assert_eq!(graph.heads(), ["8a6b5e3c1d90"]);
    assert_eq!(graph.branch_labels(), ["billing", "staff"]);
    assert_eq!(graph.merge_points(), ["8a6b5e3c1d90"]);
}
