//! The workload W(N), generated three ways: migrator revision files in an
//! application crate, plain up/down SQL for psql, and a refinery
//! application embedding the same SQL with `embed_migrations!`.
//!
//! Revision `i` (1-based) creates `t_<i>` (id bigserial primary key, name
//! text not null, created_at timestamptz not null default now(), amount
//! numeric(10,2), ref_id bigint) and an index on `t_<i>(name)`; every 10th
//! also adds a nullable column to the table created five revisions earlier.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

/// The table revision `i` creates.
pub fn table(i: usize) -> String {
    format!("t_{i:05}")
}

/// The id of revision `i`.
pub fn rev_id(i: usize) -> String {
    format!("r{i:05}")
}

/// The column every 10th revision adds to an earlier table: `(table, column)`.
fn extra(i: usize) -> Option<(String, String)> {
    i.is_multiple_of(10)
        .then(|| (table(i - 5), format!("extra_{i:05}")))
}

/// The upgrade SQL of revision `i`, statement per line (what our renderer
/// emits for the same ops).
pub fn up_sql(i: usize) -> String {
    let t = table(i);
    let mut s = format!(
        "CREATE TABLE \"{t}\" (\n  \"id\" bigserial NOT NULL,\n  \"name\" text NOT NULL,\n  \"created_at\" timestamptz NOT NULL DEFAULT now(),\n  \"amount\" numeric(10, 2),\n  \"ref_id\" bigint,\n  CONSTRAINT \"{t}_pkey\" PRIMARY KEY (\"id\")\n);\nCREATE INDEX \"ix_{t}_name\" ON \"{t}\" (\"name\");\n"
    );
    if let Some((table, column)) = extra(i) {
        let _ = writeln!(s, "ALTER TABLE \"{table}\" ADD COLUMN \"{column}\" text;");
    }
    s
}

/// The downgrade SQL of revision `i` (what the derived downgrade runs).
pub fn down_sql(i: usize) -> String {
    let t = table(i);
    let mut s = String::new();
    if let Some((table, column)) = extra(i) {
        let _ = writeln!(s, "ALTER TABLE \"{table}\" DROP COLUMN \"{column}\";");
    }
    let _ = writeln!(s, "DROP INDEX \"ix_{t}_name\";\nDROP TABLE \"{t}\";");
    s
}

/// Revision `i` as a migrator revision file, with `edited` adding one op.
pub fn revision_file(i: usize, edited: bool) -> String {
    let id = rev_id(i);
    let parent = if i == 1 {
        "None".to_owned()
    } else {
        format!("\"{}\"", rev_id(i - 1))
    };
    let revises = if i == 1 { String::new() } else { rev_id(i - 1) };
    let t = table(i);
    let mut body = format!(
        "        op.create_table(\"{t}\", |t| {{
            t.column_as(\"id\", ColumnType::BigSerial).primary_key();
            t.column::<String>(\"name\");
            t.column_as(\"created_at\", ColumnType::TimestampTz).default_sql(\"now()\");
            t.column_as(\"amount\", ColumnType::numeric(10, 2)).nullable();
            t.column::<Option<i64>>(\"ref_id\");
        }});
        op.create_index(\"{t}\", [\"name\"]);
"
    );
    if let Some((table, column)) = extra(i) {
        let _ = writeln!(
            body,
            "        op.add_column::<Option<String>>(\"{table}\", \"{column}\");"
        );
    }
    if edited {
        let _ = writeln!(
            body,
            "        op.add_column::<Option<String>>(\"{t}\", \"edited\");"
        );
    }
    format!(
        "//! create {t}
//!
//! Revision ID: {id}
//! Revises: {revises}

use migrator_core::prelude::*;

#[migration(revision = \"{id}\", down_revision = {parent}, message = \"create {t}\", reversible)]
impl Revision {{
    fn upgrade(op: &mut Reversible) {{
{body}    }}
}}
"
    )
}

/// Where the generated crates and scripts of W(N) live.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The migrator application crate.
    pub app: PathBuf,
    /// The refinery application crate.
    pub refinery_app: PathBuf,
    /// The psql scripts.
    pub sql: PathBuf,
}

impl Paths {
    /// The paths under `bench_dir` for `n` revisions.
    pub fn new(bench_dir: &Path, n: usize) -> Self {
        Self {
            app: bench_dir.join(format!("app-{n}")),
            refinery_app: bench_dir.join(format!("refinery-app-{n}")),
            sql: bench_dir.join(format!("sql-{n}")),
        }
    }

    /// The migrator app's package (and binary) name.
    pub fn app_name(n: usize) -> String {
        format!("bench-app-{n}")
    }

    /// The refinery app's package (and binary) name.
    pub fn refinery_name(n: usize) -> String {
        format!("bench-refinery-{n}")
    }

    /// Our revision file for `i`.
    pub fn revision(&self, i: usize) -> PathBuf {
        self.app
            .join("src/migrations")
            .join(format!("{}_create_{}.rs", rev_id(i), table(i)))
    }

    /// Refinery's migration file for `i`.
    pub fn refinery_migration(&self, i: usize) -> PathBuf {
        self.refinery_app
            .join("migrations")
            .join(format!("V{i}__create_{}.sql", table(i)))
    }
}

/// Writes `text` to `path` unless it already holds it (an unchanged file
/// keeps its mtime, so cargo does not rebuild).
pub fn write_if_changed(path: &Path, text: &str) -> io::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)
}

