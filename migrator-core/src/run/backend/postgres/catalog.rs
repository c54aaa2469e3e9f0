//! Reading a live PostgreSQL database into the schema model, and spelling
//! a model the way this server stores it, so the two can be compared.
//!
//! [`read`] reads `pg_catalog` (schemas, enums, tables, columns, defaults,
//! identity with its sequence's options, generated columns, comments, keys,
//! checks, foreign keys, indexes with their keys' expressions and options,
//! sequences of their own with their `OWNED BY` column (pg_depend, deptype
//! 'a'; a serial's and an identity's stay part of their column), views, functions, triggers) in a handful of
//! queries, whatever the number of tables, and builds the [`Schema`] by
//! replaying ops, so what it gives is always a valid model. What the model
//! cannot describe — function overloads, constraint triggers, operator
//! classes with parameters — is left
//! out and named in [`Catalog::unmodelled`]. Objects that belong to an
//! extension, and the runner's own tables, are not read at all.
//!
//! [`stored_form`] gives the other side of a comparison: the same model with
//! each piece of author-written SQL (defaults, generation expressions,
//! checks, index expressions and predicates, custom types, view
//! definitions) as this server would store and print it, found by creating
//! it on temporary tables (and a view's query as a temporary view over the
//! live tables, read back with `pg_get_viewdef`) in a transaction that is
//! rolled back.
//! Nothing in the database changes.

mod exclusion;
mod index_keys;
mod routines;

use std::collections::{BTreeMap, BTreeSet};

use tokio_postgres::Client;

use crate::ident::{DEFAULT_SCHEMA, QualifiedName, quote_ident};
use crate::ops::{
    AddConstraint, Check, ColumnDef, Constraint, CreateEnum, CreateExtension, CreateIndex,
    CreateSchema, CreateTable, CreateView, Deferral, DropSchema, ForeignKey, IndexDef, IndexMethod,
    KeyExpr, Op, PrimaryKey, RefAction, SequenceOptions, TableDef, Unique, ViewDef,
};
use crate::ops::{AlterSequence, CreateSequence, SequenceOwner};
use crate::run::Catalog;
use crate::run::config::RunConfig;
use crate::run::error::RunError;
use crate::schema::Schema;
use crate::types::{ColumnType, DefaultValue, Identity, Literal};

/// The namespaces a user's objects live in.
const USER_SCHEMAS: &str = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'";

/// Not a member of an extension: `$alias` is the object's oid in `$class`.
fn not_extension(alias: &str, class: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = '{class}'::regclass AND x.objid = {alias} AND x.deptype = 'e')"
    )
}

fn failed(context: &str) -> impl Fn(tokio_postgres::Error) -> RunError + '_ {
    move |e| RunError::db(context, &e)
}

fn action(code: &str) -> RefAction {
    match code {
        "r" => RefAction::Restrict,
        "c" => RefAction::Cascade,
        "n" => RefAction::SetNull,
        "d" => RefAction::SetDefault,
        _ => RefAction::NoAction,
    }
}

fn method(name: &str) -> Option<IndexMethod> {
    Some(match name {
        "btree" => IndexMethod::BTree,
        "hash" => IndexMethod::Hash,
        "gin" => IndexMethod::Gin,
        "gist" => IndexMethod::Gist,
        "spgist" => IndexMethod::SpGist,
        "brin" => IndexMethod::Brin,
        _ => return None,
    })
}

/// A default as PostgreSQL prints it (`pg_get_expr`), read back: a plain
/// constant (`'x'::text`, `5`, `'-1'::integer`, `true`) is a literal,
/// anything else an expression as printed.
pub(crate) fn parse_default(printed: &str, ty: &ColumnType) -> DefaultValue {
    let text = printed.trim();
    let literal = |s: &str| -> Option<Literal> {
        match ty.storage() {
            ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt => {
                s.parse().ok().map(Literal::Int)
            }
            ColumnType::Real | ColumnType::Double => s.parse().ok().map(Literal::Float),
            ColumnType::Boolean => match s {
                "true" => Some(Literal::Bool(true)),
                "false" => Some(Literal::Bool(false)),
                _ => None,
            },
            _ => None,
        }
    };
    // A string constant with a cast: `'it''s'::text`.
    if let Some(rest) = text.strip_prefix('\'')
        && let Some(end) = closing_quote(rest)
        && is_type_suffix(&rest[end + 1..])
    {
        let value = rest[..end].replace("''", "'");
        return DefaultValue::Literal(literal(&value).unwrap_or(Literal::Str(value)));
    }
    if let Some(value) = literal(text) {
        return DefaultValue::Literal(value);
    }
    DefaultValue::Expr(text.to_owned())
}

