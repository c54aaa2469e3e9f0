//! `stamp` by Alembic's rules with checksums recorded, `check` saying what
//! it compared, and the silent successes that are errors now: an offline
//! downgrade without a range, a merge of revisions already merged, a
//! history table dropped by hand.

use migrator_core::cli::{self, CliConfig};
use migrator_core::graph::Direction;
use migrator_core::run::{Engine, Migrations, RunConfig, RunError, Runner};
use migrator_tests::cli::run_cli;
use migrator_tests::engine::TestTarget;
use migrator_tests::on_both_engines;
use migrator_tests::revisions::{chain, chain_revisions, up_posts, up_posts_edited};

// The example application's revisions, for the stamp on its graph.
use example_app as _;

on_both_engines!(
    stamp_keeps_the_rows_of_other_branches,
    a_stamp_records_checksums_that_check_holds_edits_against,
    check_says_what_it_compared_and_refuses_a_missing_history_table,
);

const PAYMENTS: &str = "5d2be4c1a9f0";
const MARK_LATE: &str = "c41e7a9b3d25";
const RENAME: &str = "8f3a61d0c2b7";

fn cli_config(
    t: &TestTarget,
    revisions: Option<Vec<migrator_core::registry::Registered>>,
) -> (CliConfig, String) {
    let mut config = CliConfig::default();
    config.revisions = revisions;
    (config, t.url())
}

async fn stamp_keeps_the_rows_of_other_branches(t: TestTarget) {
    let db = t.database();
    let m = Migrations::registered().unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    runner.upgrade(&db, PAYMENTS).await.unwrap();
    runner.upgrade(&db, MARK_LATE).await.unwrap();
    assert_eq!(t.version_rows().await, [PAYMENTS, MARK_LATE]);
    // Back one step on the late-fees line only: payments stays.
    let rows = runner.stamp(&db, RENAME, false).await.unwrap();
    assert_eq!(rows, [PAYMENTS, RENAME]);
    assert_eq!(t.version_rows().await, [PAYMENTS, RENAME]);
    let undone = t
        .column("SELECT revision FROM migrator_history WHERE direction = 'unstamp'")
        .await;
    assert_eq!(undone, [MARK_LATE]);
    // `upgrade heads` now runs only what the stamp took back.
    let report = runner.upgrade(&db, "heads").await.unwrap();
    let ran: Vec<&str> = report
        .steps
        .iter()
        .map(|(s, _)| s.revision.as_str())
        .collect();
    assert_eq!(ran, [MARK_LATE, "e7b94f2a6c18", "3f8a2c61d9e4"]);
}

async fn a_stamp_records_checksums_that_check_holds_edits_against(t: TestTarget) {
    let db = t.database();
    let m = chain();
    let runner = Runner::new(&m, RunConfig::default());
    runner.upgrade(&db, "b2").await.unwrap();
    // A stamp of where the database already is changes nothing.
    let history = "SELECT count(*) FROM migrator_history";
    let before = t.column(history).await;
    assert_eq!(runner.stamp(&db, "b2", false).await.unwrap(), ["b2"]);
    assert_eq!(t.column(history).await, before);
    // Stamped to c3 (its SQL run by hand): c3 is recorded with its checksum.
    t.execute("ALTER TABLE users ADD COLUMN bio text").await;
    assert_eq!(runner.stamp(&db, "c3", false).await.unwrap(), ["c3"]);
    let sums = t
        .query("SELECT revision, checksum FROM migrator_history WHERE direction = 'stamp'")
        .await;
    assert_eq!(sums.len(), 1, "{sums:?}");
    assert_eq!(sums[0][0].as_deref(), Some("c3"));
    assert!(
        sums[0][1]
            .as_deref()
            .is_some_and(|c| c.starts_with("v2:") && c.len() == 67),
        "{sums:?}"
    );
    let v = runner.verify(&db).await.unwrap();
    assert_eq!((v.applied, v.compared), (3, 3));
    assert!(v.changed.is_empty());
    assert_eq!(v.stamped, ["c3"]);

    // `stamp --purge` of a database stamped from scratch records every
    // revision it marks applied; an edit of one is then caught.
    runner.stamp(&db, "c3", true).await.unwrap();
    let edited = Migrations::new(chain_revisions(up_posts_edited)).unwrap();
    let v = Runner::new(&edited, RunConfig::default())
        .verify(&db)
        .await
        .unwrap();
    let changed: Vec<&str> = v.changed.iter().map(|c| c.revision.as_str()).collect();
    assert_eq!(changed, ["b2"]);
    assert_eq!(
        v.stamped,
        ["c3"],
        "a1 and b2 were applied before the stamps"
    );
    let err = Runner::new(&edited, RunConfig::default())
        .downgrade(&db, "a1")
        .await
        .unwrap_err();
    assert!(matches!(err, RunError::Changed { .. }), "{err:?}");
    // `check` says what to do about it, and --accept-changed accepts it.
    let (edited_config, url) = cli_config(&t, Some(chain_revisions(up_posts_edited)));
    let out = run_cli(&["--database-url", url.as_str(), "check"], &edited_config).await;
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stderr
            .contains("revision b2 has changed since it was applied")
            && out
                .stderr
                .contains("restore it, or accept the change with --accept-changed"),
        "{}",
        out.stderr
    );
    // The checksum is accepted; what the edit changed in the schema is
    // still drift: the database has `title`, the edited b2 says `headline`.
    let out = run_cli(
        &["--database-url", url.as_str(), "--accept-changed", "check"],
        &edited_config,
    )
    .await;
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        !out.stderr.contains("has changed since it was applied")
            && out
                .stderr
                .contains("the database differs from its migrations at c3")
            && out
                .stderr
                .contains("column posts.headline is missing from the database")
            && out
                .stderr
                .contains("column posts.title (text) is in the database, not in the migrations"),
        "{}",
        out.stderr
    );
    // An edit that changes no schema (its message, say) is accepted whole.
    fn up_posts_reworded(op: &mut migrator_core::prelude::Ops) {
        up_posts(op);
        op.execute("SELECT 1").reverse("SELECT 1");
    }
    let (reworded, url) = cli_config(&t, Some(chain_revisions(up_posts_reworded)));
    let out = run_cli(
        &["--database-url", url.as_str(), "--accept-changed", "check"],
        &reworded,
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("accepted by --accept-changed")
            && out
                .stdout
                .contains("the database's schema matches the migrations"),
        "{}",
        out.stdout
    );

    // `check` says that c3 is known only from a stamp.
    let (config, url) = cli_config(&t, Some(chain_revisions(up_posts)));
    let out = run_cli(&["--database-url", url.as_str(), "check"], &config).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("the checksums of all 3 applied revision(s) match; recorded only by a stamp")
            && out.stdout.contains(": c3"),
        "{}",
        out.stdout
    );
}

