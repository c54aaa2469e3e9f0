//! Just enough of SQL's lexical structure to find the column names an
//! author's expression (a check, a partial index's predicate) mentions, the
//! functions it calls (a default's volatility) and whether a check proves a
//! column is not null.

/// PostgreSQL's reserved and type/function-name keywords, and the words of
/// its expression syntax, sorted: unquoted, none of them names a column.
const KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "escape",
    "except",
    "exists",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// One identifier token: its byte range in the expression and its name as
/// PostgreSQL reads it (unquoted names fold to lower case).
struct Ident {
    start: usize,
    end: usize,
    name: String,
}

/// A function call in an expression: a name followed by `(`, with the
/// schema it is qualified by, as PostgreSQL reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Call {
    /// `pg_catalog` in `pg_catalog.now()`; `None` when unqualified.
    pub schema: Option<String>,
    /// The function's name.
    pub name: String,
}

/// What one pass over an expression finds.
#[derive(Default)]
struct Found {
    idents: Vec<Ident>,
    calls: Vec<Call>,
    /// The name before a `.`, waiting for the name it qualifies.
    qualifier: Option<String>,
}

/// The identifiers of `expr` that can name a column: not function names (a
/// word followed by `(`), not type names (after `::`), not keywords' literals
/// inside strings or comments.
fn identifiers(expr: &str) -> Vec<Ident> {
    scan(expr).idents
}

/// The function calls of `expr`: names followed by `(` (spaces allowed
/// between), neither keywords (`CAST (…)`, `current_timestamp(3)`) nor type
/// names after `::` (`::varchar(20)`), nor anything inside strings or
/// comments.
pub(crate) fn calls(expr: &str) -> Vec<Call> {
    scan(expr).calls
}

fn scan(expr: &str) -> Found {
    let bytes = expr.as_bytes();
    let mut out = Found::default();
    let mut i = 0;
    let mut after_cast = false;
    while i < bytes.len() {
        if let Some(end) = comment_end(bytes, i) {
            i = end;
            continue;
        }
        let b = bytes[i];
        match b {
            b'\'' => {
                let escape = i > 0 && matches!(bytes[i - 1], b'E' | b'e');
                i = skip_string(bytes, i + 1, escape);
                after_cast = false;
            }
            b'$' => i = skip_dollar(expr, i),
            b':' if bytes.get(i + 1) == Some(&b':') => {
                after_cast = true;
                i += 2;
            }
            b'"' => {
                let start = i;
                let name;
                (name, i) = quoted_ident(expr, i);
                push(&mut out, expr, start, i, name, &mut after_cast);
            }
            _ if b == b'_' || b.is_ascii_alphabetic() || b >= 0x80 => {
                let start = i;
                i = word_end(bytes, i);
                if bytes.get(i) == Some(&b'\'') {
                    // E'…', B'…', X'…' string prefixes.
                    continue;
                }
                let name = expr[start..i].to_lowercase();
                if is_keyword(&name) {
                    // PostgreSQL never reads an unquoted keyword as a column.
                    after_cast = false;
                    continue;
                }
                push(&mut out, expr, start, i, name, &mut after_cast);
            }
            _ if b.is_ascii_digit() => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                    i += 1;
                }
                after_cast = false;
            }
            _ => {
                if !b.is_ascii_whitespace() {
                    after_cast = false;
                    if b != b'.' {
                        out.qualifier = None;
                    }
                }
                i += 1;
            }
        }
    }
    out
}

fn push(
    out: &mut Found,
    expr: &str,
    start: usize,
    end: usize,
    name: String,
    after_cast: &mut bool,
) {
    let is_type = std::mem::take(after_cast);
    let rest = expr[end..].trim_start();
    let is_call = rest.starts_with('(');
    let qualified_part = rest.starts_with('.');
    let qualifier = out.qualifier.take();
    if qualified_part {
        out.qualifier = Some(name);
        return;
    }
    if is_type {
        return;
    }
    if is_call {
        out.calls.push(Call {
            schema: qualifier,
            name,
        });
    } else {
        out.idents.push(Ident { start, end, name });
    }
}

pub(crate) fn skip_string(bytes: &[u8], mut i: usize, escape: bool) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if escape => i += 2,
            b'\'' if bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b'\'' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

