//! Naming conventions: the names constraints and indexes get when a
//! revision does not give one, from templates with SQLAlchemy's tokens
//! (`MetaData(naming_convention=…)`), so a history generated under
//! SQLAlchemy's convention ports without `.named(…)` on every constraint.
//!
//! A convention is fixed per revision: a revision names the convention it
//! was written under in its `#[migration(naming = PATH)]` (`revision`
//! writes the line for you when the application sets
//! `CliConfig::with_naming`). The names come out when the revision's ops
//! are recorded, and they are part of its checksum, so:
//!
//! - revisions written before a convention was adopted keep PostgreSQL's
//!   names, whatever the application uses now;
//! - changing a convention is a new constant for new revisions; editing a
//!   constant that applied revisions use changes their checksums, and
//!   `upgrade` and `check` say which revisions changed since they ran.
//!
//! ```
//! use migrator_core::ops::{NamingConvention, naming};
//! use migrator_core::prelude::*;
//!
//! const NAMING: NamingConvention = NamingConvention::sqlalchemy();
//!
//! let mut op = Ops::new();
//! naming::within(Some(&NAMING), || {
//!     op.create_table("users", |t| {
//!         t.column::<i64>("id").primary_key();
//!         t.column::<String>("email").unique();
//!         t.check("email_not_empty", "email <> ''");
//!     });
//!     op.create_index("users", ["email"]);
//! });
//! let sql = format!("{:?}", op.ops());
//! for name in ["pk_users", "uq_users_email", "ck_users_email_not_empty", "ix_users_email"] {
//!     assert!(sql.contains(name), "{name}");
//! }
//! ```

use std::cell::RefCell;

use md5::{Digest, Md5};

use crate::ident::{MAX_IDENT_LEN, QualifiedName};

/// Templates for the names of indexes and constraints created without
/// one, with SQLAlchemy's tokens:
///
/// | token | value |
/// | --- | --- |
/// | `%(table_name)s` | the table's name |
/// | `%(column_0_name)s`, `%(column_1_name)s`, … | the n-th column (empty past the last) |
/// | `%(column_0_N_name)s` / `%(column_0N_name)s` | every column, joined by `_` / by nothing |
/// | `%(column_0_label)s` (and `_N_`, `N` forms) | `<table>_<column>`, `<schema>_<table>_<column>` for a table in an explicit schema |
/// | `%(column_0_key)s` (and `_N_`, `N` forms) | the column's name (migrator has no separate keys) |
/// | `%(referred_table_name)s` | a foreign key's referenced table |
/// | `%(referred_column_0_name)s` (and `_N_`, `N` forms) | its referenced columns |
/// | `%(constraint_name)s` | the name a check constraint is given (check constraints only) |
/// | `%%` | `%` |
///
/// A name longer than 63 characters is cut as SQLAlchemy cuts it for
/// PostgreSQL: its first 55 characters, `_`, and the last four hex digits of
/// the MD5 of the whole name. A kind left without a template keeps
/// PostgreSQL's name (`<table>_pkey`, `<table>_<columns>_key`,
/// `<table>_<columns>_fkey`; indexes `ix_<table>_<columns>`), and
/// `.named(…)` always gives the name as written.
///
/// The templates are `&'static str`, so a convention is a `const` (or a
/// `static`) that a revision's `#[migration(naming = …)]` names; one read
/// at run time from a file leaks its strings once (`Box::leak`).
///
/// ```
/// use migrator_core::ops::NamingConvention;
/// const NAMING: NamingConvention = NamingConvention::new()
///     .index("ix_%(table_name)s_%(column_0_N_name)s")
///     .foreign_key("fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s");
/// assert!(NAMING.problem().is_none());
/// assert!(NamingConvention::new().unique("uq_%(colum_0_name)s").problem().is_some());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct NamingConvention {
    /// `ix`: indexes.
    pub index: Option<&'static str>,
    /// `uq`: unique constraints.
    pub unique: Option<&'static str>,
    /// `ck`: check constraints.
    pub check: Option<&'static str>,
    /// `fk`: foreign keys.
    pub foreign_key: Option<&'static str>,
    /// `pk`: primary keys.
    pub primary_key: Option<&'static str>,
}

