//! One spelling for SQL that means the same: what lets a model's
//! `now()` equal a migration's `CURRENT_TIMESTAMP`, and `'x'::text` equal
//! `'x'`, when schemas are compared.
//!
//! [`normalize`] works on tokens, never on meaning it cannot be sure of:
//! unquoted words fold to lower case, a quoted identifier that needs no
//! quotes loses them, whitespace and parentheses around the whole
//! expression go, a cast of a literal is dropped (`'x'::text` is `'x'`,
//! `'5'::integer` and `(5)::numeric` are `5`, `'-1'::integer` is `-1`), and
//! the spellings of the transaction's timestamp (`CURRENT_TIMESTAMP`,
//! `transaction_timestamp()`, `now()`) are one. Anything else is compared
//! as written; the database path ([`Session::stored_form`]) first lets the
//! server spell both sides.
//!
//! [`Session::stored_form`]: crate::run

use super::expr::{Tok, lex, unwrap_parens};

/// The types whose literals may be written unquoted: `'5'::integer` is `5`.
const NUMERIC_TYPES: &[&str] = &[
    "bigint", "decimal", "double", "float4", "float8", "int", "int2", "int4", "int8", "integer",
    "numeric", "real", "smallint",
];

/// The words after the first that a type name may have: `character
/// varying`, `double precision`, `timestamp with time zone`.
const TYPE_WORDS: &[&str] = &["precision", "time", "varying", "with", "without", "zone"];

/// The end of the type name starting at `toks[i]` (after a `::`), and
/// whether it is a numeric type.
fn type_end(toks: &[Tok], mut i: usize) -> (usize, bool) {
    let numeric =
        matches!(toks.get(i), Some(Tok::Word(w, false)) if NUMERIC_TYPES.contains(&w.as_str()));
    if matches!(toks.get(i), Some(Tok::Word(..))) {
        i += 1;
    }
    while matches!(toks.get(i), Some(Tok::Punct(p)) if p == ".")
        && matches!(toks.get(i + 1), Some(Tok::Word(..)))
    {
        i += 2;
    }
    while matches!(toks.get(i), Some(Tok::Word(w, false)) if TYPE_WORDS.contains(&w.as_str())) {
        i += 1;
    }
    if toks.get(i) == Some(&Tok::Open)
        && let Some(close) = toks[i..].iter().position(|t| *t == Tok::Close)
    {
        i += close + 1;
    }
    while matches!(toks.get(i), Some(Tok::Punct(p)) if p == "[")
        && matches!(toks.get(i + 1), Some(Tok::Punct(p)) if p == "]")
    {
        i += 2;
    }
    (i, numeric)
}

/// A string literal's content when it is a plain number (`'-1'`).
fn numeric_content(s: &str) -> Option<String> {
    let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
    let digits = inner.strip_prefix('-').unwrap_or(inner);
    (!digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|&c| c == '.').count() <= 1)
        .then(|| inner.to_owned())
}

fn is_operand_start(prev: Option<&Tok>) -> bool {
    matches!(prev, None | Some(Tok::Open | Tok::Punct(_)))
        || matches!(prev, Some(Tok::Word(w, false)) if matches!(w.as_str(), "and" | "or" | "not" | "when" | "then" | "else" | "in" | "between"))
}

fn rewrite(toks: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let tok = toks[i].clone();
        i += 1;
        match tok {
            // A signed number where an operand starts: `-1`.
            Tok::Punct(p)
                if p == "-"
                    && matches!(toks.get(i), Some(Tok::Num(_)))
                    && is_operand_start(out.last()) =>
            {
                let Some(Tok::Num(n)) = toks.get(i) else {
                    unreachable!()
                };
                out.push(Tok::Num(format!("-{n}")));
                i += 1;
            }
            // A cast: of a literal, dropped.
            Tok::Punct(p) if p == "::" => {
                let (end, numeric) = type_end(&toks, i);
                match out.last().cloned() {
                    Some(Tok::Str(s)) => {
                        if numeric && let Some(n) = numeric_content(&s) {
                            *out.last_mut().expect("a literal") = Tok::Num(n);
                        }
                        i = end;
                    }
                    Some(Tok::Num(_)) => i = end,
                    Some(Tok::Word(w, false)) if w == "null" => i = end,
                    _ => {
                        out.push(Tok::Punct(p));
                    }
                }
            }
            Tok::Close => {
                // `(5)` and `('x')`: a literal on its own in parentheses.
                let n = out.len();
                if n >= 2
                    && out[n - 2] == Tok::Open
                    && matches!(out[n - 1], Tok::Num(_) | Tok::Str(_))
                    && !matches!(out.get(n.wrapping_sub(3)), Some(Tok::Word(..)))
                {
                    let literal = out.pop().expect("a literal");
                    out.pop();
                    out.push(literal);
                } else {
                    out.push(Tok::Close);
                }
            }
            Tok::Word(w, false) if w == "current_timestamp" && toks.get(i) != Some(&Tok::Open) => {
                out.extend([Tok::Word("now".into(), false), Tok::Open, Tok::Close]);
            }
            Tok::Word(w, false)
                if w == "transaction_timestamp"
                    && toks.get(i) == Some(&Tok::Open)
                    && toks.get(i + 1) == Some(&Tok::Close) =>
            {
                out.push(Tok::Word("now".into(), false));
            }
            other => out.push(other),
        }
    }
    out
}

