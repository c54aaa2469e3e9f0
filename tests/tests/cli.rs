//! The command line on a real PostgreSQL, through `migrator_core::cli::run`,
//! the entry point the example app's binary uses: every verb, every target
//! form, offline scripts, exit codes, and passwords kept out of the output.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use example_app as _;
use migrator_core::cli::{self, CliConfig, Output};
use migrator_core::prelude::*;
use migrator_core::registry::{self, Downgrade, Registered, Upgrade};
use migrator_core::run::RunConfig;
use migrator_core::run::{Engine, Migrations};
use migrator_tests::db::TestDb;
use migrator_tests::engine::TestTarget;
use tokio::runtime::Runtime;

const STUDENTS: &str = "1975ea83b712";
const FEES: &str = "ae1027a6acf4";
const DESCRIPTION: &str = "27c6a30d7c24";
const PAYMENTS: &str = "5d2be4c1a9f0";
const LATE: &str = "8f3a61d0c2b7";
const MARK_LATE: &str = "c41e7a9b3d25";
const MERGE: &str = "e7b94f2a6c18";
const HEAD: &str = "3f8a2c61d9e4";

const HISTORY: &str = "\
e7b94f2a6c18 -> 3f8a2c61d9e4 (head), search students, touch fees, describe old fees
5d2be4c1a9f0, c41e7a9b3d25 -> e7b94f2a6c18 (mergepoint), merge payments and late fees
27c6a30d7c24 -> 5d2be4c1a9f0 (payments), create payments
8f3a61d0c2b7 -> c41e7a9b3d25, mark past-due pending fees late
27c6a30d7c24 -> 8f3a61d0c2b7, rename fee status overdue to late
ae1027a6acf4 -> 27c6a30d7c24 (branchpoint), add fee description
1975ea83b712 -> ae1027a6acf4, create fees
<base> -> 1975ea83b712, create students
";

/// A test database with a runtime for the test's own queries (the CLI
/// runs its own runtime, so the test is synchronous).
struct Env {
    db: TestTarget,
    rt: Runtime,
    config: CliConfig,
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

impl Env {
    fn new() -> Env {
        Env::with(CliConfig::default())
    }

    fn with(config: CliConfig) -> Env {
        Env::on(Engine::Postgres, config)
    }

    fn on(engine: Engine, config: CliConfig) -> Env {
        let rt = runtime();
        let db = rt.block_on(TestTarget::new(engine));
        Env { db, rt, config }
    }

    /// The PostgreSQL database, for the tests that are about PostgreSQL.
    fn pg(&self) -> &TestDb {
        match &self.db {
            TestTarget::Postgres(db) => db,
            TestTarget::Sqlite(_) => panic!("a PostgreSQL test given SQLite"),
        }
    }

    /// Runs the CLI against this database.
    fn cli(&self, args: &[&str]) -> Output {
        let url = self.db.url();
        let mut all = vec!["--database-url", url.as_str()];
        all.extend_from_slice(args);
        cli::run(all, &self.config)
    }

    /// Runs the CLI and expects success.
    fn ok(&self, args: &[&str]) -> Output {
        let out = self.cli(args);
        assert_eq!(out.code, 0, "{args:?} failed:\n{}", out.stderr);
        out
    }

    /// Runs the CLI and expects failure (exit 1); returns stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert_eq!(out.code, 1, "{args:?} should fail:\n{out:?}");
        assert!(out.stderr.contains("error: "), "{}", out.stderr);
        out.stderr
    }

    /// The revisions the database is at, as `current` prints their ids.
    fn current(&self) -> Vec<String> {
        self.ok(&["current"])
            .stdout
            .lines()
            .map(|l| l.split(' ').next().unwrap_or_default().to_owned())
            .collect()
    }

    /// The first column of every row.
    fn query(&self, sql: &str) -> Vec<String> {
        self.rt.block_on(self.db.column(sql))
    }

    fn execute(&self, sql: &str) {
        self.rt.block_on(self.db.execute(sql));
    }

    /// The catalog, without the version tables, against the model at the
    /// revisions the database is at.
    fn assert_catalog(&self, context: &str) {
        let rows = self.current();
        let model = Migrations::registered()
            .unwrap()
            .schema_on(self.db.engine(), &rows)
            .unwrap();
        let diffs = self.rt.block_on(self.db.differences(&model));
        assert!(
            diffs.is_empty(),
            "catalog differs {context}:\n  {}",
            diffs.join("\n  ")
        );
    }
}

