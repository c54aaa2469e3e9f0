//! Models: the schema the application wants, declared next to its code and
//! registered like revisions; `revision --autogenerate` writes the revision
//! that takes the migrations' schema to it.
//!
//! A model is a function that declares tables, enums, schemas, indexes and
//! constraints with the op builder (the calls a revision makes), registered
//! by [`model!`](crate::model). Every model linked into the binary is part
//! of the target schema; models may reference each other's tables in any
//! order (foreign keys are added once every table exists). Names a model
//! leaves out are given by the naming convention in force when the target
//! schema is built ([`naming::within`](crate::ops::naming::within); the CLI
//! uses `CliConfig::with_naming`'s), as new revisions are written under it.
//!
//! ```
//! use migrator_core::prelude::*;
//! use migrator_core::models::{self, Model};
//!
//! migrator_core::model! {
//!     /// The students.
//!     fn students(op: &mut Ops) {
//!         op.create_table("students", |t| {
//!             t.column::<i64>("id").identity().primary_key();
//!             t.column::<String>("name");
//!         });
//!     }
//! }
//!
//! let target = models::target_schema(&models::registered()).unwrap();
//! assert!(target.table(&"students".into()).is_some());
//! ```

use std::borrow::Borrow;

use crate::ops::{AddConstraint, Constraint, Op, Ops};
use crate::schema::{Schema, ValidationError};

/// One model, as [`model!`](crate::model) registers it.
#[derive(Debug, Clone)]
pub struct Model {
    /// The function's name.
    pub name: &'static str,
    /// The function: declares the model's objects.
    pub declare: fn(&mut Ops),
    /// The source file that declares it.
    pub file: &'static str,
    /// Its line.
    pub line: u32,
}

inventory::collect!(Model);

impl From<&Model> for Model {
    fn from(m: &Model) -> Self {
        m.clone()
    }
}

/// Declares a model: a function given the op builder, registered so that
/// [`registered`] finds it (see the [module](crate::models)).
#[macro_export]
macro_rules! model {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($op:ident: &mut Ops) $body:block) => {
        $(#[$meta])*
        $vis fn $name($op: &mut $crate::ops::Ops) $body

        $crate::inventory::submit! {
            $crate::models::Model {
                name: stringify!($name),
                declare: $name,
                file: file!(),
                line: line!(),
            }
        }
    };
}

/// Every model linked into this binary, by name (then file).
pub fn registered() -> Vec<&'static Model> {
    let mut all: Vec<&'static Model> = inventory::iter::<Model>.into_iter().collect();
    all.sort_by_key(|m| (m.name, m.file, m.line));
    all
}

/// Why the models do not make a schema.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A model records an op that does not declare an object.
    #[error(
        "model {model} (at {file}:{line}) records {op}: a model declares what exists (create_schema, create_extension, create_enum, create_sequence, create_table, create_index, add_* constraints, create_view, create_materialized_view, create_function, create_trigger, op.on blocks); changes belong in revisions"
    )]
    NotADeclaration {
        /// The model.
        model: String,
        /// Its file.
        file: String,
        /// Its line.
        line: u32,
        /// The op, described.
        op: String,
    },
    /// An op of a model does not apply (an unknown table or column, a
    /// table two models declare, …).
    #[error("model {model} (at {file}:{line}): {op}: {source}")]
    Invalid {
        /// The model.
        model: String,
        /// Its file.
        file: String,
        /// Its line.
        line: u32,
        /// The op, described.
        op: String,
        /// What is wrong.
        #[source]
        source: Box<ValidationError>,
    },
}

/// The schema `models` declare together: schemas and extensions first,
/// then enums, then tables (their foreign keys held back), then every
/// constraint added on its own and the foreign keys, then views (in the
/// order the models declare them: a view after the views it reads), then
/// indexes (a materialized view's too), then functions, then triggers and
/// blocks for one engine, so that a model may name a table another
/// declares. An op that is not a declaration, or one that does not apply,
/// is an error naming its model.
pub fn target_schema<M: Borrow<Model>>(models: &[M]) -> Result<Schema, ModelError> {
    let mut phases: [Vec<(&Model, Op)>; 8] = Default::default();
    for m in models {
        let m = m.borrow();
        let mut op = Ops::new();
        (m.declare)(&mut op);
        for o in op.into_ops() {
            let phase = match &o {
                Op::CreateSchema(_) | Op::CreateExtension(_) => 0,
                // Before the tables: a default may draw from a sequence. Its
                // OWNED BY once the tables exist.
                Op::CreateSequence(c) if c.owned_by.is_some() => {
                    let mut create = c.clone();
                    let mut own = crate::ops::AlterSequence::new(c.name.clone());
                    own.owned_by = Some(create.owned_by.take());
                    phases[1].push((m, Op::CreateSequence(create)));
                    phases[3].push((m, Op::AlterSequence(own)));
                    continue;
                }
                Op::CreateEnum(_) | Op::CreateSequence(_) => 1,
                Op::CreateTable(c) => {
                    let mut c = c.clone();
                    let (keys, rest): (Vec<Constraint>, Vec<Constraint>) = c
                        .table
                        .constraints
                        .into_iter()
                        .partition(|k| matches!(k, Constraint::ForeignKey(_)));
                    c.table.constraints = rest;
                    for k in keys {
                        phases[3].push((
                            m,
                            Op::AddConstraint(AddConstraint {
                                table: c.table.name.clone(),
                                constraint: k,
                            }),
                        ));
                    }
                    phases[2].push((m, Op::CreateTable(c)));
                    continue;
                }
                Op::AddConstraint(_) => 3,
                Op::CreateView(c) if !c.or_replace => 4,
                Op::CreateIndex(_) => 5,
                Op::CreateFunction(_) => 6,
                // A block for one engine: the target schema is engine-neutral
                // and leaves it out, as it leaves out the migrations' blocks.
                Op::CreateTrigger(_) | Op::OnEngine(_) => 7,
                other => {
                    return Err(ModelError::NotADeclaration {
                        model: m.name.to_owned(),
                        file: m.file.to_owned(),
                        line: m.line,
                        op: other.describe(),
                    });
                }
            };
            phases[phase].push((m, o));
        }
    }
    let mut schema = Schema::new();
    for (m, o) in phases.iter().flatten() {
        // Two models may both declare the schema they share.
        if let Op::CreateSchema(c) = o
            && schema.has_schema(&c.name)
        {
            continue;
        }
        schema.apply(o).map_err(|source| ModelError::Invalid {
            model: m.name.to_owned(),
            file: m.file.to_owned(),
            line: m.line,
            op: o.describe(),
            source: Box::new(source),
        })?;
    }
    Ok(schema)
}
