//! Targets: what `upgrade`, `downgrade` and `history -r` are given, parsed
//! once and resolved against a graph and the current version-table rows.
//!
//! ```text
//! target  := point | [side] ":" [side]
//! side    := point                       (`current` allowed, as everywhere)
//! point   := anchor [("+" | "-") N]  |  ("+" | "-") N  |  name "@" ("+" | "-") N
//! anchor  := "head" | "heads" | "base" | "current"
//!          | name | name "@head" | name "@heads" | name "@base"
//! name    := revision id, unique id prefix, or branch label
//! ```
//!
//! The parser never panics: it only splits at ASCII characters, and numbers
//! are parsed with overflow checks.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use super::error::GraphError;
use super::{Graph, name_problem};

/// A parsed target: one point, or a `from:to` range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One point: `head`, `ae10`, `billing@head-1`, `+2`, ….
    Point(Point),
    /// `from:to`, either side optional; used for offline SQL and history.
    Range {
        /// Where the range starts (`None`: base for upgrades and history,
        /// heads for downgrades).
        from: Option<Point>,
        /// Where the range ends (`None`: heads for upgrades and history,
        /// base for downgrades).
        to: Option<Point>,
    },
}

/// An anchor with an optional relative step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    /// Where to start.
    pub anchor: Anchor,
    /// How many revisions to walk up or down from it.
    pub offset: Option<Offset>,
}

/// The starting point of a [`Point`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// `current`: the version-table rows (also what `+N` and `-N` start from).
    Current,
    /// `head`: the only head; an error when there are several.
    Head,
    /// `heads`: every head.
    Heads,
    /// `base`: before the first revision.
    Base,
    /// A full revision id, a unique prefix of one, or a branch label (which
    /// names the revision declaring it).
    Name(String),
    /// `x@head`: the head of branch `x`, or the head above revision `x`.
    NameHead(String),
    /// `x@heads`: every head of branch `x`, or every head above revision `x`.
    NameHeads(String),
    /// `label@base`: below branch `label`. A downgrade to it removes the
    /// branch's revisions only.
    NameBase(String),
    /// `label@` followed by `+N` or `-N`: the current revision on branch `label`.
    BranchCurrent(String),
}

/// A relative step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offset {
    /// `+N`: N revisions up.
    Up(u64),
    /// `-N`: N revisions down.
    Down(u64),
}

impl Target {
    /// Parses a target; never panics, whatever the input.
    ///
    /// ```
    /// use migrator_graph::{Anchor, Offset, Point, Target};
    ///
    /// let t = Target::parse("billing@head-2").unwrap();
    /// let expected = Point {
    ///     anchor: Anchor::NameHead("billing".into()),
    ///     offset: Some(Offset::Down(2)),
    /// };
    /// assert_eq!(t, Target::Point(expected));
    /// assert!(Target::parse("ae10:").is_ok());
    /// assert!(Target::parse("a-b").is_err());
    /// ```
    pub fn parse(input: &str) -> Result<Target, GraphError> {
        let syntax = |reason: &str| GraphError::Syntax {
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        let s = input.trim();
        if s.is_empty() {
            return Err(syntax(
                "it is empty; type `head`, `heads`, `base`, a revision id or a branch label",
            ));
        }
        if let Some((from, to)) = s.split_once(':') {
            if to.contains(':') {
                return Err(syntax(
                    "a range has one `:`, as in `from:to` (either side may be empty)",
                ));
            }
            let side = |side: &str| -> Result<Option<Point>, GraphError> {
                let side = side.trim();
                if side.is_empty() {
                    Ok(None)
                } else {
                    parse_point(side)
                        .map(Some)
                        .map_err(|reason| syntax(&reason))
                }
            };
            return Ok(Target::Range {
                from: side(from)?,
                to: side(to)?,
            });
        }
        parse_point(s)
            .map(Target::Point)
            .map_err(|reason| syntax(&reason))
    }
}

impl FromStr for Target {
    type Err = GraphError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Target::parse(s)
    }
}

