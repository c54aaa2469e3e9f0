//! Random sequences of reversible ops, drawn from a stream of choices so that
//! proptest can generate and shrink them. Each proposal is built from the
//! current model (existing tables, columns, types) and kept only if the model
//! accepts it; names come from pools of hostile identifiers.
//!
//! Every kind of reversible op is drawn, one function per kind below:
//! tables, columns (stored generated ones, collations, identity with its
//! sequence options), indexes (expression keys, operator classes, `DESC`,
//! `NULLS`, `NULLS NOT DISTINCT`, `WITH`), constraints (deferrable keys, a
//! key from an existing index), enums, schemas, extensions, views and
//! materialized views, sequences, functions and triggers, and blocks for
//! one engine. What one engine has only is drawn for the model's engine:
//! on an engine-neutral model the PostgreSQL-only ops bare (SQLite refuses
//! them by name at render time); on a model of an engine, in an
//! `op.on(engine, …)` block — now and then a block for the other engine,
//! which the model and the dialect skip. `bulk_insert` has no inverse, so
//! it is not drawn there: [`random_rows`] fills a base schema's tables with
//! it (and empties them again) instead.

use migrator_core::engine::Engine;
use migrator_core::ident::{QualifiedName, quote_ident, quote_literal};
use migrator_core::ops::{
    Constraint, IndexKey, IndexMethod, KeyExpr, OnEngine, Op, OpBuilder, Ops, RefAction,
    SequenceBuilder, SequenceChange, SequenceOptions, TableDef, TriggerEvent, TriggerTiming,
    Volatility,
};
use migrator_core::schema::Schema;
use migrator_core::types::{ColumnType as T, Identity, Literal};

const TABLES: &[&str] = &[
    "users",
    "order",
    "a\"b",
    "Mixed Case",
    "naïve ✓",
    "select",
    "t_this_table_name_is_exactly_sixty_three_bytes_long_xxxxxxxxxxx",
];
const COLUMNS: &[&str] = &[
    "id",
    "name",
    "user",
    "x y",
    "q\"q",
    "Ünï",
    "desc",
    "c_61_bytes_long_column_name_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
];
const ENUMS: &[&str] = &["mood", "Status", "e\"x"];
const VALUES: &[&str] = &["a", "b'c", "d\\e", "$$", "ünï", "with space", "select"];
const SCHEMAS: &[&str] = &["s1", "Other Schema"];
const EXTENSIONS: &[&str] = &["citext", "hstore"];
const VIEWS: &[&str] = &["v", "View \"q\"", "from"];
const SEQUENCES: &[&str] = &["seq", "Order Numbers", "s\"q"];
const FUNCTIONS: &[&str] = &["touch", "Bump \"it\"", "f_ünï"];
const TRIGGERS: &[&str] = &["tr", "Audit Row", "t\"q"];
const TEXTS: &[&str] = &[
    "",
    "x",
    "it's",
    "back\\slash",
    "$$dollar$$",
    "semi;colon",
    "ünïcödé",
    "\"dq\"",
];

/// Draws numbers from a fixed stream (zeros once it runs out).
pub struct Choices<'a> {
    stream: &'a [u32],
    pos: usize,
}

impl<'a> Choices<'a> {
    /// Draws from `stream`.
    pub fn new(stream: &'a [u32]) -> Self {
        Self { stream, pos: 0 }
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        let c = self.stream.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        c as usize % n.max(1)
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn pick<'b, T>(&mut self, items: &'b [T]) -> Option<&'b T> {
        if items.is_empty() {
            None
        } else {
            Some(&items[self.below(items.len())])
        }
    }
}

fn column_types(schema: &Schema) -> Vec<T> {
    let mut types = vec![
        T::SmallInt,
        T::Integer,
        T::BigInt,
        T::Boolean,
        T::Text,
        T::varchar(10),
        T::char(3),
        T::numeric(8, 2),
        T::Real,
        T::Double,
        T::Date,
        T::TimestampTz,
        T::Interval,
        T::Uuid,
        T::Jsonb,
        T::Bytea,
        T::Inet,
        T::array(T::Text),
    ];
    types.extend(schema.enums().map(|(name, _)| T::Enum(name)));
    types
}

