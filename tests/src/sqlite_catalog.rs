//! Reads a SQLite database's schema back (`PRAGMA table_list`,
//! `table_xinfo`, `index_list`, `index_info`, `foreign_key_list`, and the
//! `CREATE` text in `sqlite_schema` for constraint names and column checks)
//! and compares it, item by item, with what the schema model says should be
//! there as the SQLite dialect renders it.
//!
//! Not everything trusts the renderer: each declared type's affinity is
//! checked against an affinity table written out here, and a literal default
//! is evaluated by SQLite and compared with the model's value.

use std::collections::{BTreeMap, BTreeSet};

use migrator_core::ident::quote_ident;
use migrator_core::ops::{Constraint, TableDef};
use migrator_core::render::sqlite;
use migrator_core::schema::Schema;
use migrator_core::types::{ColumnType, DefaultValue, Literal};
use rusqlite::Connection;
use rusqlite::types::Value;

/// The runner's own tables, which the model does not describe.
const RUNNER_TABLES: &[&str] = &["migrator_version", "migrator_history"];

/// Compares the database's schema with the model; returns every difference,
/// in words.
pub fn differences(conn: &Connection, schema: &Schema) -> Vec<String> {
    match compare(conn, schema) {
        Ok(diffs) => diffs,
        Err(e) => vec![format!("reading SQLite's catalog failed: {e}")],
    }
}

/// Panics with every difference between the database and the model.
pub fn assert_matches(conn: &Connection, schema: &Schema, context: &str) {
    let diffs = differences(conn, schema);
    assert!(
        diffs.is_empty(),
        "SQLite's catalog differs from the schema model {context}:\n  {}",
        diffs.join("\n  ")
    );
}

/// The affinity SQLite gives a declared type (section 3.1 of "Datatypes In SQLite").
pub fn affinity(declared: &str) -> &'static str {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        "INTEGER"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "TEXT"
    } else if t.contains("BLOB") || t.trim().is_empty() {
        "BLOB"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "REAL"
    } else {
        "NUMERIC"
    }
}

/// The affinity a column of each model type must end up with, whatever the
/// renderer declares (`None` for author-written types).
fn expected_affinity(ty: &ColumnType) -> Option<&'static str> {
    Some(match ty {
        ColumnType::SmallInt
        | ColumnType::Integer
        | ColumnType::BigInt
        | ColumnType::SmallSerial
        | ColumnType::Serial
        | ColumnType::BigSerial => "INTEGER",
        ColumnType::Boolean
        | ColumnType::Numeric(_)
        | ColumnType::Date
        | ColumnType::Time
        | ColumnType::Timestamp
        | ColumnType::TimestampTz => "NUMERIC",
        ColumnType::Text
        | ColumnType::Varchar(_)
        | ColumnType::Char(_)
        | ColumnType::Interval
        | ColumnType::Uuid
        | ColumnType::Json
        | ColumnType::Jsonb
        | ColumnType::Inet
        | ColumnType::Enum(_) => "TEXT",
        ColumnType::Real | ColumnType::Double => "REAL",
        ColumnType::Bytea => "BLOB",
        ColumnType::Array(_) | ColumnType::Custom(_) => return None,
        other => panic!(
            "the SQLite catalog comparison does not know {other:?} yet: teach tests/src/sqlite_catalog.rs"
        ),
    })
}

/// The value SQLite must compute for a literal default.
fn literal_value(value: &Literal) -> Value {
    match value {
        Literal::Str(s) => Value::Text(s.clone()),
        Literal::Int(i) => Value::Integer(*i),
        Literal::Float(f) => Value::Real(*f),
        Literal::Bool(b) => Value::Integer(i64::from(*b)),
        Literal::Null => Value::Null,
    }
}

