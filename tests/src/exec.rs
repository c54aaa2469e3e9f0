//! Runs ops against a test database the plain way — render, execute each
//! statement, call Rust data steps in a transaction — keeping the model in step.

use migrator_core::ops::{DataTx, Op};
use migrator_core::render::{Dialect, Postgres};
use migrator_core::schema::Schema;
use tokio_postgres::Client;

/// Validates, renders and runs `op`, then applies it to `schema`.
pub async fn run_op(client: &mut Client, schema: &mut Schema, op: &Op) -> Result<(), String> {
    let mut after = schema.clone();
    after
        .apply(op)
        .map_err(|e| format!("{}: {e}", op.describe()))?;
    if let Op::DataStep(step) = op {
        client
            .batch_execute("BEGIN")
            .await
            .map_err(|e| e.to_string())?;
        if let Err(e) = (step.up)(DataTx::postgres(client)).await {
            let _ = client.batch_execute("ROLLBACK").await;
            return Err(format!("{}: {e}", op.describe()));
        }
        client
            .batch_execute("COMMIT")
            .await
            .map_err(|e| e.to_string())?;
    } else {
        let statements = Postgres
            .render(op, schema)
            .map_err(|e| format!("{}: {e}", op.describe()))?;
        for statement in statements {
            client
                .batch_execute(&statement.sql)
                .await
                .map_err(|e| format!("{}: {}\n  {e:?}", op.describe(), statement.sql))?;
        }
    }
    *schema = after;
    Ok(())
}

/// Runs every op of `ops` in order.
pub async fn run_ops(client: &mut Client, schema: &mut Schema, ops: &[Op]) -> Result<(), String> {
    for op in ops {
        run_op(client, schema, op).await?;
    }
    Ok(())
}
