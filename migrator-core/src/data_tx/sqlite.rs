//! A data step's parameters and rows on SQLite: `$1`, `$2`, … are SQLite's
//! own named parameters, bound by name (so their order in the SQL does not
//! matter); a statement that numbers them `?` or `?N` is bound by position.

use std::sync::Arc;

use rusqlite::Connection;
use rusqlite::types::{Value as Sql, ValueRef};

use super::value::{Row, Value};

fn to_sql(value: &Value) -> Sql {
    match value {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(i64::from(*b)),
        Value::Int(i) => Sql::Integer(*i),
        Value::Float(f) => Sql::Real(*f),
        Value::Text(s) => Sql::Text(s.clone()),
        Value::Bytes(b) => Sql::Blob(b.clone()),
    }
}

fn from_sql(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Float(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

/// Runs `sql` with `params` on `conn`: the rows it gave and the rows it
/// touched.
pub(super) fn run(
    conn: &Connection,
    sql: &str,
    params: &[Value],
) -> Result<(Vec<Row>, u64), String> {
    let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
    let count = stmt.parameter_count();
    let named: Vec<Option<usize>> = (1..=params.len())
        .map(|n| stmt.parameter_index(&format!("${n}")).ok().flatten())
        .collect();
    if named.iter().all(Option::is_some) && count == params.len() {
        for (index, value) in named.iter().flatten().zip(params) {
            stmt.raw_bind_parameter(*index, to_sql(value))
                .map_err(|e| e.to_string())?;
        }
    } else if named.iter().all(Option::is_none) && count == params.len() {
        for (index, value) in params.iter().enumerate() {
            stmt.raw_bind_parameter(index + 1, to_sql(value))
                .map_err(|e| e.to_string())?;
        }
    } else {
        return Err(format!(
            "the SQL has {count} placeholder(s), and {} value(s) are given (write $1, $2, …, one per value)",
            params.len()
        ));
    }
    let columns: Arc<[String]> = stmt.column_names().into_iter().map(str::to_owned).collect();
    if columns.is_empty() {
        let touched = stmt.raw_execute().map_err(|e| e.to_string())?;
        return Ok((Vec::new(), touched as u64));
    }
    let mut rows = Vec::new();
    let mut raw = stmt.raw_query();
    while let Some(row) = raw.next().map_err(|e| e.to_string())? {
        let values = (0..columns.len())
            .map(|i| row.get_ref(i).map(from_sql).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        rows.push(Row::new(Arc::clone(&columns), values));
    }
    Ok((rows, 0))
}