fn constraint_word(constraint: &Constraint) -> &'static str {
    match constraint {
        Constraint::PrimaryKey(_) => "PRIMARY",
        Constraint::Unique(_) => "UNIQUE",
        Constraint::Check(_) => "CHECK",
        Constraint::ForeignKey(_) => "FOREIGN",
        Constraint::Exclusion(x) => {
            panic!(
                "SQLite refuses exclusion constraints: {} cannot be in its catalog",
                x.name
            )
        }
        other => panic!(
            "the SQLite catalog comparison does not know {other:?} yet: teach tests/src/sqlite_catalog.rs"
        ),
    }
}

struct CatColumn {
    name: String,
    declared: String,
    not_null: bool,
    default: Option<String>,
    pk: i64,
    /// `hidden`: 3 for a stored generated column.
    hidden: i64,
}

/// A foreign key: columns, referenced table and columns, ON DELETE, ON UPDATE.
type Fk = (Vec<String>, String, Vec<String>, String, String);

fn read_tables(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM pragma_table_list
         WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
         ORDER BY name",
    )?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(names
        .into_iter()
        .filter(|n| !RUNNER_TABLES.contains(&n.as_str()))
        .collect())
}

fn read_columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<CatColumn>> {
    let mut stmt = conn.prepare(
        "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1)
         WHERE hidden IN (0, 3) ORDER BY cid",
    )?;
    stmt.query_map([table], |r| {
        Ok(CatColumn {
            name: r.get(0)?,
            declared: r.get(1)?,
            not_null: r.get(2)?,
            default: r.get(3)?,
            pk: r.get(4)?,
            hidden: r.get(5)?,
        })
    })?
    .collect()
}

fn index_columns(conn: &Connection, index: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")?;
    stmt.query_map([index], |r| {
        Ok(r.get::<_, Option<String>>(0)?.unwrap_or_default())
    })?
    .collect()
}

/// Each key's `(desc, collation upper-cased)`, as `pragma_index_xinfo` has it.
fn key_options(conn: &Connection, index: &str) -> rusqlite::Result<Vec<(bool, String)>> {
    let mut stmt = conn.prepare(
        "SELECT \"desc\", coll FROM pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno",
    )?;
    stmt.query_map([index], |r| {
        Ok((r.get::<_, bool>(0)?, r.get::<_, String>(1)?.to_uppercase()))
    })?
    .collect()
}

/// An index: name, unique, origin (`c` for CREATE INDEX, `u` for a unique
/// constraint, `pk`), partial, columns (`""` for an expression), each
/// key's direction and collation.
type CatIndex = (String, bool, String, bool, Vec<String>, Vec<(bool, String)>);

/// The indexes of `table`.
fn read_indexes(conn: &Connection, table: &str) -> rusqlite::Result<Vec<CatIndex>> {
    let mut stmt = conn.prepare(
        "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1) ORDER BY name",
    )?;
    let rows = stmt
        .query_map([table], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(name, unique, origin, partial)| {
            let columns = index_columns(conn, &name)?;
            let options = key_options(conn, &name)?;
            Ok((name, unique, origin, partial, columns, options))
        })
        .collect()
}

fn read_foreign_keys(conn: &Connection, table: &str) -> rusqlite::Result<Vec<Fk>> {
    let mut stmt = conn.prepare(
        "SELECT id, \"table\", \"from\", \"to\", on_delete, on_update
         FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
    )?;
    let rows = stmt
        .query_map([table], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut keys: BTreeMap<i64, Fk> = BTreeMap::new();
    for (id, target, from, to, on_delete, on_update) in rows {
        let key = keys
            .entry(id)
            .or_insert_with(|| (vec![], target, vec![], on_delete, on_update));
        key.0.push(from);
        key.2.push(to);
    }
    Ok(keys.into_values().collect())
}

fn evaluate(conn: &Connection, expr: &str) -> Result<Value, String> {
    conn.query_row(&format!("SELECT {expr}"), [], |r| r.get::<_, Value>(0))
        .map_err(|e| format!("cannot evaluate it: {e}"))
}

/// Whether two values are the same (floats by value, so infinities match).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Real(x), Value::Real(y)) => x == y,
        _ => a == b,
    }
}

