//! The checked set of revisions a runner works from, and replaying them
//! onto the schema model.

use std::collections::{BTreeMap, BTreeSet};

use super::checksum;
use super::error::RunError;
use super::prepare::{Checksums, Derived, invalid};
use crate::engine::Engine;
use crate::graph::Graph;
use crate::registry::{self, Registered, RegistryError};
use crate::schema::Schema;

/// A checked set of revisions: the graph and each revision's code.
pub struct Migrations {
    revisions: BTreeMap<&'static str, Registered>,
    graph: Graph,
}

impl Migrations {
    /// Every revision linked into this binary (`#[migration]`), checked as
    /// a graph. None at all is an error ([`RegistryError::Empty`]: the
    /// binary most likely forgot to link the crate that holds them); a
    /// binary with none on purpose uses [`Migrations::new`].
    pub fn registered() -> Result<Self, RegistryError> {
        let all = registry::registered();
        if all.is_empty() {
            return Err(RegistryError::Empty);
        }
        Self::new(all)
    }

    /// A given set of revisions (owned, or borrowed from the registry),
    /// checked as a graph.
    ///
    /// ```
    /// use migrator_core::prelude::*;
    /// use migrator_core::registry::{Downgrade, Registered, Upgrade};
    /// use migrator_core::run::Migrations;
    ///
    /// let users = Registered {
    ///     id: "a1",
    ///     down_revisions: &[],
    ///     message: "create users",
    ///     branch_labels: &[],
    ///     depends_on: &[],
    ///     upgrade: Upgrade::Ops(|op| {
    ///         op.create_table("users", |t| {
    ///             t.column::<i64>("id").primary_key();
    ///         });
    ///     }),
    ///     downgrade: Downgrade::Written(|op| {
    ///         op.drop_table("users");
    ///     }),
    ///     naming: None,
    ///     file: file!(),
    ///     line: line!(),
    /// };
    /// let migrations = Migrations::new([users]).unwrap();
    /// assert_eq!(migrations.graph().heads(), ["a1"]);
    /// assert!(Migrations::new(Vec::<Registered>::new()).is_ok());
    /// ```
    pub fn new<R: Into<Registered>>(
        revisions: impl IntoIterator<Item = R>,
    ) -> Result<Self, RegistryError> {
        let revisions: Vec<Registered> = revisions.into_iter().map(Into::into).collect();
        let graph = registry::graph_of(&revisions)?;
        Ok(Self {
            revisions: revisions.into_iter().map(|r| (r.id, r)).collect(),
            graph,
        })
    }

    /// The revision graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The revision `id`.
    pub fn get(&self, id: &str) -> Result<&Registered, RunError> {
        self.revisions
            .get(id)
            .ok_or_else(|| RunError::Missing(id.to_owned()))
    }

    /// The ops that take the schema at the heads to the one `models`
    /// declare: what `revision --autogenerate` would write (renames not
    /// guessed), empty when the models and the migrations agree. `check`
    /// fails on a non-empty answer.
    ///
    /// ```
    /// use migrator_core::prelude::*;
    /// use migrator_core::models::Model;
    /// use migrator_core::registry::Registered;
    /// use migrator_core::run::Migrations;
    ///
    /// let m = Migrations::new(Vec::<Registered>::new()).unwrap();
    /// let users = Model {
    ///     name: "users",
    ///     declare: |op| {
    ///         op.create_table("users", |t| {
    ///             t.column::<i64>("id").primary_key();
    ///         });
    ///     },
    ///     file: file!(),
    ///     line: line!(),
    /// };
    /// let ops = m.compare_models(&[users]).unwrap();
    /// assert_eq!(ops[0].describe(), "create_table users");
    /// ```
    pub fn compare_models<M: std::borrow::Borrow<crate::models::Model>>(
        &self,
        models: &[M],
    ) -> Result<Vec<crate::ops::Op>, RunError> {
        let target = crate::models::target_schema(models)?;
        let heads = self.graph.heads();
        let current = self.schema_at(&heads)?;
        crate::schema::diff(&current, &target).map_err(RunError::ModelsDiffer)
    }

    /// The schema model of a database whose version table holds `rows`,
    /// engine-neutral: ops for one engine only are left out (what
    /// autogenerate and `check` compare the models with).
    pub fn schema_at<S: AsRef<str>>(&self, rows: &[S]) -> Result<Schema, RunError> {
        let applied = self.graph.applied(rows.iter().map(AsRef::as_ref))?;
        // Only the schema: no checksums (autogenerate and `check` replay
        // every revision; hashing each would double the work).
        Ok(self.walk(&applied, &BTreeSet::new(), false, None)?.0)
    }

    /// [`schema_at`](Self::schema_at) on `engine`: its blocks of ops for
    /// one engine replayed, the other engine's left out.
    pub fn schema_on<S: AsRef<str>>(&self, engine: Engine, rows: &[S]) -> Result<Schema, RunError> {
        let applied = self.graph.applied(rows.iter().map(AsRef::as_ref))?;
        Ok(self
            .walk(&applied, &BTreeSet::new(), false, Some(engine))?
            .0)
    }

    /// The schema once the revisions `applied` (in order) have run, with
    /// each one's checksum.
    pub(super) fn replay(&self, applied: &[String]) -> Result<(Schema, Checksums), RunError> {
        let (schema, sums, _) = self.walk(applied, &BTreeSet::new(), true, None)?;
        Ok((schema, sums))
    }

    /// [`replay`](Self::replay), also deriving the downgrades of the
    /// revisions in `derive` from the schema just before each of them: one
    /// pass, however many revisions a downgrade undoes.
    pub(super) fn replay_deriving(
        &self,
        applied: &[String],
        derive: &BTreeSet<&str>,
        engine: Engine,
    ) -> Result<(Schema, Checksums, Derived), RunError> {
        self.walk(applied, derive, true, Some(engine))
    }

    /// Replays `applied`, deriving the downgrades of `derive` on the way,
    /// and with `checksums` each revision's checksum.
    fn walk(
        &self,
        applied: &[String],
        derive: &BTreeSet<&str>,
        checksums: bool,
        engine: Option<Engine>,
    ) -> Result<(Schema, Checksums, Derived), RunError> {
        let mut schema = engine.map_or_else(Schema::new, Schema::for_engine);
        let mut sums = Vec::with_capacity(applied.len());
        let mut derived = BTreeMap::new();
        for id in applied {
            let revision = self.get(id)?;
            if derive.contains(id.as_str()) {
                derived.insert(id.clone(), revision.downgrade_ops(&schema)?);
            }
            let ops = revision.upgrade_ops();
            for (index, op) in ops.iter().enumerate() {
                schema
                    .apply(op)
                    .map_err(|source| invalid(id, index, op, source))?;
            }
            if checksums {
                sums.push((id.clone(), checksum::Sum::of(&ops)));
            }
        }
        Ok((schema, sums, derived))
    }
}
