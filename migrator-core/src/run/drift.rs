//! A live database compared with a schema model: what `check` reports as
//! drift (a column or index made or dropped by hand, a type or default
//! changed outside migrations) and what `revision --autogenerate
//! --from-database` diffs the models against.
//!
//! Each backend reads its catalog into a [`Schema`] and spells the expected
//! schema the way it stores it; the two are then aligned
//! ([`align`](crate::schema::align)) and diffed, so a default written
//! `now()` in a migration and printed `CURRENT_TIMESTAMP` by the server is
//! no difference, and an enum on SQLite (a `TEXT` column with a check) is
//! none either.

use std::fmt;

use super::backend::{Session, on_engine};
use super::{Database, RunError, Runner, tables};
use crate::ops::Op;
use crate::schema::Schema;
use crate::schema::align::align;

/// What a database's catalog holds, as the schema model describes it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Catalog {
    /// Every schema, enum, table, column, constraint and index the model
    /// can describe; the runner's own tables are left out.
    pub schema: Schema,
    /// What the catalog holds that the model cannot describe (a view, a
    /// function, a trigger, an expression index, …), one line each: left
    /// out of [`schema`](Self::schema) and never compared.
    pub unmodelled: Vec<String>,
}

/// How a live database differs from the schema its migrations give at the
/// revision its version table names ([`Runner::drift`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Drift {
    /// The version table's rows.
    pub at: Vec<String>,
    /// The ops that would turn the migrations' schema into the database's:
    /// one difference each (empty when there is no drift).
    pub changes: Vec<Op>,
    /// Each difference in words, what the migrations say and what the
    /// database has (one line per difference, changes no op makes included).
    pub differences: Vec<String>,
    /// What the database holds that the model cannot describe, not compared.
    pub unmodelled: Vec<String>,
}

impl Drift {
    /// Whether the database holds what its migrations say, no more, no less.
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty()
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.at.is_empty() {
            "base".to_owned()
        } else {
            self.at.join(", ")
        };
        if self.is_empty() {
            write!(f, "the database matches its migrations at {at}")?;
        } else {
            write!(
                f,
                "the database differs from its migrations at {at} ({} difference(s), made outside migrations?):",
                self.differences.len()
            )?;
            for line in &self.differences {
                write!(f, "\n  - {line}")?;
            }
        }
        if !self.unmodelled.is_empty() {
            write!(f, "\nnot compared (the schema model cannot describe them):")?;
            for line in &self.unmodelled {
                write!(f, "\n  - {line}")?;
            }
        }
        Ok(())
    }
}

/// The table and column an op is about, as text.
fn column_of(table: &crate::ident::QualifiedName, column: &str) -> String {
    format!("{table}.{column}")
}