fn compare(conn: &Connection, model: &Schema) -> rusqlite::Result<Vec<String>> {
    let mut diffs = Vec::new();
    let cat_tables = read_tables(conn)?;
    let model_tables: BTreeMap<&str, &TableDef> =
        model.tables().map(|t| (t.name.name.as_str(), t)).collect();
    for name in &cat_tables {
        if !model_tables.contains_key(name.as_str()) {
            diffs.push(format!(
                "table {name}: exists in SQLite, the model has no such table"
            ));
        }
    }
    for (name, table) in &model_tables {
        if !cat_tables.iter().any(|t| t == name) {
            diffs.push(format!("table {name}: the model has it, SQLite does not"));
            continue;
        }
        compare_table(conn, model, table, &mut diffs)?;
    }
    compare_triggers(conn, model, &mut diffs)?;
    compare_views(conn, model, &mut diffs)?;
    Ok(diffs)
}

/// Triggers: the same names on the same tables, each trigger's text
/// holding the model's timing, event and statements (the oracle reads the
/// text with plain string search, not the product's parser).
fn compare_triggers(
    conn: &Connection,
    model: &Schema,
    diffs: &mut Vec<String>,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(
        "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY 1, 2",
    )?;
    let catalog: BTreeMap<(String, String), String> = stmt
        .query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let want: BTreeMap<(String, String), &migrator_core::ops::TriggerDef> = model
        .triggers()
        .map(|t| ((t.table.name.clone(), t.name.clone()), t))
        .collect();
    let names = |m: Vec<&(String, String)>| m.into_iter().cloned().collect::<Vec<_>>();
    if names(catalog.keys().collect()) != names(want.keys().collect()) {
        diffs.push(format!(
            "triggers {:?} in SQLite, model says {:?}",
            catalog.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>()
        ));
        return Ok(());
    }
    for (k, t) in want {
        let sql = catalog[&k].to_uppercase();
        let timing = match t.timing {
            migrator_core::ops::TriggerTiming::Before => "BEFORE",
            migrator_core::ops::TriggerTiming::After => "AFTER",
            migrator_core::ops::TriggerTiming::InsteadOf => "INSTEAD OF",
        };
        let event = match t.events.first() {
            Some(migrator_core::ops::TriggerEvent::Insert) => "INSERT",
            Some(migrator_core::ops::TriggerEvent::Delete) => "DELETE",
            _ => "UPDATE",
        };
        let body = match &t.action {
            migrator_core::ops::TriggerAction::Statements(body) => body.to_uppercase(),
            other => format!("{other:?}"),
        };
        let when_ok = t
            .when
            .as_ref()
            .is_none_or(|w| sql.contains(&w.to_uppercase()));
        if !(sql.contains(timing) && sql.contains(event) && sql.contains(&body) && when_ok) {
            diffs.push(format!(
                "trigger {k:?}: SQLite has {:?}, model says {timing} {event} … WHEN {:?} BEGIN {body} END",
                catalog[&k], t.when
            ));
        }
    }
    Ok(())
}

/// Views: the same names, each one's `CREATE VIEW` text the model's
/// definition as written, and each readable (SQLite checks a view's query
/// only when it is used).
fn compare_views(
    conn: &Connection,
    model: &Schema,
    diffs: &mut Vec<String>,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'view'")?;
    let cat: BTreeMap<String, String> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let model_views: BTreeMap<&str, &str> = model
        .views()
        .map(|v| (v.name.name.as_str(), v.sql.as_str()))
        .collect();
    for name in cat.keys() {
        if !model_views.contains_key(name.as_str()) {
            diffs.push(format!(
                "view {name}: exists in SQLite, the model has no such view"
            ));
        }
    }
    for (name, sql) in model_views {
        let Some(text) = cat.get(name) else {
            diffs.push(format!("view {name}: the model has it, SQLite does not"));
            continue;
        };
        let want = format!(
            "CREATE VIEW {} AS {sql}",
            migrator_core::ident::quote_ident(name)
        );
        if *text != want {
            diffs.push(format!(
                "view {name}: SQLite has {text:?}, the model says {want:?}"
            ));
        }
        let select = format!(
            "SELECT * FROM {} LIMIT 0",
            migrator_core::ident::quote_ident(name)
        );
        if let Err(e) = conn.prepare(&select) {
            diffs.push(format!("view {name}: cannot be read: {e}"));
        }
    }
    Ok(())
}

