//! Sequences of their own: created (in the relation namespace), altered,
//! dropped (unless a default still draws from one) and renamed.

use super::{E, Result, canon, column_exists};
use crate::ident::{QualifiedName, check_ident};
use crate::ops::{AlterSequence, CreateSequence, DropSequence, RenameSequence, SequenceOwner};
use crate::schema::Key;
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
    match parts(text).as_slice() {
        [local] => *local == name.name,
        [schema, local] => *local == name.name && schema == name.schema_name(),
        _ => false,
    }
}

/// The parts of a (maybe qualified) name as `regclass` reads it: quoted
/// parts as written (`""` read as `"`), unquoted ones folded to lower case.
fn parts(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.trim().chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                    } else {
                        break;
                    }
                }
                part.push(c);
            }
        } else {
            while let Some(c) = chars.next_if(|c| *c != '.') {
                part.push(c);
            }
            part = part.trim().to_lowercase();
        }
        out.push(part);
        match chars.next() {
            Some('.') => {}
            _ => return out,
        }
    }
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

/// A column whose default draws from the sequence it owns is what a serial
/// is in PostgreSQL's catalog, and a catalog read back could not tell them
/// apart: refused, pointing at the serial types.
fn serial_like(name: &QualifiedName, table: &QualifiedName, column: &str) -> E {
    E::InvalidSequence {
        name: name.clone(),
        reason: format!(
            "column {column} of table {table} would own it and draw its default from it, which is what a serial column is (and how the database reads back); declare the column ColumnType::Serial or BigSerial, or an identity, instead"
        ),
    }
}

/// `owner` with its table's name in the model's one spelling.
fn canon_owner(owner: &SequenceOwner) -> SequenceOwner {
    SequenceOwner {
        table: canon(&owner.table),
        column: owner.column.clone(),
    }
}

impl Schema {
    /// Refuses an owner PostgreSQL refuses for sequence `name`: the column
    /// must exist, in a table of the sequence's schema.
    fn check_owner(&self, name: &QualifiedName, owner: &SequenceOwner) -> Result {
        let table = self.table_ref(&owner.table)?;
        column_exists(table, &owner.column)?;
        let column = table.find_column(&owner.column).expect("checked above");
        if let Some(DefaultValue::Expr(sql)) = &column.default
            && draws_from(sql, name)
        {
            return Err(serial_like(name, &owner.table, &owner.column));
        }
        if owner.table.schema_name() != name.schema_name() {
            return Err(E::InvalidSequence {
                name: name.clone(),
                reason: format!(
                    "sequence must be in same schema as table it is linked to (OWNED BY {}.{}; the sequence is in schema {})",
                    owner.table,
                    owner.column,
                    name.schema_name()
                ),
            });
        }
        Ok(())
    }

    /// The sequences owned by `column` of `table` (by any of its columns
    /// when `None`), which PostgreSQL drops with it; refused while a
    /// default that goes on (any other column's) draws from one.
    pub(super) fn owned_sequences_going(
        &self,
        table: &QualifiedName,
        column: Option<&str>,
    ) -> Result<Vec<Key>> {
        let key = table.key();
        let going: Vec<Key> = self
            .sequences
            .iter()
            .filter(|(_, s)| {
                s.owned_by
                    .as_ref()
                    .is_some_and(|o| o.table.key() == key && column.is_none_or(|c| o.column == c))
            })
            .map(|(k, _)| k.clone())
            .collect();
        for seq in &going {
            let name = &self.sequences[seq].name;
            let user = self.tables.values().find_map(|t| {
                t.columns.iter().find_map(|c| {
                    let dropped = t.name.key() == key && column.is_none_or(|d| d == c.name);
                    match &c.default {
                        Some(DefaultValue::Expr(sql)) if !dropped && draws_from(sql, name) => {
                            Some((t.name.clone(), c.name.clone()))
                        }
                        _ => None,
                    }
                })
            });
            if let Some((user_table, user_column)) = user {
                let what = match column {
                    Some(c) => format!("column {c} of table {table}"),
                    None => format!("table {table}"),
                };
                return Err(E::InvalidSequence {
                    name: name.clone(),
                    reason: format!(
                        "cannot drop {what} because other objects depend on it: it owns the sequence, and the default value for column {user_column} of table {user_table} depends on sequence {name}; change that default first"
                    ),
                });
            }
        }
        Ok(going)
    }