/// One difference in words: `op` turns `expected` (what the migrations
/// say) into `live` (what the database has).
fn explain(op: &Op, expected: &Schema, live: &Schema) -> String {
    let col = |s: &Schema, t: &crate::ident::QualifiedName, c: &str| {
        s.table(t).and_then(|t| t.find_column(c)).cloned()
    };
    match op {
        Op::CreateSchema(o) => format!(
            "schema {} is in the database, not in the migrations",
            o.name
        ),
        Op::DropSchema(o) => format!("schema {} is missing from the database", o.name),
        Op::CreateTable(o) => format!(
            "table {} is in the database, not in the migrations",
            o.table.name
        ),
        Op::DropTable(o) => format!("table {} is missing from the database", o.name),
        Op::AddColumn(o) => format!(
            "column {} ({}) is in the database, not in the migrations",
            column_of(&o.table, &o.column.name),
            crate::render::postgres::type_sql(&o.column.ty)
        ),
        Op::DropColumn(o) => format!(
            "column {} is missing from the database",
            column_of(&o.table, &o.column)
        ),
        Op::AlterColumn(o) => {
            let (Some(want), Some(got)) = (
                col(expected, &o.table, &o.column),
                col(live, &o.table, &o.column),
            ) else {
                return op.describe();
            };
            let mut parts = Vec::new();
            if o.ty.is_some() {
                let ty = crate::render::postgres::type_sql;
                parts.push(format!(
                    "type {} in the migrations, {} in the database",
                    ty(&want.ty),
                    ty(&got.ty)
                ));
            }
            if o.nullable.is_some() {
                let null = |n: bool| if n { "NULL" } else { "NOT NULL" };
                parts.push(format!(
                    "{} in the migrations, {} in the database",
                    null(want.nullable),
                    null(got.nullable)
                ));
            }
            if o.default.is_some() {
                let default = |d: &Option<crate::types::DefaultValue>| {
                    d.as_ref()
                        .map_or("none".to_owned(), crate::render::postgres::default_sql)
                };
                parts.push(format!(
                    "default {} in the migrations, {} in the database",
                    default(&want.default),
                    default(&got.default)
                ));
            }
            if o.comment.is_some() {
                parts.push(format!(
                    "comment {:?} in the migrations, {:?} in the database",
                    want.comment, got.comment
                ));
            }
            format!(
                "column {} differs: {}",
                column_of(&o.table, &o.column),
                parts.join("; ")
            )
        }
        Op::SetTableComment(o) => format!(
            "table {} has comment {:?} in the database, {:?} in the migrations",
            o.table,
            o.comment,
            expected.table(&o.table).and_then(|t| t.comment.clone())
        ),
        Op::CreateIndex(o) => format!(
            "index {} on {} is in the database, not in the migrations",
            o.index.name, o.index.table
        ),
        Op::DropIndex(o) => format!("index {} is missing from the database", o.name),
        Op::AddConstraint(o) => format!(
            "{} {} on {} is in the database, not in the migrations",
            o.constraint.kind(),
            o.constraint.name(),
            o.table
        ),
        Op::DropConstraint(o) => format!(
            "constraint {} on {} is missing from the database",
            o.name, o.table
        ),
        Op::ValidateConstraint(o) => format!(
            "constraint {} on {} is validated in the database, NOT VALID in the migrations",
            o.name, o.table
        ),
        Op::CreateEnum(o) => format!("enum {} is in the database, not in the migrations", o.name),
        Op::DropEnum(o) => format!("enum {} is missing from the database", o.name),
        Op::AddEnumValue(o) => format!(
            "enum {} has value {:?} in the database only",
            o.name, o.value
        ),
        Op::CreateExtension(o) => format!(
            "extension {} is installed in the database, not by the migrations",
            o.name
        ),
        Op::DropExtension(o) => format!("extension {} is missing from the database", o.name),
        Op::CreateView(o) => {
            let kind = if o.view.materialized {
                "materialized view"
            } else {
                "view"
            };
            match expected.view(&o.view.name) {
                Some(want) => format!(
                    "{kind} {} is defined differently in the database: {:?} there, {:?} in the migrations",
                    o.view.name, o.view.sql, want.sql
                ),
                None => format!(
                    "{kind} {} is in the database, not in the migrations",
                    o.view.name
                ),
            }
        }
        Op::DropView(o) => format!(
            "{} {} is missing from the database",
            if o.materialized {
                "materialized view"
            } else {
                "view"
            },
            o.name
        ),
        Op::CreateSequence(o) => {
            format!(
                "sequence {} is in the database, not in the migrations",
                o.name
            )
        }
        Op::DropSequence(o) => format!("sequence {} is missing from the database", o.name),
        Op::AlterSequence(o) => format!(
            "sequence {} differs: the database holds what {} makes of the migrations' one",
            o.name,
            crate::ops::rust_source(&[Op::AlterSequence(o.clone())])
                .unwrap_or_default()
                .trim()
        ),
        other => other.describe(),
    }
}

/// A constraint's definition, for saying how two differ.
fn constraint_text(c: &crate::ops::Constraint) -> String {
    use crate::ops::Constraint;
    let list = |cols: &[String]| cols.join(", ");
    match c {
        Constraint::PrimaryKey(k) => format!("PRIMARY KEY ({})", list(&k.columns)),
        Constraint::Unique(u) => format!("UNIQUE ({})", list(&u.columns)),
        Constraint::Check(k) => format!("CHECK ({})", k.expr),
        Constraint::Exclusion(_) => crate::render::constraint_sql(c, &None),
        Constraint::ForeignKey(f) => format!(
            "FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {} ON UPDATE {}",
            list(&f.columns),
            f.ref_table,
            list(&f.ref_columns),
            f.on_delete.sql(),
            f.on_update.sql()
        ),
    }
}

