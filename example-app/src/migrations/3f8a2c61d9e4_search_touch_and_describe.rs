//! search students, touch fees, describe old fees
//!
//! What real histories do beyond tables, on both engines: a trigram index
//! for searching students by name (PostgreSQL: the `pg_trgm` extension
//! and its operator class), a case-insensitive index on e-mail addresses
//! (an expression key, both engines), the `updated_at` trigger of fees
//! (PostgreSQL runs a function, SQLite a statement), a view of what each
//! fee has been paid, and a data migration with parameters that describes
//! the fees created without a description.
//!
//! Revision ID: 3f8a2c61d9e4
//! Revises: e7b94f2a6c18
//! Create Date: 2026-12-01 18:30:00

use migrator_core::prelude::*;

/// What old fees without a description are described as.
const OLD_FEES: &str = "tuition (before descriptions)";

#[migration(
    revision = "3f8a2c61d9e4",
    down_revision = "e7b94f2a6c18",
    message = "search students, touch fees, describe old fees",
    reversible
)]
impl Revision {
    fn upgrade(op: &mut Reversible) {
        op.on(Engine::Postgres, |op| {
            op.create_extension("pg_trgm").if_not_exists();
            op.create_index("students", [IndexKey::column("name").opclass("gin_trgm_ops")])
                .named("ix_students_name_trgm")
                .using(IndexMethod::Gin);
            op.create_function(
                "set_updated_at",
                "trigger",
                "BEGIN NEW.updated_at := now(); RETURN NEW; END;",
            );
            op.create_trigger(
                "fees",
                "fees_touch",
                TriggerTiming::Before,
                [TriggerEvent::UPDATE],
                "set_updated_at",
            )
            .for_each_row();
        });
        op.on(Engine::Sqlite, |op| {
            op.create_sqlite_trigger(
                "fees",
                "fees_touch",
                TriggerTiming::After,
                TriggerEvent::UPDATE,
                "UPDATE fees SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;",
            )
            .when_sql("NEW.updated_at IS OLD.updated_at");
        });
        op.create_index("students", [IndexKey::expr("lower(email)")])
            .named("ix_students_lower_email");
        op.create_view("fee_balances", crate::models::FEE_BALANCES);
        op.data_step(
            "describe fees created without a description",
            |tx| {
                Box::pin(async move {
                    tx.execute_with(
                        "UPDATE fees SET description = $1 WHERE description IS NULL",
                        &[Value::from(OLD_FEES)],
                    )
                    .await?;
                    Ok(())
                })
            },
            |tx| {
                Box::pin(async move {
                    tx.execute_with(
                        "UPDATE fees SET description = NULL WHERE description = $1",
                        &[Value::from(OLD_FEES)],
                    )
                    .await?;
                    Ok(())
                })
            },
        )
        .offline_sql(format!(
            "UPDATE fees SET description = '{OLD_FEES}' WHERE description IS NULL"
        ))
        .offline_reverse_sql(format!(
            "UPDATE fees SET description = NULL WHERE description = '{OLD_FEES}'"
        ));
    }
}