fn parse_point(s: &str) -> Result<Point, String> {
    let Some(at) = s.rfind(['+', '-']) else {
        return Ok(Point {
            anchor: parse_anchor(s)?,
            offset: None,
        });
    };
    let sign = &s[at..at + 1];
    let digits = &s[at + 1..];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "expected a number after `{sign}`, as in `{sign}1` or `head{sign}1`{}",
            if sign == "-" {
                " (revision ids cannot contain `-`)"
            } else {
                " (revision ids cannot contain `+`)"
            }
        ));
    }
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("the step `{sign}{digits}` is too large"))?;
    let offset = Some(if sign == "+" {
        Offset::Up(n)
    } else {
        Offset::Down(n)
    });
    let head = &s[..at];
    let anchor = if head.is_empty() {
        Anchor::Current
    } else if let Some(label) = head.strip_suffix('@') {
        check_name(label, "a branch label")?;
        Anchor::BranchCurrent(label.to_owned())
    } else {
        parse_anchor(head)?
    };
    Ok(Point { anchor, offset })
}

fn parse_anchor(s: &str) -> Result<Anchor, String> {
    match s {
        "current" => return Ok(Anchor::Current),
        "head" => return Ok(Anchor::Head),
        "heads" => return Ok(Anchor::Heads),
        "base" => return Ok(Anchor::Base),
        _ => {}
    }
    if let Some((name, suffix)) = s.split_once('@') {
        check_name(name, "a revision id or branch label")?;
        return match suffix {
            "head" => Ok(Anchor::NameHead(name.to_owned())),
            "heads" => Ok(Anchor::NameHeads(name.to_owned())),
            "base" => Ok(Anchor::NameBase(name.to_owned())),
            _ => Err(format!(
                "after `@` comes `head`, `heads`, `base` or a step like `+1`, as in `{name}@head`"
            )),
        };
    }
    check_name(s, "a revision id")?;
    Ok(Anchor::Name(s.to_owned()))
}

fn check_name(name: &str, what: &str) -> Result<(), String> {
    match name_problem(name) {
        None => Ok(()),
        Some("is a reserved word") => Err(format!(
            "`{name}` is a keyword and cannot be used as {what} here"
        )),
        Some("is empty") => Err(format!("{what} is missing")),
        Some(reason) => Err(format!("`{name}` {reason}, so it is not {what}")),
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Point(p) => p.fmt(f),
            Target::Range { from, to } => {
                if let Some(p) = from {
                    p.fmt(f)?;
                }
                f.write_str(":")?;
                if let Some(p) = to {
                    p.fmt(f)?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.anchor, self.offset) {
            (Anchor::Current, Some(_)) => {}
            (Anchor::Current, None) => f.write_str("current")?,
            (Anchor::Head, _) => f.write_str("head")?,
            (Anchor::Heads, _) => f.write_str("heads")?,
            (Anchor::Base, _) => f.write_str("base")?,
            (Anchor::Name(n), _) => f.write_str(n)?,
            (Anchor::NameHead(n), _) => write!(f, "{n}@head")?,
            (Anchor::NameHeads(n), _) => write!(f, "{n}@heads")?,
            (Anchor::NameBase(n), _) => write!(f, "{n}@base")?,
            (Anchor::BranchCurrent(n), _) => write!(f, "{n}@")?,
        }
        match self.offset {
            Some(Offset::Up(n)) => write!(f, "+{n}"),
            Some(Offset::Down(n)) => write!(f, "-{n}"),
            None => Ok(()),
        }
    }
}

/// A point resolved against a graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// These revisions (none: base).
    Nodes(Vec<usize>),
    /// `label@base`: below the branch `label`.
    BranchBase(String),
    /// A step down from `from` to `at` (`None`: base). A downgrade to it
    /// undoes `from`'s line only, not the other branches above `at`.
    Walked { at: Option<usize>, from: usize },
}

impl Resolved {
    /// The revisions meant, as an upgrade target sees them.
    pub(crate) fn into_nodes(self, graph: &Graph) -> Vec<usize> {
        match self {
            Resolved::Nodes(nodes) => nodes,
            Resolved::BranchBase(label) => graph.below_branch(&label),
            Resolved::Walked { at, .. } => at.into_iter().collect(),
        }
    }
}

/// What a name designates.
enum Named {
    Revision(usize),
    Label(String, usize),
}

