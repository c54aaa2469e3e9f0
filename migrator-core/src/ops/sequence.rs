//! Sequences: how one counts (`START WITH`, `INCREMENT BY`, `MINVALUE`,
//! `MAXVALUE`, `CYCLE`, `CACHE`: [`SequenceOptions`], which an identity
//! column's sequence takes too), and the ops on sequences of their own.

use super::Op;
use super::builder::{OpBuilder, Variant};
use crate::ident::QualifiedName;
use crate::types::ColumnType;

/// The options of a sequence; each left `None` (or `false`) is
/// PostgreSQL's default for the sequence's type and direction.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SequenceOptions {
    /// `START WITH n` (default: `MINVALUE` ascending, `MAXVALUE` descending).
    pub start: Option<i64>,
    /// `INCREMENT BY n` (default 1; negative counts down).
    pub increment: Option<i64>,
    /// `MINVALUE n` (default 1 ascending, the type's least value descending).
    pub min_value: Option<i64>,
    /// `MAXVALUE n` (default the type's greatest value ascending, -1 descending).
    pub max_value: Option<i64>,
    /// `CYCLE`: wrap around at the end instead of failing.
    pub cycle: bool,
    /// `CACHE n`: values handed out ahead per session (default 1).
    pub cache: Option<i64>,
}

impl SequenceOptions {
    /// Every option at its default.
    ///
    /// ```
    /// use migrator_core::ops::SequenceOptions;
    /// let options = SequenceOptions::new().start(1000).increment(10);
    /// assert_eq!((options.start, options.increment), (Some(1000), Some(10)));
    /// assert!(SequenceOptions::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// `START WITH n`.
    #[must_use]
    pub fn start(mut self, n: i64) -> Self {
        self.start = Some(n);
        self
    }

    /// `INCREMENT BY n`.
    #[must_use]
    pub fn increment(mut self, n: i64) -> Self {
        self.increment = Some(n);
        self
    }

    /// `MINVALUE n`.
    #[must_use]
    pub fn min_value(mut self, n: i64) -> Self {
        self.min_value = Some(n);
        self
    }

    /// `MAXVALUE n`.
    #[must_use]
    pub fn max_value(mut self, n: i64) -> Self {
        self.max_value = Some(n);
        self
    }

    /// `CYCLE`.
    #[must_use]
    pub fn cycle(mut self) -> Self {
        self.cycle = true;
        self
    }

    /// `CACHE n`.
    #[must_use]
    pub fn cache(mut self, n: i64) -> Self {
        self.cache = Some(n);
        self
    }

    /// Whether every option is left at its default.
    pub fn is_empty(&self) -> bool {
        *self == SequenceOptions::default()
    }

    /// The greatest and least value a sequence of `ty` can hold
    /// (`smallint`, `integer`, otherwise `bigint`).
    pub(crate) fn type_range(ty: &ColumnType) -> (i64, i64) {
        match ty.storage() {
            ColumnType::SmallInt => (i64::from(i16::MIN), i64::from(i16::MAX)),
            ColumnType::Integer => (i64::from(i32::MIN), i64::from(i32::MAX)),
            _ => (i64::MIN, i64::MAX),
        }
    }

    /// Every option as PostgreSQL resolves it for a sequence of `ty`:
    /// `(start, increment, min, max, cycle, cache)`.
    pub(crate) fn resolved(&self, ty: &ColumnType) -> (i64, i64, i64, i64, bool, i64) {
        let (least, greatest) = Self::type_range(ty);
        let increment = self.increment.unwrap_or(1);
        let min = self
            .min_value
            .unwrap_or(if increment > 0 { 1 } else { least });
        let max = self
            .max_value
            .unwrap_or(if increment > 0 { greatest } else { -1 });
        let start = self.start.unwrap_or(if increment > 0 { min } else { max });
        (
            start,
            increment,
            min,
            max,
            self.cycle,
            self.cache.unwrap_or(1),
        )
    }

    /// These options with each one equal to its default for a sequence of
    /// `ty` left out: one form for what means the same.
    pub(crate) fn canonical(&self, ty: &ColumnType) -> SequenceOptions {
        let (start, increment, min, max, cycle, cache) = self.resolved(ty);
        let (least, greatest) = Self::type_range(ty);
        let up = increment > 0;
        SequenceOptions {
            start: (start != if up { min } else { max }).then_some(start),
            increment: (increment != 1).then_some(increment),
            min_value: (min != if up { 1 } else { least }).then_some(min),
            max_value: (max != if up { greatest } else { -1 }).then_some(max),
            cycle,
            cache: (cache != 1).then_some(cache),
        }
    }