fn is_word(t: Option<&Tok>, words: &[&str]) -> bool {
    matches!(t, Some(Tok::Word(w, false)) if words.contains(&w.as_str()))
}

/// The words between which parentheses around a term that holds no `AND`
/// or `OR` of its own change nothing: every other operator binds tighter.
const LOGIC: &[&str] = &["and", "or", "not", "when", "then", "else"];

/// `toks` without the parentheses that group one term of an `AND`/`OR`
/// chain: `(a > 0) AND (b < 1)` is `a > 0 AND b < 1`.
fn drop_logic_parens(mut toks: Vec<Tok>) -> Vec<Tok> {
    loop {
        let mut removed = false;
        let mut stack: Vec<usize> = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            match toks[i] {
                Tok::Open => stack.push(i),
                Tok::Close => {
                    if let Some(open) = stack.pop() {
                        let before = open.checked_sub(1).map(|b| &toks[b]);
                        let after = toks.get(i + 1);
                        let opens_term = before.is_none()
                            || matches!(before, Some(Tok::Open))
                            || is_word(before, LOGIC);
                        let closes_term = after.is_none()
                            || matches!(after, Some(Tok::Close))
                            || is_word(after, &["and", "or", "then", "else", "end"]);
                        let mut depth = 0usize;
                        let plain_inside = toks[open + 1..i].iter().all(|t| {
                            match t {
                                Tok::Open => depth += 1,
                                Tok::Close => depth = depth.saturating_sub(1),
                                _ => {}
                            }
                            !(depth == 0 && is_word(Some(t), &["and", "or"]))
                        });
                        if opens_term && closes_term && plain_inside && i > open + 1 {
                            toks.remove(i);
                            toks.remove(open);
                            removed = true;
                            break;
                        }
                    }
                }
                _ => {}
            }
            i += 1;
        }
        if !removed {
            return toks;
        }
    }
}

/// Whether `name` reads the same unquoted: lower case, digits, `_`.
fn plain(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c == '_' || c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// `sql` in one spelling for every way of writing it that the [module](self)
/// treats as the same.
///
/// ```
/// use migrator_core::schema::normalize_sql as n;
/// assert_eq!(n("CURRENT_TIMESTAMP"), n("now()"));
/// assert_eq!(n("'x'::text"), n("'x'"));
/// assert_eq!(n("('-1'::integer)"), n("-1"));
/// assert_eq!(n("(amount > (0)::numeric)"), n("AMOUNT >  0"));
/// assert_ne!(n("\"Amount\" > 0"), n("amount > 0"));
/// ```
pub fn normalize(sql: &str) -> String {
    let toks = drop_logic_parens(rewrite(lex(sql)));
    let toks = unwrap_parens(&toks);
    let mut out = String::with_capacity(sql.len());
    for (n, t) in toks.iter().enumerate() {
        if n > 0 {
            out.push(' ');
        }
        match t {
            // A quoted name that needs no quotes is the bare name.
            Tok::Word(w, true) if !plain(w) => out.push_str(&crate::ident::quote_ident(w)),
            Tok::Word(w, _) | Tok::Str(w) | Tok::Num(w) | Tok::Punct(w) => out.push_str(w),
            Tok::Open => out.push('('),
            Tok::Close => out.push(')'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize as n;

    #[test]
    fn spellings_of_one_thing_are_one() {
        for (a, b) in [
            ("now()", "CURRENT_TIMESTAMP"),
            ("now()", "transaction_timestamp ( )"),
            ("'x'", "'x'::text"),
            ("'x'", "('x'::character varying)"),
            ("'{}'", "'{}'::jsonb"),
            ("'pending'", "'pending'::public.fee_status"),
            ("'a'", "'a'::character varying(20)[]"),
            ("5", "'5'::integer"),
            ("-1", "('-1'::integer)"),
            ("- 1", "'-1'::bigint"),
            ("1.5", "1.5::numeric(10,2)"),
            ("amount > 0", "(amount > (0)::numeric)"),
            ("\"amount\" > 0", "amount > 0"),
            ("LOWER(Email)", "lower(email)"),
            ("a  =\n b", "a = b"),
            ("(a >= 0) AND (n > -10)", "a >= 0 AND n > -10"),
            ("((a >= 0) AND (n > '-10'::integer))", "a >= 0 AND n > -10"),
            ("NOT (a = b) OR (c)", "NOT a = b OR c"),
        ] {
            assert_eq!(n(a), n(b), "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn different_things_stay_different() {
        for (a, b) in [
            ("'X'", "'x'"),
            ("\"Amount\" > 0", "amount > 0"),
            ("'5'", "5"),
            ("'5'::text", "5"),
            ("a - 1", "a -1 + 0"),
            ("current_timestamp(3)", "now()"),
            ("lower(x)::text", "lower(x)"),
            ("f(1)", "f 1"),
            ("(a OR b) AND c", "a OR b AND c"),
            ("(a + b) * c", "a + b * c"),
            ("NOT (a AND b)", "NOT a AND b"),
            ("lower(a) = b", "lower a = b"),
        ] {
            assert_ne!(n(a), n(b), "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn odd_input_never_panics() {
        for e in [
            "'", "\"", "$", "$a$", "/*", "--", "::", "(", ")", "-", "'x'::", "é'",
        ] {
            let _ = n(e);
        }
    }
}
