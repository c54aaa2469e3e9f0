//! Replaying one op onto the model: validate everything, then change it.
//!
//! Each handler checks before it mutates, so a failed op leaves the schema
//! unchanged. The handlers live by object kind: `namespace.rs` (schemas),
//! `table.rs`, `column.rs`, `constraint.rs`, `index.rs`, `enums.rs` and
//! `view.rs`; here are the dispatch over [`Op`] and what they share. Before
//! any op's own handler, `view.rs` refuses what would break a view that
//! reads what the op drops or retypes, and after it rewrites the views
//! that read what the op renamed.

mod column;
mod constraint;
mod enums;
mod extension;
mod function;
mod index;
mod namespace;
mod rows;
mod sequence;
mod table;
mod trigger;
mod view;

use std::collections::BTreeSet;

use super::error::ValidationError as E;
use super::{Key, Schema};
use crate::ident::QualifiedName;
use crate::ops::{ColumnDef, Constraint, ForeignKey, Op, TableDef};
use crate::types::ColumnType;

type Result<T = ()> = std::result::Result<T, E>;

/// The canonical form of a name: `public` left implicit.
fn canon(name: &QualifiedName) -> QualifiedName {
    let (schema, name) = name.key();
    QualifiedName::from_key(&schema, &name)
}

fn canon_type(ty: &ColumnType) -> ColumnType {
    match ty {
        ColumnType::Enum(name) => ColumnType::Enum(canon(name)),
        ColumnType::Array(element) => ColumnType::array(canon_type(element)),
        other => other.clone(),
    }
}

/// PostgreSQL stores an empty comment as no comment.
fn canon_comment(comment: &Option<String>) -> Option<String> {
    comment.clone().filter(|c| !c.is_empty())
}

fn canon_column(column: &ColumnDef) -> ColumnDef {
    ColumnDef {
        ty: canon_type(&column.ty),
        comment: canon_comment(&column.comment),
        identity_options: column.identity_options.canonical(&column.ty),
        ..column.clone()
    }
}

fn canon_constraint(constraint: &Constraint) -> Constraint {
    match constraint {
        Constraint::ForeignKey(fk) => Constraint::ForeignKey(ForeignKey {
            ref_table: canon(&fk.ref_table),
            ..fk.clone()
        }),
        Constraint::Exclusion(x) => Constraint::Exclusion(x.canonical()),
        other => other.clone(),
    }
}

fn no_duplicates(what: impl Fn() -> String, columns: &[String]) -> Result {
    let mut seen = BTreeSet::new();
    for column in columns {
        if !seen.insert(column) {
            return Err(E::DuplicateColumn {
                what: what(),
                column: column.clone(),
            });
        }
    }
    Ok(())
}

fn column_exists(table: &TableDef, column: &str) -> Result {
    match table.find_column(column) {
        Some(_) => Ok(()),
        None => Err(E::ColumnNotFound {
            table: table.name.clone(),
            column: column.to_owned(),
        }),
    }
}

/// Refuses text PostgreSQL cannot hold: it stores no NUL byte in text, and
/// a statement with one cannot even be sent.
fn no_nul(text: &str, what: impl FnOnce() -> String) -> Result {
    if text.contains('\0') {
        Err(E::NulByte { what: what() })
    } else {
        Ok(())
    }
}

fn sets_equal(a: &[String], b: &[String]) -> bool {
    a.iter().collect::<BTreeSet<_>>() == b.iter().collect::<BTreeSet<_>>()
}

impl Schema {
    /// Applies one op: the model changes as the database would, or the op is
    /// refused with the reason and the model is left unchanged. Raw SQL and
    /// Rust data steps are opaque to the model and change nothing; a block
    /// for one engine replays only on a schema of that engine.
    pub fn apply(&mut self, op: &Op) -> Result {
        let result = self.apply_op(op);
        // Whatever the op changed, even when it failed half way.
        self.refresh_key_names(op);
        result
    }