impl NamingConvention {
    /// No templates: every name is PostgreSQL's (what migrator does without
    /// a convention).
    pub const fn new() -> Self {
        Self {
            index: None,
            unique: None,
            check: None,
            foreign_key: None,
            primary_key: None,
        }
    }

    /// The convention SQLAlchemy's documentation recommends:
    /// `ix_%(column_0_label)s`, `uq_%(table_name)s_%(column_0_name)s`,
    /// `ck_%(table_name)s_%(constraint_name)s`,
    /// `fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s`,
    /// `pk_%(table_name)s`.
    pub const fn sqlalchemy() -> Self {
        Self::new()
            .index("ix_%(column_0_label)s")
            .unique("uq_%(table_name)s_%(column_0_name)s")
            .check("ck_%(table_name)s_%(constraint_name)s")
            .foreign_key("fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s")
            .primary_key("pk_%(table_name)s")
    }

    /// The template of index names (SQLAlchemy's `ix`).
    #[must_use]
    pub const fn index(mut self, template: &'static str) -> Self {
        self.index = Some(template);
        self
    }

    /// The template of unique constraints' names (`uq`).
    #[must_use]
    pub const fn unique(mut self, template: &'static str) -> Self {
        self.unique = Some(template);
        self
    }

    /// The template of check constraints' names (`ck`); its
    /// `%(constraint_name)s` is the name the check is given.
    #[must_use]
    pub const fn check(mut self, template: &'static str) -> Self {
        self.check = Some(template);
        self
    }

    /// The template of foreign keys' names (`fk`).
    #[must_use]
    pub const fn foreign_key(mut self, template: &'static str) -> Self {
        self.foreign_key = Some(template);
        self
    }

    /// The template of primary keys' names (`pk`).
    #[must_use]
    pub const fn primary_key(mut self, template: &'static str) -> Self {
        self.primary_key = Some(template);
        self
    }

    /// What is wrong with a template, if anything: an unknown token, a `%`
    /// that starts none, `referred_…` outside the foreign key's template,
    /// `%(constraint_name)s` outside the check's.
    pub fn problem(&self) -> Option<String> {
        self.templates().find_map(|(kind, template)| {
            parse(template, kind)
                .err()
                .map(|why| format!("the {} template {template:?}: {why}", kind.key()))
        })
    }

    fn templates(&self) -> impl Iterator<Item = (Kind, &str)> {
        [
            (Kind::Index, &self.index),
            (Kind::Unique, &self.unique),
            (Kind::Check, &self.check),
            (Kind::ForeignKey, &self.foreign_key),
            (Kind::PrimaryKey, &self.primary_key),
        ]
        .into_iter()
        .filter_map(|(kind, t)| t.map(|t| (kind, t)))
    }

    fn template(&self, kind: Kind) -> Option<&str> {
        self.templates().find(|(k, _)| *k == kind).map(|(_, t)| t)
    }
}

/// The kinds of object a convention names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Index,
    Unique,
    Check,
    ForeignKey,
    PrimaryKey,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Index => "ix",
            Kind::Unique => "uq",
            Kind::Check => "ck",
            Kind::ForeignKey => "fk",
            Kind::PrimaryKey => "pk",
        }
    }
}

/// What a name is made of: the object being named.
pub(crate) struct Subject<'a> {
    kind: Kind,
    table: &'a QualifiedName,
    columns: &'a [String],
    referred: Option<(&'a QualifiedName, &'a [String])>,
    given: &'a str,
}

impl<'a> Subject<'a> {
    pub(crate) fn index(table: &'a QualifiedName, columns: &'a [String]) -> Self {
        Self::of(Kind::Index, table, columns)
    }

    pub(crate) fn unique(table: &'a QualifiedName, columns: &'a [String]) -> Self {
        Self::of(Kind::Unique, table, columns)
    }

    pub(crate) fn primary_key(table: &'a QualifiedName, columns: &'a [String]) -> Self {
        Self::of(Kind::PrimaryKey, table, columns)
    }

