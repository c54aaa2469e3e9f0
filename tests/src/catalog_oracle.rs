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
use migrator_core::ops::{
    Constraint, Deferral, Exclusion, IndexDef, KeyExpr, Nulls, RefAction, SequenceOptions,
    TriggerAction, TriggerEvent, TriggerTiming, Volatility,
};
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
    /// `pg_get_indexdef` from `USING` on: method, keys with their
    /// options, INCLUDE, NULLS NOT DISTINCT, WITH, WHERE.
    def: String,
    unique: bool,
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
                "SELECT i.relname::text, ix.indisunique, pg_get_indexdef(ix.indexrelid), ix.indisvalid
                 FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid
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
                        def: from_using(&r.get::<_, String>(2)),
                        valid: r.get(3),
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

    /// What PostgreSQL prints of `index` built on the scratch table, from
    /// `USING` on (the oracle writes the SQL itself, not the product).
    async fn index_def(&self, index: &IndexDef) -> Result<String, tokio_postgres::Error> {
        let keys: Vec<String> = index.keys.iter().map(key_sql).collect();
        let mut sql = format!(
            "CREATE {}INDEX mig_ix ON pg_temp.mig_scratch USING {} ({})",
            if index.unique { "UNIQUE " } else { "" },
            index.method.as_str(),
            keys.join(", ")
        );
        if !index.include.is_empty() {
            let include: Vec<String> = index.include.iter().map(|c| quote_ident(c)).collect();
            sql += &format!(" INCLUDE ({})", include.join(", "));
        }
        if index.nulls_not_distinct {
            sql += " NULLS NOT DISTINCT";
        }
        if !index.with.is_empty() {
            let with: Vec<String> = index
                .with
                .iter()
                .map(|(k, v)| format!("{k} = '{v}'"))
                .collect();
            sql += &format!(" WITH ({})", with.join(", "));
        }
        if let Some(p) = &index.predicate {
            sql += &format!(" WHERE {p}");
        }
        self.client.batch_execute(&sql).await?;
        let row = self
            .client
            .query_one("SELECT pg_get_indexdef('pg_temp.mig_ix'::regclass)", &[])
            .await?;
        self.client
            .batch_execute("DROP INDEX pg_temp.mig_ix")
            .await?;
        Ok(from_using(&row.get::<_, String>(0)))
    }

    /// What `pg_get_constraintdef` prints of exclusion constraint `x` added
    /// to the scratch table (the SQL written here, not by the product).
    async fn exclusion_def(&self, x: &Exclusion) -> Result<String, tokio_postgres::Error> {
        let elements: Vec<String> = x
            .elements
            .iter()
            .map(|e| format!("{} WITH {}", key_sql(&e.key), e.operator))
            .collect();
        let mut sql = format!(
            "ALTER TABLE pg_temp.mig_scratch ADD CONSTRAINT mig_excl EXCLUDE USING {} ({})",
            x.method.as_str(),
            elements.join(", ")
        );
        if !x.include.is_empty() {
            let include: Vec<String> = x.include.iter().map(|c| quote_ident(c)).collect();
            sql += &format!(" INCLUDE ({})", include.join(", "));
        }
        if !x.with.is_empty() {
            let with: Vec<String> = x.with.iter().map(|(k, v)| format!("{k} = '{v}'")).collect();
            sql += &format!(" WITH ({})", with.join(", "));
        }
        if let Some(p) = &x.predicate {
            sql += &format!(" WHERE ({p})");
        }
        match x.deferrable {
            Some(Deferral::Immediate) => sql += " DEFERRABLE",
            Some(Deferral::Deferred) => sql += " DEFERRABLE INITIALLY DEFERRED",
            None => {}
        }
        self.client.batch_execute(&sql).await?;
        let row = self
            .client
            .query_one(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint
                 WHERE conrelid = 'pg_temp.mig_scratch'::regclass AND conname = 'mig_excl'",
                &[],
            )
            .await?;
        self.client
            .batch_execute("ALTER TABLE pg_temp.mig_scratch DROP CONSTRAINT mig_excl")
            .await?;
        Ok(row.get(0))
    }
}

/// One index key as the oracle writes it.
fn key_sql(k: &migrator_core::ops::IndexKey) -> String {
    let mut sql = match &k.expr {
        KeyExpr::Column(c) => quote_ident(c),
        KeyExpr::Expression(e) => format!("({e})"),
    };
    if let Some(c) = &k.collation {
        sql += &format!(" COLLATE {}", quote_ident(c));
    }
    if let Some(c) = &k.opclass {
        sql += &format!(" {c}");
    }
    if k.descending {
        sql += " DESC";
    }
    match k.nulls {
        Some(Nulls::First) => sql += " NULLS FIRST",
        Some(Nulls::Last) => sql += " NULLS LAST",
        _ => {}
    }
    sql
}

