//! A primary key or unique constraint made from an index that exists
//! (`ADD CONSTRAINT … USING INDEX`): the index, built beforehand with
//! `CONCURRENTLY`, becomes the constraint's, so the table is locked only
//! for the moment it takes to attach it.

use crate::ident::QualifiedName;

/// Which key an index becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// `PRIMARY KEY USING INDEX`: its columns must be `NOT NULL`.
    PrimaryKey,
    /// `UNIQUE USING INDEX`.
    Unique,
}

/// `ALTER TABLE table ADD CONSTRAINT name {PRIMARY KEY | UNIQUE} USING
/// INDEX index`: the index (unique, b-tree, on plain columns, not
/// partial) becomes the constraint's and takes its name.
///
/// ```
/// use migrator_core::prelude::*;
/// use migrator_core::render::{Postgres, render_sql};
/// use migrator_core::schema::Schema;
/// let mut op = Ops::new();
/// op.create_table("users", |t| { t.column::<String>("email"); });
/// op.create_index("users", ["email"]).unique().concurrently();
/// op.add_unique_using_index("users", "ix_users_email").named("users_email_key");
/// let sql = render_sql(&Postgres, op.ops()).unwrap();
/// assert_eq!(sql[2], "ALTER TABLE \"users\" ADD CONSTRAINT \"users_email_key\" UNIQUE USING INDEX \"ix_users_email\"");
/// let schema = Schema::replay(op.ops()).unwrap();
/// assert!(schema.index(&"ix_users_email".into()).is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AddKeyUsingIndex {
    /// The table.
    pub table: QualifiedName,
    /// The index that becomes the key's (in the table's schema).
    pub index: String,
    /// Primary key or unique constraint.
    pub kind: KeyKind,
    /// The constraint's name (default: the index's; the index is renamed
    /// to it).
    pub name: Option<String>,
}

impl AddKeyUsingIndex {
    /// Names the constraint (the index is renamed to it).
    pub fn named(&mut self, name: impl Into<String>) -> &mut Self {
        self.name = Some(name.into());
        self
    }

    /// The constraint's name: the one given, else the index's.
    pub fn constraint_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.index)
    }
}