/// A default that fits `ty`, or none.
fn default_for(c: &mut Choices, schema: &Schema, ty: &T) -> Option<Literal> {
    Some(match ty {
        T::SmallInt | T::Integer | T::BigInt => Literal::Int([0, 7, -3][c.below(3)]),
        T::Boolean => Literal::Bool(c.one_in(2)),
        T::Text | T::Varchar(_) => Literal::Str(c.pick(TEXTS)?.to_string()),
        T::Char(_) => Literal::Str(["abc", "x", "'"][c.below(3)].into()),
        T::Numeric(_) => Literal::Str("12.50".into()),
        T::Real | T::Double => Literal::Float([0.5, -1.25, f64::NAN, f64::INFINITY][c.below(4)]),
        T::Date => Literal::Str("2020-02-29".into()),
        T::TimestampTz => Literal::Str("2020-01-01 00:00:00+00".into()),
        T::Interval => Literal::Str("1 day 02:00:00".into()),
        T::Jsonb => Literal::Str("{\"a\": [1, \"it's\"]}".into()),
        T::Bytea => Literal::Str("\\x00ff".into()),
        T::Inet => Literal::Str("10.0.0.1".into()),
        T::Array(_) => Literal::Str("{}".into()),
        T::Enum(name) => Literal::Str(c.pick(schema.enum_values(name)?)?.clone()),
        _ => return None,
    })
}

fn tables(schema: &Schema) -> Vec<QualifiedName> {
    schema.tables().map(|t| t.name.clone()).collect()
}

fn table_name(c: &mut Choices, schema: &Schema) -> QualifiedName {
    name_in(c, schema, TABLES)
}

/// A name from `pool`, now and then in a schema other than `public`.
fn name_in(c: &mut Choices, schema: &Schema, pool: &[&str]) -> QualifiedName {
    let name = c.pick(pool).expect("non-empty pool").to_string();
    let others: Vec<&str> = schema.schemas().filter(|s| *s != "public").collect();
    match (c.one_in(4), c.pick(&others)) {
        (true, Some(s)) => QualifiedName::new(*s, name),
        _ => QualifiedName::bare(name),
    }
}

fn add_columns(c: &mut Choices, schema: &Schema, t: &mut TableDef) {
    let types = column_types(schema);
    for _ in 0..=c.below(4) {
        let name = c.pick(COLUMNS).expect("non-empty pool").to_string();
        if t.find_column(&name).is_some() {
            continue;
        }
        let ty = c.pick(&types).expect("non-empty").clone();
        let default = if c.one_in(3) {
            default_for(c, schema, &ty)
        } else {
            None
        };
        let nullable = c.one_in(2);
        let comment = c
            .one_in(4)
            .then(|| c.pick(TEXTS).expect("non-empty").to_string());
        let mut col = t.column_as(name, ty);
        use migrator_core::ops::ColumnOptions;
        if nullable {
            col.nullable();
        }
        if let Some(d) = default {
            col.default(d);
        }
        if let Some(text) = comment {
            col.comment(text);
        }
    }
}

