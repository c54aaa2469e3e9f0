//! The Rust source that records ops: the body of a revision's `upgrade`
//! (or `downgrade`) written with the builder, as an author would write it.
//! Autogenerate writes what [`diff`](crate::schema::diff) computes through
//! this; replaying the source gives the same ops back.
//!
//! ```
//! use migrator_core::prelude::*;
//! use migrator_core::ops::rust_source;
//!
//! let mut op = Ops::new();
//! op.create_table("fees", |t| {
//!     t.column::<i64>("id").identity().primary_key();
//!     t.column::<Option<String>>("note").comment("free text");
//! });
//! op.create_index("fees", ["note"]).unique();
//! assert_eq!(
//!     rust_source(op.ops()).unwrap(),
//!     r#"op.create_table("fees", |t| {
//!     t.column_as("id", ColumnType::BigInt).identity();
//!     t.column_as("note", ColumnType::Text).nullable().comment("free text");
//!     t.primary_key(["id"]);
//! });
//! op.create_index("fees", ["note"]).unique();
//! "#
//! );
//! ```

use std::fmt::Write;

use super::naming;
use super::{
    Check, Constraint, EnumPosition, Exclusion, ForeignKey, IndexDef, IndexKey, IndexMethod,
    KeyExpr, Nulls, Op, PrimaryKey, RefAction, Unique, Using,
};
use super::{FunctionDef, TriggerAction, TriggerDef, TriggerEvent, TriggerTiming, Volatility};
use crate::ident::QualifiedName;
use crate::types::{ColumnType, DefaultValue, Identity, Literal};

/// An op the builder cannot write as source: a Rust data step (a function
/// value has no source to print).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} cannot be written as source: a Rust data step is code, write it by hand")]
pub struct NoSource(pub String);

/// The builder calls that record `ops`, one statement per op (a table's
/// columns and constraints inside its `create_table` closure), each line
/// ending in a newline, for a function whose builder is named `op`.
pub fn rust_source(ops: &[Op]) -> Result<String, NoSource> {
    let mut out = String::new();
    for o in ops {
        out.push_str(&statement(o)?);
        out.push_str(";\n");
    }
    Ok(out)
}

fn s(text: &str) -> String {
    format!("{text:?}")
}

pub(crate) fn qname(name: &QualifiedName) -> String {
    match &name.schema {
        None => s(&name.name),
        Some(schema) => format!("({}, {})", s(schema), s(&name.name)),
    }
}

fn list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| s(i)).collect();
    format!("[{}]", items.join(", "))
}

fn column_type(ty: &ColumnType) -> String {
    use ColumnType::*;
    match ty {
        SmallInt => "ColumnType::SmallInt".into(),
        Integer => "ColumnType::Integer".into(),
        BigInt => "ColumnType::BigInt".into(),
        SmallSerial => "ColumnType::SmallSerial".into(),
        Serial => "ColumnType::Serial".into(),
        BigSerial => "ColumnType::BigSerial".into(),
        Boolean => "ColumnType::Boolean".into(),
        Text => "ColumnType::Text".into(),
        Varchar(Some(n)) => format!("ColumnType::varchar({n})"),
        Varchar(None) => "ColumnType::Varchar(None)".into(),
        Char(n) => format!("ColumnType::char({n})"),
        Numeric(Some((p, sc))) => format!("ColumnType::numeric({p}, {sc})"),
        Numeric(None) => "ColumnType::Numeric(None)".into(),
        Real => "ColumnType::Real".into(),
        Double => "ColumnType::Double".into(),
        Date => "ColumnType::Date".into(),
        Time => "ColumnType::Time".into(),
        Timestamp => "ColumnType::Timestamp".into(),
        TimestampTz => "ColumnType::TimestampTz".into(),
        Interval => "ColumnType::Interval".into(),
        Uuid => "ColumnType::Uuid".into(),
        Json => "ColumnType::Json".into(),
        Jsonb => "ColumnType::Jsonb".into(),
        Bytea => "ColumnType::Bytea".into(),
        Inet => "ColumnType::Inet".into(),
        Array(element) => format!("ColumnType::array({})", column_type(element)),
        Enum(name) => format!("ColumnType::enumeration({})", qname(name)),
        Custom(sql) => format!("ColumnType::custom({})", s(sql)),
    }
}

