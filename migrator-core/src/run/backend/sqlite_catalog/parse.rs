//! What SQLite keeps only in the `CREATE` text of `sqlite_schema`: the
//! names of constraints, the text of checks, a partial index's predicate,
//! and the clauses the pragmas do not report (collations, `DEFERRABLE`,
//! `AUTOINCREMENT`, generated columns).
//!
//! The text is SQLite's own: the statement as it was written, normalized by
//! SQLite (leading space, `TEMP` and `IF NOT EXISTS` removed) and edited by
//! `ALTER TABLE` (an added column's definition is inserted after the last
//! column, renamed names are rewritten). The parser only tokenizes and
//! splits it; the structure (which columns, which keys, which actions) is
//! read from the pragmas, and this text is matched to it.

/// A token of SQLite SQL.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare word (keyword, name or number), as written.
    Word(String),
    /// A quoted identifier (`"…"`, `` `…` ``, `[…]`), unquoted.
    Ident(String),
    /// A string literal, unquoted.
    Str(String),
    /// Any other character.
    Punct(char),
}

/// A token and its byte span in the text.
#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

/// The tokens of `sql`, comments and white space left out.
fn tokenize(sql: &str) -> Result<Vec<Token>, String> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let c = bytes[i];
        let tok = match c {
            _ if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = sql[i..].find('\n').map_or(bytes.len(), |n| i + n + 1);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
                continue;
            }
            b'"' | b'\'' | b'`' => {
                let quote = char::from(c);
                let mut text = String::new();
                i += 1;
                loop {
                    let Some(n) = sql[i..].find(quote) else {
                        return Err(format!("unterminated {quote} at byte {start}"));
                    };
                    text.push_str(&sql[i..i + n]);
                    i += n + 1;
                    if bytes.get(i) == Some(&c) {
                        text.push(quote);
                        i += 1;
                    } else {
                        break;
                    }
                }
                if c == b'\'' {
                    Tok::Str(text)
                } else {
                    Tok::Ident(text)
                }
            }
            b'[' => {
                let Some(n) = sql[i..].find(']') else {
                    return Err(format!("unterminated [ at byte {start}"));
                };
                i += n + 1;
                Tok::Ident(sql[start + 1..i - 1].to_owned())
            }
            _ if c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80 => {
                i = crate::schema::expr::word_end(bytes, i);
                Tok::Word(sql[start..i].to_owned())
            }
            _ => {
                i += 1;
                Tok::Punct(char::from(c))
            }
        };
        out.push(Token { tok, start, end: i });
    }
    Ok(out)
}

/// The keyword a token is, upper-cased (`""` for anything but a bare word).
fn keyword(token: Option<&Token>) -> String {
    match token.map(|t| &t.tok) {
        Some(Tok::Word(w)) => w.to_ascii_uppercase(),
        _ => String::new(),
    }
}

/// A token read as a name.
fn name(token: Option<&Token>) -> Result<String, String> {
    match token.map(|t| &t.tok) {
        Some(Tok::Word(w) | Tok::Ident(w) | Tok::Str(w)) => Ok(w.clone()),
        Some(Tok::Punct(c)) => Err(format!("a name expected, found {c:?}")),
        None => Err("a name expected, found the end".into()),
    }
}

fn is_punct(token: Option<&Token>, c: char) -> bool {
    token.is_some_and(|t| t.tok == Tok::Punct(c))
}

/// The index of the `)` closing the `(` at `open`.
fn closing(tokens: &[Token], open: usize) -> Result<usize, String> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t.tok {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => {
                depth -= 1;
                if depth == 0 {
                    return Ok(i);
                }
            }
            _ => {}
        }
    }
    Err("unbalanced parentheses".into())
}

