//! The independent reader: reads the schema back from PostgreSQL's catalog
//! with code of its own, not the product's, and compares it item by item
//! with a schema model. It checks the product's catalog reader (see
//! [`catalog`](crate::catalog)), and the renderer where a test compares the
//! catalog with the model directly.
//!
//! The comparison does not trust the renderer: types are compared with
//! `format_type` names written out here, literal defaults by evaluating the
//! catalog's default and comparing it with the literal bound as a parameter,
//! and author-written SQL (expression defaults, checks, predicates) with the
//! catalog's own deparse of that SQL on a scratch table.

use std::collections::{BTreeMap, BTreeSet};

use migrator_core::ident::{QualifiedName, quote_ident};
use migrator_core::ops::{Constraint, Deferral, RefAction, SequenceOptions};
use migrator_core::schema::Schema;
use migrator_core::types::{ColumnType, DefaultValue, Identity, Literal};
use tokio_postgres::Client;

const USER_SCHEMAS: &str = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'";

/// A column as the catalog has it.
#[derive(Debug, Clone)]
struct CatColumn {
    ty: String,
    not_null: bool,
    default: Option<String>,
    identity: String,
    comment: Option<String>,
    owns_sequence: bool,
    /// `attgenerated`: `s` for a stored generated column (its expression
    /// is then `default`).
    generated: String,
    /// An identity column's sequence: start, increment, min, max, cycle, cache.
    sequence: Option<Counting>,
    /// Its collation's name, and whether it is its type's default one.
    collation: (Option<String>, bool),
}

/// A constraint as the catalog has it.
#[derive(Debug, Clone)]
struct CatConstraint {
    kind: String,
    columns: Vec<String>,
    ref_table: Option<String>,
    ref_columns: Vec<String>,
    on_delete: String,
    on_update: String,
    def: String,
    validated: bool,
    /// `(condeferrable, condeferred)`.
    deferral: (bool, bool),
}

/// A non-constraint index as the catalog has it.
#[derive(Debug, Clone)]
struct CatIndex {
    unique: bool,
    method: String,
    columns: Vec<String>,
    include: Vec<String>,
    predicate: Option<String>,
    valid: bool,
}

#[derive(Debug, Clone)]
struct CatTable {
    comment: Option<String>,
    columns: BTreeMap<String, CatColumn>,
    constraints: BTreeMap<String, CatConstraint>,
    indexes: BTreeMap<String, CatIndex>,
}

fn key(name: &QualifiedName) -> String {
    format!("{}.{}", name.schema_name(), name.name)
}

/// The `format_type` spelling of a model type; enums as `enum:schema.name`.
fn expected_type(ty: &ColumnType) -> Option<String> {
    Some(match ty {
        ColumnType::SmallInt | ColumnType::SmallSerial => "smallint".into(),
        ColumnType::Integer | ColumnType::Serial => "integer".into(),
        ColumnType::BigInt | ColumnType::BigSerial => "bigint".into(),
        ColumnType::Boolean => "boolean".into(),
        ColumnType::Text => "text".into(),
        ColumnType::Varchar(Some(n)) => format!("character varying({n})"),
        ColumnType::Varchar(None) => "character varying".into(),
        ColumnType::Char(n) => format!("character({n})"),
        ColumnType::Numeric(Some((p, s))) => format!("numeric({p},{s})"),
        ColumnType::Numeric(None) => "numeric".into(),
        ColumnType::Real => "real".into(),
        ColumnType::Double => "double precision".into(),
        ColumnType::Date => "date".into(),
        ColumnType::Time => "time without time zone".into(),
        ColumnType::Timestamp => "timestamp without time zone".into(),
        ColumnType::TimestampTz => "timestamp with time zone".into(),
        ColumnType::Interval => "interval".into(),
        ColumnType::Uuid => "uuid".into(),
        ColumnType::Json => "json".into(),
        ColumnType::Jsonb => "jsonb".into(),
        ColumnType::Bytea => "bytea".into(),
        ColumnType::Inet => "inet".into(),
        ColumnType::Array(element) => format!("{}[]", expected_type(element)?),
        ColumnType::Enum(name) => format!("enum:{}", key(name)),
        ColumnType::Custom(_) => return None,
        other => {
            panic!("the catalog comparison does not know {other:?} yet: teach tests/src/catalog.rs")
        }
    })
}