pub(crate) fn skip_dollar(expr: &str, start: usize) -> usize {
    let rest = &expr[start + 1..];
    let tag_len = rest
        .find(|c: char| !(c == '_' || c.is_alphanumeric()))
        .unwrap_or(rest.len());
    if !rest[tag_len..].starts_with('$') {
        // A positional parameter like $1, or a lone dollar.
        return start + 1 + tag_len;
    }
    let tag = &expr[start..start + tag_len + 2];
    let body = start + tag.len();
    match expr[body..].find(tag) {
        Some(end) => body + end + tag.len(),
        None => expr.len(),
    }
}

/// Whether `expr` mentions the column `column`.
pub(crate) fn mentions(expr: &str, column: &str) -> bool {
    identifiers(expr).iter().any(|id| id.name == column)
}

/// `expr` with every mention of column `from` replaced by the quoted `to`.
pub(crate) fn rename(expr: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut last = 0;
    for id in identifiers(expr).into_iter().filter(|id| id.name == from) {
        out.push_str(&expr[last..id.start]);
        out.push_str(&crate::ident::quote_ident(to));
        last = id.end;
    }
    out.push_str(&expr[last..]);
    out
}

/// A token of SQL as the comparisons read it (comments and whitespace
/// dropped).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A name or keyword: unquoted ones folded to lower case; `true` when
    /// it was written quoted (a quoted word is never a keyword).
    Word(String, bool),
    /// A string literal as written, quotes and prefix included.
    Str(String),
    /// A number, sign included when it is one.
    Num(String),
    Open,
    Close,
    /// An operator or punctuation, as written.
    Punct(String),
}

/// The tokens of `sql`.
pub(crate) fn lex(sql: &str) -> Vec<Tok> {
    lex_spanned(sql).into_iter().map(|(tok, _)| tok).collect()
}

/// The tokens of `sql`, each with the byte range it was written in.
pub(super) fn lex_spanned(sql: &str) -> Vec<(Tok, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut push = |tok: Tok, range: std::ops::Range<usize>| out.push((tok, range));
    lex_into(sql, &mut push);
    out
}

fn lex_into(sql: &str, push: &mut impl FnMut(Tok, std::ops::Range<usize>)) {
    let bytes = sql.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(end) = comment_end(bytes, i) {
            i = end;
            continue;
        }
        let b = bytes[i];
        let start = i;
        match b {
            _ if b.is_ascii_whitespace() => i += 1,
            b'(' => {
                i += 1;
                push(Tok::Open, start..i);
            }
            b')' => {
                i += 1;
                push(Tok::Close, start..i);
            }
            b'\'' => {
                i = skip_string(bytes, i + 1, false);
                push(Tok::Str(sql[start..i].to_owned()), start..i);
            }
            b'$' => {
                i = skip_dollar(sql, i);
                push(Tok::Str(sql[start..i].to_owned()), start..i);
            }
            b'"' => {
                let name;
                (name, i) = quoted_ident(sql, i);
                push(Tok::Word(name, true), start..i);
            }
            _ if b.is_ascii_digit() => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                    i += 1;
                }
                push(Tok::Num(sql[start..i].to_owned()), start..i);
            }
            _ if b == b'_' || b.is_ascii_alphabetic() || b >= 0x80 => {
                i = word_end(bytes, i);
                if bytes.get(i) == Some(&b'\'') {
                    // E'…', B'…', X'…': one string with its prefix.
                    let escape = matches!(&sql[start..i], "E" | "e");
                    i = skip_string(bytes, i + 1, escape);
                    push(Tok::Str(sql[start..i].to_owned()), start..i);
                } else {
                    push(Tok::Word(sql[start..i].to_lowercase(), false), start..i);
                }
            }
            _ if b"+-*/<>=~!@#%^&|`?:".contains(&b) => {
                while i < bytes.len() && b"+-*/<>=~!@#%^&|`?:".contains(&bytes[i]) {
                    i += 1;
                }
                push(Tok::Punct(sql[start..i].to_owned()), start..i);
            }
            _ => {
                let len = sql[i..].chars().next().map_or(1, char::len_utf8);
                i += len;
                push(Tok::Punct(sql[start..i].to_owned()), start..i);
            }
        }
    }
}

/// `toks` without parentheses wrapping all of it.
pub(super) fn unwrap_parens(mut toks: &[Tok]) -> &[Tok] {
    while toks.first() == Some(&Tok::Open) && toks.last() == Some(&Tok::Close) {
        let mut depth = 0usize;
        for (n, t) in toks.iter().enumerate() {
            match t {
                Tok::Open => depth += 1,
                Tok::Close => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 && n + 1 < toks.len() {
                        return toks;
                    }
                }
                _ => {}
            }
        }
        toks = &toks[1..toks.len() - 1];
    }
    toks
}

