//! Introspection: a live SQLite database's catalog read into the schema
//! model, for drift detection (`check`) and autogenerate against a database.
//!
//! [`read_catalog`] reads the pragmas (`table_list`, `table_xinfo`,
//! `index_list`, `index_xinfo`, `foreign_key_list`) for structure and the
//! `CREATE` text in `sqlite_schema` ([`parse`]) for what only the text holds:
//! constraint names, check expressions, partial index predicates. It builds
//! the [`Schema`] by replaying ops (each table's `create_table` with its
//! columns, key, unique and check constraints; then every foreign key as
//! `add_constraint`, so cycles need no ordering; then `create_index`), so the
//! result is always a model the rest of the product accepts.
//!
//! It reads back what the SQLite dialect ([`crate::render::sqlite`]) writes:
//!
//! - **Types**: a declared type is the model type the dialect declares with
//!   that text (`INTEGER` is `integer`, `BLOB` is `bytea`, `DOUBLE
//!   PRECISION`, `NUMERIC(10,2)`, …); any other spelling is a custom type,
//!   as written (`INT`, `UUID`, `SERIAL`: what SQLite's affinity rules make
//!   of them is not what the model's type means). A column declared with no
//!   type (BLOB affinity) is read as `bytea`, with a note.
//! - **Defaults**: SQLite reports a default's text without the parentheses
//!   of `DEFAULT (…)`. A single string or number literal is a
//!   [`DefaultValue::Literal`] (`TRUE`/`FALSE` are the integers 1 and 0 SQLite
//!   stores); `NULL` is no default; anything else is a
//!   [`DefaultValue::Expr`] of SQLite's text (`CURRENT_TIMESTAMP`, `1 + 1`).
//! - **Enums**: SQLite has none; the dialect writes an enum column as `TEXT`
//!   with the column check `"col" IN ('a', …)`. A `TEXT` column whose one
//!   unnamed column check is exactly [`enum_check`] of its values is read as
//!   a `text` column with no constraint, and no enum is read. So a value list
//!   changed by hand is not seen; anything else about the column is.
//! - **Comments**: SQLite keeps none; every comment reads as none.
//! - **Unnamed constraints** get the names the builder gives them:
//!   `<table>_pkey`, `<table>_<columns>_key`, `<table>_<columns>_fkey`, and
//!   for a check PostgreSQL's `<table>_<column>_check` (a column's) or
//!   `<table>_check` (a table's), with `1`, `2`, … appended when a name is
//!   taken.
//! - **Tables** are in the default schema (`public`): SQLite has no schemas.
//! - **Views** are read from their `CREATE VIEW name AS query` text: the
//!   query as it was written (the dialect writes the model's definition).
//!
//! What the model cannot describe is left out of the schema and named in
//! the notes [`read_catalog`] returns, one line each: views with a column
//! list, virtual and shadow tables, `VIRTUAL` generated columns, and what
//! cannot be applied to the model (a foreign key to a missing table).
//! Attributes the model has no place for are noted and dropped from what is
//! read: `WITHOUT ROWID`, `STRICT`, `AUTOINCREMENT`, collations other than
//! `BINARY`, `NOCASE` and `RTRIM` (those are read, in capitals), the
//! direction and collation of a unique constraint's columns, and `MATCH`
//! on foreign keys. An index made by `CREATE INDEX` is read whole: its
//! keys (columns or expressions, `COLLATE` as written, `DESC`) and its
//! predicate; so is a trigger.
//!
//! [`stored_form`] is the other half of a comparison: what `read_catalog`
//! reads from a database holding a given schema, found by creating that
//! schema in an in-memory database through the product's own renderer.

// Used by the SQLite session once it offers introspection.

mod parse;

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;

use self::parse::{ConstraintText, KindText, TableText};
use crate::ident::{QualifiedName, generated_name};
use crate::ops::{
    AddConstraint, Check, ColumnDef, Constraint, CreateIndex, CreateTable, ForeignKey, IndexDef,
    IndexKey, Op, PrimaryKey, RefAction, TableDef, Unique,
};
use crate::render::sqlite::{Sqlite, column_type, enum_check};
use crate::schema::Schema;
use crate::types::{ColumnType, DefaultValue, Literal};

/// The note for something left out of the schema.
fn ignored(what: impl std::fmt::Display) -> String {
    format!("{what} (not described by the schema model; ignored)")
}

/// The note for an attribute dropped from something that is read.
fn dropped(what: impl std::fmt::Display, read_as: &str) -> String {
    format!("{what} (not described by the schema model; read as {read_as})")
}

/// Whether two SQLite names are the same (SQLite compares them ignoring
/// ASCII case).
fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn same_names(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_name(x, y))
}

/// Reads the user tables of the `main` database (leaving out SQLite's
/// `sqlite_*` tables and the tables named in `skip`, the runner's own) and
/// their indexes into a [`Schema`]; returns it with one note per thing the
/// model cannot describe (see the [module](self)). Fails only when SQLite
/// fails to answer.
pub(crate) fn read_catalog(
    conn: &Connection,
    skip: &[&str],
) -> rusqlite::Result<(Schema, Vec<String>)> {
    // What the database holds is named as SQLite has it, whatever naming
    // convention the caller records ops under.
    crate::ops::naming::within(None, || read_catalog_under_no_convention(conn, skip))
}

