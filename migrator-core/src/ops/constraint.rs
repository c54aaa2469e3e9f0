//! Table constraints: primary key, unique, check, foreign key and
//! exclusion (the last in `exclusion.rs`).

use super::exclusion::Exclusion;
use super::naming::{self, Subject};
use crate::ident::{QualifiedName, generated_name};

/// What a foreign key does when the referenced row is deleted or updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RefAction {
    /// `NO ACTION` (PostgreSQL's default): fail at the end of the statement.
    #[default]
    NoAction,
    /// `RESTRICT`: fail at once.
    Restrict,
    /// `CASCADE`: delete or update the referencing rows too.
    Cascade,
    /// `SET NULL`.
    SetNull,
    /// `SET DEFAULT`.
    SetDefault,
}

impl RefAction {
    /// The action as SQL writes it (`SET NULL`).
    pub fn sql(self) -> &'static str {
        match self {
            RefAction::NoAction => "NO ACTION",
            RefAction::Restrict => "RESTRICT",
            RefAction::Cascade => "CASCADE",
            RefAction::SetNull => "SET NULL",
            RefAction::SetDefault => "SET DEFAULT",
        }
    }
}

/// A table constraint.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Constraint {
    /// `PRIMARY KEY (…)`.
    PrimaryKey(PrimaryKey),
    /// `UNIQUE (…)`.
    Unique(Unique),
    /// `CHECK (…)`.
    Check(Check),
    /// `FOREIGN KEY (…) REFERENCES …`.
    ForeignKey(ForeignKey),
    /// `EXCLUDE USING method (element WITH operator, …)`.
    Exclusion(Exclusion),
}

impl Constraint {
    /// The constraint's name.
    pub fn name(&self) -> &str {
        match self {
            Self::PrimaryKey(c) => &c.name,
            Self::Unique(c) => &c.name,
            Self::Check(c) => &c.name,
            Self::ForeignKey(c) => &c.name,
            Self::Exclusion(c) => &c.name,
        }
    }

    /// The columns of its own table the constraint names (none for a check,
    /// whose expression is SQL, nor for an exclusion constraint, whose
    /// elements may be: see [`Exclusion::uses`]).
    pub fn columns(&self) -> &[String] {
        match self {
            Self::PrimaryKey(c) => &c.columns,
            Self::Unique(c) => &c.columns,
            Self::Check(_) | Self::Exclusion(_) => &[],
            Self::ForeignKey(c) => &c.columns,
        }
    }

    /// `DEFERRABLE [INITIALLY DEFERRED]`, if the constraint is deferrable
    /// (a check never is).
    pub fn deferrable(&self) -> Option<Deferral> {
        match self {
            Self::PrimaryKey(c) => c.deferrable,
            Self::Unique(c) => c.deferrable,
            Self::ForeignKey(c) => c.deferrable,
            Self::Exclusion(c) => c.deferrable,
            Self::Check(_) => None,
        }
    }

    /// Whether it was added `NOT VALID` and not validated since (only
    /// checks and foreign keys can be).
    pub fn not_valid(&self) -> bool {
        match self {
            Self::Check(c) => c.not_valid,
            Self::ForeignKey(c) => c.not_valid,
            Self::PrimaryKey(_) | Self::Unique(_) | Self::Exclusion(_) => false,
        }
    }

    /// The same constraint with its `NOT VALID` flag set to `flag` (primary
    /// keys, unique and exclusion constraints are always valid).
    pub(crate) fn with_not_valid(mut self, flag: bool) -> Self {
        match &mut self {
            Self::Check(c) => c.not_valid = flag,
            Self::ForeignKey(c) => c.not_valid = flag,
            Self::PrimaryKey(_) | Self::Unique(_) | Self::Exclusion(_) => {}
        }
        self
    }

    /// Whether PostgreSQL builds an index of its own for it, under its
    /// name (a primary key, a unique or an exclusion constraint).
    pub fn has_index(&self) -> bool {
        matches!(
            self,
            Self::PrimaryKey(_) | Self::Unique(_) | Self::Exclusion(_)
        )
    }

    /// A word for messages: `primary key`, `unique constraint`, ….
    pub fn kind(&self) -> &'static str {
        match self {
            Self::PrimaryKey(_) => "primary key",
            Self::Unique(_) => "unique constraint",
            Self::Check(_) => "check constraint",
            Self::ForeignKey(_) => "foreign key",
            Self::Exclusion(_) => "exclusion constraint",
        }
    }
}

