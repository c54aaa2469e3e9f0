// Branch labels and depends_on: a second branch that needs a revision of the
// first without being its child.
use migrator_core::prelude::*;
use migrator_core::registry;

#[migration(
    revision = "1975ea83b712",
    down_revision = None,
    message = "create students",
    branch_labels = ["school"]
)]
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
    down_revision = None,
    message = "create fees",
    branch_labels = ["billing", "fees"],
    depends_on = ["1975ea83b712"],
    reversible
)]
impl CreateFees {
    fn upgrade(op: &mut Reversible) {
        op.create_table("fees", |t| {
            t.column::<i64>("id").identity().primary_key();
            t.column::<i64>("student_id").references("students", "id");
        });
    }
}

#[migration(
    revision = "27c6a30d7c24",
    down_revision = "ae1027a6acf4",
    message = "add fee description",
    depends_on = "school",
    reversible
)]
impl AddDescription {
    fn upgrade(op: &mut Reversible) {
        op.add_column::<Option<String>>("fees", "description");
    }
}

fn main() {
    let fees = registry::get("ae1027a6acf4").unwrap();
    assert_eq!(fees.branch_labels, ["billing", "fees"]);
    assert_eq!(fees.depends_on, ["1975ea83b712"]);
    assert!(fees.down_revisions.is_empty());
    assert_eq!(
        registry::get("27c6a30d7c24").unwrap().depends_on,
        ["school"]
    );

    let graph = registry::graph().unwrap();
    assert_eq!(graph.branch_labels(), ["billing", "fees", "school"]);
    assert_eq!(graph.label_revision("billing").unwrap().id, "ae1027a6acf4");
    assert_eq!(
        graph.labels_of("ae1027a6acf4").unwrap(),
        ["billing", "fees"]
    );
    assert_eq!(graph.bases(), ["1975ea83b712", "ae1027a6acf4"]);
    assert_eq!(graph.heads(), ["1975ea83b712", "27c6a30d7c24"]);
    // A dependency orders plans without making a parent.
    assert_eq!(graph.children("1975ea83b712").unwrap(), Vec::<&str>::new());
    let plan = graph.upgrade(Vec::<&str>::new(), "billing@head").unwrap();
    assert_eq!(
        plan.revisions().collect::<Vec<_>>(),
        ["1975ea83b712", "ae1027a6acf4", "27c6a30d7c24"]
    );
}
