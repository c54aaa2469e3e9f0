//! A data step's parameters and rows on PostgreSQL: `$1`, `$2`, … are
//! replaced by the values as quoted literals (or `NULL`), which PostgreSQL
//! reads as it reads any untyped literal — converted to whatever type the
//! statement gives that place — and the statement runs in one round trip
//! of the simple protocol, whose rows come back as text.

use std::sync::Arc;

use tokio_postgres::{Client, SimpleQueryMessage};

use super::BoxError;
use super::value::{Row, Value};
use crate::ident::quote_literal;
use crate::schema::expr::{comment_end, quoted_ident, skip_dollar, skip_string};

/// `sql` with each placeholder `$n` replaced by `params[n - 1]` as a
/// literal; placeholders inside strings, quoted names, dollar-quoted bodies
/// and comments are left alone. Every value must be used, and every
/// placeholder given.
pub(crate) fn bind(sql: &str, params: &[Value]) -> Result<String, String> {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + params.len() * 8);
    let mut used = vec![false; params.len()];
    let (mut i, mut copied) = (0, 0);
    while i < bytes.len() {
        if let Some(end) = comment_end(bytes, i) {
            i = end;
            continue;
        }
        match bytes[i] {
            b'\'' => i = skip_string(bytes, i + 1, i > 0 && matches!(bytes[i - 1], b'E' | b'e')),
            b'"' => i = quoted_ident(sql, i).1,
            b'$' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let end = i
                    + 1
                    + bytes[i + 1..]
                        .iter()
                        .take_while(|b| b.is_ascii_digit())
                        .count();
                let n: usize = sql[i + 1..end]
                    .parse()
                    .map_err(|_| format!("placeholder {} is out of range", &sql[i..end]))?;
                let value = n
                    .checked_sub(1)
                    .and_then(|k| params.get(k).map(|v| (k, v)))
                    .ok_or_else(|| {
                        format!("the SQL uses ${n}, but {} value(s) are given", params.len())
                    })?;
                used[value.0] = true;
                out.push_str(&sql[copied..i]);
                out.push_str(
                    &value
                        .1
                        .to_text()
                        .map_or("NULL".to_owned(), |t| quote_literal(&t)),
                );
                copied = end;
                i = end;
            }
            b'$' => i = skip_dollar(sql, i),
            _ => i += 1,
        }
    }
    out.push_str(&sql[copied..]);
    if let Some(unused) = used.iter().position(|u| !u) {
        return Err(format!(
            "value {} is given but the SQL has no ${}",
            unused + 1,
            unused + 1
        ));
    }
    Ok(out)
}

/// What PostgreSQL said about a failed statement: its message (and
/// detail), else the client's error.
pub(super) fn error_text(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{}: {detail}", db.message()),
            None => db.message().to_owned(),
        },
        None => e.to_string(),
    }
}

/// Runs `sql` with `params`: the rows it gave (every value as text or
/// NULL) and the rows it touched.
pub(super) async fn run(
    client: &Client,
    sql: &str,
    params: &[Value],
) -> Result<(Vec<Row>, u64), BoxError> {
    let sql = bind(sql, params)?;
    let mut rows = Vec::new();
    let mut touched = 0;
    let mut columns: Option<Arc<[String]>> = None;
    for message in client.simple_query(&sql).await? {
        match message {
            SimpleQueryMessage::RowDescription(description) => {
                columns = Some(description.iter().map(|c| c.name().to_owned()).collect());
            }
            SimpleQueryMessage::Row(row) => {
                let names = columns.get_or_insert_with(|| {
                    row.columns().iter().map(|c| c.name().to_owned()).collect()
                });
                let values = (0..row.len())
                    .map(|i| {
                        row.get(i)
                            .map_or(Value::Null, |v| Value::Text(v.to_owned()))
                    })
                    .collect();
                rows.push(Row::new(Arc::clone(names), values));
            }
            SimpleQueryMessage::CommandComplete(n) => touched = n,
            _ => {}
        }
    }
    Ok((rows, touched))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_literals_outside_strings_names_and_comments() {
        let got = bind(
            "UPDATE t SET a = $1, b = $2 WHERE c = '$1' AND \"$2\" = $$ $1 $$ -- $2\n AND d = $1",
            &[Value::from("it's"), Value::Null],
        )
        .unwrap();
        assert_eq!(
            got,
            "UPDATE t SET a = 'it''s', b = NULL WHERE c = '$1' AND \"$2\" = $$ $1 $$ -- $2\n AND d = 'it''s'"
        );
        assert_eq!(bind("SELECT $1", &[Value::from(5)]).unwrap(), "SELECT '5'");
        assert_eq!(
            bind("SELECT $2", &[Value::from(1)]).unwrap_err(),
            "the SQL uses $2, but 1 value(s) are given"
        );
        assert_eq!(
            bind("SELECT $1", &[Value::from(1), Value::from(2)]).unwrap_err(),
            "value 2 is given but the SQL has no $2"
        );
        assert_eq!(
            bind("SELECT $tag$ $1 $tag$", &[]).unwrap(),
            "SELECT $tag$ $1 $tag$"
        );
    }
}