/// Proposes one op for `schema`; the caller keeps it if the model accepts it.
fn propose(c: &mut Choices, schema: &Schema) -> Option<Op> {
    use migrator_core::ops::ColumnOptions;
    let mut op = Ops::new();
    let tables = tables(schema);
    let table = c.pick(&tables).cloned();
    let def = table.as_ref().and_then(|t| schema.table(t));
    let column = def.and_then(|d| c.pick(&d.columns)).cloned();
    match c.below(25) {
        0 | 1 => {
            let name = table_name(c, schema);
            let with_key = c.one_in(2);
            let reference = tables.iter().filter_map(|t| schema.table(t)).find_map(|t| {
                t.primary_key_constraint()
                    .filter(|k| k.columns.len() == 1)
                    .map(|k| (t, k.columns[0].clone()))
            });
            let fk = if c.one_in(3) { reference } else { None };
            let unique = c.one_in(3);
            let check = c.one_in(3);
            let comment = c
                .one_in(3)
                .then(|| c.pick(TEXTS).expect("non-empty").to_string());
            let mut def = TableDef::new(name.clone());
            if with_key {
                // An identity (now and then with its sequence's options),
                // or a plain key an identity may be added to later.
                let (identity, options) = (!c.one_in(3), c.one_in(3));
                let mut pk = def.column::<i64>("pk");
                if identity {
                    pk.identity();
                }
                if identity && options {
                    pk.start(1000).increment(10).cache(5);
                }
                pk.primary_key();
            }
            add_columns(c, schema, &mut def);
            if let Some((target, ref_col)) = fk {
                let ty = target.find_column(&ref_col)?.ty.storage();
                def.column_as("ref", ty).nullable();
                def.foreign_key(["ref"], target.name.clone(), [ref_col])
                    .on_delete(RefAction::SetNull);
            }
            let first = def.columns.first()?.name.clone();
            if unique {
                def.unique([first.clone()]);
            }
            if check {
                def.check(
                    "ck",
                    format!("{} IS NOT NULL", migrator_core::ident::quote_ident(&first)),
                );
            }
            def.comment = comment;
            let name2 = def.name.clone();
            op.create_table(name2, |t| *t = def);
        }
        2 => {
            op.drop_table(table?);
        }
        3 => {
            let to = c.pick(TABLES)?.to_string();
            op.rename_table(table?, to);
        }
        4 | 5 => {
            let types = column_types(schema);
            let ty = c.pick(&types)?.clone();
            let name = c.pick(COLUMNS)?.to_string();
            let default = if c.one_in(2) {
                default_for(c, schema, &ty)
            } else {
                None
            };
            let nullable = default.is_none() || c.one_in(2);
            // Now and then a stored generated column over an integer one.
            let source = def.and_then(|d| {
                d.columns
                    .iter()
                    .find(|k| {
                        k.generated.is_none()
                            && matches!(k.ty, T::SmallInt | T::Integer | T::BigInt)
                    })
                    .map(|k| k.name.clone())
            });
            if let Some(source) = source.filter(|_| c.one_in(4)) {
                op.add_column::<Option<i64>>(table?, name)
                    .generated_sql(format!(
                        "{} + 1",
                        migrator_core::ident::quote_ident(&source)
                    ));
                return op.into_ops().pop();
            }
            let col = op.add_column_as(table?, name, ty);
            if nullable {
                col.nullable();
            }
            if let Some(d) = default {
                col.default(d);
            }
        }
        6 => {
            op.drop_column(table?, column?.name);
        }
        7 => {
            let to = c.pick(COLUMNS)?.to_string();
            op.rename_column(table?, column?.name, to);
        }
        8 | 9 => {
            let column = column?;
            // Now and then the identity of a single-column key changes
            // (SQLite's rowid either way).
            let sole_key = def?
                .primary_key_constraint()
                .is_some_and(|k| k.columns == [column.name.clone()]);
            if sole_key && c.one_in(2) {
                return identity_op(c, table?, &column);
            }
            if column.generated.is_some() && c.one_in(3) {
                op.alter_column(table?, column.name.clone())
                    .drop_expression();
                // Not when an index or key on the column leaves it without
                // an inverse (the property tests undo what they draw).
                return op
                    .into_ops()
                    .pop()
                    .filter(|o| migrator_core::ops::invert(o, schema).is_ok());
            }
            let alter = op.alter_column(table?, column.name.clone());
            match c.below(5) {
                0 => {
                    alter.set_nullable(!column.nullable);
                }
                1 => match default_for(c, schema, &column.ty) {
                    Some(d) if column.default.is_none() && column.identity.is_none() => {
                        alter.set_default(d);
                    }
                    _ => {
                        alter.drop_default();
                    }
                },
                2 => {
                    alter.set_comment(c.pick(TEXTS)?.to_string());
                }
                3 => {
                    alter.drop_comment();
                }
                _ => {
                    let to = match column.ty {
                        T::SmallInt => T::Integer,
                        T::Integer => T::BigInt,
                        T::Varchar(_) => T::Text,
                        T::Text => T::varchar(30),
                        T::Real => T::Double,
                        _ => return None,
                    };
                    alter.set_type(to);
                }
            }
        }
        10 => {
            let def = def?;
            let column = column?;
            let method = match &column.ty {
                T::Jsonb | T::Array(_) if c.one_in(2) => IndexMethod::Gin,
                T::Integer | T::BigInt | T::Date if c.one_in(3) => IndexMethod::Brin,
                T::Integer | T::Text | T::Uuid if c.one_in(3) => IndexMethod::Hash,
                T::Jsonb | T::Array(_) => return None,
                _ => IndexMethod::BTree,
            };
            let second = c.pick(&def.columns).map(|c| c.name.clone());
            let mut columns = vec![column.name.clone()];
            if let (IndexMethod::BTree, Some(s)) = (method, second.filter(|s| *s != column.name)) {
                columns.push(s);
            }
            let unique = method == IndexMethod::BTree && c.one_in(3);
            let partial = c.one_in(3);
            let mut keys: Vec<IndexKey> = columns.into_iter().map(IndexKey::column).collect();
            if method == IndexMethod::BTree {
                // Options both engines have: an expression key, a direction.
                if matches!(column.ty, T::Text | T::Varchar(_)) && c.one_in(4) {
                    keys[0] = IndexKey::expr(format!(
                        "lower({})",
                        migrator_core::ident::quote_ident(&column.name)
                    ));
                }
                if c.one_in(3) {
                    let last = keys.len() - 1;
                    keys[last] = keys[last].clone().desc();
                }
                if c.one_in(4) {
                    let key = keys[0].clone();
                    keys[0] = if c.one_in(2) {
                        key.nulls_first()
                    } else {
                        key.nulls_last()
                    };
                }
            }
            // Options PostgreSQL has only: an operator class, NULLS NOT
            // DISTINCT, storage parameters.
            let opclass = method == IndexMethod::BTree
                && matches!(keys[0].expr, KeyExpr::Column(_))
                && matches!(column.ty, T::Text | T::Varchar(_))
                && c.one_in(4);
            if opclass {
                keys[0] = keys[0].clone().opclass("text_pattern_ops");
            }
            let nulls_not_distinct = unique && c.one_in(4);
            let with = method == IndexMethod::BTree && c.one_in(5);
            let ix = op.create_index(table?, keys);
            ix.using(method);
            if unique {
                ix.unique();
            }
            if partial {
                ix.where_sql(format!(
                    "{} IS NOT NULL",
                    migrator_core::ident::quote_ident(&column.name)
                ));
            }
            if c.one_in(3) {
                ix.named(c.pick(COLUMNS)?.to_string());
            }
            if nulls_not_distinct {
                ix.nulls_not_distinct();
            }
            if with {
                ix.with("fillfactor", "70");
            }
            if opclass || nulls_not_distinct || with {
                return only_on(c, schema, Engine::Postgres, op);
            }
        }
        11 => {
            let index: Vec<QualifiedName> = schema.indexes().map(|i| i.qualified_name()).collect();
            op.drop_index(c.pick(&index)?.clone());
        }
        12 => {
            let column = column?;
            let table = table?;
            match c.below(4) {
                0 => {
                    let unique = op.add_unique(table, [column.name]);
                    match c.below(4) {
                        0 => {
                            unique.deferrable();
                        }
                        1 => {
                            unique.initially_deferred();
                        }
                        _ => {}
                    }
                }
                1 => {
                    let not_valid = c.one_in(2);
                    let check = op.add_check(
                        table,
                        c.pick(COLUMNS)?.to_string(),
                        format!(
                            "{} IS NOT NULL",
                            migrator_core::ident::quote_ident(&column.name)
                        ),
                    );
                    if not_valid {
                        check.not_valid();
                    }
                }
                2 => {
                    op.add_primary_key(table, [column.name]);
                }
                _ => {
                    let targets: Vec<(QualifiedName, String)> = schema
                        .tables()
                        .filter_map(|t| {
                            let key = t.primary_key_constraint()?;
                            (key.columns.len() == 1)
                                .then(|| (t.name.clone(), key.columns[0].clone()))
                        })
                        .collect();
                    let (target, ref_col) = c.pick(&targets)?.clone();
                    let not_valid = c.one_in(2);
                    let deferral = c.below(4);
                    let fk = op.add_foreign_key(table, [column.name], target, [ref_col]);
                    if not_valid {
                        fk.not_valid();
                    }
                    match deferral {
                        0 => {
                            fk.deferrable();
                        }
                        1 => {
                            fk.initially_deferred();
                        }
                        _ => {}
                    }
                }
            }
        }
        13 => {
            let def = def?;
            let constraint = c.pick(&def.constraints)?;
            if c.one_in(2) && matches!(constraint, Constraint::Check(_) | Constraint::ForeignKey(_))
            {
                op.validate_constraint(table?, constraint.name().to_owned());
            } else {
                op.drop_constraint(table?, constraint.name().to_owned());
            }
        }
        14 => {
            let enums: Vec<QualifiedName> = schema.enums().map(|(n, _)| n).collect();
            match (c.below(3), c.pick(&enums)) {
                (1, Some(name)) => {
                    let values = schema.enum_values(name)?;
                    let from = c.pick(values)?.clone();
                    op.rename_enum_value(name.clone(), from, c.pick(VALUES)?.to_string());
                }
                (2, Some(name)) => {
                    op.drop_enum(name.clone());
                }
                _ => {
                    let mut values: Vec<String> = Vec::new();
                    for _ in 0..=c.below(3) {
                        let v = c.pick(VALUES)?.to_string();
                        if !values.contains(&v) {
                            values.push(v);
                        }
                    }
                    op.create_enum(c.pick(ENUMS)?.to_string(), values);
                }
            }
        }
        15 => match c.below(3) {
            0 => {
                op.create_schema(c.pick(SCHEMAS)?.to_string());
            }
            1 => {
                op.drop_schema(c.pick(SCHEMAS)?.to_string());
            }
            _ => {
                // Extensions every PostgreSQL build ships (contrib).
                let name = *c.pick(EXTENSIONS)?;
                if schema.extension(name).is_some() && c.one_in(2) {
                    op.drop_extension(name);
                } else {
                    let ext = op.create_extension(name);
                    if c.one_in(2) {
                        ext.if_not_exists();
                    }
                }
            }
        },
        16 => {
            let views: Vec<(QualifiedName, bool)> = schema
                .views()
                .map(|v| (v.name.clone(), v.materialized))
                .collect();
            match (c.below(5), c.pick(&views)) {
                (1, Some((name, false))) => {
                    op.drop_view(name.clone());
                }
                (1, Some((name, true))) => {
                    op.drop_materialized_view(name.clone());
                }
                (2, Some((name, false))) => {
                    op.rename_view(name.clone(), c.pick(VIEWS)?.to_string());
                }
                (2, Some((name, true))) => {
                    op.rename_materialized_view(name.clone(), c.pick(VIEWS)?.to_string());
                }
                (3, Some((name, true))) => {
                    op.refresh_materialized_view(name.clone());
                }
                _ => {
                    let def = def?;
                    let table = table?;
                    let mut columns: Vec<String> = Vec::new();
                    for _ in 0..=c.below(2) {
                        let name = migrator_core::ident::quote_ident(&c.pick(&def.columns)?.name);
                        if !columns.contains(&name) {
                            columns.push(name);
                        }
                    }
                    let view = table.sibling(c.pick(VIEWS)?.to_string());
                    let sql = format!("SELECT {} FROM {}", columns.join(", "), table.to_sql());
                    if c.one_in(3) {
                        let created = op.create_materialized_view(view, sql);
                        if c.one_in(2) {
                            created.with_no_data();
                        }
                        return only_on(c, schema, Engine::Postgres, op);
                    }
                    op.create_view(view, sql);
                }
            }
        }
        18 => {
            let ops = sequence_ops(c, schema)?;
            return only_on(c, schema, Engine::Postgres, ops);
        }
        19 => {
            let ops = function_ops(c, schema)?;
            return only_on(c, schema, Engine::Postgres, ops);
        }
        20 => return trigger_op(c, schema),
        21 => return collation_op(c, schema, table?, &column?),
        22 if c.one_in(3) => {
            let ops = exclusion_ops(c, def?)?;
            return only_on(c, schema, Engine::Postgres, ops);
        }
        22 | 23 => return key_using_index_op(c, schema),
        _ => {
            if c.one_in(3) {
                op.execute("SELECT 1").reverse("SELECT 2");
            } else if c.one_in(2) {
                op.drop_table_comment(table?);
            } else {
                op.set_table_comment(table?, c.pick(TEXTS)?.to_string());
            }
        }
    }
    op.into_ops().pop()
}

