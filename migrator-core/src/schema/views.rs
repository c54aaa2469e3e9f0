//! What a view's SQL reads, found conservatively with the crate's lexer
//! ([`lex_spanned`]): the relations and columns of the schema it names, its
//! output columns where they can be told, and the same SQL with a renamed
//! table or column written in, as PostgreSQL rewrites its stored views.
//!
//! - A relation is read when a name (`t`, `s.t`, quoted or not) that is
//!   neither a function call, a type after `::` nor an alias after `AS`
//!   names a table or view of the schema; unqualified names are looked up in
//!   `public` (the default `search_path`). What follows it (`[AS] alias`)
//!   is an alias of it.
//! - A column is read when written `q.c` with `q` an alias or the name of a
//!   relation read (`q.*`: all its columns), or `c` alone when a relation
//!   read has a column `c`.
//!
//! A name that only looks like a reference (a column alias spelled like a
//! table, say) is read as one: the model may refuse a drop PostgreSQL would
//! allow, never the other way round.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use super::expr::{Tok, is_keyword, lex_spanned};
use super::{Key, Schema};
use crate::ident::{DEFAULT_SCHEMA, quote_ident};

/// The relations and columns a view reads.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Reads {
    /// Tables and views, by key.
    pub relations: BTreeSet<Key>,
    /// Columns of those relations, `(relation, column)`.
    pub columns: BTreeSet<(Key, String)>,
}

/// One pass over a definition: what each token is.
struct Analysis {
    toks: Vec<(Tok, Range<usize>)>,
    /// The token naming a relation read (the last part of `s.t`), with it.
    relations: Vec<(usize, Key)>,
    /// A qualifier `t` in `t.c` that spells the relation's own name.
    qualifiers: Vec<(usize, Key)>,
    /// A token naming a column of a relation.
    columns: Vec<(usize, Key, String)>,
    /// `q.*`: every column of the relation.
    stars: Vec<Key>,
    /// A `*` alone in a select list: every column of every relation read.
    all_star: bool,
}

fn word(tok: &Tok) -> Option<(&str, bool)> {
    match tok {
        Tok::Word(w, quoted) => Some((w.as_str(), *quoted)),
        _ => None,
    }
}

fn is_punct(tok: Option<&(Tok, Range<usize>)>, p: &str) -> bool {
    matches!(tok, Some((Tok::Punct(q), _)) if q == p)
}

fn is_word(tok: Option<&(Tok, Range<usize>)>, w: &str) -> bool {
    matches!(tok, Some((Tok::Word(x, false), _)) if x == w)
}

/// The name a token can be: a quoted word, or an unquoted non-keyword.
fn name(tok: Option<&(Tok, Range<usize>)>) -> Option<&str> {
    let (w, quoted) = word(&tok?.0)?;
    (quoted || !is_keyword(w)).then_some(w)
}

/// The columns `schema` knows for relation `key`: a table's, or a view's
/// output columns where they can be told.
fn columns_of(schema: &Schema, key: &Key) -> Vec<String> {
    if let Some(table) = schema.tables.get(key) {
        return table.columns.iter().map(|c| c.name.clone()).collect();
    }
    schema
        .views
        .get(key)
        .and_then(|v| output_columns(&v.sql))
        .map(|cols| cols.into_iter().flatten().collect())
        .unwrap_or_default()
}

fn is_relation(schema: &Schema, key: &Key) -> bool {
    schema.tables.contains_key(key) || schema.views.contains_key(key)
}