    pub(crate) fn check(table: &'a QualifiedName, given: &'a str) -> Self {
        Self {
            given,
            ..Self::of(Kind::Check, table, &[])
        }
    }

    pub(crate) fn foreign_key(
        table: &'a QualifiedName,
        columns: &'a [String],
        referred: &'a QualifiedName,
        referred_columns: &'a [String],
    ) -> Self {
        Self {
            referred: Some((referred, referred_columns)),
            ..Self::of(Kind::ForeignKey, table, columns)
        }
    }

    fn of(kind: Kind, table: &'a QualifiedName, columns: &'a [String]) -> Self {
        Self {
            kind,
            table,
            columns,
            referred: None,
            given: "",
        }
    }
}

thread_local! {
    static CURRENT: RefCell<Option<NamingConvention>> = const { RefCell::new(None) };
}

/// Runs `f` with `naming` as the convention of the ops it records (the
/// registry does this for each revision with the convention its
/// `#[migration(naming = …)]` names; `None` is PostgreSQL's names). The
/// convention in force before is restored afterwards, even on a panic.
pub fn within<R>(naming: Option<&NamingConvention>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<NamingConvention>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = previous);
        }
    }
    let previous = CURRENT.with(|c| c.replace(naming.cloned()));
    let _restore = Restore(previous);
    f()
}

/// The name the convention in force gives `subject`, if it has a template
/// for its kind (`None`: the caller's default name stands). A check is
/// given a name when it is created, so, as SQLAlchemy does, the `ck`
/// template renames it only when it uses `%(constraint_name)s`.
pub(crate) fn conventional(subject: &Subject<'_>) -> Option<String> {
    CURRENT.with(|c| {
        let current = c.borrow();
        let template = current.as_ref()?.template(subject.kind)?;
        // A template that does not parse was refused when the revisions
        // were checked; here it names nothing.
        let pieces = parse(template, subject.kind).ok()?;
        if subject.kind == Kind::Check && !pieces.contains(&Piece::ConstraintName) {
            return None;
        }
        Some(truncated(render(&pieces, subject)))
    })
}

/// The name the convention in force gives `subject`, else `default()`.
pub(crate) fn name_or(subject: &Subject<'_>, default: impl FnOnce() -> String) -> String {
    conventional(subject).unwrap_or_else(default)
}

/// The name to give a check constraint on `table` so that the convention
/// in force names it `name` (what `%(constraint_name)s` stood for), if
/// there is one: autogenerate writes `t.check(given, …)` with it.
pub(crate) fn given_check_name(table: &QualifiedName, name: &str) -> Option<String> {
    const MARK: &str = "\u{0}";
    let template = conventional(&Subject::check(table, MARK))?;
    let (prefix, suffix) = template.split_once(MARK)?;
    let given = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    let again = conventional(&Subject::check(table, given))?;
    (!given.is_empty() && again == name).then(|| given.to_owned())
}

/// A piece of a parsed template.
#[derive(Debug, PartialEq)]
enum Piece {
    Text(String),
    TableName,
    ConstraintName,
    ReferredTableName,
    Column {
        referred: bool,
        /// `Some(n)`: the n-th; `None`: all, joined by `join`.
        index: Option<usize>,
        join: &'static str,
        attr: Attr,
    },
}

#[derive(Debug, PartialEq, Clone, Copy)]
enum Attr {
    Name,
    Label,
}

