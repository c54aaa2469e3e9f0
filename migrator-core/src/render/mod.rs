//! Rendering ops to SQL, per dialect, with what the runner needs to know
//! about each statement.

pub mod postgres;
pub mod sqlite;

pub use postgres::Postgres;
pub use sqlite::Sqlite;

use crate::ident::QualifiedName;
use crate::ops::Op;
use crate::schema::{ReplayError, Schema};

/// PostgreSQL's table-level lock modes, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockLevel {
    /// `ACCESS SHARE`: taken by `SELECT`.
    AccessShare,
    /// `ROW SHARE`.
    RowShare,
    /// `ROW EXCLUSIVE`: taken by writes.
    RowExclusive,
    /// `SHARE UPDATE EXCLUSIVE`: blocks other DDL and `VACUUM`, not reads or writes.
    ShareUpdateExclusive,
    /// `SHARE`: blocks writes (`CREATE INDEX`).
    Share,
    /// `SHARE ROW EXCLUSIVE`: blocks writes and other `SHARE` locks (foreign keys).
    ShareRowExclusive,
    /// `EXCLUSIVE`: allows only reads.
    Exclusive,
    /// `ACCESS EXCLUSIVE`: blocks everything, reads included (most `ALTER TABLE`).
    AccessExclusive,
}

impl LockLevel {
    /// The mode as PostgreSQL names it (`ACCESS EXCLUSIVE`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessShare => "ACCESS SHARE",
            Self::RowShare => "ROW SHARE",
            Self::RowExclusive => "ROW EXCLUSIVE",
            Self::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            Self::Share => "SHARE",
            Self::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            Self::Exclusive => "EXCLUSIVE",
            Self::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }
}

/// A lock a statement takes on an existing table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableLock {
    /// The table.
    pub table: QualifiedName,
    /// The lock mode.
    pub level: LockLevel,
}

/// How much of the table's data a statement reads or writes while it holds its lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Effect {
    /// Catalog only: fast whatever the table's size.
    None,
    /// Reads every row (building an index, validating a constraint, `SET NOT NULL`).
    Scan,
    /// Writes a new copy of the table and its indexes.
    Rewrite,
    /// Raw SQL: the renderer cannot tell.
    Unknown,
}

/// One SQL statement and what running it involves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The SQL, without a trailing semicolon.
    pub sql: String,
    /// Whether it may run inside a transaction block (`CREATE INDEX
    /// CONCURRENTLY` may not).
    pub transactional: bool,
    /// The locks it takes on existing tables.
    pub locks: Vec<TableLock>,
    /// Whether it scans or rewrites a table.
    pub effect: Effect,
    /// The table a SQLite batch rebuild drops and creates again: the runner
    /// checks that the table holds nothing the model does not know (which
    /// the copy would lose), saves its triggers before the statement and
    /// creates them again after it.
    pub rebuilds: Option<Rebuild>,
}

/// A table an SQLite batch rebuild drops and creates again, as the model
/// has it just before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuild {
    /// The table.
    pub table: QualifiedName,
    /// Its columns, which the copy carries over.
    pub columns: Vec<String>,
    /// Its indexes, which the rebuild creates again.
    pub indexes: Vec<String>,
    /// The triggers the model knows on it, which the rebuild creates again
    /// (the runner saves and recreates only the others).
    pub triggers: Vec<String>,
}

impl Statement {
    pub(crate) fn new(sql: String) -> Self {
        Self {
            sql,
            transactional: true,
            locks: Vec::new(),
            effect: Effect::None,
            rebuilds: None,
        }
    }

    pub(crate) fn rebuilds(mut self, rebuild: Rebuild) -> Self {
        self.rebuilds = Some(rebuild);
        self
    }

    pub(crate) fn lock(mut self, table: &QualifiedName, level: LockLevel) -> Self {
        self.locks.push(TableLock {
            table: table.clone(),
            level,
        });
        self
    }

    pub(crate) fn effect(mut self, effect: Effect) -> Self {
        self.effect = effect;
        self
    }