macro_rules! variant_mut {
    ($($fn:ident => $variant:ident($ty:ident)),* $(,)?) => {$(
        /// The payload of one kind of constraint, for builders that just pushed it.
        pub(crate) fn $fn(c: &mut Constraint) -> Option<&mut $ty> {
            match c {
                Constraint::$variant(k) => Some(k),
                _ => None,
            }
        }
    )*};
}

variant_mut!(
    primary_key_mut => PrimaryKey(PrimaryKey),
    unique_mut => Unique(Unique),
    check_mut => Check(Check),
    foreign_key_mut => ForeignKey(ForeignKey),
    exclusion_mut => Exclusion(Exclusion),
);

/// A primary key. Default name: `<table>_pkey`, as PostgreSQL names it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PrimaryKey {
    /// The constraint's name.
    pub name: String,
    /// The key's columns, in order.
    pub columns: Vec<String>,
    /// `DEFERRABLE [INITIALLY DEFERRED]` (PostgreSQL); `None`: checked
    /// after each statement, always.
    pub deferrable: Option<Deferral>,
}

impl PrimaryKey {
    /// A primary key on `columns` of `table`, with the default name: the
    /// [naming convention](super::naming)'s in force, else `<table>_pkey`.
    pub fn new(table: impl Into<QualifiedName>, columns: Vec<String>) -> Self {
        let table = table.into();
        Self {
            name: naming::name_or(&Subject::primary_key(&table, &columns), || {
                generated_name(&[&table.name, "pkey"])
            }),
            columns,
            deferrable: None,
        }
    }

    /// Gives the constraint an explicit name.
    pub fn named(&mut self, name: impl Into<String>) -> &mut Self {
        self.name = name.into();
        self
    }
}

/// A unique constraint. Default name: `<table>_<columns>_key`, as PostgreSQL names it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Unique {
    /// The constraint's name.
    pub name: String,
    /// Its columns, in order.
    pub columns: Vec<String>,
    /// `DEFERRABLE [INITIALLY DEFERRED]` (PostgreSQL); `None`: checked
    /// after each statement, always.
    pub deferrable: Option<Deferral>,
}

impl Unique {
    /// A unique constraint on `columns` of `table`, with the default name:
    /// the [naming convention](super::naming)'s in force, else
    /// `<table>_<columns>_key`.
    pub fn new(table: impl Into<QualifiedName>, columns: Vec<String>) -> Self {
        let table = table.into();
        Self {
            name: naming::name_or(&Subject::unique(&table, &columns), || {
                column_name(&table.name, &columns, "key")
            }),
            columns,
            deferrable: None,
        }
    }

    /// Gives the constraint an explicit name.
    pub fn named(&mut self, name: impl Into<String>) -> &mut Self {
        self.name = name.into();
        self
    }
}

/// A check constraint; its expression is SQL written by the author.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Check {
    /// The constraint's name (always given by the author).
    pub name: String,
    /// The boolean SQL expression.
    pub expr: String,
    /// `NOT VALID`: existing rows are not checked until validated.
    pub not_valid: bool,
}

impl Check {
    /// A check constraint on `table` over an SQL expression, named `name`,
    /// or what the [naming convention](super::naming) in force makes of
    /// `name` (its `%(constraint_name)s`); `.named(…)` gives a name as
    /// written.
    pub fn new(
        table: impl Into<QualifiedName>,
        name: impl Into<String>,
        expr: impl Into<String>,
    ) -> Self {
        let (table, name) = (table.into(), name.into());
        Self {
            name: naming::name_or(&Subject::check(&table, &name), || name.clone()),
            expr: expr.into(),
            not_valid: false,
        }
    }

    /// Gives the constraint its name as written, whatever the naming
    /// convention.
    pub fn named(&mut self, name: impl Into<String>) -> &mut Self {
        self.name = name.into();
        self
    }

    /// Adds the constraint `NOT VALID` (only when adding it to an existing table).
    pub fn not_valid(&mut self) -> &mut Self {
        self.not_valid = true;
        self
    }
}

/// When a deferrable constraint is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deferral {
    /// `DEFERRABLE INITIALLY IMMEDIATE`: after each statement, unless a
    /// transaction defers it (`SET CONSTRAINTS … DEFERRED`).
    Immediate,
    /// `DEFERRABLE INITIALLY DEFERRED`: at commit.
    Deferred,
}