fn parse(template: &str, kind: Kind) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut rest = template;
    let mut text = String::new();
    while let Some(at) = rest.find('%') {
        text.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("%%") {
            text.push('%');
            rest = after;
            continue;
        }
        let Some(token) = rest
            .strip_prefix("%(")
            .and_then(|r| r.split_once(")s"))
            .map(|(t, _)| t)
        else {
            return Err(format!(
                "`%` at {:?} starts no `%(token)s` (write `%%` for a percent sign)",
                rest.chars().take(13).collect::<String>()
            ));
        };
        if !text.is_empty() {
            pieces.push(Piece::Text(std::mem::take(&mut text)));
        }
        pieces.push(token_piece(token, kind)?);
        rest = &rest[token.len() + 4..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

fn token_piece(token: &str, kind: Kind) -> Result<Piece, String> {
    let unknown = || {
        format!(
            "unknown token %({token})s (known: table_name, column_0_name, column_0_N_name, column_0N_name, column_0_label, column_0_key, referred_table_name, referred_column_0_name, constraint_name)"
        )
    };
    let piece = match token {
        "table_name" => Piece::TableName,
        "constraint_name" => Piece::ConstraintName,
        "referred_table_name" => Piece::ReferredTableName,
        _ => {
            let (referred, column) = match token.strip_prefix("referred_") {
                Some(rest) => (true, rest),
                None => (false, token),
            };
            let spec = column.strip_prefix("column_").ok_or_else(unknown)?;
            let digits = spec.len() - spec.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let n: usize = spec[..digits].parse().map_err(|_| unknown())?;
            let (index, join, attr) = match &spec[digits..] {
                "_name" | "_key" => (Some(n), "", Attr::Name),
                "_label" => (Some(n), "", Attr::Label),
                "_N_name" | "_N_key" => (None, "_", Attr::Name),
                "N_name" | "N_key" => (None, "", Attr::Name),
                "_N_label" => (None, "_", Attr::Label),
                "N_label" => (None, "", Attr::Label),
                _ => return Err(unknown()),
            };
            if index.is_none() && n != 0 {
                return Err(format!(
                    "%({token})s: the every-column forms start at column 0 (column_0_N_…)"
                ));
            }
            // SQLAlchemy knows only the name of a referenced column.
            if referred && (attr == Attr::Label || spec.ends_with("_key")) {
                return Err(unknown());
            }
            Piece::Column {
                referred,
                index,
                join,
                attr,
            }
        }
    };
    let referred = matches!(
        piece,
        Piece::ReferredTableName | Piece::Column { referred: true, .. }
    );
    if referred && kind != Kind::ForeignKey {
        return Err(format!(
            "%({token})s names what a foreign key references; only the fk template can use it"
        ));
    }
    if piece == Piece::ConstraintName && kind != Kind::Check {
        return Err(
            "%(constraint_name)s is the name a constraint is given, and only check constraints are given one when they are created; name the others with .named(…)"
                .into(),
        );
    }
    Ok(piece)
}

fn render(pieces: &[Piece], subject: &Subject<'_>) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::TableName => out.push_str(&subject.table.name),
            Piece::ConstraintName => out.push_str(subject.given),
            Piece::ReferredTableName => {
                out.push_str(subject.referred.map_or("", |(t, _)| t.name.as_str()));
            }
            Piece::Column {
                referred,
                index,
                join,
                attr,
            } => {
                let (table, columns) = match (referred, subject.referred) {
                    (true, Some(r)) => r,
                    (true, None) => continue,
                    (false, _) => (subject.table, subject.columns),
                };
                let word = |column: &String| match attr {
                    Attr::Name => column.clone(),
                    Attr::Label => label(table, column),
                };
                match index {
                    Some(n) => out.push_str(&columns.get(*n).map(word).unwrap_or_default()),
                    None => out.push_str(&columns.iter().map(word).collect::<Vec<_>>().join(join)),
                }
            }
        }
    }
    out
}

/// SQLAlchemy's label of a column: `<table>_<column>`, with the schema in
/// front for a table in an explicit one.
fn label(table: &QualifiedName, column: &str) -> String {
    match &table.schema {
        Some(schema) => format!("{}_{}_{column}", schema.replace('.', "_"), table.name),
        None => format!("{}_{column}", table.name),
    }
}

