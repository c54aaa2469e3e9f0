//! Checksums across versions of migrator: databases whose history table
//! holds the checksums of versions before v2 (16 hex digits, FNV-1a over the
//! ops' `Debug` text) keep working. Those rows are verified with the old
//! algorithm, rewritten as v2 by the next run that matches them, and an
//! edited revision is caught all the same.

use migrator_core::cli::{self, CliConfig};
use migrator_core::registry::Registered;
use migrator_core::run::{Migrations, RunConfig, RunError, Runner, legacy_fnv};
use migrator_tests::cli::run_cli;
use migrator_tests::engine::TestTarget;
use migrator_tests::on_both_engines;
use migrator_tests::revisions::{chain, chain_revisions, up_posts, up_posts_edited};

on_both_engines!(
    old_checksums_are_verified_and_rewritten_as_v2_by_a_run,
    an_edited_revision_is_caught_with_old_checksums,
);

const CHECKSUMS: &str =
    "SELECT checksum FROM migrator_history WHERE checksum IS NOT NULL ORDER BY id";

/// Rewrites every recorded checksum as the version before v2 recorded it.
async fn make_old(t: &TestTarget, m: &Migrations) {
    for id in ["a1", "b2", "c3"] {
        let old = legacy_fnv(&m.get(id).unwrap().upgrade_ops());
        t.execute(&format!(
            "UPDATE migrator_history SET checksum = '{old}' WHERE revision = '{id}' AND checksum IS NOT NULL"
        ))
        .await;
    }
    let sums = t.column(CHECKSUMS).await;
    assert!(!sums.is_empty());
    assert!(sums.iter().all(|c| is_old(c)), "{sums:?}");
}

fn is_old(c: &str) -> bool {
    c.len() == 16 && c.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_v2(c: &str) -> bool {
    c.starts_with("v2:") && c.len() == 67
}

/// Runs `check` through the CLI.
async fn check(t: &TestTarget, revisions: Vec<Registered>) -> cli::Output {
    let config = CliConfig::default().with_revisions(revisions);
    run_cli(&["--database-url", t.url().as_str(), "check"], &config).await
}

async fn old_checksums_are_verified_and_rewritten_as_v2_by_a_run(t: TestTarget) {
    let db = t.database();
    let m = chain();
    let runner = Runner::new(&m, RunConfig::default());
    runner.upgrade(&db, "b2").await.unwrap();
    let sums = t.column(CHECKSUMS).await;
    assert_eq!(sums.len(), 2);
    assert!(sums.iter().all(|c| is_v2(c)), "{sums:?}");

    // As a version before v2 left it: `verify` and `check` pass, and
    // (reading only) rewrite nothing.
    make_old(&t, &m).await;
    let v = runner.verify(&db).await.unwrap();
    assert_eq!((v.applied, v.compared), (2, 2));
    assert!(v.changed.is_empty(), "{:?}", v.changed);
    // (`check` wants the database at its heads: the graph it is given ends at b2.)
    let out = check(&t, chain_revisions(up_posts)[..2].to_vec()).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("the checksums of all 2 applied revision(s) match"),
        "{}",
        out.stdout
    );
    assert!(t.column(CHECKSUMS).await.iter().all(|c| is_old(c)));

    // An upgrade passes; the old rows it matched are v2 now, and so is the
    // row of the revision it applied.
    runner.upgrade(&db, "head").await.unwrap();
    let sums = t.column(CHECKSUMS).await;
    assert_eq!(sums.len(), 3);
    assert!(sums.iter().all(|c| is_v2(c)), "{sums:?}");
    let v = runner.verify(&db).await.unwrap();
    assert_eq!((v.applied, v.compared, v.changed.len()), (3, 3, 0));

    // A downgrade from old rows passes as well, and rewrites them.
    make_old(&t, &m).await;
    runner.downgrade(&db, "a1").await.unwrap();
    assert_eq!(t.version_rows().await, ["a1"]);
    let sums = t.column(CHECKSUMS).await;
    assert!(sums.iter().all(|c| is_v2(c)), "{sums:?}");
    let v = runner.verify(&db).await.unwrap();
    assert_eq!((v.applied, v.compared, v.changed.len()), (1, 1, 0));
    let out = check(&t, chain_revisions(up_posts)[..1].to_vec()).await;
    assert_eq!(out.code, 0, "{}", out.stderr);

    // Back up over old rows once more: the same checksums as a fresh run.
    make_old(&t, &m).await;
    runner.upgrade(&db, "head").await.unwrap();
    let v = runner.verify(&db).await.unwrap();
    assert_eq!((v.applied, v.compared, v.changed.len()), (3, 3, 0));
    let fresh = TestTarget::new(t.engine()).await;
    runner.upgrade(&fresh.database(), "head").await.unwrap();
    // Each revision's last record, as `verify` reads them.
    let last = |rows: Vec<Vec<Option<String>>>| -> std::collections::BTreeMap<String, String> {
        rows.into_iter()
            .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap()))
            .collect()
    };
    let sql =
        "SELECT revision, checksum FROM migrator_history WHERE checksum IS NOT NULL ORDER BY id";
    assert_eq!(last(t.query(sql).await), last(fresh.query(sql).await));
}

async fn an_edited_revision_is_caught_with_old_checksums(t: TestTarget) {
    let db = t.database();
    let m = chain();
    Runner::new(&m, RunConfig::default())
        .upgrade(&db, "head")
        .await
        .unwrap();
    make_old(&t, &m).await;
    let old_b2 = legacy_fnv(&m.get("b2").unwrap().upgrade_ops());

    let edited = Migrations::new(chain_revisions(up_posts_edited)).unwrap();
    let runner = Runner::new(&edited, RunConfig::default());
    let v = runner.verify(&db).await.unwrap();
    assert_eq!((v.applied, v.compared), (3, 3));
    assert_eq!(v.changed.len(), 1, "{:?}", v.changed);
    let migrator_core::run::Changed {
        revision: id,
        applied: then,
        now,
    } = &v.changed[0];
    assert_eq!((id.as_str(), then.as_str()), ("b2", old_b2.as_str()));
    assert!(is_v2(now), "{now}");

    // A run refuses it, before rewriting anything.
    let err = runner.downgrade(&db, "a1").await.unwrap_err();
    assert!(
        matches!(&err, RunError::Changed { revision, .. } if revision == "b2"),
        "{err:?}"
    );
    assert!(t.column(CHECKSUMS).await.iter().all(|c| is_old(c)));
    let out = check(&t, chain_revisions(up_posts_edited)).await;
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stderr
            .contains("revision b2 has changed since it was applied"),
        "{}",
        out.stderr
    );

    // Accepting the change runs; the rows that match become v2, the
    // changed one keeps its old checksum, so it is still reported.
    let accepting = Runner::new(&edited, RunConfig::default().with_accept_changed(true));
    accepting.downgrade(&db, "b2").await.unwrap();
    let rows = t
        .query("SELECT revision, checksum FROM migrator_history WHERE direction = 'up' ORDER BY id")
        .await;
    for row in &rows {
        let (revision, checksum) = (row[0].as_deref().unwrap(), row[1].as_deref().unwrap());
        match revision {
            "b2" => assert_eq!(checksum, old_b2),
            _ => assert!(is_v2(checksum), "{rows:?}"),
        }
    }
    let v = runner.verify(&db).await.unwrap();
    let changed: Vec<&str> = v.changed.iter().map(|c| c.revision.as_str()).collect();
    assert_eq!(changed, ["b2"]);
    assert_eq!(v.changed[0].applied, old_b2);
}