    pub(crate) fn outside_transaction(mut self) -> Self {
        self.transactional = false;
        self
    }

    /// The strongest lock the statement takes, if any.
    pub fn strongest_lock(&self) -> Option<LockLevel> {
        self.locks.iter().map(|l| l.level).max()
    }
}

/// Why ops could not be rendered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    /// An op does not apply to the schema it would run against.
    #[error(transparent)]
    Invalid(#[from] ReplayError),
    /// A statement uses an enum value added earlier in the same transaction.
    #[error(
        "{used_by} uses the enum value {value} that {added} adds in the same transaction, which {dialect} refuses (SQLSTATE 55P04, unsafe use of new value); move {added} to a revision of its own, before this one"
    )]
    NewEnumValueUsed {
        /// The op adding the value, described.
        added: String,
        /// The op using it, described.
        used_by: String,
        /// The value, as a literal.
        value: String,
        /// The dialect.
        dialect: &'static str,
    },
    /// An op the dialect cannot express.
    #[error("{op} is not supported on {dialect}: {reason}")]
    Unsupported {
        /// The op, described.
        op: String,
        /// The dialect.
        dialect: &'static str,
        /// Why, and what to do instead.
        reason: String,
    },
}

/// A SQL dialect: renders one op, given the schema before it.
pub trait Dialect {
    /// The dialect's name, for messages.
    fn name(&self) -> &'static str;

    /// The engine whose SQL it writes (its blocks of
    /// [`OnEngine`](crate::ops::OnEngine) ops render; the others' do not).
    fn engine(&self) -> crate::engine::Engine;

    /// The statements of `op`, which must be valid against `before`. A Rust
    /// data step renders to no statement: the runner calls it.
    fn render(&self, op: &Op, before: &Schema) -> Result<Vec<Statement>, RenderError>;

    /// Checks the ops that will run in one transaction together, each with
    /// its rendered statements, for what one may not do with what an
    /// earlier one did in the same transaction (PostgreSQL: use an enum
    /// value added by `ALTER TYPE … ADD VALUE`).
    fn check_transaction(&self, _ops: &[(&Op, &[Statement])]) -> Result<(), RenderError> {
        Ok(())
    }
}

/// The statements of a block of ops for one engine: its ops rendered in
/// order, each against the schema the ones before it leave, when the block
/// is for `dialect`'s engine; none otherwise.
pub(crate) fn render_block(
    dialect: &dyn Dialect,
    block: &crate::ops::OnEngine,
    before: &Schema,
) -> Result<Vec<Statement>, RenderError> {
    if block.engine != dialect.engine() {
        return Ok(Vec::new());
    }
    let mut schema = before.clone();
    Ok(render_onto(dialect, &block.ops, &mut schema)?
        .into_iter()
        .flatten()
        .collect())
}

/// The rows a bulk insert puts in one statement.
const ROWS_PER_INSERT: usize = 1000;