/// An index's definition, for saying how two differ.
fn index_text(i: &crate::ops::IndexDef) -> String {
    let mut text = format!(
        "{}{} ({})",
        if i.unique { "UNIQUE " } else { "" },
        i.method.as_str(),
        crate::render::key_list(&i.keys)
    );
    if !i.include.is_empty() {
        text.push_str(&format!(" INCLUDE ({})", i.include.join(", ")));
    }
    if i.nulls_not_distinct {
        text.push_str(" NULLS NOT DISTINCT");
    }
    if !i.with.is_empty() {
        let params: Vec<String> = i.with.iter().map(|(k, v)| format!("{k}={v}")).collect();
        text.push_str(&format!(" WITH ({})", params.join(", ")));
    }
    if let Some(p) = &i.predicate {
        text.push_str(&format!(" WHERE {p}"));
    }
    text
}

/// A drop and a create of one object (same name) read as one change,
/// with both definitions.
fn pair_changes(ops: &[Op], lines: Vec<String>, expected: &Schema) -> Vec<String> {
    let dropped_index = |name: &str| {
        ops.iter()
            .any(|o| matches!(o, Op::DropIndex(d) if d.name.name == name))
    };
    let dropped_constraint = |name: &str| {
        ops.iter()
            .any(|o| matches!(o, Op::DropConstraint(d) if d.name == name))
    };
    let mut out = Vec::with_capacity(lines.len());
    for (op, line) in ops.iter().zip(lines) {
        match op {
            Op::DropIndex(d)
                if ops
                    .iter()
                    .any(|o| matches!(o, Op::CreateIndex(c) if c.index.name == d.name.name)) => {}
            Op::DropConstraint(d)
                if ops.iter().any(
                    |o| matches!(o, Op::AddConstraint(c) if c.constraint.name() == d.name),
                ) => {}
            // Said by the create that follows (a view defined differently).
            Op::DropView(d)
                if ops.iter().any(
                    |o| matches!(o, Op::CreateView(c) if c.view.name.key() == d.name.key()),
                ) => {}
            Op::CreateIndex(c) if dropped_index(&c.index.name) => {
                let was = expected
                    .indexes_of(&c.index.table)
                    .find(|i| i.name == c.index.name)
                    .map(index_text)
                    .unwrap_or_default();
                out.push(format!(
                    "index {} on {} is defined differently in the database: {} there, {was} in the migrations",
                    c.index.name,
                    c.index.table,
                    index_text(&c.index)
                ));
            }
            Op::AddConstraint(c) if dropped_constraint(c.constraint.name()) => {
                let was = expected
                    .table(&c.table)
                    .and_then(|t| t.find_constraint(c.constraint.name()))
                    .map(constraint_text)
                    .unwrap_or_default();
                out.push(format!(
                    "{} {} on {} is defined differently in the database: {} there, {was} in the migrations",
                    c.constraint.kind(),
                    c.constraint.name(),
                    c.table,
                    constraint_text(&c.constraint)
                ));
            }
            _ => out.push(line),
        }
    }
    out
}

/// `expected` compared with `live`, `stored` being `expected` as the live
/// database's engine stores it: the ops from one to the other, and each
/// difference in words.
pub(crate) fn compare(expected: &Schema, stored: &Schema, live: &Schema) -> (Vec<Op>, Vec<String>) {
    let aligned = align(expected, &stored.spelled(), live, &live.spelled());
    match crate::schema::diff(&aligned, live) {
        Ok(ops) => {
            let lines = ops.iter().map(|op| explain(op, &aligned, live)).collect();
            let lines = pair_changes(&ops, lines, &aligned);
            (ops, lines)
        }
        Err(refused) => (Vec::new(), refused.changes),
    }
}