    /// Why PostgreSQL would refuse these options for a sequence of `ty`,
    /// in its words.
    pub(crate) fn problem(&self, ty: &ColumnType) -> Option<String> {
        let (least, greatest) = Self::type_range(ty);
        let type_name = match ty.storage() {
            ColumnType::SmallInt => "smallint",
            ColumnType::Integer => "integer",
            _ => "bigint",
        };
        if self.increment == Some(0) {
            return Some("INCREMENT must not be zero".into());
        }
        for (word, value) in [("MINVALUE", self.min_value), ("MAXVALUE", self.max_value)] {
            if let Some(v) = value
                && (v < least || v > greatest)
            {
                return Some(format!(
                    "{word} ({v}) is out of range for sequence data type {type_name}"
                ));
            }
        }
        let (start, _, min, max, _, cache) = self.resolved(ty);
        if min >= max {
            return Some(format!(
                "MINVALUE ({min}) must be less than MAXVALUE ({max})"
            ));
        }
        if start < min {
            return Some(format!(
                "START value ({start}) cannot be less than MINVALUE ({min})"
            ));
        }
        if start > max {
            return Some(format!(
                "START value ({start}) cannot be greater than MAXVALUE ({max})"
            ));
        }
        if cache < 1 {
            return Some(format!("CACHE ({cache}) must be greater than zero"));
        }
        None
    }
}

/// `CREATE SEQUENCE name [AS type] [options]` (PostgreSQL; SQLite has no
/// sequences and refuses it by name). A sequence lives in the relation
/// namespace, beside tables and indexes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateSequence {
    /// The sequence's name.
    pub name: QualifiedName,
    /// `AS smallint | integer | bigint` (`None`: bigint, PostgreSQL's default).
    pub as_type: Option<ColumnType>,
    /// How it counts.
    pub options: SequenceOptions,
}

impl CreateSequence {
    /// `INCREMENT BY n` (negative counts down).
    pub fn increment(&mut self, n: i64) -> &mut Self {
        self.options.increment = Some(n);
        self
    }

    /// `START WITH n`.
    pub fn start(&mut self, n: i64) -> &mut Self {
        self.options.start = Some(n);
        self
    }

    /// `MINVALUE n`.
    pub fn min_value(&mut self, n: i64) -> &mut Self {
        self.options.min_value = Some(n);
        self
    }

    /// `MAXVALUE n`.
    pub fn max_value(&mut self, n: i64) -> &mut Self {
        self.options.max_value = Some(n);
        self
    }

    /// `CYCLE`: wraps around at its end.
    pub fn cycle(&mut self) -> &mut Self {
        self.options.cycle = true;
        self
    }

    /// `CACHE n`.
    pub fn cache(&mut self, n: i64) -> &mut Self {
        self.options.cache = Some(n);
        self
    }

    /// `AS type`: `ColumnType::SmallInt`, `Integer` or `BigInt`.
    pub fn as_type(&mut self, ty: ColumnType) -> &mut Self {
        self.as_type = Some(ty);
        self
    }

    /// The sequence's type (`bigint` unless given).
    pub fn ty(&self) -> ColumnType {
        self.as_type.clone().unwrap_or(ColumnType::BigInt)
    }
}

/// `ALTER SEQUENCE name …`: each option given is set, the others are left
/// as they are.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AlterSequence {
    /// The sequence.
    pub name: QualifiedName,
    /// `AS type`.
    pub as_type: Option<ColumnType>,
    /// `INCREMENT BY n`.
    pub increment: Option<i64>,
    /// `START WITH n` (what `RESTART` without a value goes back to).
    pub start: Option<i64>,
    /// `MINVALUE n`.
    pub min_value: Option<i64>,
    /// `MAXVALUE n`.
    pub max_value: Option<i64>,
    /// `CYCLE` (`true`) or `NO CYCLE` (`false`).
    pub cycle: Option<bool>,
    /// `CACHE n`.
    pub cache: Option<i64>,
    /// `RESTART WITH n`: the next value handed out. Not part of the model
    /// (it is the sequence's state, not its definition), so the derived
    /// inverse leaves it out.
    pub restart: Option<i64>,
}

impl AlterSequence {
    /// `INCREMENT BY n`.
    pub fn increment(&mut self, n: i64) -> &mut Self {
        self.increment = Some(n);
        self
    }

    /// `START WITH n`.
    pub fn start(&mut self, n: i64) -> &mut Self {
        self.start = Some(n);
        self
    }

    /// `MINVALUE n`.
    pub fn min_value(&mut self, n: i64) -> &mut Self {
        self.min_value = Some(n);
        self
    }

    /// `MAXVALUE n`.
    pub fn max_value(&mut self, n: i64) -> &mut Self {
        self.max_value = Some(n);
        self
    }

    /// `CYCLE`.
    pub fn cycle(&mut self) -> &mut Self {
        self.cycle = Some(true);
        self
    }

    /// `NO CYCLE`.
    pub fn no_cycle(&mut self) -> &mut Self {
        self.cycle = Some(false);
        self
    }

    /// `CACHE n`.
    pub fn cache(&mut self, n: i64) -> &mut Self {
        self.cache = Some(n);
        self
    }

    /// `AS type`.
    pub fn as_type(&mut self, ty: ColumnType) -> &mut Self {
        self.as_type = Some(ty);
        self
    }