/// `ops`, drawn for `engine` only, as the model's engine takes them. On an
/// engine-neutral model: PostgreSQL's bare (the PostgreSQL dialect renders
/// them, SQLite's refuses them by name), SQLite's not at all. On a model of
/// an engine: in an `op.on(engine, …)` block (a block for the other engine
/// is one the model and the dialect skip), and PostgreSQL's now and then
/// bare on a PostgreSQL model.
fn only_on(c: &mut Choices, schema: &Schema, engine: Engine, ops: Ops) -> Option<Op> {
    let mut ops = ops.into_ops();
    match schema.engine() {
        None if engine == Engine::Postgres && ops.len() == 1 => ops.pop(),
        None => None,
        Some(Engine::Postgres) if engine == Engine::Postgres && ops.len() == 1 && c.one_in(3) => {
            ops.pop()
        }
        Some(_) => Some(Op::OnEngine(OnEngine::new(engine, ops))),
    }
}

/// The identity of a single-column key added (now and then with its
/// sequence's options), changed or dropped (SQLite's rowid either way).
fn identity_op(
    c: &mut Choices,
    table: QualifiedName,
    column: &migrator_core::ops::ColumnDef,
) -> Option<Op> {
    let mut op = Ops::new();
    let alter = op.alter_column(table, column.name.clone());
    match column.identity {
        Some(Identity::ByDefault) if c.one_in(2) => {
            alter.set_generated(Identity::Always);
        }
        Some(_) if c.one_in(3) => {
            let mut change = SequenceChange::new().increment([2, 5][c.below(2)]);
            if c.one_in(2) {
                change = change.max_value(1_000_000).cycle();
            }
            if c.one_in(3) {
                change = change.restart_with(100);
            }
            alter.set_identity_options(change);
        }
        Some(_) => {
            alter.drop_identity();
        }
        None if c.one_in(2) => {
            let mut options = SequenceOptions::new().start([100, 1][c.below(2)]);
            if c.one_in(2) {
                options = options.increment(3).cache(10);
            }
            if c.one_in(3) {
                options = options.max_value(1_000_000).cycle();
            }
            alter.add_identity_with(Identity::ByDefault, options);
        }
        None => {
            alter.add_identity(Identity::ByDefault);
        }
    }
    op.into_ops().pop()
}

