//! Sequence options: how a sequence counts (`START WITH`, `INCREMENT BY`,
//! `MINVALUE`, `MAXVALUE`, `CYCLE`, `CACHE`), as an identity column's
//! sequence takes them.

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