/// The comma-separated items between the `(` at `open` and its `)`, and the
/// index of that `)`.
fn items(tokens: &[Token], open: usize) -> Result<(Vec<&[Token]>, usize), String> {
    let close = closing(tokens, open)?;
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = open + 1;
    for i in open + 1..close {
        match tokens[i].tok {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => depth -= 1,
            Tok::Punct(',') if depth == 0 => {
                out.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&tokens[start..close]);
    if out.iter().any(|item| item.is_empty()) {
        return Err("an empty item in a parenthesized list".into());
    }
    Ok((out, close))
}

/// The names of a parenthesized column list starting at `open` (each item's
/// first token: `"a" COLLATE nocase DESC` is `a`), and the index after it.
fn name_list(tokens: &[Token], open: usize) -> Result<(Vec<String>, usize), String> {
    if !is_punct(tokens.get(open), '(') {
        return Err("a parenthesized column list expected".into());
    }
    let (list, close) = items(tokens, open)?;
    let names = list
        .iter()
        .map(|item| name(item.first()))
        .collect::<Result<_, _>>()?;
    Ok((names, close + 1))
}

/// A constraint as the `CREATE TABLE` text writes it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ConstraintText {
    /// `CONSTRAINT name`, if given.
    pub(super) name: Option<String>,
    /// What it is.
    pub(super) kind: KindText,
}

/// The kinds of constraint, with what the text says of each; a column's
/// own `PRIMARY KEY`, `UNIQUE` or `REFERENCES` names that column.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum KindText {
    /// `PRIMARY KEY (columns)`.
    PrimaryKey {
        /// The key's columns.
        columns: Vec<String>,
    },
    /// `UNIQUE (columns)`.
    Unique {
        /// Its columns.
        columns: Vec<String>,
    },
    /// `CHECK (expr)`.
    Check {
        /// The text between the parentheses, trimmed.
        expr: String,
    },
    /// `FOREIGN KEY (columns) REFERENCES table …`.
    ForeignKey {
        /// The referencing columns.
        columns: Vec<String>,
        /// The referenced table, as written.
        table: String,
        /// `DEFERRABLE [INITIALLY DEFERRED]`, if it is deferrable.
        deferrable: Option<crate::ops::Deferral>,
    },
}

/// A column definition's clauses the pragmas do not report.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct ColumnText {
    /// The column's name.
    pub(super) name: String,
    /// Its constraints (`PRIMARY KEY`, `UNIQUE`, `CHECK`, `REFERENCES`).
    pub(super) constraints: Vec<ConstraintText>,
    /// `COLLATE name`, if given.
    pub(super) collate: Option<String>,
    /// `AUTOINCREMENT`.
    pub(super) autoincrement: bool,
    /// `[GENERATED ALWAYS] AS (expr)`: the expression, as written.
    pub(super) generated: Option<String>,
}

/// What a `CREATE TABLE` text says beyond the pragmas.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct TableText {
    /// The column definitions, in order.
    pub(super) columns: Vec<ColumnText>,
    /// The table constraints, in order.
    pub(super) constraints: Vec<ConstraintText>,
}

/// The words that start a table constraint.
const TABLE_CONSTRAINT: &[&str] = &["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"];

/// Reads a `CREATE TABLE` statement as SQLite stores it.
pub(super) fn create_table(sql: &str) -> Result<TableText, String> {
    let tokens = tokenize(sql)?;
    let open = tokens
        .iter()
        .position(|t| t.tok == Tok::Punct('('))
        .ok_or("no column list")?;
    let (list, _) = items(&tokens, open)?;
    let mut table = TableText::default();
    for item in list {
        if TABLE_CONSTRAINT.contains(&keyword(item.first()).as_str()) {
            let mut clauses = Clauses::new(sql, item, None);
            clauses.read()?;
            table.constraints.extend(clauses.constraints);
        } else {
            let column = name(item.first())?;
            let mut clauses = Clauses::new(sql, &item[1..], Some(&column));
            clauses.read()?;
            let Clauses {
                constraints,
                collate,
                autoincrement,
                generated,
                ..
            } = clauses;
            table.columns.push(ColumnText {
                name: column,
                constraints,
                collate,
                autoincrement,
                generated,
            });
        }
    }
    Ok(table)
}

/// Reads the constraint clauses of one item of a `CREATE TABLE` list: a
/// column's (after its name; `column` is set) or a table constraint.
struct Clauses<'a> {
    sql: &'a str,
    tokens: &'a [Token],
    column: Option<&'a str>,
    at: usize,
    constraints: Vec<ConstraintText>,
    collate: Option<String>,
    autoincrement: bool,
    generated: Option<String>,
}

impl<'a> Clauses<'a> {
    fn new(sql: &'a str, tokens: &'a [Token], column: Option<&'a str>) -> Self {
        Self {
            sql,
            tokens,
            column,
            at: 0,
            constraints: Vec::new(),
            collate: None,
            autoincrement: false,
            generated: None,
        }
    }

