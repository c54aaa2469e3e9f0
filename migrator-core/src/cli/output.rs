//! Alembic's output formats: the one-line forms of `current`, `heads` and
//! `branches`, and the block form of `show` and `--verbose`.

use std::fmt::Write as _;

use crate::graph::Graph;
use crate::registry::Registered;

/// Which markers a one-line form carries.
#[derive(Debug, Clone, Copy, Default)]
pub struct Marks {
    /// `(label, …)` after the id.
    pub labels: bool,
    /// `(branchpoint)` and `(mergepoint)`.
    pub tree: bool,
    /// `(current)`.
    pub current: bool,
}

/// Alembic's `_head_only`: `ae1027a6acf4 (billing) (head) (branchpoint)`.
/// An id the graph does not know is shown as such.
pub fn one_line(graph: &Graph, id: &str, marks: Marks) -> String {
    let Some(rev) = graph.get(id) else {
        return format!("{id} (not a known revision)");
    };
    let mut text = rev.id.clone();
    if marks.labels && !rev.branch_labels.is_empty() {
        let _ = write!(text, " ({})", rev.branch_labels.join(", "));
    }
    let children = graph.children(id).unwrap_or_default();
    if children.is_empty() {
        text.push_str(" (head)");
    }
    if marks.current {
        text.push_str(" (current)");
    }
    if marks.tree {
        if children.len() > 1 {
            text.push_str(" (branchpoint)");
        }
        if rev.down_revisions.len() > 1 {
            text.push_str(" (mergepoint)");
        }
    }
    text
}

/// `<base>`, `ae10` or `ae10, 27c6`.
fn parents(down_revisions: &[String]) -> String {
    if down_revisions.is_empty() {
        "<base>".to_owned()
    } else {
        down_revisions.join(", ")
    }
}

/// Alembic's `log_entry`, the block `show` and `--verbose` print:
///
/// ```text
/// Rev: ae1027a6acf4 (head) (current)
/// Parent: 1975ea83b712
/// Branch names: billing
/// Path: example-app/src/migrations/ae1027a6acf4_create_fees.rs:9
///
///     create fees
///
///     Revision ID: ae1027a6acf4
///     Revises: 1975ea83b712
/// ```
///
/// An irreversible revision has an `Irreversible:` line with its reason.
/// The indented text is the file's `//!` comment, or the message and ids
/// when the file cannot be read.
pub fn block(graph: &Graph, registered: Option<&Registered>, id: &str, current: bool) -> String {
    let Some(rev) = graph.get(id) else {
        return format!("Rev: {id} (not a known revision)\n");
    };
    let children = graph.children(id).unwrap_or_default();
    let mut out = format!("Rev: {}", rev.id);
    for (flag, text) in [
        (children.is_empty(), " (head)"),
        (children.len() > 1, " (branchpoint)"),
        (rev.down_revisions.len() > 1, " (mergepoint)"),
        (current, " (current)"),
    ] {
        if flag {
            out.push_str(text);
        }
    }
    out.push('\n');
    let kind = if rev.down_revisions.len() > 1 {
        "Merges"
    } else {
        "Parent"
    };
    let _ = writeln!(out, "{kind}: {}", parents(&rev.down_revisions));
    if !rev.depends_on.is_empty() {
        let _ = writeln!(out, "Also depends on: {}", rev.depends_on.join(", "));
    }
    if children.len() > 1 {
        let _ = writeln!(out, "Branches into: {}", children.join(", "));
    }
    if !rev.branch_labels.is_empty() {
        let _ = writeln!(out, "Branch names: {}", rev.branch_labels.join(", "));
    }
    if let Some(reason) = &rev.irreversible {
        let _ = writeln!(out, "Irreversible: {reason}");
    }
    if let Some(r) = registered {
        let _ = writeln!(out, "Path: {}", r.location());
    }
    out.push('\n');
    let doc = registered.and_then(file_doc).unwrap_or_else(|| {
        format!(
            "{}\n\nRevision ID: {}\nRevises: {}",
            rev.message,
            rev.id,
            rev.down_revisions.join(", ")
        )
    });
    for line in doc.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "    {line}");
        }
    }
    out
}

/// The leading `//!` comment of a revision's file, as Alembic shows a
/// revision's docstring.
fn file_doc(registered: &Registered) -> Option<String> {
    let text = std::fs::read_to_string(registered.file).ok()?;
    let lines: Vec<&str> = text
        .lines()
        .map_while(|l| l.trim_start().strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end())
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n").trim_end().to_owned())
}

/// `branches`: each branch point, then one `-> child` line per child,
/// indented under it, as Alembic prints them.
pub fn branches<'a>(
    graph: &Graph,
    verbose: bool,
    registered: impl Fn(&str) -> Option<&'a Registered>,
) -> String {
    let mut out = String::new();
    let mut points = graph.branch_points();
    points.reverse();
    for id in points {
        if verbose {
            out.push_str(&block(graph, registered(id), id, false));
        } else {
            out.push_str(&one_line(
                graph,
                id,
                Marks {
                    labels: true,
                    tree: true,
                    current: false,
                },
            ));
            out.push('\n');
        }
        for child in graph.children(id).unwrap_or_default() {
            let mut line = one_line(
                graph,
                child,
                Marks {
                    labels: true,
                    tree: true,
                    current: false,
                },
            );
            if verbose && let Some(rev) = graph.get(child) {
                let _ = write!(line, ", {}", rev.message.lines().next().unwrap_or(""));
            }
            let _ = writeln!(out, "{} -> {line}", " ".repeat(id.len()));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::RevisionInfo;

    fn graph() -> Graph {
        Graph::new([
            RevisionInfo::new("a1").message("create users"),
            RevisionInfo::new("b1").parent("a1").message("add email"),
            RevisionInfo::new("c1")
                .parent("a1")
                .label("billing")
                .message("create fees")
                .irreversible("drops data"),
            RevisionInfo::new("d1")
                .parents(["b1", "c1"])
                .message("merge"),
        ])
        .unwrap()
    }

    #[test]
    fn one_line_forms() {
        let g = graph();
        let all = Marks {
            labels: true,
            tree: true,
            current: true,
        };
        assert_eq!(one_line(&g, "d1", all), "d1 (head) (current) (mergepoint)");
        assert_eq!(one_line(&g, "c1", all), "c1 (billing) (current)");
        assert_eq!(one_line(&g, "a1", Marks::default()), "a1");
        assert_eq!(one_line(&g, "zz", all), "zz (not a known revision)");
    }

    #[test]
    fn block_form() {
        let g = graph();
        assert_eq!(
            block(&g, None, "c1", true),
            "Rev: c1 (current)\nParent: a1\nBranch names: billing\nIrreversible: drops data\n\n    create fees\n\n    Revision ID: c1\n    Revises: a1\n"
        );
        assert!(
            block(&g, None, "a1", false)
                .starts_with("Rev: a1 (branchpoint)\nParent: <base>\nBranches into: b1, c1\n")
        );
        assert!(
            block(&g, None, "d1", false)
                .starts_with("Rev: d1 (head) (mergepoint)\nMerges: b1, c1\n")
        );
    }

    #[test]
    fn branches_form() {
        assert_eq!(
            branches(&graph(), false, |_| None),
            "a1 (branchpoint)\n   -> b1\n   -> c1 (billing)\n\n"
        );
    }
}
