//! Triggers: a function run (PostgreSQL) or statements run (SQLite) when
//! rows of a table change.

use crate::ident::QualifiedName;

/// When a trigger fires, relative to the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TriggerTiming {
    /// `BEFORE`: may change or skip the row.
    Before,
    /// `AFTER`: sees the change done.
    After,
    /// `INSTEAD OF`: replaces the change (views only).
    InsteadOf,
}

impl TriggerTiming {
    /// The keyword(s).
    pub fn as_sql(self) -> &'static str {
        match self {
            Self::Before => "BEFORE",
            Self::After => "AFTER",
            Self::InsteadOf => "INSTEAD OF",
        }
    }
}

/// A change a trigger fires on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TriggerEvent {
    /// `INSERT`.
    Insert,
    /// `UPDATE`, or `UPDATE OF columns` when the list is not empty.
    Update(Vec<String>),
    /// `DELETE`.
    Delete,
    /// `TRUNCATE` (PostgreSQL, `FOR EACH STATEMENT` only).
    Truncate,
}

impl TriggerEvent {
    /// `UPDATE` of any column.
    pub const UPDATE: TriggerEvent = TriggerEvent::Update(Vec::new());

    /// `UPDATE OF columns`.
    pub fn update_of<I, S>(columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::Update(columns.into_iter().map(Into::into).collect())
    }
}

/// What a trigger runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TriggerAction {
    /// `EXECUTE FUNCTION name(args)` (PostgreSQL): a function returning
    /// `trigger`, with constant string arguments.
    Function {
        /// The function.
        name: QualifiedName,
        /// Its arguments (`TG_ARGV`).
        args: Vec<String>,
    },
    /// `BEGIN statements END` (SQLite): the statements, each ending in `;`.
    Statements(String),
}

/// A trigger on a table. Its name is unique on its table.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TriggerDef {
    /// The trigger's name.
    pub name: String,
    /// Its table.
    pub table: QualifiedName,
    /// `BEFORE`, `AFTER`, `INSTEAD OF`.
    pub timing: TriggerTiming,
    /// The changes it fires on (at least one; SQLite allows one).
    pub events: Vec<TriggerEvent>,
    /// `FOR EACH ROW` (else `FOR EACH STATEMENT`, PostgreSQL's default).
    pub for_each_row: bool,
    /// `WHEN (condition)`, as SQL.
    pub when: Option<String>,
    /// What it runs.
    pub action: TriggerAction,
}

impl TriggerDef {
    /// A trigger without `WHEN`: `FOR EACH ROW` when it runs statements
    /// (SQLite has no other kind), `FOR EACH STATEMENT` (PostgreSQL's
    /// default) when it runs a function.
    pub fn new(
        table: QualifiedName,
        name: impl Into<String>,
        timing: TriggerTiming,
        events: Vec<TriggerEvent>,
        action: TriggerAction,
    ) -> Self {
        Self {
            name: name.into(),
            table,
            timing,
            events,
            for_each_row: matches!(action, TriggerAction::Statements(_)),
            when: None,
            action,
        }
    }

    /// Whether the trigger names `column` (`UPDATE OF`, or in `WHEN`).
    pub fn uses(&self, column: &str) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e, TriggerEvent::Update(cols) if cols.iter().any(|c| c == column)))
            || self
                .when
                .as_deref()
                .is_some_and(|w| crate::schema::expr::mentions(w, column))
    }

    /// The trigger after column `from` of its table is renamed `to`.
    pub(crate) fn rename_column(&mut self, from: &str, to: &str) {
        for event in &mut self.events {
            if let TriggerEvent::Update(columns) = event {
                for c in columns.iter_mut().filter(|c| *c == from) {
                    *c = to.to_owned();
                }
            }
        }
        if let Some(w) = &self.when {
            self.when = Some(crate::schema::expr::rename(w, from, to));
        }
    }
}

/// `CREATE TRIGGER`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateTrigger {
    /// The trigger.
    pub trigger: TriggerDef,
}

impl CreateTrigger {
    /// `FOR EACH ROW`.
    pub fn for_each_row(&mut self) -> &mut Self {
        self.trigger.for_each_row = true;
        self
    }

    /// `WHEN (condition)`: fires only for rows where it holds (`OLD`/`NEW`
    /// name the row before and after).
    pub fn when_sql(&mut self, condition: impl Into<String>) -> &mut Self {
        self.trigger.when = Some(condition.into());
        self
    }

    /// Constant arguments passed to the function (`TG_ARGV`).
    pub fn args<I, S>(&mut self, values: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        if let TriggerAction::Function { args, .. } = &mut self.trigger.action {
            *args = values.into_iter().map(Into::into).collect();
        }
        self
    }
}

/// `DROP TRIGGER name ON table`: reversible, the model keeps the definition.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DropTrigger {
    /// The trigger's table.
    pub table: QualifiedName,
    /// The trigger.
    pub name: String,
}
