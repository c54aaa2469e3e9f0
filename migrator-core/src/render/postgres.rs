//! The PostgreSQL dialect.
//!
//! Lock levels and table effects follow PostgreSQL 15's documentation of
//! `ALTER TABLE`, `CREATE INDEX` and explicit locking: most `ALTER TABLE`
//! forms take `ACCESS EXCLUSIVE`; adding a foreign key takes `SHARE ROW
//! EXCLUSIVE` on both tables; `VALIDATE CONSTRAINT` and `COMMENT` take `SHARE
//! UPDATE EXCLUSIVE`; `CREATE INDEX` takes `SHARE` (`SHARE UPDATE EXCLUSIVE`
//! when `CONCURRENTLY`, which cannot run in a transaction block).
//!
//! What the documentation leaves out was measured on PostgreSQL 15 with
//! `pg_locks`, `relfilenode` and the scan counters (`tests/tests/claims.rs`
//! checks every op's claims that way): a type change of a column in a
//! foreign key, on either side, drops and re-creates the key's triggers and
//! takes `ACCESS EXCLUSIVE` on the other table too; a type change that keeps
//! the bytes still re-checks the column's validated `CHECK` constraints (a
//! scan); `SET NOT NULL` skips its scan when a validated `CHECK (c IS NOT
//! NULL)` exists; `CREATE INDEX IF NOT EXISTS` of an existing index still
//! takes its `SHARE` lock before it finds the name taken.

use super::{Dialect, Effect, LockLevel, RenderError, Statement, column_list};
use crate::ident::{QualifiedName, quote_ident, quote_literal};
use crate::ops::*;
use crate::schema::Schema;
use crate::types::{ColumnType, DefaultValue, Identity, Literal};

/// The PostgreSQL dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct Postgres;

/// A column type as PostgreSQL SQL.
///
/// ```
/// use migrator_core::{render::postgres::type_sql, types::ColumnType};
/// assert_eq!(type_sql(&ColumnType::numeric(10, 2)), "numeric(10,2)");
/// assert_eq!(type_sql(&ColumnType::array(ColumnType::varchar(20))), "varchar(20)[]");
/// assert_eq!(type_sql(&ColumnType::enumeration(("billing", "Status"))), r#""billing"."Status""#);
/// ```
pub fn type_sql(ty: &ColumnType) -> String {
    match ty {
        ColumnType::SmallInt => "smallint".into(),
        ColumnType::Integer => "integer".into(),
        ColumnType::BigInt => "bigint".into(),
        ColumnType::SmallSerial => "smallserial".into(),
        ColumnType::Serial => "serial".into(),
        ColumnType::BigSerial => "bigserial".into(),
        ColumnType::Boolean => "boolean".into(),
        ColumnType::Text => "text".into(),
        ColumnType::Varchar(None) => "varchar".into(),
        ColumnType::Varchar(Some(n)) => format!("varchar({n})"),
        ColumnType::Char(n) => format!("char({n})"),
        ColumnType::Numeric(None) => "numeric".into(),
        ColumnType::Numeric(Some((p, s))) => format!("numeric({p},{s})"),
        ColumnType::Real => "real".into(),
        ColumnType::Double => "double precision".into(),
        ColumnType::Date => "date".into(),
        ColumnType::Time => "time".into(),
        ColumnType::Timestamp => "timestamp".into(),
        ColumnType::TimestampTz => "timestamptz".into(),
        ColumnType::Interval => "interval".into(),
        ColumnType::Uuid => "uuid".into(),
        ColumnType::Json => "json".into(),
        ColumnType::Jsonb => "jsonb".into(),
        ColumnType::Bytea => "bytea".into(),
        ColumnType::Inet => "inet".into(),
        ColumnType::Array(element) => format!("{}[]", type_sql(element)),
        ColumnType::Enum(name) => name.to_sql(),
        ColumnType::Custom(sql) => sql.clone(),
    }
}

/// A literal as PostgreSQL SQL: strings escaped, non-finite floats quoted.
pub fn literal_sql(value: &Literal) -> String {
    value.standard_sql()
}

/// A default as PostgreSQL SQL.
pub fn default_sql(default: &DefaultValue) -> String {
    match default {
        DefaultValue::Literal(value) => literal_sql(value),
        DefaultValue::Expr(expr) => expr.clone(),
    }
}

/// A sequence's options as PostgreSQL SQL (`START WITH 1000 INCREMENT BY
/// 10`), those left at their default left out; empty when all are.
pub fn sequence_options_sql(options: &SequenceOptions) -> String {
    let mut parts = Vec::new();
    let mut num = |word: &str, value: Option<i64>| {
        if let Some(n) = value {
            parts.push(format!("{word} {n}"));
        }
    };
    num("START WITH", options.start);
    num("INCREMENT BY", options.increment);
    num("MINVALUE", options.min_value);
    num("MAXVALUE", options.max_value);
    if options.cycle {
        parts.push("CYCLE".into());
    }
    if let Some(n) = options.cache {
        parts.push(format!("CACHE {n}"));
    }
    parts.join(" ")
}

/// `OWNED BY "table"."column"` (`None`: `OWNED BY NONE`).
fn owned_by_sql(owner: Option<&SequenceOwner>) -> String {
    match owner {
        Some(o) => format!("OWNED BY {}.{}", o.table.to_sql(), quote_ident(&o.column)),
        None => "OWNED BY NONE".into(),
    }
}

