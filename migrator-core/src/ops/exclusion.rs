//! Exclusion constraints (`EXCLUDE USING gist (room WITH =, during WITH
//! &&)`): no two rows may have every element's operator return true
//! between them. PostgreSQL enforces one through an index of the
//! constraint's own, built by the method it names.

use super::constraint::Deferral;
use super::index::{IndexDef, IndexKey, IndexMethod, KeyExpr};
use crate::ident::{QualifiedName, generated_name};

/// One element of an exclusion constraint: a column or an expression (an
/// [`IndexKey`], which may carry a collation and an operator class; `DESC`
/// and `NULLS` only where the method orders, b-tree) and the operator two
/// rows' values are compared with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ExcludeElement {
    /// The column or expression.
    pub key: IndexKey,
    /// The operator (`=`, `&&`, …), as SQL writes it after `WITH`; it must
    /// be commutative.
    pub operator: String,
}

impl ExcludeElement {
    /// `key WITH operator`.
    pub fn new(key: impl Into<IndexKey>, operator: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            operator: operator.into(),
        }
    }
}

impl<K: Into<IndexKey>, S: Into<String>> From<(K, S)> for ExcludeElement {
    fn from((key, operator): (K, S)) -> Self {
        Self::new(key, operator)
    }
}

/// An exclusion constraint. Default name: `<table>_<elements>_excl`, as
/// PostgreSQL chooses it (a column's name, a function's name for a call,
/// `expr` for another expression, and the `INCLUDE` columns; a name seen
/// before gets a number).
///
/// ```
/// use migrator_core::prelude::*;
/// use migrator_core::render::{Postgres, render_sql};
/// let mut op = Ops::new();
/// op.create_extension("btree_gist");
/// op.create_table("bookings", |t| {
///     t.column::<i32>("room");
///     t.column_as("during", ColumnType::Custom("tsrange".into()));
/// });
/// op.add_exclusion("bookings", [("room", "="), ("during", "&&")])
///     .where_sql("room > 0")
///     .initially_deferred();
/// let sql = render_sql(&Postgres, op.ops()).unwrap();
/// assert_eq!(
///     sql[2],
///     "ALTER TABLE \"bookings\" ADD CONSTRAINT \"bookings_room_during_excl\" EXCLUDE USING gist \
///      (\"room\" WITH =, \"during\" WITH &&) WHERE (room > 0) DEFERRABLE INITIALLY DEFERRED"
/// );
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Exclusion {
    /// The constraint's name (and its index's).
    pub name: String,
    /// `USING method` (default GiST; b-tree, hash and SP-GiST can too,
    /// GIN and BRIN cannot).
    pub method: IndexMethod,
    /// The elements, in order.
    pub elements: Vec<ExcludeElement>,
    /// `INCLUDE (…)`: columns stored in the index, not compared.
    pub include: Vec<String>,
    /// `WITH (name = value, …)`: the index's storage parameters.
    pub with: Vec<(String, String)>,
    /// `WHERE (predicate)`: only the rows it holds for are compared (SQL).
    pub predicate: Option<String>,
    /// `DEFERRABLE [INITIALLY DEFERRED]`; `None`: checked after each
    /// statement, always.
    pub deferrable: Option<Deferral>,
    /// The table whose default name `name` is, until `.named(…)`: an
    /// `INCLUDE` given afterwards changes a default name, as PostgreSQL's.
    default_for: Option<String>,
}

/// The definition, as for equality: how the name came about is left out
/// (source written back and read again shows the same op).
impl std::fmt::Debug for Exclusion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exclusion")
            .field("name", &self.name)
            .field("method", &self.method)
            .field("elements", &self.elements)
            .field("include", &self.include)
            .field("with", &self.with)
            .field("predicate", &self.predicate)
            .field("deferrable", &self.deferrable)
            .finish()
    }
}

/// Two constraints are equal when their definitions are (how a name came
/// about is not part of it).
impl PartialEq for Exclusion {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.method == other.method
            && self.elements == other.elements
            && self.include == other.include
            && self.with == other.with
            && self.predicate == other.predicate
            && self.deferrable == other.deferrable
    }
}

