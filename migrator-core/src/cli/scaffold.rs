//! New revision files, in the shape of the hand-written ones: a `//!`
//! header like Alembic's docstring, then a `#[migration(...)]` impl block
//! with empty upgrade and downgrade bodies.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// A revision to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRevision {
    /// Its id (12 hex digits unless given).
    pub id: String,
    /// Its parents: none for a base, several for a merge.
    pub parents: Vec<String>,
    /// Its message.
    pub message: String,
    /// Branch labels it declares.
    pub branch_labels: Vec<String>,
    /// Revisions (or labels) it depends on.
    pub depends_on: Vec<String>,
    /// When it was written (UTC, `YYYY-MM-DD HH:MM:SS`).
    pub created: String,
    /// The ops autogenerate wrote, if it did; `None`: empty functions to fill.
    pub generated: Option<Generated>,
    /// The path of the naming convention it is written under, if any.
    pub naming: Option<String>,
}

/// What `revision --autogenerate` writes into a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// Lines for the header: what was detected, what to review.
    pub notes: Vec<String>,
    /// The upgrade's body (builder calls on `op`).
    pub upgrade: String,
    /// How it is undone.
    pub downgrade: GeneratedDowngrade,
}

/// The downgrade of a generated revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GeneratedDowngrade {
    /// Every op has an inverse: `reversible`.
    Derived,
    /// The body of a written `downgrade`.
    Written(String),
    /// No op undoes it, for this reason: `irreversible = "…"`.
    Irreversible(String),
}

/// `body` indented into a function, each line by 8 spaces.
fn indented(body: &str) -> String {
    body.lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_owned()
            } else {
                format!("        {l}\n")
            }
        })
        .collect()
}

/// A fresh revision id: 12 random hex digits (48 bits from the operating
/// system's random source), none of `taken`. Fails only when that source
/// does.
pub fn fresh_id(taken: impl Fn(&str) -> bool) -> std::io::Result<String> {
    loop {
        let mut bytes = [0u8; 6];
        getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
        let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        if !taken(&id) {
            return Ok(id);
        }
    }
}

/// The current time as a file header shows it.
pub fn now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    chrono::DateTime::from_timestamp(i64::try_from(secs).unwrap_or(0), 0)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The message as a file-name part: lowercase words joined by `_`, at
/// most 40 characters.
pub fn slug(message: &str) -> String {
    let mut out = String::new();
    for word in message
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if out.len() + word.len() + 1 > 40 && !out.is_empty() {
            break;
        }
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    out.truncate(40);
    out
}

/// `<id>_<slug>.rs`: the id leads, so `migrations!` names the module after it.
pub fn file_name(revision: &NewRevision) -> String {
    match slug(&revision.message) {
        s if s.is_empty() => format!("{}.rs", revision.id),
        s => format!("{}_{s}.rs", revision.id),
    }
}

fn string_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// rustfmt's `attr_fn_like_width`: an attribute whose arguments fit in
/// this many columns goes on one line (rustfmt's default, which a
/// project's rustfmt.toml may change; the file is in the default's shape).
const ATTR_FN_LIKE_WIDTH: usize = 70;

