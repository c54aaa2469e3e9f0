//! The reliability suite: real processes running the CLI on a generated
//! plan of 200 revisions, killed, raced and cut off from a restarting server,
//! with figures. Every scenario checks that the database is at a revision the
//! version table names, with nothing half-applied, no lock left behind, and
//! that a rerun finishes the job.
//!
//! ```text
//! cargo run --release -p migrator-tests --bin reliability -- --kills 50 --rounds 20
//! ```
//!
//! `tests/tests/reliability.rs` runs a short form of it in CI.

use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use migrator_core::cli::{self, CliConfig};
use migrator_core::prelude::*;
use migrator_core::registry::{Downgrade, Registered, Upgrade};
use migrator_core::run::Migrations;
use migrator_core::schema::Schema;
use migrator_tests::catalog::differences;
use migrator_tests::db::TestDb;

/// Revisions in the generated plan.
const N: usize = 200;

/// Every 25th revision builds an index CONCURRENTLY, outside a transaction.
fn non_transactional(i: usize) -> bool {
    i % 25 == 24
}

fn table(i: usize) -> String {
    let i = if non_transactional(i) { i - 1 } else { i };
    format!("t_{i:03}")
}

/// Revision `i` of the generated plan.
fn body(i: usize, op: &mut Ops) {
    if non_transactional(i) {
        op.create_index(table(i - 1).as_str(), ["created_at"])
            .named(format!("ix_c_{i:03}"))
            .concurrently();
        return;
    }
    op.create_table(table(i).as_str(), |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<String>("name");
        t.column::<chrono::DateTime<chrono::Utc>>("created_at")
            .default_sql("now()");
        t.column_as("amount", ColumnType::numeric(10, 2)).nullable();
        t.column::<Option<i64>>("ref_id");
    });
    op.create_index(table(i).as_str(), ["name"]);
    if i % 10 == 3 && i > 10 {
        op.add_column::<Option<String>>(table(i - 10).as_str(), format!("extra_{i:03}"));
    }
    op.execute(format!(
        "INSERT INTO {} (name) SELECT 'row ' || g FROM generate_series(1, 200) g",
        migrator_core::ident::quote_ident(&table(i))
    ))
    .reverse("SELECT 1");
}

fn up<const I: usize>(op: &mut Ops) {
    body(I, op);
}

const UPGRADES: [fn(&mut Ops); N] = [
    up::<0>, up::<1>, up::<2>, up::<3>, up::<4>, up::<5>, up::<6>, up::<7>, up::<8>, up::<9>,
    up::<10>, up::<11>, up::<12>, up::<13>, up::<14>, up::<15>, up::<16>, up::<17>, up::<18>,
    up::<19>, up::<20>, up::<21>, up::<22>, up::<23>, up::<24>, up::<25>, up::<26>, up::<27>,
    up::<28>, up::<29>, up::<30>, up::<31>, up::<32>, up::<33>, up::<34>, up::<35>, up::<36>,
    up::<37>, up::<38>, up::<39>, up::<40>, up::<41>, up::<42>, up::<43>, up::<44>, up::<45>,
    up::<46>, up::<47>, up::<48>, up::<49>, up::<50>, up::<51>, up::<52>, up::<53>, up::<54>,
    up::<55>, up::<56>, up::<57>, up::<58>, up::<59>, up::<60>, up::<61>, up::<62>, up::<63>,
    up::<64>, up::<65>, up::<66>, up::<67>, up::<68>, up::<69>, up::<70>, up::<71>, up::<72>,
    up::<73>, up::<74>, up::<75>, up::<76>, up::<77>, up::<78>, up::<79>, up::<80>, up::<81>,
    up::<82>, up::<83>, up::<84>, up::<85>, up::<86>, up::<87>, up::<88>, up::<89>, up::<90>,
    up::<91>, up::<92>, up::<93>, up::<94>, up::<95>, up::<96>, up::<97>, up::<98>, up::<99>,
    up::<100>, up::<101>, up::<102>, up::<103>, up::<104>, up::<105>, up::<106>, up::<107>,
    up::<108>, up::<109>, up::<110>, up::<111>, up::<112>, up::<113>, up::<114>, up::<115>,
    up::<116>, up::<117>, up::<118>, up::<119>, up::<120>, up::<121>, up::<122>, up::<123>,
    up::<124>, up::<125>, up::<126>, up::<127>, up::<128>, up::<129>, up::<130>, up::<131>,
    up::<132>, up::<133>, up::<134>, up::<135>, up::<136>, up::<137>, up::<138>, up::<139>,
    up::<140>, up::<141>, up::<142>, up::<143>, up::<144>, up::<145>, up::<146>, up::<147>,
    up::<148>, up::<149>, up::<150>, up::<151>, up::<152>, up::<153>, up::<154>, up::<155>,
    up::<156>, up::<157>, up::<158>, up::<159>, up::<160>, up::<161>, up::<162>, up::<163>,
    up::<164>, up::<165>, up::<166>, up::<167>, up::<168>, up::<169>, up::<170>, up::<171>,
    up::<172>, up::<173>, up::<174>, up::<175>, up::<176>, up::<177>, up::<178>, up::<179>,
    up::<180>, up::<181>, up::<182>, up::<183>, up::<184>, up::<185>, up::<186>, up::<187>,
    up::<188>, up::<189>, up::<190>, up::<191>, up::<192>, up::<193>, up::<194>, up::<195>,
    up::<196>, up::<197>, up::<198>, up::<199>,
];