/// Whether `s` (after a string constant) is only a cast to a type name:
/// `::text`, `::character varying`, `::public.fee_status`, `::numeric(10,2)`.
fn is_type_suffix(s: &str) -> bool {
    let Some(ty) = s.strip_prefix("::") else {
        return false;
    };
    !ty.is_empty()
        && !ty.contains("::")
        && ty.chars().all(|c| {
            c.is_alphanumeric() || matches!(c, '_' | ' ' | '.' | '"' | '(' | ')' | ',' | '[' | ']')
        })
}

/// The byte of the quote closing a string constant whose opening quote
/// came just before `s`.
fn closing_quote(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

/// A check constraint's expression from `pg_get_constraintdef`:
/// `CHECK ((amount > 0)) NOT VALID` → `(amount > 0)`.
fn check_expr(def: &str) -> String {
    let def = def.trim();
    let def = def.strip_suffix(" NOT VALID").unwrap_or(def);
    let def = def.strip_suffix(" NO INHERIT").unwrap_or(def);
    def.strip_prefix("CHECK (")
        .and_then(|d| d.strip_suffix(')'))
        .unwrap_or(def)
        .to_owned()
}

fn qualified(schema: &str, name: &str) -> QualifiedName {
    QualifiedName::from_key(schema, name)
}

/// The column type of a catalog column: an enum (or an array of one) by
/// its name, a serial where the column owns the sequence its default
/// draws from, otherwise what `format_type` prints.
fn column_type(
    printed: &str,
    enum_type: Option<(String, String)>,
    is_array: bool,
    serial: bool,
) -> ColumnType {
    if let Some((schema, name)) = enum_type {
        let ty = ColumnType::Enum(qualified(&schema, &name));
        return if is_array { ColumnType::array(ty) } else { ty };
    }
    let ty = ColumnType::from_sql(printed);
    match (serial, &ty) {
        (true, ColumnType::SmallInt) => ColumnType::SmallSerial,
        (true, ColumnType::Integer) => ColumnType::Serial,
        (true, ColumnType::BigInt) => ColumnType::BigSerial,
        _ => ty,
    }
}

/// Reads the database `client` is connected to (see the [module](self)),
/// every query in one read-only transaction.
pub(crate) async fn read(client: &Client, config: &RunConfig) -> Result<Catalog, RunError> {
    let err = failed("reading the database's catalog");
    client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(&err)?;
    let result = read_in(client, config).await;
    let ended = client.batch_execute("ROLLBACK").await.map_err(&err);
    let catalog = result?;
    ended?;
    Ok(catalog)
}

async fn read_in(client: &Client, config: &RunConfig) -> Result<Catalog, RunError> {
    let context = "reading the database's catalog";
    let err = failed(context);
    let mut unmodelled = Vec::new();
    let runner_tables = [config.version_table.key(), config.history_table.key()];

    let schemas: Vec<String> = client
        .query(
            &format!(
                "SELECT n.nspname::text FROM pg_namespace n WHERE {USER_SCHEMAS} AND {} ORDER BY 1",
                not_extension("n.oid", "pg_namespace")
            ),
            &[],
        )
        .await
        .map_err(&err)?
        .iter()
        .map(|r| r.get(0))
        .collect();

    let enums = client
        .query(
            &format!(
                "SELECT n.nspname::text, t.typname::text,
                        array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                 JOIN pg_enum e ON e.enumtypid = t.oid
                 WHERE {USER_SCHEMAS} AND {} GROUP BY 1, 2 ORDER BY 1, 2",
                not_extension("t.oid", "pg_type")
            ),
            &[],
        )
        .await
        .map_err(&err)?;

    // Extensions, but PL/pgSQL, which every database has.
    let extensions = client
        .query(
            "SELECT e.extname::text, n.nspname::text, e.extversion
             FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
             WHERE e.extname <> 'plpgsql' ORDER BY 1",
            &[],
        )
        .await
        .map_err(&err)?;

    // Relations: tables to read, and what else there is to name.
    let relations = client
        .query(
            &format!(
                "SELECT c.oid, n.nspname::text, c.relname::text, c.relkind::text, c.relispartition,
                        obj_description(c.oid, 'pg_class'),
                        EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                AND d.objid = c.oid AND d.deptype = 'i')
                        OR EXISTS (SELECT 1 FROM pg_depend d
                                JOIN pg_attrdef ad ON ad.adrelid = d.refobjid AND ad.adnum = d.refobjsubid
                                JOIN pg_depend dd ON dd.classid = 'pg_attrdef'::regclass
                                     AND dd.objid = ad.oid AND dd.refobjid = c.oid
                                WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                  AND d.deptype = 'a'),
                        CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
                        format_type(sq.seqtypid, NULL), sq.seqstart, sq.seqincrement, sq.seqmin,
                        sq.seqmax, sq.seqcycle, sq.seqcache,
                        own.nspname, own.relname, own.attname
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 LEFT JOIN pg_sequence sq ON sq.seqrelid = c.oid
                 LEFT JOIN LATERAL (
                     SELECT onsp.nspname::text, oc.relname::text, oa.attname::text
                     FROM pg_depend d JOIN pg_class oc ON oc.oid = d.refobjid
                     JOIN pg_namespace onsp ON onsp.oid = oc.relnamespace
                     JOIN pg_attribute oa ON oa.attrelid = d.refobjid AND oa.attnum = d.refobjsubid
                     WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                       AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a' LIMIT 1
                 ) own ON c.relkind = 'S'
                 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {USER_SCHEMAS} AND {}
                 ORDER BY 2, 3",
                not_extension("c.oid", "pg_class")
            ),
            &[],
        )
        .await
        .map_err(&err)?;
    let mut tables: BTreeMap<u32, TableDef> = BTreeMap::new();
    // Views by oid: created after the tables, in the order they were made.
    let mut views: BTreeMap<u32, ViewDef> = BTreeMap::new();
    let mut sequences = Vec::new();
    let mut owners = Vec::new();
    for row in &relations {
        let (oid, schema, name, kind): (u32, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let qn = qualified(&schema, &name);
        if runner_tables.contains(&qn.key()) {
            continue;
        }
        let what = match kind.as_str() {
            "r" | "p" if row.get::<_, bool>(4) => Some("partition"),
            "r" | "p" => None,
            "v" | "m" => {
                let sql: String = row.get(7);
                let mut view = ViewDef::new(qn, sql.trim().trim_end_matches(';').trim_end());
                view.materialized = kind == "m";
                views.insert(oid, view);
                continue;
            }
            "f" => Some("foreign table"),
            // A serial's or an identity's sequence is part of its column
            // (a serial: owned by the column whose default draws from it).
            _ if row.get::<_, bool>(6) => continue,
            _ => {
                let ty = ColumnType::from_sql(&row.get::<_, String>(8));
                let mut options = SequenceOptions::new()
                    .start(row.get(9))
                    .increment(row.get(10))
                    .min_value(row.get(11))
                    .max_value(row.get(12))
                    .cache(row.get(14));
                options.cycle = row.get(13);
                // Owned once the tables exist.
                if let Some(column) = row.get::<_, Option<String>>(17) {
                    let mut alter = AlterSequence::new(qn.clone());
                    alter.owned_by = Some(Some(SequenceOwner {
                        table: qualified(&row.get::<_, String>(15), &row.get::<_, String>(16)),
                        column,
                    }));
                    owners.push(Op::AlterSequence(alter));
                }
                sequences.push(Op::CreateSequence(CreateSequence {
                    name: qn,
                    as_type: Some(ty),
                    options,
                    owned_by: None,
                }));
                continue;
            }
        };
        match what {
            Some(what) => unmodelled.push(format!("{what} {qn}")),
            None => {
                let mut table = TableDef::new(qn);
                table.comment = row.get(5);
                tables.insert(oid, table);
            }
        }
    }
    let oids: Vec<u32> = tables.keys().copied().collect();

    let columns = client
        .query(
            "SELECT a.attrelid, a.attname::text, format_type(a.atttypid, a.atttypmod),
                    CASE WHEN et.typtype = 'e' THEN en.nspname::text END,
                    CASE WHEN et.typtype = 'e' THEN et.typname::text END,
                    t.typcategory = 'A' AND t.typelem <> 0,
                    a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text,
                    a.attgenerated::text, col_description(a.attrelid, a.attnum),
                    EXISTS (SELECT 1 FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
                            JOIN pg_depend dd ON dd.classid = 'pg_attrdef'::regclass AND dd.objid = d.oid
                                 AND dd.refobjid = s.oid
                            WHERE dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'a'),
                    sq.seqstart, sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqcycle, sq.seqcache,
                    (SELECT co.collname::text FROM pg_collation co
                     WHERE co.oid = a.attcollation AND a.attcollation <> t.typcollation)
             FROM pg_attribute a
             JOIN pg_type t ON t.oid = a.atttypid
             JOIN pg_type et ON et.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END
             JOIN pg_namespace en ON en.oid = et.typnamespace
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             LEFT JOIN LATERAL (
                 SELECT sq.* FROM pg_depend dep JOIN pg_sequence sq ON sq.seqrelid = dep.objid
                 WHERE dep.classid = 'pg_class'::regclass AND dep.refobjid = a.attrelid
                   AND dep.refobjsubid = a.attnum AND dep.deptype = 'i' LIMIT 1
             ) sq ON a.attidentity <> ''
             WHERE a.attrelid = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attrelid, a.attnum",
            &[&oids],
        )
        .await
        .map_err(&err)?;
    for row in &columns {
        let Some(table) = tables.get_mut(&row.get::<_, u32>(0)) else {
            continue;
        };
        let name: String = row.get(1);
        let printed: String = row.get(2);
        let enum_type = row
            .get::<_, Option<String>>(3)
            .zip(row.get::<_, Option<String>>(4));
        let default: Option<String> = row.get(7);
        let identity: String = row.get(8);
        let generated: String = row.get(9);
        let serial = row.get::<_, bool>(11)
            && identity.is_empty()
            && default
                .as_deref()
                .is_some_and(|d| d.starts_with("nextval("));
        let ty = column_type(&printed, enum_type, row.get(5), serial);
        let mut column = ColumnDef::new(name, ty);
        column.nullable = !row.get::<_, bool>(6);
        column.identity = match identity.as_str() {
            "a" => Some(Identity::Always),
            "d" => Some(Identity::ByDefault),
            _ => None,
        };
        column.comment = row.get(10);
        column.collation = row.get(18);
        if column.identity.is_some()
            && let Some(start) = row.get::<_, Option<i64>>(12)
        {
            let mut options = SequenceOptions::new()
                .start(start)
                .increment(row.get(13))
                .min_value(row.get(14))
                .max_value(row.get(15))
                .cache(row.get(17));
            options.cycle = row.get(16);
            column.identity_options = options.canonical(&column.ty);
        }
        if generated == "s" {
            // A stored generated column's expression is its "default".
            column.generated = default;
        } else if !generated.is_empty() {
            unmodelled.push(format!(
                "generated column {}.{} (GENERATED ALWAYS AS {} of kind {generated}: read as a plain column)",
                table.name,
                column.name,
                default.as_deref().unwrap_or("?")
            ));
        } else if !serial {
            column.default = default.map(|d| parse_default(&d, &column.ty));
        }
        table.columns.push(column);
    }

    let constraints = client
        .query(
            "SELECT co.conrelid, co.conname::text, co.contype::text,
                    ARRAY(SELECT a.attname::text FROM unnest(co.conkey) WITH ORDINALITY k(n, i)
                          JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.n ORDER BY k.i),
                    rn.nspname::text, rc.relname::text,
                    ARRAY(SELECT a.attname::text FROM unnest(co.confkey) WITH ORDINALITY k(n, i)
                          JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n ORDER BY k.i),
                    co.confdeltype::text, co.confupdtype::text, pg_get_constraintdef(co.oid),
                    co.convalidated, co.condeferrable, co.condeferred
             FROM pg_constraint co
             LEFT JOIN pg_class rc ON rc.oid = co.confrelid
             LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
             WHERE co.conrelid = ANY($1)
             ORDER BY co.conrelid, co.conname",
            &[&oids],
        )
        .await
        .map_err(&err)?;
    // Foreign keys and NOT VALID checks are added once every table exists.
    let mut late = Vec::new();
    for row in &constraints {
        let Some(table) = tables.get_mut(&row.get::<_, u32>(0)) else {
            continue;
        };
        let name: String = row.get(1);
        let kind: String = row.get(2);
        let columns: Vec<String> = row.get(3);
        let def: String = row.get(9);
        let not_valid = !row.get::<_, bool>(10);
        let deferrable = match (row.get::<_, bool>(11), row.get::<_, bool>(12)) {
            (false, _) => None,
            (true, false) => Some(Deferral::Immediate),
            (true, true) => Some(Deferral::Deferred),
        };
        let constraint = match kind.as_str() {
            "p" => Constraint::PrimaryKey(PrimaryKey {
                name,
                columns,
                deferrable,
            }),
            "u" => Constraint::Unique(Unique {
                name,
                columns,
                deferrable,
            }),
            "c" => Constraint::Check(Check {
                name,
                expr: check_expr(&def),
                not_valid,
            }),
            "f" => {
                let (Some(schema), Some(target)) = (
                    row.get::<_, Option<String>>(4),
                    row.get::<_, Option<String>>(5),
                ) else {
                    continue;
                };
                late.push(AddConstraint {
                    table: table.name.clone(),
                    constraint: Constraint::ForeignKey(ForeignKey {
                        name,
                        columns,
                        ref_table: qualified(&schema, &target),
                        ref_columns: row.get(6),
                        on_delete: action(&row.get::<_, String>(7)),
                        on_update: action(&row.get::<_, String>(8)),
                        not_valid,
                        deferrable,
                    }),
                });
                continue;
            }
            // Read with their indexes, below.
            "x" => continue,
            _ => {
                unmodelled.push(format!("constraint {name} on {}: {def}", table.name));
                continue;
            }
        };
        if constraint.not_valid() {
            late.push(AddConstraint {
                table: table.name.clone(),
                constraint,
            });
        } else {
            table.constraints.push(constraint);
        }
    }

    exclusion::read(client, &mut tables, &mut unmodelled).await?;

    // Tables and materialized views have indexes (a materialized view
    // stands as a table with its name, for the index loop below).
    let view_tables: BTreeMap<u32, TableDef> = views
        .iter()
        .map(|(oid, v)| (*oid, TableDef::new(v.name.clone())))
        .collect();
    let mut indexed = oids.clone();
    indexed.extend(
        views
            .iter()
            .filter(|(_, v)| v.materialized)
            .map(|(oid, _)| *oid),
    );
    let index_rows = client
        .query(
            "SELECT ix.indrelid, i.relname::text, ix.indisunique, am.amname::text,
                    ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, i)
                          LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n
                          WHERE k.i <= ix.indnkeyatts ORDER BY k.i),
                    ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, i)
                          JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n
                          WHERE k.i > ix.indnkeyatts ORDER BY k.i),
                    pg_get_expr(ix.indpred, ix.indrelid), ix.indisvalid,
                    ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k, false)
                          FROM generate_series(1, ix.indnkeyatts::int) k ORDER BY k),
                    coalesce((to_jsonb(ix) ->> 'indnullsnotdistinct')::bool, false),
                    coalesce(i.reloptions, '{}'),
                    pg_get_indexdef(ix.indexrelid)
             FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_am am ON am.oid = i.relam
             WHERE ix.indrelid = ANY($1)
               AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = ix.indexrelid AND co.conrelid = ix.indrelid)
             ORDER BY ix.indrelid, i.relname",
            &[&indexed],
        )
        .await
        .map_err(&err)?;
    let mut indexes = Vec::new();
    let mut view_indexes = Vec::new();
    for row in &index_rows {
        let oid = row.get::<_, u32>(0);
        let Some(table) = tables.get(&oid).or_else(|| view_tables.get(&oid)) else {
            continue;
        };
        let name: String = row.get(1);
        let def: String = row.get(11);
        let Some(method) = method(&row.get::<_, String>(3)) else {
            unmodelled.push(format!("index {name} on {} ({def})", table.name));
            continue;
        };
        let columns: Vec<Option<String>> = row.get(4);
        let texts: Vec<String> = row.get(8);
        let key_texts: Vec<index_keys::KeyText> = columns
            .into_iter()
            .zip(texts)
            .map(|(column, text)| index_keys::KeyText { column, text })
            .collect();
        let keys = match index_keys::read(&def, &key_texts) {
            Ok(keys) => keys,
            Err(why) => {
                unmodelled.push(format!(
                    "index {name} on {}, whose keys cannot be read ({why}): {def}",
                    table.name
                ));
                continue;
            }
        };
        if !row.get::<_, bool>(7) {
            unmodelled.push(format!(
                "index {name} on {} is INVALID (a failed CREATE INDEX CONCURRENTLY?)",
                table.name
            ));
        }
        let mut index = IndexDef::new(table.name.clone(), keys);
        index.name = name;
        index.unique = row.get(2);
        index.method = method;
        index.include = row.get(5);
        index.predicate = row.get(6);
        index.nulls_not_distinct = row.get(9);
        index.with = storage_params(row.get(10));
        if view_tables.contains_key(&oid) {
            view_indexes.push(index);
        } else {
            indexes.push(index);
        }
    }

    let functions = routines::functions(client, &mut unmodelled).await?;
    let triggers = routines::triggers(client, &tables, &mut unmodelled).await?;

    // The model, built by replaying what was read.
    let mut ops: Vec<Op> = schemas
        .iter()
        .filter(|s| s.as_str() != DEFAULT_SCHEMA)
        .map(|name| {
            Op::CreateSchema(CreateSchema {
                name: name.clone(),
                if_not_exists: false,
            })
        })
        .collect();
    ops.extend(extensions.iter().map(|row| {
        let schema: String = row.get(1);
        Op::CreateExtension(CreateExtension {
            name: row.get(0),
            // An extension in pg_catalog (the model knows no such schema).
            schema: (schema != "pg_catalog").then_some(schema),
            version: Some(row.get(2)),
            if_not_exists: false,
        })
    }));
    ops.extend(sequences);
    ops.extend(enums.iter().map(|row| {
        Op::CreateEnum(CreateEnum {
            name: qualified(&row.get::<_, String>(0), &row.get::<_, String>(1)),
            values: row.get(2),
        })
    }));
    // An owner that is no table read here (a view's or a partition's
    // column): the sequence is read without it, and that is said.
    let read: BTreeSet<_> = tables.values().map(|t| t.name.key()).collect();
    let (owners, elsewhere): (Vec<Op>, Vec<Op>) = owners.into_iter().partition(|o| {
        matches!(o, Op::AlterSequence(a)
            if a.owned_by.as_ref().and_then(Option::as_ref).is_some_and(|w| read.contains(&w.table.key())))
    });
    for o in elsewhere {
        if let Op::AlterSequence(a) = o
            && let Some(Some(w)) = a.owned_by
        {
            unmodelled.push(format!(
                "sequence {} OWNED BY {}.{} (not a table: read without its owner)",
                a.name, w.table, w.column
            ));
        }
    }
    ops.extend(tables.into_values().map(|table| {
        Op::CreateTable(CreateTable {
            table,
            if_not_exists: false,
        })
    }));
    ops.extend(owners);
    ops.extend(late.into_iter().map(Op::AddConstraint));
    ops.extend(indexes.into_iter().map(|index| {
        Op::CreateIndex(CreateIndex {
            index,
            concurrently: false,
            if_not_exists: false,
        })
    }));
    ops.extend(
        views
            .into_values()
            .map(|view| Op::CreateView(CreateView::new(view))),
    );
    ops.extend(view_indexes.into_iter().map(|index| {
        Op::CreateIndex(CreateIndex {
            index,
            concurrently: false,
            if_not_exists: false,
        })
    }));
    ops.extend(functions);
    ops.extend(triggers);
    if !schemas.iter().any(|s| s == DEFAULT_SCHEMA) {
        ops.push(Op::DropSchema(DropSchema {
            name: DEFAULT_SCHEMA.to_owned(),
        }));
    }
    let mut schema = Schema::new();
    for op in ops {
        if let Err(e) = schema.apply(&op) {
            unmodelled.push(format!(
                "{} (the schema model refuses it: {e})",
                op.describe()
            ));
        }
    }
    Ok(Catalog { schema, unmodelled })
}