fn compare_table(
    conn: &Connection,
    model: &Schema,
    table: &TableDef,
    diffs: &mut Vec<String>,
) -> rusqlite::Result<()> {
    let name = table.name.name.as_str();
    let mut diff = |what: String| diffs.push(format!("table {name}: {what}"));

    // Columns, in order.
    let columns = read_columns(conn, name)?;
    let cat_names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let model_names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    if cat_names != model_names {
        diff(format!(
            "columns are {cat_names:?} in SQLite, model says {model_names:?}"
        ));
    }
    let key: Vec<&str> = table
        .primary_key_constraint()
        .map(|k| k.columns.iter().map(String::as_str).collect())
        .unwrap_or_default();
    for cc in &columns {
        let Some(column) = table.find_column(&cc.name) else {
            continue;
        };
        let mut diff = |what: String| diff(format!("column {}: {what}", cc.name));
        match sqlite::column_type(&column.ty) {
            Ok(want) if want != cc.declared => diff(format!(
                "declared type {}, model says {want} ({:?})",
                cc.declared, column.ty
            )),
            Ok(_) => {}
            Err(reason) => diff(format!(
                "declared type {}, but the model's type {:?} has no SQLite type: {reason}",
                cc.declared, column.ty
            )),
        }
        if let Some(want) = expected_affinity(&column.ty)
            && affinity(&cc.declared) != want
        {
            diff(format!(
                "declared type {} has {} affinity, a {:?} column needs {want}",
                cc.declared,
                affinity(&cc.declared),
                column.ty
            ));
        }
        if cc.not_null == column.nullable {
            diff(format!(
                "NOT NULL is {}, model says nullable={}",
                cc.not_null, column.nullable
            ));
        }
        let position = key.iter().position(|k| *k == cc.name).map_or(0, |i| i + 1);
        if cc.pk != position as i64 {
            diff(format!(
                "primary key position {} (0: not in it), model says {position}",
                cc.pk
            ));
        }
        if (cc.hidden == 3) != column.generated.is_some() {
            diff(format!(
                "hidden is {} (3: stored generated), model's generation expression is {:?}",
                cc.hidden, column.generated
            ));
        }
        match (&column.default, &cc.default) {
            (None, None) => {}
            (Some(DefaultValue::Literal(value)), Some(got)) => {
                let want = literal_value(value);
                match evaluate(conn, got) {
                    Ok(v) if same_value(&v, &want) => {}
                    Ok(v) => diff(format!(
                        "default {got} evaluates to {v:?}, model says {want:?}"
                    )),
                    Err(e) => diff(format!("default {got}: {e}")),
                }
            }
            (Some(default @ DefaultValue::Expr(expr)), Some(got)) => {
                // SQLite reports `DEFAULT (expr)` without its parentheses.
                let rendered = sqlite::default_sql(default).unwrap_or_default();
                let want = rendered
                    .strip_prefix('(')
                    .and_then(|s| s.strip_suffix(')'))
                    .unwrap_or(&rendered);
                if got != want {
                    diff(format!("default {got}, model says {want} (from {expr:?})"));
                }
            }
            (want, got) => diff(format!("default {got:?}, model says {want:?}")),
        }
    }

    // Named constraints and column checks, from the CREATE TABLE text.
    let sql: String = conn.query_row(
        "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get(0),
    )?;
    // Without spaces; quotes kept, so one column's name is no other's tail.
    let squashed = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase()
    };
    for column in &table.columns {
        // A collation follows the declared type in the column's definition.
        if let Ok(declared) = sqlite::column_type(&column.ty) {
            let head = format!("{} {declared} COLLATE", quote_ident(&column.name));
            let text = squashed(&sql);
            match &column.collation {
                Some(name) if !text.contains(&squashed(&format!("{head} {name}"))) => {
                    diff(format!(
                        "column {}: the CREATE TABLE text lacks {head} {name}: {sql}",
                        column.name
                    ))
                }
                None if text.contains(&squashed(&head)) => diff(format!(
                    "column {}: the CREATE TABLE text has a collation the model lacks: {sql}",
                    column.name
                )),
                _ => {}
            }
        }
        if let Some(expr) = &column.generated {
            // Compared without quotes and spaces: SQLite's RENAME COLUMN
            // writes the new name as the statement spelt it.
            let squash = |s: &str| -> String {
                s.chars()
                    .filter(|c| !c.is_whitespace() && *c != '"')
                    .collect::<String>()
                    .to_lowercase()
            };
            let clause = format!("GENERATED ALWAYS AS ({}) STORED", expr.trim());
            if !squash(&sql).contains(&squash(&clause)) {
                diff(format!(
                    "column {}: the CREATE TABLE text lacks {clause}: {sql}",
                    column.name
                ));
            }
        }
    }
    match parse_create_table(&sql) {
        Err(e) => diff(format!("cannot read its CREATE TABLE ({e}): {sql}")),
        Ok(parsed) => {
            let cat: BTreeSet<(String, String)> = parsed.constraints.into_iter().collect();
            let want: BTreeSet<(String, String)> = table
                .constraints
                .iter()
                .map(|c| (c.name().to_owned(), constraint_word(c).to_owned()))
                .collect();
            for (n, kind) in cat.difference(&want) {
                diff(format!(
                    "constraint {n} ({kind}) is in SQLite, not in the model"
                ));
            }
            for (n, kind) in want.difference(&cat) {
                diff(format!("constraint {n} ({kind}) is missing in SQLite"));
            }
            for column in &table.columns {
                let got = parsed
                    .column_checks
                    .get(&column.name)
                    .cloned()
                    .unwrap_or_default();
                let want: Vec<String> = match &column.ty {
                    ColumnType::Enum(e) => model
                        .enum_values(e)
                        .map(|v| vec![sqlite::enum_check(&column.name, v)])
                        .unwrap_or_default(),
                    _ => vec![],
                };
                if got != want {
                    diff(format!(
                        "column {}: column checks {got:?}, model says {want:?}",
                        column.name
                    ));
                }
            }
        }
    }

    // Unique constraints and indexes.
    let indexes = read_indexes(conn, name)?;
    let mut cat_unique: Vec<Vec<String>> = indexes
        .iter()
        .filter(|i| i.2 == "u")
        .map(|i| i.4.clone())
        .collect();
    let mut want_unique: Vec<Vec<String>> = table
        .constraints
        .iter()
        .filter_map(|c| match c {
            Constraint::Unique(u) => Some(u.columns.clone()),
            _ => None,
        })
        .collect();
    cat_unique.sort();
    want_unique.sort();
    if cat_unique != want_unique {
        diff(format!(
            "unique constraints over {cat_unique:?} in SQLite, model says {want_unique:?}"
        ));
    }
    type IndexFacts = (bool, Vec<String>, Vec<(bool, String)>, bool);
    let cat_indexes: BTreeMap<&str, IndexFacts> = indexes
        .iter()
        .filter(|i| i.2 == "c")
        .map(|i| (i.0.as_str(), (i.1, i.4.clone(), i.5.clone(), i.3)))
        .collect();
    let want_indexes: BTreeMap<&str, IndexFacts> = model
        .indexes_of(&table.name)
        .map(|i| {
            let columns = i
                .keys
                .iter()
                .map(|k| k.column_name().unwrap_or_default().to_owned())
                .collect();
            let options = i
                .keys
                .iter()
                .map(|k| {
                    // A key without COLLATE compares as its column does.
                    let column = k.column_name().and_then(|c| table.find_column(c));
                    let collation = k
                        .collation
                        .as_deref()
                        .or_else(|| column.and_then(|c| c.collation.as_deref()))
                        .unwrap_or("BINARY");
                    (k.descending, collation.to_uppercase())
                })
                .collect();
            (
                i.name.as_str(),
                (i.unique, columns, options, i.predicate.is_some()),
            )
        })
        .collect();
    for (n, got) in &cat_indexes {
        match want_indexes.get(n) {
            None => diff(format!("index {n} is in SQLite, not in the model")),
            Some(want) if want != got => diff(format!(
                "index {n}: (unique, columns, (desc, collation), partial) {got:?}, model says {want:?}"
            )),
            Some(_) => {}
        }
    }
    for n in want_indexes.keys() {
        if !cat_indexes.contains_key(n) {
            diff(format!("index {n} is missing in SQLite"));
        }
    }

    // Foreign keys.
    let mut cat_fks = read_foreign_keys(conn, name)?;
    let mut want_fks: Vec<Fk> = table
        .constraints
        .iter()
        .filter_map(|c| match c {
            Constraint::ForeignKey(fk) => Some((
                fk.columns.clone(),
                fk.ref_table.name.clone(),
                fk.ref_columns.clone(),
                fk.on_delete.sql().to_owned(),
                fk.on_update.sql().to_owned(),
            )),
            _ => None,
        })
        .collect();
    cat_fks.sort();
    want_fks.sort();
    if cat_fks != want_fks {
        diff(format!(
            "foreign keys (columns, table, columns, on delete, on update) {cat_fks:?} in SQLite, model says {want_fks:?}"
        ));
    }
    Ok(())
}