/// A sequence of its own created (with options), altered, renamed or
/// dropped, or a column whose default draws from one (PostgreSQL only).
fn sequence_ops(c: &mut Choices, schema: &Schema) -> Option<Ops> {
    let mut op = Ops::new();
    let sequences: Vec<QualifiedName> = schema.sequences().map(|s| s.name.clone()).collect();
    match (c.below(5), c.pick(&sequences).cloned()) {
        (1, Some(name)) => {
            let alter = op.alter_sequence(name);
            for _ in 0..=c.below(2) {
                match c.below(7) {
                    0 => {
                        alter.increment([2, -1, 10][c.below(3)]);
                    }
                    1 => {
                        alter.start([1, 50][c.below(2)]);
                    }
                    2 => {
                        alter.max_value([1000, 1_000_000][c.below(2)]);
                    }
                    3 => {
                        alter.min_value([-10, 1][c.below(2)]);
                    }
                    4 if c.one_in(2) => {
                        alter.cycle();
                    }
                    4 => {
                        alter.no_cycle();
                    }
                    5 => {
                        alter.cache([1, 20][c.below(2)]);
                    }
                    _ => {
                        alter.as_type([T::SmallInt, T::Integer, T::BigInt][c.below(3)].clone());
                    }
                }
            }
            if c.one_in(4) {
                alter.restart([1, 100][c.below(2)]);
            }
            match owner(c, schema) {
                Some((table, column)) if c.one_in(4) => {
                    alter.owned_by(table, column);
                }
                _ if c.one_in(6) => {
                    alter.owned_by_none();
                }
                _ => {}
            }
        }
        (2, Some(name)) => {
            op.drop_sequence(name);
        }
        (3, Some(name)) => {
            op.rename_sequence(name, c.pick(SEQUENCES)?.to_string());
        }
        (4, Some(name)) => {
            // A column drawing from it: the sequence cannot be dropped
            // while the default names it.
            let table = c.pick(&tables(schema))?.clone();
            use migrator_core::ops::ColumnOptions;
            op.add_column::<i64>(table, c.pick(COLUMNS)?.to_string())
                .default_sql(format!(
                    "nextval({}::regclass)",
                    quote_literal(&name.to_sql())
                ));
        }
        _ => {
            let seq = op.create_sequence(name_in(c, schema, SEQUENCES));
            if c.one_in(2) {
                seq.as_type([T::SmallInt, T::Integer][c.below(2)].clone());
            }
            if c.one_in(2) {
                seq.start([1, 1000][c.below(2)]);
            }
            if c.one_in(3) {
                seq.increment([5, -1][c.below(2)]);
            }
            if c.one_in(4) {
                seq.cycle();
            }
            if c.one_in(4) {
                seq.cache(10);
            }
            if c.one_in(4) {
                seq.max_value(30000);
            }
            if let Some((table, column)) = owner(c, schema).filter(|_| c.one_in(4)) {
                seq.owned_by(table, column);
            }
        }
    }
    Some(op)
}