impl Graph {
    /// Resolves a single-point target to revision ids (empty: base), given the
    /// version-table rows. `label@base` resolves to the revisions just below
    /// the branch.
    ///
    /// ```
    /// use migrator_graph::{Graph, RevisionInfo};
    ///
    /// let g = Graph::new([
    ///     RevisionInfo::new("ae10"),
    ///     RevisionInfo::new("27c6").parent("ae10"),
    /// ])
    /// .unwrap();
    /// assert_eq!(g.resolve(["ae10"], "+1").unwrap(), ["27c6"]);
    /// assert_eq!(g.resolve(["ae10"], "ae").unwrap(), ["ae10"]);
    /// assert_eq!(g.resolve(["ae10"], "head-2").unwrap(), Vec::<String>::new());
    /// ```
    pub fn resolve<S: AsRef<str>>(
        &self,
        current: impl IntoIterator<Item = S>,
        target: &str,
    ) -> Result<Vec<String>, GraphError> {
        let current = self.current_rows(current)?;
        let point = match Target::parse(target)? {
            Target::Point(p) => p,
            Target::Range { .. } => {
                return Err(GraphError::Syntax {
                    input: target.to_owned(),
                    reason: "expected one revision, not a range".to_owned(),
                });
            }
        };
        let nodes = self.resolve_nodes(&point, &current)?;
        Ok(self.strings(nodes))
    }

    /// [`Graph::resolve_point`] as plain nodes (`label@base`: the nodes below the branch).
    pub(crate) fn resolve_nodes(
        &self,
        point: &Point,
        current: &[usize],
    ) -> Result<Vec<usize>, GraphError> {
        Ok(self.resolve_point(point, current)?.into_nodes(self))
    }

    pub(crate) fn resolve_point(
        &self,
        point: &Point,
        current: &[usize],
    ) -> Result<Resolved, GraphError> {
        let shown = point.to_string();
        let walk = |start: Option<usize>, offset: Offset, members: Option<&[bool]>| match offset {
            Offset::Up(n) => {
                let at = self.walk_up(start, n, members, &shown)?;
                Ok(Resolved::Nodes(at.into_iter().collect()))
            }
            Offset::Down(n) => {
                let at = self.walk_down(start, n, &shown)?;
                Ok(match start {
                    Some(from) => Resolved::Walked { at, from },
                    None => Resolved::Nodes(at.into_iter().collect()),
                })
            }
        };
        match (&point.anchor, point.offset) {
            (Anchor::NameBase(name), offset) => {
                let label = self.label_named(name, &shown)?;
                match offset {
                    None | Some(Offset::Down(0)) => Ok(Resolved::BranchBase(label)),
                    Some(offset) => {
                        let members = self.members(&label).unwrap_or_default();
                        walk(None, offset, Some(&members))
                    }
                }
            }
            (Anchor::BranchCurrent(name), offset) => {
                let label = self.label_named(name, &shown)?;
                let members = self.members(&label).unwrap_or_default();
                let applied = self.ancestors(current);
                let tops: Vec<usize> = (0..self.len())
                    .filter(|&i| {
                        members[i]
                            && applied[i]
                            && !self.children[i].iter().any(|&c| members[c] && applied[c])
                    })
                    .collect();
                match offset {
                    None | Some(Offset::Up(0) | Offset::Down(0)) => Ok(Resolved::Nodes(tops)),
                    Some(offset) => {
                        if tops.is_empty() && matches!(offset, Offset::Down(_)) {
                            return Err(GraphError::StepOutOfRange {
                                target: shown.clone(),
                                reason: format!(
                                    "nothing on branch {label} is applied, so there is nothing to step down from"
                                ),
                            });
                        }
                        let what = format!("current heads on branch {label}");
                        let start = self.single_start(&tops, offset, &shown, &what)?;
                        walk(start, offset, Some(&members))
                    }
                }
            }
            (anchor, offset) => {
                let set = self.anchor_nodes(anchor, current, &shown)?;
                match offset {
                    None | Some(Offset::Up(0) | Offset::Down(0)) => Ok(Resolved::Nodes(set)),
                    Some(offset) => {
                        let what = match anchor {
                            Anchor::Current => "current heads",
                            _ => "heads",
                        };
                        let start = self.single_start(&set, offset, &shown, what)?;
                        walk(start, offset, None)
                    }
                }
            }
        }
    }