fn literal(value: &Literal) -> String {
    match value {
        Literal::Str(text) => s(text),
        Literal::Int(i) => format!("{i}_i64"),
        Literal::Float(f) if f.is_nan() => "f64::NAN".into(),
        Literal::Float(f) if f.is_infinite() && *f > 0.0 => "f64::INFINITY".into(),
        Literal::Float(f) if f.is_infinite() => "f64::NEG_INFINITY".into(),
        Literal::Float(f) => format!("{f:?}_f64"),
        Literal::Bool(b) => b.to_string(),
        Literal::Null => "Literal::Null".into(),
    }
}

fn action(a: RefAction) -> &'static str {
    match a {
        RefAction::NoAction => "RefAction::NoAction",
        RefAction::Restrict => "RefAction::Restrict",
        RefAction::Cascade => "RefAction::Cascade",
        RefAction::SetNull => "RefAction::SetNull",
        RefAction::SetDefault => "RefAction::SetDefault",
    }
}

fn method(m: IndexMethod) -> &'static str {
    match m {
        IndexMethod::BTree => "IndexMethod::BTree",
        IndexMethod::Hash => "IndexMethod::Hash",
        IndexMethod::Gin => "IndexMethod::Gin",
        IndexMethod::Gist => "IndexMethod::Gist",
        IndexMethod::SpGist => "IndexMethod::SpGist",
        IndexMethod::Brin => "IndexMethod::Brin",
    }
}

/// `.named(…)` when `name` is not the default one.
fn named(name: &str, default: &str) -> String {
    if name == default {
        String::new()
    } else {
        format!(".named({})", s(name))
    }
}

/// The chained options of a column: nullability, default, identity, comment.
fn column_options(c: &super::ColumnDef) -> String {
    let mut out = String::new();
    if c.nullable {
        out.push_str(".nullable()");
    }
    match &c.default {
        Some(DefaultValue::Literal(l)) => write!(out, ".default({})", literal(l)).unwrap(),
        Some(DefaultValue::Expr(e)) => write!(out, ".default_sql({})", s(e)).unwrap(),
        None => {}
    }
    match c.identity {
        Some(Identity::ByDefault) => out.push_str(".identity()"),
        Some(Identity::Always) => out.push_str(".identity_always()"),
        None => {}
    }
    out.push_str(&sequence_calls(&c.identity_options));
    if let Some(expr) = &c.generated {
        write!(out, ".generated_sql({})", s(expr)).unwrap();
    }
    if let Some(name) = &c.collation {
        write!(out, ".collate({})", s(name)).unwrap();
    }
    if let Some(comment) = &c.comment {
        write!(out, ".comment({})", s(comment)).unwrap();
    }
    out
}

/// The chained calls that set `options`: `.start(1000).increment(10)`.
fn sequence_calls(options: &super::SequenceOptions) -> String {
    let mut out = String::new();
    for (call, value) in [
        ("start", options.start),
        ("increment", options.increment),
        ("min_value", options.min_value),
        ("max_value", options.max_value),
    ] {
        if let Some(n) = value {
            write!(out, ".{call}({n})").unwrap();
        }
    }
    if options.cycle {
        out.push_str(".cycle()");
    }
    if let Some(n) = options.cache {
        write!(out, ".cache({n})").unwrap();
    }
    out
}

/// The chained calls that make `change`: `.increment(10).restart_with(5)`.
fn sequence_change_calls(change: &super::SequenceChange) -> String {
    let mut out = String::new();
    for (call, value) in [
        ("increment", change.increment),
        ("start", change.start),
        ("min_value", change.min_value),
        ("max_value", change.max_value),
        ("cache", change.cache),
    ] {
        if let Some(n) = value {
            write!(out, ".{call}({n})").unwrap();
        }
    }
    match change.cycle {
        Some(true) => out.push_str(".cycle()"),
        Some(false) => out.push_str(".no_cycle()"),
        None => {}
    }
    match change.restart {
        Some(Some(n)) => write!(out, ".restart_with({n})").unwrap(),
        Some(None) => out.push_str(".restart()"),
        None => {}
    }
    out
}