/// A column a sequence could be owned by.
fn owner(c: &mut Choices, schema: &Schema) -> Option<(QualifiedName, String)> {
    let table = c.pick(&tables(schema))?.clone();
    let column = c.pick(&schema.table(&table)?.columns)?.name.clone();
    Some((table, column))
}

/// An exclusion constraint over one or two columns of `def` that b-tree
/// compares with `=` (no extension needed), now and then partial
/// (PostgreSQL only).
fn exclusion_ops(c: &mut Choices, def: &TableDef) -> Option<Ops> {
    let comparable: Vec<&str> = def
        .columns
        .iter()
        .filter(|col| {
            matches!(
                col.ty.storage(),
                T::BigInt | T::Integer | T::SmallInt | T::Text | T::Varchar(_)
            ) && col.generated.is_none()
        })
        .map(|col| col.name.as_str())
        .collect();
    let first = *c.pick(&comparable)?;
    let mut elements = vec![(first, "=")];
    if let Some(second) = c.pick(&comparable).filter(|s| **s != first) {
        elements.push((second, "="));
    }
    let mut op = Ops::new();
    let exclusion = op
        .add_exclusion(def.name.clone(), elements)
        .using(IndexMethod::BTree);
    if c.one_in(3) {
        exclusion.where_sql(format!("{} IS NOT NULL", quote_ident(first)));
    }
    Some(op)
}

/// A function created (a trigger function, an SQL one of an argument, a
/// plpgsql one whose body quotes), replaced, or dropped (PostgreSQL only).
fn function_ops(c: &mut Choices, schema: &Schema) -> Option<Ops> {
    let mut op = Ops::new();
    let existing: Vec<QualifiedName> = schema.functions().map(|f| f.name.clone()).collect();
    if c.one_in(3) {
        op.drop_function(c.pick(&existing)?.clone());
        return Some(op);
    }
    let name = name_in(c, schema, FUNCTIONS);
    let replaces = schema.function(&name).is_some();
    let f = match c.below(3) {
        0 => op.create_function(name, "trigger", "BEGIN RETURN NEW; END;"),
        1 => {
            let f = op.create_function(name, "integer", "SELECT $1 + 1");
            f.language("sql")
                .arg("n", "integer")
                .volatility(Volatility::Immutable);
            if c.one_in(2) {
                f.strict();
            }
            f
        }
        _ => {
            let f =
                op.create_function(name, "text", "BEGIN RETURN 'it''s $$' || now()::date; END;");
            f.volatility(Volatility::Stable);
            f
        }
    };
    if replaces {
        f.or_replace();
    }
    if c.one_in(5) {
        f.security_definer();
    }
    Some(op)
}

