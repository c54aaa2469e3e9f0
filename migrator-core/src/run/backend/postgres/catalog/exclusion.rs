//! Exclusion constraints (`pg_constraint.contype = 'x'`) read back: the
//! elements from the constraint's index as `pg_get_indexdef` prints it
//! (read by [`index_keys`](super::index_keys), so an element's collation
//! and operator class are PostgreSQL's judgement of what is not the
//! default), each with its operator from `conexclop`; `INCLUDE`, `WITH` and
//! the predicate from the index too.

use std::collections::BTreeMap;

use tokio_postgres::Client;

use super::index_keys::{self, KeyText};
use super::{failed, method, storage_params};
use crate::ops::{Constraint, Deferral, ExcludeElement, Exclusion, TableDef};
use crate::run::error::RunError;

/// The exclusion constraints of `tables` (by oid), each added to its
/// table; what cannot be read is named in `unmodelled`.
pub(super) async fn read(
    client: &Client,
    tables: &mut BTreeMap<u32, TableDef>,
    unmodelled: &mut Vec<String>,
) -> Result<(), RunError> {
    let oids: Vec<u32> = tables.keys().copied().collect();
    let rows = client
        .query(
            "SELECT co.conrelid, co.conname::text, am.amname::text,
                    ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, i)
                          LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n
                          WHERE k.i <= ix.indnkeyatts ORDER BY k.i),
                    ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k, false)
                          FROM generate_series(1, ix.indnkeyatts::int) k ORDER BY k),
                    ARRAY(SELECT CASE WHEN n.nspname IN ('pg_catalog', 'public') THEN o.oprname::text
                                      ELSE 'OPERATOR(' || quote_ident(n.nspname) || '.' || o.oprname || ')' END
                          FROM unnest(co.conexclop) WITH ORDINALITY u(op, i)
                          JOIN pg_operator o ON o.oid = u.op
                          JOIN pg_namespace n ON n.oid = o.oprnamespace ORDER BY u.i),
                    ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, i)
                          JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n
                          WHERE k.i > ix.indnkeyatts ORDER BY k.i),
                    pg_get_expr(ix.indpred, ix.indrelid),
                    coalesce(i.reloptions, '{}'),
                    pg_get_indexdef(ix.indexrelid),
                    co.condeferrable, co.condeferred, pg_get_constraintdef(co.oid)
             FROM pg_constraint co
             JOIN pg_index ix ON ix.indexrelid = co.conindid
             JOIN pg_class i ON i.oid = ix.indexrelid
             JOIN pg_am am ON am.oid = i.relam
             WHERE co.contype = 'x' AND co.conrelid = ANY($1)
             ORDER BY co.conrelid, co.conname",
            &[&oids],
        )
        .await
        .map_err(failed("reading exclusion constraints"))?;
    for row in &rows {
        let Some(table) = tables.get_mut(&row.get::<_, u32>(0)) else {
            continue;
        };
        let name: String = row.get(1);
        let def: String = row.get(12);
        let Some(method) = method(&row.get::<_, String>(2)) else {
            unmodelled.push(format!("constraint {name} on {}: {def}", table.name));
            continue;
        };
        let columns: Vec<Option<String>> = row.get(3);
        let texts: Vec<String> = row.get(4);
        let operators: Vec<String> = row.get(5);
        let key_texts: Vec<KeyText> = columns
            .into_iter()
            .zip(texts)
            .map(|(column, text)| KeyText { column, text })
            .collect();
        let keys = match index_keys::read(&row.get::<_, String>(9), &key_texts) {
            Ok(keys) if keys.len() == operators.len() => keys,
            Ok(_) => {
                unmodelled.push(format!(
                    "constraint {name} on {}, whose operators do not match its keys: {def}",
                    table.name
                ));
                continue;
            }
            Err(why) => {
                unmodelled.push(format!(
                    "constraint {name} on {}, whose elements cannot be read ({why}): {def}",
                    table.name
                ));
                continue;
            }
        };
        let elements = keys
            .into_iter()
            .zip(operators)
            .map(|(key, op)| ExcludeElement::new(key, op))
            .collect();
        let mut x = Exclusion::new(&table.name.name, elements);
        x.named(name);
        x.method = method;
        x.include = row.get(6);
        x.predicate = row.get(7);
        x.with = storage_params(row.get(8));
        x.deferrable = match (row.get::<_, bool>(10), row.get::<_, bool>(11)) {
            (false, _) => None,
            (true, false) => Some(Deferral::Immediate),
            (true, true) => Some(Deferral::Deferred),
        };
        table.constraints.push(Constraint::Exclusion(x));
    }
    Ok(())
}
