//! `stamp`: what the version table holds after it, by Alembic's rules.

use std::collections::BTreeSet;

use super::target::Target;
use super::{Graph, GraphError};

impl Graph {
    /// The version-table rows after `stamp target` on a database whose
    /// table holds `current` (pass none for `stamp --purge`), by Alembic's
    /// rules: each revision the target names replaces only the rows on its
    /// own line — its ancestors and descendants, through dependencies too —
    /// and is added beside the others when none is; rows of unrelated
    /// branches stay. `base` clears the table. Nothing runs.
    ///
    /// ```
    /// use migrator_graph::{Graph, RevisionInfo};
    /// // r ─ a1 ─ a2, and r ─ b1
    /// let g = Graph::new([
    ///     RevisionInfo::new("r"),
    ///     RevisionInfo::new("a1").parent("r"),
    ///     RevisionInfo::new("a2").parent("a1"),
    ///     RevisionInfo::new("b1").parent("r"),
    /// ])
    /// .unwrap();
    /// assert_eq!(g.stamp(["a2", "b1"], "a1").unwrap(), ["a1", "b1"]);
    /// assert_eq!(g.stamp(["a1"], "b1").unwrap(), ["a1", "b1"]);
    /// assert_eq!(g.stamp(["a1", "b1"], "base").unwrap(), Vec::<String>::new());
    /// ```
    pub fn stamp<S: AsRef<str>>(
        &self,
        current: impl IntoIterator<Item = S>,
        target: &str,
    ) -> Result<Vec<String>, GraphError> {
        let current = self.current_rows(current)?;
        let Target::Point(point) = Target::parse(target)? else {
            return Err(GraphError::Syntax {
                input: target.to_owned(),
                reason: "stamp takes one revision (or heads), not a range".to_owned(),
            });
        };
        let dests = self.resolve_nodes(&point, &current)?;
        if dests.is_empty() {
            return Ok(Vec::new());
        }
        let everything = vec![true; self.len()];
        let mut rows: BTreeSet<usize> = current.into_iter().collect();
        for dest in dests {
            if rows.contains(&dest) {
                continue;
            }
            let above = self.descendants_within(&[dest], &everything, &self.all_children);
            let below = self.ancestors(&[dest]);
            rows.retain(|&r| !above[r] && !below[r]);
            rows.insert(dest);
        }
        let mut out = self.strings(rows);
        out.sort();
        Ok(out)
    }
}
