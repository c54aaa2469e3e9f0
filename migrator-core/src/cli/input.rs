//! User text the command line takes in and echoes: which new revision ids
//! and branch labels it accepts before writing a file, and how it shows text
//! that holds control characters.

use std::borrow::Cow;

use crate::graph::{Graph, name_problem};

/// The longest revision id `revision` and `merge` accept: a file name has
/// room for it, the message's slug and `.rs`.
pub(crate) const MAX_ID_LEN: usize = 128;

/// Rust's keywords (strict, reserved and 2024's `gen`): a file named after
/// one would be a module the compiler refuses (`mod fn;`).
const KEYWORDS: [&str; 52] = [
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
    "where", "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv",
    "typeof", "unsized", "virtual", "yield", "try", "gen", "union",
];

/// Whether `c` must not reach a terminal or a source file as it is: control
/// characters (C0, DEL, C1) other than newline and tab, and the invisible
/// characters that change how text around them reads (bidirectional
/// overrides and isolates, zero-width marks, line and paragraph separators,
/// the byte-order mark).
fn hidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// `text` with each control or direction-changing character written as a
/// Rust escape (`\r`, `\0`, `\u{1b}`, `\u{202e}`); newlines and tabs stay.
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Why `id` cannot be a new revision's id, if it cannot: ids name files
/// and modules, so they are ASCII letters, digits and `_`, not a Rust
/// keyword in any case, and not an existing id in another case (the
/// modules would clash, and so would the files on a case-insensitive file
/// system). An id equal to an existing one is left to the caller, which
/// says it is taken.
pub(crate) fn id_problem(graph: &Graph, id: &str) -> Option<String> {
    let shown = escape(id);
    if id.is_empty() {
        return Some("a revision id may not be empty".to_owned());
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Some(format!(
            "revision id {shown:?} contains {}: ids are ASCII letters, digits and `_` only (they name the revision's file and module)",
            describe(c)
        ));
    }
    if id.len() > MAX_ID_LEN {
        return Some(format!(
            "revision id {shown:?} is {} characters long: the limit is {MAX_ID_LEN}",
            id.len()
        ));
    }
    let lower = id.to_ascii_lowercase();
    if KEYWORDS.contains(&lower.as_str()) {
        return Some(format!(
            "revision id {id:?} is a Rust keyword: its file would be a module the compiler refuses; choose another id"
        ));
    }
    if let Some(problem) = name_problem(id) {
        return Some(format!("revision id {id:?} {problem}"));
    }
    if let Some(other) = graph
        .revisions()
        .map(|r| r.id.as_str())
        .find(|other| *other != id && other.eq_ignore_ascii_case(id))
    {
        return Some(format!(
            "revision id {id:?} differs from the existing revision {} only in case: their files and modules would clash; choose another id",
            escape(other)
        ));
    }
    None
}

/// Why `label` cannot be a new branch label, if it cannot: the graph's
/// rules, and no control or direction-changing characters.
pub(crate) fn label_problem(label: &str) -> Option<String> {
    if let Some(c) = label.chars().find(|c| hidden(*c)) {
        return Some(format!(
            "branch label {:?} contains {}; labels are printed and typed as targets, so they may not",
            escape(label),
            describe(c)
        ));
    }
    name_problem(label).map(|problem| format!("branch label {label:?} {problem}"))
}

/// `` `/` `` or `the control character U+000D`.
fn describe(c: char) -> String {
    if hidden(c) || c.is_whitespace() {
        format!("the character U+{:04X}", u32::from(c))
    } else {
        format!("`{c}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::RevisionInfo;

    #[test]
    fn escapes_control_and_direction_characters() {
        assert_eq!(escape("plain text\n\tnext"), "plain text\n\tnext");
        assert_eq!(escape("a\rb\0c\u{1b}[31m"), "a\\rb\\0c\\u{1b}[31m");
        assert_eq!(escape("x\u{202e}y\u{2066}"), "x\\u{202e}y\\u{2066}");
        assert_eq!(escape("\u{85}é"), "\\u{85}é");
    }

    #[test]
    fn new_ids_name_files_and_modules() {
        let graph = Graph::new([RevisionInfo::new("abc123")]).unwrap();
        assert_eq!(id_problem(&graph, "0a1b_c"), None);
        for bad in ["../../x", "/tmp/x", "a.b", "a\u{202e}b", "é", ""] {
            assert!(id_problem(&graph, bad).is_some(), "{bad}");
        }
        assert!(id_problem(&graph, "self").unwrap().contains("Rust keyword"));
        assert!(id_problem(&graph, "FN").unwrap().contains("Rust keyword"));
        assert!(
            id_problem(&graph, "ABC123")
                .unwrap()
                .contains("only in case")
        );
        assert!(id_problem(&graph, "head").unwrap().contains("reserved"));
        assert!(id_problem(&graph, &"a".repeat(MAX_ID_LEN + 1)).is_some());
        // Taken ids are the caller's to report.
        assert_eq!(id_problem(&graph, "abc123"), None);
    }

    #[test]
    fn labels_hold_no_control_characters() {
        assert_eq!(label_problem("billing"), None);
        assert!(label_problem("bill\u{1b}ing").unwrap().contains("U+001B"));
        assert!(label_problem("a b").is_some());
    }
}