/// `statement` with the ACCESS SHARE lock `OWNED BY` takes on its table.
fn owner_locked(statement: Statement, owner: Option<&SequenceOwner>) -> Statement {
    match owner {
        Some(o) => statement.lock(&o.table, LockLevel::AccessShare),
        None => statement,
    }
}

/// An identity's sequence options set in place, as `ALTER COLUMN` takes
/// them: `SET INCREMENT BY 10 SET NO CYCLE RESTART WITH 1000`.
fn sequence_change_sql(change: &SequenceChange) -> String {
    let mut parts = Vec::new();
    for (word, value) in [
        ("INCREMENT BY", change.increment),
        ("MINVALUE", change.min_value),
        ("MAXVALUE", change.max_value),
        ("START WITH", change.start),
        ("CACHE", change.cache),
    ] {
        if let Some(n) = value {
            parts.push(format!("SET {word} {n}"));
        }
    }
    match change.cycle {
        Some(true) => parts.push("SET CYCLE".into()),
        Some(false) => parts.push("SET NO CYCLE".into()),
        None => {}
    }
    match change.restart {
        Some(Some(n)) => parts.push(format!("RESTART WITH {n}")),
        Some(None) => parts.push("RESTART".into()),
        None => {}
    }
    parts.join(" ")
}

/// `GENERATED … AS IDENTITY [(options)]`.
fn identity_sql(kind: Identity, options: &SequenceOptions) -> String {
    let mut sql = match kind {
        Identity::Always => "GENERATED ALWAYS AS IDENTITY".to_owned(),
        Identity::ByDefault => "GENERATED BY DEFAULT AS IDENTITY".to_owned(),
    };
    if !options.is_empty() {
        sql.push_str(&format!(" ({})", sequence_options_sql(options)));
    }
    sql
}

/// ` COLLATE "name"` (`None`: the default collation, `"default"`).
fn collate_sql(collation: Option<&str>) -> String {
    format!(" COLLATE {}", quote_ident(collation.unwrap_or("default")))
}

fn column_sql(column: &ColumnDef) -> String {
    let mut sql = format!("{} {}", quote_ident(&column.name), type_sql(&column.ty));
    if let Some(collation) = &column.collation {
        sql.push_str(&collate_sql(Some(collation)));
    }
    if let Some(kind) = column.identity {
        sql.push(' ');
        sql.push_str(&identity_sql(kind, &column.identity_options));
    }
    if let Some(expr) = &column.generated {
        sql.push_str(&format!(" GENERATED ALWAYS AS ({}) STORED", expr.trim()));
    }
    if let Some(default) = &column.default {
        sql.push_str(" DEFAULT ");
        sql.push_str(&default_sql(default));
    }
    if !column.nullable {
        sql.push_str(" NOT NULL");
    }
    sql
}

fn constraint_sql(constraint: &Constraint) -> String {
    super::constraint_sql(
        constraint,
        &constraint_ref_table(constraint).map(QualifiedName::to_sql),
    )
}

/// The table a foreign key references.
fn constraint_ref_table(constraint: &Constraint) -> Option<&QualifiedName> {
    match constraint {
        Constraint::ForeignKey(fk) => Some(&fk.ref_table),
        _ => None,
    }
}

/// `ALTER TABLE table action`, which takes `ACCESS EXCLUSIVE` unless noted.
fn alter_table(table: &QualifiedName, action: String) -> Statement {
    Statement::new(format!("ALTER TABLE {} {action}", table.to_sql()))
        .lock(table, LockLevel::AccessExclusive)
}

/// The table a foreign key of `table` references, if `name` is one.
fn fk_target(before: &Schema, table: &QualifiedName, name: &str) -> Option<QualifiedName> {
    match before.table(table)?.find_constraint(name)? {
        Constraint::ForeignKey(fk) => Some(fk.ref_table.clone()),
        _ => None,
    }
}

fn comment_sql(what: &str, comment: Option<&str>) -> String {
    let text = comment.map_or_else(|| "NULL".to_owned(), quote_literal);
    format!("COMMENT ON {what} IS {text}")
}

fn table_comment(table: &QualifiedName, comment: Option<&str>) -> Statement {
    Statement::new(comment_sql(&format!("TABLE {}", table.to_sql()), comment))
        .lock(table, LockLevel::ShareUpdateExclusive)
}

fn column_comment(table: &QualifiedName, column: &str, comment: Option<&str>) -> Statement {
    let what = format!("COLUMN {}.{}", table.to_sql(), quote_ident(column));
    Statement::new(comment_sql(&what, comment)).lock(table, LockLevel::ShareUpdateExclusive)
}

/// Whether PostgreSQL casts a value of type `from` to `to` with `::`
/// (explicitly): within the numbers, the times, `json`/`jsonb`, from and
/// to the strings (input and output), `integer`/`boolean`, and arrays whose
/// elements cast. A custom type is taken to cast (its author knows).
fn has_cast(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType as T;
    let (a, b) = (from.storage(), to.storage());
    let family = |t: &T| match t {
        T::SmallInt | T::Integer | T::BigInt | T::Numeric(_) | T::Real | T::Double => 1,
        T::Text | T::Varchar(_) | T::Char(_) => 2,
        T::Date | T::Timestamp | T::TimestampTz => 3,
        T::Time | T::Interval => 4,
        T::Json | T::Jsonb => 5,
        _ => 0,
    };
    match (&a, &b) {
        _ if a == b => true,
        (T::Custom(_), _) | (_, T::Custom(_)) => true,
        (T::Array(x), T::Array(y)) => has_cast(x, y),
        _ if family(&a) == 2 || family(&b) == 2 => true,
        (T::Integer, T::Boolean) | (T::Boolean, T::Integer) => true,
        (T::Timestamp | T::TimestampTz, T::Time) => true,
        _ => family(&a) != 0 && family(&a) == family(&b),
    }
}