fn running_lines(out: &Output, word: &str) -> usize {
    out.stderr
        .lines()
        .filter(|l| l.starts_with(&format!("Running {word} ")))
        .count()
}

#[test]
fn upgrade_and_downgrade_take_every_target_form_on_postgres() {
    every_target_form(Engine::Postgres);
}

#[test]
fn upgrade_and_downgrade_take_every_target_form_on_sqlite() {
    every_target_form(Engine::Sqlite);
}

fn every_target_form(engine: Engine) {
    let env = Env::on(engine, CliConfig::default());
    let steps: &[(&[&str], &[&str])] = &[
        (&["upgrade", STUDENTS], &[STUDENTS]),    // full id
        (&["upgrade", "+1"], &[FEES]),            // +N
        (&["upgrade", "ae10+1"], &[DESCRIPTION]), // rev+N
        (&["upgrade", "5d2b"], &[PAYMENTS]),      // prefix
        (&["upgrade", "payments@head"], &[HEAD]), // label@head
        (&["downgrade", "payments@base"], &[MARK_LATE]),
        (&["downgrade", "-1"], &[LATE]), // -N
        (&["downgrade", DESCRIPTION], &[DESCRIPTION]),
        (&["downgrade", "ae1"], &[FEES]),
        (&["downgrade", "base"], &[]),
        (&["upgrade"], &[HEAD]), // head, the default
        (&["downgrade", "c41e-1"], &[PAYMENTS, LATE]),
        (&["upgrade", "heads"], &[HEAD]),
        (&["downgrade", "8f3a+1"], &[PAYMENTS, MARK_LATE]),
        (&["downgrade", "base"], &[]),
        (&["upgrade", "head"], &[HEAD]),
        (&["downgrade", "base"], &[]),
    ];
    for (args, at) in steps {
        let out = env.ok(args);
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
        assert_eq!(env.current(), *at, "after {args:?}");
    }
    // Upgrade head then downgrade base leaves only the version tables.
    let (tables, types) = match engine {
        Engine::Postgres => (
            "SELECT relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE nspname = 'public' AND relkind = 'r' ORDER BY 1",
            "SELECT typname::text FROM pg_type WHERE typname = 'fee_status'",
        ),
        Engine::Sqlite => (
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1",
            "SELECT 1 WHERE 0",
        ),
    };
    assert_eq!(env.query(tables), ["migrator_history", "migrator_version"]);
    assert!(env.query(types).is_empty());

    // Progress lines, as Alembic prints them.
    let out = env.ok(&["upgrade", FEES]);
    assert!(
        out.stderr
            .contains("Running upgrade  -> 1975ea83b712, create students ... "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("Running upgrade 1975ea83b712 -> ae1027a6acf4, create fees ... "),
        "{}",
        out.stderr
    );
    // Ambiguous and unknown targets fail with a hint.
    env.ok(&["upgrade"]);
    env.ok(&["downgrade", "-1"]);
    assert_eq!(env.current(), [MERGE]);
    let err = env.fails(&["downgrade", "-1"]);
    assert!(err.contains("`-1` is ambiguous"), "{err}");
    assert!(err.contains("type one of"), "{err}");
    let err = env.fails(&["upgrade", "ffffff"]);
    assert!(err.contains("ffffff"), "{err}");
    assert_eq!(env.current(), [MERGE]);
}

#[test]
fn stepping_up_and_down_one_revision_at_a_time_matches_the_model_on_postgres() {
    one_revision_at_a_time(Engine::Postgres);
}

#[test]
fn stepping_up_and_down_one_revision_at_a_time_matches_the_model_on_sqlite() {
    one_revision_at_a_time(Engine::Sqlite);
}

fn one_revision_at_a_time(engine: Engine) {
    let env = Env::on(engine, CliConfig::default());
    let graph = registry::graph().unwrap();
    let order = graph.applied(graph.heads()).unwrap();
    assert_eq!(order.len(), 8);
    if engine == Engine::Sqlite {
        // A verb that only reads creates no database file.
        let stderr = env.fails(&["current"]);
        assert!(
            stderr.contains("there is no SQLite database at"),
            "{stderr}"
        );
    } else {
        env.assert_catalog("at base");
    }
    for id in &order {
        let out = env.ok(&["upgrade", id]);
        assert_eq!(running_lines(&out, "upgrade"), 1, "{}", out.stderr);
        env.assert_catalog(&format!("after upgrading to {id}"));
        if id == FEES {
            // A fee long past due, for the data migration to rewrite.
            env.execute(
                "INSERT INTO students (name) VALUES ('Ada');
                 INSERT INTO fees (student_id, amount, due_date) VALUES (1, 120.00, '2000-01-31')",
            );
        }
        let status =
            if order.iter().position(|r| r == id) >= order.iter().position(|r| r == MARK_LATE) {
                "late"
            } else {
                "pending"
            };
        if id != STUDENTS {
            assert_eq!(
                env.query("SELECT CAST(status AS TEXT) FROM fees"),
                [status],
                "at {id}"
            );
        }
    }
    for id in order.iter().rev() {
        let info = graph.get(id).unwrap();
        let target = if info.down_revisions.len() > 1 {
            info.down_revisions[0].clone()
        } else {
            format!("{id}-1")
        };
        let out = env.ok(&["downgrade", &target]);
        assert_eq!(
            running_lines(&out, "downgrade"),
            1,
            "{target}: {}",
            out.stderr
        );
        assert!(!env.current().contains(id), "{id} still applied");
        env.assert_catalog(&format!("after undoing {id}"));
        if id == MARK_LATE {
            assert_eq!(
                env.query("SELECT CAST(status AS TEXT) FROM fees"),
                ["pending"]
            );
        }
    }
    assert!(env.current().is_empty());
}

fn psql(url: &str, script: &str) {
    let mut child = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("psql on the PATH");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), script.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn schema_dump(url: &str) -> String {
    let out = Command::new("pg_dump")
        .args(["--schema-only", "--no-owner", "-d", url])
        .output()
        .expect("pg_dump on the PATH");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        // pg_dump 17.6+ brackets its output with a random key.
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_offline_upgrade_script_gives_the_same_schema_as_an_online_upgrade() {
    let online = Env::new();
    online.ok(&["upgrade", "head"]);
    let offline = Env::new();
    let out = offline.cli(&["upgrade", "head", "--sql"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("-- Running upgrade 1975ea83b712 -> ae1027a6acf4, create fees")
    );
    // Nothing touched the database.
    assert!(
        offline
            .query("SELECT relname::text FROM pg_class WHERE relname = 'migrator_version'")
            .is_empty()
    );
    psql(&offline.pg().url(), &out.stdout);
    assert_eq!(
        schema_dump(&online.pg().url()),
        schema_dump(&offline.pg().url())
    );
    let rows = "SELECT version_num FROM migrator_version ORDER BY 1";
    assert_eq!(online.query(rows), offline.query(rows));
    assert_eq!(offline.current(), [HEAD]);
    // The online CLI agrees the offline database is at head.
    offline.ok(&["check"]);
}

#[test]
fn sql_scripts_take_ranges_and_options() {
    let env = Env::new();
    let part = env.ok(&["upgrade", "--sql", "27c6:heads"]).stdout;
    assert!(!part.contains("CREATE TABLE \"students\""), "{part}");
    assert!(part.contains("CREATE TABLE \"payments\""), "{part}");
    assert!(
        part.contains("UPDATE \"migrator_version\" SET version_num = '3f8a2c61d9e4'"),
        "{part}"
    );

    let down = env.ok(&["downgrade", "--sql", "heads:27c6"]).stdout;
    assert!(
        down.contains("-- Running downgrade 3f8a2c61d9e4 -> e7b94f2a6c18"),
        "{down}"
    );
    assert!(
        down.contains("-- Running downgrade e7b94f2a6c18 -> 5d2be4c1a9f0, c41e7a9b3d25"),
        "{down}"
    );
    assert!(down.contains("DROP TABLE \"payments\""), "{down}");
    assert!(!down.contains("DROP TABLE \"fees\""), "{down}");

    let single = env.ok(&["--single-transaction", "upgrade", "--sql"]).stdout;
    assert_eq!(
        single.lines().filter(|l| *l == "BEGIN;").count(),
        1,
        "{single}"
    );
    assert_eq!(
        single.lines().filter(|l| *l == "COMMIT;").count(),
        1,
        "{single}"
    );

    let stamp = env.ok(&["stamp", "--sql", "heads"]).stdout;
    assert!(
        stamp.contains("DELETE FROM \"migrator_version\";"),
        "{stamp}"
    );
    assert!(
        stamp.contains("INSERT INTO \"migrator_version\" (version_num) VALUES ('3f8a2c61d9e4');"),
        "{stamp}"
    );
    let moved = env.ok(&["stamp", "--sql", "27c6:heads"]).stdout;
    assert!(
        moved.contains("DELETE FROM \"migrator_version\" WHERE version_num = '27c6a30d7c24';"),
        "{moved}"
    );
    assert!(
        !moved.contains("DELETE FROM \"migrator_version\";"),
        "{moved}"
    );

    // The stamp script works on a database.
    psql(&env.pg().url(), &stamp);
    assert_eq!(env.current(), [HEAD]);
    // None of it connected: an unreachable URL is fine offline.
    let out = cli::run(
        [
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
            "upgrade",
            "--sql",
        ],
        &CliConfig::default(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn current_check_heads_exits_1_until_the_database_is_at_the_heads() {
    let env = Env::new();
    let out = env.ok(&["current"]);
    assert_eq!(out.stdout, "");
    let err = env.fails(&["current", "--check-heads"]);
    assert!(
        err.contains("not at the heads: it is at base, the heads are 3f8a2c61d9e4"),
        "{err}"
    );
    env.ok(&["upgrade", DESCRIPTION]);
    assert_eq!(env.ok(&["current"]).stdout, "27c6a30d7c24 (branchpoint)\n");
    assert_eq!(env.cli(&["current", "--check-heads"]).code, 1);
    env.ok(&["upgrade"]);
    let out = env.ok(&["current", "--check-heads"]);
    assert_eq!(out.stdout, "3f8a2c61d9e4 (head)\n");
    env.ok(&["downgrade", "-1"]);
    assert_eq!(env.ok(&["current"]).stdout, "e7b94f2a6c18 (mergepoint)\n");
    let verbose = env.ok(&["current", "--verbose"]).stdout;
    assert!(
        verbose.starts_with(
            "Rev: e7b94f2a6c18 (mergepoint) (current)\nMerges: 5d2be4c1a9f0, c41e7a9b3d25\n"
        ),
        "{verbose}"
    );
}

#[test]
fn history_heads_branches_and_show_print_alembics_formats() {
    let env = Env::new();
    assert_eq!(env.ok(&["history"]).stdout, HISTORY);
    assert_eq!(
        env.ok(&["history", "-r", "27c6:8f3a"]).stdout,
        "27c6a30d7c24 -> 8f3a61d0c2b7, rename fee status overdue to late\n\
         ae1027a6acf4 -> 27c6a30d7c24 (branchpoint), add fee description\n"
    );
    env.ok(&["upgrade", LATE]);
    let marked = env.ok(&["history", "--indicate-current"]).stdout;
    assert!(
        marked.contains(
            "27c6a30d7c24 -> 8f3a61d0c2b7 (current), rename fee status overdue to late\n"
        ),
        "{marked}"
    );
    assert_eq!(
        env.ok(&["history", "-r", "current:"]).stdout,
        "e7b94f2a6c18 -> 3f8a2c61d9e4 (head), search students, touch fees, describe old fees\n\
         5d2be4c1a9f0, c41e7a9b3d25 -> e7b94f2a6c18 (mergepoint), merge payments and late fees\n\
         27c6a30d7c24 -> 5d2be4c1a9f0 (payments), create payments\n\
         8f3a61d0c2b7 -> c41e7a9b3d25, mark past-due pending fees late\n\
         27c6a30d7c24 -> 8f3a61d0c2b7, rename fee status overdue to late\n"
    );
    let verbose = env.ok(&["history", "--verbose"]).stdout;
    assert!(
        verbose.starts_with("Rev: 3f8a2c61d9e4 (head)\nParent: e7b94f2a6c18\nPath: "),
        "{verbose}"
    );
    assert!(
        verbose.contains(
            "Rev: 27c6a30d7c24 (branchpoint)\nParent: ae1027a6acf4\nBranches into: 5d2be4c1a9f0, 8f3a61d0c2b7\nPath: "
        ),
        "{verbose}"
    );
    assert!(
        verbose.contains("\n    create students\n\n    Revision ID: 1975ea83b712\n    Revises:\n    Create Date: 2026-11-25 18:00:00\n"),
        "{verbose}"
    );

    assert_eq!(env.ok(&["heads"]).stdout, "3f8a2c61d9e4 (head)\n");
    assert_eq!(
        env.ok(&["branches"]).stdout,
        "27c6a30d7c24 (branchpoint)\n             -> 5d2be4c1a9f0 (payments)\n             -> 8f3a61d0c2b7\n\n"
    );
    let show = env.ok(&["show", "5d2b"]).stdout;
    assert!(
        show.starts_with("Rev: 5d2be4c1a9f0\nParent: 27c6a30d7c24\nBranch names: payments\nPath: "),
        "{show}"
    );
    assert!(show.contains("5d2be4c1a9f0_create_payments.rs:"), "{show}");
    assert!(
        show.ends_with("    Create Date: 2026-11-26 09:00:00\n"),
        "{show}"
    );
    assert!(
        env.ok(&["show", "head"])
            .stdout
            .starts_with("Rev: 3f8a2c61d9e4 (head)")
    );
    assert!(
        env.ok(&["show", "current"])
            .stdout
            .starts_with("Rev: 8f3a61d0c2b7\n")
    );
    let err = env.fails(&["show", "nope"]);
    assert!(err.contains("nope"), "{err}");
}

fn rev(id: &'static str, parents: &'static [&'static str], downgrade: Downgrade) -> Registered {
    fn up(op: &mut Ops) {
        op.execute("SELECT 1").reverse("SELECT 1");
    }
    Registered {
        id,
        down_revisions: parents,
        message: id,
        branch_labels: &[],
        depends_on: &[],
        upgrade: Upgrade::Ops(up),
        downgrade,
        naming: None,
        file: "/nonexistent/revision.rs",
        line: 1,
    }
}

fn written(_: &mut Ops) {}

/// a ← b, a ← c (irreversible): two heads.
fn two_heads() -> Vec<Registered> {
    vec![
        rev("aaaa00000001", &[], Downgrade::Written(written)),
        rev(
            "bbbb00000002",
            &["aaaa00000001"],
            Downgrade::Written(written),
        ),
        rev(
            "cccc00000003",
            &["aaaa00000001"],
            Downgrade::Irreversible("drops the legacy ledger"),
        ),
    ]
}

fn temp_dir() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "migrator-cli-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn irreversible_revisions_show_their_reason_and_stop_a_downgrade() {
    let env = Env::with(CliConfig::default().with_revisions(two_heads()));
    let history = env.ok(&["history"]).stdout;
    assert!(
        history.contains(
            "aaaa00000001 -> cccc00000003 (head) (irreversible: drops the legacy ledger), cccc00000003\n"
        ),
        "{history}"
    );
    let verbose = env.ok(&["history", "--verbose"]).stdout;
    assert!(
        verbose.contains("Irreversible: drops the legacy ledger\n"),
        "{verbose}"
    );
    let show = env.ok(&["show", "cccc"]).stdout;
    assert_eq!(
        show,
        "Rev: cccc00000003 (head)\nParent: aaaa00000001\nIrreversible: drops the legacy ledger\nPath: /nonexistent/revision.rs:1\n\n    cccc00000003\n\n    Revision ID: cccc00000003\n    Revises: aaaa00000001\n"
    );
    assert_eq!(
        env.ok(&["heads"]).stdout,
        "bbbb00000002 (head)\ncccc00000003 (head)\n"
    );
    let err = env.fails(&["upgrade", "head"]);
    assert!(err.contains("heads"), "{err}");
    env.ok(&["upgrade", "heads"]);
    let err = env.fails(&["downgrade", "base"]);
    assert!(err.contains("drops the legacy ledger"), "{err}");
    assert_eq!(env.current(), ["bbbb00000002", "cccc00000003"]);
}

#[test]
fn check_reports_heads_database_state_and_changed_revisions() {
    let env = Env::new();
    let err = env.fails(&["check"]);
    assert!(err.contains("check found 1 problem(s)"), "{err}");
    assert!(
        err.contains(
            "the database is at base, not at the heads (3f8a2c61d9e4); run `upgrade heads`"
        ),
        "{err}"
    );
    env.ok(&["upgrade"]);
    assert!(env.ok(&["check"]).stdout.starts_with("No problems found"));
    env.execute(
        "UPDATE migrator_history SET checksum = 'tampered' WHERE revision = 'ae1027a6acf4'",
    );
    let err = env.fails(&["check"]);
    assert!(
        err.contains(
            "revision ae1027a6acf4 has changed since it was applied (checksum tampered then"
        ),
        "{err}"
    );
    // upgrade and downgrade refuse too, unless told to accept.
    let err = env.fails(&["downgrade", DESCRIPTION]);
    assert!(err.contains("--accept-changed"), "{err}");
    env.ok(&["--accept-changed", "downgrade", DESCRIPTION]);
    let err = env.fails(&["upgrade"]);
    assert!(err.contains("--accept-changed"), "{err}");
    env.ok(&["--accept-changed", "upgrade"]);

    let heads = Env::with(CliConfig::default().with_revisions(two_heads()));
    heads.ok(&["upgrade", "heads"]);
    let err = heads.fails(&["check"]);
    assert!(
        err.contains("the graph has 2 heads (bbbb00000002, cccc00000003); merge them"),
        "{err}"
    );
    heads.ok(&["check", "--allow-multiple-heads"]);
}

#[test]
fn stamp_sets_the_version_table_and_purge_clears_unknown_rows() {
    let env = Env::new();
    env.ok(&["stamp", "heads"]);
    assert_eq!(env.current(), [HEAD]);
    // Nothing ran.
    assert!(
        env.query("SELECT relname::text FROM pg_class WHERE relname = 'students'")
            .is_empty()
    );
    env.ok(&["stamp", PAYMENTS]);
    assert_eq!(env.current(), [PAYMENTS]);
    env.execute("INSERT INTO migrator_version VALUES ('deadbeef0000')");
    let err = env.fails(&["stamp", "base"]);
    assert!(err.contains("deadbeef0000"), "{err}");
    let err = env.fails(&["current"]);
    assert!(err.contains("deadbeef0000"), "{err}");
    env.ok(&["stamp", FEES, "--purge"]);
    assert_eq!(env.current(), [FEES]);
    env.ok(&["stamp", "base"]);
    assert!(env.current().is_empty());
    let history =
        env.query("SELECT direction || ' ' || revision FROM migrator_history ORDER BY id");
    // Each revision a stamp marks applied is recorded (with its checksum),
    // each it takes back as unstamped; --purge forgets what was there.
    assert_eq!(
        history,
        [
            "stamp 1975ea83b712",
            "stamp ae1027a6acf4",
            "stamp 27c6a30d7c24",
            "stamp 5d2be4c1a9f0",
            "stamp 8f3a61d0c2b7",
            "stamp c41e7a9b3d25",
            "stamp e7b94f2a6c18",
            "stamp 3f8a2c61d9e4",
            "unstamp 3f8a2c61d9e4",
            "unstamp e7b94f2a6c18",
            "unstamp c41e7a9b3d25",
            "unstamp 8f3a61d0c2b7",
            "stamp 1975ea83b712",
            "stamp ae1027a6acf4",
            "unstamp ae1027a6acf4",
            "unstamp 1975ea83b712"
        ]
    );
}

#[test]
fn revision_writes_a_file_in_the_shape_of_the_examples() {
    let dir = temp_dir();
    let config = CliConfig::default().with_migrations_dir(dir.clone());
    let run = |args: &[&str]| cli::run(args.iter().copied(), &config);
    let out = run(&[
        "revision",
        "-m",
        "add fee reminders",
        "--rev-id",
        "0a1b2c3d4e5f",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let path = dir.join("0a1b2c3d4e5f_add_fee_reminders.rs");
    assert_eq!(
        out.stdout,
        format!("Generating {} ... done\n", path.display())
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let date = text
        .lines()
        .find_map(|l| l.strip_prefix("//! Create Date: "))
        .unwrap()
        .to_owned();
    assert_eq!(date.len(), 19, "{date}");
    assert_eq!(
        text,
        format!(
            r#"//! add fee reminders
//!
//! Revision ID: 0a1b2c3d4e5f
//! Revises: 3f8a2c61d9e4
//! Create Date: {date}

use migrator_core::prelude::*;

#[migration(
    revision = "0a1b2c3d4e5f",
    down_revision = "3f8a2c61d9e4",
    message = "add fee reminders"
)]
impl Revision {{
    fn upgrade(_op: &mut Ops) {{}}

    fn downgrade(_op: &mut Ops) {{}}
}}
"#
        )
    );

    // A fresh id; a branch from an inner revision needs --splice.
    let err = run(&["revision", "-m", "refunds", "--head", "27c6"]);
    assert_eq!(err.code, 1);
    assert!(err.stderr.contains("--splice"), "{}", err.stderr);
    let out = run(&[
        "revision",
        "-m",
        "refunds",
        "--head",
        "27c6",
        "--splice",
        "--branch-label",
        "refunds",
        "--depends-on",
        "payments",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("_refunds.rs"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let id = &files[0][..12];
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    let text = std::fs::read_to_string(dir.join(&files[0])).unwrap();
    assert!(
        text.contains(&format!(
            "#[migration(\n    revision = \"{id}\",\n    down_revision = \"27c6a30d7c24\",\n    message = \"refunds\",\n    branch_labels = [\"refunds\"],\n    depends_on = [\"payments\"]\n)]\n"
        )),
        "{text}"
    );
    // Taken ids and labels are refused.
    let err = run(&["revision", "-m", "x", "--rev-id", MERGE]);
    assert_eq!(err.code, 1);
    assert!(err.stderr.contains("already used"), "{}", err.stderr);
    let err = run(&["revision", "-m", "x", "--branch-label", "payments"]);
    assert_eq!(err.code, 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn merge_writes_a_revision_with_both_parents() {
    let dir = temp_dir();
    let config = CliConfig::default()
        .with_migrations_dir(dir.clone())
        .with_revisions(two_heads());
    let out = cli::run(
        [
            "merge",
            "heads",
            "-m",
            "merge ledgers",
            "--rev-id",
            "dddd00000004",
        ],
        &config,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(dir.join("dddd00000004_merge_ledgers.rs")).unwrap();
    assert!(text.starts_with("//! merge ledgers\n//!\n//! Revision ID: dddd00000004\n//! Revises: bbbb00000002, cccc00000003\n"), "{text}");
    assert!(
        text.contains(
            "#[migration(\n    revision = \"dddd00000004\",\n    down_revision = [\"bbbb00000002\", \"cccc00000003\"],\n    message = \"merge ledgers\"\n)]\n"
        ),
        "{text}"
    );
    let out = cli::run(["merge", "bbbb", "cccc", "-m", "again"], &config);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // One revision is not a merge; `revision` with two heads asks which.
    let out = cli::run(["merge", "bbbb", "-m", "lonely"], &config);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("a merge needs two revisions or more"),
        "{}",
        out.stderr
    );
    let out = cli::run(["revision", "-m", "next"], &config);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("head"), "{}", out.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_password_never_appears_in_output_or_errors() {
    let env = Env::new();
    let secret = "Sup3rSecretPw";
    let url = env
        .db
        .url()
        .replacen("://", &format!("://postgres:{secret}@"), 1);
    let url = if url.matches('@').count() > 1 {
        // The server URL had credentials of its own: put ours in their place.
        let (scheme, rest) = url.split_once("://").unwrap();
        let host = rest.rsplit_once('@').unwrap().1;
        format!("{scheme}://postgres:{secret}@{host}")
    } else {
        url
    };
    let bad_db = format!("{}_missing", url);
    let unreachable = format!("postgres://postgres:{secret}@127.0.0.1:1/nothing");
    let runs: Vec<Vec<&str>> = vec![
        vec!["--database-url", &url, "upgrade"],
        vec!["--database-url", &url, "current", "--verbose"],
        vec!["--database-url", &url, "history", "-i"],
        vec!["--database-url", &url, "check"],
        vec!["--database-url", &url, "upgrade", "nope"],
        vec!["--database-url", &bad_db, "current"],
        vec!["--database-url", &bad_db, "upgrade"],
        vec!["--database-url", &unreachable, "upgrade"],
        vec!["--database-url", &unreachable, "check"],
        vec!["--database-url", &url, "--lock-wait", "soon", "upgrade"],
    ];
    for args in runs {
        let out = cli::run(args.iter().copied(), &CliConfig::default());
        assert!(
            !out.stdout.contains(secret) && !out.stderr.contains(secret),
            "{args:?} printed the password:\n{out:?}"
        );
    }
    let out = cli::run(
        ["--database-url", bad_db.as_str(), "current"],
        &CliConfig::default(),
    );
    assert!(out.stderr.contains("does not exist"), "{}", out.stderr);
    assert!(
        out.stderr.contains("create it with `createdb "),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(":***@"), "{}", out.stderr);
    let out = cli::run(
        ["--database-url", unreachable.as_str(), "upgrade"],
        &CliConfig::default(),
    );
    assert!(
        out.stderr
            .contains("postgres://postgres:***@127.0.0.1:1/nothing"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_default_database_is_created_when_missing() {
    if std::env::var_os("DATABASE_URL").is_some()
        || std::env::var(migrator_tests::db::URL_VAR)
            .is_ok_and(|u| u != migrator_tests::db::DEFAULT_URL)
    {
        eprintln!("skipped: the tests' server is not the default local one");
        return;
    }
    let name = format!("migrator_cli_default_{}", std::process::id());
    let config =
        CliConfig::default().with_default_url(format!("postgres://postgres@127.0.0.1:5432/{name}"));
    let out = cli::run(["current"], &config);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "create it with `createdb -h 127.0.0.1 -p 5432 -U postgres {name}`"
        )),
        "{}",
        out.stderr
    );
    let out = cli::run(["upgrade", FEES], &config);
    let dropped = Command::new("psql")
        .args(["-X", "-q", "-d", migrator_tests::db::DEFAULT_URL, "-c"])
        .arg(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .status();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.starts_with(&format!(
            "Using postgres://postgres@127.0.0.1:5432/{name} (no --database-url or DATABASE_URL given)\n\
             Created database \"{name}\" (postgres://postgres@127.0.0.1:5432/{name})\n"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(running_lines(&out, "upgrade"), 2);
    assert!(dropped.is_ok_and(|s| s.success()));
}

#[test]
fn global_options_reach_the_runner() {
    let env = Env::new();
    // -q silences progress lines.
    let out = env.ok(&["-q", "upgrade", FEES]);
    assert_eq!(out.stderr, "");
    env.ok(&[
        "--lock-timeout",
        "2s",
        "--statement-timeout",
        "30",
        "upgrade",
    ]);
    env.ok(&["downgrade", "base", "--lock-wait", "10"]);
    let out = env.ok(&["--single-transaction", "upgrade", DESCRIPTION]);
    assert!(
        out.stderr.contains("Ran 3 revisions in one transaction"),
        "{}",
        out.stderr
    );
    assert_eq!(env.current(), [DESCRIPTION]);
    // Another runner holds the migration lock: --lock-wait gives up.
    let key = RunConfig::default().lock_key();
    env.rt.block_on(async {
        env.pg()
            .client
            .query_one("SELECT pg_advisory_lock($1)", &[&key])
            .await
            .unwrap();
    });
    let err = env.fails(&["--lock-wait", "300ms", "upgrade"]);
    assert!(
        err.contains("another runner holds the migration lock"),
        "{err}"
    );
    assert!(err.contains("--lock-wait"), "{err}");
    env.rt.block_on(async {
        env.pg()
            .client
            .query_one("SELECT pg_advisory_unlock($1)", &[&key])
            .await
            .unwrap();
    });
    env.ok(&["--lock-wait", "5", "upgrade"]);
    assert_eq!(env.current(), [HEAD]);
    // Usage errors exit 2.
    assert_eq!(env.cli(&["upgrade", "--bogus"]).code, 2);
    assert_eq!(env.cli(&["downgrade"]).code, 2);
    assert_eq!(env.cli(&["--lock-wait", "soon", "upgrade"]).code, 2);
}

#[test]
fn on_sqlite_a_second_runner_waits_for_the_lock_and_an_application_write_is_waited_for() {
    let env = Env::on(Engine::Sqlite, CliConfig::default());
    env.ok(&["upgrade", FEES]);
    let TestTarget::Sqlite(file) = &env.db else {
        unreachable!("an SQLite environment")
    };
    // Another runner holds the migration lock: --lock-wait gives up.
    let mut lock_path = file.path.clone().into_os_string();
    lock_path.push("-migrator.lock");
    let lock = std::fs::File::open(&lock_path).expect("the lock file the first run made");
    // Blocking: another test's child process may hold the lock's file
    // description for the instant between its fork and its exec.
    lock.lock().expect("nobody holds it between runs");
    let err = env.fails(&["--lock-wait", "300ms", "upgrade"]);
    assert!(
        err.contains(&format!(
            "another runner holds the migration lock on {} (lock file {}); gave up after",
            file.url(),
            lock_path.to_string_lossy()
        )),
        "{err}"
    );
    assert!(err.contains("raise --lock-wait"), "{err}");
    drop(lock);
    assert_eq!(env.current(), [FEES], "nothing ran");
    // The application writing holds SQLite's write lock for a while: the
    // runner's revision waits for it (up to --lock-timeout) and goes on.
    let writer = file.connect();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(500));
        writer.execute_batch("COMMIT").unwrap();
    });
    env.ok(&["--lock-timeout", "10s", "upgrade"]);
    release.join().unwrap();
    assert_eq!(env.current(), [HEAD]);
}
