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

    /// These options of a sequence of `old` once it is `AS new`: every
    /// value as it was, but a bound at `old`'s extreme moved to `new`'s
    /// (as PostgreSQL moves it, whichever way the sequence counts).
    pub(crate) fn retyped(&self, old: &ColumnType, new: &ColumnType) -> SequenceOptions {
        let (start, increment, min, max, cycle, cache) = self.resolved(old);
        let (old_least, old_greatest) = Self::type_range(old);
        let (least, greatest) = Self::type_range(new);
        SequenceOptions {
            start: Some(start),
            increment: Some(increment),
            min_value: Some(if min == old_least { least } else { min }),
            max_value: Some(if max == old_greatest { greatest } else { max }),
            cycle,
            cache: Some(cache),
        }
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

/// A change of some of a sequence's options: each `Some` is set, the
/// others are left as they are. An identity column's sequence takes one in
/// [`AlterColumn::set_identity_options`](super::AlterColumn::set_identity_options)
/// (PostgreSQL's `ALTER COLUMN … SET INCREMENT BY n SET … RESTART`).
///
/// ```
/// use migrator_core::prelude::*;
/// use migrator_core::render::{Postgres, render_sql};
/// let mut op = Ops::new();
/// op.create_table("tickets", |t| {
///     t.column::<i64>("id").identity().primary_key();
/// });
/// op.alter_column("tickets", "id")
///     .set_identity_options(SequenceChange::new().increment(10).restart_with(1000));
/// assert_eq!(
///     render_sql(&Postgres, op.ops()).unwrap()[1],
///     "ALTER TABLE \"tickets\" ALTER COLUMN \"id\" SET INCREMENT BY 10 RESTART WITH 1000"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SequenceChange {
    /// `SET INCREMENT BY n`.
    pub increment: Option<i64>,
    /// `SET START WITH n` (what `RESTART` without a value goes back to).
    pub start: Option<i64>,
    /// `SET MINVALUE n`.
    pub min_value: Option<i64>,
    /// `SET MAXVALUE n`.
    pub max_value: Option<i64>,
    /// `SET CYCLE` (`true`) or `SET NO CYCLE` (`false`).
    pub cycle: Option<bool>,
    /// `SET CACHE n`.
    pub cache: Option<i64>,
    /// `RESTART` (`Some(None)`: back to `START`) or `RESTART WITH n`
    /// (`Some(Some(n))`): the next value handed out. The sequence's state,
    /// not its definition: the model does not keep it and a derived inverse
    /// does not undo it.
    pub restart: Option<Option<i64>>,
}

impl SequenceChange {
    /// A change of nothing yet; chain what to set.
    pub fn new() -> Self {
        Self::default()
    }

    /// `SET INCREMENT BY n`.
    #[must_use]
    pub fn increment(mut self, n: i64) -> Self {
        self.increment = Some(n);
        self
    }

    /// `SET START WITH n`.
    #[must_use]
    pub fn start(mut self, n: i64) -> Self {
        self.start = Some(n);
        self
    }

    /// `SET MINVALUE n`.
    #[must_use]
    pub fn min_value(mut self, n: i64) -> Self {
        self.min_value = Some(n);
        self
    }

    /// `SET MAXVALUE n`.
    #[must_use]
    pub fn max_value(mut self, n: i64) -> Self {
        self.max_value = Some(n);
        self
    }

    /// `SET CYCLE`.
    #[must_use]
    pub fn cycle(mut self) -> Self {
        self.cycle = Some(true);
        self
    }

    /// `SET NO CYCLE`.
    #[must_use]
    pub fn no_cycle(mut self) -> Self {
        self.cycle = Some(false);
        self
    }

    /// `SET CACHE n`.
    #[must_use]
    pub fn cache(mut self, n: i64) -> Self {
        self.cache = Some(n);
        self
    }

    /// `RESTART`: the next value is `START` again.
    #[must_use]
    pub fn restart(mut self) -> Self {
        self.restart = Some(None);
        self
    }

