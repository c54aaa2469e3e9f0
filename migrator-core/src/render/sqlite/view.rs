//! Views on SQLite: `CREATE VIEW` and `DROP VIEW` natively; what SQLite
//! lacks made of those; materialized views refused by name.
//!
//! - `OR REPLACE` does not exist: `DROP VIEW IF EXISTS` and `CREATE VIEW`.
//! - `ALTER VIEW … RENAME` does not exist: the view is dropped and created
//!   again under its new name from the model's definition.
//! - A rename of a table, column or view that views read drops those views
//!   first and creates them again after from the model's definitions (which
//!   the model rewrote as PostgreSQL rewrites them), so SQLite's own rewrite
//!   of view text never runs and the stored text is the model's.
//! - A batch rebuild renames its new table with `legacy_alter_table` on
//!   (see `batch.rs`): the views reading the table survive it unchanged.

use super::table_sql;
use crate::ident::QualifiedName;
use crate::ops::{Op, ViewDef};
use crate::render::{LockLevel, Statement};
use crate::schema::Schema;

const NO_MATERIALIZED: &str = "SQLite has no materialized views; wrap the op in op.on(Engine::Postgres, …) (and, if SQLite needs the rows too, a plain view in op.on(Engine::Sqlite, …))";

fn create(view: &ViewDef) -> Result<Statement, String> {
    Ok(Statement::new(format!(
        "CREATE VIEW {} AS {}",
        table_sql(&view.name)?,
        view.sql
    )))
}

fn drop(name: &QualifiedName, if_exists: bool) -> Result<Statement, String> {
    Ok(Statement::new(format!(
        "DROP VIEW {}{}",
        if if_exists { "IF EXISTS " } else { "" },
        table_sql(name)?
    ))
    .lock(name, LockLevel::AccessExclusive))
}

/// The statements of a view op; `None` for any other op.
pub(super) fn render(op: &Op, after: &Schema) -> Option<Result<Vec<Statement>, String>> {
    Some(match op {
        Op::CreateView(o) if o.view.materialized => Err(NO_MATERIALIZED.into()),
        Op::DropView(o) if o.materialized => Err(NO_MATERIALIZED.into()),
        Op::RenameView(o) if o.materialized => Err(NO_MATERIALIZED.into()),
        Op::RefreshMaterializedView(_) => Err(NO_MATERIALIZED.into()),
        Op::CreateView(o) => (|| {
            let view = after.view(&o.view.name).expect("the op applied");
            let mut out = Vec::new();
            if o.or_replace {
                out.push(drop(&view.name, true)?);
            }
            out.push(create(view)?);
            Ok(out)
        })(),
        Op::DropView(o) => drop(&o.name, false).map(|s| vec![s]),
        Op::RenameView(o) => (|| {
            let new = o.name.sibling(o.to.clone());
            let view = after.view(&new).expect("the op applied");
            Ok(vec![drop(&o.name, false)?, create(view)?])
        })(),
        _ => return None,
    })
}

/// `statements` of a rename, with the views that read the renamed object
/// dropped before and created again after from `after` (see the
/// [module](self)).
pub(super) fn around_renames(
    op: &Op,
    before: &Schema,
    after: &Schema,
    statements: Vec<Statement>,
) -> Result<Vec<Statement>, String> {
    let renamed = match op {
        Op::RenameTable(o) => o.name.clone(),
        Op::RenameView(o) => o.name.clone(),
        Op::RenameColumn(o) => o.table.clone(),
        _ => return Ok(statements),
    };
    let readers: Vec<QualifiedName> = before
        .views_reading_all(&renamed)
        .into_iter()
        .map(|v| v.name.clone())
        .collect();
    if readers.is_empty() {
        return Ok(statements);
    }
    let mut out = Vec::new();
    for name in readers.iter().rev() {
        out.push(drop(name, false)?);
    }
    out.extend(statements);
    // The same views after the op: a view's own name does not change here
    // (only the object it reads was renamed).
    for name in &readers {
        let view = after.view(name).expect("a reader is still there");
        out.push(create(view)?);
    }
    Ok(out)
}
