//! Index definitions.

use crate::ident::{QualifiedName, generated_name};

/// An index access method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IndexMethod {
    /// B-tree, the default: equality, ranges, ordering, uniqueness.
    #[default]
    BTree,
    /// Hash: equality only.
    Hash,
    /// GIN: arrays, jsonb, full-text search.
    Gin,
    /// GiST: geometric types, ranges, nearest-neighbour.
    Gist,
    /// BRIN: block ranges of naturally ordered large tables.
    Brin,
}

impl IndexMethod {
    /// The method's name as PostgreSQL spells it (`btree`, `gin`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BTree => "btree",
            Self::Hash => "hash",
            Self::Gin => "gin",
            Self::Gist => "gist",
            Self::Brin => "brin",
        }
    }
}

/// An index. Its default name is `ix_<table>_<columns>`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct IndexDef {
    /// The index's name; it lives in its table's schema.
    pub name: String,
    /// The indexed table.
    pub table: QualifiedName,
    /// The key columns, in order.
    pub columns: Vec<String>,
    /// `UNIQUE`.
    pub unique: bool,
    /// `USING method`.
    pub method: IndexMethod,
    /// `WHERE predicate` of a partial index: SQL written by the author.
    pub predicate: Option<String>,
    /// `INCLUDE (…)`: non-key columns stored in the index.
    pub include: Vec<String>,
}

impl IndexDef {
    /// A b-tree index on `columns` of `table`, with the default name.
    pub fn new(table: QualifiedName, columns: Vec<String>) -> Self {
        let mut parts: Vec<&str> = vec!["ix", &table.name];
        parts.extend(columns.iter().map(String::as_str));
        Self {
            name: generated_name(&parts),
            table,
            columns,
            unique: false,
            method: IndexMethod::BTree,
            predicate: None,
            include: Vec::new(),
        }
    }

    /// The index's qualified name: its table's schema and its own name.
    pub fn qualified_name(&self) -> QualifiedName {
        self.table.sibling(self.name.clone())
    }
}