    fn anchor_nodes(
        &self,
        anchor: &Anchor,
        current: &[usize],
        shown: &str,
    ) -> Result<Vec<usize>, GraphError> {
        Ok(match anchor {
            Anchor::Current => current.to_vec(),
            Anchor::Base => Vec::new(),
            Anchor::Heads => self.head_nodes().collect(),
            Anchor::Head => {
                let heads: Vec<usize> = self.head_nodes().collect();
                if heads.len() > 1 {
                    return Err(self.multiple_heads(
                        shown,
                        "the graph".to_owned(),
                        "heads",
                        &heads,
                    ));
                }
                heads
            }
            Anchor::Name(name) => match self.lookup(name) {
                Ok(Named::Revision(i) | Named::Label(_, i)) => vec![i],
                Err(GraphError::UnknownRevision { .. }) => return Err(self.unknown_target(name)),
                Err(e) => return Err(e),
            },
            Anchor::NameHead(name) | Anchor::NameHeads(name) => {
                let (heads, what) = match self.lookup(name)? {
                    Named::Label(label, _) => {
                        let members = self.members(&label).unwrap_or_default();
                        let heads = self.head_nodes().filter(|&h| members[h]).collect();
                        (heads, format!("branch {label}"))
                    }
                    Named::Revision(i) => (self.heads_above(i), format!("revision {}", self.id(i))),
                };
                if matches!(anchor, Anchor::NameHead(_)) && heads.len() > 1 {
                    return Err(self.multiple_heads(shown, what, &format!("{name}@heads"), &heads));
                }
                heads
            }
            Anchor::NameBase(_) | Anchor::BranchCurrent(_) => Vec::new(),
        })
    }

    /// The heads reachable upwards from `node` through `down_revisions`.
    fn heads_above(&self, node: usize) -> Vec<usize> {
        let mut seen = vec![false; self.len()];
        seen[node] = true;
        let mut stack = vec![node];
        let mut heads = Vec::new();
        while let Some(v) = stack.pop() {
            if self.children[v].is_empty() {
                heads.push(v);
            }
            for &c in &self.children[v] {
                if !seen[c] {
                    seen[c] = true;
                    stack.push(c);
                }
            }
        }
        heads.sort_unstable();
        heads
    }

    /// Exact id, then exact branch label, then unique id prefix.
    fn lookup(&self, name: &str) -> Result<Named, GraphError> {
        if let Some(&i) = self.index.get(name) {
            return Ok(Named::Revision(i));
        }
        if let Some(&i) = self.labels.get(name) {
            return Ok(Named::Label(name.to_owned(), i));
        }
        let start = self.revs.partition_point(|r| r.id.as_str() < name);
        let matching = self.revs[start..]
            .iter()
            .take_while(|r| r.id.starts_with(name))
            .count();
        match matching {
            0 => Err(self.unknown(name)),
            1 => Ok(Named::Revision(start)),
            total => Err(GraphError::AmbiguousPrefix {
                prefix: name.to_owned(),
                candidates: self.strings(start..start + total.min(10)),
                total,
            }),
        }
    }

    fn label_named(&self, name: &str, shown: &str) -> Result<String, GraphError> {
        match self.lookup(name)? {
            Named::Label(label, _) => Ok(label),
            Named::Revision(i) => Err(GraphError::NotABranchLabel {
                target: shown.to_owned(),
                name: self.id(i).to_owned(),
                labels: self
                    .branch_labels()
                    .into_iter()
                    .take(10)
                    .map(str::to_owned)
                    .collect(),
            }),
        }
    }

    /// The parents of the branch's lowest revisions that are not on it.
    pub(crate) fn below_branch(&self, label: &str) -> Vec<usize> {
        let Some(members) = self.members(label) else {
            return Vec::new();
        };
        let mut below: Vec<usize> = (0..self.len())
            .filter(|&i| members[i])
            .flat_map(|i| self.parents[i].iter().copied())
            .filter(|&p| !members[p])
            .collect();
        below.sort_unstable();
        below.dedup();
        below
    }