/// Storage parameters as `reloptions` holds them (`fillfactor=70`).
fn storage_params(options: Vec<String>) -> Vec<(String, String)> {
    options
        .into_iter()
        .map(|option| match option.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (option, String::new()),
        })
        .collect()
}

/// A temporary table's name for the table at position `n`.
fn scratch_name(n: usize) -> String {
    format!("pg_temp.migrator_spelling_{n}")
}

/// `schema` with its author-written SQL as this server stores it (see the
/// [module](self)); in a transaction that is rolled back.
pub(crate) async fn stored_form(client: &Client, schema: &Schema) -> Result<Schema, RunError> {
    let err = failed("spelling the expected schema as PostgreSQL stores it");
    client.batch_execute("BEGIN").await.map_err(&err)?;
    let result = spell(client, schema).await;
    let rolled_back = client.batch_execute("ROLLBACK").await.map_err(&err);
    let spelled = result?;
    rolled_back?;
    Ok(spelled)
}

/// Runs `sql` in a savepoint; false (and nothing changed) when it fails.
async fn try_sql(client: &Client, sql: &str) -> Result<bool, RunError> {
    let err = failed("spelling the expected schema as PostgreSQL stores it");
    client
        .batch_execute("SAVEPOINT migrator_spelling")
        .await
        .map_err(&err)?;
    match client.batch_execute(sql).await {
        Ok(()) => {
            client
                .batch_execute("RELEASE SAVEPOINT migrator_spelling")
                .await
                .map_err(&err)?;
            Ok(true)
        }
        Err(_) => {
            client
                .batch_execute("ROLLBACK TO SAVEPOINT migrator_spelling")
                .await
                .map_err(&err)?;
            Ok(false)
        }
    }
}