    fn word(&self, offset: usize) -> String {
        keyword(self.tokens.get(self.at + offset))
    }

    /// The columns a key names: the column's own, or the list that follows.
    fn key_columns(&mut self) -> Result<Vec<String>, String> {
        match self.column {
            Some(column) => Ok(vec![column.to_owned()]),
            None => {
                let (names, next) = name_list(self.tokens, self.at)?;
                self.at = next;
                Ok(names)
            }
        }
    }

    fn read(&mut self) -> Result<(), String> {
        let mut pending: Option<String> = None;
        while self.at < self.tokens.len() {
            let word = self.word(0);
            let kind = match word.as_str() {
                "CONSTRAINT" => {
                    pending = Some(name(self.tokens.get(self.at + 1))?);
                    self.at += 2;
                    continue;
                }
                "PRIMARY" | "UNIQUE" => {
                    self.at += if word == "PRIMARY" { 2 } else { 1 };
                    let columns = self.key_columns()?;
                    if word == "PRIMARY" {
                        KindText::PrimaryKey { columns }
                    } else {
                        KindText::Unique { columns }
                    }
                }
                "CHECK" => {
                    let open = self.at + 1;
                    if !is_punct(self.tokens.get(open), '(') {
                        return Err("CHECK without a parenthesized expression".into());
                    }
                    let close = closing(self.tokens, open)?;
                    let expr = self.sql[self.tokens[open].end..self.tokens[close].start]
                        .trim()
                        .to_owned();
                    self.at = close + 1;
                    KindText::Check { expr }
                }
                "FOREIGN" | "REFERENCES" => {
                    let columns = if word == "FOREIGN" {
                        self.at += 2;
                        let columns = self.key_columns()?;
                        if self.word(0) != "REFERENCES" {
                            return Err("FOREIGN KEY without REFERENCES".into());
                        }
                        columns
                    } else {
                        self.key_columns()?
                    };
                    let table = name(self.tokens.get(self.at + 1))?;
                    self.at += 2;
                    if is_punct(self.tokens.get(self.at), '(') {
                        self.at = closing(self.tokens, self.at)? + 1;
                    }
                    let deferrable = self.reference_clauses();
                    KindText::ForeignKey {
                        columns,
                        table,
                        deferrable,
                    }
                }
                "COLLATE" => {
                    self.collate = Some(name(self.tokens.get(self.at + 1))?);
                    self.at += 2;
                    continue;
                }
                "DEFAULT" => {
                    self.skip_default()?;
                    continue;
                }
                "AUTOINCREMENT" => {
                    self.autoincrement = true;
                    self.at += 1;
                    continue;
                }
                "AS" if is_punct(self.tokens.get(self.at + 1), '(') => {
                    let open = self.at + 1;
                    let close = closing(self.tokens, open)?;
                    self.generated = Some(
                        self.sql[self.tokens[open].end..self.tokens[close].start]
                            .trim()
                            .to_owned(),
                    );
                    self.at = close + 1;
                    continue;
                }
                _ => {
                    // A type name's words and arguments, NOT NULL, ON
                    // CONFLICT, ASC, GENERATED ALWAYS AS (…): nothing to keep.
                    self.at = if is_punct(self.tokens.get(self.at), '(') {
                        closing(self.tokens, self.at)? + 1
                    } else {
                        self.at + 1
                    };
                    continue;
                }
            };
            self.constraints.push(ConstraintText {
                name: pending.take(),
                kind,
            });
        }
        Ok(())
    }

    /// Skips `DEFAULT value`: a signed number, a literal, a word or a
    /// parenthesized expression.
    fn skip_default(&mut self) -> Result<(), String> {
        self.at += 1;
        if is_punct(self.tokens.get(self.at), '+') || is_punct(self.tokens.get(self.at), '-') {
            self.at += 1;
        }
        self.at = if is_punct(self.tokens.get(self.at), '(') {
            closing(self.tokens, self.at)? + 1
        } else {
            self.at + 1
        };
        Ok(())
    }