/// SQLAlchemy's cut of a long name: 55 characters, `_` and four hex digits
/// of its MD5. A name still longer than PostgreSQL keeps (multi-byte
/// characters) is cut at a character boundary with the same suffix.
fn truncated(name: String) -> String {
    if name.chars().count() <= MAX_IDENT_LEN && name.len() <= MAX_IDENT_LEN {
        return name;
    }
    let digest = Md5::digest(name.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let suffix = format!("_{}", &hex[hex.len() - 4..]);
    let mut cut: String = name.chars().take(MAX_IDENT_LEN - 8).collect();
    while cut.len() + suffix.len() > MAX_IDENT_LEN {
        cut.pop();
    }
    cut + &suffix
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(convention: &NamingConvention, subject: &Subject<'_>) -> Option<String> {
        within(Some(convention), || conventional(subject))
    }

    #[test]
    fn tokens_and_cuts_match_sqlalchemy() {
        // Expected names printed by SQLAlchemy 2.1.9 (CreateTable/CreateIndex
        // compiled for postgresql) for the same tables and conventions.
        let long: QualifiedName = "a_table_with_a_really_quite_remarkably_long_name_indeed".into();
        let accounts: QualifiedName = "accounts".into();
        let invoices = QualifiedName::new("billing", "invoices");
        let cols = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (pk, uq, fk, refs, n) = (
            cols(&["id", "org"]),
            cols(&["email_address_of_the_person", "org"]),
            cols(&["account_id", "org"]),
            cols(&["id", "org"]),
            cols(&["n"]),
        );
        let c = NamingConvention::sqlalchemy();
        assert_eq!(
            named(&c, &Subject::primary_key(&accounts, &pk)).unwrap(),
            "pk_accounts"
        );
        assert_eq!(
            named(&c, &Subject::unique(&long, &uq)).unwrap(),
            "uq_a_table_with_a_really_quite_remarkably_long_name_ind_111d"
        );
        assert_eq!(
            named(&c, &Subject::foreign_key(&long, &fk, &accounts, &refs)).unwrap(),
            "fk_a_table_with_a_really_quite_remarkably_long_name_ind_fd6a"
        );
        assert_eq!(
            named(&c, &Subject::check(&long, "org_positive")).unwrap(),
            "ck_a_table_with_a_really_quite_remarkably_long_name_ind_d280"
        );
        assert_eq!(
            named(&c, &Subject::index(&long, &uq)).unwrap(),
            "ix_a_table_with_a_really_quite_remarkably_long_name_ind_6501"
        );
        assert_eq!(
            named(&c, &Subject::index(&invoices, &n)).unwrap(),
            "ix_billing_invoices_n"
        );

        let c = NamingConvention::new()
            .index("ix_%(table_name)s_%(column_0_N_name)s")
            .unique("uq_%(table_name)s_%(column_0N_name)s")
            .foreign_key("fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s_%(referred_column_0_N_name)s")
            .primary_key("pk_%(table_name)s_%(column_0_N_label)s");
        assert!(c.problem().is_none());
        assert_eq!(
            named(&c, &Subject::primary_key(&accounts, &pk)).unwrap(),
            "pk_accounts_accounts_id_accounts_org"
        );
        assert_eq!(
            named(&c, &Subject::primary_key(&invoices, &cols(&["id"]))).unwrap(),
            "pk_invoices_billing_invoices_id"
        );
        assert_eq!(
            named(&c, &Subject::unique(&long, &uq)).unwrap(),
            "uq_a_table_with_a_really_quite_remarkably_long_name_ind_32b2"
        );
        assert_eq!(
            named(&c, &Subject::foreign_key(&long, &fk, &accounts, &refs)).unwrap(),
            "fk_a_table_with_a_really_quite_remarkably_long_name_ind_0349"
        );
        assert_eq!(
            named(&c, &Subject::index(&long, &uq)).unwrap(),
            "ix_a_table_with_a_really_quite_remarkably_long_name_ind_68ce"
        );
        assert_eq!(
            named(&c, &Subject::index(&invoices, &n)).unwrap(),
            "ix_invoices_n"
        );
        // No ck template: the check keeps the name it is given.
        assert_eq!(named(&c, &Subject::check(&long, "org_positive")), None);
    }

    #[test]
    fn columns_past_the_last_are_empty_and_percent_signs_escape() {
        let t: QualifiedName = "t".into();
        let c = NamingConvention::new().unique("uq_%(table_name)s_%(column_1_name)s_100%%");
        assert_eq!(
            named(&c, &Subject::unique(&t, &["a".into()])).unwrap(),
            "uq_t__100%"
        );
        assert_eq!(named(&c, &Subject::index(&t, &["a".into()])), None);
        // Outside `within`, no convention is in force.
        assert_eq!(conventional(&Subject::unique(&t, &["a".into()])), None);
    }

    #[test]
    fn a_check_template_without_its_name_leaves_checks_alone() {
        // SQLAlchemy 2.1.9 keeps a named check's name under `ck_%(table_name)s`.
        let t: QualifiedName = "users".into();
        let c = NamingConvention::new().check("ck_%(table_name)s");
        assert_eq!(named(&c, &Subject::check(&t, "age_positive")), None);
    }

    #[test]
    fn names_of_many_bytes_are_cut_to_63_bytes() {
        // 34 characters, 65 bytes: more than PostgreSQL keeps.
        let t: QualifiedName = "é".repeat(31).as_str().into();
        let name = named(
            &NamingConvention::sqlalchemy(),
            &Subject::primary_key(&t, &[]),
        )
        .unwrap();
        let (head, hash) = name.split_at(name.len() - 5);
        assert!(name.len() <= 63 && head.starts_with("pk_é"), "{name}");
        assert!(
            hash.starts_with('_') && hash[1..].chars().all(|c| c.is_ascii_hexdigit()),
            "{name}"
        );
    }

    #[test]
    fn the_convention_before_is_restored_after_a_panic() {
        let t: QualifiedName = "t".into();
        let outer = NamingConvention::new().primary_key("outer_%(table_name)s");
        within(Some(&outer), || {
            let inner = NamingConvention::new().primary_key("inner_%(table_name)s");
            let caught =
                std::panic::catch_unwind(|| within(Some(&inner), || panic!("in a revision")));
            assert!(caught.is_err());
            assert_eq!(
                conventional(&Subject::primary_key(&t, &[])).unwrap(),
                "outer_t"
            );
        });
    }

    #[test]
    fn expression_indexes_and_keys_built_column_by_column() {
        use crate::ops::{IndexDef, IndexKey, TableDef};
        // SQLAlchemy 2.1.9: Index(None, func.lower(users.c.email)) is
        // ix_users_email under ix_%(column_0_label)s; a primary key on two
        // columns is pk_t_a_b under pk_%(table_name)s_%(column_0_N_name)s.
        let c = NamingConvention::sqlalchemy();
        let index = within(Some(&c), || {
            IndexDef::new(
                "users".into(),
                vec![IndexKey::expr("lower(email::text)"), IndexKey::column("id")],
            )
        });
        assert_eq!(index.name, "ix_users_email");
        let c = NamingConvention::new().primary_key("pk_%(table_name)s_%(column_0_N_name)s");
        let table = within(Some(&c), || {
            let mut t = TableDef::new("t");
            t.column::<i64>("a").primary_key();
            t.column::<i64>("b").primary_key();
            t
        });
        assert_eq!(table.constraints[0].name(), "pk_t_a_b");
    }

    #[test]
    fn bad_templates_are_named() {
        let problem = |c: NamingConvention| c.problem().unwrap();
        assert_eq!(
            problem(NamingConvention::new().index("ix_%(colum_0_name)s")),
            "the ix template \"ix_%(colum_0_name)s\": unknown token %(colum_0_name)s (known: table_name, column_0_name, column_0_N_name, column_0N_name, column_0_label, column_0_key, referred_table_name, referred_column_0_name, constraint_name)"
        );
        assert_eq!(
            problem(NamingConvention::new().unique("uq_%(referred_table_name)s")),
            "the uq template \"uq_%(referred_table_name)s\": %(referred_table_name)s names what a foreign key references; only the fk template can use it"
        );
        assert_eq!(
            problem(NamingConvention::new().primary_key("pk_%(constraint_name)s")),
            "the pk template \"pk_%(constraint_name)s\": %(constraint_name)s is the name a constraint is given, and only check constraints are given one when they are created; name the others with .named(…)"
        );
        assert_eq!(
            problem(NamingConvention::new().index("ix_%(table_name)d")),
            "the ix template \"ix_%(table_name)d\": `%` at \"%(table_name)\" starts no `%(token)s` (write `%%` for a percent sign)"
        );
        assert!(
            problem(NamingConvention::new().index("ix_%(column_1_N_name)s"))
                .contains("start at column 0")
        );
    }
}
