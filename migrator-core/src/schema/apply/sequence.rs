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

/// The string literals of `sql`: the byte range of each, quotes included,
/// and its text (`''` read as `'`).
fn literals(sql: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\'' {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        let mut text = Vec::new();
        loop {
            match bytes.get(i) {
                None => return out,
                Some(b'\'') if bytes.get(i + 1) == Some(&b'\'') => {
                    text.push(b'\'');
                    i += 2;
                }
                Some(b'\'') => break,
                Some(b) => {
                    text.push(*b);
                    i += 1;
                }
            }
        }
        i += 1;
        out.push((start..i, String::from_utf8_lossy(&text).into_owned()));
    }
    out
}

/// Whether the text of a literal names sequence `name`: `name`,
/// `schema.name`, quoted or not.
fn names(text: &str, name: &QualifiedName) -> bool {
    let squashed: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '"')
        .collect::<String>()
        .to_lowercase();
    let local = name.name.to_lowercase();
    squashed == local || squashed == format!("{}.{local}", name.schema_name().to_lowercase())
}

/// Whether the SQL of a default draws from sequence `name`:
/// `nextval('name')`, `nextval('schema.name'::regclass)`, quoted or not.
fn draws_from(sql: &str, name: &QualifiedName) -> bool {
    sql.to_lowercase().contains("nextval(")
        && literals(sql).iter().any(|(_, text)| names(text, name))
}

/// `sql` with each string literal that names sequence `old` naming `new`
/// instead: PostgreSQL keeps the sequence of a `nextval('name'::regclass)`
/// default by its oid, so after a rename the default reads back with the
/// new name.
fn renamed_in(sql: &str, old: &QualifiedName, new: &QualifiedName) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut at = 0;
    for (range, text) in literals(sql) {
        if names(&text, old) {
            out.push_str(&sql[at..range.start]);
            out.push_str(&crate::ident::quote_literal(&new.to_sql()));
            at = range.end;
        }
    }
    out.push_str(&sql[at..]);
    out
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
        if let Some(n) = o.restart {
            let (_, _, min, max, _, _) = after.options.resolved(&after.ty());
            if n < min || n > max {
                return Err(E::InvalidSequence {
                    name: o.name.clone(),
                    reason: format!(
                        "RESTART value ({n}) cannot be {} {} ({})",
                        if n < min { "less than" } else { "greater than" },
                        if n < min { "MINVALUE" } else { "MAXVALUE" },
                        if n < min { min } else { max }
                    ),
                });
            }
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
        let renamed = o.name.sibling(o.to.clone());
        // The defaults that draw from it follow it, as PostgreSQL's do.
        for table in self.tables.values_mut() {
            for column in &mut table.columns {
                if let Some(DefaultValue::Expr(sql)) = &mut column.default
                    && draws_from(sql, &o.name)
                {
                    *sql = renamed_in(sql, &o.name, &renamed);
                }
            }
        }
        def.name = canon(&renamed);
        self.sequences.insert((schema, o.to.clone()), def);
        Ok(())
    }
}