    /// Skips what may follow `REFERENCES table (columns)`: `ON DELETE|UPDATE
    /// action`, `MATCH name`, `[NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]`;
    /// when it is deferrable, when it is checked.
    fn reference_clauses(&mut self) -> Option<crate::ops::Deferral> {
        use crate::ops::Deferral;
        let (mut deferrable, mut deferred) = (false, false);
        loop {
            match (self.word(0).as_str(), self.word(1).as_str()) {
                ("ON", _) => {
                    self.at += match (self.word(2).as_str(), self.word(3).as_str()) {
                        ("SET", _) | ("NO", "ACTION") => 4,
                        _ => 3,
                    };
                }
                ("MATCH", _) => self.at += 2,
                ("NOT", "DEFERRABLE") => self.at += 2,
                ("DEFERRABLE", _) => {
                    deferrable = true;
                    self.at += 1;
                }
                ("INITIALLY", when) => {
                    deferred = when == "DEFERRED";
                    self.at += 2;
                }
                _ => {
                    return deferrable.then_some(if deferred {
                        Deferral::Deferred
                    } else {
                        Deferral::Immediate
                    });
                }
            }
        }
    }
}

/// One key of a `CREATE INDEX` text: what it indexes (the text, outer
/// parentheses removed), its `COLLATE` and whether it is `DESC`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct KeyText {
    /// The column's name (unquoted) or the expression's text.
    pub(super) expr: String,
    /// `COLLATE name`, if given.
    pub(super) collate: Option<String>,
    /// `DESC`.
    pub(super) desc: bool,
}

/// What a `CREATE INDEX` text says: its keys and the `WHERE` predicate
/// that follows them, if any (trimmed).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct IndexText {
    pub(super) keys: Vec<KeyText>,
    pub(super) predicate: Option<String>,
}

/// Reads a `CREATE INDEX` text.
pub(super) fn create_index(sql: &str) -> Result<IndexText, String> {
    let tokens = tokenize(sql)?;
    let on = tokens
        .iter()
        .position(|t| keyword(Some(t)) == "ON")
        .ok_or("no ON")?;
    let open = on
        + tokens[on..]
            .iter()
            .position(|t| t.tok == Tok::Punct('('))
            .ok_or("no column list")?;
    let (items, close) = items(&tokens, open)?;
    let keys = items
        .into_iter()
        .map(|mut item| {
            let mut desc = false;
            match keyword(item.last()).as_str() {
                "DESC" => {
                    desc = true;
                    item = &item[..item.len() - 1];
                }
                "ASC" => item = &item[..item.len() - 1],
                _ => {}
            }
            let mut collate = None;
            if item.len() >= 2 && keyword(item.get(item.len() - 2)) == "COLLATE" {
                collate = Some(name(item.last())?);
                item = &item[..item.len() - 2];
            }
            let (first, last) = match (item.first(), item.last()) {
                (Some(first), Some(last)) => (first, last),
                _ => return Err("an empty key".to_owned()),
            };
            let expr = if item.len() == 1 {
                name(Some(first))?
            } else {
                crate::schema::expr::strip_parens(&sql[first.start..last.end]).to_owned()
            };
            Ok(KeyText {
                expr,
                collate,
                desc,
            })
        })
        .collect::<Result<_, String>>()?;
    let predicate = match tokens.get(close + 1) {
        None => None,
        Some(t) if keyword(Some(t)) == "WHERE" => Some(sql[t.end..].trim().to_owned()),
        Some(_) => return Err("text after the column list that is not WHERE".into()),
    };
    Ok(IndexText { keys, predicate })
}

/// What a `CREATE TRIGGER` text says.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TriggerText {
    /// `BEFORE` (also when none is written), `AFTER`, `INSTEAD OF`.
    pub(super) timing: crate::ops::TriggerTiming,
    /// The one event, `UPDATE OF` columns included.
    pub(super) event: crate::ops::TriggerEvent,
    /// `WHEN` condition, without wrapping parentheses.
    pub(super) when: Option<String>,
    /// The statements between `BEGIN` and `END`, trimmed.
    pub(super) body: String,
}

