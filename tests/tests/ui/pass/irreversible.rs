// An irreversible revision: the only escape from a downgrade, with a reason
// the runner quotes. Its upgrade may use ops that have no inverse.
use migrator_core::prelude::*;
use migrator_core::schema::Schema;
use migrator_core::registry::{self, Downgrade, DowngradeError};

#[migration(revision = "1975ea83b712", down_revision = None, message = "create fee status")]
impl CreateStatus {
    fn upgrade(op: &mut Ops) {
        op.create_enum("fee_status", ["pending", "paid"]);
    }

    fn downgrade(op: &mut Ops) {
        op.drop_enum("fee_status");
    }
}

#[migration(
    revision = "3b8e1f0c9a21",
    down_revision = "1975ea83b712",
    message = "add waived fee status",
    irreversible = "PostgreSQL cannot remove a value from an enum"
)]
impl AddWaived {
    fn upgrade(op: &mut Ops) {
        op.add_enum_value("fee_status", "waived");
    }
}

fn main() {
    let rev = registry::get("3b8e1f0c9a21").unwrap();
    assert!(matches!(
        rev.downgrade,
        Downgrade::Irreversible("PostgreSQL cannot remove a value from an enum")
    ));
    let err = rev.downgrade_ops(&Schema::new()).unwrap_err();
    assert_eq!(
        err,
        DowngradeError::Irreversible {
            id: "3b8e1f0c9a21".into(),
            reason: "PostgreSQL cannot remove a value from an enum".into(),
        }
    );
    assert_eq!(
        err.to_string(),
        "revision 3b8e1f0c9a21 is irreversible: PostgreSQL cannot remove a value from an enum"
    );

    let graph = registry::graph().unwrap();
    assert_eq!(
        graph.get("3b8e1f0c9a21").unwrap().irreversible.as_deref(),
        Some("PostgreSQL cannot remove a value from an enum")
    );
    assert_eq!(graph.get("1975ea83b712").unwrap().irreversible, None);
    assert_eq!(graph.heads(), ["3b8e1f0c9a21"]);
}