fn revisions() -> Vec<Registered> {
    let ids: Vec<&'static str> = (0..N)
        .map(|i| &*Box::leak(format!("r{i:03}").into_boxed_str()))
        .collect();
    (0..N)
        .map(|i| {
            let parents: &'static [&'static str] = if i == 0 {
                &[]
            } else {
                Box::leak(vec![ids[i - 1]].into_boxed_slice())
            };
            Registered {
                id: ids[i],
                down_revisions: parents,
                message: ids[i],
                branch_labels: &[],
                depends_on: &[],
                upgrade: Upgrade::Ops(UPGRADES[i]),
                downgrade: Downgrade::Derived,
                naming: None,
                file: file!(),
                line: line!(),
            }
        })
        .collect()
}

fn config() -> CliConfig {
    CliConfig::default()
        .with_revisions(revisions())
        .with_program("reliability child")
}

/// The CLI over the generated plan, for the processes the suite starts.
fn child(args: Vec<String>) -> ExitCode {
    let out = cli::run(args, &config());
    print!("{}", out.stdout);
    eprint!("{}", out.stderr);
    ExitCode::from(out.code)
}

fn spawn(url: &str) -> std::process::Child {
    Command::new(std::env::current_exe().expect("the suite's own path"))
        .args(["child", "--database-url", url, "upgrade", "heads"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start a runner")
}

/// A tiny xorshift generator, seeded per trial.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

struct Checker {
    migrations: Migrations,
}

impl Checker {
    async fn rows(&self, db: &TestDb) -> Vec<String> {
        let exists: bool = db
            .client
            .query_one("SELECT to_regclass('migrator_version') IS NOT NULL", &[])
            .await
            .expect("query")
            .get(0);
        if !exists {
            return Vec::new();
        }
        db.client
            .query("SELECT version_num FROM migrator_version ORDER BY 1", &[])
            .await
            .expect("read the version table")
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    fn model(&self, rows: &[String]) -> Schema {
        self.migrations
            .schema_at(rows)
            .expect("the model at the version table's rows")
    }

    /// Problems with the database as it is: catalog against the model at the
    /// version table's rows (the index of a non-transactional revision that
    /// was cut off is the one tolerated leftover), and locks left behind.
    async fn problems(&self, db: &TestDb, settled: bool) -> (Vec<String>, bool) {
        // A killed runner may have sent a COMMIT the server is still working
        // on: wait for its sessions to end before looking.
        let started = Instant::now();
        let mut lingering = 0;
        while started.elapsed() < Duration::from_secs(10) {
            lingering = db
                .client
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity
                      WHERE datname = current_database() AND pid <> pg_backend_pid()",
                    &[],
                )
                .await
                .expect("read pg_stat_activity")
                .get::<_, i64>(0);
            if lingering == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let rows = self.rows(db).await;
        let applied = self
            .migrations
            .graph()
            .applied(&rows)
            .map(|a| a.len())
            .unwrap_or(usize::MAX);
        let mut diffs = differences(db, &self.model(&rows)).await;
        if lingering > 0 {
            diffs.push(format!(
                "{lingering} session(s) of the killed runner still open after 10 s"
            ));
        }
        let mut partial = false;
        if !settled && applied < N && non_transactional(applied) {
            let name = format!("ix_c_{applied:03}");
            if !diffs.is_empty() && diffs.iter().all(|d| d.contains(&name)) {
                diffs.clear();
                partial = true;
            }
        }
        // The killed process's sessions end when the server sees its
        // sockets close; give it a moment.
        let started = Instant::now();
        loop {
            let locks: i64 = db
                .client
                .query_one(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
                       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                    &[],
                )
                .await
                .expect("read pg_locks")
                .get(0);
            if locks == 0 {
                break;
            }
            if started.elapsed() > Duration::from_secs(10) {
                diffs.push(format!(
                    "{locks} advisory lock(s) still held 10 s after the runner died"
                ));
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        (diffs, partial)
    }

    /// Runs the plan to its end and checks the result exactly.
    async fn rerun(&self, db: &TestDb) -> Vec<String> {
        let out = spawn(&db.url()).wait_with_output().expect("a rerun");
        let mut problems = Vec::new();
        if !out.status.success() {
            problems.push(format!(
                "the rerun failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let rows = self.rows(db).await;
        if rows != [format!("r{:03}", N - 1)] {
            problems.push(format!("after the rerun the version table holds {rows:?}"));
        }
        problems.extend(self.problems(db, true).await.0);
        problems
    }
}

#[derive(Default)]
struct Tally {
    trials: usize,
    failures: usize,
    notes: Vec<String>,
}

impl Tally {
    fn record(&mut self, trial: String, problems: Vec<String>) {
        self.trials += 1;
        if !problems.is_empty() {
            self.failures += 1;
            eprintln!("FAIL {trial}:\n  {}", problems.join("\n  "));
        }
    }
}

/// Kills a runner at a random moment of the plan, `trials` times.
async fn killed_runner(checker: &Checker, trials: usize, seed: u64, full_run: Duration) -> Tally {
    let mut tally = Tally::default();
    let mut partial = 0;
    let mut at_revision = Vec::new();
    for trial in 0..trials {
        let mut rng = Rng(seed
            .wrapping_add(trial as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            | 1);
        let db = TestDb::new().await;
        let mut runner = spawn(&db.url());
        let wait = rng.below(full_run.as_millis() as u64 + 1);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        runner.kill().ok();
        runner.wait().ok();
        let rows = checker.rows(&db).await;
        at_revision.push(rows.first().cloned().unwrap_or_else(|| "base".into()));
        let (mut problems, was_partial) = checker.problems(&db, false).await;
        partial += usize::from(was_partial);
        problems.extend(checker.rerun(&db).await);
        tally.record(
            format!("kill #{trial} after {wait} ms (at {rows:?})"),
            problems,
        );
    }
    tally.notes.push(format!(
        "killed at: {} distinct revisions from {} to {}; {partial} kill(s) hit a non-transactional revision and left its index, rebuilt or kept by the rerun",
        at_revision.iter().collect::<std::collections::BTreeSet<_>>().len(),
        at_revision.iter().min().cloned().unwrap_or_default(),
        at_revision.iter().max().cloned().unwrap_or_default(),
    ));
    tally
}

/// `runners` processes at once on a fresh database, `rounds` times.
async fn concurrent_deploys(checker: &Checker, rounds: usize, runners: usize) -> Tally {
    let mut tally = Tally::default();
    for round in 0..rounds {
        let db = TestDb::new().await;
        let children: Vec<_> = (0..runners).map(|_| spawn(&db.url())).collect();
        let mut problems = Vec::new();
        for child in children {
            let out = child.wait_with_output().expect("a runner");
            if !out.status.success() {
                problems.push(format!(
                    "a runner failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        let ups: Vec<(String, i64)> = db
            .client
            .query(
                "SELECT revision, count(*) FROM migrator_history WHERE direction = 'up' GROUP BY 1",
                &[],
            )
            .await
            .expect("read the history")
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        if ups.len() != N || ups.iter().any(|(_, n)| *n != 1) {
            problems.push(format!(
                "{} revisions recorded, some more than once: {:?}",
                ups.len(),
                ups.iter().filter(|(_, n)| *n != 1).collect::<Vec<_>>()
            ));
        }
        problems.extend(checker.problems(&db, true).await.0);
        tally.record(format!("round #{round} of {runners} runners"), problems);
    }
    tally
}

/// Restarts PostgreSQL while a runner works; it must exit with a clear
/// connection error, and a rerun must finish.
async fn server_restart(checker: &Checker, trials: usize) -> Tally {
    let mut tally = Tally::default();
    let version = std::fs::read_dir("/etc/postgresql").ok().and_then(|d| {
        d.filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .max()
    });
    let Some(version) = version.filter(|_| is_root()) else {
        tally
            .notes
            .push("not run: restarting the server needs root and pg_ctlcluster".into());
        return tally;
    };
    for trial in 0..trials {
        let db = TestDb::new().await;
        let runner = spawn(&db.url());
        // Let it get some way into the plan.
        let started = Instant::now();
        while checker
            .rows(&db)
            .await
            .first()
            .is_none_or(|r| r.as_str() < "r020")
            && started.elapsed() < Duration::from_secs(20)
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let status = Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &version, "main", "restart"])
            .status();
        let out = runner.wait_with_output().expect("the runner");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut problems = Vec::new();
        if !matches!(status, Ok(s) if s.success()) {
            problems.push(format!("pg_ctlcluster restart failed: {status:?}"));
        }
        if out.status.success() {
            tally.notes.push(format!(
                "restart #{trial}: the runner finished before the restart"
            ));
        } else if stderr.contains("panicked")
            || !stderr.starts_with("error: ") && !stderr.contains("\nerror: ")
        {
            problems.push(format!(
                "the runner did not exit with a clear error: {stderr}"
            ));
        }
        // A fresh connection once the server is back.
        let db = reconnect(db).await;
        problems.extend(checker.rerun(&db).await);
        tally.record(format!("restart #{trial}"), problems);
    }
    tally
}

/// The test database again, through a new connection after a restart.
async fn reconnect(db: TestDb) -> TestDb {
    for _ in 0..100 {
        if tokio_postgres::connect(&db.url(), tokio_postgres::NoTls)
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    db.reconnect().await
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"))
}

fn flag(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("child") {
        return child(args[1..].to_vec());
    }
    let kills = flag(&args, "--kills", 50);
    let rounds = flag(&args, "--rounds", 20);
    let runners = flag(&args, "--runners", 16);
    let restarts = flag(&args, "--restarts", 3);
    let seed = flag(&args, "--seed", 1) as u64;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let checker = Checker {
            migrations: Migrations::new(revisions()).expect("a valid plan"),
        };
        // How long one uninterrupted run takes, to spread the kills over it.
        let db = TestDb::new().await;
        let started = Instant::now();
        let out = spawn(&db.url()).wait_with_output().expect("a full run");
        let full_run = started.elapsed();
        let mut first = Vec::new();
        if !out.status.success() {
            first.push(format!("the full run failed: {}", String::from_utf8_lossy(&out.stderr)));
        }
        first.extend(checker.problems(&db, true).await.0);
        drop(db);
        println!("plan: {N} revisions ({} outside a transaction); one full run takes {} ms", (0..N).filter(|&i| non_transactional(i)).count(), full_run.as_millis());
        let mut failed = !first.is_empty();
        for problem in &first {
            eprintln!("FAIL full run: {problem}");
        }
        let started = Instant::now();
        let killed = killed_runner(&checker, kills, seed, full_run).await;
        let kill_time = started.elapsed();
        let started = Instant::now();
        let raced = concurrent_deploys(&checker, rounds, runners).await;
        let race_time = started.elapsed();
        let started = Instant::now();
        let restarted = server_restart(&checker, restarts).await;
        let restart_time = started.elapsed();
        println!("{:<44} {:>6} {:>8} {:>8}", "scenario", "trials", "failures", "seconds");
        for (name, tally, time) in [
            ("killed runner (SIGKILL at a random moment)", &killed, kill_time),
            (&*format!("{runners} concurrent deploys"), &raced, race_time),
            ("server restart mid-run", &restarted, restart_time),
        ] {
            println!("{name:<44} {:>6} {:>8} {:>8.1}", tally.trials, tally.failures, time.as_secs_f64());
            for note in &tally.notes {
                println!("    {note}");
            }
            failed |= tally.failures > 0;
        }
        println!(
            "kill_trials={} kill_failures={} deploy_rounds={} deploy_failures={} restart_trials={} restart_failures={}",
            killed.trials, killed.failures, raced.trials, raced.failures, restarted.trials, restarted.failures
        );
        if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
    })
}