/// A generated note as lines of at most 96 columns (100 with `//! `),
/// broken between words; the lines after the first of a `- ` item are
/// indented under its text. A word longer than a line stays whole.
fn wrap(note: &str) -> Vec<String> {
    const WIDTH: usize = 96;
    let indent = if note.starts_with("- ") { "  " } else { "" };
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in note.split(' ') {
        let width = line.chars().count();
        if width > indent.len() && width + 1 + word.chars().count() > WIDTH {
            lines.push(std::mem::replace(&mut line, indent.to_owned()));
        } else if !line.is_empty() && line != indent {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// The file's text. It compiles whatever the message holds: the `//!`
/// header shows control and direction-changing characters escaped (the
/// compiler refuses a bare CR or a text-direction override in a comment),
/// and the string literals escape everything that needs it.
///
/// The text is in the shape `rustfmt --edition 2024` leaves as it is, so a
/// `cargo fmt --check` passes on a new file and no formatter needs to run:
/// a blank line between the header, the `use` and the revision, no
/// trailing spaces in the header, and the attribute's arguments one a line
/// unless rustfmt would put them on one (when they are string literals
/// that fit in 70 columns, rustfmt's `attr_fn_like_width`).
pub fn render(revision: &NewRevision) -> String {
    let mut out = String::new();
    let mut doc = |text: &str| {
        let text = super::input::escape(text.trim_end());
        let _ = if text.is_empty() {
            writeln!(out, "//!")
        } else {
            writeln!(out, "//! {text}")
        };
    };
    let mut lines = revision.message.lines();
    doc(lines.next().unwrap_or(""));
    for line in lines {
        doc(line);
    }
    doc("");
    doc(&format!("Revision ID: {}", revision.id));
    doc(&format!("Revises: {}", revision.parents.join(", ")));
    doc(&format!("Create Date: {}", revision.created));
    if let Some(g) = &revision.generated {
        doc("");
        for note in &g.notes {
            for line in wrap(note) {
                doc(&line);
            }
        }
    }
    out.push_str("\nuse migrator_core::prelude::*;\n\n");
    let mut args = vec![format!("revision = {:?}", revision.id)];
    args.push(match revision.parents.as_slice() {
        [] => "down_revision = None".to_owned(),
        [one] => format!("down_revision = {one:?}"),
        many => format!("down_revision = {}", string_list(many)),
    });
    args.push(format!("message = {:?}", revision.message));
    if !revision.branch_labels.is_empty() {
        args.push(format!(
            "branch_labels = {}",
            string_list(&revision.branch_labels)
        ));
    }
    if !revision.depends_on.is_empty() {
        args.push(format!(
            "depends_on = {}",
            string_list(&revision.depends_on)
        ));
    }
    if let Some(path) = &revision.naming {
        args.push(format!("naming = {path}"));
    }
    match revision.generated.as_ref().map(|g| &g.downgrade) {
        Some(GeneratedDowngrade::Derived) => args.push("reversible".to_owned()),
        Some(GeneratedDowngrade::Irreversible(why)) => args.push(format!("irreversible = {why:?}")),
        _ => {}
    }
    // rustfmt reshapes the attribute only when every value is a string
    // literal (one parent, no labels or dependencies: `None` and lists make
    // it keep the attribute as written), and puts it on one line when the
    // arguments fit in ATTR_FN_LIKE_WIDTH columns. A character counts as one
    // column here; rustfmt counts two for a wide one (CJK, emoji), so a
    // short message of those may still be reshaped by it.
    let one_line = args.join(", ");
    let literals_only = revision.parents.len() == 1
        && revision.branch_labels.is_empty()
        && revision.depends_on.is_empty()
        && revision.naming.is_none()
        && revision.generated.is_none();
    if literals_only && one_line.chars().count() <= ATTR_FN_LIKE_WIDTH {
        let _ = writeln!(out, "#[migration({one_line})]");
    } else {
        let _ = writeln!(out, "#[migration(\n    {}\n)]", args.join(",\n    "));
    }
    match &revision.generated {
        None => out.push_str(
            "impl Revision {\n    fn upgrade(_op: &mut Ops) {}\n\n    fn downgrade(_op: &mut Ops) {}\n}\n",
        ),
        Some(g) => {
            let builder = match g.downgrade {
                GeneratedDowngrade::Derived => "Reversible",
                _ => "Ops",
            };
            let _ = write!(
                out,
                "impl Revision {{\n    fn upgrade(op: &mut {builder}) {{\n{}    }}\n",
                indented(&g.upgrade)
            );
            if let GeneratedDowngrade::Written(body) = &g.downgrade {
                let _ = write!(
                    out,
                    "\n    fn downgrade(op: &mut Ops) {{\n{}    }}\n",
                    indented(body)
                );
            }
            out.push_str("}\n");
        }
    }
    out
}

/// Writes the revision into `dir` (never over an existing file, never
/// outside `dir`) and returns the file's path. The text is [`render`]'s,
/// already in the shape rustfmt keeps, so nothing formats it afterwards and
/// the file is the same on every machine.
///
/// An id that is not ASCII letters, digits and `_` is refused
/// ([`std::io::ErrorKind::InvalidInput`]): it would name a file elsewhere
/// or a module the compiler refuses.
pub fn write(dir: &Path, revision: &NewRevision) -> std::io::Result<PathBuf> {
    let id = &revision.id;
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "revision id {:?} is not ASCII letters, digits and `_`",
                super::input::escape(id)
            ),
        ));
    }
    let path = dir.join(file_name(revision));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::io::Write::write_all(&mut file, render(revision).as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(parents: &[&str]) -> NewRevision {
        NewRevision {
            id: "0a1b2c3d4e5f".into(),
            parents: parents.iter().map(|s| s.to_string()).collect(),
            message: "add \"paid\" column".into(),
            branch_labels: Vec::new(),
            depends_on: Vec::new(),
            created: "2026-11-25 18:00:00".into(),
            generated: None,
            naming: None,
        }
    }

    #[test]
    fn long_notes_are_wrapped_between_words() {
        let note = format!("- review: {} loses its data", "word ".repeat(40).trim_end());
        let lines = wrap(&note);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= 96), "{lines:?}");
        assert!(
            lines[1..].iter().all(|l| l.starts_with("  word")),
            "{lines:?}"
        );
        assert_eq!(
            lines.join(" ").split_whitespace().collect::<Vec<_>>(),
            note.split_whitespace().collect::<Vec<_>>()
        );
        assert_eq!(wrap("- short"), ["- short"]);
        assert_eq!(wrap(""), [""]);
    }

    #[test]
    fn renders_a_revision_file() {
        assert_eq!(
            render(&revision(&["ae1027a6acf4"])),
            r#"//! add "paid" column
//!
//! Revision ID: 0a1b2c3d4e5f
//! Revises: ae1027a6acf4
//! Create Date: 2026-11-25 18:00:00

use migrator_core::prelude::*;

#[migration(
    revision = "0a1b2c3d4e5f",
    down_revision = "ae1027a6acf4",
    message = "add \"paid\" column"
)]
impl Revision {
    fn upgrade(_op: &mut Ops) {}