    fn multiple_heads(&self, shown: &str, what: String, all: &str, heads: &[usize]) -> GraphError {
        // Prefer `label@head` for a head that is the only head of a label
        // (the first such label by name).
        let mut named: HashMap<usize, &str> = HashMap::new();
        for label in self.branch_labels() {
            let members = self.members(label).unwrap_or_default();
            let mut label_heads = self.head_nodes().filter(|&x| members[x]);
            if let (Some(h), None) = (label_heads.next(), label_heads.next()) {
                named.entry(h).or_insert(label);
            }
        }
        let options = heads
            .iter()
            .map(|&h| match named.get(&h) {
                Some(label) => format!("{label}@head"),
                None => self.id(h).to_owned(),
            })
            .collect();
        GraphError::MultipleHeads {
            target: shown.to_owned(),
            what,
            heads: self.strings(heads.iter().copied()),
            all: all.to_owned(),
            options,
        }
    }

    /// The one node a relative step starts from (`None`: base).
    fn single_start(
        &self,
        starts: &[usize],
        offset: Offset,
        shown: &str,
        what: &str,
    ) -> Result<Option<usize>, GraphError> {
        match starts {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            several => {
                let (sign, n) = match offset {
                    Offset::Up(n) => ('+', n),
                    Offset::Down(n) => ('-', n),
                };
                Err(GraphError::AmbiguousStep {
                    target: shown.to_owned(),
                    reason: format!(
                        "there are {} {what} ({})",
                        several.len(),
                        self.strings(several.iter().copied()).join(", ")
                    ),
                    options: several
                        .iter()
                        .map(|&s| relative(self.id(s), sign, n))
                        .collect(),
                })
            }
        }
    }

    fn walk_up(
        &self,
        start: Option<usize>,
        n: u64,
        members: Option<&[bool]>,
        shown: &str,
    ) -> Result<Option<usize>, GraphError> {
        let on_branch = |i: &usize| members.is_none_or(|m| m[*i]);
        let mut at = start;
        let mut done: u64 = 0;
        while done < n {
            let candidates: Vec<usize> = match at {
                None => (0..self.len())
                    .filter(|&i| match members {
                        None => self.parents[i].is_empty(),
                        Some(m) => m[i] && self.parents[i].iter().all(|&p| !m[p]),
                    })
                    .collect(),
                Some(v) => self.children[v].iter().copied().filter(on_branch).collect(),
            };
            let left = n - done - 1;
            match candidates[..] {
                [] => {
                    let reason = match at {
                        None => "there are no revisions".to_owned(),
                        Some(v) => format!(
                            "{} is a head, {done} step{} above {}; use `{}`",
                            self.id(v),
                            plural(done),
                            start.map_or("base", |s| self.id(s)),
                            self.id(v),
                        ),
                    };
                    return Err(GraphError::StepOutOfRange {
                        target: shown.to_owned(),
                        reason,
                    });
                }
                [one] => at = Some(one),
                ref several => {
                    let reason = match at {
                        None if members.is_some() => {
                            format!("the branch starts at {} revisions", several.len())
                        }
                        None => format!("there are {} bases", several.len()),
                        Some(v) => format!(
                            "{} is a branch point with {} children",
                            self.id(v),
                            several.len()
                        ),
                    };
                    return Err(GraphError::AmbiguousStep {
                        target: shown.to_owned(),
                        reason,
                        options: several
                            .iter()
                            .map(|&c| relative(self.id(c), '+', left))
                            .collect(),
                    });
                }
            }
            done += 1;
        }
        Ok(at)
    }