/// What the `CREATE TABLE` text says beyond the pragmas.
#[derive(Debug, Default)]
struct Parsed {
    /// `(name, PRIMARY | UNIQUE | CHECK | FOREIGN)` of each table constraint;
    /// an unnamed one has the name `""`.
    constraints: Vec<(String, String)>,
    /// Each column's `CHECK (…)` bodies.
    column_checks: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare word, as written.
    Word(String),
    /// A quoted identifier, unquoted.
    Ident(String),
    /// A string literal, unquoted.
    Str(String),
    /// Any other character.
    Punct(char),
}

/// `(token, start, end)` byte offsets.
fn tokenize(sql: &str) -> Result<Vec<(Tok, usize, usize)>, String> {
    let chars: Vec<(usize, char)> = sql.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(sql.len(), |c| c.0);
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1).map(|c| c.1) == Some('-') {
            while i < chars.len() && chars[i].1 != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1).map(|c| c.1) == Some('*') {
            i += 2;
            while i < chars.len()
                && !(chars[i].1 == '*' && chars.get(i + 1).map(|c| c.1) == Some('/'))
            {
                i += 1;
            }
            i += 2;
        } else if matches!(c, '"' | '\'' | '`' | '[') {
            let close = if c == '[' { ']' } else { c };
            let mut text = String::new();
            i += 1;
            loop {
                let Some(&(_, d)) = chars.get(i) else {
                    return Err(format!("unterminated {c} at byte {start}"));
                };
                i += 1;
                if d == close {
                    if close != ']' && chars.get(i).map(|c| c.1) == Some(close) {
                        text.push(close);
                        i += 1;
                    } else {
                        break;
                    }
                } else {
                    text.push(d);
                }
            }
            let tok = if c == '\'' {
                Tok::Str(text)
            } else {
                Tok::Ident(text)
            };
            out.push((tok, start, end_of(i)));
        } else if c.is_alphanumeric() || c == '_' || !c.is_ascii() {
            let mut word = String::new();
            while i < chars.len()
                && (chars[i].1.is_alphanumeric()
                    || chars[i].1 == '_'
                    || chars[i].1 == '$'
                    || !chars[i].1.is_ascii())
            {
                word.push(chars[i].1);
                i += 1;
            }
            out.push((Tok::Word(word), start, end_of(i)));
        } else {
            out.push((Tok::Punct(c), start, end_of(i + 1)));
            i += 1;
        }
    }
    Ok(out)
}