/// An index definition from ` USING ` on: what is left once its name and
/// table are.
fn from_using(def: &str) -> String {
    def.find(" USING ").map_or(def, |at| &def[at..]).to_owned()
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

    // Sequences of their own (not an identity's, an extension's, or a
    // serial's: owned by a column whose default text is nextval of it):
    // type, options (PostgreSQL's defaults worked out here) and the
    // OWNED BY column.
    type SequenceRow = (String, Counting, Option<String>);
    let cat_sequences: BTreeMap<String, SequenceRow> = client
        .query(
            &format!(
                "SELECT n.nspname || '.' || c.relname, format_type(s.seqtypid, NULL),
                        s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle, s.seqcache,
                        (SELECT tn.nspname || '.' || t.relname || '.' || a.attname
                         FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                         JOIN pg_namespace tn ON tn.oid = t.relnamespace
                         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
                         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a')
                 FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE {USER_SCHEMAS} AND NOT EXISTS (
                     SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                       AND d.objid = c.oid AND d.deptype IN ('i', 'e'))
                   AND NOT EXISTS (
                     SELECT 1 FROM pg_depend d
                     JOIN pg_attrdef ad ON ad.adrelid = d.refobjid AND ad.adnum = d.refobjsubid
                     WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a'
                       AND pg_get_expr(ad.adbin, ad.adrelid)
                           = 'nextval(' || quote_literal(c.oid::regclass::text) || '::regclass)')"
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
                    r.get(8),
                ),
            )
        })
        .collect();
    let model_sequences: BTreeMap<String, SequenceRow> = model
        .sequences()
        .map(|s| {
            let ty = s.as_type.clone().unwrap_or(ColumnType::BigInt);
            (
                key(&s.name),
                (
                    migrator_core::render::postgres::type_sql(&ty),
                    resolved(&ty, &s.options),
                    s.owned_by
                        .as_ref()
                        .map(|o| format!("{}.{}", key(&o.table), o.column)),
                ),
            )
        })
        .collect();
    if model_sequences != cat_sequences {
        diffs.push(format!(
            "sequences (type, (start, increment, min, max, cycle, cache), owner): model {model_sequences:?}, catalog {cat_sequences:?}"
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
                let sql_ty = column_type_sql(client, &table.name, &column.name).await?;
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
                        column_type_sql(client, &table.name, &column.name).await?
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
                    let sql_ty = column_type_sql(client, &table.name, &column.name).await?;
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
                Constraint::Exclusion(_) => "x",
                other => panic!(
                    "the catalog comparison does not know {other:?} yet: teach tests/src/catalog.rs"
                ),
            };
            if kind != cc.kind {
                diffs.push(format!("{at}: kind model {kind}, catalog {}", cc.kind));
                continue;
            }
            let deferral = match constraint.deferrable() {
                None => (false, false),
                Some(Deferral::Immediate) => (true, false),
                Some(Deferral::Deferred) => (true, true),
            };
            if deferral != cc.deferral {
                diffs.push(format!(
                    "{at}: (deferrable, initially deferred) model {deferral:?}, catalog {:?}",
                    cc.deferral
                ));
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
                Constraint::Exclusion(x) => {
                    let want = scratch.exclusion_def(x).await?;
                    if want != cc.def {
                        diffs.push(format!("{at}: model {want:?}, catalog {:?}", cc.def));
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
            let want = (index.unique, scratch.index_def(index).await?, true);
            let got = (ci.unique, ci.def.clone(), ci.valid);
            if want != got {
                diffs.push(format!("{at}: model {want:?}, catalog {got:?}"));
            }
        }
    }
    routines(client, model, &mut diffs).await?;
    client
        .batch_execute("DROP TABLE IF EXISTS pg_temp.mig_scratch")
        .await?;
    diffs.extend(compare_views(client, model).await?);
    Ok(diffs)
}

/// Views and materialized views: the same names and kinds, each model
/// definition printed by the server (as a temporary view over the live
/// relations) as the catalog prints the view, and a materialized view's
/// indexes (name, uniqueness, columns).
async fn compare_views(
    client: &Client,
    model: &Schema,
) -> Result<Vec<String>, tokio_postgres::Error> {
    let mut diffs = Vec::new();
    let rows = client
        .query(
            &format!(
                "SELECT n.nspname::text, c.relname::text, c.relkind = 'm', pg_get_viewdef(c.oid),
                        ARRAY(SELECT i.relname::text || CASE WHEN ix.indisunique THEN ' unique (' ELSE ' (' END
                                     || (SELECT string_agg(a.attname::text, ', ' ORDER BY k.i)
                                         FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, i)
                                         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.n) || ')'
                              FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid
                              WHERE ix.indrelid = c.oid ORDER BY 1)
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('v', 'm') AND {USER_SCHEMAS}"
            ),
            &[],
        )
        .await?;
    let catalog: BTreeMap<String, (bool, String, Vec<String>)> = rows
        .iter()
        .map(|r| {
            let name = QualifiedName::new(r.get::<_, String>(0), r.get::<_, String>(1));
            (key(&name), (r.get(2), r.get(3), r.get(4)))
        })
        .collect();
    let model_names: BTreeSet<String> = model.views().map(|v| key(&v.name)).collect();
    let cat_names: BTreeSet<String> = catalog.keys().cloned().collect();
    if model_names != cat_names {
        diffs.push(format!(
            "views: model {model_names:?}, catalog {cat_names:?}"
        ));
    }
    for view in model.views() {
        let vkey = key(&view.name);
        let Some((materialized, def, indexes)) = catalog.get(&vkey) else {
            continue;
        };
        if view.materialized != *materialized {
            diffs.push(format!(
                "{vkey}: materialized model {}, catalog {materialized}",
                view.materialized
            ));
        }
        client
            .batch_execute(&format!(
                "CREATE TEMPORARY VIEW mig_view_spelling AS {}",
                view.sql
            ))
            .await?;
        let printed: String = client
            .query_one(
                "SELECT pg_get_viewdef('pg_temp.mig_view_spelling'::regclass)",
                &[],
            )
            .await?
            .get(0);
        client
            .batch_execute("DROP VIEW pg_temp.mig_view_spelling")
            .await?;
        if printed != *def {
            diffs.push(format!(
                "{vkey}: definition model {printed:?}, catalog {def:?}"
            ));
        }
        let mut want: Vec<String> = model
            .indexes_of(&view.name)
            .map(|i| {
                format!(
                    "{}{} ({})",
                    i.name,
                    if i.unique { " unique" } else { "" },
                    i.key_columns().collect::<Vec<_>>().join(", ")
                )
            })
            .collect();
        want.sort();
        if want != *indexes {
            diffs.push(format!(
                "{vkey}: indexes model {want:?}, catalog {indexes:?}"
            ));
        }
    }
    Ok(diffs)
}

/// Functions and triggers: each function's source, language, options,
/// result and arguments as PostgreSQL resolves the model's type names;
/// each trigger's definition as PostgreSQL prints it, against the same
/// trigger (written here) on a scratch copy of its table.
async fn routines(
    client: &Client,
    model: &Schema,
    diffs: &mut Vec<String>,
) -> Result<(), tokio_postgres::Error> {
    let user = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'";
    let rows = client
        .query(
            &format!(
                "SELECT n.nspname::text || '.' || p.proname::text, p.prosrc, l.lanname::text,
                        p.provolatile::text, p.proisstrict, p.prosecdef,
                        pg_get_function_result(p.oid), pg_get_function_identity_arguments(p.oid)
                 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                 JOIN pg_language l ON l.oid = p.prolang
                 WHERE {user} AND NOT EXISTS (SELECT 1 FROM pg_depend x
                       WHERE x.classid = 'pg_proc'::regclass AND x.objid = p.oid AND x.deptype = 'e')"
            ),
            &[],
        )
        .await?;
    type Facts = (String, String, String, bool, bool, Option<String>, String);
    let catalog: BTreeMap<String, Facts> = rows
        .iter()
        .map(|r| {
            (
                r.get(0),
                (
                    r.get(1),
                    r.get(2),
                    r.get(3),
                    r.get(4),
                    r.get(5),
                    r.get(6),
                    r.get(7),
                ),
            )
        })
        .collect();
    let resolve = |ty: String| async move {
        client
            .query_one(
                "SELECT coalesce(format_type(to_regtype($1), NULL), $1)",
                &[&ty],
            )
            .await
            .map(|r| r.get::<_, String>(0))
    };
    let mut names = BTreeSet::new();
    for f in model.functions() {
        let k = key(&f.name);
        names.insert(k.clone());
        let mut args = Vec::new();
        for a in &f.args {
            let ty = resolve(a.ty.clone()).await?;
            args.push(match &a.name {
                Some(n) => format!("{} {ty}", quote_ident_if_needed(n)),
                None => ty,
            });
        }
        let want: Facts = (
            f.body.clone(),
            f.language.to_lowercase(),
            match f.volatility {
                Volatility::Immutable => "i",
                Volatility::Stable => "s",
                _ => "v",
            }
            .to_owned(),
            f.strict,
            f.security_definer,
            Some(resolve(f.returns.clone()).await?),
            args.join(", "),
        );
        match catalog.get(&k) {
            None => diffs.push(format!("function {k}: in the model, not in the catalog")),
            Some(got) if *got != want => {
                diffs.push(format!("function {k}: model {want:?}, catalog {got:?}"));
            }
            Some(_) => {}
        }
    }
    for k in catalog.keys().filter(|k| !names.contains(*k)) {
        diffs.push(format!("function {k}: in the catalog, not in the model"));
    }

    let rows = client
        .query(
            &format!(
                "SELECT n.nspname::text || '.' || c.relname::text, t.tgname::text, pg_get_triggerdef(t.oid)
                 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE NOT t.tgisinternal AND {user}
                   AND c.relname NOT IN ('migrator_version', 'migrator_history')"
            ),
            &[],
        )
        .await?;
    let catalog: BTreeMap<(String, String), String> = rows
        .iter()
        .map(|r| ((r.get(0), r.get(1)), trigger_shape(&r.get::<_, String>(2))))
        .collect();
    let mut names = BTreeSet::new();
    for t in model.triggers() {
        let k = (key(&t.table), t.name.clone());
        names.insert(k.clone());
        let TriggerAction::Function { name, args } = &t.action else {
            diffs.push(format!(
                "trigger {k:?}: runs statements, which PostgreSQL cannot"
            ));
            continue;
        };
        let events: Vec<String> = t
            .events
            .iter()
            .map(|e| match e {
                TriggerEvent::Insert => "INSERT".to_owned(),
                TriggerEvent::Update(c) if c.is_empty() => "UPDATE".to_owned(),
                TriggerEvent::Update(c) => format!(
                    "UPDATE OF {}",
                    c.iter()
                        .map(|c| quote_ident(c))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                TriggerEvent::Delete => "DELETE".to_owned(),
                TriggerEvent::Truncate => "TRUNCATE".to_owned(),
            })
            .collect();
        let args: Vec<String> = args
            .iter()
            .map(|a| format!("'{}'", a.replace('\'', "''")))
            .collect();
        let sql = format!(
            "CREATE TRIGGER {} {} {} ON pg_temp.mig_scratch {} {} EXECUTE FUNCTION {}({})",
            quote_ident(&t.name),
            match t.timing {
                TriggerTiming::Before => "BEFORE",
                TriggerTiming::After => "AFTER",
                TriggerTiming::InsteadOf => "INSTEAD OF",
            },
            events.join(" OR "),
            if t.for_each_row {
                "FOR EACH ROW"
            } else {
                "FOR EACH STATEMENT"
            },
            t.when
                .as_ref()
                .map(|w| format!("WHEN ({w})"))
                .unwrap_or_default(),
            qualified_sql(name),
            args.join(", ")
        );
        Scratch::new(client, Some(&t.table)).await?;
        client.batch_execute(&sql).await?;
        let want = client
            .query_one(
                "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 'pg_temp.mig_scratch'::regclass",
                &[],
            )
            .await
            .map(|r| trigger_shape(&r.get::<_, String>(0)))?;
        match catalog.get(&k) {
            None => diffs.push(format!("trigger {k:?}: in the model, not in the catalog")),
            Some(got) if *got != want => {
                diffs.push(format!("trigger {k:?}: model {want:?}, catalog {got:?}"));
            }
            Some(_) => {}
        }
    }
    for k in catalog.keys().filter(|k| !names.contains(*k)) {
        diffs.push(format!("trigger {k:?}: in the catalog, not in the model"));
    }
    Ok(())
}

/// The type of `column` of `table` as `format_type` prints it (an enum's
/// real name, a serial's integer).
async fn column_type_sql(
    client: &Client,
    table: &QualifiedName,
    column: &str,
) -> Result<String, tokio_postgres::Error> {
    Ok(client
        .query_one(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute
             WHERE attrelid = $1::text::regclass AND attname = $2",
            &[&qualified_sql(table), &column],
        )
        .await?
        .get(0))
}

/// A trigger definition without its table: what precedes ` ON ` and what
/// follows ` FOR EACH `.
fn trigger_shape(def: &str) -> String {
    let head = def.find(" ON ").map_or(def, |at| &def[..at]);
    let tail = def.find(" FOR EACH ").map_or("", |at| &def[at..]);
    format!("{head}{tail}")
}

/// A name as `pg_get_function_identity_arguments` prints it.
fn quote_ident_if_needed(name: &str) -> String {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        name.to_owned()
    } else {
        quote_ident(name)
    }
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