async fn spell(client: &Client, expected: &Schema) -> Result<Schema, RunError> {
    let err = failed("spelling the expected schema as PostgreSQL stores it");
    let render = crate::render::postgres::type_sql;
    // What a column's type or default may name must exist: the schemas and
    // enums the live database lacks are made here, and rolled back.
    for name in expected.schemas() {
        try_sql(
            client,
            &format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(name)),
        )
        .await?;
    }
    for (name, values) in expected.enums() {
        let values: Vec<String> = values
            .iter()
            .map(|v| crate::ident::quote_literal(v))
            .collect();
        try_sql(
            client,
            &format!(
                "CREATE TYPE {} AS ENUM ({})",
                name.to_sql(),
                values.join(", ")
            ),
        )
        .await?;
    }

    let mut out = expected.clone();
    for (n, table) in expected.tables().enumerate() {
        let scratch = scratch_name(n);
        // Serials become their integers: no sequence, no default to spell.
        let columns: Vec<String> = table
            .columns
            .iter()
            .map(|c| format!("{} {}", quote_ident(&c.name), render(&c.ty.storage())))
            .collect();
        if !try_sql(
            client,
            &format!("CREATE TABLE {scratch} ({})", columns.join(", ")),
        )
        .await?
        {
            // A type the server does not know: each column on its own, so
            // the others are still spelled.
            try_sql(client, &format!("CREATE TABLE {scratch} ()")).await?;
            for c in &table.columns {
                try_sql(
                    client,
                    &format!(
                        "ALTER TABLE {scratch} ADD COLUMN {} {}",
                        quote_ident(&c.name),
                        render(&c.ty.storage())
                    ),
                )
                .await?;
            }
        }
        let mut changes = Vec::new();
        for c in &table.columns {
            if let Some(expr) = &c.generated {
                // No expression can be given to an existing column: it is
                // made again, generated.
                changes.push(format!(
                    "ALTER TABLE {scratch} DROP COLUMN {col}, ADD COLUMN {col} {} GENERATED ALWAYS AS ({expr}) STORED",
                    render(&c.ty.storage()),
                    col = quote_ident(&c.name),
                ));
            }
            if let Some(default) = &c.default {
                changes.push(format!(
                    "ALTER TABLE {scratch} ALTER COLUMN {} SET DEFAULT {}",
                    quote_ident(&c.name),
                    crate::render::postgres::default_sql(default)
                ));
            }
        }
        for constraint in &table.constraints {
            if let Constraint::Check(check) = constraint {
                changes.push(format!(
                    "ALTER TABLE {scratch} ADD CONSTRAINT {} CHECK ({}) NOT VALID",
                    quote_ident(&check.name),
                    check.expr
                ));
            }
        }
        // Indexes with SQL of the author's (a predicate, key expressions),
        // built the same way on the scratch table; an exclusion
        // constraint's as its index (`None`: an index of the model's).
        let has_sql = |i: &IndexDef| {
            i.predicate.is_some()
                || i.keys
                    .iter()
                    .any(|k| matches!(k.expr, KeyExpr::Expression(_)))
        };
        let authored: Vec<(Option<String>, IndexDef)> = expected
            .indexes_of(&table.name)
            .filter(|i| has_sql(i))
            .map(|i| (None, i.clone()))
            .chain(table.constraints.iter().filter_map(|c| {
                match c {
                    Constraint::Exclusion(x) => {
                        Some((Some(x.name.clone()), x.index_def(table.name.clone())))
                            .filter(|(_, i)| has_sql(i))
                    }
                    _ => None,
                }
            }))
            .collect();
        for (k, (_, index)) in authored.iter().enumerate() {
            let mut sql = format!(
                "CREATE INDEX migrator_spelling_{n}_{k} ON {scratch} USING {} ({})",
                index.method.as_str(),
                crate::render::key_list(&index.keys)
            );
            if let Some(predicate) = &index.predicate {
                sql.push_str(&format!(" WHERE {predicate}"));
            }
            changes.push(sql);
        }
        // All at once; where that fails, one at a time.
        if !try_sql(client, &changes.join(";\n")).await? {
            for change in &changes {
                try_sql(client, change).await?;
            }
        }

        let rows = client
            .query(
                "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), pg_get_expr(d.adbin, d.adrelid)
                 FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                 WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 AND NOT a.attisdropped",
                &[&scratch],
            )
            .await;
        let Ok(rows) = rows else {
            // No scratch table at all: nothing could be spelled.
            continue;
        };
        let spelled: BTreeMap<String, (String, Option<String>)> = rows
            .iter()
            .map(|r| (r.get(0), (r.get(1), r.get(2))))
            .collect();
        let checks: BTreeMap<String, String> = client
            .query(
                "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint
                 WHERE conrelid = $1::text::regclass AND contype = 'c'",
                &[&scratch],
            )
            .await
            .map_err(&err)?
            .iter()
            .map(|r| (r.get(0), check_expr(&r.get::<_, String>(1))))
            .collect();
        let spelled_indexes: BTreeMap<String, (Option<String>, Vec<String>)> = client
            .query(
                "SELECT i.relname::text, pg_get_expr(ix.indpred, ix.indrelid),
                        ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k, false)
                              FROM generate_series(1, ix.indnkeyatts::int) k ORDER BY k)
                 FROM pg_index ix
                 JOIN pg_class i ON i.oid = ix.indexrelid WHERE ix.indrelid = $1::text::regclass",
                &[&scratch],
            )
            .await
            .map_err(&err)?
            .iter()
            .map(|r| (r.get(0), (r.get(1), r.get(2))))
            .collect();

        let key = table.name.key();
        if let Some(target) = out.tables.get_mut(&key) {
            for column in &mut target.columns {
                let Some((printed, default)) = spelled.get(&column.name) else {
                    continue;
                };
                if let ColumnType::Custom(_) = column.ty {
                    column.ty = ColumnType::from_sql(printed);
                }
                if column.generated.is_some() {
                    if let Some(d) = default {
                        column.generated = Some(d.clone());
                    }
                } else if column.default.is_some()
                    && let Some(d) = default
                {
                    column.default = Some(parse_default(d, &column.ty));
                }
            }
            for constraint in &mut target.constraints {
                if let Constraint::Check(check) = constraint
                    && let Some(expr) = checks.get(&check.name)
                {
                    check.expr.clone_from(expr);
                }
            }
        }
        for (k, (exclusion, index)) in authored.iter().enumerate() {
            let Some((pred, keys)) = spelled_indexes.get(&format!("migrator_spelling_{n}_{k}"))
            else {
                continue;
            };
            let target = match exclusion {
                None => out
                    .indexes
                    .get_mut(&(table.name.schema_name().to_owned(), index.name.clone()))
                    .map(|i| (i.keys.iter_mut().collect::<Vec<_>>(), &mut i.predicate)),
                Some(name) => out
                    .tables
                    .get_mut(&key)
                    .and_then(|t| {
                        t.constraints.iter_mut().find_map(|c| match c {
                            Constraint::Exclusion(x) if x.name == *name => Some(x),
                            _ => None,
                        })
                    })
                    .map(|x| {
                        let keys = x.elements.iter_mut().map(|e| &mut e.key).collect();
                        (keys, &mut x.predicate)
                    }),
            };
            let Some((target_keys, target_pred)) = target else {
                continue;
            };
            if let Some(pred) = pred {
                *target_pred = Some(pred.clone());
            }
            for (key, text) in target_keys.into_iter().zip(keys) {
                if let KeyExpr::Expression(e) = &mut key.expr {
                    *e = crate::schema::expr::strip_parens(text).to_owned();
                }
            }
        }
    }
    spell_views(client, expected, &mut out).await?;
    Ok(out)
}