    fn apply_op(&mut self, op: &Op) -> Result {
        self.views_allow(op)?;
        let rewrites = self.view_rewrites(op);
        self.apply_own(op)?;
        self.rewrite_views(rewrites);
        Ok(())
    }

    fn apply_own(&mut self, op: &Op) -> Result {
        match op {
            Op::CreateIndex(o) if self.views.contains_key(&o.index.table.key()) => {
                self.create_view_index(o)
            }
            Op::CreateSchema(o) => self.create_schema(o),
            Op::DropSchema(o) => self.drop_schema(o),
            Op::CreateTable(o) => self.create_table(o),
            // The sequences a table's columns own go with it, and follow
            // its renames (sequence.rs).
            Op::DropTable(o) => {
                let owned = self.owned_sequences_going(&o.name, None)?;
                self.drop_table(o)?;
                self.forget_sequences(&owned);
                Ok(())
            }
            Op::RenameTable(o) => {
                self.rename_table(o)?;
                self.owners_follow_table(&o.name, &o.to);
                Ok(())
            }
            Op::SetTableComment(o) => self.set_table_comment(o),
            Op::AddColumn(o) => self.add_column(o),
            Op::DropColumn(o) => {
                let owned = self.owned_sequences_going(&o.table, Some(&o.column))?;
                self.drop_column(o)?;
                self.forget_sequences(&owned);
                Ok(())
            }
            Op::RenameColumn(o) => {
                self.rename_column(o)?;
                self.owners_follow_column(&o.table, &o.from, &o.to);
                Ok(())
            }
            Op::AlterColumn(o) => self.alter_column(o),
            Op::CreateIndex(o) => self.create_index(o),
            Op::DropIndex(o) => self.drop_index(o),
            Op::AddConstraint(o) => self.add_constraint(o),
            Op::DropConstraint(o) => self.drop_constraint(o),
            Op::AddKeyUsingIndex(o) => self.add_key_using_index(o),
            Op::ValidateConstraint(o) => self.validate_constraint(o),
            Op::CreateEnum(o) => self.create_enum(o),
            Op::AddEnumValue(o) => self.add_enum_value(o),
            Op::RenameEnumValue(o) => self.rename_enum_value(o),
            Op::DropEnum(o) => self.drop_enum(o),
            Op::Execute(o) if o.declares.is_empty() => Ok(()),
            Op::Execute(o) => {
                // All of what it declares or nothing of it.
                let mut after = self.clone();
                for inner in &o.declares {
                    if matches!(inner, Op::Execute(_) | Op::DataStep(_) | Op::BulkInsert(_)) {
                        return Err(E::NotADeclaration(inner.describe()));
                    }
                    after.apply(inner)?;
                }
                *self = after;
                Ok(())
            }
            Op::DataStep(_) => Ok(()),
            Op::OnEngine(o) if self.engine == Some(o.engine) => {
                // All of the block or nothing of it.
                let mut after = self.clone();
                for inner in &o.ops {
                    after.apply(inner)?;
                }
                *self = after;
                Ok(())
            }
            Op::OnEngine(_) => Ok(()),
            Op::CreateExtension(o) => self.create_extension(o),
            Op::BulkInsert(o) => self.bulk_insert(o),
            Op::DropExtension(o) => self.drop_extension(o),
            Op::CreateFunction(o) => self.create_function(o),
            Op::DropFunction(o) => self.drop_function(o),
            Op::CreateTrigger(o) => self.create_trigger(o),
            Op::DropTrigger(o) => self.drop_trigger(o),
            Op::CreateView(o) => self.create_view(o),
            Op::DropView(o) => self.drop_view(o),
            Op::RenameView(o) => self.rename_view(o),
            Op::RefreshMaterializedView(o) => self.refresh_materialized_view(o),
            Op::CreateSequence(o) => self.create_sequence(o),
            Op::AlterSequence(o) => self.alter_sequence(o),
            Op::DropSequence(o) => self.drop_sequence(o),
            Op::RenameSequence(o) => self.rename_sequence(o),
        }
    }