    /// `RESTART WITH n`: the next value is `n`.
    #[must_use]
    pub fn restart_with(mut self, n: i64) -> Self {
        self.restart = Some(Some(n));
        self
    }

    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == SequenceChange::default()
    }

    /// The options `options` become (in a sequence of `ty`, its type after
    /// the change), canonical. As in PostgreSQL, an option not set keeps
    /// the value it had: a `START` left at its default stays where it was
    /// when `MINVALUE` moves (and PostgreSQL refuses a start now out of
    /// range); only a bound at the old type's default follows a new type.
    pub(crate) fn applied_to(&self, options: &SequenceOptions, ty: &ColumnType) -> SequenceOptions {
        let (start, increment, min, max, cycle, cache) = options.resolved(ty);
        SequenceOptions {
            start: Some(self.start.unwrap_or(start)),
            increment: Some(self.increment.unwrap_or(increment)),
            min_value: Some(self.min_value.unwrap_or(min)),
            max_value: Some(self.max_value.unwrap_or(max)),
            cycle: self.cycle.unwrap_or(cycle),
            cache: Some(self.cache.unwrap_or(cache)),
        }
        .canonical(ty)
    }

    /// The change that gives the fields this one sets back their values in
    /// `options` (of a sequence of `ty`); a restart is not undone.
    pub(crate) fn undo(&self, options: &SequenceOptions, ty: &ColumnType) -> SequenceChange {
        let (start, increment, min, max, cycle, cache) = options.resolved(ty);
        SequenceChange {
            increment: self.increment.map(|_| increment),
            start: self.start.map(|_| start),
            min_value: self.min_value.map(|_| min),
            max_value: self.max_value.map(|_| max),
            cycle: self.cycle.map(|_| cycle),
            cache: self.cache.map(|_| cache),
            restart: None,
        }
    }

    /// The change from options `old` to `new` of a sequence of `ty` (after
    /// a type change too: PostgreSQL moves a bound left at the old type's
    /// default to the new type's): each option whose resolved value
    /// differs, set to it.
    pub(crate) fn between(
        old: &SequenceOptions,
        new: &SequenceOptions,
        ty: &ColumnType,
    ) -> SequenceChange {
        let (a, b) = (old.resolved(ty), new.resolved(ty));
        let changed = |x: i64, y: i64| (x != y).then_some(y);
        SequenceChange {
            start: changed(a.0, b.0),
            increment: changed(a.1, b.1),
            min_value: changed(a.2, b.2),
            max_value: changed(a.3, b.3),
            cycle: (a.4 != b.4).then_some(b.4),
            cache: changed(a.5, b.5),
            restart: None,
        }
    }

    /// Why PostgreSQL would refuse the restart for a sequence of `ty` with
    /// `options` (those after the change), in its words.
    pub(crate) fn restart_problem(
        &self,
        options: &SequenceOptions,
        ty: &ColumnType,
    ) -> Option<String> {
        let (start, _, min, max, _, _) = options.resolved(ty);
        let n = match self.restart? {
            Some(n) => n,
            None => start,
        };
        (n < min || n > max).then(|| {
            format!(
                "RESTART value ({n}) cannot be {} {} ({})",
                if n < min { "less than" } else { "greater than" },
                if n < min { "MINVALUE" } else { "MAXVALUE" },
                if n < min { min } else { max }
            )
        })
    }
}

/// The column a sequence is `OWNED BY`: dropping the column (or its table)
/// drops the sequence with it. The table is in the sequence's schema.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SequenceOwner {
    /// The table.
    pub table: QualifiedName,
    /// The column.
    pub column: String,
}

impl SequenceOwner {
    /// The column `column` of `table`.
    pub fn new(table: impl Into<QualifiedName>, column: impl Into<String>) -> Self {
        SequenceOwner {
            table: table.into(),
            column: column.into(),
        }
    }
}

/// `CREATE SEQUENCE name [AS type] [options] [OWNED BY table.column]`
/// (PostgreSQL; SQLite has no sequences and refuses it by name). A sequence
/// lives in the relation namespace, beside tables and indexes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateSequence {
    /// The sequence's name.
    pub name: QualifiedName,
    /// `AS smallint | integer | bigint` (`None`: bigint, PostgreSQL's default).
    pub as_type: Option<ColumnType>,
    /// How it counts.
    pub options: SequenceOptions,
    /// `OWNED BY table.column` (`None`: `OWNED BY NONE`, the default).
    pub owned_by: Option<SequenceOwner>,
}

