//! `history`-style listings: revisions newest first, each with its place in
//! the graph, printed as Alembic prints them.

use std::fmt;

use super::error::GraphError;
use super::target::Target;
use super::{Graph, RevisionInfo};

/// One line of a history listing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HistoryEntry<'g> {
    /// The revision.
    pub revision: &'g RevisionInfo,
    /// No revision names it as a `down_revision`.
    pub is_head: bool,
    /// It names no `down_revision`.
    pub is_base: bool,
    /// Several revisions name it as their `down_revision`.
    pub is_branch_point: bool,
    /// It names several `down_revisions`.
    pub is_merge_point: bool,
    /// It is a row of the version table.
    pub is_current: bool,
}

impl fmt::Display for HistoryEntry<'_> {
    /// Alembic's format:
    /// `ae10, 27c6 (1975) -> 3f47 (billing) (head) (current) (branchpoint) (mergepoint) (irreversible: why), message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rev = self.revision;
        if rev.down_revisions.is_empty() {
            f.write_str("<base>")?;
        } else {
            f.write_str(&rev.down_revisions.join(", "))?;
        }
        if !rev.depends_on.is_empty() {
            write!(f, " ({})", rev.depends_on.join(", "))?;
        }
        write!(f, " -> {}", rev.id)?;
        if !rev.branch_labels.is_empty() {
            write!(f, " ({})", rev.branch_labels.join(", "))?;
        }
        for (flag, text) in [
            (self.is_head, " (head)"),
            (self.is_current, " (current)"),
            (self.is_branch_point, " (branchpoint)"),
            (self.is_merge_point, " (mergepoint)"),
        ] {
            if flag {
                f.write_str(text)?;
            }
        }
        if let Some(reason) = &rev.irreversible {
            write!(f, " (irreversible: {reason})")?;
        }
        write!(f, ", {}", rev.message.lines().next().unwrap_or(""))
    }
}

impl Graph {
    /// The listing entry for the revision with exactly this id.
    pub fn entry(&self, id: &str) -> Option<HistoryEntry<'_>> {
        let &i = self.index.get(id)?;
        Some(self.entry_of(i, false))
    }

    fn entry_of(&self, i: usize, is_current: bool) -> HistoryEntry<'_> {
        HistoryEntry {
            revision: &self.revs[i],
            is_head: self.children[i].is_empty(),
            is_base: self.parents[i].is_empty(),
            is_branch_point: self.children[i].len() > 1,
            is_merge_point: self.parents[i].len() > 1,
            is_current,
        }
    }

    /// The revisions of `range` (`from:to`, either side optional, `current`
    /// allowed; `None` for all of them), newest first, children before
    /// parents. `from` itself is listed: `ae10:` is ae10 and everything above
    /// it. `current` holds the version-table rows, which are marked.
    ///
    /// ```
    /// use migrator_graph::{Graph, RevisionInfo};
    ///
    /// let g = Graph::new([
    ///     RevisionInfo::new("ae10").message("create users"),
    ///     RevisionInfo::new("27c6").parent("ae10").message("add email"),
    /// ])
    /// .unwrap();
    /// let lines: Vec<String> = g
    ///     .history(None, ["ae10"])
    ///     .unwrap()
    ///     .iter()
    ///     .map(ToString::to_string)
    ///     .collect();
    /// assert_eq!(lines, ["ae10 -> 27c6 (head), add email", "<base> -> ae10 (current), create users"]);
    /// ```
    pub fn history<S: AsRef<str>>(
        &self,
        range: Option<&str>,
        current: impl IntoIterator<Item = S>,
    ) -> Result<Vec<HistoryEntry<'_>>, GraphError> {
        let current = self.current_rows(current)?;
        let (from, to) = match range.map(Target::parse).transpose()? {
            None => (None, None),
            Some(Target::Range { from, to }) => (from, to),
            Some(Target::Point(_)) => {
                return Err(GraphError::NotARange(
                    range.unwrap_or_default().trim().to_owned(),
                ));
            }
        };
        let from = match &from {
            Some(p) => self.resolve_nodes(p, &current)?,
            None => Vec::new(),
        };
        let to = match &to {
            Some(p) => self.resolve_nodes(p, &current)?,
            None => self.head_nodes().collect(),
        };
        let mut set = self.ancestors(&to);
        let below = self.ancestors(&from);
        let from_set = {
            let mut m = vec![false; self.len()];
            for &f in &from {
                m[f] = set[f];
            }
            m
        };
        for i in 0..self.len() {
            set[i] = (set[i] && !below[i]) || from_set[i];
        }
        let mut is_current = vec![false; self.len()];
        for &c in &current {
            is_current[c] = true;
        }
        Ok(self
            .order_down(&set)
            .into_iter()
            .map(|i| self.entry_of(i, is_current[i]))
            .collect())
    }
}