fn analyse(sql: &str, schema: &Schema) -> Analysis {
    let toks = lex_spanned(sql);
    let mut out = Analysis {
        toks: Vec::new(),
        relations: Vec::new(),
        qualifiers: Vec::new(),
        columns: Vec::new(),
        stars: Vec::new(),
        all_star: false,
    };
    // Chains of names joined by dots: `a`, `a.b`, `a.b.c` (and `a.*`).
    let mut chains: Vec<(Vec<usize>, bool)> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let starts = name(toks.get(i)).is_some()
            && !(i > 0 && is_punct(toks.get(i - 1), "."))
            && !(i > 0 && is_punct(toks.get(i - 1), "::"))
            && !(i > 0 && is_word(toks.get(i - 1), "as"));
        if !starts {
            i += 1;
            continue;
        }
        let mut parts = vec![i];
        let mut star = false;
        let mut j = i;
        while is_punct(toks.get(j + 1), ".") {
            if name(toks.get(j + 2)).is_some() {
                j += 2;
                parts.push(j);
            } else {
                star = is_punct(toks.get(j + 2), "*");
                break;
            }
        }
        let call = matches!(toks.get(j + 1), Some((Tok::Open, _)));
        if !call {
            chains.push((parts, star));
        }
        i = j + 1;
    }
    let text = |i: usize| name(toks.get(i)).unwrap_or_default().to_owned();

    // Relations, and their aliases.
    let mut aliases: BTreeMap<String, Key> = BTreeMap::new();
    let mut alias_defs = BTreeSet::new();
    let mut rest = Vec::new();
    for (parts, star) in chains {
        let key = match parts.as_slice() {
            [t] => Some((DEFAULT_SCHEMA.to_owned(), text(*t))),
            [s, t] => Some((text(*s), text(*t))),
            _ => None,
        }
        .filter(|k| !star && is_relation(schema, k));
        let Some(key) = key else {
            rest.push((parts, star));
            continue;
        };
        let last = *parts.last().expect("a chain has a name");
        out.relations.push((last, key.clone()));
        aliases.insert(key.1.clone(), key.clone());
        let mut j = last + 1;
        if is_word(toks.get(j), "as") {
            j += 1;
        }
        if let Some(alias) = name(toks.get(j))
            && !is_punct(toks.get(j + 1), ".")
            && !matches!(toks.get(j + 1), Some((Tok::Open, _)))
        {
            aliases.insert(alias.to_owned(), key);
            alias_defs.insert(j);
        }
    }
    let read: BTreeSet<Key> = out.relations.iter().map(|(_, k)| k.clone()).collect();

    // Columns.
    for (parts, star) in rest {
        if parts.len() == 1 && alias_defs.contains(&parts[0]) {
            continue;
        }
        // The relation a qualified name's qualifier names, and where.
        let qualified = match parts.as_slice() {
            [q, ..] if parts.len() >= 2 || star => {
                let (q_tok, rel) = if parts.len() >= 3 {
                    let key = (text(parts[0]), text(parts[1]));
                    (parts[1], is_relation(schema, &key).then_some(key))
                } else {
                    (*q, aliases.get(&text(*q)).cloned())
                };
                Some((q_tok, rel))
            }
            _ => None,
        };
        match qualified {
            Some((q_tok, Some(rel))) => {
                if text(q_tok) == rel.1 {
                    out.qualifiers.push((q_tok, rel.clone()));
                }
                if star {
                    out.stars.push(rel);
                } else {
                    let c = *parts.last().expect("a chain has a name");
                    out.columns.push((c, rel, text(c)));
                }
            }
            Some((_, None)) => {}
            None => {
                let c = parts[0];
                for rel in &read {
                    if columns_of(schema, rel).contains(&text(c)) {
                        out.columns.push((c, rel.clone(), text(c)));
                    }
                }
            }
        }
    }
    out.all_star = toks.iter().enumerate().any(|(n, (t, _))| {
        matches!(t, Tok::Punct(p) if p == "*")
            && n > 0
            && (is_punct(toks.get(n - 1), ",")
                || ["select", "distinct", "all"]
                    .iter()
                    .any(|w| is_word(toks.get(n - 1), w)))
    });
    out.toks = toks;
    out
}

/// What the view defined by `sql` reads of `schema` (see the
/// [module](self)).
pub(crate) fn reads(sql: &str, schema: &Schema) -> Reads {
    let a = analyse(sql, schema);
    let mut out = Reads::default();
    for (_, key) in a.relations {
        out.relations.insert(key);
    }
    for (_, key, column) in a.columns {
        out.columns.insert((key, column));
    }
    let stars = if a.all_star {
        out.relations.iter().cloned().collect()
    } else {
        a.stars
    };
    for key in stars {
        // `*` is expanded when the view is created: every column then.
        for column in columns_of(schema, &key) {
            out.columns.insert((key.clone(), column));
        }
    }
    out
}