/// A trigger dropped, or created on a table: on PostgreSQL one that runs a
/// trigger function (created with it in one block when there is none yet),
/// on SQLite one that runs statements.
fn trigger_op(c: &mut Choices, schema: &Schema) -> Option<Op> {
    let mut op = Ops::new();
    let existing: Vec<(QualifiedName, String)> = schema
        .triggers()
        .map(|t| (t.table.clone(), t.name.clone()))
        .collect();
    if c.one_in(3) {
        let (table, name) = c.pick(&existing)?.clone();
        op.drop_trigger(table, name);
        return op.into_ops().pop();
    }
    let table = c.pick(&tables(schema))?.clone();
    let columns: Vec<String> = schema
        .table(&table)?
        .columns
        .iter()
        .map(|k| k.name.clone())
        .collect();
    let name = c.pick(TRIGGERS)?.to_string();
    let timing = [TriggerTiming::Before, TriggerTiming::After][c.below(2)];
    if c.one_in(3) {
        let event = [
            TriggerEvent::Insert,
            TriggerEvent::UPDATE,
            TriggerEvent::Delete,
        ][c.below(3)]
        .clone();
        let trigger = op.create_sqlite_trigger(table, name, timing, event, "SELECT 1;");
        if c.one_in(3) {
            trigger.when_sql("1 = 1");
        }
        return only_on(c, schema, Engine::Sqlite, op);
    }
    let functions: Vec<QualifiedName> = schema
        .functions()
        .filter(|f| f.returns.eq_ignore_ascii_case("trigger"))
        .map(|f| f.name.clone())
        .collect();
    let function = match c.pick(&functions) {
        Some(f) => f.clone(),
        None => {
            let f = name_in(c, schema, FUNCTIONS);
            op.create_function(f.clone(), "trigger", "BEGIN RETURN NEW; END;");
            f
        }
    };
    let row = c.one_in(2);
    let mut events: Vec<TriggerEvent> = Vec::new();
    for _ in 0..=c.below(3) {
        let event = match c.below(4) {
            0 => TriggerEvent::Insert,
            1 if c.one_in(2) => TriggerEvent::UPDATE,
            1 => TriggerEvent::update_of([c.pick(&columns)?.clone()]),
            2 => TriggerEvent::Delete,
            _ if !row => TriggerEvent::Truncate,
            _ => TriggerEvent::Delete,
        };
        let same_kind = events
            .iter()
            .any(|e| std::mem::discriminant(e) == std::mem::discriminant(&event));
        if !same_kind {
            events.push(event);
        }
    }
    let reads_new = events
        .iter()
        .all(|e| matches!(e, TriggerEvent::Insert | TriggerEvent::Update(_)));
    let when = if row && reads_new && c.one_in(3) {
        Some(format!(
            "NEW.{} IS NOT NULL",
            quote_ident(c.pick(&columns)?)
        ))
    } else {
        None
    };
    let trigger = op.create_trigger(table, name, timing, events, function);
    if row {
        trigger.for_each_row();
    }
    if let Some(when) = when {
        trigger.when_sql(when);
    }
    if c.one_in(4) {
        trigger.args(["a", "it's"]);
    }
    only_on(c, schema, Engine::Postgres, op)
}

/// A text column's collation set (PostgreSQL's `C` and `POSIX`; SQLite's
/// `NOCASE` and `RTRIM`, in a block for SQLite) or reset.
fn collation_op(
    c: &mut Choices,
    schema: &Schema,
    table: QualifiedName,
    column: &migrator_core::ops::ColumnDef,
) -> Option<Op> {
    if !matches!(column.ty, T::Text | T::Varchar(_) | T::Char(_)) {
        return None;
    }
    let mut op = Ops::new();
    let alter = op.alter_column(table, column.name.clone());
    if column.collation.is_some() && c.one_in(2) {
        alter.reset_collation();
        return op.into_ops().pop();
    }
    if c.one_in(3) {
        alter.set_collation(["NOCASE", "RTRIM"][c.below(2)]);
        only_on(c, schema, Engine::Sqlite, op)
    } else {
        alter.set_collation(["C", "POSIX"][c.below(2)]);
        only_on(c, schema, Engine::Postgres, op)
    }
}