/// Whether changing a column from `old` to `new` (without `USING`) keeps the
/// stored bytes, so PostgreSQL skips the table rewrite.
fn binary_compatible(old: &ColumnType, new: &ColumnType) -> bool {
    use ColumnType::*;
    match (old.storage(), new) {
        (a, b) if a == *b => true,
        (Varchar(_), Text) | (Varchar(_), Varchar(None)) | (Text, Varchar(None)) => true,
        (Varchar(Some(a)), Varchar(Some(b))) => *b >= a,
        (Numeric(Some(_)), Numeric(None)) => true,
        (Numeric(Some((p1, s1))), Numeric(Some((p2, s2)))) => *s2 == s1 && *p2 >= p1,
        _ => false,
    }
}

/// Whether `using` only restates the column, cast to the new type: `col`,
/// `col::type` or `CAST(col AS type)`, the column quoted or not, the type
/// spelt as [`type_sql`] spells `new`. PostgreSQL reduces such a `USING` to
/// the conversion it would apply without one.
fn plain_cast(using: &str, column: &str, new: &ColumnType) -> bool {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase()
    };
    let mut names = vec![quote_ident(column)];
    if column
        .chars()
        .all(|c| c == '_' || c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        names.push(column.to_owned());
    }
    let ty = squash(&type_sql(new));
    let mut body = using.trim();
    while let Some(inner) = body.strip_prefix('(').and_then(|b| b.strip_suffix(')')) {
        body = inner.trim();
    }
    // `CAST ( inner )` gives `inner`.
    let cast_args = body
        .get(..4)
        .filter(|w| w.eq_ignore_ascii_case("cast"))
        .and_then(|_| body[4..].trim_start().strip_prefix('('))
        .and_then(|a| a.strip_suffix(')'))
        .map(str::trim);
    names.iter().any(|name| {
        let cast_to = |rest: &str, sep: &str| -> bool {
            let rest = rest.trim_start();
            rest.get(..sep.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(sep))
                && squash(&rest[sep.len()..]) == ty
        };
        body == name
            || body
                .strip_prefix(name.as_str())
                .is_some_and(|rest| cast_to(rest, "::"))
            || cast_args
                .and_then(|args| args.strip_prefix(name.as_str()))
                .is_some_and(|rest| rest.starts_with(char::is_whitespace) && cast_to(rest, "as "))
    })
}

/// The other tables whose foreign keys PostgreSQL drops and creates again
/// when the type of `column` of `table` changes: the tables its own foreign
/// keys on that column reference, and the tables whose foreign keys
/// reference that column. Dropping a key's triggers takes `ACCESS
/// EXCLUSIVE` on both tables.
fn foreign_key_partners(
    before: &Schema,
    table: &QualifiedName,
    column: &str,
) -> Vec<QualifiedName> {
    let mut out: Vec<QualifiedName> = Vec::new();
    let mut add = |t: &QualifiedName| {
        if t.key() != table.key() && !out.iter().any(|o| o.key() == t.key()) {
            out.push(t.clone());
        }
    };
    if let Some(def) = before.table(table) {
        for c in &def.constraints {
            if let Constraint::ForeignKey(fk) = c
                && fk.columns.iter().any(|c| c == column)
            {
                add(&fk.ref_table);
            }
        }
    }
    for (by, fk) in before.references_to(table) {
        if fk.ref_columns.iter().any(|c| c == column) {
            add(&by.name);
        }
    }
    out
}