    fn downgrade(_op: &mut Ops) {}
}
"#
        );
    }

    #[test]
    fn merges_and_labels() {
        let mut r = revision(&["aaaaaaaaaaaa", "bbbbbbbbbbbb"]);
        r.branch_labels = vec!["billing".into()];
        let text = render(&r);
        assert!(
            text.contains(
                "#[migration(\n    revision = \"0a1b2c3d4e5f\",\n    down_revision = [\"aaaaaaaaaaaa\", \"bbbbbbbbbbbb\"],\n    message = \"add \\\"paid\\\" column\",\n    branch_labels = [\"billing\"]\n)]\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn the_header_escapes_what_the_compiler_refuses_in_comments() {
        let mut r = revision(&[]);
        r.message = "bare\rcr\u{202e}rlo\0nul\r\nnext".into();
        let text = render(&r);
        assert!(
            text.starts_with("//! bare\\rcr\\u{202e}rlo\\0nul\n//! next\n"),
            "{text}"
        );
        assert!(
            text.contains(r#"message = "bare\rcr\u{202e}rlo\0nul\r\nnext""#),
            "{text}"
        );
        assert!(!text.contains(['\r', '\0', '\u{202e}']), "{text:?}");
    }

    proptest::proptest! {
        /// The file parses as Rust whatever the message, labels and
        /// dependencies hold (nothing formats or checks it after `render`).
        #[test]
        fn renders_rust_for_any_text(
            message in "\\PC*|[\r\n\t\0\u{1b}\u{85}\u{202e}\u{2028}\u{feff}\\\\\"'*/!a ]{0,24}",
            labels in proptest::collection::vec("\\PC{0,8}", 0..3),
            depends_on in proptest::collection::vec("\\PC{0,8}", 0..3),
            parents in 0usize..4,
        ) {
            let mut r = revision(&["aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"][..parents]);
            r.message = message;
            r.branch_labels = labels;
            r.depends_on = depends_on;
            let text = render(&r);
            if let Err(e) = syn::parse_file(&text) {
                proptest::prop_assert!(false, "{e}:\n{text}");
            }
        }
    }

    /// Revisions of every shape `render` has: base, one parent, a merge;
    /// short and long messages; labels and dependencies; a short id.
    fn shapes() -> Vec<NewRevision> {
        let mut out = Vec::new();
        let merge = ["aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"];
        for parents in [&[][..], &["ae1027a6acf4"][..], &merge[..]] {
            for message in [
                "x",
                "mmmmmmmmmm",
                "mmmmmmmmmmm",
                "éééééééééé",
                "add \"paid\" column",
                "a long message that goes on well past the width rustfmt gives one line of code",
                "bare\rcr\u{202e}rlo\0nul\r\nnext\n\n  third  ",
                "tab\there, trailing space \t ",
                "\u{feff}bom \u{2028} line separator \u{85} next line",
                "quotes \" ' \\ backslash */ /* {} # \\u{41}",
                "",
            ] {
                for id in ["0a1b2c3d4e5f", "a"] {
                    for named in [false, true] {
                        let mut r = revision(parents);
                        r.id = id.into();
                        r.message = message.into();
                        if named {
                            r.branch_labels = vec!["billing".into()];
                            r.depends_on = vec!["payments".into(), "1975ea83b712".into()];
                            r.naming = Some("crate::NAMING".into());
                        }
                        out.push(r);
                    }
                }
            }
        }
        out
    }

    #[test]
    fn short_attributes_go_on_one_line_as_rustfmt_puts_them() {
        let mut r = revision(&["ae1027a6acf4"]);
        r.id = "a".into();
        r.message = "mmmmmmmmmm".into();
        assert!(
            render(&r).contains(
                "\n#[migration(revision = \"a\", down_revision = \"ae1027a6acf4\", message = \"mmmmmmmmmm\")]\nimpl"
            ),
            "{}",
            render(&r)
        );
        r.message.push('m');
        assert!(render(&r).contains("\n#[migration(\n    revision"));
        // A base's `None` makes rustfmt keep the attribute as written.
        let mut r = revision(&[]);
        r.id = "a".into();
        r.message = "m".into();
        assert!(render(&r).contains("\n#[migration(\n    revision"));
        assert!(render(&r).contains("\n//! Revises:\n"));
    }

    /// The files are in the shape rustfmt keeps, so `cargo fmt --check`
    /// passes on them (checked where rustfmt is installed, as it is wherever
    /// `cargo fmt` runs).
    #[test]
    fn rustfmt_leaves_the_files_as_they_are() {
        use std::io::Write as _;
        use std::process::{Command, Stdio};
        for r in shapes() {
            let text = render(&r);
            let child = Command::new("rustfmt")
                .args(["--edition", "2024", "--emit", "stdout"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn();
            let Ok(mut child) = child else {
                eprintln!("rustfmt is not installed: not compared");
                return;
            };
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(String::from_utf8_lossy(&out.stdout), text);
        }
    }

    #[test]
    fn files_stay_in_the_directory() {
        let dir = std::env::temp_dir().join(format!("migrator-scaffold-{}", std::process::id()));
        for id in ["../../escape", "/tmp/abs", "a/b", ""] {
            let mut r = revision(&[]);
            r.id = id.into();
            let err = write(&dir, &r).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{id}");
        }
        assert_eq!(slug("../../etc/passwd"), "etc_passwd");
    }

    #[test]
    fn names_and_ids() {
        assert_eq!(slug("Add fee status: 'late'!"), "add_fee_status_late");
        assert_eq!(file_name(&revision(&[])), "0a1b2c3d4e5f_add_paid_column.rs");
        let id = fresh_id(|_| false).unwrap();
        assert_eq!(id.len(), 12);
        assert!(
            id.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')),
            "{id}"
        );
        // Taken ids are skipped: the fourth candidate is the first free one.
        let tried = std::cell::RefCell::new(Vec::new());
        let free = fresh_id(|candidate| {
            tried.borrow_mut().push(candidate.to_owned());
            tried.borrow().len() < 4
        })
        .unwrap();
        assert_eq!(tried.borrow().len(), 4);
        assert_eq!(tried.borrow().last(), Some(&free));
        assert_eq!(now().len(), 19);
    }
}
