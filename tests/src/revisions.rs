//! Revisions built in a test, for runner and CLI tests that need their own
//! graphs rather than the ones linked into the binary.

use migrator_core::prelude::*;
use migrator_core::registry::{Downgrade, Registered, Upgrade};
use migrator_core::run::Migrations;

/// A revision `id` with `parents`, upgrading with `up` and undone by `down`
/// (its message is its id).
pub fn revision(
    id: &'static str,
    parents: &'static [&'static str],
    up: fn(&mut Ops),
    down: Downgrade,
) -> Registered {
    Registered {
        id,
        down_revisions: parents,
        message: id,
        branch_labels: &[],
        depends_on: &[],
        upgrade: Upgrade::Ops(up),
        downgrade: down,
        naming: None,
        file: file!(),
        line: line!(),
    }
}

/// A revision `id` with `parents` whose downgrade is derived from its
/// `Reversible` upgrade `up`.
pub fn reversible(
    id: &'static str,
    parents: &'static [&'static str],
    up: fn(&mut Reversible),
) -> Registered {
    Registered {
        upgrade: Upgrade::Reversible(up),
        ..revision(id, parents, |_| {}, Downgrade::Derived)
    }
}

/// Creates `users` (identity key, unique email).
pub fn up_users(op: &mut Ops) {
    op.create_table("users", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<String>("email").unique();
    });
}

/// Drops `users`.
pub fn down_users(op: &mut Ops) {
    op.drop_table("users");
}

/// Creates `posts`, referencing `users`, with an index on its title.
pub fn up_posts(op: &mut Ops) {
    op.create_table("posts", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<i64>("user_id").references("users", "id");
        t.column::<String>("title");
    });
    op.create_index("posts", ["title"]);
}

/// Adds `users.bio` and fills it with raw SQL (with its reverse).
pub fn up_bio(op: &mut Ops) {
    op.add_column::<Option<String>>("users", "bio");
    op.execute("UPDATE users SET bio = 'x'")
        .reverse("UPDATE users SET bio = NULL");
}

/// Adds a column and an index, then fails on a table that does not exist.
pub fn up_failing(op: &mut Ops) {
    op.add_column::<Option<i32>>("users", "score");
    op.create_index("users", ["score"]);
    op.execute("INSERT INTO no_such_table VALUES (1)");
}

/// users (a1) → posts (b2) → bio (c3), the last two with derived downgrades.
pub fn chain() -> Migrations {
    Migrations::new(chain_revisions(up_posts)).expect("a valid graph")
}

/// The revisions of [`chain`], with `posts` as b2's upgrade (an edited b2,
/// for checksum tests).
pub fn chain_revisions(posts: fn(&mut Ops)) -> Vec<Registered> {
    vec![
        revision("a1", &[], up_users, Downgrade::Written(down_users)),
        revision("b2", &["a1"], posts, Downgrade::Derived),
        revision("c3", &["b2"], up_bio, Downgrade::Derived),
    ]
}

/// [`up_posts`] edited after it was applied: its title column renamed.
pub fn up_posts_edited(op: &mut Ops) {
    op.create_table("posts", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<i64>("user_id").references("users", "id");
        t.column::<String>("headline");
    });
    op.create_index("posts", ["headline"]);
}

/// Creates `people` (identity key, a name).
pub fn up_people(op: &mut Ops) {
    op.create_table("people", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<String>("name");
    });
}

/// Drops `people`.
pub fn down_people(op: &mut Ops) {
    op.drop_table("people");
}