impl Deferral {
    /// The clause, as both engines write it.
    pub fn sql(self) -> &'static str {
        match self {
            Deferral::Immediate => "DEFERRABLE",
            Deferral::Deferred => "DEFERRABLE INITIALLY DEFERRED",
        }
    }
}

/// A foreign key. Default name: `<table>_<columns>_fkey`, as PostgreSQL names it.
///
/// ```
/// use migrator_core::prelude::*;
/// use migrator_core::render::{Postgres, Sqlite, render_sql};
/// let mut op = Ops::new();
/// op.create_table("nodes", |t| {
///     t.column::<i64>("id").primary_key();
///     t.column::<Option<i64>>("parent_id").references("nodes", "id").initially_deferred();
/// });
/// for sql in [render_sql(&Postgres, op.ops()).unwrap(), render_sql(&Sqlite, op.ops()).unwrap()] {
///     assert!(sql[0].contains("REFERENCES \"nodes\" (\"id\") DEFERRABLE INITIALLY DEFERRED"), "{sql:?}");
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ForeignKey {
    /// The constraint's name.
    pub name: String,
    /// The referencing columns of the constraint's table.
    pub columns: Vec<String>,
    /// The referenced table.
    pub ref_table: QualifiedName,
    /// The referenced columns (a primary key or unique constraint's columns).
    pub ref_columns: Vec<String>,
    /// `ON DELETE`.
    pub on_delete: RefAction,
    /// `ON UPDATE`.
    pub on_update: RefAction,
    /// `NOT VALID`: existing rows are not checked until validated.
    pub not_valid: bool,
    /// `DEFERRABLE [INITIALLY DEFERRED]`; `None`: checked after each
    /// statement, always.
    pub deferrable: Option<Deferral>,
}

impl ForeignKey {
    /// A foreign key from `columns` of `table` to `ref_columns` of
    /// `ref_table`, with the default name: the [naming
    /// convention](super::naming)'s in force, else `<table>_<columns>_fkey`.
    pub fn new(
        table: impl Into<QualifiedName>,
        columns: Vec<String>,
        ref_table: QualifiedName,
        ref_columns: Vec<String>,
    ) -> Self {
        let table = table.into();
        let subject = Subject::foreign_key(&table, &columns, &ref_table, &ref_columns);
        Self {
            name: naming::name_or(&subject, || column_name(&table.name, &columns, "fkey")),
            columns,
            ref_table,
            ref_columns,
            on_delete: RefAction::NoAction,
            on_update: RefAction::NoAction,
            not_valid: false,
            deferrable: None,
        }
    }

    /// Gives the constraint an explicit name.
    pub fn named(&mut self, name: impl Into<String>) -> &mut Self {
        self.name = name.into();
        self
    }

    /// `ON DELETE action`.
    pub fn on_delete(&mut self, action: RefAction) -> &mut Self {
        self.on_delete = action;
        self
    }

    /// `ON UPDATE action`.
    pub fn on_update(&mut self, action: RefAction) -> &mut Self {
        self.on_update = action;
        self
    }

    /// Adds the constraint `NOT VALID` (only when adding it to an existing table).
    pub fn not_valid(&mut self) -> &mut Self {
        self.not_valid = true;
        self
    }
}

macro_rules! deferrable {
    ($($ty:ident),*) => {$(
        impl $ty {
            /// `DEFERRABLE`: a transaction may defer the check to its commit
            /// (`SET CONSTRAINTS … DEFERRED`).
            pub fn deferrable(&mut self) -> &mut Self {
                self.deferrable = Some(Deferral::Immediate);
                self
            }

            /// `DEFERRABLE INITIALLY DEFERRED`: checked at commit, so rows
            /// can break it in between (swapped keys, rows that reference
            /// each other inserted in any order).
            pub fn initially_deferred(&mut self) -> &mut Self {
                self.deferrable = Some(Deferral::Deferred);
                self
            }
        }
    )*};
}

deferrable!(PrimaryKey, Unique, ForeignKey);
pub(super) use deferrable;

fn column_name(table: &str, columns: &[String], suffix: &str) -> String {
    let mut parts: Vec<&str> = vec![table];
    parts.extend(columns.iter().map(String::as_str));
    parts.push(suffix);
    generated_name(&parts)
}

/// Turns a list of column names given as `["a", "b"]`, `vec![…]` or `&[…]` into owned strings.
pub(crate) fn names<I, S>(columns: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    columns.into_iter().map(Into::into).collect()
}
