//! Index definitions: the index, its keys and their options.

use super::naming::{self, Subject};
use crate::ident::{QualifiedName, generated_name};

/// An index access method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IndexMethod {
    /// B-tree, the default: equality, ranges, ordering, uniqueness.
    #[default]
    BTree,
    /// Hash: equality only.
    Hash,
    /// GIN: arrays, jsonb, full-text search.
    Gin,
    /// GiST: geometric types, ranges, nearest-neighbour.
    Gist,
    /// SP-GiST: space-partitioned trees (ranges, points, text prefixes);
    /// one key column.
    SpGist,
    /// BRIN: block ranges of naturally ordered large tables.
    Brin,
}

impl IndexMethod {
    /// The method's name as PostgreSQL spells it (`btree`, `gin`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BTree => "btree",
            Self::Hash => "hash",
            Self::Gin => "gin",
            Self::Gist => "gist",
            Self::SpGist => "spgist",
            Self::Brin => "brin",
        }
    }
}

/// What one key of an index indexes: a column, or an expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyExpr {
    /// A column of the table, by name.
    Column(String),
    /// An expression over the table's columns, as SQL (`lower(email)`).
    Expression(String),
}

/// Where NULLs sort in a key (`NULLS FIRST` / `NULLS LAST`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Nulls {
    /// `NULLS FIRST` (the default of a `DESC` key).
    First,
    /// `NULLS LAST` (the default of an ascending key).
    Last,
}

/// One key of an index: a column or an expression, with its collation,
/// operator class, direction and placement of NULLs. A `&str` is a column
/// key without options, so `create_index("users", ["email"])` is the
/// common case written plainly.
///
/// ```
/// use migrator_core::prelude::*;
/// use migrator_core::render::{Postgres, render_sql};
/// let mut op = Ops::new();
/// op.create_table("users", |t| {
///     t.column::<String>("email");
///     t.column::<i64>("score");
/// });
/// op.create_index(
///     "users",
///     [IndexKey::expr("lower(email)"), IndexKey::column("score").desc().nulls_last()],
/// );
/// let sql = render_sql(&Postgres, op.ops()).unwrap();
/// assert_eq!(sql[1], "CREATE INDEX \"ix_users_lower_email_score\" ON \"users\" \
///     ((lower(email)), \"score\" DESC NULLS LAST)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct IndexKey {
    /// What it indexes.
    pub expr: KeyExpr,
    /// `COLLATE name` (default: the column's or the expression's own).
    pub collation: Option<String>,
    /// The operator class (`gin_trgm_ops`, `text_pattern_ops`, …; default:
    /// the type's default class for the index method).
    pub opclass: Option<String>,
    /// `DESC`.
    pub descending: bool,
    /// `NULLS FIRST` / `NULLS LAST`, when it is not the direction's
    /// default (the model keeps `None` for the default).
    pub nulls: Option<Nulls>,
}

impl IndexKey {
    /// A column key, ascending, with the defaults.
    pub fn column(name: impl Into<String>) -> Self {
        Self::of(KeyExpr::Column(name.into()))
    }

    /// An expression key (`lower(email)`): SQL over the table's columns,
    /// rendered in parentheses.
    pub fn expr(sql: impl Into<String>) -> Self {
        Self::of(KeyExpr::Expression(sql.into()))
    }

    fn of(expr: KeyExpr) -> Self {
        Self {
            expr,
            collation: None,
            opclass: None,
            descending: false,
            nulls: None,
        }
    }

    /// `DESC`.
    #[must_use]
    pub fn desc(mut self) -> Self {
        self.descending = true;
        self
    }

    /// `NULLS FIRST`.
    #[must_use]
    pub fn nulls_first(mut self) -> Self {
        self.nulls = Some(Nulls::First);
        self
    }

    /// `NULLS LAST`.
    #[must_use]
    pub fn nulls_last(mut self) -> Self {
        self.nulls = Some(Nulls::Last);
        self
    }

    /// `COLLATE name`.
    #[must_use]
    pub fn collate(mut self, collation: impl Into<String>) -> Self {
        self.collation = Some(collation.into());
        self
    }

    /// The operator class (`gin_trgm_ops`, `jsonb_path_ops`, …).
    #[must_use]
    pub fn opclass(mut self, opclass: impl Into<String>) -> Self {
        self.opclass = Some(opclass.into());
        self
    }

    /// The column, when the key is a column.
    pub fn column_name(&self) -> Option<&str> {
        match &self.expr {
            KeyExpr::Column(c) => Some(c),
            KeyExpr::Expression(_) => None,
        }
    }

    /// Whether the key is a bare column with every option at its default.
    pub fn is_plain_column(&self) -> bool {
        self.column_name().is_some()
            && self.collation.is_none()
            && self.opclass.is_none()
            && !self.descending
            && self.nulls.is_none()
    }

    /// Whether the key reads `column` (as the key, or in its expression).
    pub fn uses(&self, column: &str) -> bool {
        match &self.expr {
            KeyExpr::Column(c) => c == column,
            KeyExpr::Expression(sql) => crate::schema::expr::mentions(sql, column),
        }
    }

    /// The key with column `from` named `to` (as the key, or in its
    /// expression).
    pub(crate) fn rename_column(&mut self, from: &str, to: &str) {
        match &mut self.expr {
            KeyExpr::Column(c) if c == from => *c = to.to_owned(),
            KeyExpr::Column(_) => {}
            KeyExpr::Expression(sql) => *sql = crate::schema::expr::rename(sql, from, to),
        }
    }

