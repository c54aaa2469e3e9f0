//! Comparing two schemas by what they mean, not how they are written.
//!
//! Each side of a comparison has a *canonical* form: a copy of it in which
//! every SQL spelling (defaults, checks, predicates, custom types) is
//! written one way. Offline that is [`Schema::spelled`], the token-level
//! [`normalize`](super::spelling::normalize); against a database it is
//! what the server itself stores for the target, spelled the same way.
//! [`align`] then takes, item by item, the current side's spelling wherever
//! the two canonical forms agree, so the diff that follows sees no change
//! there — and where they disagree, the target keeps the author's words,
//! which is what a generated revision should say.

use super::Schema;
use super::spelling::normalize;
use crate::ops::{Constraint, KeyExpr};
use crate::types::{ColumnType, DefaultValue};

/// A default in one spelling.
fn spelled_default(default: &DefaultValue) -> DefaultValue {
    DefaultValue::Expr(normalize(&match default {
        DefaultValue::Literal(value) => value.standard_sql(),
        DefaultValue::Expr(expr) => expr.clone(),
    }))
}

fn spelled_type(ty: &ColumnType) -> ColumnType {
    match ty {
        ColumnType::Custom(sql) => ColumnType::from_sql(&normalize(sql)),
        ColumnType::Array(element) => ColumnType::array(spelled_type(element)),
        other => other.clone(),
    }
}

