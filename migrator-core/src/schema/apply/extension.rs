//! PostgreSQL extensions: installed and removed.

use super::{E, Result};
use crate::ident::check_ident;
use crate::ops::{CreateExtension, DropExtension};
use crate::schema::Schema;

impl Schema {
    pub(super) fn create_extension(&mut self, o: &CreateExtension) -> Result {
        check_ident(&o.name)?;
        if self.extensions.contains_key(&o.name) {
            return if o.if_not_exists {
                Ok(())
            } else {
                Err(E::ExtensionExists(o.name.clone()))
            };
        }
        if let Some(schema) = &o.schema {
            self.need_schema(schema)?;
        }
        let mut def = o.clone();
        def.if_not_exists = false;
        self.extensions.insert(o.name.clone(), def);
        Ok(())
    }

    pub(super) fn drop_extension(&mut self, o: &DropExtension) -> Result {
        match self.extensions.remove(&o.name) {
            Some(_) => Ok(()),
            None => Err(E::ExtensionNotFound(o.name.clone())),
        }
    }
}