impl Exclusion {
    /// An exclusion constraint of `table` over `elements`, using GiST, with
    /// the default name.
    pub fn new(table: &str, elements: Vec<ExcludeElement>) -> Self {
        let mut exclusion = Self {
            name: String::new(),
            method: IndexMethod::Gist,
            elements,
            include: Vec::new(),
            with: Vec::new(),
            predicate: None,
            deferrable: None,
            default_for: Some(table.to_owned()),
        };
        exclusion.name = exclusion.default_name(table);
        exclusion
    }

    /// The name PostgreSQL chooses for it on `table`.
    pub fn default_name(&self, table: &str) -> String {
        let mut words: Vec<String> = Vec::new();
        let keys = self.elements.iter().map(|e| element_word(&e.key));
        for word in keys.chain(self.include.iter().cloned()) {
            let mut candidate = word.clone();
            let mut n = 1;
            while words.contains(&candidate) {
                candidate = format!("{word}{n}");
                n += 1;
            }
            words.push(candidate);
        }
        let mut parts: Vec<&str> = vec![table];
        parts.extend(words.iter().map(String::as_str));
        parts.push("excl");
        generated_name(&parts)
    }

    /// Gives the constraint an explicit name.
    pub fn named(&mut self, name: impl Into<String>) -> &mut Self {
        self.name = name.into();
        self.default_for = None;
        self
    }

    /// `USING method`.
    pub fn using(&mut self, method: IndexMethod) -> &mut Self {
        self.method = method;
        self
    }

    /// `INCLUDE (columns)`; a default name takes them in, as PostgreSQL's
    /// does.
    pub fn include<I, S>(&mut self, columns: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.include = super::constraint::names(columns);
        if let Some(table) = &self.default_for {
            self.name = self.default_name(table);
        }
        self
    }

    /// `WITH (name = value)`: a storage parameter of its index; called
    /// again, it adds another.
    pub fn with(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.with.push((name.into(), value.into()));
        self
    }

    /// `WHERE (predicate)`: only rows it holds for are compared.
    pub fn where_sql(&mut self, predicate: impl Into<String>) -> &mut Self {
        self.predicate = Some(predicate.into());
        self
    }

    /// The index PostgreSQL builds for it on `table` (the keys without
    /// their operators).
    pub fn index_def(&self, table: QualifiedName) -> IndexDef {
        let mut index = IndexDef::new(table, self.elements.iter().map(|e| e.key.clone()).collect());
        index.name.clone_from(&self.name);
        index.method = self.method;
        index.include.clone_from(&self.include);
        index.with.clone_from(&self.with);
        index.predicate.clone_from(&self.predicate);
        index
    }

    /// Whether it reads `column`: in an element, `INCLUDE` or the predicate.
    pub fn uses(&self, column: &str) -> bool {
        self.index_def(QualifiedName::from("")).uses(column)
    }

    /// `from` renamed `to` wherever it reads the column: elements (in
    /// expressions too), `INCLUDE`, the predicate.
    pub(crate) fn rename_column(&mut self, from: &str, to: &str) {
        use crate::schema::expr::rename;
        for e in &mut self.elements {
            e.key.rename_column(from, to);
        }
        for c in self.include.iter_mut().filter(|c| *c == from) {
            *c = to.to_owned();
        }
        if let Some(p) = &mut self.predicate {
            *p = rename(p, from, to);
        }
    }

    /// The columns of its elements that are plain columns.
    pub fn key_columns(&self) -> impl Iterator<Item = &str> {
        self.elements.iter().filter_map(|e| e.key.column_name())
    }

    /// The constraint as the model keeps it (its keys canonical, as
    /// [`IndexKey`]s are).
    pub(crate) fn canonical(&self) -> Self {
        let mut out = self.clone();
        for e in &mut out.elements {
            e.key = e.key.clone().canonical();
            // `OPERATOR(pg_catalog.=)` is `=`, as PostgreSQL prints it.
            let op = e.operator.trim();
            e.operator = op
                .strip_prefix("OPERATOR(pg_catalog.")
                .or_else(|| op.strip_prefix("operator(pg_catalog."))
                .and_then(|o| o.strip_suffix(')'))
                .unwrap_or(op)
                .to_owned();
        }
        out
    }
}