/// Removes the files of `dir` that are not in `keep`.
fn prune(dir: &Path, keep: &[PathBuf]) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if !keep.contains(&path) {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

const BUILD_RS: &str = "fn main() {\n    println!(\"cargo:rerun-if-changed=src/migrations\");\n    println!(\"cargo:rerun-if-changed=migrations\");\n}\n";

/// Generates W(`n`) three ways under `paths`. `core` is migrator-core's
/// directory, `lock` the workspace's Cargo.lock (copied so the generated
/// crates start from the workspace's versions).
pub fn generate(paths: &Paths, n: usize, core: &Path, lock: &Path) -> io::Result<()> {
    // The migrator application.
    let name = Paths::app_name(n);
    write_if_changed(
        &paths.app.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nmigrator-core = {{ path = \"{}\" }}\n\n\
             [profile.release]\ndebug = \"line-tables-only\"\n\n\
             # Its own workspace: generated by migrator-bench, not part of migrator's.\n[workspace]\n",
            core.display()
        ),
    )?;
    if !paths.app.join("Cargo.lock").exists() {
        std::fs::copy(lock, paths.app.join("Cargo.lock"))?;
    }
    write_if_changed(&paths.app.join("build.rs"), BUILD_RS)?;
    write_if_changed(
        &paths.app.join("src/lib.rs"),
        "//! W(N) for migrator-bench.\n\n/// The generated revisions.\npub mod migrations {\n    migrator_core::migrations!(\"migrations\");\n}\n",
    )?;
    write_if_changed(
        &paths.app.join("src/main.rs"),
        &format!(
            "use migrator_core::cli::{{self, CliConfig}};\nuse {} as _;\n\n\
             fn main() -> std::process::ExitCode {{\n    cli::main(\n        CliConfig::default()\n            \
             .with_migrations_dir(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/src/migrations\"))\n            \
             .with_default_url(\"postgres://postgres@127.0.0.1:5432/migrator_bench_app\")\n            .with_program(\"{name}\"),\n    \
             )\n}}\n",
            name.replace('-', "_")
        ),
    )?;
    let mut keep = Vec::with_capacity(n);
    for i in 1..=n {
        let path = paths.revision(i);
        write_if_changed(&path, &revision_file(i, false))?;
        keep.push(path);
    }
    prune(&paths.app.join("src/migrations"), &keep)?;

    // The refinery application: the same SQL, embedded.
    let rname = Paths::refinery_name(n);
    write_if_changed(
        &paths.refinery_app.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"{rname}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n\
             refinery = {{ version = \"0.8\", default-features = false, features = [\"tokio-postgres\"] }}\n\
             tokio-postgres = {{ version = \"0.7\", default-features = false, features = [\"runtime\"] }}\n\
             tokio = {{ version = \"1\", default-features = false, features = [\"rt\", \"macros\", \"net\"] }}\n\n\
             [profile.release]\ndebug = \"line-tables-only\"\n\n\
             # Its own workspace: generated by migrator-bench, not part of migrator's.\n[workspace]\n"
        ),
    )?;
    if !paths.refinery_app.join("Cargo.lock").exists() {
        std::fs::copy(lock, paths.refinery_app.join("Cargo.lock"))?;
    }
    write_if_changed(&paths.refinery_app.join("build.rs"), BUILD_RS)?;
    write_if_changed(&paths.refinery_app.join("src/main.rs"), REFINERY_MAIN)?;
    let mut keep = Vec::with_capacity(n);
    for i in 1..=n {
        let path = paths.refinery_migration(i);
        write_if_changed(&path, &up_sql(i))?;
        keep.push(path);
    }
    prune(&paths.refinery_app.join("migrations"), &keep)?;

    // psql: one script for `psql -1`, one with a transaction per revision,
    // and the down script (a transaction per revision, newest first).
    let mut all = String::new();
    let mut per = String::new();
    let mut down = String::new();
    for i in 1..=n {
        let up = up_sql(i);
        all.push_str(&up);
        let _ = write!(per, "BEGIN;\n{up}COMMIT;\n");
    }
    for i in (1..=n).rev() {
        let _ = write!(down, "BEGIN;\n{}COMMIT;\n", down_sql(i));
    }
    write_if_changed(&paths.sql.join("all.sql"), &all)?;
    write_if_changed(&paths.sql.join("per_revision.sql"), &per)?;
    write_if_changed(&paths.sql.join("down.sql"), &down)?;
    Ok(())
}

/// The refinery application: applies its embedded migrations to the URL
/// it is given (a transaction per migration, refinery's default).
const REFINERY_MAIN: &str = r#"mod embedded {
    refinery::embed_migrations!("migrations");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::args().nth(1).expect("usage: bench-refinery URL");
    let (mut client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    let task = tokio::spawn(connection);
    let report = embedded::migrations::runner()
        .run_async(&mut client)
        .await
        .expect("migrate");
    println!("{}", report.applied_migrations().len());
    drop(client);
    let _ = task.await;
}
"#;

/// Checks the refinery migration files with refinery's own parser (names
/// and versions), before spending a build on them.
pub fn check_refinery(paths: &Paths, n: usize) -> Result<(), String> {
    for i in 1..=n {
        let path = paths.refinery_migration(i);
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or("file name")?;
        let sql = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let m = refinery::Migration::unapplied(name, &sql).map_err(|e| e.to_string())?;
        if usize::try_from(m.version()).ok() != Some(i) {
            return Err(format!("{name}: refinery reads version {}", m.version()));
        }
    }
    Ok(())
}