impl Schema {
    /// This schema with its SQL written in one spelling (see the
    /// [module](self)): for comparing, never for rendering.
    pub(crate) fn spelled(&self) -> Schema {
        let mut schema = self.clone();
        for table in schema.tables.values_mut() {
            for column in &mut table.columns {
                column.ty = spelled_type(&column.ty);
                column.default = column.default.as_ref().map(spelled_default);
                column.generated = column.generated.as_deref().map(normalize);
            }
            for constraint in &mut table.constraints {
                match constraint {
                    Constraint::Check(check) => check.expr = normalize(&check.expr),
                    Constraint::Exclusion(x) => {
                        x.predicate = x.predicate.as_deref().map(normalize);
                        for e in &mut x.elements {
                            if let KeyExpr::Expression(sql) = &mut e.key.expr {
                                *sql = normalize(sql);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        for index in schema.indexes.values_mut() {
            index.predicate = index.predicate.as_deref().map(normalize);
            for key in &mut index.keys {
                if let KeyExpr::Expression(sql) = &mut key.expr {
                    *sql = normalize(sql);
                }
            }
        }
        // A type named two ways (`int`, `integer`) is one type.
        let type_text = |sql: &str| format!("{:?}", spelled_type(&ColumnType::from_sql(sql)));
        for function in schema.functions.values_mut() {
            function.returns = type_text(&function.returns);
            for arg in &mut function.args {
                arg.ty = type_text(&arg.ty);
            }
            function.language = function.language.to_lowercase();
        }
        for trigger in schema.triggers.values_mut() {
            trigger.when = trigger.when.as_deref().map(normalize);
        }
        for view in schema.views.values_mut() {
            view.sql = normalize(&view.sql);
        }
        schema
    }
}

/// `target`, with each item whose canonical form in `canon_target` equals
/// the one in `canon_current` written as `current` writes it (see the
/// [module](self)). Schemas and enums are aligned by presence too, so an
/// object the current side's engine cannot hold (an enum on SQLite) is
/// not a difference when its canonical form leaves it out on both sides.
pub(crate) fn align(
    target: &Schema,
    canon_target: &Schema,
    current: &Schema,
    canon_current: &Schema,
) -> Schema {
    let mut out = target.clone();

    let schema_names: Vec<String> = target
        .schemas
        .union(&canon_target.schemas)
        .cloned()
        .collect();
    for name in schema_names {
        if canon_target.schemas.contains(&name) == canon_current.schemas.contains(&name) {
            if current.schemas.contains(&name) {
                out.schemas.insert(name);
            } else {
                out.schemas.remove(&name);
            }
        }
    }

    let enum_keys: Vec<_> = target
        .enums
        .keys()
        .chain(canon_target.enums.keys())
        .cloned()
        .collect();
    for key in enum_keys {
        if canon_target.enums.get(&key) == canon_current.enums.get(&key) {
            match current.enums.get(&key) {
                Some(values) => out.enums.insert(key, values.clone()),
                None => out.enums.remove(&key),
            };
        }
    }

    // An extension whose schema or version one side leaves open is the
    // same extension whatever the other side says.
    let names: Vec<String> = target
        .extensions
        .keys()
        .chain(canon_target.extensions.keys())
        .cloned()
        .collect();
    for name in names {
        let (a, b) = (
            canon_target.extensions.get(&name),
            canon_current.extensions.get(&name),
        );
        let open = |x: &Option<String>, y: &Option<String>| x.is_none() || y.is_none() || x == y;
        let same = match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => open(&a.schema, &b.schema) && open(&a.version, &b.version),
            _ => false,
        };
        if same {
            match current.extensions.get(&name) {
                Some(ext) => out.extensions.insert(name, ext.clone()),
                None => out.extensions.remove(&name),
            };
        }
    }

    // A view whose canonical definitions agree is written as the current
    // side writes it (PostgreSQL re-prints a view's query).
    let view_keys: Vec<_> = target.views.keys().cloned().collect();
    for key in view_keys {
        if let (Some(a), Some(b), Some(c)) = (
            canon_target.views.get(&key),
            canon_current.views.get(&key),
            current.views.get(&key),
        ) && a == b
        {
            out.views.insert(key, c.clone());
        }
    }

    for (key, table) in &mut out.tables {
        let (Some(ct), Some(cc), Some(cur)) = (
            canon_target.tables.get(key),
            canon_current.tables.get(key),
            current.tables.get(key),
        ) else {
            continue;
        };
        if ct.comment == cc.comment {
            table.comment.clone_from(&cur.comment);
        }
        for column in &mut table.columns {
            let (Some(a), Some(b), Some(c)) = (
                ct.find_column(&column.name),
                cc.find_column(&column.name),
                cur.find_column(&column.name),
            ) else {
                continue;
            };
            if a.ty == b.ty {
                column.ty = c.ty.clone();
            }
            if a.default == b.default {
                column.default.clone_from(&c.default);
            }
            // What an engine cannot hold (SQLite: comments, identity) is
            // absent from both canonical forms, so no difference.
            if a.identity == b.identity {
                column.identity = c.identity;
            }
            if a.identity_options == b.identity_options {
                column.identity_options.clone_from(&c.identity_options);
            }
            if a.generated == b.generated {
                column.generated.clone_from(&c.generated);
            }
            if a.comment == b.comment {
                column.comment.clone_from(&c.comment);
            }
        }
        for constraint in &mut table.constraints {
            let name = constraint.name().to_owned();
            let found =
                |t: &crate::ops::TableDef| t.constraints.iter().find(|c| c.name() == name).cloned();
            if let (Some(a), Some(b), Some(c)) = (found(ct), found(cc), found(cur))
                && a == b
            {
                *constraint = c;
            }
        }
    }

    take_current(
        &mut out.indexes,
        &canon_target.indexes,
        &canon_current.indexes,
        &current.indexes,
    );
    take_current(
        &mut out.functions,
        &canon_target.functions,
        &canon_current.functions,
        &current.functions,
    );
    take_current(
        &mut out.triggers,
        &canon_target.triggers,
        &canon_current.triggers,
        &current.triggers,
    );
    out
}

/// Each object of `out` whose canonical forms agree (`canon_target`,
/// `canon_current`) replaced by `current`'s spelling of it.
fn take_current<K: Ord, V: PartialEq + Clone>(
    out: &mut std::collections::BTreeMap<K, V>,
    canon_target: &std::collections::BTreeMap<K, V>,
    canon_current: &std::collections::BTreeMap<K, V>,
    current: &std::collections::BTreeMap<K, V>,
) {
    for (key, value) in out.iter_mut() {
        if let (Some(a), Some(b), Some(c)) = (
            canon_target.get(key),
            canon_current.get(key),
            current.get(key),
        ) && a == b
        {
            *value = c.clone();
        }
    }
}