fn identity(kind: Identity) -> &'static str {
    match kind {
        Identity::Always => "Identity::Always",
        Identity::ByDefault => "Identity::ByDefault",
    }
}

fn foreign_key_options(fk: &ForeignKey, default: &str) -> String {
    let mut out = named(&fk.name, default);
    if fk.on_delete != RefAction::NoAction {
        write!(out, ".on_delete({})", action(fk.on_delete)).unwrap();
    }
    if fk.on_update != RefAction::NoAction {
        write!(out, ".on_update({})", action(fk.on_update)).unwrap();
    }
    if fk.not_valid {
        out.push_str(".not_valid()");
    }
    out.push_str(deferral(fk.deferrable));
    out
}

fn deferral(deferrable: Option<crate::ops::Deferral>) -> &'static str {
    match deferrable {
        Some(crate::ops::Deferral::Immediate) => ".deferrable()",
        Some(crate::ops::Deferral::Deferred) => ".initially_deferred()",
        None => "",
    }
}

/// A constraint of `table`: inside `create_table`'s closure (`t.check(…)`)
/// or, when `standalone`, as an op of its own (`op.add_check(table, …)`).
fn constraint(table: &QualifiedName, c: &Constraint, standalone: bool) -> String {
    // `t.unique(` or `op.add_unique("fees", `.
    let call = |table_form: &str, op_form: &str| {
        if standalone {
            format!("op.{op_form}({}, ", qname(table))
        } else {
            format!("t.{table_form}(")
        }
    };
    match c {
        Constraint::PrimaryKey(PrimaryKey {
            name,
            columns,
            deferrable,
        }) => format!(
            "{}{}){}{}",
            call("primary_key", "add_primary_key"),
            list(columns),
            named(name, &PrimaryKey::new(table, columns.clone()).name),
            deferral(*deferrable)
        ),
        Constraint::Unique(Unique {
            name,
            columns,
            deferrable,
        }) => format!(
            "{}{}){}{}",
            call("unique", "add_unique"),
            list(columns),
            named(name, &Unique::new(table, columns.clone()).name),
            deferral(*deferrable)
        ),
        Constraint::Check(Check {
            name,
            expr,
            not_valid,
        }) => {
            // Under a naming convention, the name it makes this one of.
            let given = naming::given_check_name(table, name).unwrap_or_else(|| name.clone());
            format!(
                "{}{}, {}){}{}",
                call("check", "add_check"),
                s(&given),
                s(expr),
                named(name, &Check::new(table, &given, expr).name),
                if *not_valid { ".not_valid()" } else { "" }
            )
        }
        Constraint::Exclusion(x) => exclusion(call("exclude", "add_exclusion"), &table.name, x),
        Constraint::ForeignKey(fk) => {
            let default = ForeignKey::new(
                table,
                fk.columns.clone(),
                fk.ref_table.clone(),
                fk.ref_columns.clone(),
            )
            .name;
            format!(
                "{}{}, {}, {}){}",
                call("foreign_key", "add_foreign_key"),
                list(&fk.columns),
                qname(&fk.ref_table),
                list(&fk.ref_columns),
                foreign_key_options(fk, &default)
            )
        }
    }
}

fn create_index(index: &IndexDef, concurrently: bool, if_not_exists: bool) -> String {
    let mut out = format!(
        "op.create_index({}, {}){}",
        qname(&index.table),
        keys(&index.keys),
        named(
            &index.name,
            &IndexDef::new(index.table.clone(), index.keys.clone()).name
        )
    );
    if index.unique {
        out.push_str(".unique()");
    }
    if index.method != IndexMethod::BTree {
        write!(out, ".using({})", method(index.method)).unwrap();
    }
    if let Some(p) = &index.predicate {
        write!(out, ".where_sql({})", s(p)).unwrap();
    }
    if !index.include.is_empty() {
        write!(out, ".include({})", list(&index.include)).unwrap();
    }
    if index.nulls_not_distinct {
        out.push_str(".nulls_not_distinct()");
    }
    for (name, value) in &index.with {
        write!(out, ".with({}, {})", s(name), s(value)).unwrap();
    }
    if concurrently {
        out.push_str(".concurrently()");
    }
    if if_not_exists {
        out.push_str(".if_not_exists()");
    }
    out
}

