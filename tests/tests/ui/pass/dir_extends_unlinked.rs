// A directory that extends a revision of another crate, in a binary that
// does not link that crate: start-up refuses the graph and names the fix.
use migrator_core::registry::RegistryError;
use migrator_core::run::Migrations;

mod migrations {
    migrator_core::migrations!("../dirs/extends", extends = ["1975ea83b712"]);
}

fn main() {
    let err = Migrations::registered().err().expect("1975ea83b712 is not linked in");
    let RegistryError::MissingExtended {
        revision,
        parent,
        declared,
        directory,
        extended_at,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!((revision.as_str(), parent.as_str()), ("ae1027a6acf4", "1975ea83b712"));
    assert!(declared.ends_with("dirs/extends/ae1027a6acf4_create_fees.rs:5"), "{declared}");
    assert_eq!(directory, "../dirs/extends");
    assert!(extended_at.ends_with("dir_extends_unlinked.rs:7"), "{extended_at}");
    assert_eq!(
        err.to_string(),
        format!(
            "revision ae1027a6acf4 (at {declared}) builds on 1975ea83b712 from another crate (`extends` of migrations!(\"../dirs/extends\") at {extended_at}), but no revision 1975ea83b712 is linked into this binary: the crate that declares it must be linked in, so add `use base_migrations as _;` (with that crate's name) to the binary's main.rs"
        )
    );
}