/// An existing unique index made its table's unique key or primary key,
/// now and then under a name of its own.
fn key_using_index_op(c: &mut Choices, schema: &Schema) -> Option<Op> {
    let candidates: Vec<(QualifiedName, String, bool)> = schema
        .indexes()
        .filter(|i| {
            i.unique
                && i.method == IndexMethod::BTree
                && i.plain_keys()
                && i.predicate.is_none()
                && i.include.is_empty()
                && !i.nulls_not_distinct
                && i.with.is_empty()
        })
        .map(|i| {
            // The primary key where the table has none and the columns
            // are NOT NULL.
            let keyable = schema.table(&i.table).is_some_and(|t| {
                t.primary_key_constraint().is_none()
                    && i.key_columns()
                        .all(|k| t.find_column(k).is_some_and(|col| !col.nullable))
            });
            (i.table.clone(), i.name.clone(), keyable)
        })
        .collect();
    let (table, index, keyable) = c.pick(&candidates)?.clone();
    let mut op = Ops::new();
    let key = if keyable && c.one_in(2) {
        op.add_primary_key_using_index(table, index)
    } else {
        op.add_unique_using_index(table, index)
    };
    if c.one_in(3) {
        key.named(c.pick(COLUMNS)?.to_string());
    }
    op.into_ops().pop()
}

/// Rows for the tables of `schema`, as `bulk_insert` ops (which have no
/// inverse, so [`random_ops`] does not draw them), then one `TRUNCATE` of
/// the tables in a block for PostgreSQL, so the ops after meet empty tables
/// as the model assumes: on the server, each column type's literals are
/// rendered as PostgreSQL reads them. A table gets one row when a key or
/// unique index could meet a second, two otherwise; one it cannot fill
/// (a foreign key that cannot be NULL, a check beside one) is left empty.
pub fn random_rows(stream: &[u32], schema: &Schema) -> Vec<Op> {
    let mut c = Choices::new(stream);
    let mut op = Ops::new();
    let mut filled = Vec::new();
    for table in schema.tables() {
        let Some(rows) = table_rows(&mut c, schema, table) else {
            continue;
        };
        let (columns, rows): (Vec<String>, Vec<Vec<Literal>>) = rows;
        op.bulk_insert(table.name.clone(), columns, rows);
        filled.push(table.name.clone());
    }
    if !filled.is_empty() {
        // Every table at once: one that references a filled one too.
        let all: Vec<String> = schema.tables().map(|t| t.name.to_sql()).collect();
        let truncate = format!("TRUNCATE {}", all.join(", "));
        op.on(Engine::Postgres, |op| {
            op.execute(truncate);
        });
    }
    op.into_ops()
}

/// The columns a row of `table` gives and one or two rows of values.
fn table_rows(
    c: &mut Choices,
    schema: &Schema,
    table: &TableDef,
) -> Option<(Vec<String>, Vec<Vec<Literal>>)> {
    let foreign: Vec<&str> = table
        .constraints
        .iter()
        .filter(|k| matches!(k, Constraint::ForeignKey(_)))
        .flat_map(|k| k.columns().iter().map(String::as_str))
        .collect();
    let checked = table
        .constraints
        .iter()
        .any(|k| matches!(k, Constraint::Check(_)));
    let keyed = table.constraints.iter().any(|k| {
        matches!(
            k,
            Constraint::PrimaryKey(_) | Constraint::Unique(_) | Constraint::Exclusion(_)
        )
    }) || schema
        .indexes()
        .any(|i| i.unique && i.table.key() == table.name.key());
    let mut columns = Vec::new();
    let mut rows: Vec<Vec<Literal>> = vec![Vec::new(); if keyed { 1 } else { 2 }];
    for column in &table.columns {
        if column.generated.is_some() || column.identity.is_some() || column.ty.is_serial() {
            continue;
        }
        columns.push(column.name.clone());
        for row in &mut rows {
            let value = if foreign.contains(&column.name.as_str()) {
                (column.nullable && !checked).then_some(Literal::Null)?
            } else {
                match default_for(c, schema, &column.ty) {
                    Some(value) => value,
                    // (A check may require the column, as "ck" does.)
                    None if column.nullable && !checked => Literal::Null,
                    None => return None,
                }
            };
            row.push(value);
        }
    }
    (!columns.is_empty()).then_some((columns, rows))
}

/// Up to `count` ops, each valid against the schema the ones before it
/// produce from `start`; proposals the model refuses are skipped.
pub fn random_ops(stream: &[u32], count: usize, start: &Schema) -> Vec<Op> {
    let mut c = Choices::new(stream);
    let mut schema = start.clone();
    let mut ops = Vec::new();
    for _ in 0..count * 4 {
        if ops.len() == count {
            break;
        }
        if let Some(op) = propose(&mut c, &schema)
            && schema.apply(&op).is_ok()
        {
            ops.push(op);
        }
    }
    ops
}
