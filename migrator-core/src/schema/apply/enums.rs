//! Enums: created, values added and renamed, dropped once no column uses
//! them.

use std::collections::BTreeSet;

use super::{E, Result};
use crate::ident::{QualifiedName, check_ident};
use crate::ops::{AddEnumValue, CreateEnum, DropEnum, EnumPosition, RenameEnumValue};
use crate::schema::Schema;
use crate::types::{ColumnType, DefaultValue, Literal};

impl Schema {
    fn enum_mut(&mut self, name: &QualifiedName) -> Result<&mut Vec<String>> {
        self.enums
            .get_mut(&name.key())
            .ok_or_else(|| E::EnumNotFound(name.clone()))
    }

    pub(super) fn create_enum(&mut self, o: &CreateEnum) -> Result {
        let (schema, name) = o.name.key();
        check_ident(&name)?;
        self.need_schema(&schema)?;
        self.type_free(&schema, &name)?;
        let mut seen = BTreeSet::new();
        for value in &o.values {
            check_ident(value)?;
            if !seen.insert(value) {
                return Err(E::EnumValueExists {
                    name: o.name.clone(),
                    value: value.clone(),
                });
            }
        }
        self.enums.insert((schema, name), o.values.clone());
        Ok(())
    }

    pub(super) fn add_enum_value(&mut self, o: &AddEnumValue) -> Result {
        check_ident(&o.value)?;
        let values = self.enum_mut(&o.name)?;
        if values.contains(&o.value) {
            return if o.if_not_exists {
                Ok(())
            } else {
                Err(E::EnumValueExists {
                    name: o.name.clone(),
                    value: o.value.clone(),
                })
            };
        }
        let at = match &o.position {
            None => values.len(),
            Some(EnumPosition::Before(v) | EnumPosition::After(v)) => {
                let i = values
                    .iter()
                    .position(|x| x == v)
                    .ok_or_else(|| E::EnumValueNotFound {
                        name: o.name.clone(),
                        value: v.clone(),
                    })?;
                if matches!(o.position, Some(EnumPosition::After(_))) {
                    i + 1
                } else {
                    i
                }
            }
        };
        values.insert(at, o.value.clone());
        Ok(())
    }

    pub(super) fn rename_enum_value(&mut self, o: &RenameEnumValue) -> Result {
        check_ident(&o.to)?;
        let values = self.enum_mut(&o.name)?;
        if values.contains(&o.to) {
            return Err(E::EnumValueExists {
                name: o.name.clone(),
                value: o.to.clone(),
            });
        }
        let slot =
            values
                .iter_mut()
                .find(|v| **v == o.from)
                .ok_or_else(|| E::EnumValueNotFound {
                    name: o.name.clone(),
                    value: o.from.clone(),
                })?;
        slot.clone_from(&o.to);
        // A default that is this enum's value follows the rename, as in PostgreSQL.
        let key = o.name.key();
        for column in self.tables.values_mut().flat_map(|t| &mut t.columns) {
            let is_enum = matches!(&column.ty, ColumnType::Enum(n) if n.key() == key);
            if let (true, Some(DefaultValue::Literal(Literal::Str(v)))) =
                (is_enum, &mut column.default)
                && *v == o.from
            {
                v.clone_from(&o.to);
            }
        }
        Ok(())
    }

    pub(super) fn drop_enum(&mut self, o: &DropEnum) -> Result {
        let key = o.name.key();
        if !self.enums.contains_key(&key) {
            return Err(E::EnumNotFound(o.name.clone()));
        }
        for table in self.tables.values() {
            if let Some(column) = table
                .columns
                .iter()
                .find(|c| c.ty.enum_name().is_some_and(|n| n.key() == key))
            {
                return Err(E::EnumInUse {
                    name: o.name.clone(),
                    table: table.name.clone(),
                    column: column.name.clone(),
                });
            }
        }
        self.enums.remove(&key);
        Ok(())
    }
}