impl Runner<'_> {
    /// `schema` with the schemas the runner's own tables live in, where the
    /// database has them: they are the runner's, not a difference.
    fn with_runner_schemas(&self, mut schema: Schema, catalog: &Catalog) -> Schema {
        for table in [&self.config.version_table, &self.config.history_table] {
            if catalog.schema.has_schema(table.schema_name()) {
                schema.schemas.insert(table.schema_name().to_owned());
            }
        }
        schema
    }

    /// Reads the database's catalog into the schema model (the runner's
    /// own tables left out).
    pub async fn catalog(&self, db: &Database) -> Result<Catalog, RunError> {
        on_engine!(db.engine(), S => {
            S::open(db, &self.config).await?.read_catalog(&self.config).await
        })
    }

    /// Compares the database with the schema its migrations give at the
    /// revision its version table names: what was created, dropped or
    /// changed outside migrations. Nothing in the database changes.
    pub async fn drift(&self, db: &Database) -> Result<Drift, RunError> {
        on_engine!(db.engine(), S => {
            self.drift_in(&mut S::open(db, &self.config).await?).await
        })
    }

    /// Compares the database with `expected`, any schema (the one a test
    /// built, say), as [`drift`](Self::drift) compares it with the
    /// migrations'; [`Drift::at`] is the version table's rows.
    pub async fn compare_database(
        &self,
        db: &Database,
        expected: &Schema,
    ) -> Result<Drift, RunError> {
        on_engine!(db.engine(), S => {
            let mut session = S::open(db, &self.config).await?;
            let at = tables::current(&mut session, &self.config).await?;
            self.compare_in(&mut session, at, expected).await
        })
    }

    async fn drift_in<S: Session>(&self, session: &mut S) -> Result<Drift, RunError> {
        let at = tables::current(session, &self.config).await?;
        let expected = self.migrations.schema_on(S::ENGINE, &at)?;
        self.compare_in(session, at, &expected).await
    }

    async fn compare_in<S: Session>(
        &self,
        session: &mut S,
        at: Vec<String>,
        expected: &Schema,
    ) -> Result<Drift, RunError> {
        let catalog = session.read_catalog(&self.config).await?;
        let expected = self.with_runner_schemas(expected.clone(), &catalog);
        let stored = session.stored_form(&expected).await?;
        let (changes, differences) = compare(&expected, &stored, &catalog.schema);
        Ok(Drift {
            at,
            changes,
            differences,
            unmodelled: catalog.unmodelled,
        })
    }

    /// The live database's catalog, and `target` (the models' schema, say)
    /// aligned with it: wherever the two mean the same, `target` is
    /// written as the database writes it, so `diff(&catalog.schema,
    /// &target)` gives only real changes, in the author's words. For
    /// `revision --autogenerate --from-database`. The database must be at
    /// the heads of the migrations ([`RunError::NotAtHeads`] otherwise): a
    /// revision written from an older database would repeat what the
    /// pending ones do.
    pub async fn align_to_database(
        &self,
        db: &Database,
        target: &Schema,
    ) -> Result<(Catalog, Schema), RunError> {
        on_engine!(db.engine(), S => {
            self.align_to_database_in(&mut S::open(db, &self.config).await?, target).await
        })
    }

    async fn align_to_database_in<S: Session>(
        &self,
        session: &mut S,
        target: &Schema,
    ) -> Result<(Catalog, Schema), RunError> {
        let at = tables::current(session, &self.config).await?;
        let graph = self.migrations.graph();
        let heads = graph.heads();
        if at != graph.version_rows(&heads)? {
            return Err(RunError::NotAtHeads {
                at,
                heads: heads.iter().map(|h| h.to_string()).collect(),
            });
        }
        let catalog = session.read_catalog(&self.config).await?;
        let target = self.with_runner_schemas(target.clone(), &catalog);
        let stored = session.stored_form(&target).await?;
        let live = &catalog.schema;
        let aligned = align(&target, &stored.spelled(), live, &live.spelled());
        Ok((catalog, aligned))
    }
}
