// A reversible revision: the upgrade records with `Reversible` and the
// downgrade is derived from the inverses of its ops.
use migrator_core::prelude::*;
use migrator_core::ops::Op;
use migrator_core::schema::Schema;
use migrator_core::registry::{self, Downgrade, Upgrade};

#[migration(
    revision = "ae1027a6acf4",
    down_revision = None,
    message = "create fees",
    reversible
)]
impl Revision {
    fn upgrade(op: &mut Reversible) {
        op.create_enum("fee_status", ["pending", "paid"]);
        op.create_table("fees", |t| {
            t.column::<i64>("id").identity().primary_key();
            t.column::<i64>("student_id");
            t.column_as("status", ColumnType::enumeration("fee_status"))
                .default("pending");
        });
        op.create_index("fees", ["student_id"]);
        op.add_column::<Option<String>>("fees", "description")
            .comment("what the fee is for");
        op.execute(
            "UPDATE fees SET description = 'tuition'",
            "UPDATE fees SET description = NULL",
        );
        op.data_step(
            "normalise descriptions",
            |tx| {
                Box::pin(async move {
                    tx.execute("UPDATE fees SET description = upper(description)")
                        .await?;
                    Ok(())
                })
            },
            |tx| {
                Box::pin(async move {
                    tx.execute("UPDATE fees SET description = lower(description)")
                        .await?;
                    Ok(())
                })
            },
        );
    }
}

fn main() {
    let rev = registry::get("ae1027a6acf4").unwrap();
    assert!(matches!(rev.upgrade, Upgrade::Reversible(_)));
    assert!(matches!(rev.downgrade, Downgrade::Derived));

    let describe = |ops: &[Op]| ops.iter().map(Op::describe).collect::<Vec<_>>();
    let up = rev.upgrade_ops();
    assert_eq!(
        describe(&up),
        [
            "create_enum fee_status",
            "create_table fees",
            "create_index ix_fees_student_id on fees",
            "add_column fees.description",
            "execute \"UPDATE fees SET description = 'tuition'\"",
            "data step \"normalise descriptions\"",
        ]
    );
    // The derived downgrade undoes every op, last first.
    let down = rev.downgrade_ops(&Schema::new()).unwrap();
    assert_eq!(
        describe(&down),
        [
            "data step \"undo normalise descriptions\"",
            "execute \"UPDATE fees SET description = NULL\"",
            "drop_column fees.description",
            "drop_index ix_fees_student_id",
            "drop_table fees",
            "drop_enum fee_status",
        ]
    );

    assert_eq!(registry::graph().unwrap().heads(), ["ae1027a6acf4"]);
}
