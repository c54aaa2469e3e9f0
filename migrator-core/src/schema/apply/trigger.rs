//! Triggers: created and dropped; they go with their table, follow its
//! renames and keep the columns they name from being dropped.

use super::{E, Result, column_exists, no_nul};
use crate::ident::check_ident;
use crate::ops::{CreateTrigger, DropTrigger, TriggerAction, TriggerEvent, TriggerTiming};
use crate::schema::Schema;

impl Schema {
    pub(super) fn create_trigger(&mut self, o: &CreateTrigger) -> Result {
        let t = &o.trigger;
        let table = self.table_ref(&t.table)?;
        check_ident(&t.name)?;
        let invalid = |reason: String| E::InvalidTrigger {
            trigger: t.name.clone(),
            table: table.name.clone(),
            reason,
        };
        let key = (table.name.key(), t.name.clone());
        if self.triggers.contains_key(&key) {
            return Err(invalid(
                "a trigger of that name exists on the table already".into(),
            ));
        }
        if t.events.is_empty() {
            return Err(invalid(
                "it fires on no event: name INSERT, UPDATE, DELETE or TRUNCATE".into(),
            ));
        }
        for (n, event) in t.events.iter().enumerate() {
            if t.events[..n]
                .iter()
                .any(|e| std::mem::discriminant(e) == std::mem::discriminant(event))
            {
                return Err(invalid("it names an event twice".into()));
            }
            if let TriggerEvent::Update(columns) = event {
                for column in columns {
                    column_exists(table, column)?;
                }
            }
        }
        if t.timing == TriggerTiming::InsteadOf {
            return Err(invalid(
                "INSTEAD OF triggers are for views; a table takes BEFORE or AFTER".into(),
            ));
        }
        if t.for_each_row && t.events.contains(&TriggerEvent::Truncate) {
            return Err(invalid(
                "TRUNCATE triggers fire FOR EACH STATEMENT only".into(),
            ));
        }
        if let Some(when) = &t.when {
            no_nul(when, || format!("WHEN of trigger {}", t.name))?;
            if !t.for_each_row
                && (when.to_lowercase().contains("new.") || when.to_lowercase().contains("old."))
            {
                return Err(invalid(
                    "a statement-level trigger's WHEN cannot reference OLD or NEW: add .for_each_row()".into(),
                ));
            }
        }
        match &t.action {
            TriggerAction::Function { name, args } => {
                let Some(f) = self.functions.get(&name.key()) else {
                    return Err(invalid(format!(
                        "function {name}() does not exist; create it first with create_function"
                    )));
                };
                if !f.returns.eq_ignore_ascii_case("trigger") {
                    return Err(invalid(format!(
                        "function {name} must return type trigger (it returns {})",
                        f.returns
                    )));
                }
                if !f.args.is_empty() {
                    return Err(invalid(format!(
                        "a trigger function takes no declared arguments (its arguments come in TG_ARGV); {} has {}",
                        f.name,
                        f.args.len()
                    )));
                }
                for arg in args {
                    no_nul(arg, || format!("argument of trigger {}", t.name))?;
                }
            }
            TriggerAction::Statements(body) => {
                no_nul(body, || format!("body of trigger {}", t.name))?;
                if body.trim().is_empty() {
                    return Err(invalid("its body has no statements".into()));
                }
                if !t.for_each_row || t.events.len() != 1 {
                    return Err(invalid(
                        "a trigger that runs statements (SQLite's) fires FOR EACH ROW on one event"
                            .into(),
                    ));
                }
            }
        }
        // The events are a set: kept in the order PostgreSQL's catalog
        // gives them (INSERT, UPDATE, DELETE, TRUNCATE), whatever order the
        // author wrote.
        let mut events = t.events.clone();
        events.sort_by_key(|e| match e {
            TriggerEvent::Insert => 0,
            TriggerEvent::Update(_) => 1,
            TriggerEvent::Delete => 2,
            TriggerEvent::Truncate => 3,
        });
        let stored = crate::ops::TriggerDef {
            table: table.name.clone(),
            events,
            when: t
                .when
                .as_deref()
                .map(|w| crate::schema::expr::strip_parens(w).to_owned()),
            action: match &t.action {
                TriggerAction::Statements(body) => {
                    TriggerAction::Statements(body.trim().to_owned())
                }
                other => other.clone(),
            },
            ..t.clone()
        };
        self.triggers.insert(key, stored);
        Ok(())
    }

    pub(super) fn drop_trigger(&mut self, o: &DropTrigger) -> Result {
        let table = self.table_ref(&o.table)?;
        let key = (table.name.key(), o.name.clone());
        match self.triggers.remove(&key) {
            Some(_) => Ok(()),
            None => Err(E::TriggerNotFound {
                trigger: o.name.clone(),
                table: o.table.clone(),
            }),
        }
    }
}