/// The `INSERT` statements of a bulk insert, `ROWS_PER_INSERT` rows each,
/// the table written as `table_sql` and each value by `literal`; a
/// statement claims `ROW EXCLUSIVE` on its table (it neither scans nor
/// rewrites it) and `ROW SHARE` on each table its foreign keys reference
/// (the key check locks the rows it finds there).
pub(crate) fn insert_sql(
    o: &crate::ops::BulkInsert,
    before: &Schema,
    table_sql: &str,
    literal: impl Fn(&crate::types::Literal) -> Result<String, String>,
) -> Result<Vec<Statement>, String> {
    let mut referenced: Vec<QualifiedName> = before
        .table(&o.table)
        .map(|t| {
            t.constraints
                .iter()
                .filter_map(|c| match c {
                    crate::ops::Constraint::ForeignKey(fk)
                        if fk.ref_table.key() != o.table.key() =>
                    {
                        Some(fk.ref_table.clone())
                    }
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    referenced.sort_by_key(QualifiedName::key);
    referenced.dedup_by_key(|t| t.key());
    let head = format!(
        "INSERT INTO {table_sql} ({}) VALUES",
        column_list(&o.columns)
    );
    let mut out = Vec::new();
    for chunk in o.rows.chunks(ROWS_PER_INSERT) {
        let mut rows = Vec::with_capacity(chunk.len());
        for row in chunk {
            let values: Result<Vec<String>, String> = row.iter().map(&literal).collect();
            rows.push(format!("  ({})", values?.join(", ")));
        }
        let mut statement = Statement::new(format!("{head}\n{}", rows.join(",\n")))
            .lock(&o.table, LockLevel::RowExclusive);
        for table in &referenced {
            statement = statement.lock(table, LockLevel::RowShare);
        }
        out.push(statement);
    }
    Ok(out)
}

/// Identifiers as a comma-separated list: `"a", "b"`.
pub(crate) fn column_list(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| crate::ident::quote_ident(c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Storage parameters as `WITH (…)` lists them: `"name" = value`, a
/// value a number or a plain word as it is, any other text a string
/// literal.
pub(crate) fn storage_params(with: &[(String, String)]) -> String {
    let value = |value: &str| {
        let plain = !value.is_empty()
            && (value.parse::<f64>().is_ok()
                || value
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
        if plain {
            value.to_owned()
        } else {
            crate::types::Literal::Str(value.to_owned()).standard_sql()
        }
    };
    with.iter()
        .map(|(name, v)| format!("{} = {}", crate::ident::quote_ident(name), value(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An index's keys as both dialects write them: a column quoted, an
/// expression in parentheses, then `COLLATE`, the operator class, `DESC`
/// and `NULLS FIRST|LAST` where given. A dialect refuses beforehand what
/// it lacks.
pub(crate) fn key_list(keys: &[crate::ops::IndexKey]) -> String {
    keys.iter().map(key_sql).collect::<Vec<_>>().join(", ")
}

/// One key of [`key_list`].
pub(crate) fn key_sql(key: &crate::ops::IndexKey) -> String {
    use crate::ops::{KeyExpr, Nulls};
    let dotted = |name: &str| {
        name.split('.')
            .map(crate::ident::quote_ident)
            .collect::<Vec<_>>()
            .join(".")
    };
    let mut sql = match &key.expr {
        KeyExpr::Column(c) => crate::ident::quote_ident(c),
        KeyExpr::Expression(e) => format!("({e})"),
    };
    if let Some(c) = &key.collation {
        sql.push_str(&format!(" COLLATE {}", dotted(c)));
    }
    if let Some(c) = &key.opclass {
        sql.push(' ');
        sql.push_str(&dotted(c));
    }
    if key.descending {
        sql.push_str(" DESC");
    }
    match key.nulls {
        Some(Nulls::First) => sql.push_str(" NULLS FIRST"),
        Some(Nulls::Last) => sql.push_str(" NULLS LAST"),
        None => {}
    }
    sql
}

/// `CREATE TRIGGER "name" timing events ON table [FOR EACH ROW] [WHEN
/// (condition)]`: the part of a trigger both dialects write alike; each
/// adds what it runs.
pub(crate) fn trigger_head(trigger: &crate::ops::TriggerDef, table: &str) -> String {
    use crate::ops::TriggerEvent;
    let events: Vec<String> = trigger
        .events
        .iter()
        .map(|e| match e {
            TriggerEvent::Insert => "INSERT".to_owned(),
            TriggerEvent::Update(columns) if columns.is_empty() => "UPDATE".to_owned(),
            TriggerEvent::Update(columns) => format!("UPDATE OF {}", column_list(columns)),
            TriggerEvent::Delete => "DELETE".to_owned(),
            TriggerEvent::Truncate => "TRUNCATE".to_owned(),
        })
        .collect();
    let mut sql = format!(
        "CREATE TRIGGER {} {} {} ON {table}",
        crate::ident::quote_ident(&trigger.name),
        trigger.timing.as_sql(),
        events.join(" OR ")
    );
    if trigger.for_each_row {
        sql.push_str(" FOR EACH ROW");
    }
    if let Some(when) = &trigger.when {
        sql.push_str(&format!(" WHEN ({when})"));
    }
    sql
}

/// `CONSTRAINT "name" …` of a table constraint, in the SQL both dialects
/// share; `ref_table` is a foreign key's referenced table as the dialect
/// writes it.
pub(crate) fn constraint_sql(
    constraint: &crate::ops::Constraint,
    ref_table: &Option<String>,
) -> String {
    use crate::ops::{Constraint, RefAction};
    let body = match constraint {
        Constraint::PrimaryKey(k) => format!("PRIMARY KEY ({})", column_list(&k.columns)),
        Constraint::Unique(u) => format!("UNIQUE ({})", column_list(&u.columns)),
        Constraint::Check(c) => format!("CHECK ({})", c.expr),
        Constraint::Exclusion(x) => exclusion_sql(x),
        Constraint::ForeignKey(fk) => {
            let mut sql = format!(
                "FOREIGN KEY ({}) REFERENCES {} ({})",
                column_list(&fk.columns),
                ref_table.as_deref().unwrap_or_default(),
                column_list(&fk.ref_columns)
            );
            for (word, action) in [("DELETE", fk.on_delete), ("UPDATE", fk.on_update)] {
                if action != RefAction::NoAction {
                    sql.push_str(&format!(" ON {word} {}", action.sql()));
                }
            }
            sql
        }
    };
    let body = match constraint.deferrable() {
        Some(deferral) => format!("{body} {}", deferral.sql()),
        None => body,
    };
    format!(
        "CONSTRAINT {} {body}",
        crate::ident::quote_ident(constraint.name())
    )
}

/// `EXCLUDE USING method (key WITH operator, …) [INCLUDE (…)] [WITH (…)]
/// [WHERE (predicate)]`.
fn exclusion_sql(x: &crate::ops::Exclusion) -> String {
    let elements: Vec<String> = x
        .elements
        .iter()
        .map(|e| format!("{} WITH {}", key_sql(&e.key), e.operator))
        .collect();
    let mut sql = format!(
        "EXCLUDE USING {} ({})",
        x.method.as_str(),
        elements.join(", ")
    );
    if !x.include.is_empty() {
        sql.push_str(&format!(" INCLUDE ({})", column_list(&x.include)));
    }
    if !x.with.is_empty() {
        sql.push_str(&format!(" WITH ({})", storage_params(&x.with)));
    }
    if let Some(predicate) = &x.predicate {
        sql.push_str(&format!(" WHERE ({predicate})"));
    }
    sql
}

/// Validates and renders `ops` in order, starting from `start`; one list of
/// statements per op.
pub fn render_ops(
    dialect: &dyn Dialect,
    ops: &[Op],
    start: &Schema,
) -> Result<Vec<Vec<Statement>>, RenderError> {
    render_onto(dialect, ops, &mut start.clone())
}

/// [`render_ops`] from `schema`, which it moves forward op by op (on an
/// error, to the op that failed).
pub(crate) fn render_onto(
    dialect: &dyn Dialect,
    ops: &[Op],
    schema: &mut Schema,
) -> Result<Vec<Vec<Statement>>, RenderError> {
    // What is rendered for an engine is replayed as that engine runs it.
    if schema.engine().is_none() {
        schema.set_engine(dialect.engine());
    }
    let mut out = Vec::with_capacity(ops.len());
    for (index, op) in ops.iter().enumerate() {
        let invalid = |source| ReplayError {
            index,
            op: op.describe(),
            source,
        };
        // Render against the state before the op; an op that does not apply
        // is reported as invalid even when the dialect also refuses it.
        let rendered = dialect.render(op, schema);
        schema.apply(op).map_err(invalid)?;
        out.push(rendered?);
    }
    Ok(out)
}

/// The SQL of `ops` run against an empty database, one string per statement.
pub fn render_sql(dialect: &dyn Dialect, ops: &[Op]) -> Result<Vec<String>, RenderError> {
    Ok(render_ops(dialect, ops, &Schema::new())?
        .into_iter()
        .flatten()
        .map(|s| s.sql)
        .collect())
}