fn action_code(action: RefAction) -> &'static str {
    match action {
        RefAction::NoAction => "a",
        RefAction::Restrict => "r",
        RefAction::Cascade => "c",
        RefAction::SetNull => "n",
        RefAction::SetDefault => "d",
    }
}

/// The literal's value as text, to bind as a parameter and cast.
fn literal_text(value: &Literal) -> String {
    match value {
        Literal::Str(s) => s.clone(),
        Literal::Int(i) => i.to_string(),
        Literal::Float(f) if f.is_nan() => "NaN".into(),
        Literal::Float(f) if f.is_infinite() => {
            if *f > 0.0 { "Infinity" } else { "-Infinity" }.into()
        }
        Literal::Float(f) => f.to_string(),
        Literal::Bool(b) => b.to_string(),
        Literal::Null => "NULL".into(),
    }
}

async fn read(
    client: &Client,
) -> Result<
    (
        BTreeSet<String>,
        BTreeMap<String, CatTable>,
        BTreeMap<String, Vec<String>>,
    ),
    tokio_postgres::Error,
> {
    let schemas = client
        .query(
            &format!("SELECT n.nspname FROM pg_namespace n WHERE {USER_SCHEMAS}"),
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect();

    let enums = client
        .query(
            &format!(
                "SELECT n.nspname || '.' || t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                 JOIN pg_enum e ON e.enumtypid = t.oid
                 WHERE {USER_SCHEMAS} GROUP BY 1"
            ),
            &[],
        )
        .await?
        .iter()
        .map(|r| (r.get::<_, String>(0), r.get::<_, Vec<String>>(1)))
        .collect();

    let mut tables = BTreeMap::new();
    let rows = client
        .query(
            &format!(
                "SELECT c.oid, n.nspname || '.' || c.relname, obj_description(c.oid, 'pg_class')
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r', 'p') AND {USER_SCHEMAS}"
            ),
            &[],
        )
        .await?;
    for row in rows {
        let oid: u32 = row.get(0);
        let columns = client
            .query(
                "SELECT a.attname::text,
                        CASE WHEN et.typtype = 'e'
                             THEN 'enum:' || en.nspname || '.' || et.typname || CASE WHEN t.typelem <> 0 THEN '[]' ELSE '' END
                             ELSE format_type(a.atttypid, a.atttypmod) END,
                        a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text,
                        col_description(a.attrelid, a.attnum),
                        EXISTS (SELECT 1 FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
                                WHERE dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'a'),
                        a.attgenerated::text,
                        sq.seqstart, sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqcycle, sq.seqcache,
                        (SELECT collname::text FROM pg_collation WHERE oid = a.attcollation),
                        a.attcollation = t.typcollation
                 FROM pg_attribute a
                 LEFT JOIN pg_sequence sq ON a.attidentity <> '' AND sq.seqrelid =
                     pg_get_serial_sequence(a.attrelid::regclass::text, a.attname)::regclass
                 JOIN pg_type t ON t.oid = a.atttypid
                 JOIN pg_type et ON et.oid = CASE WHEN t.typelem <> 0 AND t.typcategory = 'A' THEN t.typelem ELSE t.oid END
                 JOIN pg_namespace en ON en.oid = et.typnamespace
                 LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                 WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped",
                &[&oid],
            )
            .await?
            .iter()
            .map(|r| {
                (
                    r.get::<_, String>(0),
                    CatColumn {
                        ty: r.get(1),
                        not_null: r.get(2),
                        default: r.get(3),
                        identity: r.get(4),
                        comment: r.get(5),
                        owns_sequence: r.get(6),
                        generated: r.get(7),
                        sequence: r.get::<_, Option<i64>>(8).map(|start| {
                            (start, r.get(9), r.get(10), r.get(11), r.get(12), r.get(13))
                        }),
                        collation: (r.get(14), r.get(15)),
                    },
                )
            })
            .collect();
        let constraints = client
            .query(
                "SELECT co.conname::text, co.contype::text,
                        ARRAY(SELECT a.attname::text FROM unnest(co.conkey) WITH ORDINALITY k(n, i)
                              JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.n ORDER BY k.i),
                        (SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                          WHERE c.oid = co.confrelid),
                        ARRAY(SELECT a.attname::text FROM unnest(co.confkey) WITH ORDINALITY k(n, i)
                              JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n ORDER BY k.i),
                        co.confdeltype::text, co.confupdtype::text, pg_get_constraintdef(co.oid), co.convalidated,
                        co.condeferrable, co.condeferred
                 FROM pg_constraint co WHERE co.conrelid = $1",
                &[&oid],
            )
            .await?
            .iter()
            .map(|r| {
                (
                    r.get::<_, String>(0),
                    CatConstraint {
                        kind: r.get(1),
                        columns: r.get(2),
                        ref_table: r.get(3),
                        ref_columns: r.get(4),
                        on_delete: r.get(5),
                        on_update: r.get(6),
                        def: r.get(7),
                        validated: r.get(8),
                        deferral: (r.get(9), r.get(10)),
                    },
                )
            })
            .collect();
        let indexes = client
            .query(
                "SELECT i.relname::text, ix.indisunique, am.amname::text,
                        ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, i)
                              JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n
                              WHERE k.i <= ix.indnkeyatts ORDER BY k.i),
                        ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, i)
                              JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n
                              WHERE k.i > ix.indnkeyatts ORDER BY k.i),
                        pg_get_expr(ix.indpred, ix.indrelid), ix.indisvalid
                 FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_am am ON am.oid = i.relam
                 WHERE ix.indrelid = $1
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = ix.indexrelid AND co.conrelid = ix.indrelid)",
                &[&oid],
            )
            .await?
            .iter()
            .map(|r| {
                (
                    r.get::<_, String>(0),
                    CatIndex {
                        unique: r.get(1),
                        method: r.get(2),
                        columns: r.get(3),
                        include: r.get(4),
                        predicate: r.get(5),
                        valid: r.get(6),
                    },
                )
            })
            .collect();
        tables.insert(
            row.get::<_, String>(1),
            CatTable {
                comment: row.get(2),
                columns,
                constraints,
                indexes,
            },
        );
    }
    Ok((schemas, tables, enums))
}