/// An index's keys: a list of names when all are bare columns, else a
/// list of `IndexKey` values.
fn keys(keys: &[IndexKey]) -> String {
    if keys.iter().all(IndexKey::is_plain_column) {
        let names: Vec<String> = keys
            .iter()
            .filter_map(IndexKey::column_name)
            .map(str::to_owned)
            .collect();
        return list(&names);
    }
    let items: Vec<String> = keys.iter().map(key).collect();
    format!("[{}]", items.join(", "))
}

/// One key as an `IndexKey` value.
fn key(k: &IndexKey) -> String {
    let mut out = match &k.expr {
        KeyExpr::Column(c) => format!("IndexKey::column({})", s(c)),
        KeyExpr::Expression(e) => format!("IndexKey::expr({})", s(e)),
    };
    if let Some(c) = &k.collation {
        write!(out, ".collate({})", s(c)).unwrap();
    }
    if let Some(c) = &k.opclass {
        write!(out, ".opclass({})", s(c)).unwrap();
    }
    if k.descending {
        out.push_str(".desc()");
    }
    match k.nulls {
        Some(Nulls::First) => out.push_str(".nulls_first()"),
        Some(Nulls::Last) => out.push_str(".nulls_last()"),
        None => {}
    }
    out
}

/// An exclusion constraint's call: `t.exclude([("room", "="), …])` or
/// `op.add_exclusion(table, …)` (`head`), then its options.
fn exclusion(head: String, table: &str, x: &Exclusion) -> String {
    let plain = x.elements.iter().all(|e| e.key.is_plain_column());
    let elements: Vec<String> = x
        .elements
        .iter()
        .map(|e| {
            let k = match e.key.column_name() {
                Some(c) if plain => s(c),
                _ => key(&e.key),
            };
            format!("({k}, {})", s(&e.operator))
        })
        .collect();
    let mut out = format!("{head}[{}])", elements.join(", "));
    if x.method != IndexMethod::Gist {
        write!(out, ".using({})", method(x.method)).unwrap();
    }
    if !x.include.is_empty() {
        write!(out, ".include({})", list(&x.include)).unwrap();
    }
    for (name, value) in &x.with {
        write!(out, ".with({}, {})", s(name), s(value)).unwrap();
    }
    if let Some(p) = &x.predicate {
        write!(out, ".where_sql({})", s(p)).unwrap();
    }
    let mut default = Exclusion::new(table, x.elements.clone());
    default.include(x.include.clone());
    out.push_str(&named(&x.name, &default.name));
    out.push_str(deferral(x.deferrable));
    out
}

fn create_function(f: &FunctionDef, or_replace: bool) -> String {
    let mut out = format!(
        "op.create_function({}, {}, {})",
        qname(&f.name),
        s(&f.returns),
        s(&f.body)
    );
    for arg in &f.args {
        match &arg.name {
            Some(name) => write!(out, ".arg({}, {})", s(name), s(&arg.ty)).unwrap(),
            None => write!(out, ".arg(\"\", {})", s(&arg.ty)).unwrap(),
        }
    }
    if f.language != "plpgsql" {
        write!(out, ".language({})", s(&f.language)).unwrap();
    }
    match f.volatility {
        Volatility::Volatile => {}
        Volatility::Stable => out.push_str(".volatility(Volatility::Stable)"),
        Volatility::Immutable => out.push_str(".volatility(Volatility::Immutable)"),
    }
    if f.strict {
        out.push_str(".strict()");
    }
    if f.security_definer {
        out.push_str(".security_definer()");
    }
    if or_replace {
        out.push_str(".or_replace()");
    }
    out
}