    /// Refuses a default for `column` of `table` that draws from a sequence
    /// the column owns (see [`serial_like`]).
    pub(super) fn check_own_default(
        &self,
        table: &QualifiedName,
        column: &str,
        default: &DefaultValue,
    ) -> Result {
        let DefaultValue::Expr(sql) = default else {
            return Ok(());
        };
        let owned = self.sequences.values().find(|s| {
            s.owned_by
                .as_ref()
                .is_some_and(|o| o.table.key() == table.key() && o.column == column)
                && draws_from(sql, &s.name)
        });
        match owned {
            Some(s) => Err(serial_like(&s.name, table, column)),
            None => Ok(()),
        }
    }

    /// Removes the sequences `keys` (gone with their owner).
    pub(super) fn forget_sequences(&mut self, keys: &[Key]) {
        for key in keys {
            self.sequences.remove(key);
        }
    }

    /// Owners that follow table `from` renamed to `to` (same schema).
    pub(super) fn owners_follow_table(&mut self, from: &QualifiedName, to: &str) {
        for s in self.sequences.values_mut() {
            if let Some(o) = &mut s.owned_by
                && o.table.key() == from.key()
            {
                o.table = canon(&from.sibling(to.to_owned()));
            }
        }
    }

    /// Owners that follow column `from` of `table` renamed to `to`.
    pub(super) fn owners_follow_column(&mut self, table: &QualifiedName, from: &str, to: &str) {
        for s in self.sequences.values_mut() {
            if let Some(o) = &mut s.owned_by
                && o.table.key() == table.key()
                && o.column == from
            {
                o.column = to.to_owned();
            }
        }
    }

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
        if let Some(owner) = &o.owned_by {
            self.check_owner(&o.name, owner)?;
        }
        let def = CreateSequence {
            name: canon(&o.name),
            as_type: o.as_type.clone().filter(|t| *t != ColumnType::BigInt),
            options: o.options.canonical(&o.ty()),
            owned_by: o.owned_by.as_ref().map(canon_owner),
        };
        check(o)?;
        self.sequences.insert((schema, name), def);
        Ok(())
    }

    pub(super) fn alter_sequence(&mut self, o: &AlterSequence) -> Result {
        if o.owned_by.is_some() && !self.sequences.contains_key(&o.name.key()) {
            // An identity column's sequence (PostgreSQL names it
            // table_column_seq) is the column's.
            let (schema, name) = o.name.key();
            if let Some(t) = self.tables.values().find(|t| {
                t.name.key().0 == schema
                    && t.columns.iter().any(|c| {
                        c.identity.is_some() && format!("{}_{}_seq", t.name.name, c.name) == name
                    })
            }) {
                return Err(E::InvalidSequence {
                    name: o.name.clone(),
                    reason: format!(
                        "cannot change ownership of identity sequence: it is linked to table {}",
                        t.name
                    ),
                });
            }
        }
        let def = self.sequence_ref(&o.name)?;
        if let Some(Some(owner)) = &o.owned_by {
            self.check_owner(&o.name, owner)?;
        }
        if o.is_empty() {
            return Err(E::InvalidSequence {
                name: o.name.clone(),
                reason: "alter_sequence changes nothing; chain the options to set (.increment(n), .restart(n), …)".into(),
            });
        }
        let mut after = o.applied_to(def);
        after.owned_by = after.owned_by.as_ref().map(canon_owner);
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