    fn need_schema(&self, schema: &str) -> Result {
        if self.schemas.contains(schema) {
            Ok(())
        } else {
            Err(E::SchemaNotFound(schema.to_owned()))
        }
    }

    pub(super) fn table_ref(&self, name: &QualifiedName) -> Result<&TableDef> {
        self.tables
            .get(&name.key())
            .ok_or_else(|| E::TableNotFound(name.clone()))
    }

    fn table_mut(&mut self, name: &QualifiedName) -> Result<&mut TableDef> {
        self.tables
            .get_mut(&name.key())
            .ok_or_else(|| E::TableNotFound(name.clone()))
    }

    /// What holds `name` among the relations of `schema` (tables, indexes and
    /// the indexes behind primary keys and unique constraints), if anything.
    fn relation_kind(&self, schema: &str, name: &str) -> Option<&'static str> {
        let key: Key = (schema.to_owned(), name.to_owned());
        if self.tables.contains_key(&key) {
            return Some("table");
        }
        if self.indexes.contains_key(&key) {
            return Some("index");
        }
        if let Some(view) = self.views.get(&key) {
            return Some(if view.materialized {
                "materialized view"
            } else {
                "view"
            });
        }
        if self.sequences.contains_key(&key) {
            return Some("sequence");
        }
        self.key_names.get(&key).copied()
    }

    /// Brings the names of key indexes up to date with the tables `op`
    /// touches.
    fn refresh_key_names(&mut self, op: &Op) {
        let touched: Vec<Key> = match op {
            Op::CreateTable(o) => vec![o.table.name.key()],
            Op::DropTable(o) => vec![o.name.key()],
            Op::RenameTable(o) => vec![o.name.key(), o.name.sibling(o.to.clone()).key()],
            Op::AddColumn(o) => vec![o.table.key()],
            Op::DropColumn(o) => vec![o.table.key()],
            Op::RenameColumn(o) => vec![o.table.key()],
            Op::AlterColumn(o) => vec![o.table.key()],
            Op::AddConstraint(o) => vec![o.table.key()],
            Op::DropConstraint(o) => vec![o.table.key()],
            Op::AddKeyUsingIndex(o) => vec![o.table.key()],
            Op::DropSchema(o) => self
                .key_names_of
                .keys()
                .filter(|(schema, _)| *schema == o.name)
                .cloned()
                .collect(),
            _ => Vec::new(),
        };
        for table in touched {
            for name in self.key_names_of.remove(&table).unwrap_or_default() {
                self.key_names.remove(&name);
            }
            let Some(def) = self.tables.get(&table) else {
                continue;
            };
            let mut names = Vec::new();
            for c in &def.constraints {
                let kind = match c {
                    Constraint::PrimaryKey(_) => "index of primary key",
                    Constraint::Unique(_) => "index of unique constraint",
                    Constraint::Exclusion(_) => "index of exclusion constraint",
                    _ => continue,
                };
                let name = (table.0.clone(), c.name().to_owned());
                self.key_names.insert(name.clone(), kind);
                names.push(name);
            }
            if !names.is_empty() {
                // In name order, so that two schemas with the same tables
                // compare equal whatever order their constraints came in.
                names.sort();
                self.key_names_of.insert(table, names);
            }
        }
    }

    fn relation_free(&self, schema: &str, name: &str) -> Result {
        match self.relation_kind(schema, name) {
            Some(kind) => Err(E::NameTaken {
                kind,
                name: name.to_owned(),
                schema: schema.to_owned(),
            }),
            None => Ok(()),
        }
    }

    /// Tables and enums share PostgreSQL's type namespace.
    fn type_free(&self, schema: &str, name: &str) -> Result {
        let key: Key = (schema.to_owned(), name.to_owned());
        let kind = if self.enums.contains_key(&key) {
            "enum"
        } else if self.tables.contains_key(&key) {
            "table (and its row type)"
        } else if self.views.contains_key(&key) {
            "view (and its row type)"
        } else {
            return Ok(());
        };
        Err(E::NameTaken {
            kind,
            name: name.to_owned(),
            schema: schema.to_owned(),
        })
    }
}
