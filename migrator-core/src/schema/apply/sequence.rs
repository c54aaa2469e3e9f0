//! Sequences of their own: created (in the relation namespace), altered,
//! dropped (unless a default still draws from one) and renamed.

use super::{E, Result, canon};
use crate::ident::{QualifiedName, check_ident};
use crate::ops::{AlterSequence, CreateSequence, DropSequence, RenameSequence};
use crate::schema::Schema;
use crate::types::{ColumnType, DefaultValue};

/// Why a sequence of `def`'s type and options cannot exist, if it cannot.
fn check(def: &CreateSequence) -> Result {
    let invalid = |reason: String| E::InvalidSequence {
        name: def.name.clone(),
        reason,
    };
    match def.ty() {
        ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt => {}
        other => {
            return Err(invalid(format!(
                "a sequence is smallint, integer or bigint, not {other:?}"
            )));
        }
    }
    match def.options.problem(&def.ty()) {
        Some(problem) => Err(invalid(problem)),
        None => Ok(()),
    }
}

/// Whether the SQL of a default draws from sequence `name`:
/// `nextval('name')`, `nextval('schema.name'::regclass)`, quoted or not.
fn draws_from(sql: &str, name: &QualifiedName) -> bool {
    let squashed: String = sql
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '"')
        .collect::<String>()
        .to_lowercase();
    let local = name.name.to_lowercase();
    let qualified = format!("{}.{local}", name.schema_name().to_lowercase());
    squashed.contains("nextval(")
        && (squashed.contains(&format!("'{local}'"))
            || squashed.contains(&format!("'{qualified}'")))
}

impl Schema {
    fn sequence_ref(&self, name: &QualifiedName) -> Result<&CreateSequence> {
        self.sequences
            .get(&name.key())
            .ok_or_else(|| E::SequenceNotFound(name.clone()))
    }

    pub(super) fn create_sequence(&mut self, o: &CreateSequence) -> Result {
        let (schema, name) = o.name.key();
        check_ident(&name)?;
        self.need_schema(&schema)?;
        self.relation_free(&schema, &name)?;
        let def = CreateSequence {
            name: canon(&o.name),
            as_type: o.as_type.clone().filter(|t| *t != ColumnType::BigInt),
            options: o.options.canonical(&o.ty()),
        };
        check(o)?;
        self.sequences.insert((schema, name), def);
        Ok(())
    }

    pub(super) fn alter_sequence(&mut self, o: &AlterSequence) -> Result {
        let def = self.sequence_ref(&o.name)?;
        if o.is_empty() {
            return Err(E::InvalidSequence {
                name: o.name.clone(),
                reason: "alter_sequence changes nothing; chain the options to set (.increment(n), .restart(n), …)".into(),
            });
        }
        let after = o.applied_to(def);
        check(&after)?;
        if let Some(reason) = o.change().restart_problem(&after.options, &after.ty()) {
            return Err(E::InvalidSequence {
                name: o.name.clone(),
                reason,
            });
        }
        self.sequences.insert(o.name.key(), after);
        Ok(())
    }

    pub(super) fn drop_sequence(&mut self, o: &DropSequence) -> Result {
        self.sequence_ref(&o.name)?;
        let user = self.tables.values().find_map(|t| {
            t.columns.iter().find_map(|c| match &c.default {
                Some(DefaultValue::Expr(sql)) if draws_from(sql, &o.name) => Some(format!(
                    "the default of column {} of table {}",
                    c.name, t.name
                )),
                _ => None,
            })
        });
        if let Some(user) = user {
            return Err(E::InvalidSequence {
                name: o.name.clone(),
                reason: format!(
                    "{user} draws from it, so PostgreSQL cannot drop it; change that default first"
                ),
            });
        }
        self.sequences.remove(&o.name.key());
        Ok(())
    }

    pub(super) fn rename_sequence(&mut self, o: &RenameSequence) -> Result {
        let mut def = self.sequence_ref(&o.name)?.clone();
        check_ident(&o.to)?;
        let (schema, _) = o.name.key();
        self.relation_free(&schema, &o.to)?;
        self.sequences.remove(&o.name.key());
        def.name = canon(&o.name.sibling(o.to.clone()));
        self.sequences.insert((schema, o.to.clone()), def);
        Ok(())
    }
}