/// A scratch table shaped like `table`, for deparsing the author's SQL.
struct Scratch<'a> {
    client: &'a Client,
}

impl<'a> Scratch<'a> {
    async fn new(
        client: &'a Client,
        like: Option<&QualifiedName>,
    ) -> Result<Scratch<'a>, tokio_postgres::Error> {
        client
            .batch_execute("DROP TABLE IF EXISTS pg_temp.mig_scratch")
            .await?;
        let body = match like {
            Some(table) => format!("LIKE {}", qualified_sql(table)),
            None => String::new(),
        };
        client
            .batch_execute(&format!("CREATE TEMP TABLE mig_scratch ({body})"))
            .await?;
        Ok(Scratch { client })
    }

    async fn default(&self, ty: &str, expr: &str) -> Result<Option<String>, tokio_postgres::Error> {
        self.column_expr(&format!("{ty} DEFAULT {expr}")).await
    }

    /// The expression as PostgreSQL prints it, of a stored generated
    /// column of type `ty` over the table's columns.
    async fn generated(
        &self,
        ty: &str,
        expr: &str,
    ) -> Result<Option<String>, tokio_postgres::Error> {
        self.column_expr(&format!("{ty} GENERATED ALWAYS AS ({expr}) STORED"))
            .await
    }

    /// The `pg_attrdef` expression of a scratch column defined `definition`.
    async fn column_expr(&self, definition: &str) -> Result<Option<String>, tokio_postgres::Error> {
        self.client
            .batch_execute(&format!(
                "ALTER TABLE mig_scratch ADD COLUMN mig_col {definition}"
            ))
            .await?;
        let row = self
            .client
            .query_one(
                "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a
                   ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                 WHERE d.adrelid = 'pg_temp.mig_scratch'::regclass AND a.attname = 'mig_col'",
                &[],
            )
            .await?;
        self.client
            .batch_execute("ALTER TABLE mig_scratch DROP COLUMN mig_col")
            .await?;
        Ok(row.get(0))
    }

    async fn check(&self, expr: &str) -> Result<String, tokio_postgres::Error> {
        self.client
            .batch_execute(&format!(
                "ALTER TABLE mig_scratch ADD CONSTRAINT mig_check CHECK ({expr})"
            ))
            .await?;
        let row = self
            .client
            .query_one(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint
                 WHERE conrelid = 'pg_temp.mig_scratch'::regclass AND conname = 'mig_check'",
                &[],
            )
            .await?;
        self.client
            .batch_execute("ALTER TABLE mig_scratch DROP CONSTRAINT mig_check")
            .await?;
        Ok(row.get(0))
    }

    async fn predicate(
        &self,
        column: &str,
        predicate: &str,
    ) -> Result<Option<String>, tokio_postgres::Error> {
        self.client
            .batch_execute(&format!(
                "CREATE INDEX mig_ix ON pg_temp.mig_scratch ({}) WHERE {predicate}",
                quote_ident(column)
            ))
            .await?;
        let row = self
            .client
            .query_one(
                "SELECT pg_get_expr(ix.indpred, ix.indrelid) FROM pg_index ix
                 WHERE ix.indexrelid = 'pg_temp.mig_ix'::regclass",
                &[],
            )
            .await?;
        self.client
            .batch_execute("DROP INDEX pg_temp.mig_ix")
            .await?;
        Ok(row.get(0))
    }
}