/// Each view's query as this server prints it: created as a temporary
/// view over the live relations (a view of `public` under its own name, so
/// that a view reading it reads the temporary one), read back with
/// `pg_get_viewdef`. A query the live database cannot run (it reads what
/// is not there) keeps the author's words.
async fn spell_views(client: &Client, expected: &Schema, out: &mut Schema) -> Result<(), RunError> {
    let err = failed("spelling the expected schema as PostgreSQL stores it");
    for (n, view) in expected.views_in_order().into_iter().enumerate() {
        let temp = if view.name.schema_name() == DEFAULT_SCHEMA {
            format!("pg_temp.{}", quote_ident(&view.name.name))
        } else {
            format!("pg_temp.migrator_spelling_view_{n}")
        };
        if !try_sql(
            client,
            &format!("CREATE TEMPORARY VIEW {temp} AS {}", view.sql),
        )
        .await?
        {
            continue;
        }
        let printed: String = client
            .query_one("SELECT pg_get_viewdef($1::text::regclass)", &[&temp])
            .await
            .map_err(&err)?
            .get(0);
        if let Some(target) = out.views.get_mut(&view.name.key()) {
            target.sql = printed.trim().trim_end_matches(';').trim_end().to_owned();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_defaults_are_read_back() {
        let text = ColumnType::Text;
        assert_eq!(
            parse_default("'it''s'::text", &text),
            DefaultValue::Literal(Literal::Str("it's".into()))
        );
        assert_eq!(
            parse_default("'pending'::public.fee_status", &text),
            DefaultValue::Literal(Literal::Str("pending".into()))
        );
        assert_eq!(
            parse_default("'-1'::integer", &ColumnType::Integer),
            DefaultValue::Literal(Literal::Int(-1))
        );
        assert_eq!(
            parse_default("5", &ColumnType::BigInt),
            DefaultValue::Literal(Literal::Int(5))
        );
        assert_eq!(
            parse_default("true", &ColumnType::Boolean),
            DefaultValue::Literal(Literal::Bool(true))
        );
        assert_eq!(
            parse_default("now()", &ColumnType::TimestampTz),
            DefaultValue::Expr("now()".into())
        );
        assert_eq!(
            parse_default("('a'::text || 'b'::text)", &text),
            DefaultValue::Expr("('a'::text || 'b'::text)".into())
        );
        assert_eq!(
            parse_default("'a'::text || 'b'::text", &text),
            DefaultValue::Expr("'a'::text || 'b'::text".into())
        );
    }

    #[test]
    fn check_definitions_lose_their_wrapping() {
        assert_eq!(check_expr("CHECK ((amount > 0)) NOT VALID"), "(amount > 0)");
        assert_eq!(check_expr("CHECK (flag)"), "flag");
    }
}