/// The token ranges of the top-level select list's items of `toks`.
fn select_items(toks: &[(Tok, Range<usize>)]) -> Vec<Range<usize>> {
    let mut depth = 0usize;
    let mut start = None;
    let mut items = Vec::new();
    for (n, (tok, _)) in toks.iter().enumerate() {
        match tok {
            Tok::Open => depth += 1,
            Tok::Close => depth = depth.saturating_sub(1),
            Tok::Word(w, false) if depth == 0 => match (w.as_str(), start) {
                ("select", None) => {
                    let mut first = n + 1;
                    while is_word(toks.get(first), "all") || is_word(toks.get(first), "distinct") {
                        first += 1;
                    }
                    start = Some(first);
                }
                (
                    "from" | "where" | "group" | "having" | "window" | "union" | "intersect"
                    | "except" | "order" | "limit" | "offset" | "fetch" | "into",
                    Some(s),
                ) => {
                    items.push(s..n);
                    return items;
                }
                _ => {}
            },
            Tok::Punct(p) if p == "," && depth == 0 => {
                if let Some(s) = start {
                    items.push(s..n);
                    start = Some(n + 1);
                }
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        items.push(s..toks.len());
    }
    items
}

/// The names of the view's columns, in order, when they can be told from
/// its select list: `None` for the whole list with a `*` in it, `None` for
/// an item whose name PostgreSQL derives (`count(*)`, `x::text`).
pub(crate) fn output_columns(sql: &str) -> Option<Vec<Option<String>>> {
    let toks = lex_spanned(sql);
    let mut out = Vec::new();
    for item in select_items(&toks) {
        let item = &toks[item];
        let n = item.len();
        if item
            .iter()
            .any(|(t, _)| matches!(t, Tok::Punct(p) if p == "*"))
            && (n == 1 || (n >= 2 && is_punct(item.get(n - 2), ".")))
        {
            return None;
        }
        let last = name(item.last());
        let before_last = n.checked_sub(2).and_then(|k| item.get(k));
        let all_chain = item.iter().enumerate().all(|(k, (t, _))| {
            if k % 2 == 0 {
                word(t).is_some()
            } else {
                matches!(t, Tok::Punct(p) if p == ".")
            }
        }) && n % 2 == 1;
        out.push(match last {
            Some(last) if is_word(before_last, "as") || all_chain => Some(last.to_owned()),
            // `expr alias`, without AS.
            Some(last)
                if n >= 2
                    && !is_punct(before_last, ".")
                    && !is_punct(before_last, "::")
                    && !matches!(before_last, Some((Tok::Punct(_), _))) =>
            {
                Some(last.to_owned())
            }
            _ => None,
        });
    }
    Some(out)
}

/// The select list's items of `sql` as tokens, and the tokens after the
/// list: for telling whether a new definition only adds columns at the end.
pub(super) fn select_list(sql: &str) -> (Vec<Vec<Tok>>, Vec<Tok>) {
    let toks = lex_spanned(sql);
    let items = select_items(&toks);
    let after = items.last().map_or(0, |r| r.end);
    let list = items
        .into_iter()
        .map(|r| toks[r].iter().map(|(t, _)| t.clone()).collect())
        .collect();
    let rest = toks[after..].iter().map(|(t, _)| t.clone()).collect();
    (list, rest)
}

/// Whether what `view` (of `from`) reads is the same in `to`: each view
/// it reads among `kept` (kept or replaced in place), each table there with each column it reads, of
/// the same type.
pub(super) fn reads_intact(
    view: &crate::ops::ViewDef,
    from: &Schema,
    to: &Schema,
    kept: &BTreeSet<Key>,
) -> bool {
    let r = reads(&view.sql, from);
    r.relations.iter().all(|rel| {
        if from.views.contains_key(rel) {
            return kept.contains(rel);
        }
        let (Some(old), Some(new)) = (from.tables.get(rel), to.tables.get(rel)) else {
            return false;
        };
        r.columns.iter().filter(|(k, _)| k == rel).all(|(_, c)| {
            match (old.find_column(c), new.find_column(c)) {
                // PostgreSQL changes a collation with ALTER COLUMN … TYPE,
                // which a view reading the column refuses, as a type change.
                (Some(a), Some(b)) => a.ty == b.ty && a.collation == b.collation,
                _ => false,
            }
        })
    })
}

/// The views of `from` that a diff to `to` leaves as they are (the same
/// definition in `to`, and what they read intact), and those it replaces
/// in place: plain views whose new query only adds columns at the end of
/// the select list (what `CREATE OR REPLACE VIEW` allows), what they read
/// intact. Views reading either kind stay.
pub(super) fn kept(from: &Schema, to: &Schema) -> (BTreeSet<Key>, BTreeSet<Key>) {
    let mut standing = BTreeSet::new();
    let mut kept = BTreeSet::new();
    let mut replaced = BTreeSet::new();
    for view in from.views_in_order() {
        let key = view.name.key();
        let Some(new) = to.views.get(&key) else {
            continue;
        };
        if !reads_intact(view, from, to, &standing) {
            continue;
        }
        if new == view {
            kept.insert(key.clone());
        } else if !view.materialized && !new.materialized && {
            let (old_items, old_rest) = select_list(&view.sql);
            let (new_items, new_rest) = select_list(&new.sql);
            old_rest == new_rest && new_items.starts_with(&old_items)
        } {
            replaced.insert(key.clone());
        } else {
            continue;
        }
        standing.insert(key);
    }
    (kept, replaced)
}

/// The query of a `CREATE VIEW [IF NOT EXISTS] name AS query` statement
/// (SQLite keeps a view as the statement that created it); `None` for any
/// other form (a column list, `TEMP`), which the model cannot describe.
/// For the SQLite catalog reader.
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) fn query_of_create(sql: &str) -> Option<&str> {
    let toks = lex_spanned(sql);
    let mut i = 0;
    for w in ["create", "view"] {
        if !is_word(toks.get(i), w) {
            return None;
        }
        i += 1;
    }
    if is_word(toks.get(i), "if") {
        i += 3;
    }
    // The name, maybe qualified.
    word(&toks.get(i)?.0)?;
    i += 1;
    if is_punct(toks.get(i), ".") {
        word(&toks.get(i + 1)?.0)?;
        i += 2;
    }
    if !is_word(toks.get(i), "as") {
        return None;
    }
    let start = toks.get(i + 1)?.1.start;
    Some(sql[start..].trim_end().trim_end_matches(';').trim_end())
}

/// `sql` with each byte range of `edits` replaced by its text.
fn splice(sql: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(r, _)| r.start);
    edits.dedup_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    for (range, text) in edits {
        out.push_str(&sql[last..range.start]);
        out.push_str(&text);
        last = range.end;
    }
    out.push_str(&sql[last..]);
    out
}