    /// The key as the model keeps it: `NULLS` left out where it says the
    /// direction's default, an expression that is only a column's name
    /// (`(email)`) made that column, as PostgreSQL makes it.
    pub(crate) fn canonical(mut self) -> Self {
        use crate::schema::expr::{Tok, lex, strip_parens};
        if let KeyExpr::Expression(sql) = &self.expr
            && let [Tok::Word(name, quoted)] = lex(strip_parens(sql)).as_slice()
            && (*quoted || !crate::schema::expr::is_keyword(name))
        {
            self.expr = KeyExpr::Column(name.clone());
        }
        let default = if self.descending {
            Nulls::First
        } else {
            Nulls::Last
        };
        if self.nulls == Some(default) {
            self.nulls = None;
        }
        self
    }

    /// The words the default index name takes from this key: the column,
    /// or the names and numbers in the expression.
    /// The columns the key reads: its column, or the names an expression
    /// uses that are not functions, types after `::`, or keywords.
    fn columns_read(&self) -> Vec<String> {
        use crate::schema::expr::{Tok, is_keyword, lex};
        match &self.expr {
            KeyExpr::Column(c) => vec![c.clone()],
            KeyExpr::Expression(sql) => {
                let toks = lex(sql);
                let mut out = Vec::new();
                for (i, tok) in toks.iter().enumerate() {
                    let Tok::Word(word, quoted) = tok else {
                        continue;
                    };
                    let called = matches!(toks.get(i + 1), Some(Tok::Open));
                    let cast = i > 0 && matches!(&toks[i - 1], Tok::Punct(p) if p == "::");
                    if !called && !cast && (*quoted || !is_keyword(word)) {
                        out.push(word.clone());
                    }
                }
                out
            }
        }
    }

    fn name_parts(&self) -> Vec<String> {
        match &self.expr {
            KeyExpr::Column(c) => vec![c.clone()],
            KeyExpr::Expression(sql) => sql
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect(),
        }
    }
}

impl From<&str> for IndexKey {
    fn from(column: &str) -> Self {
        Self::column(column)
    }
}

impl From<String> for IndexKey {
    fn from(column: String) -> Self {
        Self::column(column)
    }
}

impl From<&String> for IndexKey {
    fn from(column: &String) -> Self {
        Self::column(column.clone())
    }
}

/// An index. Its default name is `ix_<table>_<columns>`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct IndexDef {
    /// The index's name; it lives in its table's schema.
    pub name: String,
    /// The indexed table.
    pub table: QualifiedName,
    /// The keys, in order.
    pub keys: Vec<IndexKey>,
    /// `UNIQUE`.
    pub unique: bool,
    /// `USING method`.
    pub method: IndexMethod,
    /// `WHERE predicate` of a partial index: SQL written by the author.
    pub predicate: Option<String>,
    /// `INCLUDE (…)`: non-key columns stored in the index.
    pub include: Vec<String>,
    /// `NULLS NOT DISTINCT` (PostgreSQL 15): a unique index that counts
    /// NULLs as equal.
    pub nulls_not_distinct: bool,
    /// `WITH (name = value, …)`: storage parameters (`fillfactor`, …), in
    /// the order given.
    pub with: Vec<(String, String)>,
}

impl IndexDef {
    /// A b-tree index on `keys` of `table`, with the default name: the
    /// [naming convention](super::naming)'s in force, else
    /// `ix_<table>_<columns>`.
    pub fn new(table: QualifiedName, keys: Vec<IndexKey>) -> Self {
        // A convention names the columns the keys read, as SQLAlchemy does;
        // the default name takes every word of an expression.
        let mut columns: Vec<String> = Vec::new();
        for column in keys.iter().flat_map(IndexKey::columns_read) {
            if !columns.contains(&column) {
                columns.push(column);
            }
        }
        let name = naming::name_or(&Subject::index(&table, &columns), || {
            let words: Vec<String> = keys.iter().flat_map(IndexKey::name_parts).collect();
            let mut parts: Vec<&str> = vec!["ix", &table.name];
            parts.extend(words.iter().map(String::as_str));
            generated_name(&parts)
        });
        Self {
            name,
            table,
            keys,
            unique: false,
            method: IndexMethod::BTree,
            predicate: None,
            include: Vec::new(),
            nulls_not_distinct: false,
            with: Vec::new(),
        }
    }

    /// A b-tree index on plain `columns` of `table`, with the default name.
    pub fn on_columns<I, S>(table: QualifiedName, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(
            table,
            columns.into_iter().map(|c| IndexKey::column(c)).collect(),
        )
    }

    /// The index's qualified name: its table's schema and its own name.
    pub fn qualified_name(&self) -> QualifiedName {
        self.table.sibling(self.name.clone())
    }

    /// The key columns (keys that are expressions left out).
    pub fn key_columns(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().filter_map(IndexKey::column_name)
    }

    /// Whether every key is a bare column with the default options.
    pub fn plain_keys(&self) -> bool {
        self.keys.iter().all(IndexKey::is_plain_column)
    }

    /// Whether the index reads `column`: in a key, an expression,
    /// `INCLUDE` or the predicate.
    pub fn uses(&self, column: &str) -> bool {
        self.keys.iter().any(|k| k.uses(column))
            || self.include.iter().any(|c| c == column)
            || self
                .predicate
                .as_deref()
                .is_some_and(|p| crate::schema::expr::mentions(p, column))
    }
}
