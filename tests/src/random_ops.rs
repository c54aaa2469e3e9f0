//! Random sequences of reversible ops, drawn from a stream of choices so that
//! proptest can generate and shrink them. Each proposal is built from the
//! current model (existing tables, columns, types) and kept only if the model
//! accepts it; names come from pools of hostile identifiers. Extensions
//! (`citext`, `hstore`), plain views (created over some columns of an
//! existing table, renamed, dropped), stored generated columns and
//! identity added to, changed on or dropped from a single-column key are
//! drawn too; blocks for one engine, materialized views and `bulk_insert`
//! are not (they have tests of their own).

use migrator_core::ident::QualifiedName;
use migrator_core::ops::{
    Constraint, IndexKey, IndexMethod, Op, OpBuilder, Ops, RefAction, TableDef,
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
    let name = c.pick(TABLES).expect("non-empty pool").to_string();
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
    match c.below(18) {
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
                def.column::<i64>("pk").identity().primary_key();
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
            if sole_key && c.one_in(4) {
                let alter = op.alter_column(table?, column.name.clone());
                match column.identity {
                    Some(Identity::ByDefault) if c.one_in(2) => {
                        alter.set_generated(Identity::Always);
                    }
                    Some(_) => {
                        alter.drop_identity();
                    }
                    None => {
                        alter.add_identity(Identity::ByDefault);
                    }
                }
                return op.into_ops().pop();
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
            }
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
                    op.add_unique(table, [column.name]);
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
                    let fk = op.add_foreign_key(table, [column.name], target, [ref_col]);
                    if not_valid {
                        fk.not_valid();
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
            let views: Vec<QualifiedName> = schema.views().map(|v| v.name.clone()).collect();
            match (c.below(4), c.pick(&views)) {
                (1, Some(name)) => {
                    op.drop_view(name.clone());
                }
                (2, Some(name)) => {
                    op.rename_view(name.clone(), c.pick(VIEWS)?.to_string());
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
                    op.create_view(
                        view,
                        format!("SELECT {} FROM {}", columns.join(", "), table.to_sql()),
                    );
                }
            }
        }
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