fn alter_column(o: &AlterColumn, before: &Schema) -> Vec<Statement> {
    let table = &o.table;
    let col = quote_ident(&o.column);
    let def = before.table(table);
    let old = def.and_then(|t| t.find_column(&o.column)).cloned();
    let old_default = old.as_ref().and_then(|c| c.default.clone());
    // The validated check constraints that mention the column.
    let checks: Vec<&Check> = def
        .map(|t| {
            t.constraints
                .iter()
                .filter_map(|c| match c {
                    Constraint::Check(c) if !c.not_valid => Some(c),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let mut actions = Vec::new();
    let mut effect = Effect::None;
    let mut partners = Vec::new();
    let mut default_done = false;
    // The identity goes first (DROP NOT NULL needs it gone) and comes last
    // (ADD needs NOT NULL and no default).
    // With a type change, in a statement of its own: PostgreSQL retypes
    // before it drops an identity in the same ALTER TABLE, and an identity
    // column cannot take a type other than an integer.
    let mut first = None;
    if let Some(IdentityChange::Drop) = &o.identity {
        let drop = format!("ALTER COLUMN {col} DROP IDENTITY");
        if o.ty.is_some() {
            first = Some(
                Statement::new(format!("ALTER TABLE {} {drop}", table.to_sql()))
                    .lock(table, LockLevel::AccessExclusive),
            );
        } else {
            actions.push(drop);
        }
    }
    // First: a default or a type change needs the expression gone.
    if o.drop_expression {
        actions.push(format!("ALTER COLUMN {col} DROP EXPRESSION"));
    }
    if let Some(change) = &o.ty {
        // A type change also converts the current default, which fails for
        // casts PostgreSQL only allows explicitly (text to an enum): drop the
        // default around the change and set it again afterwards.
        let new_default = match &o.default {
            Some(d) => d.clone(),
            None => old_default.clone(),
        };
        if old_default.is_some() {
            actions.push(format!("ALTER COLUMN {col} DROP DEFAULT"));
        }
        let mut action = format!("ALTER COLUMN {col} TYPE {}", type_sql(&change.ty));
        // PostgreSQL would reset the collation: it is kept, or changed.
        let collation = match &o.collation {
            Some(c) => c.clone(),
            None => old.as_ref().and_then(|c| c.collation.clone()),
        };
        if change.ty.is_collatable() && (collation.is_some() || o.collation.is_some()) {
            action.push_str(&collate_sql(collation.as_deref()));
        }
        match &change.using {
            Some(Using::Sql(using)) => action.push_str(&format!(" USING {using}")),
            // The column converted to the new type: directly where
            // PostgreSQL has a cast, otherwise through its text form (which
            // fails, naming the value, on a row that does not convert).
            Some(Using::CastColumn) => {
                let through_text = old.as_ref().is_some_and(|c| !has_cast(&c.ty, &change.ty));
                action.push_str(&format!(
                    " USING {col}{}::{}",
                    if through_text { "::text" } else { "" },
                    type_sql(&change.ty)
                ))
            }
            None => {}
        }
        actions.push(action);
        if let Some(d) = &new_default {
            actions.push(format!("ALTER COLUMN {col} SET DEFAULT {}", default_sql(d)));
        }
        default_done = true;
        let same_bytes = match &change.using {
            None | Some(Using::CastColumn) => true,
            Some(Using::Sql(u)) => plain_cast(u, &o.column, &change.ty),
        } && old
            .as_ref()
            .is_some_and(|c| binary_compatible(&c.ty, &change.ty));
        effect = if !same_bytes {
            Effect::Rewrite
        } else if checks
            .iter()
            .any(|c| crate::schema::expr::mentions(&c.expr, &o.column))
        {
            // Without a rewrite PostgreSQL still re-adds the column's
            // validated checks, and checks them against every row.
            Effect::Scan
        } else {
            Effect::None
        };
        // Foreign keys over the column are dropped and created again, on
        // both tables; after a rewrite the other table is read in full to
        // check the key again (within the Rewrite claimed).
        partners = foreign_key_partners(before, table, &o.column);
    } else if let (Some(collation), Some(column)) = (&o.collation, &old) {
        actions.push(format!(
            "ALTER COLUMN {col} TYPE {}{}",
            type_sql(&column.ty),
            collate_sql(collation.as_deref())
        ));
        // The bytes stay; the indexes over the column are built again.
        let indexed = def.is_some_and(|t| {
            t.constraints.iter().any(|c| match c {
                Constraint::Exclusion(x) => x.uses(&o.column),
                c => c.has_index() && c.columns().contains(&o.column),
            })
        }) || before.indexes_of(table).any(|i| i.uses(&o.column));
        if indexed {
            effect = Effect::Scan;
        }
        // As for a type change, the foreign keys over it are built again.
        partners = foreign_key_partners(before, table, &o.column);
    }
    match o.nullable {
        Some(true) => actions.push(format!("ALTER COLUMN {col} DROP NOT NULL")),
        Some(false) => {
            actions.push(format!("ALTER COLUMN {col} SET NOT NULL"));
            // PostgreSQL 12+ skips the scan when a validated check proves
            // the column is not null; so does a column already NOT NULL.
            let proven = old.as_ref().is_some_and(|c| !c.nullable)
                || checks
                    .iter()
                    .any(|c| crate::schema::expr::implies_not_null(&c.expr, &o.column));
            if !proven {
                effect = effect.max(Effect::Scan);
            }
        }
        None => {}
    }
    if !default_done {
        match &o.default {
            Some(Some(d)) => {
                actions.push(format!("ALTER COLUMN {col} SET DEFAULT {}", default_sql(d)))
            }
            Some(None) => actions.push(format!("ALTER COLUMN {col} DROP DEFAULT")),
            None => {}
        }
    }
    let mut sync = None;
    match &o.identity {
        Some(IdentityChange::Add(kind, options)) => {
            actions.push(format!(
                "ALTER COLUMN {col} ADD {}",
                identity_sql(*kind, options)
            ));
            // The new sequence starts at START; the values the column holds
            // already would collide with it: move it past them.
            let ty = old.as_ref().map_or(ColumnType::BigInt, |c| c.ty.clone());
            let (start, increment, ..) = options.resolved(&ty);
            let (extreme, past) = if increment > 0 {
                ("max", ">=")
            } else {
                ("min", "<=")
            };
            sync = Some(
                Statement::new(format!(
                    "SELECT setval(pg_get_serial_sequence({}, {}), {extreme}({col})) FROM {} HAVING {extreme}({col}) {past} {start}",
                    quote_literal(&table.to_sql()),
                    quote_literal(&o.column),
                    table.to_sql()
                ))
                .lock(table, LockLevel::AccessShare)
                .effect(Effect::Scan),
            );
        }
        Some(IdentityChange::SetGenerated(kind)) => actions.push(format!(
            "ALTER COLUMN {col} SET GENERATED {}",
            match kind {
                Identity::Always => "ALWAYS",
                Identity::ByDefault => "BY DEFAULT",
            }
        )),
        Some(IdentityChange::Drop) | None => {}
    }
    if let Some(change) = o.identity_options.as_ref().filter(|c| !c.is_empty()) {
        actions.push(format!(
            "ALTER COLUMN {col} {}",
            sequence_change_sql(change)
        ));
    }
    let mut statements: Vec<Statement> = first.into_iter().collect();
    if !actions.is_empty() {
        let sql = format!("ALTER TABLE {} {}", table.to_sql(), actions.join(", "));
        let mut statement = Statement::new(sql)
            .lock(table, LockLevel::AccessExclusive)
            .effect(effect);
        for partner in &partners {
            statement = statement.lock(partner, LockLevel::AccessExclusive);
        }
        statements.push(statement);
    }
    statements.extend(sync);
    if let Some(comment) = &o.comment {
        statements.push(column_comment(table, &o.column, comment.as_deref()));
    }
    statements
}

fn create_index(o: &CreateIndex, before: &Schema) -> Statement {
    let index = &o.index;
    let mut sql = String::from("CREATE ");
    if index.unique {
        sql.push_str("UNIQUE ");
    }
    sql.push_str("INDEX ");
    if o.concurrently {
        sql.push_str("CONCURRENTLY ");
    }
    if o.if_not_exists {
        sql.push_str("IF NOT EXISTS ");
    }
    sql.push_str(&format!(
        "{} ON {}",
        quote_ident(&index.name),
        index.table.to_sql()
    ));
    if index.method != IndexMethod::BTree {
        sql.push_str(&format!(" USING {}", index.method.as_str()));
    }
    sql.push_str(&format!(" ({})", super::key_list(&index.keys)));
    if !index.include.is_empty() {
        sql.push_str(&format!(" INCLUDE ({})", column_list(&index.include)));
    }
    if index.nulls_not_distinct {
        sql.push_str(" NULLS NOT DISTINCT");
    }
    if !index.with.is_empty() {
        sql.push_str(&format!(" WITH ({})", super::storage_params(&index.with)));
    }
    if let Some(predicate) = &index.predicate {
        sql.push_str(&format!(" WHERE {predicate}"));
    }
    // IF NOT EXISTS of an index the model knows: PostgreSQL still locks the
    // table before it finds the name taken, then builds nothing.
    let exists = o.if_not_exists && before.index(&index.qualified_name()).is_some();
    let statement = Statement::new(sql).effect(if exists { Effect::None } else { Effect::Scan });
    if o.concurrently {
        statement
            .lock(&index.table, LockLevel::ShareUpdateExclusive)
            .outside_transaction()
    } else {
        statement.lock(&index.table, LockLevel::Share)
    }
}

fn add_constraint(o: &AddConstraint) -> Statement {
    let c = &o.constraint;
    let mut sql = format!("ALTER TABLE {} ADD {}", o.table.to_sql(), constraint_sql(c));
    if c.not_valid() {
        sql.push_str(" NOT VALID");
    }
    let scan = if c.not_valid() {
        Effect::None
    } else {
        Effect::Scan
    };
    match c {
        Constraint::ForeignKey(fk) => Statement::new(sql)
            .lock(&o.table, LockLevel::ShareRowExclusive)
            .lock(&fk.ref_table, LockLevel::ShareRowExclusive)
            .effect(scan),
        _ => Statement::new(sql)
            .lock(&o.table, LockLevel::AccessExclusive)
            .effect(scan),
    }
}

fn materialized(yes: bool) -> &'static str {
    if yes { "MATERIALIZED " } else { "" }
}

/// `ACCESS SHARE` on each relation `sql` reads (the parser locks them).
fn read_locks(mut statement: Statement, sql: &str, before: &Schema) -> Statement {
    for (schema, name) in crate::schema::views::reads(sql, before).relations {
        statement = statement.lock(
            &QualifiedName::from_key(&schema, &name),
            LockLevel::AccessShare,
        );
    }
    statement
}

/// `CREATE [OR REPLACE] VIEW` or `CREATE MATERIALIZED VIEW`: what it
/// reads is locked `ACCESS SHARE`; a materialized view with data reads it
/// all; a view replaced is locked `ACCESS EXCLUSIVE`.
fn create_view(o: &crate::ops::CreateView, before: &Schema) -> Statement {
    let view = &o.view;
    let mut sql = format!(
        "CREATE {}{}VIEW {} AS {}",
        if o.or_replace { "OR REPLACE " } else { "" },
        materialized(view.materialized),
        view.name.to_sql(),
        view.sql.trim().trim_end_matches(';').trim_end()
    );
    if o.with_no_data {
        sql.push_str(" WITH NO DATA");
    }
    let mut statement = read_locks(Statement::new(sql), &view.sql, before);
    if view.materialized && !o.with_no_data {
        statement = statement.effect(Effect::Scan);
    }
    if before.view(&view.name).is_some() {
        statement = statement.lock(&view.name, LockLevel::AccessExclusive);
    }
    statement
}

impl Dialect for Postgres {
    fn name(&self) -> &'static str {
        "PostgreSQL"
    }

    fn engine(&self) -> crate::engine::Engine {
        crate::engine::Engine::Postgres
    }

    fn check_transaction(&self, ops: &[(&Op, &[Statement])]) -> Result<(), RenderError> {
        for (i, (op, _)) in ops.iter().enumerate() {
            let Op::AddEnumValue(added) = op else {
                continue;
            };
            // A new value may not be used before the transaction that added
            // it commits: any later statement naming it as a literal would.
            let value = quote_literal(&added.value);
            if let Some((user, _)) = ops[i + 1..]
                .iter()
                .find(|(_, statements)| statements.iter().any(|s| s.sql.contains(&value)))
            {
                return Err(RenderError::NewEnumValueUsed {
                    added: op.describe(),
                    used_by: user.describe(),
                    value,
                    dialect: self.name(),
                });
            }
        }
        Ok(())
    }

    fn render(&self, op: &Op, before: &Schema) -> Result<Vec<Statement>, RenderError> {
        let one = |s: Statement| Ok(vec![s]);
        match op {
            Op::CreateSchema(o) => {
                let ine = if o.if_not_exists {
                    "IF NOT EXISTS "
                } else {
                    ""
                };
                one(Statement::new(format!(
                    "CREATE SCHEMA {ine}{}",
                    quote_ident(&o.name)
                )))
            }
            Op::DropSchema(o) => one(Statement::new(format!(
                "DROP SCHEMA {}",
                quote_ident(&o.name)
            ))),
            Op::CreateTable(o) => {
                let t = &o.table;
                let ine = if o.if_not_exists {
                    "IF NOT EXISTS "
                } else {
                    ""
                };
                let items: Vec<String> = t
                    .columns
                    .iter()
                    .map(column_sql)
                    .chain(t.constraints.iter().map(constraint_sql))
                    .collect();
                let sql = format!(
                    "CREATE TABLE {ine}{} (\n  {}\n)",
                    t.name.to_sql(),
                    items.join(",\n  ")
                );
                let mut create = Statement::new(sql);
                // With IF NOT EXISTS on a table that exists, nothing else runs.
                if o.if_not_exists && before.table(&t.name).is_some() {
                    return Ok(vec![create]);
                }
                for c in &t.constraints {
                    if let Constraint::ForeignKey(fk) = c
                        && fk.ref_table.key() != t.name.key()
                    {
                        create = create.lock(&fk.ref_table, LockLevel::ShareRowExclusive);
                    }
                }
                let mut out = vec![create];
                if let Some(comment) = &t.comment {
                    out.push(table_comment(&t.name, Some(comment)));
                }
                for column in &t.columns {
                    if let Some(comment) = &column.comment {
                        out.push(column_comment(&t.name, &column.name, Some(comment)));
                    }
                }
                Ok(out)
            }
            Op::DropTable(o) => {
                let mut statement = Statement::new(format!("DROP TABLE {}", o.name.to_sql()))
                    .lock(&o.name, LockLevel::AccessExclusive);
                // Its foreign keys' triggers on the referenced tables go too.
                if let Some(table) = before.table(&o.name) {
                    for c in &table.constraints {
                        if let Constraint::ForeignKey(fk) = c
                            && fk.ref_table.key() != o.name.key()
                        {
                            statement = statement.lock(&fk.ref_table, LockLevel::AccessExclusive);
                        }
                    }
                }
                one(statement)
            }
            Op::RenameTable(o) => one(alter_table(
                &o.name,
                format!("RENAME TO {}", quote_ident(&o.to)),
            )),
            Op::SetTableComment(o) => one(table_comment(&o.table, o.comment.as_deref())),
            Op::AddColumn(o) => {
                let c = &o.column;
                let rewrite = c.ty.is_serial()
                    || c.identity.is_some()
                    || c.generated.is_some()
                    || c.default.as_ref().is_some_and(DefaultValue::is_volatile);
                let add = alter_table(&o.table, format!("ADD COLUMN {}", column_sql(c))).effect(
                    if rewrite {
                        Effect::Rewrite
                    } else {
                        Effect::None
                    },
                );
                let mut out = vec![add];
                if let Some(comment) = &c.comment {
                    out.push(column_comment(&o.table, &c.name, Some(comment)));
                }
                Ok(out)
            }
            Op::DropColumn(o) => one(alter_table(
                &o.table,
                format!("DROP COLUMN {}", quote_ident(&o.column)),
            )),
            Op::RenameColumn(o) => one(alter_table(
                &o.table,
                format!(
                    "RENAME COLUMN {} TO {}",
                    quote_ident(&o.from),
                    quote_ident(&o.to)
                ),
            )),
            Op::AlterColumn(o) => Ok(alter_column(o, before)),
            Op::CreateIndex(o) => one(create_index(o, before)),
            Op::DropIndex(o) => {
                let sql = format!(
                    "DROP INDEX {}{}",
                    if o.concurrently { "CONCURRENTLY " } else { "" },
                    o.name.to_sql()
                );
                let mut statement = Statement::new(sql);
                if let Some(index) = before.index(&o.name) {
                    let level = if o.concurrently {
                        LockLevel::ShareUpdateExclusive
                    } else {
                        LockLevel::AccessExclusive
                    };
                    statement = statement.lock(&index.table, level);
                }
                if o.concurrently {
                    statement = statement.outside_transaction();
                }
                one(statement)
            }
            Op::AddConstraint(o) => one(add_constraint(o)),
            // The index exists: nothing is built or scanned, the table is
            // locked only to attach it.
            Op::AddKeyUsingIndex(o) => one(alter_table(
                &o.table,
                format!(
                    "ADD CONSTRAINT {} {} USING INDEX {}",
                    quote_ident(o.constraint_name()),
                    match o.kind {
                        crate::ops::KeyKind::PrimaryKey => "PRIMARY KEY",
                        crate::ops::KeyKind::Unique => "UNIQUE",
                    },
                    quote_ident(&o.index)
                ),
            )),
            Op::DropConstraint(o) => {
                let mut statement = alter_table(
                    &o.table,
                    format!("DROP CONSTRAINT {}", quote_ident(&o.name)),
                );
                // Dropping a foreign key drops its triggers on the referenced table.
                if let Some(target) =
                    fk_target(before, &o.table, &o.name).filter(|t| t.key() != o.table.key())
                {
                    statement = statement.lock(&target, LockLevel::AccessExclusive);
                }
                one(statement)
            }
            Op::ValidateConstraint(o) => {
                let mut statement = Statement::new(format!(
                    "ALTER TABLE {} VALIDATE CONSTRAINT {}",
                    o.table.to_sql(),
                    quote_ident(&o.name)
                ))
                .lock(&o.table, LockLevel::ShareUpdateExclusive)
                .effect(Effect::Scan);
                if let Some(target) = fk_target(before, &o.table, &o.name) {
                    statement = statement.lock(&target, LockLevel::RowShare);
                }
                one(statement)
            }
            Op::CreateEnum(o) => {
                let values: Vec<String> = o.values.iter().map(|v| quote_literal(v)).collect();
                one(Statement::new(format!(
                    "CREATE TYPE {} AS ENUM ({})",
                    o.name.to_sql(),
                    values.join(", ")
                )))
            }
            Op::AddEnumValue(o) => {
                let mut sql = format!(
                    "ALTER TYPE {} ADD VALUE {}{}",
                    o.name.to_sql(),
                    if o.if_not_exists {
                        "IF NOT EXISTS "
                    } else {
                        ""
                    },
                    quote_literal(&o.value)
                );
                match &o.position {
                    Some(EnumPosition::Before(v)) => {
                        sql.push_str(&format!(" BEFORE {}", quote_literal(v)))
                    }
                    Some(EnumPosition::After(v)) => {
                        sql.push_str(&format!(" AFTER {}", quote_literal(v)))
                    }
                    None => {}
                }
                one(Statement::new(sql))
            }
            Op::RenameEnumValue(o) => one(Statement::new(format!(
                "ALTER TYPE {} RENAME VALUE {} TO {}",
                o.name.to_sql(),
                quote_literal(&o.from),
                quote_literal(&o.to)
            ))),
            Op::DropEnum(o) => one(Statement::new(format!("DROP TYPE {}", o.name.to_sql()))),
            Op::Execute(o) => {
                let statement = Statement::new(o.sql.clone()).effect(Effect::Unknown);
                one(if o.transactional {
                    statement
                } else {
                    statement.outside_transaction()
                })
            }
            Op::DataStep(_) => Ok(vec![]),
            Op::OnEngine(block) => super::render_block(self, block, before),
            // No table is locked: the extension's own objects are created.
            Op::CreateExtension(o) => {
                let mut sql = format!(
                    "CREATE EXTENSION {}{}",
                    if o.if_not_exists {
                        "IF NOT EXISTS "
                    } else {
                        ""
                    },
                    quote_ident(&o.name)
                );
                if let Some(schema) = &o.schema {
                    sql.push_str(&format!(" SCHEMA {}", quote_ident(schema)));
                }
                if let Some(version) = &o.version {
                    sql.push_str(&format!(
                        " VERSION {}",
                        crate::ident::quote_literal(version)
                    ));
                }
                one(Statement::new(sql))
            }
            Op::BulkInsert(o) => {
                super::insert_sql(o, before, &o.table.to_sql(), |v| Ok(literal_sql(v))).map_err(
                    |reason| RenderError::Unsupported {
                        op: op.describe(),
                        dialect: self.name(),
                        reason,
                    },
                )
            }
            Op::DropExtension(o) => one(Statement::new(format!(
                "DROP EXTENSION {}",
                quote_ident(&o.name)
            ))),
            // A function locks no table; its body is not run or checked
            // against tables here (plpgsql reads them when it runs).
            Op::CreateFunction(o) => one(Statement::new(function_sql(&o.function, o.or_replace))),
            Op::DropFunction(o) => {
                let signature = before
                    .function(&o.name)
                    .map(|f| arg_types(&f.args))
                    .unwrap_or_default();
                one(Statement::new(format!(
                    "DROP FUNCTION {}({signature})",
                    o.name.to_sql()
                )))
            }
            Op::CreateTrigger(o) => {
                let t = &o.trigger;
                let crate::ops::TriggerAction::Function { name, args } = &t.action else {
                    return Err(RenderError::Unsupported {
                        op: op.describe(),
                        dialect: self.name(),
                        reason: "this trigger runs SQLite statements; a PostgreSQL trigger runs a function: put create_sqlite_trigger in op.on(Engine::Sqlite, …) and write PostgreSQL's with create_trigger in op.on(Engine::Postgres, …)".into(),
                    });
                };
                let args: Vec<String> = args
                    .iter()
                    .map(|a| crate::ident::quote_literal(a))
                    .collect();
                let sql = format!(
                    "{} EXECUTE FUNCTION {}({})",
                    super::trigger_head(t, &t.table.to_sql()),
                    name.to_sql(),
                    args.join(", ")
                );
                one(Statement::new(sql).lock(&t.table, LockLevel::ShareRowExclusive))
            }
            Op::DropTrigger(o) => one(Statement::new(format!(
                "DROP TRIGGER {} ON {}",
                quote_ident(&o.name),
                o.table.to_sql()
            ))
            .lock(&o.table, LockLevel::AccessExclusive)),
            Op::CreateView(o) => one(create_view(o, before)),
            Op::DropView(o) => one(Statement::new(format!(
                "DROP {}VIEW {}",
                materialized(o.materialized),
                o.name.to_sql()
            ))
            .lock(&o.name, LockLevel::AccessExclusive)),
            Op::RenameView(o) => one(Statement::new(format!(
                "ALTER {}VIEW {} RENAME TO {}",
                materialized(o.materialized),
                o.name.to_sql(),
                quote_ident(&o.to)
            ))
            .lock(&o.name, LockLevel::AccessExclusive)),
            Op::RefreshMaterializedView(o) => {
                // The query runs again: every relation it reads is read in
                // full. Without CONCURRENTLY the rows go to a new file that
                // replaces the old one; with it, the differences are
                // applied to the view in place (readers go on).
                let (sql, level, effect) = if o.concurrently {
                    ("CONCURRENTLY ", LockLevel::Exclusive, Effect::Scan)
                } else {
                    ("", LockLevel::AccessExclusive, Effect::Rewrite)
                };
                let mut statement = Statement::new(format!(
                    "REFRESH MATERIALIZED VIEW {sql}{}",
                    o.name.to_sql()
                ))
                .lock(&o.name, level)
                .effect(effect);
                if let Some(view) = before.view(&o.name) {
                    statement = read_locks(statement, &view.sql, before);
                }
                one(statement)
            }
            // A sequence is no table: no table is locked, scanned or
            // rewritten, but for ACCESS SHARE on the table of OWNED BY
            // (measured; OWNED BY NONE locks none).
            Op::CreateSequence(o) => {
                let mut sql = format!("CREATE SEQUENCE {}", o.name.to_sql());
                if let Some(ty) = &o.as_type {
                    sql.push_str(&format!(" AS {}", type_sql(ty)));
                }
                let options = sequence_options_sql(&o.options);
                if !options.is_empty() {
                    sql.push(' ');
                    sql.push_str(&options);
                }
                if let Some(owner) = &o.owned_by {
                    sql.push(' ');
                    sql.push_str(&owned_by_sql(Some(owner)));
                }
                one(owner_locked(Statement::new(sql), o.owned_by.as_ref()))
            }
            Op::AlterSequence(o) => {
                let mut parts = Vec::new();
                if let Some(ty) = &o.as_type {
                    parts.push(format!("AS {}", type_sql(ty)));
                }
                for (word, value) in [
                    ("INCREMENT BY", o.increment),
                    ("MINVALUE", o.min_value),
                    ("MAXVALUE", o.max_value),
                    ("START WITH", o.start),
                    ("RESTART WITH", o.restart),
                    ("CACHE", o.cache),
                ] {
                    if let Some(n) = value {
                        parts.push(format!("{word} {n}"));
                    }
                }
                match o.cycle {
                    Some(true) => parts.push("CYCLE".into()),
                    Some(false) => parts.push("NO CYCLE".into()),
                    None => {}
                }
                if let Some(owner) = &o.owned_by {
                    parts.push(owned_by_sql(owner.as_ref()));
                }
                let sql = format!("ALTER SEQUENCE {} {}", o.name.to_sql(), parts.join(" "));
                one(owner_locked(
                    Statement::new(sql),
                    o.owned_by.as_ref().and_then(Option::as_ref),
                ))
            }
            Op::DropSequence(o) => {
                one(Statement::new(format!("DROP SEQUENCE {}", o.name.to_sql())))
            }
            Op::RenameSequence(o) => one(Statement::new(format!(
                "ALTER SEQUENCE {} RENAME TO {}",
                o.name.to_sql(),
                quote_ident(&o.to)
            ))),
        }
    }
}

/// The argument types of a function, as `DROP FUNCTION` names them.
fn arg_types(args: &[crate::ops::FunctionArg]) -> String {
    args.iter()
        .map(|a| a.ty.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `CREATE [OR REPLACE] FUNCTION …`, the body dollar-quoted with a tag it
/// does not contain.
pub(crate) fn function_sql(f: &crate::ops::FunctionDef, or_replace: bool) -> String {
    let args: Vec<String> = f
        .args
        .iter()
        .map(|a| match &a.name {
            Some(name) => format!("{} {}", quote_ident(name), a.ty),
            None => a.ty.clone(),
        })
        .collect();
    let mut tag = "$body$".to_owned();
    let mut n = 0;
    while f.body.contains(&tag) {
        n += 1;
        tag = format!("$body_{n}$");
    }
    let mut sql = format!(
        "CREATE {}FUNCTION {}({}) RETURNS {} LANGUAGE {}",
        if or_replace { "OR REPLACE " } else { "" },
        f.name.to_sql(),
        args.join(", "),
        f.returns,
        f.language
    );
    if f.volatility != crate::ops::Volatility::Volatile {
        sql.push(' ');
        sql.push_str(f.volatility.as_sql());
    }
    if f.strict {
        sql.push_str(" STRICT");
    }
    if f.security_definer {
        sql.push_str(" SECURITY DEFINER");
    }
    sql.push_str(&format!(" AS {tag}{}{tag}", f.body));
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_casts_of_the_column() {
        let ty = ColumnType::varchar(50);
        for (using, plain) in [
            ("nick", true),
            ("\"nick\"", true),
            ("nick::varchar(50)", true),
            ("( nick :: VARCHAR( 50 ) )", true),
            ("\"nick\"::varchar(50)", true),
            ("CAST(nick AS varchar(50))", true),
            ("cast ( \"nick\" as varchar(50) )", true),
            ("nick::text", false),
            ("nickname::varchar(50)", false),
            ("CAST(nickname AS varchar(50))", false),
            ("left(nick, 50)", false),
            ("nick || ''", false),
            ("Nick", false),
            ("", false),
        ] {
            assert_eq!(plain_cast(using, "nick", &ty), plain, "{using}");
        }
        // A name that needs quotes is only recognised quoted.
        assert!(plain_cast("\"Nick\"::varchar(50)", "Nick", &ty));
        assert!(!plain_cast("Nick::varchar(50)", "Nick", &ty));
    }
}