/// How a sequence counts: (start, increment, min, max, cycle, cache).
type Counting = (i64, i64, i64, i64, bool, i64);

/// A sequence's (start, increment, min, max, cycle, cache) for `options`
/// on type `ty`, each one left out at PostgreSQL's default: ascending from
/// 1 to the type's greatest value, descending from -1 to its least.
fn resolved(ty: &ColumnType, o: &SequenceOptions) -> Counting {
    let (least, greatest) = match ty {
        ColumnType::SmallInt => (i64::from(i16::MIN), i64::from(i16::MAX)),
        ColumnType::Integer => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let inc = o.increment.unwrap_or(1);
    let min = o.min_value.unwrap_or(if inc > 0 { 1 } else { least });
    let max = o.max_value.unwrap_or(if inc > 0 { greatest } else { -1 });
    let start = o.start.unwrap_or(if inc > 0 { min } else { max });
    (start, inc, min, max, o.cycle, o.cache.unwrap_or(1))
}

fn qualified_sql(name: &QualifiedName) -> String {
    format!(
        "{}.{}",
        quote_ident(name.schema_name()),
        quote_ident(&name.name)
    )
}

/// Compares the database's catalog with the model; returns every difference.
pub async fn differences(client: &Client, model: &Schema) -> Vec<String> {
    match compare(client, model).await {
        Ok(diffs) => diffs,
        Err(e) => vec![format!("reading the catalog failed: {e}")],
    }
}

/// Panics with every difference between the catalog and the model.
pub async fn assert_matches(client: &Client, model: &Schema, context: &str) {
    let diffs = differences(client, model).await;
    assert!(
        diffs.is_empty(),
        "catalog differs from the schema model {context}:\n  {}",
        diffs.join("\n  ")
    );
}

async fn compare(client: &Client, model: &Schema) -> Result<Vec<String>, tokio_postgres::Error> {
    let (schemas, tables, enums) = read(client).await?;
    let mut diffs = Vec::new();

    let model_schemas: BTreeSet<String> = model.schemas().map(str::to_owned).collect();
    if model_schemas != schemas {
        diffs.push(format!(
            "schemas: model {model_schemas:?}, catalog {schemas:?}"
        ));
    }

    let model_enums: BTreeMap<String, Vec<String>> =
        model.enums().map(|(n, v)| (key(&n), v.to_vec())).collect();
    if model_enums != enums {
        diffs.push(format!("enums: model {model_enums:?}, catalog {enums:?}"));
    }

    // Sequences no column owns: type and options, PostgreSQL's defaults
    // worked out here.
    let cat_sequences: BTreeMap<String, (String, Counting)> = client
        .query(
            &format!(
                "SELECT n.nspname || '.' || c.relname, format_type(s.seqtypid, NULL),
                        s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle, s.seqcache
                 FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE {USER_SCHEMAS} AND NOT EXISTS (
                     SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                       AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))"
            ),
            &[],
        )
        .await?
        .iter()
        .map(|r| {
            (
                r.get(0),
                (
                    r.get(1),
                    (r.get(2), r.get(3), r.get(4), r.get(5), r.get(6), r.get(7)),
                ),
            )
        })
        .collect();
    let model_sequences: BTreeMap<String, (String, Counting)> = model
        .sequences()
        .map(|s| {
            let ty = s.as_type.clone().unwrap_or(ColumnType::BigInt);
            (
                key(&s.name),
                (
                    migrator_core::render::postgres::type_sql(&ty),
                    resolved(&ty, &s.options),
                ),
            )
        })
        .collect();
    if model_sequences != cat_sequences {
        diffs.push(format!(
            "sequences (type, (start, increment, min, max, cycle, cache)): model {model_sequences:?}, catalog {cat_sequences:?}"
        ));
    }

    let model_tables: BTreeSet<String> = model.tables().map(|t| key(&t.name)).collect();
    let cat_tables: BTreeSet<String> = tables.keys().cloned().collect();
    if model_tables != cat_tables {
        diffs.push(format!(
            "tables: model {model_tables:?}, catalog {cat_tables:?}"
        ));
    }

    for table in model.tables() {
        let tkey = key(&table.name);
        let Some(cat) = tables.get(&tkey) else {
            continue;
        };
        if table.comment != cat.comment {
            diffs.push(format!(
                "{tkey}: comment model {:?}, catalog {:?}",
                table.comment, cat.comment
            ));
        }
        let scratch = Scratch::new(client, Some(&table.name)).await?;

        // Columns.
        let names: BTreeSet<&String> = table.columns.iter().map(|c| &c.name).collect();
        let cat_names: BTreeSet<&String> = cat.columns.keys().collect();
        if names != cat_names {
            diffs.push(format!(
                "{tkey}: columns model {names:?}, catalog {cat_names:?}"
            ));
        }
        for column in &table.columns {
            let Some(cc) = cat.columns.get(&column.name) else {
                continue;
            };
            let at = format!("{tkey}.{}", column.name);
            let want_ty = match expected_type(&column.ty) {
                Some(t) => t,
                None => {
                    // A custom type is the author's SQL: let PostgreSQL spell it.
                    let sql = migrator_core::render::postgres::type_sql(&column.ty);
                    client
                        .batch_execute(&format!("ALTER TABLE mig_scratch ADD COLUMN mig_ty {sql}"))
                        .await?;
                    let row = client
                        .query_one(
                            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute
                             WHERE attrelid = 'pg_temp.mig_scratch'::regclass AND attname = 'mig_ty'",
                            &[],
                        )
                        .await?;
                    client
                        .batch_execute("ALTER TABLE mig_scratch DROP COLUMN mig_ty")
                        .await?;
                    row.get(0)
                }
            };
            if want_ty != cc.ty {
                diffs.push(format!("{at}: type model {want_ty}, catalog {}", cc.ty));
            }
            if column.nullable == cc.not_null {
                diffs.push(format!(
                    "{at}: model nullable={}, catalog NOT NULL={}",
                    column.nullable, cc.not_null
                ));
            }
            let want_identity = match column.identity {
                Some(Identity::Always) => "a",
                Some(Identity::ByDefault) => "d",
                None => "",
            };
            if want_identity != cc.identity {
                diffs.push(format!(
                    "{at}: identity model {want_identity:?}, catalog {:?}",
                    cc.identity
                ));
            }
            if column.identity.is_some() {
                // PostgreSQL's defaults, worked out here: ascending from 1
                // to the type's greatest value, descending from -1 to its least.
                let want = Some(resolved(&column.ty, &column.identity_options));
                if want != cc.sequence {
                    diffs.push(format!(
                        "{at}: identity sequence (start, increment, min, max, cycle, cache) model {want:?}, catalog {:?}",
                        cc.sequence
                    ));
                }
            }
            let collation_ok = match &column.collation {
                None => cc.collation.1,
                Some(name) => cc.collation.0.as_deref() == Some(name.as_str()),
            };
            if !collation_ok {
                diffs.push(format!(
                    "{at}: collation model {:?}, catalog {:?} (the type's default: {})",
                    column.collation, cc.collation.0, cc.collation.1
                ));
            }
            if column.comment != cc.comment {
                diffs.push(format!(
                    "{at}: comment model {:?}, catalog {:?}",
                    column.comment, cc.comment
                ));
            }
            let want_generated = if column.generated.is_some() { "s" } else { "" };
            if want_generated != cc.generated {
                diffs.push(format!(
                    "{at}: attgenerated model {want_generated:?}, catalog {:?}",
                    cc.generated
                ));
            }
            if let (Some(expr), Some(d)) = (&column.generated, &cc.default) {
                let sql_ty = client
                    .query_one(
                        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute
                         WHERE attrelid = $1::text::regclass AND attname = $2",
                        &[&qualified_sql(&table.name), &column.name],
                    )
                    .await?
                    .get::<_, String>(0);
                let want = scratch.generated(&sql_ty, expr).await?;
                if want.as_deref() != Some(d.as_str()) {
                    diffs.push(format!(
                        "{at}: generated model {expr:?} (deparsed {want:?}), catalog {d:?}"
                    ));
                }
                continue;
            }
            match (&column.default, &cc.default) {
                (None, None) if !column.ty.is_serial() => {}
                (None, Some(d)) if column.ty.is_serial() => {
                    if !(d.starts_with("nextval(") && cc.owns_sequence) {
                        diffs.push(format!("{at}: serial default expected, catalog {d:?}"));
                    }
                }
                (Some(DefaultValue::Literal(value)), Some(d)) => {
                    let cast = if cc.ty.starts_with("enum:") {
                        // An enum's format_type needs the real name.
                        client
                            .query_one(
                                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute
                                 WHERE attrelid = $1::text::regclass AND attname = $2",
                                &[&qualified_sql(&table.name), &column.name],
                            )
                            .await?
                            .get::<_, String>(0)
                    } else {
                        cc.ty.clone()
                    };
                    let row = client
                        .query_one(
                            &format!(
                                "SELECT (({d}) IS NOT DISTINCT FROM ($1::text)::{cast})::bool"
                            ),
                            &[&literal_text(value)],
                        )
                        .await?;
                    if !row.get::<_, bool>(0) {
                        diffs.push(format!("{at}: default model {value:?}, catalog {d:?}"));
                    }
                }
                (Some(DefaultValue::Expr(expr)), Some(d)) => {
                    let sql_ty = client
                        .query_one(
                            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute
                             WHERE attrelid = $1::text::regclass AND attname = $2",
                            &[&qualified_sql(&table.name), &column.name],
                        )
                        .await?
                        .get::<_, String>(0);
                    let want = scratch.default(&sql_ty, expr).await?;
                    if want.as_deref() != Some(d.as_str()) {
                        diffs.push(format!(
                            "{at}: default model {expr:?} (deparsed {want:?}), catalog {d:?}"
                        ));
                    }
                }
                (want, got) => diffs.push(format!("{at}: default model {want:?}, catalog {got:?}")),
            }
        }

        // Constraints.
        let names: BTreeSet<&str> = table.constraints.iter().map(|c| c.name()).collect();
        let cat_names: BTreeSet<&str> = cat.constraints.keys().map(String::as_str).collect();
        if names != cat_names {
            diffs.push(format!(
                "{tkey}: constraints model {names:?}, catalog {cat_names:?}"
            ));
        }
        for constraint in &table.constraints {
            let Some(cc) = cat.constraints.get(constraint.name()) else {
                continue;
            };
            let at = format!("{tkey} constraint {}", constraint.name());
            let kind = match constraint {
                Constraint::PrimaryKey(_) => "p",
                Constraint::Unique(_) => "u",
                Constraint::Check(_) => "c",
                Constraint::ForeignKey(_) => "f",
                other => panic!(
                    "the catalog comparison does not know {other:?} yet: teach tests/src/catalog.rs"
                ),
            };
            if kind != cc.kind {
                diffs.push(format!("{at}: kind model {kind}, catalog {}", cc.kind));
                continue;
            }
            if constraint.not_valid() == cc.validated {
                diffs.push(format!(
                    "{at}: model not_valid={}, catalog validated={}",
                    constraint.not_valid(),
                    cc.validated
                ));
            }
            match constraint {
                Constraint::PrimaryKey(k) if k.columns != cc.columns => {
                    diffs.push(format!(
                        "{at}: columns model {:?}, catalog {:?}",
                        k.columns, cc.columns
                    ));
                }
                Constraint::Unique(u) if u.columns != cc.columns => {
                    diffs.push(format!(
                        "{at}: columns model {:?}, catalog {:?}",
                        u.columns, cc.columns
                    ));
                }
                Constraint::ForeignKey(fk) => {
                    let want = (
                        &fk.columns,
                        Some(key(&fk.ref_table)),
                        &fk.ref_columns,
                        action_code(fk.on_delete),
                        action_code(fk.on_update),
                        match fk.deferrable {
                            None => (false, false),
                            Some(Deferral::Immediate) => (true, false),
                            Some(Deferral::Deferred) => (true, true),
                        },
                    );
                    let got = (
                        &cc.columns,
                        cc.ref_table.clone(),
                        &cc.ref_columns,
                        cc.on_delete.as_str(),
                        cc.on_update.as_str(),
                        cc.deferral,
                    );
                    if want != got {
                        diffs.push(format!("{at}: model {want:?}, catalog {got:?}"));
                    }
                }
                Constraint::Check(check) => {
                    let want = scratch.check(&check.expr).await?;
                    let got = cc.def.trim_end_matches(" NOT VALID");
                    if want != got {
                        diffs.push(format!("{at}: model {want:?}, catalog {got:?}"));
                    }
                }
                _ => {}
            }
        }

        // Indexes (those not behind a constraint).
        let model_indexes: BTreeMap<&str, _> = model
            .indexes_of(&table.name)
            .map(|i| (i.name.as_str(), i))
            .collect();
        let names: BTreeSet<&str> = model_indexes.keys().copied().collect();
        let cat_names: BTreeSet<&str> = cat.indexes.keys().map(String::as_str).collect();
        if names != cat_names {
            diffs.push(format!(
                "{tkey}: indexes model {names:?}, catalog {cat_names:?}"
            ));
        }
        for (name, index) in model_indexes {
            let Some(ci) = cat.indexes.get(name) else {
                continue;
            };
            let at = format!("{tkey} index {name}");
            let want_pred = match &index.predicate {
                Some(p) => scratch.predicate(&index.columns[0], p).await?,
                None => None,
            };
            let want = (
                index.unique,
                index.method.as_str(),
                &index.columns,
                &index.include,
                want_pred,
                true,
            );
            let got = (
                ci.unique,
                ci.method.as_str(),
                &ci.columns,
                &ci.include,
                ci.predicate.clone(),
                ci.valid,
            );
            if want != got {
                diffs.push(format!("{at}: model {want:?}, catalog {got:?}"));
            }
        }
    }
    client
        .batch_execute("DROP TABLE IF EXISTS pg_temp.mig_scratch")
        .await?;
    Ok(diffs)
}

/// [`differences`], leaving out the runner's own `migrator_version` and
/// `migrator_history` tables (dropped inside a transaction that is rolled
/// back, so nothing changes).
pub async fn differences_without_runner_tables(client: &Client, model: &Schema) -> Vec<String> {
    if let Err(e) = client
        .batch_execute("BEGIN; DROP TABLE IF EXISTS migrator_version, migrator_history")
        .await
    {
        return vec![format!("hiding the runner's tables failed: {e}")];
    }
    let diffs = differences(client, model).await;
    if let Err(e) = client.batch_execute("ROLLBACK").await {
        return vec![format!("rolling back failed: {e}")];
    }
    diffs
}