fn ident(tok: &Tok) -> String {
    match tok {
        Tok::Word(w) | Tok::Ident(w) | Tok::Str(w) => w.clone(),
        Tok::Punct(c) => c.to_string(),
    }
}

/// The table constraints' names and kinds and the columns' checks of a
/// `CREATE TABLE` statement as SQLite stores it.
fn parse_create_table(sql: &str) -> Result<Parsed, String> {
    let tokens = tokenize(sql)?;
    let open = tokens
        .iter()
        .position(|t| t.0 == Tok::Punct('('))
        .ok_or("no column list")?;
    // Split the list into items at top-level commas.
    let mut items: Vec<&[(Tok, usize, usize)]> = Vec::new();
    let mut depth = 0;
    let mut item_start = open + 1;
    let mut closed = false;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t.0 {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => {
                depth -= 1;
                if depth == 0 {
                    items.push(&tokens[item_start..i]);
                    closed = true;
                    break;
                }
            }
            Tok::Punct(',') if depth == 1 => {
                items.push(&tokens[item_start..i]);
                item_start = i + 1;
            }
            _ => {}
        }
    }
    if !closed {
        return Err("unbalanced parentheses".into());
    }
    let mut parsed = Parsed::default();
    let word = |t: Option<&(Tok, usize, usize)>| match t {
        Some((Tok::Word(w), _, _)) => w.to_ascii_uppercase(),
        _ => String::new(),
    };
    for item in items {
        let Some(first) = item.first() else {
            return Err("empty item".into());
        };
        let head = word(Some(first));
        if head == "CONSTRAINT" {
            let name = item.get(1).map(|t| ident(&t.0)).unwrap_or_default();
            parsed.constraints.push((name, word(item.get(2))));
        } else if ["PRIMARY", "UNIQUE", "CHECK", "FOREIGN"].contains(&head.as_str()) {
            parsed.constraints.push((String::new(), head));
        } else {
            let column = ident(&first.0);
            let checks = parsed.column_checks.entry(column).or_default();
            let mut i = 1;
            while i < item.len() {
                if word(item.get(i)) == "CHECK"
                    && item.get(i + 1).map(|t| &t.0) == Some(&Tok::Punct('('))
                {
                    let mut depth = 0;
                    let mut j = i + 1;
                    while j < item.len() {
                        match item[j].0 {
                            Tok::Punct('(') => depth += 1,
                            Tok::Punct(')') => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    let body = item
                        .get(j)
                        .map(|close| sql[item[i + 1].2..close.1].trim().to_owned())
                        .ok_or("unbalanced CHECK")?;
                    checks.push(body);
                    i = j;
                }
                i += 1;
            }
        }
    }
    parsed.column_checks.retain(|_, v| !v.is_empty());
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_sqlite_stores() {
        let sql = "CREATE TABLE \"t\" (\n  \"a\"\"b\" TEXT NOT NULL CHECK (\"a\"\"b\" IN ('x', 'it''s (')),\n  [c] INTEGER, -- note\n  CONSTRAINT \"ck, 1\" CHECK (c > (1)),\n  UNIQUE (c),\n  CONSTRAINT fk FOREIGN KEY (c) REFERENCES \"u\" (\"id\")\n)";
        let parsed = parse_create_table(sql).unwrap();
        assert_eq!(
            parsed.constraints,
            [
                ("ck, 1".to_owned(), "CHECK".to_owned()),
                (String::new(), "UNIQUE".to_owned()),
                ("fk".to_owned(), "FOREIGN".to_owned()),
            ]
        );
        assert_eq!(
            parsed.column_checks.get("a\"b").unwrap(),
            &["\"a\"\"b\" IN ('x', 'it''s (')"]
        );
        assert!(!parsed.column_checks.contains_key("c"));
    }

    #[test]
    fn affinities_follow_sqlite_rules() {
        assert_eq!(affinity("INTERVAL"), "INTEGER");
        assert_eq!(affinity("VARCHAR(10)"), "TEXT");
        assert_eq!(affinity("UUID"), "NUMERIC");
        assert_eq!(affinity("DOUBLE PRECISION"), "REAL");
        assert_eq!(affinity(""), "BLOB");
        assert_eq!(affinity("TIMESTAMPTZ"), "NUMERIC");
    }
}
