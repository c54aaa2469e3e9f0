//! Proc-macros of migrator, re-exported by `migrator-core`:
//!
//! - `#[migration(...)]` on `impl Revision { fn upgrade … fn downgrade … }`
//!   registers a revision (through `inventory`) and refuses, at compile time,
//!   a revision that cannot be walked back;
//! - `migrations!("dir")` includes every file of a directory as a module and
//!   checks the revisions' graph (duplicate ids, unknown parents, cycles);
//!   `extends = ["<id>", ...]` names parents that live in other crates.

mod args;
mod dir;
mod model;
mod revision;

/// The revision graph's checks, the same crate `migrator-core` uses.
use migrator_graph as graph;

use proc_macro::TokenStream;

/// Declares a revision. Put it on an impl block whose `upgrade` (and, unless
/// the revision is `reversible` or `irreversible`, `downgrade`) record ops:
///
/// ```ignore
/// use migrator_core::prelude::*;
///
/// #[migration(
///     revision = "ae1027a6acf4",
///     down_revision = "1975ea83b712",   // None for a base, ["a", "b"] for a merge
///     message = "add fees",
///     branch_labels = ["billing"],      // optional
///     depends_on = ["27c6a30d7c24"],    // optional
/// )]
/// impl Revision {
///     fn upgrade(op: &mut Ops) { /* … */ }
///     fn downgrade(op: &mut Ops) { /* … */ }
/// }
/// ```
///
/// With `reversible`, `upgrade` takes `op: &mut Reversible` and the downgrade
/// is derived; with `irreversible = "reason"` there is none, and the runner
/// refuses to walk back through the revision, quoting the reason.
#[proc_macro_attribute]
pub fn migration(attr: TokenStream, item: TokenStream) -> TokenStream {
    revision::expand(attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Includes every `.rs` file of a directory (relative to the invoking file,
/// as `include_str!`) as a public module, and checks their revisions form a
/// graph: no duplicate id, no unknown `down_revision` or `depends_on`, no
/// cycle. A file that does not parse, or whose `#[migration]` arguments are
/// invalid, is reported by the compiler in that file, at its line; the graph
/// is checked once every file reads (its revision is unknown until then, and
/// its children's "unknown parent" would only hide the real error). Add
/// `println!("cargo:rerun-if-changed=src/migrations");` to the crate's
/// `build.rs` so that a new file is picked up without a clean build.
///
/// Revisions of other crates that the directory's revisions build on are
/// listed in `extends`; they are accepted as parents and dependencies here,
/// and checked at start-up, where a missing one names the crate link to add:
///
/// ```ignore
/// migrator_core::migrations!("migrations", extends = ["1975ea83b712"]);
/// ```
#[proc_macro]
pub fn migrations(input: TokenStream) -> TokenStream {
    dir::expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// A struct as a table of the models' schema (see `migrator_core::models`):
/// each named field is a column, typed by its Rust type as
/// `t.column::<T>()` types it (`Option<T>`: nullable) or by `sql_type`.
///
/// ```ignore
/// #[derive(Model)]
/// #[model(table = "fees", index(columns = ["student_id", "status"]),
///         check(name = "fees_amount_positive", expr = "amount > 0"))]
/// struct Fee {
///     #[model(primary_key, identity)]
///     id: i64,
///     #[model(references = "students.id", on_delete = "cascade", index)]
///     student_id: i64,
///     #[model(sql_type = "numeric(10,2)")]
///     amount: Decimal,
///     #[model(default = "pending")]
///     status: FeeStatus,
///     note: Option<String>,
/// }
/// ```
///
/// Table keys: `table` (default: the struct's name in snake case), `schema`,
/// `comment`, `primary_key = [..]` (composite), `unique(columns, name)`,
/// `check(name, expr)`, `index(columns, name, unique, method, where,
/// include)`. Field keys: `column`, `sql_type`, `primary_key`, `identity`,
/// `identity_always`, `nullable`, `default` (a literal), `default_sql`,
/// `comment`, `unique`, `index`, `references = "table.column"` with
/// `on_delete`, `on_update`, `fk_name`, and `skip` (not a column).
#[proc_macro_derive(Model, attributes(model))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    model::expand_model(syn::parse_macro_input!(input as syn::DeriveInput))
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// A fieldless enum as a database enum of the models' schema, and the
/// column type of fields of its type: `#[db_enum(name = "fee_status",
/// schema = "billing")]` (default name: the enum's in snake case); each
/// variant is a value, in snake case unless `#[db_enum(rename = "…")]`.
#[proc_macro_derive(DbEnum, attributes(db_enum))]
pub fn derive_db_enum(input: TokenStream) -> TokenStream {
    model::expand_db_enum(syn::parse_macro_input!(input as syn::DeriveInput))
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