fn read_catalog_under_no_convention(
    conn: &Connection,
    skip: &[&str],
) -> rusqlite::Result<(Schema, Vec<String>)> {
    let skipped = |name: &str| {
        name.get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("sqlite_"))
            || skip.iter().any(|s| same_name(s, name))
    };
    let mut notes = Vec::new();
    let mut tables = Vec::new();
    let mut without_rowid_tables = BTreeSet::new();
    let mut stmt = conn.prepare(
        "SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main' ORDER BY name",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (name, kind, without_rowid, strict) in rows {
        if skipped(&name) {
            continue;
        }
        match kind.as_str() {
            "table" => {
                if without_rowid {
                    without_rowid_tables.insert(name.clone());
                    notes.push(dropped(
                        format!("table {name} is WITHOUT ROWID"),
                        "an ordinary table",
                    ));
                }
                if strict {
                    notes.push(dropped(
                        format!("table {name} is STRICT"),
                        "an ordinary table",
                    ));
                }
                tables.push(name);
            }
            // Views are reported with the other objects of sqlite_schema.
            "view" => {}
            "virtual" => notes.push(ignored(format!("virtual table {name}"))),
            "shadow" => notes.push(ignored(format!(
                "table {name}, a shadow table of a virtual table"
            ))),
            other => notes.push(ignored(format!("{other} {name}"))),
        }
    }

    let mut reader = Reader {
        conn,
        notes,
        tables: &tables,
        without_rowid: without_rowid_tables,
    };
    let mut ops = Vec::new();
    let mut foreign_keys = Vec::new();
    let mut indexes = Vec::new();
    for name in &tables {
        let (table, fks) = reader.table(name)?;
        ops.push(Op::CreateTable(CreateTable {
            table,
            if_not_exists: false,
        }));
        foreign_keys.extend(fks.into_iter().map(|fk| {
            Op::AddConstraint(AddConstraint {
                table: QualifiedName::bare(name),
                constraint: Constraint::ForeignKey(fk),
            })
        }));
        indexes.extend(reader.indexes(name)?);
    }
    ops.extend(foreign_keys);
    ops.extend(indexes);
    let mut notes = reader.notes;
    ops.extend(triggers(conn, &tables, &mut notes)?);

    // Views, in the order they were created, their query as written.
    let mut stmt = conn
        .prepare("SELECT name, sql FROM main.sqlite_schema WHERE type = 'view' ORDER BY rowid")?;
    let views = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (name, sql) in views {
        if skipped(&name) {
            continue;
        }
        match crate::schema::views::query_of_create(&sql) {
            Some(query) => ops.push(Op::CreateView(crate::ops::CreateView::new(
                crate::ops::ViewDef::new(QualifiedName::bare(&name), query),
            ))),
            None => notes.push(ignored(format!("view {name} ({sql})"))),
        }
    }

    let schema = replay(&ops, &mut notes);

    let mut stmt = conn.prepare(
        "SELECT type, name, tbl_name FROM main.sqlite_schema
         WHERE type IN ('view', 'trigger') ORDER BY type, name",
    )?;
    let objects = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (kind, name, table) in objects {
        if kind == "trigger" && !skipped(&table) && !tables.contains(&table) {
            notes.push(ignored(format!("trigger {name} on {table}")));
        }
    }
    Ok((schema, notes))
}

/// The triggers on `tables`, as ops; one whose text cannot be read is
/// noted.
fn triggers(
    conn: &Connection,
    tables: &[String],
    notes: &mut Vec<String>,
) -> rusqlite::Result<Vec<Op>> {
    let mut stmt = conn.prepare(
        "SELECT name, tbl_name, sql FROM main.sqlite_schema WHERE type = 'trigger' ORDER BY tbl_name, name",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut ops = Vec::new();
    for (name, table, sql) in rows {
        if !tables.contains(&table) {
            continue;
        }
        match sql.as_deref().map(parse::create_trigger) {
            Some(Ok(text)) => {
                let mut trigger = crate::ops::TriggerDef::new(
                    QualifiedName::bare(&table),
                    name,
                    text.timing,
                    vec![text.event],
                    crate::ops::TriggerAction::Statements(text.body),
                );
                trigger.when = text.when;
                ops.push(Op::CreateTrigger(crate::ops::CreateTrigger { trigger }));
            }
            Some(Err(e)) => notes.push(ignored(format!(
                "trigger {name} on {table}, whose CREATE TRIGGER text cannot be read ({e})"
            ))),
            None => notes.push(ignored(format!(
                "trigger {name} on {table}, without its text"
            ))),
        }
    }
    Ok(ops)
}

/// Replays `ops` onto an empty schema op by op, noting and leaving out
/// each op the model refuses. A table it refuses is created again without
/// its constraints, each then added on its own, so that one constraint the
/// model refuses (a unique constraint repeating the primary key) does not
/// lose the table; a table refused even so is left out with all that is
/// on it.
fn replay(ops: &[Op], notes: &mut Vec<String>) -> Schema {
    let mut schema = Schema::new();
    let mut apply = |schema: &mut Schema, op: &Op| match schema.apply(op) {
        Ok(()) => true,
        Err(e) => {
            notes.push(format!(
                "{} (the schema model refuses it: {e}; ignored)",
                op.describe()
            ));
            false
        }
    };
    let mut refused = BTreeSet::new();
    for op in ops {
        let table = match op {
            Op::CreateTable(o) => &o.table.name,
            Op::AddConstraint(o) => &o.table,
            Op::CreateIndex(o) => &o.index.table,
            Op::CreateTrigger(o) => &o.trigger.table,
            Op::CreateView(_) => {
                apply(&mut schema, op);
                continue;
            }
            _ => continue,
        };
        if refused.contains(&table.key()) {
            continue;
        }
        let Op::CreateTable(create) = op else {
            apply(&mut schema, op);
            continue;
        };
        if schema.apply(op).is_ok() {
            continue;
        }
        // With its primary key (which makes its columns NOT NULL, as
        // SQLite's rowid or NOT NULL has them), else with no constraint.
        let keyed = |c: &Constraint| matches!(c, Constraint::PrimaryKey(_));
        let mut bare = create.clone();
        bare.table.constraints.retain(keyed);
        let created = if schema.apply(&Op::CreateTable(bare.clone())).is_ok() {
            Some(bare.table.constraints)
        } else {
            bare.table.constraints.clear();
            apply(&mut schema, &Op::CreateTable(bare)).then(Vec::new)
        };
        let Some(created) = created else {
            refused.insert(table.key());
            continue;
        };
        for constraint in &create.table.constraints {
            if created.contains(constraint) {
                continue;
            }
            let add = Op::AddConstraint(AddConstraint {
                table: table.clone(),
                constraint: constraint.clone(),
            });
            apply(&mut schema, &add);
        }
    }
    schema
}

/// What [`read_catalog`] reads from a database holding `schema`: `schema`
/// created in an in-memory SQLite database through the product's renderer
/// (the ops of [`diff`](crate::schema::diff) from an empty schema, rendered
/// for SQLite and executed), then read back. Fails, with a message, when
/// SQLite cannot hold `schema` (the dialect refuses an op, or SQLite a
/// statement), or when what SQLite holds is something the reader cannot
/// describe.
pub(crate) fn stored_form(schema: &Schema) -> Result<Schema, String> {
    let ops = crate::schema::diff(&Schema::new(), schema).map_err(|e| e.to_string())?;
    let statements =
        crate::render::render_ops(&Sqlite, &ops, &Schema::new()).map_err(|e| e.to_string())?;
    let sqlite_failed = |e: rusqlite::Error| format!("SQLite failed: {e}");
    let conn = Connection::open_in_memory().map_err(sqlite_failed)?;
    // As the runner migrates: a rebuild must not cascade.
    conn.execute_batch("PRAGMA foreign_keys = OFF")
        .map_err(sqlite_failed)?;
    for statement in statements.iter().flatten() {
        conn.execute_batch(&statement.sql)
            .map_err(|e| format!("SQLite refused {}: {e}", statement.sql))?;
    }
    let (stored, notes) = read_catalog(&conn, &[]).map_err(sqlite_failed)?;
    if !notes.is_empty() {
        return Err(format!(
            "SQLite holds what the catalog reader cannot describe: {}",
            notes.join("; ")
        ));
    }
    Ok(stored)
}

/// A foreign key as `pragma_foreign_key_list` gives it.
struct CatalogKey {
    columns: Vec<String>,
    table: String,
    ref_columns: Vec<Option<String>>,
    on_update: String,
    on_delete: String,
    matching: String,
}

/// A table's columns as `pragma_table_xinfo` and the text give them.
struct Columns {
    /// The columns, in order (generated ones left out, noted).
    columns: Vec<ColumnDef>,
    /// The primary key's columns, in key order.
    key: Vec<String>,
    /// The collation the text gives a column, by lower-cased column name.
    collations: BTreeMap<String, String>,
}

/// One column of an index as `pragma_index_xinfo` gives it: its table
/// column (`None` for an expression or the rowid), descending, collation.
struct IndexColumn {
    name: Option<String>,
    desc: bool,
    collation: String,
}

/// Reads one table or index at a time, collecting notes.
struct Reader<'a> {
    conn: &'a Connection,
    notes: Vec<String>,
    /// The tables being read, by their names in the catalog.
    tables: &'a [String],
    /// Those of them that are `WITHOUT ROWID`.
    without_rowid: BTreeSet<String>,
}