/// Whether a check constraint `expr` proves `column IS NOT NULL` the way
/// PostgreSQL's `SET NOT NULL` recognises (so it skips its scan): one of
/// the expression's top-level `AND` terms is `column IS NOT NULL`. Other
/// proofs PostgreSQL might make are not recognised (the caller then
/// assumes a scan, which is the safe side).
pub(crate) fn implies_not_null(expr: &str, column: &str) -> bool {
    let toks = lex(expr);
    let toks = unwrap_parens(&toks);
    let is_word = |t: &Tok, w: &str| matches!(t, Tok::Word(name, false) if name == w);
    let mut depth = 0usize;
    let mut terms = Vec::new();
    let mut start = 0;
    for (n, t) in toks.iter().enumerate() {
        match t {
            Tok::Open => depth += 1,
            Tok::Close => depth = depth.saturating_sub(1),
            // An OR at the top level: no term holds on its own.
            _ if depth == 0 && is_word(t, "or") => return false,
            _ if depth == 0 && is_word(t, "and") => {
                terms.push(&toks[start..n]);
                start = n + 1;
            }
            _ => {}
        }
    }
    terms.push(&toks[start..]);
    terms.into_iter().any(|term| match unwrap_parens(term) {
        [Tok::Word(name, _), is, not, null] => {
            name == column && is_word(is, "is") && is_word(not, "not") && is_word(null, "null")
        }
        _ => false,
    })
}

/// The byte after the comment starting at byte `i` (`-- …` to the end of
/// its line, `/* … */`), when one starts there.
pub(crate) fn comment_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    match (bytes.get(i), bytes.get(i + 1)) {
        (Some(b'-'), Some(b'-')) => {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            Some(i)
        }
        (Some(b'/'), Some(b'*')) => {
            i += 2;
            while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                i += 1;
            }
            Some((i + 2).min(bytes.len()))
        }
        _ => None,
    }
}

/// The byte after the string, quoted name, dollar-quoted text or comment
/// starting at byte `i` of `sql`, when one starts there.
fn atom_end(sql: &str, i: usize) -> Option<usize> {
    let bytes = sql.as_bytes();
    if let Some(end) = comment_end(bytes, i) {
        return Some(end);
    }
    match bytes[i] {
        b'\'' => {
            let escape = i > 0 && matches!(bytes[i - 1], b'E' | b'e');
            Some(skip_string(bytes, i + 1, escape))
        }
        b'"' => Some(quoted_ident(sql, i).1),
        b'$' => Some(skip_dollar(sql, i)),
        _ => None,
    }
}

