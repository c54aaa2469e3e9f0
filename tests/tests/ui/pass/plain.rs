// A plain revision: an upgrade and the downgrade written by its author.
use migrator_core::prelude::*;
use migrator_core::schema::Schema;
use migrator_core::registry::{self, Downgrade, Upgrade};

#[migration(revision = "1975ea83b712", down_revision = None, message = "create students")]
impl Revision {
    fn upgrade(op: &mut Ops) {
        op.create_table("students", |t| {
            t.column::<i64>("id").identity().primary_key();
            t.column::<String>("name");
            t.column::<Option<String>>("email").unique();
        });
        op.create_index("students", ["name"]);
    }

    fn downgrade(op: &mut Ops) {
        op.drop_index("students_name_idx");
        op.drop_table("students");
    }
}

fn main() {
    assert_eq!(Revision::ID, "1975ea83b712");
    let all = registry::registered();
    assert_eq!(all.len(), 1);
    let rev = all[0];
    assert_eq!(rev.id, "1975ea83b712");
    assert!(rev.down_revisions.is_empty());
    assert_eq!(rev.message, "create students");
    assert!(rev.branch_labels.is_empty() && rev.depends_on.is_empty());
    assert!(matches!(rev.upgrade, Upgrade::Ops(_)));
    assert!(matches!(rev.downgrade, Downgrade::Written(_)));
    assert!(rev.file.ends_with("plain.rs"), "{}", rev.file);
    assert_eq!(rev.upgrade_ops().len(), 2);
    assert_eq!(rev.downgrade_ops(&Schema::new()).unwrap().len(), 2);

    let graph = registry::graph().unwrap();
    assert_eq!(graph.heads(), ["1975ea83b712"]);
    assert_eq!(graph.bases(), ["1975ea83b712"]);
}