impl Reader<'_> {
    /// `table`'s definition (foreign keys apart) and its foreign keys.
    fn table(&mut self, table: &str) -> rusqlite::Result<(TableDef, Vec<ForeignKey>)> {
        let sql: Option<String> = self.conn.query_row(
            "SELECT sql FROM main.sqlite_schema WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )?;
        let text = match sql.as_deref().map(parse::create_table) {
            Some(Ok(text)) => text,
            Some(Err(e)) => {
                self.notes.push(format!(
                    "table {table}: its CREATE TABLE text cannot be read ({e}); its constraints get default names and its checks are not read"
                ));
                TableText::default()
            }
            None => TableText::default(),
        };
        let mut def = TableDef::new(QualifiedName::bare(table));
        let Columns {
            columns,
            key,
            collations,
        } = self.columns(table, &text)?;
        def.columns = columns;

        // The keys and foreign keys the text writes (a column's own naming
        // that column) and its checks, each in the order written; a column's
        // enum check is no constraint of the model.
        let mut written: Vec<ConstraintText> = Vec::new();
        let mut checks: Vec<(Option<&str>, Option<String>, String)> = Vec::new();
        let items = text
            .columns
            .iter()
            .flat_map(|ct| ct.constraints.iter().map(|c| (Some(ct.name.as_str()), c)))
            .chain(text.constraints.iter().map(|c| (None, c)));
        for (column, c) in items {
            match &c.kind {
                KindText::Check { expr } => {
                    let enum_check = c.name.is_none()
                        && column.is_some_and(|column| is_enum_check(&def, column, expr));
                    if !enum_check {
                        checks.push((column, c.name.clone(), expr.clone()));
                    }
                }
                _ => written.push(c.clone()),
            }
        }
        let mut names = Names::new(
            written
                .iter()
                .map(|c| &c.name)
                .chain(checks.iter().map(|c| &c.1))
                .flatten(),
        );

        if !key.is_empty() {
            let columns = key;
            let rowid = columns.len() == 1
                && def
                    .columns
                    .iter()
                    .any(|c| same_name(&c.name, &columns[0]) && c.ty == ColumnType::Integer);
            for column in &mut def.columns {
                if columns.iter().any(|k| same_name(k, &column.name)) {
                    if column.nullable && !rowid && !self.without_rowid.contains(table) {
                        self.notes.push(dropped(
                            format!(
                                "column {table}.{} is in the primary key without NOT NULL, so SQLite lets it hold NULL",
                                column.name
                            ),
                            "NOT NULL",
                        ));
                    }
                    column.nullable = false;
                }
            }
            let given = written.iter().find_map(|c| match c.kind {
                KindText::PrimaryKey { .. } => c.name.clone(),
                _ => None,
            });
            let mut pk = PrimaryKey::new(table, columns);
            pk.name = match given {
                Some(name) => name,
                None => names.fresh(pk.name),
            };
            def.constraints.push(Constraint::PrimaryKey(pk));
        }

        for columns in self.unique_indexes(table, &collations)? {
            let found = written.iter().position(
                |c| matches!(&c.kind, KindText::Unique { columns: cs } if same_names(cs, &columns)),
            );
            let given = found.and_then(|i| written.remove(i).name);
            let mut unique = Unique::new(table, columns);
            unique.name = match given {
                Some(name) => name,
                None => names.fresh(unique.name),
            };
            def.constraints.push(Constraint::Unique(unique));
        }

        for (column, name, expr) in checks {
            let name = match name {
                Some(name) => name,
                None => names.fresh(match column {
                    Some(column) => generated_name(&[table, column, "check"]),
                    None => generated_name(&[table, "check"]),
                }),
            };
            def.constraints.push(Constraint::Check(Check {
                name,
                expr,
                not_valid: false,
            }));
        }

        let mut fks = Vec::new();
        for key in self.catalog_keys(table)? {
            if let Some(fk) = self.foreign_key(table, key, &mut written, &mut names)? {
                fks.push(fk);
            }
        }
        Ok((def, fks))
    }

    /// `table`'s columns, its primary key and the collations of its columns.
    fn columns(&mut self, table: &str, text: &TableText) -> rusqlite::Result<Columns> {
        let mut columns = Vec::new();
        let mut key: Vec<(i64, String)> = Vec::new();
        let mut collations = BTreeMap::new();
        let mut stmt = self.conn.prepare(
            "SELECT name, type, \"notnull\", dflt_value, pk, hidden
             FROM pragma_table_xinfo(?1, 'main') ORDER BY cid",
        )?;
        let rows = stmt
            .query_map([table], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (name, declared, not_null, default, pk, hidden) in rows {
            let text_column = text.columns.iter().find(|c| same_name(&c.name, &name));
            // 3: a STORED generated column, which the model describes.
            let generated = text_column
                .and_then(|c| c.generated.clone())
                .filter(|_| hidden == 3);
            if hidden != 0 && generated.is_none() {
                self.notes.push(ignored(format!(
                    "column {table}.{name}, a generated column"
                )));
                continue;
            }
            let ty = self.declared_type(table, &name, &declared);
            let mut column = ColumnDef::new(name.clone(), ty);
            column.nullable = !not_null;
            column.default = default.as_deref().and_then(read_default);
            column.generated = generated;
            if let Some(ct) = text_column {
                if let Some(collation) = &ct.collate {
                    let builtin = ["BINARY", "NOCASE", "RTRIM"]
                        .iter()
                        .any(|c| c.eq_ignore_ascii_case(collation));
                    if builtin {
                        column.collation = Some(collation.to_ascii_uppercase());
                    } else {
                        self.notes.push(dropped(
                            format!("column {table}.{name} has COLLATE {collation}"),
                            "the default collation",
                        ));
                    }
                    collations.insert(name.to_ascii_lowercase(), collation.clone());
                }
                if ct.autoincrement {
                    self.notes.push(dropped(
                        format!("column {table}.{name} is AUTOINCREMENT"),
                        "a plain INTEGER PRIMARY KEY",
                    ));
                }
            }
            if pk > 0 {
                key.push((pk, name.clone()));
            }
            columns.push(column);
        }
        key.sort();
        Ok(Columns {
            columns,
            key: key.into_iter().map(|(_, c)| c).collect(),
            collations,
        })
    }

    /// The model type of a column declared `declared` (see the [module](self)).
    fn declared_type(&mut self, table: &str, column: &str, declared: &str) -> ColumnType {
        let declared = declared.trim();
        if declared.is_empty() {
            self.notes.push(dropped(
                format!("column {table}.{column} has no declared type"),
                "bytea (BLOB affinity)",
            ));
            return ColumnType::Bytea;
        }
        let squash = |s: &str| {
            s.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_uppercase()
        };
        [ColumnType::from_sql(declared), ColumnType::Bytea]
            .into_iter()
            .find(|ty| {
                !ty.is_serial()
                    && !matches!(ty, ColumnType::Custom(_))
                    && column_type(ty).is_ok_and(|sql| squash(&sql) == squash(declared))
            })
            .unwrap_or_else(|| ColumnType::custom(declared))
    }

    /// The unique constraints' indexes of `table` (origin `u`), in the order
    /// SQLite made them (the order written), with their columns.
    fn unique_indexes(
        &mut self,
        table: &str,
        collations: &BTreeMap<String, String>,
    ) -> rusqlite::Result<Vec<Vec<String>>> {
        let mut out = Vec::new();
        for (name, _, _) in self.index_list(table, "u")? {
            let columns = self.index_columns(table, &name, collations, "unique constraint")?;
            out.extend(columns);
        }
        Ok(out)
    }

    /// `(name, unique, partial)` of `table`'s indexes of one origin: `c`
    /// (`CREATE INDEX`), `u` (a unique constraint) or `pk`. Autoindexes are
    /// numbered in the order their constraints are written.
    fn index_list(&self, table: &str, origin: &str) -> rusqlite::Result<Vec<(String, bool, bool)>> {
        let mut stmt = self.conn.prepare(
            "SELECT name, \"unique\", partial FROM pragma_index_list(?1, 'main')
             WHERE origin = ?2 ORDER BY seq DESC",
        )?;
        let rows = stmt
            .query_map([table, origin], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, bool>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The key columns of index `index`, or `None` (noted) when one is an
    /// expression; a descending column or a collation other than the
    /// column's is noted and read as a plain column.
    fn index_columns(
        &mut self,
        table: &str,
        index: &str,
        collations: &BTreeMap<String, String>,
        what: &str,
    ) -> rusqlite::Result<Option<Vec<String>>> {
        let mut stmt = self.conn.prepare(
            "SELECT name, \"desc\", coll FROM pragma_index_xinfo(?1, 'main')
             WHERE key = 1 ORDER BY seqno",
        )?;
        let columns = stmt
            .query_map([index], |r| {
                Ok(IndexColumn {
                    name: r.get(0)?,
                    desc: r.get(1)?,
                    collation: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::new();
        for column in columns {
            let Some(name) = column.name else {
                self.notes.push(ignored(format!(
                    "{what} {index} on {table}, which indexes an expression"
                )));
                return Ok(None);
            };
            if column.desc {
                self.notes.push(dropped(
                    format!("{what} {index} on {table} has {name} DESC"),
                    "ascending",
                ));
            }
            let own = collations
                .get(&name.to_ascii_lowercase())
                .map_or("BINARY", String::as_str);
            if !same_name(&column.collation, own) {
                self.notes.push(dropped(
                    format!(
                        "{what} {index} on {table} has {name} COLLATE {}",
                        column.collation
                    ),
                    "the column's collation",
                ));
            }
            out.push(name);
        }
        Ok(Some(out))
    }

    /// The indexes of `table` made by `CREATE INDEX`, as ops: the keys
    /// from `pragma_index_xinfo` (which are columns, which expressions)
    /// and the text (the expressions, `COLLATE` as written, `DESC`, the
    /// predicate).
    fn indexes(&mut self, table: &str) -> rusqlite::Result<Vec<Op>> {
        let mut ops = Vec::new();
        let mut list = self.index_list(table, "c")?;
        list.sort();
        for (name, unique, _) in list {
            let sql: Option<String> = self.conn.query_row(
                "SELECT sql FROM main.sqlite_schema WHERE type = 'index' AND name = ?1",
                [&name],
                |r| r.get(0),
            )?;
            let columns: Vec<Option<String>> = self
                .conn
                .prepare(
                    "SELECT name FROM pragma_index_xinfo(?1, 'main') WHERE key = 1 ORDER BY seqno",
                )?
                .query_map([&name], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let text = match sql.as_deref().map(parse::create_index) {
                Some(Ok(text)) if text.keys.len() == columns.len() => Ok(text),
                Some(Ok(_)) => Err("its keys do not match the pragma's".to_owned()),
                Some(Err(e)) => Err(e),
                None => Err("no CREATE INDEX text".to_owned()),
            };
            let text = match text {
                Ok(text) => text,
                Err(e) => {
                    self.notes.push(ignored(format!(
                        "index {name} on {table}, whose CREATE INDEX text cannot be read ({e})"
                    )));
                    continue;
                }
            };
            let keys = text
                .keys
                .into_iter()
                .zip(columns)
                .map(|(key, column)| {
                    let mut out = match column {
                        Some(c) => IndexKey::column(c),
                        None => IndexKey::expr(key.expr),
                    };
                    out.collation = key.collate;
                    out.descending = key.desc;
                    out
                })
                .collect();
            let mut index = IndexDef::new(QualifiedName::bare(table), keys);
            index.name.clone_from(&name);
            index.unique = unique;
            index.predicate = text.predicate;
            ops.push(Op::CreateIndex(CreateIndex {
                index,
                concurrently: false,
                if_not_exists: false,
            }));
        }
        Ok(ops)
    }

    /// `table`'s foreign keys as `pragma_foreign_key_list` gives them, in
    /// the order written (SQLite numbers them last first).
    fn catalog_keys(&self, table: &str) -> rusqlite::Result<Vec<CatalogKey>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete, \"match\"
             FROM pragma_foreign_key_list(?1, 'main') ORDER BY id DESC, seq",
        )?;
        let rows = stmt
            .query_map([table], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    CatalogKey {
                        table: r.get(1)?,
                        columns: vec![r.get(2)?],
                        ref_columns: vec![r.get(3)?],
                        on_update: r.get(4)?,
                        on_delete: r.get(5)?,
                        matching: r.get(6)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut keys: Vec<(i64, CatalogKey)> = Vec::new();
        for (id, row) in rows {
            match keys.last_mut() {
                Some((last, key)) if *last == id => {
                    key.columns.extend(row.columns);
                    key.ref_columns.extend(row.ref_columns);
                }
                _ => keys.push((id, row)),
            }
        }
        Ok(keys.into_iter().map(|(_, key)| key).collect())
    }

    /// A foreign key of `table` read into the model, named by the text it
    /// matches in `written` (taken from it); `None` (noted) when the table it
    /// references is not read.
    fn foreign_key(
        &mut self,
        table: &str,
        key: CatalogKey,
        written: &mut Vec<ConstraintText>,
        names: &mut Names,
    ) -> rusqlite::Result<Option<ForeignKey>> {
        let found = written.iter().position(|c| {
            matches!(&c.kind, KindText::ForeignKey { columns, table: t, .. }
                if same_names(columns, &key.columns) && same_name(t, &key.table))
        });
        let (given, deferrable) = match found.map(|i| written.remove(i)) {
            Some(ConstraintText {
                name,
                kind: KindText::ForeignKey { deferrable, .. },
            }) => (name, deferrable),
            _ => (None, None),
        };
        let what = match &given {
            Some(name) => format!("foreign key {name} of {table}"),
            None => format!("foreign key of {table} ({})", key.columns.join(", ")),
        };
        let Some(ref_table) = self.tables.iter().find(|t| same_name(t, &key.table)) else {
            self.notes.push(ignored(format!(
                "{what}, which references {}, a table that is not read",
                key.table
            )));
            return Ok(None);
        };
        let ref_columns = if key.ref_columns.iter().all(Option::is_some) {
            key.ref_columns.into_iter().flatten().collect()
        } else {
            // `REFERENCES t` alone: the primary key of `t`.
            let mut stmt = self.conn.prepare(
                "SELECT name FROM pragma_table_info(?1, 'main') WHERE pk > 0 ORDER BY pk",
            )?;
            stmt.query_map([ref_table], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?
        };
        if !key.matching.eq_ignore_ascii_case("NONE") {
            self.notes.push(dropped(
                format!("{what} has MATCH {}", key.matching),
                "without MATCH",
            ));
        }
        let mut fk = ForeignKey::new(
            table,
            key.columns,
            QualifiedName::bare(ref_table),
            ref_columns,
        );
        fk.name = match given {
            Some(name) => name,
            None => names.fresh(fk.name),
        };
        fk.on_delete = self.action(&what, "DELETE", &key.on_delete);
        fk.on_update = self.action(&what, "UPDATE", &key.on_update);
        fk.deferrable = deferrable;
        Ok(Some(fk))
    }

    /// A foreign key's `ON DELETE`/`ON UPDATE` action as the pragma spells it.
    fn action(&mut self, what: &str, event: &str, sql: &str) -> RefAction {
        match sql.to_ascii_uppercase().as_str() {
            "NO ACTION" => RefAction::NoAction,
            "RESTRICT" => RefAction::Restrict,
            "CASCADE" => RefAction::Cascade,
            "SET NULL" => RefAction::SetNull,
            "SET DEFAULT" => RefAction::SetDefault,
            other => {
                self.notes.push(dropped(
                    format!("{what} has ON {event} {other}"),
                    "NO ACTION",
                ));
                RefAction::NoAction
            }
        }
    }
}

/// Whether `expr`, a column check of `column`, is the check the dialect
/// writes for an enum column: the column declared `TEXT` and the check
/// exactly [`enum_check`] of some values.
fn is_enum_check(table: &TableDef, column: &str, expr: &str) -> bool {
    let text = table
        .columns
        .iter()
        .find(|c| same_name(&c.name, column))
        .is_some_and(|c| c.ty == ColumnType::Text);
    text && parse::in_list(expr)
        .is_some_and(|(c, values)| same_name(&c, column) && enum_check(&c, &values) == expr)
}

/// A default as SQLite reports it, read into the model (see the
/// [module](self)).
fn read_default(sql: &str) -> Option<DefaultValue> {
    let sql = sql.trim();
    if sql.eq_ignore_ascii_case("NULL") {
        return None;
    }
    Some(match literal(sql) {
        Some(value) => DefaultValue::Literal(value),
        None => DefaultValue::Expr(sql.to_owned()),
    })
}

/// `sql` as a literal, if it is exactly one string or number (or `TRUE`,
/// `FALSE`, which SQLite stores as 1 and 0).
fn literal(sql: &str) -> Option<Literal> {
    if sql.eq_ignore_ascii_case("TRUE") {
        return Some(Literal::Int(1));
    }
    if sql.eq_ignore_ascii_case("FALSE") {
        return Some(Literal::Int(0));
    }
    if let Some(inner) = sql.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        // One string: every quote inside is doubled.
        let single = inner.split("''").all(|part| !part.contains('\''));
        return single.then(|| Literal::Str(inner.replace("''", "'")));
    }
    let unsigned = sql.strip_prefix(['-', '+']).unwrap_or(sql);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => {
            (digits(a) || digits(b)) && (a.is_empty() || digits(a)) && (b.is_empty() || digits(b))
        }
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    if !mantissa_ok || !exponent_ok {
        return None;
    }
    if exponent.is_none()
        && !mantissa.contains('.')
        && let Ok(i) = sql.parse::<i64>()
    {
        return Some(Literal::Int(i));
    }
    sql.parse::<f64>().ok().map(Literal::Float)
}

/// The constraint names of one table: those the text gives, and the fresh
/// ones made for unnamed constraints.
struct Names {
    taken: BTreeSet<String>,
}

impl Names {
    fn new<'a>(given: impl Iterator<Item = &'a String>) -> Self {
        Self {
            taken: given.map(|n| n.to_ascii_lowercase()).collect(),
        }
    }

    /// `base`, or `base1`, `base2`, … if it is taken; now taken.
    fn fresh(&mut self, base: String) -> String {
        let mut name = base.clone();
        let mut n = 0;
        while self.taken.contains(&name.to_ascii_lowercase()) {
            n += 1;
            name = format!("{base}{n}");
        }
        self.taken.insert(name.to_ascii_lowercase());
        name
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::prelude::*;
    use crate::schema::align::align;
    use crate::schema::diff;

    /// The runner's tables, which the catalog reader is told to skip.
    const SKIP: &[&str] = &["migrator_version", "migrator_history"];

    /// A database file in the temporary directory, removed when dropped.
    struct TempDb {
        path: PathBuf,
        conn: Connection,
    }

    impl TempDb {
        fn new(name: &str) -> Self {
            static N: AtomicUsize = AtomicUsize::new(0);
            let path = std::env::temp_dir().join(format!(
                "migrator-sqlite-catalog-{}-{}-{name}.db",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = std::fs::remove_file(&path);
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
            Self { path, conn }
        }

        /// Runs `ops` as the runner would (validated, rendered for SQLite,
        /// executed) and returns the model they replay to.
        fn migrate(&self, ops: &[Op]) -> Schema {
            let statements = crate::render::render_ops(&Sqlite, ops, &Schema::new()).unwrap();
            for statement in statements.iter().flatten() {
                self.conn
                    .execute_batch(&statement.sql)
                    .unwrap_or_else(|e| panic!("{}: {e}", statement.sql));
            }
            Schema::replay(ops).unwrap()
        }

        fn sql(&self, sql: &str) {
            self.conn.execute_batch(sql).unwrap();
        }

        fn read(&self) -> (Schema, Vec<String>) {
            read_catalog(&self.conn, SKIP).unwrap()
        }

        /// The ops that would bring the database to `expected`, compared the
        /// way drift detection compares (stored form, align, diff).
        fn drift(&self, expected: &Schema) -> Vec<String> {
            let (live, _) = self.read();
            let stored = stored_form(expected).unwrap();
            let target = align(expected, &stored.spelled(), &live, &live.spelled());
            diff(&live, &target)
                .unwrap()
                .iter()
                .map(Op::describe)
                .collect()
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            for suffix in ["", "-journal", "-wal", "-shm"] {
                let mut path = self.path.clone().into_os_string();
                path.push(suffix);
                let _ = std::fs::remove_file(path);
            }
        }
    }

    /// Every column type the SQLite dialect renders, literal and expression
    /// defaults, nullable columns, identity and serial keys, a composite
    /// key, unique and check constraints, foreign keys with actions (one
    /// composite, one to the table itself), an enum column, comments, a
    /// partial unique index and a plain one; then changes that rebuild.
    fn rich() -> Ops {
        let mut op = Ops::new();
        op.create_enum("fee_status", ["pending", "paid", "it's"]);
        op.create_table("accounts", |t| {
            t.column::<i64>("id").identity().primary_key();
            t.column::<String>("email").unique();
            t.column_as("name", ColumnType::varchar(80)).default("anon");
            t.column::<Option<String>>("bio").comment("free text");
            t.column::<Option<i64>>("parent_id")
                .references("accounts", "id")
                .on_delete(RefAction::SetNull);
            t.comment("who pays");
        });
        op.create_table("fees", |t| {
            t.column_as("account_id", ColumnType::BigInt);
            t.column_as("seq", ColumnType::Integer);
            t.column_as("small", ColumnType::SmallInt).default(-3);
            t.column_as("flag", ColumnType::Boolean).default(true);
            t.column_as("code", ColumnType::char(3)).nullable();
            t.column_as("label", ColumnType::Varchar(None)).nullable();
            t.column_as("amount", ColumnType::numeric(10, 2))
                .default(0.5);
            t.column_as("ratio", ColumnType::Numeric(None)).nullable();
            t.column_as("r", ColumnType::Real).default(f64::INFINITY);
            t.column_as("d", ColumnType::Double).default(-1e300);
            t.column_as("on_date", ColumnType::Date)
                .default_sql("current_date");
            t.column_as("at_time", ColumnType::Time).nullable();
            t.column_as("created", ColumnType::Timestamp)
                .default_sql("now()");
            t.column_as("created_tz", ColumnType::TimestampTz)
                .default_sql("CURRENT_TIMESTAMP");
            t.column_as("span", ColumnType::Interval).nullable();
            t.column_as("uid", ColumnType::Uuid).nullable();
            t.column_as("doc", ColumnType::Json).default("{}");
            t.column_as("docb", ColumnType::Jsonb).nullable();
            t.column_as("raw", ColumnType::Bytea).nullable();
            t.column_as("ip", ColumnType::Inet).nullable();
            t.column_as("status", ColumnType::enumeration("fee_status"))
                .default("pending");
            t.column_as("period", ColumnType::custom("int4range"))
                .nullable();
            t.column_as("twice", ColumnType::Integer)
                .default_sql("1 + 1");
            t.column_as("neg", ColumnType::Integer).default_sql("-7");
            t.column_as("quoted", ColumnType::Text).default("it's (x)");
            t.primary_key(["account_id", "seq"]).named("fees_key");
            t.check("fees_amount_positive", "amount >= 0");
            t.foreign_key(["account_id"], "accounts", ["id"])
                .named("fees_account")
                .on_delete(RefAction::Cascade)
                .on_update(RefAction::Restrict);
        });
        op.create_table("fee_notes", |t| {
            t.column_as("id", ColumnType::BigSerial).primary_key();
            t.column_as("account_id", ColumnType::BigInt);
            t.column_as("seq", ColumnType::Integer);
            t.column::<String>("body");
            t.foreign_key(["account_id", "seq"], "fees", ["account_id", "seq"])
                .on_delete(RefAction::SetDefault);
            t.unique(["account_id", "seq", "body"]).named("one_note");
        });
        op.create_index("fees", ["account_id", "status"])
            .unique()
            .where_sql("status <> 'paid'");
        op.create_index("fee_notes", ["body"]).named("by_body");
        // Through rebuilds: a new check, a changed default.
        op.add_check("fee_notes", "body_not_empty", "length(body) > 0");
        op.alter_column("accounts", "name").set_default("nobody");
        op
    }

    #[test]
    fn a_rich_schema_reads_back_as_its_stored_form() {
        let db = TempDb::new("rich");
        let expected = db.migrate(rich().ops());
        db.sql("CREATE TABLE migrator_version (version_num TEXT NOT NULL PRIMARY KEY)");
        let (live, notes) = db.read();
        assert_eq!(notes, Vec::<String>::new());
        let stored = stored_form(&expected).unwrap();
        assert_eq!(live.normalized(), stored.normalized());
        assert_eq!(db.drift(&expected), Vec::<String>::new());

        // What SQLite makes of the model: read by the rules of the module.
        let fees = live.table(&"fees".into()).unwrap();
        let column = |name: &str| fees.find_column(name).unwrap();
        assert_eq!(column("account_id").ty, ColumnType::Integer);
        assert_eq!(column("uid").ty, ColumnType::Text);
        assert_eq!(column("raw").ty, ColumnType::Bytea);
        assert_eq!(column("period").ty, ColumnType::custom("int4range"));
        assert_eq!(column("status").ty, ColumnType::Text);
        assert_eq!(
            column("flag").default,
            Some(DefaultValue::Literal(Literal::Int(1)))
        );
        assert_eq!(
            column("r").default,
            Some(DefaultValue::Literal(Literal::Float(f64::INFINITY)))
        );
        assert_eq!(
            column("quoted").default,
            Some(DefaultValue::Literal(Literal::Str("it's (x)".into())))
        );
        assert_eq!(
            column("twice").default,
            Some(DefaultValue::Expr("1 + 1".into()))
        );
        assert_eq!(
            column("created").default,
            Some(DefaultValue::Expr("CURRENT_TIMESTAMP".into()))
        );
        assert_eq!(live.enums().count(), 0);
        let accounts = live.table(&"accounts".into()).unwrap();
        assert_eq!(accounts.comment, None);
        assert_eq!(accounts.find_column("id").unwrap().identity, None);
        assert_eq!(
            live.index(&"ix_fees_account_id_status".into())
                .unwrap()
                .predicate
                .as_deref(),
            Some("status <> 'paid'")
        );
    }

    #[test]
    fn what_the_reader_reads_is_stable() {
        let db = TempDb::new("stable");
        db.migrate(rich().ops());
        let (live, _) = db.read();
        assert_eq!(stored_form(&live).unwrap().normalized(), live.normalized());
    }

    /// Each kind of change made by hand, and the op that would undo it.
    #[test]
    fn changes_made_by_hand_are_seen() {
        let cases: &[(&str, &str)] = &[
            (
                "ALTER TABLE fee_notes ADD COLUMN extra TEXT",
                "drop_column fee_notes.extra",
            ),
            (
                "CREATE INDEX by_seq ON fees (seq)",
                "drop_index by_seq",
            ),
            ("DROP INDEX by_body", "create_index by_body on fee_notes"),
            ("CREATE TABLE scratch (x INTEGER)", "drop_table scratch"),
            (
                "CREATE TABLE new_notes (id INTEGER NOT NULL, account_id INTEGER NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL DEFAULT 'x', CONSTRAINT fee_notes_pkey PRIMARY KEY (id), CONSTRAINT one_note UNIQUE (account_id, seq, body), CONSTRAINT body_not_empty CHECK (length(body) > 0), CONSTRAINT fee_notes_account_id_seq_fkey FOREIGN KEY (account_id, seq) REFERENCES fees (account_id, seq) ON DELETE SET DEFAULT);
                 INSERT INTO new_notes SELECT * FROM fee_notes;
                 DROP TABLE fee_notes;
                 ALTER TABLE new_notes RENAME TO fee_notes;
                 CREATE INDEX by_body ON fee_notes (body)",
                "alter_column fee_notes.body",
            ),
            (
                "CREATE TABLE new_notes (id INTEGER NOT NULL, account_id INTEGER NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, CONSTRAINT fee_notes_pkey PRIMARY KEY (id), CONSTRAINT one_note UNIQUE (account_id, seq, body), CONSTRAINT body_not_empty CHECK (length(body) > 0), CHECK (seq > 0), CONSTRAINT fee_notes_account_id_seq_fkey FOREIGN KEY (account_id, seq) REFERENCES fees (account_id, seq) ON DELETE SET DEFAULT);
                 INSERT INTO new_notes SELECT * FROM fee_notes;
                 DROP TABLE fee_notes;
                 ALTER TABLE new_notes RENAME TO fee_notes;
                 CREATE INDEX by_body ON fee_notes (body)",
                "drop_constraint fee_notes_check on fee_notes",
            ),
        ];
        for (change, undo) in cases {
            let db = TempDb::new("drift");
            let expected = db.migrate(rich().ops());
            assert_eq!(db.drift(&expected), Vec::<String>::new(), "before {change}");
            db.sql(change);
            assert_eq!(db.drift(&expected), [undo.to_string()], "after {change}");
        }
    }

    #[test]
    fn views_read_skipped_tables_left_out_and_hand_made_objects_are_drift() {
        let db = TempDb::new("objects");
        let expected = db.migrate(rich().ops());
        db.sql(
            "CREATE VIEW v_fees AS SELECT * FROM fees;
             CREATE VIEW v_accounts AS SELECT id, email FROM accounts;
             CREATE VIEW v_named(n) AS SELECT 1;
             CREATE TRIGGER fees_touch AFTER UPDATE ON fees BEGIN SELECT 1; END;
             CREATE TABLE migrator_history (revision TEXT);
             CREATE TRIGGER history_touch AFTER INSERT ON migrator_history BEGIN SELECT 1; END;
             CREATE INDEX ix_lower ON fee_notes (lower(body));
             CREATE TABLE gen (a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2)) STRICT;",
        );
        let (live, notes) = db.read();
        assert_eq!(
            notes,
            [
                "table gen is STRICT (not described by the schema model; read as an ordinary table)",
                "column gen.b, a generated column (not described by the schema model; ignored)",
                "view v_named (CREATE VIEW v_named(n) AS SELECT 1) (not described by the schema model; ignored)",
                "create_view v_fees (the schema model refuses it: view v_fees: its select list has a *, which PostgreSQL expands to the columns of the moment the view is created (the model could not follow it); list the columns instead; ignored)",
            ]
        );
        assert!(live.table(&"migrator_history".into()).is_none());
        assert_eq!(
            live.view(&"v_accounts".into()).unwrap().sql,
            "SELECT id, email FROM accounts"
        );
        assert!(live.view(&"v_fees".into()).is_none());
        assert_eq!(
            live.index(&"ix_lower".into()).unwrap().keys,
            [crate::ops::IndexKey::expr("lower(body)")]
        );
        let gen_columns: Vec<&str> = live
            .table(&"gen".into())
            .unwrap()
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(gen_columns, ["a"]);
        assert_eq!(
            live.trigger(&"fees".into(), "fees_touch").map(|t| t.timing),
            Some(crate::ops::TriggerTiming::After)
        );
        assert_eq!(
            db.drift(&expected),
            [
                "drop_trigger fees_touch on fees",
                "drop_index ix_lower",
                "drop_view v_accounts",
                "drop_table gen"
            ]
        );
    }

    /// The reader checked against SQL written here, not by the renderer:
    /// unnamed constraints, column-level keys, `REFERENCES t` without
    /// columns, spellings the renderer never writes.
    #[test]
    fn hand_written_sql_reads_as_the_model_says() {
        let db = TempDb::new("hand");
        db.sql(
            "CREATE TABLE Users (
                id INTEGER PRIMARY KEY,
                email varchar(200) NOT NULL UNIQUE,
                nick TEXT CONSTRAINT nick_ok CHECK (length(nick) < 20) CHECK (nick <> ''),
                kind TEXT NOT NULL DEFAULT 'basic' CHECK (\"kind\" IN ('basic', 'pro')),
                score INT DEFAULT (0),
                active BOOLEAN NOT NULL DEFAULT TRUE,
                ratio DOUBLE  PRECISION DEFAULT 1.5e3,
                seen TIMESTAMP DEFAULT NULL,
                blob_ BLOB,
                CHECK (score >= 0)
            );
            CREATE TABLE posts (
                author INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,
                slug TEXT NOT NULL,
                body TEXT,
                parent_author INTEGER,
                parent_slug TEXT,
                CONSTRAINT posts_key PRIMARY KEY (author, slug),
                FOREIGN KEY (parent_author, parent_slug) REFERENCES posts (author, slug) ON UPDATE SET NULL,
                UNIQUE (slug, body)
            );
            CREATE UNIQUE INDEX posts_one_root ON posts (author) WHERE parent_slug IS NULL;
            CREATE INDEX \"posts by body\" ON posts (body, slug);",
        );
        let mut op = Ops::new();
        op.create_table("Users", |t| {
            t.column_as("id", ColumnType::Integer).nullable();
            t.column_as("email", ColumnType::varchar(200)).unique();
            t.column::<Option<String>>("nick");
            t.column_as("kind", ColumnType::Text).default("basic");
            t.column_as("score", ColumnType::custom("INT"))
                .nullable()
                .default(0);
            t.column_as("active", ColumnType::Boolean).default(1);
            t.column_as("ratio", ColumnType::Double)
                .nullable()
                .default(1500.0);
            t.column_as("seen", ColumnType::Timestamp).nullable();
            t.column_as("blob_", ColumnType::Bytea).nullable();
            t.primary_key(["id"]);
            t.check("nick_ok", "length(nick) < 20");
            t.check("Users_nick_check", "nick <> ''");
            t.check("Users_check", "score >= 0");
        });
        op.create_table("posts", |t| {
            t.column_as("author", ColumnType::Integer)
                .references("Users", "id")
                .on_delete(RefAction::Cascade);
            t.column::<String>("slug");
            t.column::<Option<String>>("body");
            t.column_as("parent_author", ColumnType::Integer).nullable();
            t.column::<Option<String>>("parent_slug");
            t.primary_key(["author", "slug"]).named("posts_key");
            t.foreign_key(
                ["parent_author", "parent_slug"],
                "posts",
                ["author", "slug"],
            )
            .on_update(RefAction::SetNull);
            t.unique(["slug", "body"]);
        });
        op.create_index("posts", ["author"])
            .named("posts_one_root")
            .unique()
            .where_sql("parent_slug IS NULL");
        op.create_index("posts", ["body", "slug"])
            .named("posts by body");
        let want = Schema::replay(op.ops()).unwrap();
        let (live, notes) = db.read();
        assert_eq!(notes, Vec::<String>::new());
        assert_eq!(live.normalized(), want.normalized());
    }

    #[test]
    fn what_the_model_cannot_hold_is_noted() {
        let db = TempDb::new("odd");
        db.sql(
            "CREATE TABLE t (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT COLLATE NOCASE,
                anything,
                other INTEGER REFERENCES missing (id) DEFERRABLE INITIALLY DEFERRED
            ) ;
            CREATE TABLE w (k TEXT PRIMARY KEY) WITHOUT ROWID;
            CREATE TABLE r (a INTEGER, b INTEGER, PRIMARY KEY (a, b), UNIQUE (b, a));
            CREATE INDEX t_name_desc ON t (name DESC);",
        );
        let (live, notes) = db.read();
        assert_eq!(
            notes,
            [
                "table w is WITHOUT ROWID (not described by the schema model; read as an ordinary table)",
                "column r.a is in the primary key without NOT NULL, so SQLite lets it hold NULL (not described by the schema model; read as NOT NULL)",
                "column r.b is in the primary key without NOT NULL, so SQLite lets it hold NULL (not described by the schema model; read as NOT NULL)",
                "column t.id is AUTOINCREMENT (not described by the schema model; read as a plain INTEGER PRIMARY KEY)",
                "column t.anything has no declared type (not described by the schema model; read as bytea (BLOB affinity))",
                "foreign key of t (other), which references missing, a table that is not read (not described by the schema model; ignored)",
                "add unique constraint r_b_a_key on r (the schema model refuses it: r_b_a_key on table r covers the same columns as r_pkey; leave it out (a second index over them only slows writes, and a foreign key could depend on either); ignored)",
            ]
        );
        let t = live.table(&"t".into()).unwrap();
        assert_eq!(t.find_column("anything").unwrap().ty, ColumnType::Bytea);
        assert_eq!(
            t.find_column("name").unwrap().collation.as_deref(),
            Some("NOCASE")
        );
        assert_eq!(
            live.index(&"t_name_desc".into()).unwrap().keys,
            [crate::ops::IndexKey::column("name").desc()]
        );
        assert!(live.table(&"w".into()).is_some());
        let r = live.table(&"r".into()).unwrap();
        assert_eq!(r.constraints.len(), 1);
        assert_eq!(r.primary_key_constraint().unwrap().columns, ["a", "b"]);
    }

    #[test]
    fn a_schema_sqlite_cannot_hold_has_no_stored_form() {
        let mut op = Ops::new();
        op.create_table("tags", |t| {
            t.column_as("names", ColumnType::array(ColumnType::Text));
        });
        let err = stored_form(&Schema::replay(op.ops()).unwrap()).unwrap_err();
        assert!(err.contains("SQLite has no array types"), "{err}");
    }

    #[test]
    fn defaults_are_read_as_literals_only_when_they_are_one() {
        let lit = |sql: &str| match read_default(sql) {
            Some(DefaultValue::Literal(l)) => Some(l),
            _ => None,
        };
        assert_eq!(lit("'it''s'"), Some(Literal::Str("it's".into())));
        assert_eq!(lit("'a' || 'b'"), None);
        assert_eq!(lit("'a''"), None);
        assert_eq!(lit("-3"), Some(Literal::Int(-3)));
        assert_eq!(lit("+3"), Some(Literal::Int(3)));
        assert_eq!(lit(".5"), Some(Literal::Float(0.5)));
        assert_eq!(lit("1e3"), Some(Literal::Float(1000.0)));
        assert_eq!(lit("-9e999"), Some(Literal::Float(f64::NEG_INFINITY)));
        assert_eq!(lit("99999999999999999999"), Some(Literal::Float(1e20)));
        assert_eq!(lit("false"), Some(Literal::Int(0)));
        assert_eq!(lit("inf"), None);
        assert_eq!(lit("NaN"), None);
        assert_eq!(lit("1."), Some(Literal::Float(1.0)));
        assert_eq!(lit("."), None);
        assert_eq!(lit("0x10"), None);
        assert_eq!(read_default("NULL"), None);
        assert_eq!(read_default("(2)"), Some(DefaultValue::Expr("(2)".into())));
    }
}
