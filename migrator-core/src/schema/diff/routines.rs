//! Functions and triggers in a diff: triggers dropped first and created
//! last; a function replaced in place (`OR REPLACE`) when its arguments and
//! result stay, else dropped (with the triggers that run it) and created
//! again.

use super::Differ;
use crate::ops::{
    CreateFunction, CreateTrigger, DropFunction, DropTrigger, FunctionDef, Op, TriggerAction,
    TriggerDef,
};

/// Whether `new` can replace `old` in place.
fn replaceable(old: &FunctionDef, new: &FunctionDef) -> bool {
    let types =
        |f: &FunctionDef| -> Vec<String> { f.args.iter().map(|a| a.ty.to_lowercase()).collect() };
    types(old) == types(new) && old.returns.eq_ignore_ascii_case(&new.returns)
}

fn runs(trigger: &TriggerDef, function: &FunctionDef) -> bool {
    matches!(&trigger.action, TriggerAction::Function { name, .. } if name.key() == function.name.key())
}

impl Differ<'_> {
    /// The functions of `from` that go or are dropped to be created again.
    fn functions_dropped(&self) -> Vec<&FunctionDef> {
        self.from
            .functions
            .iter()
            .filter(|(key, old)| match self.to.functions.get(*key) {
                None => true,
                Some(new) => new != *old && !replaceable(old, new),
            })
            .map(|(_, f)| f)
            .collect()
    }

    /// Whether the trigger `key` of `from` is dropped: it runs a function
    /// that is dropped (even on a table that goes too: the functions go
    /// before the tables), or its table stays and it goes, changes, or
    /// names a column that is dropped and added again. (Any other trigger
    /// of a dropped table goes with it.)
    fn trigger_dropped(&self, key: &(super::Key, String), old: &TriggerDef) -> bool {
        self.functions_dropped().iter().any(|f| runs(old, f))
            || (self.to.tables.contains_key(&key.0)
                && (self.to.triggers.get(key) != Some(old)
                    || self.regenerates(&key.0, |c| old.uses(c))))
    }

    pub(super) fn drop_triggers(&mut self) {
        let dropped: Vec<Op> = self
            .from
            .triggers
            .iter()
            .filter(|(key, old)| self.trigger_dropped(key, old))
            .map(|(_, t)| {
                Op::DropTrigger(DropTrigger {
                    table: t.table.clone(),
                    name: t.name.clone(),
                })
            })
            .collect();
        self.ops.extend(dropped);
    }

    /// Functions that go, or go to come back with other arguments or
    /// another result (their triggers were dropped before).
    pub(super) fn drop_functions(&mut self) {
        let dropped: Vec<Op> = self
            .functions_dropped()
            .into_iter()
            .map(|f| {
                Op::DropFunction(DropFunction {
                    name: f.name.clone(),
                })
            })
            .collect();
        self.ops.extend(dropped);
    }

    /// Functions that are new, replaced in place, or created again; after
    /// the tables, which a body may read.
    pub(super) fn create_functions(&mut self) {
        for (key, new) in &self.to.functions {
            let op = match self.from.functions.get(key) {
                Some(old) if old == new => continue,
                Some(old) if replaceable(old, new) => CreateFunction {
                    function: new.clone(),
                    or_replace: true,
                },
                _ => CreateFunction {
                    function: new.clone(),
                    or_replace: false,
                },
            };
            self.ops.push(Op::CreateFunction(op));
        }
    }

    /// Triggers that are new, changed, or were dropped for their function;
    /// last, once their tables and functions exist.
    pub(super) fn create_triggers(&mut self) {
        let created: Vec<Op> = self
            .to
            .triggers
            .iter()
            .filter(|(key, _)| {
                !(self.from.tables.contains_key(&key.0)
                    && self
                        .from
                        .triggers
                        .get(*key)
                        .is_some_and(|old| !self.trigger_dropped(key, old)))
            })
            .map(|(_, new)| {
                Op::CreateTrigger(CreateTrigger {
                    trigger: new.clone(),
                })
            })
            .collect();
        self.ops.extend(created);
    }
}