fn create_trigger(t: &TriggerDef) -> String {
    let timing = match t.timing {
        TriggerTiming::Before => "TriggerTiming::Before",
        TriggerTiming::After => "TriggerTiming::After",
        TriggerTiming::InsteadOf => "TriggerTiming::InsteadOf",
    };
    let event = |e: &TriggerEvent| match e {
        TriggerEvent::Insert => "TriggerEvent::Insert".to_owned(),
        TriggerEvent::Update(c) if c.is_empty() => "TriggerEvent::UPDATE".to_owned(),
        TriggerEvent::Update(c) => format!("TriggerEvent::update_of({})", list(c)),
        TriggerEvent::Delete => "TriggerEvent::Delete".to_owned(),
        TriggerEvent::Truncate => "TriggerEvent::Truncate".to_owned(),
    };
    let mut out = match &t.action {
        TriggerAction::Function { name, args } => {
            let events: Vec<String> = t.events.iter().map(event).collect();
            let mut out = format!(
                "op.create_trigger({}, {}, {timing}, [{}], {})",
                qname(&t.table),
                s(&t.name),
                events.join(", "),
                qname(name)
            );
            if t.for_each_row {
                out.push_str(".for_each_row()");
            }
            if !args.is_empty() {
                write!(out, ".args({})", list(args)).unwrap();
            }
            out
        }
        TriggerAction::Statements(body) => format!(
            "op.create_sqlite_trigger({}, {}, {timing}, {}, {})",
            qname(&t.table),
            s(&t.name),
            t.events.first().map(event).unwrap_or_default(),
            s(body)
        ),
    };
    if let Some(when) = &t.when {
        write!(out, ".when_sql({})", s(when)).unwrap();
    }
    out
}

