//! What the model tests of several files share: a schema replayed from
//! ops, and the message of the op the model refuses after a base schema.
//! (Each test file is its own crate and uses part of it.)
#![allow(dead_code)]

use migrator_core::ops::Ops;
use migrator_core::schema::Schema;

/// The schema the ops `f` records replay to; they must be valid.
pub fn schema(f: impl FnOnce(&mut Ops)) -> Schema {
    let mut op = Ops::new();
    f(&mut op);
    Schema::replay(op.ops()).expect("valid ops")
}

/// The message of the op the model refuses among those `f` records after
/// `base`'s (which must be valid themselves).
pub fn refused(base: fn(&mut Ops), f: impl FnOnce(&mut Ops)) -> String {
    let mut op = Ops::new();
    base(&mut op);
    let n = op.ops().len();
    f(&mut op);
    let err = Schema::replay(op.ops()).expect_err("the ops must be refused");
    assert!(err.index >= n, "the base schema failed: {err}");
    err.source.to_string()
}

/// The PostgreSQL SQL of the derived downgrade of `ops` applied to
/// `before`, rendered against the schema they leave.
pub fn undo_sql(ops: &Ops, before: &Schema) -> Vec<String> {
    let undo = migrator_core::ops::invert_all(ops.ops(), before).expect("an inverse");
    let mut after = before.clone();
    after.apply_all(ops.ops()).expect("the ops apply");
    migrator_core::render::render_ops(&migrator_core::render::Postgres, &undo, &after)
        .expect("the inverse renders")
        .concat()
        .into_iter()
        .map(|s| s.sql)
        .collect()
}