impl CreateSequence {
    /// `OWNED BY table.column`: the sequence goes when the column (or its
    /// table) is dropped, and follows their renames. The column must exist,
    /// in a table of the sequence's schema.
    ///
    /// What such a drop undoes creates the sequence again from the model —
    /// type, options and owner — but not its current value: PostgreSQL
    /// loses it with the sequence, and the recreated one starts at `START`.
    ///
    /// ```
    /// use migrator_core::prelude::*;
    /// use migrator_core::render::{Postgres, render_sql};
    /// let mut op = Ops::new();
    /// op.create_table("invoices", |t| {
    ///     t.column::<i64>("number");
    /// });
    /// op.create_sequence("invoice_numbers").owned_by("invoices", "number");
    /// assert_eq!(
    ///     render_sql(&Postgres, op.ops()).unwrap()[1],
    ///     "CREATE SEQUENCE \"invoice_numbers\" OWNED BY \"invoices\".\"number\""
    /// );
    /// ```
    pub fn owned_by(
        &mut self,
        table: impl Into<QualifiedName>,
        column: impl Into<String>,
    ) -> &mut Self {
        self.owned_by = Some(SequenceOwner::new(table, column));
        self
    }

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
    /// `Some(Some(owner))`: `OWNED BY table.column`; `Some(None)`: `OWNED BY
    /// NONE`.
    pub owned_by: Option<Option<SequenceOwner>>,
}

impl AlterSequence {
    /// An alter of sequence `name` that changes nothing yet.
    pub(crate) fn new(name: QualifiedName) -> Self {
        AlterSequence {
            name,
            as_type: None,
            increment: None,
            start: None,
            min_value: None,
            max_value: None,
            cycle: None,
            cache: None,
            restart: None,
            owned_by: None,
        }
    }

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

    /// `OWNED BY table.column` (see [`CreateSequence::owned_by`]); an
    /// identity column's own sequence cannot be given another owner.
    pub fn owned_by(
        &mut self,
        table: impl Into<QualifiedName>,
        column: impl Into<String>,
    ) -> &mut Self {
        self.owned_by = Some(Some(SequenceOwner::new(table, column)));
        self
    }

    /// `OWNED BY NONE`: the sequence no longer goes with a column.
    pub fn owned_by_none(&mut self) -> &mut Self {
        self.owned_by = Some(None);
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
            && self.owned_by.is_none()
    }

    /// The definition `def` becomes (restart aside), canonical. As in
    /// PostgreSQL, what the change does not name keeps its current value,
    /// a default one too (a new `MINVALUE` does not move `START`, a new
    /// `INCREMENT` does not move the bounds), except that a new type moves
    /// a bound that was the old type's to the new type's.
    pub(crate) fn applied_to(&self, def: &CreateSequence) -> CreateSequence {
        let old_ty = def.ty();
        let ty = self.as_type.clone().unwrap_or_else(|| old_ty.clone());
        let options = if ty == old_ty {
            def.options.clone()
        } else {
            def.options.retyped(&old_ty, &ty)
        };
        CreateSequence {
            name: def.name.clone(),
            as_type: Some(ty.clone()).filter(|t| *t != ColumnType::BigInt),
            options: self.change().applied_to(&options, &ty),
            owned_by: match &self.owned_by {
                Some(owner) => owner.clone(),
                None => def.owned_by.clone(),
            },
        }
    }

    /// Its options (all but `AS type`) as a [`SequenceChange`].
    pub(crate) fn change(&self) -> SequenceChange {
        SequenceChange {
            increment: self.increment,
            start: self.start,
            min_value: self.min_value,
            max_value: self.max_value,
            cycle: self.cycle,
            cache: self.cache,
            restart: self.restart.map(Some),
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
            owned_by: None,
        })
    }

    /// `ALTER SEQUENCE name …`; chain the options to set, and `.restart(n)`.
    fn alter_sequence(&mut self, name: impl Into<QualifiedName>) -> &mut AlterSequence {
        self.recorder().record(AlterSequence::new(name.into()))
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
