// A directory whose revisions build on a revision of another crate, listed
// in `extends`: accepted at compile time, and checked at start-up with every
// revision linked in. Here `base` stands in for the other crate.
use migrator_core::run::Migrations;

mod base {
    use migrator_core::prelude::*;

    #[migration(revision = "1975ea83b712", down_revision = None, message = "create students")]
    impl Revision {
        fn upgrade(op: &mut Ops) {
            op.create_table("students", |t| {
                t.column::<i64>("id").identity().primary_key();
            });
        }

        fn downgrade(op: &mut Ops) {
            op.drop_table("students");
        }
    }
}

mod migrations {
    migrator_core::migrations!("../dirs/extends", extends = ["1975ea83b712"]);
}

fn main() {
    let migrations = Migrations::registered().unwrap();
    let graph = migrations.graph();
    assert_eq!(graph.bases(), ["1975ea83b712"]);
    assert_eq!(graph.heads(), ["27c6a30d7c24"]);
    assert_eq!(graph.len(), 3);
    assert_eq!(
        migrations.schema_at(&["27c6a30d7c24"]).unwrap().tables().count(),
        2
    );
}
