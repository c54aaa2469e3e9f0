// A merge revision: two parents, `down_revision = ["a", "b"]`.
use migrator_core::prelude::*;
use migrator_core::registry;

#[migration(revision = "1975ea83b712", down_revision = None, message = "create students")]
impl CreateStudents {
    fn upgrade(op: &mut Ops) {
        op.create_table("students", |t| {
            t.column::<i64>("id").identity().primary_key();
        });
    }

    fn downgrade(op: &mut Ops) {
        op.drop_table("students");
    }
}

#[migration(
    revision = "ae1027a6acf4",
    down_revision = "1975ea83b712",
    message = "create fees"
)]
impl CreateFees {
    fn upgrade(op: &mut Ops) {
        op.create_table("fees", |t| {
            t.column::<i64>("id").identity().primary_key();
        });
    }

    fn downgrade(op: &mut Ops) {
        op.drop_table("fees");
    }
}

#[migration(
    revision = "4f1c0d9e2b37",
    down_revision = "1975ea83b712",
    message = "create teachers"
)]
impl CreateTeachers {
    fn upgrade(op: &mut Ops) {
        op.create_table("teachers", |t| {
            t.column::<i64>("id").identity().primary_key();
        });
    }

    fn downgrade(op: &mut Ops) {
        op.drop_table("teachers");
    }
}

#[migration(
    revision = "8a6b5e3c1d90",
    down_revision = ["ae1027a6acf4", "4f1c0d9e2b37"],
    message = "merge fees and teachers"
)]
impl Merge {
    fn upgrade(_op: &mut Ops) {}

    fn downgrade(_op: &mut Ops) {}
}

fn main() {
    assert_eq!(CreateStudents::ID, "1975ea83b712");
    assert_eq!(Merge::ID, "8a6b5e3c1d90");
    let merge = registry::get("8a6b5e3c1d90").unwrap();
    assert_eq!(merge.down_revisions, ["ae1027a6acf4", "4f1c0d9e2b37"]);
    assert_eq!(merge.message, "merge fees and teachers");
    assert!(merge.upgrade_ops().is_empty());

    let graph = registry::graph().unwrap();
    assert_eq!(graph.len(), 4);
    assert_eq!(graph.heads(), ["8a6b5e3c1d90"]);
    assert_eq!(graph.merge_points(), ["8a6b5e3c1d90"]);
    assert_eq!(graph.branch_points(), ["1975ea83b712"]);
}