    fn walk_down(
        &self,
        start: Option<usize>,
        n: u64,
        shown: &str,
    ) -> Result<Option<usize>, GraphError> {
        let mut at = start;
        let mut done: u64 = 0;
        while done < n {
            let Some(v) = at else {
                let reason = match start {
                    None => "base is the bottom; use `base`".to_owned(),
                    Some(s) => format!(
                        "{} is {done} step{} above base; use `base`",
                        self.id(s),
                        plural(done)
                    ),
                };
                return Err(GraphError::StepOutOfRange {
                    target: shown.to_owned(),
                    reason,
                });
            };
            match self.parents[v][..] {
                [] => at = None,
                [one] => at = Some(one),
                ref several => {
                    let left = n - done - 1;
                    return Err(GraphError::AmbiguousStep {
                        target: shown.to_owned(),
                        reason: format!(
                            "{} is a merge point of {}",
                            self.id(v),
                            join_and(&self.strings(several.iter().copied()))
                        ),
                        options: several
                            .iter()
                            .map(|&p| relative(self.id(p), '-', left))
                            .collect(),
                    });
                }
            }
            done += 1;
        }
        Ok(at)
    }
}

fn relative(id: &str, sign: char, n: u64) -> String {
    if n == 0 {
        id.to_owned()
    } else {
        format!("{id}{sign}{n}")
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(anchor: Anchor, offset: Option<Offset>) -> Target {
        Target::Point(Point { anchor, offset })
    }

    #[test]
    fn parses_every_form() {
        use Anchor::*;
        let name = |s: &str| s.to_owned();
        let cases = [
            ("head", point(Head, None)),
            ("heads", point(Heads, None)),
            ("base", point(Base, None)),
            ("current", point(Current, None)),
            (" ae10 ", point(Name(name("ae10")), None)),
            ("shop@head", point(NameHead(name("shop")), None)),
            ("shop@heads", point(NameHeads(name("shop")), None)),
            ("shop@base", point(NameBase(name("shop")), None)),
            ("+2", point(Current, Some(Offset::Up(2)))),
            ("-1", point(Current, Some(Offset::Down(1)))),
            ("ae10+3", point(Name(name("ae10")), Some(Offset::Up(3)))),
            ("ae10-3", point(Name(name("ae10")), Some(Offset::Down(3)))),
            (
                "shop@head-2",
                point(NameHead(name("shop")), Some(Offset::Down(2))),
            ),
            (
                "shop@+1",
                point(BranchCurrent(name("shop")), Some(Offset::Up(1))),
            ),
            ("head-1", point(Head, Some(Offset::Down(1)))),
            ("base+1", point(Base, Some(Offset::Up(1)))),
            (
                "ae10:",
                Target::Range {
                    from: Some(Point {
                        anchor: Name(name("ae10")),
                        offset: None,
                    }),
                    to: None,
                },
            ),
            (
                ":",
                Target::Range {
                    from: None,
                    to: None,
                },
            ),
            (
                "current:head",
                Target::Range {
                    from: Some(Point {
                        anchor: Current,
                        offset: None,
                    }),
                    to: Some(Point {
                        anchor: Head,
                        offset: None,
                    }),
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(Target::parse(input).unwrap(), expected, "{input}");
        }
    }

    #[test]
    fn refuses_malformed_targets() {
        for (input, message) in [
            (
                "",
                "`` is not a valid target: it is empty; type `head`, `heads`, `base`, a revision id or a branch label",
            ),
            (
                "a-b",
                "`a-b` is not a valid target: expected a number after `-`, as in `-1` or `head-1` (revision ids cannot contain `-`)",
            ),
            (
                "a:b:c",
                "`a:b:c` is not a valid target: a range has one `:`, as in `from:to` (either side may be empty)",
            ),
            (
                "x@tip",
                "`x@tip` is not a valid target: after `@` comes `head`, `heads`, `base` or a step like `+1`, as in `x@head`",
            ),
            (
                "+99999999999999999999999",
                "`+99999999999999999999999` is not a valid target: the step `+99999999999999999999999` is too large",
            ),
            (
                "a b",
                "`a b` is not a valid target: `a b` contains whitespace, so it is not a revision id",
            ),
            (
                "@head",
                "`@head` is not a valid target: a revision id or branch label is missing",
            ),
            (
                "head@head",
                "`head@head` is not a valid target: `head` is a keyword and cannot be used as a revision id or branch label here",
            ),
        ] {
            assert_eq!(Target::parse(input).unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn displays_what_it_parses() {
        for input in [
            "head", "+2", "-1", "x@head-2", "x@+1", "a:b", ":b", "a:", ":", "current", "base+1",
        ] {
            assert_eq!(Target::parse(input).unwrap().to_string(), input);
        }
    }
}
