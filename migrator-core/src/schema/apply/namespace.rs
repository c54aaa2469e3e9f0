//! Schemas (namespaces): created, and dropped once empty.

use super::{E, Result};
use crate::ident::check_ident;
use crate::ops::{CreateSchema, DropSchema};
use crate::schema::{Key, Schema};

impl Schema {
    pub(super) fn create_schema(&mut self, o: &CreateSchema) -> Result {
        check_ident(&o.name)?;
        if self.schemas.contains(&o.name) {
            return if o.if_not_exists {
                Ok(())
            } else {
                Err(E::SchemaExists(o.name.clone()))
            };
        }
        self.schemas.insert(o.name.clone());
        Ok(())
    }

    pub(super) fn drop_schema(&mut self, o: &DropSchema) -> Result {
        self.need_schema(&o.name)?;
        let in_schema = |(s, _): &&Key| *s == o.name;
        let holds = None
            .or_else(|| {
                self.tables
                    .keys()
                    .find(in_schema)
                    .map(|k| format!("table {}", k.1))
            })
            .or_else(|| {
                self.views
                    .iter()
                    .find(|(k, _)| k.0 == o.name)
                    .map(|(k, v)| {
                        let kind = if v.materialized {
                            "materialized view"
                        } else {
                            "view"
                        };
                        format!("{kind} {}", k.1)
                    })
            })
            .or_else(|| {
                self.indexes
                    .keys()
                    .find(in_schema)
                    .map(|k| format!("index {}", k.1))
            })
            .or_else(|| {
                self.enums
                    .keys()
                    .find(in_schema)
                    .map(|k| format!("enum {}", k.1))
            })
            .or_else(|| {
                self.functions
                    .keys()
                    .find(in_schema)
                    .map(|k| format!("function {}", k.1))
            })
            .or_else(|| {
                self.sequences
                    .keys()
                    .find(in_schema)
                    .map(|k| format!("sequence {}", k.1))
            })
            .or_else(|| {
                self.extensions
                    .values()
                    .find(|e| e.schema.as_deref() == Some(o.name.as_str()))
                    .map(|e| format!("extension {}", e.name))
            });
        if let Some(holds) = holds {
            return Err(E::SchemaNotEmpty {
                schema: o.name.clone(),
                holds,
            });
        }
        self.schemas.remove(&o.name);
        Ok(())
    }
}