fn statement(o: &Op) -> Result<String, NoSource> {
    Ok(match o {
        Op::CreateSchema(c) => format!(
            "op.create_schema({}){}",
            s(&c.name),
            if c.if_not_exists {
                ".if_not_exists()"
            } else {
                ""
            }
        ),
        Op::DropSchema(d) => format!("op.drop_schema({})", s(&d.name)),
        Op::CreateTable(c) => {
            let t = &c.table;
            let mut body = String::new();
            for col in &t.columns {
                writeln!(
                    body,
                    "    t.column_as({}, {}){};",
                    s(&col.name),
                    column_type(&col.ty),
                    column_options(col)
                )
                .unwrap();
            }
            for k in &t.constraints {
                writeln!(body, "    {};", constraint(&t.name, k, false)).unwrap();
            }
            if let Some(comment) = &t.comment {
                writeln!(body, "    t.comment({});", s(comment)).unwrap();
            }
            format!(
                "op.create_table({}, |t| {{\n{body}}}){}",
                qname(&t.name),
                if c.if_not_exists {
                    ".if_not_exists()"
                } else {
                    ""
                }
            )
        }
        Op::DropTable(d) => format!("op.drop_table({})", qname(&d.name)),
        Op::RenameTable(r) => format!("op.rename_table({}, {})", qname(&r.name), s(&r.to)),
        Op::CreateView(c) => {
            let v = &c.view;
            let verb = if v.materialized {
                "create_materialized_view"
            } else {
                "create_view"
            };
            let mut out = format!("op.{verb}({}, {})", qname(&v.name), s(&v.sql));
            if c.or_replace {
                out.push_str(".or_replace()");
            }
            if c.with_no_data {
                out.push_str(".with_no_data()");
            }
            out
        }
        Op::DropView(d) if d.materialized => {
            format!("op.drop_materialized_view({})", qname(&d.name))
        }
        Op::DropView(d) => format!("op.drop_view({})", qname(&d.name)),
        Op::RenameView(r) => format!(
            "op.rename_{}view({}, {})",
            if r.materialized { "materialized_" } else { "" },
            qname(&r.name),
            s(&r.to)
        ),
        Op::RefreshMaterializedView(r) => format!(
            "op.refresh_materialized_view({}){}",
            qname(&r.name),
            if r.concurrently {
                ".concurrently()"
            } else {
                ""
            }
        ),
        Op::SetTableComment(c) => match &c.comment {
            Some(text) => format!("op.set_table_comment({}, {})", qname(&c.table), s(text)),
            None => format!("op.drop_table_comment({})", qname(&c.table)),
        },
        Op::AddColumn(a) => format!(
            "op.add_column_as({}, {}, {}){}",
            qname(&a.table),
            s(&a.column.name),
            column_type(&a.column.ty),
            column_options(&a.column)
        ),
        Op::DropColumn(d) => format!("op.drop_column({}, {})", qname(&d.table), s(&d.column)),
        Op::RenameColumn(r) => format!(
            "op.rename_column({}, {}, {})",
            qname(&r.table),
            s(&r.from),
            s(&r.to)
        ),
        Op::AlterColumn(a) => {
            let mut out = format!("op.alter_column({}, {})", qname(&a.table), s(&a.column));
            if let Some(change) = &a.ty {
                match &change.using {
                    None => write!(out, ".set_type({})", column_type(&change.ty)),
                    Some(Using::CastColumn) => write!(
                        out,
                        ".set_type_using({}, Using::CastColumn)",
                        column_type(&change.ty)
                    ),
                    Some(Using::Sql(sql)) => write!(
                        out,
                        ".set_type_using({}, {})",
                        column_type(&change.ty),
                        s(sql)
                    ),
                }
                .unwrap();
            }
            if let Some(nullable) = a.nullable {
                write!(out, ".set_nullable({nullable})").unwrap();
            }
            match &a.default {
                Some(Some(DefaultValue::Literal(l))) => {
                    write!(out, ".set_default({})", literal(l)).unwrap()
                }
                Some(Some(DefaultValue::Expr(e))) => {
                    write!(out, ".set_default_sql({})", s(e)).unwrap()
                }
                Some(None) => out.push_str(".drop_default()"),
                None => {}
            }
            match &a.comment {
                Some(Some(text)) => write!(out, ".set_comment({})", s(text)).unwrap(),
                Some(None) => out.push_str(".drop_comment()"),
                None => {}
            }
            match &a.identity {
                Some(super::IdentityChange::Add(kind, options)) if options.is_empty() => {
                    write!(out, ".add_identity({})", identity(*kind)).unwrap()
                }
                Some(super::IdentityChange::Add(kind, options)) => write!(
                    out,
                    ".add_identity_with({}, SequenceOptions::new(){})",
                    identity(*kind),
                    sequence_calls(options)
                )
                .unwrap(),
                Some(super::IdentityChange::SetGenerated(kind)) => {
                    write!(out, ".set_generated({})", identity(*kind)).unwrap()
                }
                Some(super::IdentityChange::Drop) => out.push_str(".drop_identity()"),
                None => {}
            }
            if let Some(change) = &a.identity_options {
                write!(
                    out,
                    ".set_identity_options(SequenceChange::new(){})",
                    sequence_change_calls(change)
                )
                .unwrap();
            }
            match &a.collation {
                Some(Some(name)) => write!(out, ".set_collation({})", s(name)).unwrap(),
                Some(None) => out.push_str(".reset_collation()"),
                None => {}
            }
            if a.drop_expression {
                out.push_str(".drop_expression()");
            }
            out
        }
        Op::CreateIndex(c) => create_index(&c.index, c.concurrently, c.if_not_exists),
        Op::DropIndex(d) => format!(
            "op.drop_index({}){}",
            qname(&d.name),
            if d.concurrently {
                ".concurrently()"
            } else {
                ""
            }
        ),
        Op::AddConstraint(a) => constraint(&a.table, &a.constraint, true),
        Op::DropConstraint(d) => {
            format!("op.drop_constraint({}, {})", qname(&d.table), s(&d.name))
        }
        Op::ValidateConstraint(v) => {
            format!(
                "op.validate_constraint({}, {})",
                qname(&v.table),
                s(&v.name)
            )
        }
        Op::CreateEnum(c) => format!("op.create_enum({}, {})", qname(&c.name), list(&c.values)),
        Op::AddEnumValue(a) => {
            let mut out = format!("op.add_enum_value({}, {})", qname(&a.name), s(&a.value));
            match &a.position {
                Some(EnumPosition::Before(v)) => write!(out, ".before({})", s(v)).unwrap(),
                Some(EnumPosition::After(v)) => write!(out, ".after({})", s(v)).unwrap(),
                None => {}
            }
            if a.if_not_exists {
                out.push_str(".if_not_exists()");
            }
            out
        }
        Op::RenameEnumValue(r) => format!(
            "op.rename_enum_value({}, {}, {})",
            qname(&r.name),
            s(&r.from),
            s(&r.to)
        ),
        Op::DropEnum(d) => format!("op.drop_enum({})", qname(&d.name)),
        Op::Execute(e) => {
            let mut out = format!("op.execute({})", s(&e.sql));
            if let Some(reverse) = &e.reverse {
                write!(out, ".reverse({})", s(reverse)).unwrap();
            }
            if !e.transactional {
                out.push_str(".no_transaction()");
            }
            if !e.declares.is_empty() {
                write!(out, ".declares(|op| {{\n{}}})", rust_source(&e.declares)?).unwrap();
            }
            out
        }
        Op::DataStep(_) => return Err(NoSource(o.describe())),
        Op::AddKeyUsingIndex(k) => {
            let call = match k.kind {
                super::KeyKind::PrimaryKey => "add_primary_key_using_index",
                super::KeyKind::Unique => "add_unique_using_index",
            };
            let mut out = format!("op.{call}({}, {})", qname(&k.table), s(&k.index));
            if let Some(name) = &k.name {
                write!(out, ".named({})", s(name)).unwrap();
            }
            out
        }
        Op::CreateExtension(c) => {
            let mut out = format!("op.create_extension({})", s(&c.name));
            if let Some(schema) = &c.schema {
                write!(out, ".schema({})", s(schema)).unwrap();
            }
            if let Some(version) = &c.version {
                write!(out, ".version({})", s(version)).unwrap();
            }
            if c.if_not_exists {
                out.push_str(".if_not_exists()");
            }
            out
        }
        Op::DropExtension(d) => format!("op.drop_extension({})", s(&d.name)),
        Op::CreateFunction(c) => create_function(&c.function, c.or_replace),
        Op::DropFunction(d) => format!("op.drop_function({})", qname(&d.name)),
        Op::CreateTrigger(c) => create_trigger(&c.trigger),
        Op::DropTrigger(d) => format!("op.drop_trigger({}, {})", qname(&d.table), s(&d.name)),
        Op::CreateSequence(c) => {
            let mut out = format!("op.create_sequence({})", qname(&c.name));
            if let Some(ty) = &c.as_type {
                write!(out, ".as_type({})", column_type(ty)).unwrap();
            }
            out.push_str(&sequence_calls(&c.options));
            if let Some(owner) = &c.owned_by {
                write!(
                    out,
                    ".owned_by({}, {})",
                    qname(&owner.table),
                    s(&owner.column)
                )
                .unwrap();
            }
            out
        }
        Op::AlterSequence(a) => {
            let mut out = format!("op.alter_sequence({})", qname(&a.name));
            if let Some(ty) = &a.as_type {
                write!(out, ".as_type({})", column_type(ty)).unwrap();
            }
            for (call, value) in [
                ("increment", a.increment),
                ("start", a.start),
                ("min_value", a.min_value),
                ("max_value", a.max_value),
                ("cache", a.cache),
                ("restart", a.restart),
            ] {
                if let Some(n) = value {
                    write!(out, ".{call}({n})").unwrap();
                }
            }
            match a.cycle {
                Some(true) => out.push_str(".cycle()"),
                Some(false) => out.push_str(".no_cycle()"),
                None => {}
            }
            match &a.owned_by {
                Some(Some(owner)) => write!(
                    out,
                    ".owned_by({}, {})",
                    qname(&owner.table),
                    s(&owner.column)
                )
                .unwrap(),
                Some(None) => out.push_str(".owned_by_none()"),
                None => {}
            }
            out
        }
        Op::DropSequence(d) => format!("op.drop_sequence({})", qname(&d.name)),
        Op::RenameSequence(r) => {
            format!("op.rename_sequence({}, {})", qname(&r.name), s(&r.to))
        }
        Op::BulkInsert(b) => {
            let rows: Vec<String> = b
                .rows
                .iter()
                .map(|r| {
                    let cells: Vec<String> = r
                        .iter()
                        .map(|v| format!("Literal::from({})", literal(v)))
                        .collect();
                    format!("vec![{}]", cells.join(", "))
                })
                .collect();
            format!(
                "op.bulk_insert({}, {}, [{}])",
                qname(&b.table),
                list(&b.columns),
                rows.join(", ")
            )
        }
        Op::OnEngine(b) => format!(
            "op.on(Engine::{:?}, |op| {{\n{}}})",
            b.engine,
            rust_source(&b.ops)?
        ),
    })
}