async fn check_says_what_it_compared_and_refuses_a_missing_history_table(t: TestTarget) {
    let (config, url) = cli_config(&t, Some(chain_revisions(up_posts)[..2].to_vec()));
    let url = url.as_str();
    // At base (tables made by an upgrade to nothing): nothing compared, said so.
    let out = run_cli(&["--database-url", url, "upgrade", "head"], &config).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run_cli(&["--database-url", url, "check"], &config).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("the checksums of all 2 applied revision(s) match"),
        "{}",
        out.stdout
    );
    t.execute("DROP TABLE migrator_history").await;
    let out = run_cli(&["--database-url", url, "check"], &config).await;
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stderr
            .contains("the history table migrator_history is missing")
            && out.stderr.contains("stamp b2 --purge"),
        "{}",
        out.stderr
    );
    // The advice works: the checksums are recorded again.
    let out = run_cli(&["--database-url", url, "stamp", "b2", "--purge"], &config).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run_cli(&["--database-url", url, "check"], &config).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("recorded only by a stamp"),
        "{}",
        out.stdout
    );
    // An unknown revision in the version table: the one problem named,
    // with no advice to run `upgrade heads` (which fails on it too).
    t.execute("UPDATE migrator_version SET version_num = 'zz99'")
        .await;
    let out = run_cli(&["--database-url", url, "check"], &config).await;
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("check found 1 problem(s)"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("upgrade heads"), "{}", out.stderr);
}

#[test]
fn an_offline_downgrade_needs_a_range() {
    let m = chain();
    let runner = Runner::new(&m, RunConfig::default());
    for target in ["base", "-1", "a1"] {
        let err = runner
            .sql(Engine::Postgres, Direction::Down, target)
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("with --sql a downgrade needs a range FROM:TO"),
            "{target}: {err}"
        );
    }
    let script = runner
        .sql(Engine::Postgres, Direction::Down, "c3:base")
        .unwrap();
    assert!(script.contains("DROP TABLE \"users\""), "{script}");
}

#[test]
fn merging_revisions_that_are_already_merged_is_refused() {
    let dir = std::env::temp_dir().join(format!("migrator_merge_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = CliConfig::default().with_migrations_dir(dir.clone());
    let out = cli::run(["merge", "5d2b", "c41e", "-m", "merge"], &config);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stderr
            .contains("5d2be4c1a9f0 and c41e7a9b3d25 are already merged by revision e7b94f2a6c18"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing written"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relative_history_range_starts_where_the_database_is() {
    let t = TestTarget::new(Engine::Sqlite).await;
    let (config, url) = cli_config(&t, Some(chain_revisions(up_posts)));
    let url = url.as_str();
    let out = run_cli(&["--database-url", url, "upgrade", "b2"], &config).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    // `-1:` is one below the current revision (b2), as in Alembic: not an
    // offset from base that "goes too far".
    let out = run_cli(&["--database-url", url, "history", "-r", "-1:"], &config).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "b2 -> c3 (head), c3\na1 -> b2, b2\n<base> -> a1, a1\n"
    );
}