/// Reads a `CREATE TRIGGER` text.
pub(super) fn create_trigger(sql: &str) -> Result<TriggerText, String> {
    use crate::ops::{TriggerEvent, TriggerTiming};
    let tokens = tokenize(sql)?;
    let at = |word: &str| tokens.iter().position(|t| keyword(Some(t)) == word);
    let on = at("ON").ok_or("no ON")?;
    let begin = at("BEGIN").ok_or("no BEGIN")?;
    let end = tokens
        .iter()
        .rposition(|t| keyword(Some(t)) == "END")
        .filter(|e| *e > begin)
        .ok_or("no END")?;
    let head: Vec<String> = tokens[..on].iter().map(|t| keyword(Some(t))).collect();
    let has = |w: &str| head.iter().any(|h| h == w);
    let timing = if has("INSTEAD") {
        TriggerTiming::InsteadOf
    } else if has("AFTER") {
        TriggerTiming::After
    } else {
        TriggerTiming::Before
    };
    let event = if has("INSERT") {
        TriggerEvent::Insert
    } else if has("DELETE") {
        TriggerEvent::Delete
    } else if let Some(update) = head.iter().position(|h| h == "UPDATE") {
        let mut columns = Vec::new();
        if head.get(update + 1).map(String::as_str) == Some("OF") {
            for t in &tokens[update + 2..on] {
                if !is_punct(Some(t), ',') {
                    columns.push(name(Some(t))?);
                }
            }
        }
        TriggerEvent::Update(columns)
    } else {
        return Err("no INSERT, UPDATE or DELETE".into());
    };
    let when = tokens[on..begin]
        .iter()
        .position(|t| keyword(Some(t)) == "WHEN")
        .map(|w| {
            let start = tokens[on + w].end;
            crate::schema::expr::strip_parens(&sql[start..tokens[begin].start]).to_owned()
        });
    Ok(TriggerText {
        timing,
        event,
        when,
        body: sql[tokens[begin].end..tokens[end].start].trim().to_owned(),
    })
}

