//! An index's keys read back from what PostgreSQL prints of them.
//!
//! `pg_get_indexdef(index, k, false)` prints key `k` alone — a column's
//! name or the expression — and `pg_get_indexdef(index)` the whole
//! definition, where each key is followed by the options PostgreSQL
//! decided are not the defaults: `COLLATE` (only when it differs from the
//! column's or the expression's own), the operator class (only when it is
//! not the type's default), `DESC`, and `NULLS FIRST|LAST` (only when it is
//! not the direction's default). Reading those words back gives the key as
//! the model holds it, with PostgreSQL's own judgement of what is default.

use crate::ops::{IndexKey, KeyExpr, Nulls};
use crate::schema::expr::{self, Tok};

/// One key as the catalog gives it: its column (when it is one) and the
/// text `pg_get_indexdef(index, k, false)` prints.
pub(super) struct KeyText {
    pub(super) column: Option<String>,
    pub(super) text: String,
}

/// The keys of the index whose full definition is `def`; an error says
/// what could not be read.
pub(super) fn read(def: &str, keys: &[KeyText]) -> Result<Vec<IndexKey>, String> {
    let open = key_list_start(def).ok_or("no key list")?;
    let (items, _) = expr::list_items(def, open).ok_or("an unclosed key list")?;
    if items.len() != keys.len() {
        return Err(format!(
            "{} keys printed, {} in the catalog",
            items.len(),
            keys.len()
        ));
    }
    items
        .iter()
        .zip(keys)
        .map(|(item, key)| {
            let tail = item
                .strip_prefix(key.text.as_str())
                .ok_or_else(|| format!("key {:?} does not start with {:?}", item, key.text))?;
            let target = match &key.column {
                Some(c) => KeyExpr::Column(c.clone()),
                None => KeyExpr::Expression(expr::strip_parens(&key.text).to_owned()),
            };
            options(target, tail)
        })
        .collect()
}

/// The byte of the `(` that opens the key list: the first one outside
/// quoted names (`CREATE INDEX "a(" ON t USING btree (…)`).
fn key_list_start(def: &str) -> Option<usize> {
    let bytes = def.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = expr::quoted_ident(def, i).1,
            b'(' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The key with the options its printed tail gives
/// (`COLLATE "C" text_pattern_ops DESC NULLS LAST`).
fn options(target: KeyExpr, tail: &str) -> Result<IndexKey, String> {
    let mut key = match target {
        KeyExpr::Column(c) => IndexKey::column(c),
        KeyExpr::Expression(e) => IndexKey::expr(e),
    };
    let toks = expr::lex(tail);
    let word = |n: usize| match toks.get(n) {
        Some(Tok::Word(w, false)) => Some(w.as_str()),
        _ => None,
    };
    let name = |n: usize| match toks.get(n) {
        Some(Tok::Word(w, _)) => Some(w.clone()),
        _ => None,
    };
    let mut n = 0;
    // A name, possibly schema-qualified, starting at token `n`.
    let dotted = |n: &mut usize| -> Option<String> {
        let mut out = name(*n)?;
        *n += 1;
        while toks.get(*n) == Some(&Tok::Punct(".".into())) {
            out.push('.');
            out.push_str(&name(*n + 1)?);
            *n += 2;
        }
        Some(out)
    };
    if word(n) == Some("collate") {
        n += 1;
        key.collation = Some(dotted(&mut n).ok_or("a collation name expected")?);
    }
    if !matches!(word(n), Some("asc" | "desc" | "nulls")) && n < toks.len() {
        key.opclass = Some(dotted(&mut n).ok_or("an operator class expected")?);
        if toks.get(n) == Some(&Tok::Open) {
            return Err("operator class parameters are not modelled".into());
        }
    }
    match word(n) {
        Some("desc") => {
            key.descending = true;
            n += 1;
        }
        Some("asc") => n += 1,
        _ => {}
    }
    if word(n) == Some("nulls") {
        key.nulls = match word(n + 1) {
            Some("first") => Some(Nulls::First),
            Some("last") => Some(Nulls::Last),
            _ => return Err("FIRST or LAST expected after NULLS".into()),
        };
        n += 2;
    }
    if n != toks.len() {
        return Err(format!("unexpected words after the key: {tail:?}"));
    }
    Ok(key.canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(column: Option<&str>, text: &str) -> KeyText {
        KeyText {
            column: column.map(str::to_owned),
            text: text.to_owned(),
        }
    }

    #[test]
    fn reads_options_as_printed() {
        let def = "CREATE INDEX \"a(\" ON public.\"U x\" USING btree (lower((email)::text) \
                   COLLATE \"C\" text_pattern_ops DESC NULLS LAST, \"N\" NULLS FIRST, \
                   ((\"N\" + 1)), name public.my_ops)";
        let keys = read(
            def,
            &[
                key(None, "lower((email)::text)"),
                key(Some("N"), "\"N\""),
                key(None, "((\"N\" + 1))"),
                key(Some("name"), "name"),
            ],
        )
        .unwrap();
        assert_eq!(
            keys,
            [
                IndexKey::expr("lower((email)::text)")
                    .collate("C")
                    .opclass("text_pattern_ops")
                    .desc()
                    .nulls_last(),
                IndexKey::column("N").nulls_first(),
                IndexKey::expr("\"N\" + 1"),
                IndexKey::column("name").opclass("public.my_ops"),
            ]
        );
        // DESC NULLS FIRST is the default of DESC: the model keeps no NULLS.
        let keys = read(
            "CREATE INDEX i ON t USING btree (a DESC)",
            &[key(Some("a"), "a")],
        )
        .unwrap();
        assert_eq!(keys, [IndexKey::column("a").desc()]);
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(
            read(
                "CREATE INDEX i ON t USING btree (a, b)",
                &[key(Some("a"), "a")]
            )
            .is_err()
        );
        assert!(
            read(
                "CREATE INDEX i ON t USING gist (a gist_trgm_ops(siglen=32))",
                &[key(Some("a"), "a")]
            )
            .is_err()
        );
        assert!(
            read(
                "CREATE INDEX i ON t USING btree (a DESC extra)",
                &[key(Some("a"), "a")]
            )
            .is_err()
        );
    }
}