/// `sql` (read against `schema`, where relation `from` has its old name)
/// with each mention of `from` renamed to `to`, as PostgreSQL rewrites a
/// view when a table or view it reads is renamed.
pub(crate) fn rename_relation(sql: &str, schema: &Schema, from: &Key, to: &str) -> String {
    let a = analyse(sql, schema);
    let edits = a
        .relations
        .iter()
        .chain(&a.qualifiers)
        .filter(|(_, key)| key == from)
        .map(|(tok, _)| (a.toks[*tok].1.clone(), quote_ident(to)))
        .collect();
    splice(sql, edits)
}

/// `sql` (read against `schema`, before the rename) with column `from` of
/// `table` renamed to `to`; a select-list item that was only that column
/// keeps its name as the view's column (`"to" AS "from"`), as PostgreSQL
/// keeps it.
pub(crate) fn rename_column(
    sql: &str,
    schema: &Schema,
    table: &Key,
    from: &str,
    to: &str,
) -> String {
    let a = analyse(sql, schema);
    let items = select_items(&a.toks);
    let edits = a
        .columns
        .iter()
        .filter(|(_, key, column)| key == table && column == from)
        .map(|(tok, _, _)| {
            let tok = *tok;
            let chain = |r: &Range<usize>, end: usize| {
                (end - r.start) % 2 == 1
                    && a.toks[r.start..end].iter().enumerate().all(|(k, (t, _))| {
                        if k % 2 == 0 {
                            word(t).is_some()
                        } else {
                            matches!(t, Tok::Punct(p) if p == ".")
                        }
                    })
            };
            // The item is the column alone (`c`, `q.c`, `s.q.c`): it keeps
            // its name as the view's column.
            if items.iter().any(|r| r.end == tok + 1 && chain(r, tok + 1)) {
                let text = format!("{} AS {}", quote_ident(to), quote_ident(from));
                return (a.toks[tok].1.clone(), text);
            }
            // `c AS to`, renamed back: `to` alone says the same.
            if items.iter().any(|r| {
                r.end == tok + 3
                    && chain(r, tok + 1)
                    && is_word(a.toks.get(tok + 1), "as")
                    && name(a.toks.get(tok + 2)) == Some(to)
            }) {
                let range = a.toks[tok].1.start..a.toks[tok + 2].1.end;
                return (range, quote_ident(to));
            }
            (a.toks[tok].1.clone(), quote_ident(to))
        })
        .collect();
    splice(sql, edits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{Op, OpBuilder, Ops};

    fn schema() -> Schema {
        let mut op = Ops::new();
        op.create_table("people", |t| {
            t.column::<i64>("id").primary_key();
            t.column::<String>("name");
            t.column::<i32>("age");
        });
        op.create_table("orders", |t| {
            t.column::<i64>("id").primary_key();
            t.column::<i64>("person_id");
            t.column::<i32>("total");
        });
        Schema::replay(op.ops()).unwrap()
    }

    fn key(name: &str) -> Key {
        ("public".to_owned(), name.to_owned())
    }

    #[test]
    fn reads_relations_and_columns() {
        let s = schema();
        let r = reads(
            "SELECT p.name, sum(o.total) AS total FROM people AS p JOIN public.orders o ON o.person_id = p.id GROUP BY 1",
            &s,
        );
        assert_eq!(r.relations, BTreeSet::from([key("people"), key("orders")]));
        let cols: Vec<(&str, &str)> = r
            .columns
            .iter()
            .map(|(k, c)| (k.1.as_str(), c.as_str()))
            .collect();
        assert_eq!(
            cols,
            [
                ("orders", "person_id"),
                ("orders", "total"),
                ("people", "id"),
                ("people", "name")
            ]
        );
        let r = reads("SELECT name, 'age' FROM people WHERE lower(name) <> ''", &s);
        assert_eq!(
            r.columns,
            BTreeSet::from([(key("people"), "name".to_owned())])
        );
        let r = reads("SELECT p.* FROM people p", &s);
        assert_eq!(r.columns.len(), 3);
        let r = reads(
            "SELECT count(*) FROM orders WHERE EXISTS (SELECT * FROM people)",
            &s,
        );
        assert_eq!(r.columns.len(), 6);
        let r = reads("SELECT count(*), 2 * 3 FROM orders", &s);
        assert_eq!(r.columns.len(), 0);
    }

    #[test]
    fn renames_keep_the_view_columns() {
        let s = schema();
        assert_eq!(
            rename_column(
                "SELECT name, p.age + 1 AS next FROM people p WHERE name <> ''",
                &s,
                &key("people"),
                "name",
                "full_name"
            ),
            "SELECT \"full_name\" AS \"name\", p.age + 1 AS next FROM people p WHERE \"full_name\" <> ''"
        );
        let mut renamed = s.clone();
        renamed
            .apply(&Op::RenameColumn(crate::ops::RenameColumn {
                table: "people".into(),
                from: "name".into(),
                to: "full_name".into(),
            }))
            .unwrap();
        assert_eq!(
            rename_column(
                "SELECT p.\"full_name\" AS \"name\" FROM people p",
                &renamed,
                &key("people"),
                "full_name",
                "name"
            ),
            "SELECT p.\"name\" FROM people p"
        );
        assert_eq!(
            rename_relation(
                "SELECT people.name FROM people JOIN orders ON true",
                &s,
                &key("people"),
                "persons"
            ),
            "SELECT \"persons\".name FROM \"persons\" JOIN orders ON true"
        );
    }

    #[test]
    fn reads_the_query_of_a_create_statement() {
        assert_eq!(
            query_of_create("CREATE VIEW \"v\" AS SELECT 1 AS \"as\""),
            Some("SELECT 1 AS \"as\"")
        );
        assert_eq!(
            query_of_create("create view if not exists main.v as select 1;"),
            Some("select 1")
        );
        assert_eq!(query_of_create("CREATE VIEW v(a) AS SELECT 1"), None);
        assert_eq!(query_of_create("CREATE TEMP VIEW v AS SELECT 1"), None);
    }

    #[test]
    fn tells_output_columns() {
        assert_eq!(
            output_columns("SELECT DISTINCT p.name, age AS years, count(*), 1 n FROM people p"),
            Some(vec![
                Some("name".to_owned()),
                Some("years".to_owned()),
                None,
                Some("n".to_owned())
            ])
        );
        assert_eq!(output_columns("SELECT p.* FROM people p"), None);
        assert_eq!(output_columns("SELECT * FROM people"), None);
    }
}
