//! Table definitions and the builder `create_table` hands its closure.

use super::column::{ColumnDef, ColumnOptions};
use super::constraint::{
    Check, Constraint, ForeignKey, PrimaryKey, Unique, check_mut, exclusion_mut, foreign_key_mut,
    names, primary_key_mut, unique_mut,
};
use super::exclusion::{ExcludeElement, Exclusion};
use crate::ident::QualifiedName;
use crate::types::{ColumnType, ColumnTypeOf};

/// A table: its columns in order, its constraints and its comment.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TableDef {
    /// The table's name.
    pub name: QualifiedName,
    /// Its columns, in order.
    pub columns: Vec<ColumnDef>,
    /// Its constraints.
    pub constraints: Vec<Constraint>,
    /// Its comment, if any.
    pub comment: Option<String>,
}

impl TableDef {
    /// An empty table definition.
    pub fn new(name: impl Into<QualifiedName>) -> Self {
        Self {
            name: name.into(),
            columns: Vec::new(),
            constraints: Vec::new(),
            comment: None,
        }
    }

    /// Adds a column whose type and nullability come from a Rust type:
    /// `t.column::<Option<String>>("bio")` is a nullable `text`.
    pub fn column<T: ColumnTypeOf>(&mut self, name: impl Into<String>) -> ColumnBuilder<'_> {
        self.push_column(ColumnDef::of::<T>(name))
    }

    /// Adds a `NOT NULL` column of an explicit type:
    /// `t.column_as("amount", ColumnType::numeric(10, 2))`.
    pub fn column_as(&mut self, name: impl Into<String>, ty: ColumnType) -> ColumnBuilder<'_> {
        self.push_column(ColumnDef::new(name, ty))
    }

    fn push_column(&mut self, column: ColumnDef) -> ColumnBuilder<'_> {
        self.columns.push(column);
        let index = self.columns.len() - 1;
        ColumnBuilder { table: self, index }
    }

    /// The table's primary key on `columns` (composite when several).
    pub fn primary_key<I, S>(&mut self, columns: I) -> &mut PrimaryKey
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let key = PrimaryKey::new(&self.name, names(columns));
        self.constraints
            .retain(|c| !matches!(c, Constraint::PrimaryKey(_)));
        self.push_constraint(Constraint::PrimaryKey(key), primary_key_mut)
    }

    /// A unique constraint on `columns`.
    pub fn unique<I, S>(&mut self, columns: I) -> &mut Unique
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let unique = Unique::new(&self.name, names(columns));
        self.push_constraint(Constraint::Unique(unique), unique_mut)
    }

    /// A check constraint named `name` over an SQL expression.
    pub fn check(&mut self, name: impl Into<String>, expr: impl Into<String>) -> &mut Check {
        let check = Check::new(&self.name, name, expr);
        self.push_constraint(Constraint::Check(check), check_mut)
    }

    /// A foreign key from `columns` to `ref_columns` of `ref_table`.
    pub fn foreign_key<I, S, J, T>(
        &mut self,
        columns: I,
        ref_table: impl Into<QualifiedName>,
        ref_columns: J,
    ) -> &mut ForeignKey
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        J: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let key = ForeignKey::new(
            &self.name,
            names(columns),
            ref_table.into(),
            names(ref_columns),
        );
        self.push_foreign_key(key)
    }

    /// An exclusion constraint over `elements` (a column or an
    /// [`IndexKey`](super::IndexKey) with its operator each), using GiST;
    /// see [`OpBuilder::add_exclusion`](super::OpBuilder::add_exclusion).
    ///
    /// ```
    /// use migrator_core::prelude::*;
    /// use migrator_core::render::{Postgres, render_sql};
    /// let mut op = Ops::new();
    /// op.create_table("slots", |t| {
    ///     t.column_as("during", ColumnType::Custom("tsrange".into()));
    ///     t.exclude([("during", "&&")]);
    /// });
    /// let sql = render_sql(&Postgres, op.ops()).unwrap();
    /// assert!(sql[0].contains("CONSTRAINT \"slots_during_excl\" EXCLUDE USING gist (\"during\" WITH &&)"));
    /// ```
    pub fn exclude<I, E>(&mut self, elements: I) -> &mut Exclusion
    where
        I: IntoIterator<Item = E>,
        E: Into<ExcludeElement>,
    {
        let exclusion = Exclusion::new(
            &self.name.name,
            elements.into_iter().map(Into::into).collect(),
        );
        self.push_constraint(Constraint::Exclusion(exclusion), exclusion_mut)
    }

    fn push_foreign_key(&mut self, key: ForeignKey) -> &mut ForeignKey {
        self.push_constraint(Constraint::ForeignKey(key), foreign_key_mut)
    }

    /// A comment on the table.
    pub fn comment(&mut self, text: impl Into<String>) -> &mut Self {
        self.comment = Some(text.into());
        self
    }

    fn push_constraint<T>(
        &mut self,
        constraint: Constraint,
        get: fn(&mut Constraint) -> Option<&mut T>,
    ) -> &mut T {
        self.constraints.push(constraint);
        let last = self
            .constraints
            .last_mut()
            .expect("a constraint was just pushed");
        get(last).expect("the constraint just pushed is of the requested kind")
    }

    /// The column named `name`.
    pub fn find_column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The constraint named `name`.
    pub fn find_constraint(&self, name: &str) -> Option<&Constraint> {
        self.constraints.iter().find(|c| c.name() == name)
    }

    /// The primary key, if the table has one.
    pub fn primary_key_constraint(&self) -> Option<&PrimaryKey> {
        self.constraints.iter().find_map(|c| match c {
            Constraint::PrimaryKey(k) => Some(k),
            _ => None,
        })
    }
}

/// A column being defined inside `create_table`: the [`ColumnOptions`] plus
/// column-level constraints (`primary_key`, `unique`, `references`), which
/// are recorded as table constraints with the default names (PostgreSQL's,
/// or the [naming convention](super::naming)'s in force).
pub struct ColumnBuilder<'a> {
    table: &'a mut TableDef,
    index: usize,
}

impl ColumnOptions for ColumnBuilder<'_> {
    fn column_def(&mut self) -> &mut ColumnDef {
        &mut self.table.columns[self.index]
    }
}

impl ColumnBuilder<'_> {
    fn name(&self) -> String {
        self.table.columns[self.index].name.clone()
    }

    /// Makes the column (part of) the primary key; it becomes `NOT NULL`.
    pub fn primary_key(&mut self) -> &mut Self {
        let name = self.name();
        self.column_def().nullable = false;
        let existing = self.table.constraints.iter_mut().find_map(primary_key_mut);
        match existing {
            Some(key) => {
                // Named after its columns while it still has its default name.
                let default = PrimaryKey::new(&self.table.name, key.columns.clone()).name;
                key.columns.push(name);
                if key.name == default {
                    key.name = PrimaryKey::new(&self.table.name, key.columns.clone()).name;
                }
            }
            None => {
                let key = PrimaryKey::new(&self.table.name, vec![name]);
                self.table.constraints.push(Constraint::PrimaryKey(key));
            }
        }
        self
    }

    /// A unique constraint on this column alone.
    pub fn unique(&mut self) -> &mut Self {
        let name = self.name();
        self.table.unique([name]);
        self
    }

    /// A foreign key from this column to `column` of `table`; returns the key
    /// so that `on_delete`/`on_update` can follow.
    pub fn references(
        &mut self,
        table: impl Into<QualifiedName>,
        column: impl Into<String>,
    ) -> &mut ForeignKey {
        let name = self.name();
        self.table.foreign_key([name], table, [column.into()])
    }
}