    /// `RESTART WITH n`.
    pub fn restart(&mut self, n: i64) -> &mut Self {
        self.restart = Some(n);
        self
    }

    /// Whether it changes nothing.
    pub(crate) fn is_empty(&self) -> bool {
        self.as_type.is_none()
            && self.increment.is_none()
            && self.start.is_none()
            && self.min_value.is_none()
            && self.max_value.is_none()
            && self.cycle.is_none()
            && self.cache.is_none()
            && self.restart.is_none()
    }

    /// The definition `def` becomes (restart aside), canonical. As in
    /// PostgreSQL, what the change does not name keeps its current value,
    /// a default one too (a new `MINVALUE` does not move `START`, a new
    /// `INCREMENT` does not move the bounds), except that a new type moves
    /// a bound that was the old type's to the new type's.
    pub(crate) fn applied_to(&self, def: &CreateSequence) -> CreateSequence {
        let old_ty = def.ty();
        let ty = self.as_type.clone().unwrap_or_else(|| old_ty.clone());
        let (start, increment, min, max, cycle, cache) = def.options.resolved(&old_ty);
        let retyped = self.as_type.is_some();
        let (old_least, old_greatest) = SequenceOptions::type_range(&old_ty);
        let (least, greatest) = SequenceOptions::type_range(&ty);
        let min = if retyped && min == old_least {
            least
        } else {
            min
        };
        let max = if retyped && max == old_greatest {
            greatest
        } else {
            max
        };
        let options = SequenceOptions {
            start: Some(self.start.unwrap_or(start)),
            increment: Some(self.increment.unwrap_or(increment)),
            min_value: Some(self.min_value.unwrap_or(min)),
            max_value: Some(self.max_value.unwrap_or(max)),
            cycle: self.cycle.unwrap_or(cycle),
            cache: Some(self.cache.unwrap_or(cache)),
        };
        CreateSequence {
            name: def.name.clone(),
            as_type: Some(ty.clone()).filter(|t| *t != ColumnType::BigInt),
            options: options.canonical(&ty),
        }
    }
}

/// `DROP SEQUENCE name` (undone from the model's definition; the values it
/// had handed out are not restored).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DropSequence {
    /// The sequence.
    pub name: QualifiedName,
}

/// `ALTER SEQUENCE name RENAME TO to` (same schema).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RenameSequence {
    /// The sequence's current name.
    pub name: QualifiedName,
    /// Its new name, in the same schema.
    pub to: String,
}

super::builder::variants!(CreateSequence, AlterSequence, DropSequence, RenameSequence);

/// The sequence ops of every builder ([`Ops`](super::Ops) and
/// [`Reversible`](super::Reversible): each has an inverse). In the prelude.
pub trait SequenceBuilder: OpBuilder {
    /// `CREATE SEQUENCE name`; chain `.increment(n)`, `.start(n)`,
    /// `.min_value(n)`, `.max_value(n)`, `.cycle()`, `.cache(n)`,
    /// `.as_type(ColumnType::Integer)`. PostgreSQL only: on SQLite, put it in
    /// `op.on(Engine::Postgres, …)`.
    ///
    /// ```
    /// use migrator_core::prelude::*;
    /// use migrator_core::render::{Postgres, Sqlite, render_sql};
    /// let mut op = Ops::new();
    /// op.create_sequence("invoice_numbers").as_type(ColumnType::Integer).start(1000).increment(5);
    /// assert_eq!(
    ///     render_sql(&Postgres, op.ops()).unwrap(),
    ///     ["CREATE SEQUENCE \"invoice_numbers\" AS integer START WITH 1000 INCREMENT BY 5"]
    /// );
    /// assert!(render_sql(&Sqlite, op.ops()).is_err());
    /// ```
    fn create_sequence(&mut self, name: impl Into<QualifiedName>) -> &mut CreateSequence {
        self.recorder().record(CreateSequence {
            name: name.into(),
            as_type: None,
            options: SequenceOptions::default(),
        })
    }

    /// `ALTER SEQUENCE name …`; chain the options to set, and `.restart(n)`.
    fn alter_sequence(&mut self, name: impl Into<QualifiedName>) -> &mut AlterSequence {
        self.recorder().record(AlterSequence {
            name: name.into(),
            as_type: None,
            increment: None,
            start: None,
            min_value: None,
            max_value: None,
            cycle: None,
            cache: None,
            restart: None,
        })
    }

    /// `DROP SEQUENCE name`.
    fn drop_sequence(&mut self, name: impl Into<QualifiedName>) -> &mut DropSequence {
        self.recorder().record(DropSequence { name: name.into() })
    }

    /// `ALTER SEQUENCE name RENAME TO to`.
    fn rename_sequence(
        &mut self,
        name: impl Into<QualifiedName>,
        to: impl Into<String>,
    ) -> &mut RenameSequence {
        self.recorder().record(RenameSequence {
            name: name.into(),
            to: to.into(),
        })
    }
}

impl<T: OpBuilder + ?Sized> SequenceBuilder for T {}
