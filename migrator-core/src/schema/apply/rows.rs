//! Rows inserted by `bulk_insert`: checked against the table, not kept
//! (the model holds the schema, not the data).

use super::{E, Result, column_exists, no_duplicates};
use crate::ops::BulkInsert;
use crate::schema::Schema;
use crate::types::Literal;

impl Schema {
    pub(super) fn bulk_insert(&self, o: &BulkInsert) -> Result {
        let table = self.table_ref(&o.table)?;
        if o.columns.is_empty() {
            return Err(E::NoColumns {
                what: format!("the insert into {}", o.table),
            });
        }
        no_duplicates(|| format!("the insert into {}", o.table), &o.columns)?;
        for column in &o.columns {
            column_exists(table, column)?;
        }
        let bad = |row: usize, reason: String| E::BadRow {
            table: o.table.clone(),
            row: row + 1,
            reason,
        };
        // The columns a row must give: NOT NULL, and nothing to fill them.
        for column in &table.columns {
            let filled =
                column.default.is_some() || column.identity.is_some() || column.ty.is_serial();
            if !column.nullable && !filled && !o.columns.contains(&column.name) {
                return Err(bad(
                    0,
                    format!(
                        "column {} is NOT NULL without a default, and the insert gives it no value",
                        column.name
                    ),
                ));
            }
        }
        for (n, row) in o.rows.iter().enumerate() {
            if row.len() != o.columns.len() {
                return Err(bad(
                    n,
                    format!(
                        "it has {} value(s) for {} column(s)",
                        row.len(),
                        o.columns.len()
                    ),
                ));
            }
            for (column, value) in o.columns.iter().zip(row) {
                let def = table.find_column(column).expect("checked above");
                if *value == Literal::Null && !def.nullable {
                    return Err(bad(n, format!("NULL in NOT NULL column {column}")));
                }
                if let Literal::Str(s) = value
                    && s.contains('\0')
                {
                    return Err(bad(
                        n,
                        format!("a NUL byte in column {column}, which PostgreSQL cannot store"),
                    ));
                }
            }
        }
        Ok(())
    }
}
