//! Functions: created (or replaced) and dropped. The model holds one
//! function per name; a trigger that runs one keeps it from being dropped.

use super::{E, Result, no_nul};
use crate::ident::check_ident;
use crate::ops::{CreateFunction, DropFunction, TriggerAction};
use crate::schema::Schema;

impl Schema {
    pub(super) fn create_function(&mut self, o: &CreateFunction) -> Result {
        let f = &o.function;
        check_ident(&f.name.name)?;
        let schema = f.name.schema_name().to_owned();
        self.need_schema(&schema)?;
        let invalid = |reason: String| E::InvalidFunction {
            function: f.name.clone(),
            reason,
        };
        for (what, text) in [
            ("return type", &f.returns),
            ("language", &f.language),
            ("body", &f.body),
        ] {
            no_nul(text, || format!("{what} of function {}", f.name))?;
            if text.trim().is_empty() {
                return Err(invalid(format!("its {what} is empty")));
            }
        }
        for arg in &f.args {
            if let Some(name) = &arg.name {
                check_ident(name)?;
            }
            no_nul(&arg.ty, || format!("argument of function {}", f.name))?;
            if arg.ty.trim().is_empty() {
                return Err(invalid("an argument has no type".into()));
            }
        }
        let key = f.name.key();
        if let Some(old) = self.functions.get(&key) {
            if !o.or_replace {
                return Err(E::FunctionExists(f.name.clone()));
            }
            let types = |def: &crate::ops::FunctionDef| -> Vec<String> {
                def.args.iter().map(|a| a.ty.to_lowercase()).collect()
            };
            if types(old) != types(f) {
                return Err(invalid(format!(
                    "OR REPLACE keeps the arguments ({}); the model holds one function per name: drop {} first",
                    old.signature(),
                    old.name
                )));
            }
            if !old.returns.eq_ignore_ascii_case(&f.returns) {
                return Err(invalid(format!(
                    "cannot change return type of existing function (it returns {}); drop it first",
                    old.returns
                )));
            }
        }
        let stored = crate::ops::FunctionDef {
            name: crate::ident::QualifiedName::from_key(&key.0, &key.1),
            ..f.clone()
        };
        self.functions.insert(key, stored);
        Ok(())
    }

    pub(super) fn drop_function(&mut self, o: &DropFunction) -> Result {
        let key = o.name.key();
        if !self.functions.contains_key(&key) {
            return Err(E::FunctionNotFound(o.name.clone()));
        }
        if let Some(t) = self.triggers.values().find(
            |t| matches!(&t.action, TriggerAction::Function { name, .. } if name.key() == key),
        ) {
            return Err(E::FunctionInUse {
                function: o.name.clone(),
                trigger: t.name.clone(),
                table: t.table.clone(),
            });
        }
        self.functions.remove(&key);
        Ok(())
    }
}
