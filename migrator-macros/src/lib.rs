//! Proc-macros of migrator, re-exported by `migrator-core`.
//!
//! The `#[migration]` attribute and the `migrations!` directory macro are
//! built here (see the project's issue tracker for their status); the crate is
//! part of the workspace from the start so the layout matches DESIGN.md.