/// `"col" IN ('a', 'b')` read as the column and the values, if that is all
/// `expr` is (any quoting and spacing: the caller compares the exact text).
pub(super) fn in_list(expr: &str) -> Option<(String, Vec<String>)> {
    let tokens = tokenize(expr).ok()?;
    let column = name(tokens.first()).ok()?;
    if keyword(tokens.get(1)) != "IN" || !is_punct(tokens.get(2), '(') {
        return None;
    }
    if closing(&tokens, 2).ok()? + 1 != tokens.len() {
        return None;
    }
    let inner = &tokens[3..tokens.len() - 1];
    let mut values = Vec::new();
    for (i, token) in inner.iter().enumerate() {
        match (&token.tok, i % 2) {
            (Tok::Str(value), 0) => values.push(value.clone()),
            (Tok::Punct(','), 1) if i + 1 < inner.len() => {}
            _ => return None,
        }
    }
    Some((column, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pk(columns: &[&str]) -> KindText {
        KindText::PrimaryKey {
            columns: columns.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn reads_names_checks_and_clauses() {
        let sql = "CREATE TABLE \"t\" (\n  \"a\"\"b\" TEXT NOT NULL CHECK (\"a\"\"b\" IN ('x', 'it''s (')),\n  [c] INTEGER CONSTRAINT c_pk PRIMARY KEY AUTOINCREMENT, -- note\n  d VARCHAR(10) DEFAULT (1 + (2)) COLLATE nocase REFERENCES \"U\" ON DELETE SET DEFAULT NOT NULL, e DEFAULT -1 UNIQUE,\n  CONSTRAINT \"ck, 1\" CHECK ( c > (1) ) /* x */,\n  UNIQUE (c, `d` DESC),\n  CONSTRAINT fk FOREIGN KEY (c) REFERENCES \"u\" (\"id\") ON UPDATE NO ACTION DEFERRABLE INITIALLY DEFERRED\n)";
        let t = create_table(sql).unwrap();
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a\"b", "c", "d", "e"]);
        assert_eq!(
            t.columns[0].constraints[0].kind,
            KindText::Check {
                expr: "\"a\"\"b\" IN ('x', 'it''s (')".into()
            }
        );
        assert_eq!(t.columns[1].constraints[0].name.as_deref(), Some("c_pk"));
        assert_eq!(t.columns[1].constraints[0].kind, pk(&["c"]));
        assert!(t.columns[1].autoincrement);
        assert_eq!(t.columns[2].collate.as_deref(), Some("nocase"));
        assert_eq!(
            t.columns[2].constraints[0].kind,
            KindText::ForeignKey {
                columns: vec!["d".into()],
                table: "U".into(),
                deferrable: None
            }
        );
        assert_eq!(
            t.columns[3].constraints[0].kind,
            KindText::Unique {
                columns: vec!["e".into()]
            }
        );
        assert_eq!(t.constraints.len(), 3);
        assert_eq!(t.constraints[0].name.as_deref(), Some("ck, 1"));
        assert_eq!(
            t.constraints[0].kind,
            KindText::Check {
                expr: "c > (1)".into()
            }
        );
        assert_eq!(
            t.constraints[1],
            ConstraintText {
                name: None,
                kind: KindText::Unique {
                    columns: vec!["c".into(), "d".into()]
                }
            }
        );
        assert_eq!(
            t.constraints[2].kind,
            KindText::ForeignKey {
                columns: vec!["c".into()],
                table: "u".into(),
                deferrable: Some(crate::ops::Deferral::Deferred)
            }
        );
    }

    #[test]
    fn refuses_broken_text() {
        assert!(create_table("CREATE TABLE t (a TEXT").is_err());
        assert!(create_table("CREATE TABLE t (a TEXT CHECK ('x)").is_err());
        assert!(create_table("CREATE TABLE t (a, , b)").is_err());
        assert!(create_table("CREATE TABLE t (a CHECK x)").is_err());
    }

    #[test]
    fn index_texts() {
        let key = |expr: &str, collate: Option<&str>, desc| KeyText {
            expr: expr.into(),
            collate: collate.map(str::to_owned),
            desc,
        };
        assert_eq!(
            create_index("CREATE INDEX \"i\" ON \"t\" (\"a\", \"b\")").unwrap(),
            IndexText {
                keys: vec![key("a", None, false), key("b", None, false)],
                predicate: None
            }
        );
        assert_eq!(
            create_index("CREATE UNIQUE INDEX i ON t (a) WHERE a IS NOT NULL AND (b > 0)")
                .unwrap()
                .predicate
                .as_deref(),
            Some("a IS NOT NULL AND (b > 0)")
        );
        assert_eq!(
            create_index(
                "CREATE INDEX \"on (x)\" ON \"t (\" ((lower(a)) COLLATE \"NOCASE\" DESC, \
                 b ASC, (a || ',')) WHERE 'WHERE' = a"
            )
            .unwrap(),
            IndexText {
                keys: vec![
                    key("lower(a)", Some("NOCASE"), true),
                    key("b", None, false),
                    key("a || ','", None, false),
                ],
                predicate: Some("'WHERE' = a".into())
            }
        );
        assert!(create_index("CREATE INDEX i ON t (a) junk").is_err());
    }

    #[test]
    fn trigger_texts() {
        use crate::ops::{TriggerEvent, TriggerTiming};
        assert_eq!(
            create_trigger(
                "CREATE TRIGGER \"t end\" AFTER UPDATE OF \"a\", b ON \"u\" FOR EACH ROW WHEN (NEW.a <> 'END') \
                 BEGIN UPDATE u SET b = 1 WHERE rowid = NEW.rowid; END"
            )
            .unwrap(),
            TriggerText {
                timing: TriggerTiming::After,
                event: TriggerEvent::update_of(["a", "b"]),
                when: Some("NEW.a <> 'END'".into()),
                body: "UPDATE u SET b = 1 WHERE rowid = NEW.rowid;".into(),
            }
        );
        let t = create_trigger("CREATE TRIGGER t DELETE ON u BEGIN SELECT 1; END").unwrap();
        assert_eq!(
            (t.timing, t.event, t.when),
            (TriggerTiming::Before, TriggerEvent::Delete, None)
        );
        assert!(create_trigger("CREATE TRIGGER t AFTER INSERT ON u").is_err());
    }

    #[test]
    fn in_lists() {
        assert_eq!(
            in_list("\"s\" IN ('a', 'it''s')"),
            Some(("s".into(), vec!["a".into(), "it's".into()]))
        );
        assert_eq!(in_list("\"s\" IN ()"), Some(("s".into(), vec![])));
        assert_eq!(in_list("\"s\" IN ('a',)"), None);
        assert_eq!(in_list("\"s\" IN ('a') OR 1"), None);
        assert_eq!(in_list("\"s\" IN (1)"), None);
        assert_eq!(in_list("lower(s) IN ('a')"), None);
    }
}