/// The comma-separated items of the parenthesized list whose `(` is at
/// byte `open` of `sql` (trimmed; nested parentheses, strings and quoted
/// names kept whole), and the byte after its `)`; `None` when it does not
/// close.
pub(crate) fn list_items(sql: &str, open: usize) -> Option<(Vec<&str>, usize)> {
    let bytes = sql.as_bytes();
    if bytes.get(open) != Some(&b'(') {
        return None;
    }
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = open + 1;
    let mut i = open;
    while i < bytes.len() {
        if let Some(end) = atom_end(sql, i) {
            i = end;
            continue;
        }
        match bytes[i] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    items.push(sql[start..i].trim());
                    return Some((items, i + 1));
                }
            }
            b',' if depth == 1 => {
                items.push(sql[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `sql` without the parentheses that wrap all of it: `((a + 1))` is
/// `a + 1`, `(a) + (b)` stays as it is.
pub(crate) fn strip_parens(mut sql: &str) -> &str {
    loop {
        sql = sql.trim();
        if !sql.starts_with('(') {
            return sql;
        }
        match list_items(sql, 0) {
            Some((items, end)) if end == sql.len() && items.len() == 1 => {
                sql = &sql[1..sql.len() - 1];
            }
            _ => return sql,
        }
    }
}

/// Whether the folded word `name` is a keyword PostgreSQL never reads as
/// a column.
pub(crate) fn is_keyword(name: &str) -> bool {
    KEYWORDS.binary_search(&name).is_ok()
}

/// The byte after the unquoted word (identifier or keyword) starting at
/// byte `i`.
pub(crate) fn word_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len()
        && (bytes[i] == b'_'
            || bytes[i] == b'$'
            || bytes[i].is_ascii_alphanumeric()
            || bytes[i] >= 0x80)
    {
        i += 1;
    }
    i
}

/// The quoted identifier starting at the `"` at byte `i` of `expr`
/// (doubled quotes inside read as one), and the byte after its closing quote.
pub(crate) fn quoted_ident(expr: &str, mut i: usize) -> (String, usize) {
    let bytes = expr.as_bytes();
    let mut name = String::new();
    i += 1;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            if bytes.get(i + 1) == Some(&b'"') {
                name.push('"');
                i += 2;
                continue;
            }
            return (name, i + 1);
        }
        let ch = expr[i..].chars().next().unwrap_or('\u{fffd}');
        name.push(ch);
        i += ch.len_utf8();
    }
    (name, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_columns_not_functions_types_or_strings() {
        let e =
            "lower(Email) <> 'status' AND \"Status\"::text = $$x amount$$ AND amount > 0::numeric";
        let names: Vec<String> = identifiers(e).into_iter().map(|i| i.name).collect();
        assert_eq!(names, ["email", "Status", "amount"]);
        assert!(mentions(e, "amount"));
        assert!(!mentions(e, "lower"));
        assert!(!mentions(e, "status"));
    }

    #[test]
    fn renames_only_the_column() {
        assert_eq!(
            rename("amount > 0 AND note <> 'amount'", "amount", "total"),
            "\"total\" > 0 AND note <> 'amount'"
        );
        assert_eq!(rename("E'it\\'s' = x", "x", "y"), "E'it\\'s' = \"y\"");
    }

    #[test]
    fn keywords_are_sorted_and_never_columns() {
        assert!(KEYWORDS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            rename("x >= 0 OR \"or\" = 'y' AND NOT or_flag", "or", "z"),
            "x >= 0 OR \"z\" = 'y' AND NOT or_flag"
        );
    }

    #[test]
    fn finds_calls_with_their_schema() {
        let found = calls(
            "pg_catalog.now() + random ()::int * lower('gen(') \
             + CAST(x AS varchar(2)) + y::numeric(3) + \"Odd\"(1) + current_timestamp(3)",
        );
        let names: Vec<(Option<&str>, &str)> = found
            .iter()
            .map(|c| (c.schema.as_deref(), c.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                (Some("pg_catalog"), "now"),
                (None, "random"),
                (None, "lower"),
                (None, "varchar"),
                (None, "Odd"),
            ]
        );
        assert_eq!(calls("'a(b)' || $$c(d)$$ -- e(f)"), []);
    }

    #[test]
    fn recognises_not_null_checks() {
        for (expr, column, yes) in [
            ("name IS NOT NULL", "name", true),
            ("(\"name\" is not null)", "name", true),
            ("id > 0 AND (name IS NOT NULL)", "name", true),
            ("(name IS NOT NULL) AND (id > 0)", "name", true),
            ("name IS NOT NULL OR id > 0", "name", false),
            ("id > 0 AND name IS NOT NULL OR x", "name", false),
            ("(a OR b) AND name IS NOT NULL", "name", true),
            ("NOT name IS NOT NULL", "name", false),
            ("\"Name\" IS NOT NULL", "name", false),
            ("Name IS NOT NULL", "name", true),
            ("name > 0", "name", false),
            ("'name IS NOT NULL' = 'x'", "name", false),
            ("other IS NOT NULL", "name", false),
        ] {
            assert_eq!(implies_not_null(expr, column), yes, "{expr}");
        }
    }

    #[test]
    fn lists_and_parentheses() {
        let sql = "x (lower(a) COLLATE \"C,\" DESC, 'a,b', (b + 1)) WHERE c";
        let (items, end) = list_items(sql, 2).unwrap();
        assert_eq!(items, ["lower(a) COLLATE \"C,\" DESC", "'a,b'", "(b + 1)"]);
        assert_eq!(&sql[end..], " WHERE c");
        assert_eq!(list_items("(a, (b", 0), None);
        assert_eq!(strip_parens("((a + 1))"), "a + 1");
        assert_eq!(strip_parens(" (a) + (b) "), "(a) + (b)");
        assert_eq!(strip_parens("(a, b)"), "(a, b)");
        assert_eq!(strip_parens("lower(a)"), "lower(a)");
    }

    #[test]
    fn never_panics_on_odd_input() {
        for e in [
            "'", "\"", "$", "$a", "$a$", "/*", "--", "é'", "E'\\", "::", "\"é",
        ] {
            let _ = identifiers(e);
            let _ = calls(e);
            let _ = implies_not_null(e, "a");
            let _ = strip_parens(e);
            let _ = list_items(&format!("({e}"), 0);
        }
    }
}