super::constraint::deferrable!(Exclusion);

/// The word PostgreSQL's `FigureIndexColname` takes from a key: the
/// column, the function a call names, what a cast casts (or the type it
/// casts to), `expr` for anything else.
fn element_word(key: &IndexKey) -> String {
    use crate::schema::expr::lex;
    let sql = match &key.expr {
        KeyExpr::Column(c) => return c.clone(),
        KeyExpr::Expression(sql) => sql,
    };
    word_of(&lex(sql)).unwrap_or_else(|| "expr".to_owned())
}

/// `toks` without the parentheses that wrap all of them.
fn unwrapped(mut toks: &[crate::schema::expr::Tok]) -> &[crate::schema::expr::Tok] {
    use crate::schema::expr::Tok;
    while toks.first() == Some(&Tok::Open) && closing(toks, 0) == Some(toks.len() - 1) {
        toks = &toks[1..toks.len() - 1];
    }
    toks
}

/// The index of the `)` that closes the `(` at `open`.
fn closing(toks: &[crate::schema::expr::Tok], open: usize) -> Option<usize> {
    use crate::schema::expr::Tok;
    let mut depth = 0usize;
    for (n, t) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Open => depth += 1,
            Tok::Close => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(n);
                }
            }
            _ => {}
        }
    }
    None
}

/// The name `toks` give a key, if PostgreSQL would take one from them.
fn word_of(toks: &[crate::schema::expr::Tok]) -> Option<String> {
    use crate::schema::expr::Tok;
    let toks = unwrapped(toks);
    // A cast at the top level: what it casts, else the type's name.
    let mut depth = 0usize;
    let mut cast = None;
    for (n, t) in toks.iter().enumerate() {
        match t {
            Tok::Open => depth += 1,
            Tok::Close => depth = depth.saturating_sub(1),
            Tok::Punct(p) if p == "::" && depth == 0 => cast = Some(n),
            _ => {}
        }
    }
    if let Some(n) = cast {
        return word_of(&toks[..n]).or_else(|| type_word(&toks[n + 1..]));
    }
    match toks {
        [Tok::Word(name, quoted)] if *quoted || !crate::schema::expr::is_keyword(name) => {
            Some(name.clone())
        }
        [Tok::Word(name, _), Tok::Punct(dot), Tok::Word(column, _)]
            if dot == "." && !name.is_empty() =>
        {
            Some(column.clone())
        }
        [Tok::Word(w, false), .., Tok::Word(end, false)] if w == "case" && end == "end" => {
            Some("case".to_owned())
        }
        _ => {
            // A call: `name(…)` or `schema.name(…)`, the list closing at the end.
            let open = toks.iter().position(|t| *t == Tok::Open)?;
            if closing(toks, open) != Some(toks.len() - 1) {
                return None;
            }
            match &toks[..open] {
                [Tok::Word(f, _)] => Some(f.clone()),
                [Tok::Word(_, _), Tok::Punct(dot), Tok::Word(f, _)] if dot == "." => {
                    Some(f.clone())
                }
                _ => None,
            }
        }
    }
}

/// The name of the type a cast names, as PostgreSQL spells its own
/// (`bigint` is `int8`).
fn type_word(toks: &[crate::schema::expr::Tok]) -> Option<String> {
    use crate::schema::expr::Tok;
    let words: Vec<&str> = toks
        .iter()
        .take_while(|t| *t != &Tok::Open && *t != &Tok::Punct("[".into()))
        .filter_map(|t| match t {
            Tok::Word(w, _) => Some(w.as_str()),
            _ => None,
        })
        .collect();
    let written = words.join(" ");
    let name = match written.as_str() {
        "int" | "integer" => "int4",
        "bigint" => "int8",
        "smallint" => "int2",
        "boolean" => "bool",
        "real" => "float4",
        "double precision" | "float" => "float8",
        "character varying" => "varchar",
        "character" | "char" => "bpchar",
        "decimal" => "numeric",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "timestamp with time zone" => "timestamptz",
        "time" | "time without time zone" => "time",
        "time with time zone" => "timetz",
        _ => return words.last().map(|w| (*w).to_owned()),
    };
    Some(name.to_owned())
}
