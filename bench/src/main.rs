//! migrator against psql and refinery on the workload W(N) of issue 7, in
//! one command:
//!
//! ```text
//! cargo run --release -p migrator-bench -- --short   # N = 100, 3 runs (a few minutes)
//! cargo run --release -p migrator-bench             # N = 100 and 1,000, 5 runs, cold builds
//! ```
//!
//! It generates W(N) three ways under `<target dir>/bench/` (a migrator
//! application crate `app-N`, a refinery application crate
//! `refinery-app-N` embedding the same SQL, and psql scripts `sql-N`),
//! builds the two applications in release mode into their own target dir
//! (`<target dir>/bench/target`, shared by all generated crates), then
//! measures, each run on fresh databases created the same way for every
//! contender, contenders alternated (the order rotates every run): apply
//! all, the no-op run, downgrade all, the CLI's read-only verbs, peak RSS
//! (`/usr/bin/time`), and the compile cost of the two applications. Ours
//! is reported as the median of per-run ratios to the baseline of the same
//! run. The last line is machine-readable.

mod measure;
mod workload;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use measure::{Meter, Sample, median};
use workload::Paths;

/// What to run.
#[derive(Debug, Clone)]
struct Options {
    ns: Vec<usize>,
    runs: usize,
    /// Repetitions of the cheap figures (no-op, CLI verbs) within one run.
    reps: usize,
    server: String,
    compile: bool,
    cold: bool,
}

const USAGE: &str = "usage: migrator-bench [--short | --full] [--n 100,1000] [--runs K] [--reps K]
                      [--server postgres://postgres@127.0.0.1:5432] [--no-compile] [--cold | --no-cold]

  --short    N = 100, 3 runs, no cold build (a few minutes)
  --full     N = 100 and 1,000, 5 runs, cold builds (the default)";

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        ns: vec![100, 1000],
        runs: 5,
        reps: 5,
        server: "postgres://postgres@127.0.0.1:5432".into(),
        compile: true,
        cold: true,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--short" => {
                o.ns = vec![100];
                o.runs = 3;
                o.reps = 3;
                o.cold = false;
            }
            "--full" => {
                o.ns = vec![100, 1000];
                o.runs = 5;
                o.cold = true;
            }
            "--n" => {
                o.ns = value()?
                    .split(',')
                    .map(|s| s.trim().replace('_', "").parse::<usize>())
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("--n: {e}"))?;
            }
            "--runs" => o.runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--reps" => o.reps = value()?.parse().map_err(|e| format!("--reps: {e}"))?,
            "--server" => o.server = value()?.trim_end_matches('/').to_owned(),
            "--no-compile" => o.compile = false,
            "--cold" => o.cold = true,
            "--no-cold" => o.cold = false,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if o.ns.iter().any(|&n| n < 10) || o.runs == 0 || o.reps == 0 {
        return Err("N must be at least 10, runs and reps at least 1".into());
    }
    Ok(o)
}

/// Samples per figure, in the order taken (paired figures have equal counts).
#[derive(Default)]
struct Figures {
    ms: BTreeMap<String, Vec<f64>>,
    /// Figures ours refused to run (the single transaction over the lock budget).
    refused: std::collections::BTreeSet<String>,
    rss: BTreeMap<String, Vec<f64>>,
}

impl Figures {
    fn add(&mut self, key: &str, s: Sample) {
        self.ms
            .entry(key.into())
            .or_default()
            .push(s.wall.as_secs_f64() * 1000.0);
        if s.rss_kib > 0 {
            self.rss
                .entry(key.into())
                .or_default()
                .push(s.rss_kib as f64 / 1024.0);
        }
    }

    fn ms(&self, key: &str) -> f64 {
        self.ms.get(key).map_or(f64::NAN, |v| median(v))
    }

    fn rss(&self, key: &str) -> f64 {
        self.rss.get(key).map_or(f64::NAN, |v| median(v))
    }

    /// The median of the paired ratios `ours / base`.
    fn ratio(&self, ours: &str, base: &str) -> f64 {
        match (self.ms.get(ours), self.ms.get(base)) {
            (Some(a), Some(b)) => {
                let r: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
                median(&r)
            }
            _ => f64::NAN,
        }
    }
}

/// Where everything is.
struct Env {
    root: PathBuf,
    bench_dir: PathBuf,
    gen_target: PathBuf,
    cargo: String,
    meter: Meter,
    server: String,
    rt: tokio::runtime::Runtime,
}

impl Env {
    /// The URL of `db`. Plain TCP for every contender (`sslmode=disable`):
    /// refinery's app connects with `NoTls`, so psql and ours do not
    /// negotiate TLS either.
    fn url(&self, db: &str) -> String {
        format!("{}/{db}?sslmode=disable", self.server)
    }

    /// Drops and creates `db`, the same way for every contender.
    fn fresh_db(&self, db: &str) -> Result<(), String> {
        let url = self.url("postgres");
        self.rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .map_err(|e| format!("cannot connect to {url}: {e}"))?;
            let task = tokio::spawn(conn);
            // Two queries: a multi-statement query is one transaction.
            let mut result = Ok(());
            for sql in [
                format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"),
                format!("CREATE DATABASE \"{db}\""),
            ] {
                if let Err(e) = client.batch_execute(&sql).await {
                    result = Err(format!(
                        "{sql}: {}",
                        e.as_db_error()
                            .map_or(e.to_string(), |d| d.message().to_owned())
                    ));
                    break;
                }
            }
            drop(client);
            let _ = task.await;
            result
        })
    }

    fn drop_db(&self, db: &str) {
        let url = self.url("postgres");
        let _ = self.rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
            let task = tokio::spawn(conn);
            let r = client
                .batch_execute(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
                .await;
            drop(client);
            let _ = task.await;
            r
        });
    }

    /// `cargo build --release` of a generated crate, timed.
    fn build(&self, manifest_dir: &Path, target: &Path) -> Result<Sample, String> {
        let started = Instant::now();
        let out = Command::new(&self.cargo)
            .args(["build", "--release", "-q", "--manifest-path"])
            .arg(manifest_dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(target)
            .env_remove("CARGO_TARGET_DIR")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let wall = started.elapsed();
        if !out.status.success() {
            return Err(format!(
                "building {} failed:\n{}",
                manifest_dir.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(Sample { wall, rss_kib: 0 })
    }

    /// `cargo clean -p <package>`: the crate rebuilt from scratch, its
    /// dependencies kept.
    fn clean_package(&self, manifest_dir: &Path, package: &str) -> Result<(), String> {
        let status = Command::new(&self.cargo)
            .args(["clean", "--release", "-q", "-p", package, "--manifest-path"])
            .arg(manifest_dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&self.gen_target)
            .env_remove("CARGO_TARGET_DIR")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("cargo clean -p {package} failed"));
        }
        Ok(())
    }

    fn app_bin(&self, n: usize) -> PathBuf {
        self.gen_target.join("release").join(Paths::app_name(n))
    }

    fn refinery_bin(&self, n: usize) -> PathBuf {
        self.gen_target
            .join("release")
            .join(Paths::refinery_name(n))
    }
}

/// Rotates `items` by `run`, so each contender goes first in turn.
fn rotated<T: Clone>(items: &[T], run: usize) -> Vec<T> {
    let k = run % items.len();
    items[k..].iter().chain(&items[..k]).cloned().collect()
}

const DB_OURS_TX: &str = "migrator_bench_ours_tx";
const DB_OURS_SINGLE: &str = "migrator_bench_ours_single";
const DB_PSQL_1: &str = "migrator_bench_psql_1";
const DB_PSQL_TX: &str = "migrator_bench_psql_tx";
const DB_REFINERY: &str = "migrator_bench_refinery";
const DATABASES: [&str; 5] = [
    DB_OURS_TX,
    DB_OURS_SINGLE,
    DB_PSQL_1,
    DB_PSQL_TX,
    DB_REFINERY,
];

/// One runtime run of W(n): apply, no-op, CLI verbs, downgrade.
fn runtime_run(
    env: &Env,
    o: &Options,
    n: usize,
    paths: &Paths,
    run: usize,
    f: &mut Figures,
) -> Result<(), String> {
    let app = env.app_bin(n);
    let refinery = env.refinery_bin(n);
    let psql = PathBuf::from("psql");
    let all = paths.sql.join("all.sql").display().to_string();
    let per = paths.sql.join("per_revision.sql").display().to_string();
    let down = paths.sql.join("down.sql").display().to_string();
    let url = |db| env.url(db);

    // (1) Apply all, each contender on a fresh database.
    for c in rotated(
        &["ours_tx", "ours_single", "psql_1", "psql_tx", "refinery"],
        run,
    ) {
        let (db, program, args): (&str, &Path, Vec<String>) = match c {
            "ours_tx" => (
                DB_OURS_TX,
                &app,
                vec![
                    "--database-url".into(),
                    url(DB_OURS_TX),
                    "-q".into(),
                    "upgrade".into(),
                    "head".into(),
                ],
            ),
            "ours_single" => (
                DB_OURS_SINGLE,
                &app,
                vec![
                    "--database-url".into(),
                    url(DB_OURS_SINGLE),
                    "-q".into(),
                    "--single-transaction".into(),
                    "upgrade".into(),
                    "head".into(),
                ],
            ),
            "psql_1" => (
                DB_PSQL_1,
                &psql,
                psql_args(&url(DB_PSQL_1), &["-1", "-f", &all]),
            ),
            "psql_tx" => (
                DB_PSQL_TX,
                &psql,
                psql_args(&url(DB_PSQL_TX), &["-f", &per]),
            ),
            _ => (DB_REFINERY, &refinery, vec![url(DB_REFINERY)]),
        };
        env.fresh_db(db)?;
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        match env.meter.run(program, &args) {
            Ok(s) => f.add(&format!("apply/{c}"), s),
            // Ours refuses a single transaction that would overflow the
            // server's lock table (psql -1 may still fit, or fail halfway).
            Err(e) if c == "ours_single" && e.contains("locks until COMMIT") => {
                f.refused.insert(format!("apply/{c}"));
            }
            Err(e) => return Err(e),
        }
    }

    // (2) The no-op run, everything applied.
    for rep in 0..o.reps {
        for c in rotated(&["ours", "refinery", "psql"], run * o.reps + rep) {
            let s = match c {
                "ours" => env.meter.run(
                    &app,
                    &["--database-url", &url(DB_OURS_TX), "-q", "upgrade", "head"],
                )?,
                "refinery" => env.meter.run(&refinery, &[&url(DB_REFINERY)])?,
                _ => {
                    let args = psql_args(&url(DB_PSQL_TX), &["-c", "select 1"]);
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    env.meter.run(&psql, &args)?
                }
            };
            f.add(&format!("noop/{c}"), s);
        }
    }

    // (4) The CLI's read-only verbs.
    let ours_url = url(DB_OURS_TX);
    for _ in 0..o.reps {
        for (key, args) in [
            ("cli/history", vec!["history"]),
            ("cli/current", vec!["--database-url", &ours_url, "current"]),
            ("cli/heads", vec!["heads"]),
            ("cli/sql", vec!["upgrade", "head", "--sql"]),
        ] {
            f.add(key, env.meter.run(&app, &args)?);
        }
    }

    // (3) Downgrade all.
    for c in rotated(&["ours", "psql"], run) {
        let s = match c {
            "ours" => env.meter.run(
                &app,
                &[
                    "--database-url",
                    &url(DB_OURS_TX),
                    "-q",
                    "downgrade",
                    "base",
                ],
            )?,
            _ => {
                let args = psql_args(&url(DB_PSQL_TX), &["-f", &down]);
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                env.meter.run(&psql, &args)?
            }
        };
        f.add(&format!("down/{c}"), s);
    }
    Ok(())
}

fn psql_args(url: &str, rest: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    v.extend(rest.iter().map(|s| (*s).to_owned()));
    v
}

/// One compile run of W(n): the app crate rebuilt from scratch, after
/// editing its last revision, after adding one; ours and refinery's
/// alternated.
fn compile_run(
    env: &Env,
    n: usize,
    paths: &Paths,
    run: usize,
    f: &mut Figures,
) -> Result<(), String> {
    let target = &env.gen_target;
    let io = |e: std::io::Error| e.to_string();
    for c in rotated(&["ours", "refinery"], run) {
        if c == "ours" {
            env.clean_package(&paths.app, &Paths::app_name(n))?;
            f.add("build/ours_clean", env.build(&paths.app, target)?);
        } else {
            env.clean_package(&paths.refinery_app, &Paths::refinery_name(n))?;
            f.add(
                "build/refinery_clean",
                env.build(&paths.refinery_app, target)?,
            );
        }
    }
    // Edit the last revision: one more op (toggled run by run, so every
    // run is an edit and nothing has to be rebuilt to undo it).
    let edited = run.is_multiple_of(2);
    for c in rotated(&["ours", "refinery"], run) {
        if c == "ours" {
            workload::write_if_changed(&paths.revision(n), &workload::revision_file(n, edited))
                .map_err(io)?;
            f.add("build/ours_edit", env.build(&paths.app, target)?);
        } else {
            let mut sql = workload::up_sql(n);
            if edited {
                sql.push_str(&format!(
                    "ALTER TABLE \"{}\" ADD COLUMN \"edited\" text;\n",
                    workload::table(n)
                ));
            }
            workload::write_if_changed(&paths.refinery_migration(n), &sql).map_err(io)?;
            f.add(
                "build/refinery_edit",
                env.build(&paths.refinery_app, target)?,
            );
        }
    }
    // Add a revision (n + 1 + run: they pile up until the W(n) is
    // generated again).
    let i = n + 1 + run;
    for c in rotated(&["ours", "refinery"], run) {
        if c == "ours" {
            workload::write_if_changed(&paths.revision(i), &workload::revision_file(i, false))
                .map_err(io)?;
            f.add("build/ours_add", env.build(&paths.app, target)?);
        } else {
            workload::write_if_changed(&paths.refinery_migration(i), &workload::up_sql(i))
                .map_err(io)?;
            f.add(
                "build/refinery_add",
                env.build(&paths.refinery_app, target)?,
            );
        }
    }
    Ok(())
}

/// Builds both applications from nothing (dependencies included) in a
/// target dir of their own, once each.
fn cold_builds(env: &Env, paths: &Paths, f: &mut Figures) -> Result<(), String> {
    let cold = env.bench_dir.join("cold-target");
    for (key, dir) in [
        ("cold/ours", &paths.app),
        ("cold/refinery", &paths.refinery_app),
    ] {
        let _ = std::fs::remove_dir_all(&cold);
        f.add(key, env.build(dir, &cold)?);
    }
    let _ = std::fs::remove_dir_all(&cold);
    Ok(())
}

fn version_of(program: &str, arg: &str) -> String {
    Command::new(program)
        .arg(arg)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "?".into())
}

/// Package versions from a Cargo.lock.
fn locked_version(lock: &Path, package: &str) -> String {
    let text = std::fs::read_to_string(lock).unwrap_or_default();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"")
            && let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = "))
        {
            return v.trim_matches('"').to_owned();
        }
    }
    "?".into()
}

fn fmt_ms(x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else if x >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

fn fmt_ratio(x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else {
        format!("{x:.2}")
    }
}

fn fmt_mb(x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else {
        format!("{x:.1}")
    }
}

/// The table of W(n).
fn table(n: usize, o: &Options, f: &Figures) -> String {
    let mut out = format!(
        "\nW({n}): {} runs, medians; ratio = median of the per-run ratios ours/baseline (same run, alternated)\n\n",
        o.runs
    );
    out.push_str(
        "| figure | ours ms | baseline | baseline ms | ratio | ours RSS MiB | baseline RSS MiB |\n",
    );
    out.push_str("| --- | ---: | --- | ---: | ---: | ---: | ---: |\n");
    let rows: [(&str, &str, &str, &str); 9] = [
        (
            "apply, transaction per revision",
            "apply/ours_tx",
            "psql, BEGIN/COMMIT per revision",
            "apply/psql_tx",
        ),
        (
            "apply, one transaction",
            "apply/ours_single",
            "psql -1",
            "apply/psql_1",
        ),
        (
            "apply, transaction per revision",
            "apply/ours_tx",
            "refinery",
            "apply/refinery",
        ),
        (
            "no-op upgrade (all applied)",
            "noop/ours",
            "refinery",
            "noop/refinery",
        ),
        (
            "no-op upgrade (all applied)",
            "noop/ours",
            "psql -c 'select 1'",
            "noop/psql",
        ),
        (
            "downgrade all",
            "down/ours",
            "psql, down SQL per revision",
            "down/psql",
        ),
        (
            "rebuild from scratch (app crate; deps built)",
            "build/ours_clean",
            "refinery app",
            "build/refinery_clean",
        ),
        (
            "rebuild after editing one revision",
            "build/ours_edit",
            "refinery app",
            "build/refinery_edit",
        ),
        (
            "rebuild after adding one revision",
            "build/ours_add",
            "refinery app",
            "build/refinery_add",
        ),
    ];
    for (what, ours, base_name, base) in rows {
        if f.refused.contains(ours) {
            out.push_str(&format!(
                "| {what} | refused (lock estimate over budget) | {base_name} | {} | - | - | {} |\n",
                fmt_ms(f.ms(base)),
                fmt_mb(f.rss(base)),
            ));
            continue;
        }
        if !f.ms.contains_key(ours) {
            continue;
        }
        out.push_str(&format!(
            "| {what} | {} | {base_name} | {} | {} | {} | {} |\n",
            fmt_ms(f.ms(ours)),
            fmt_ms(f.ms(base)),
            fmt_ratio(f.ratio(ours, base)),
            fmt_mb(f.rss(ours)),
            fmt_mb(f.rss(base)),
        ));
    }
    for (what, key) in [
        ("`history`", "cli/history"),
        ("`current`", "cli/current"),
        ("`heads`", "cli/heads"),
        ("`upgrade head --sql`", "cli/sql"),
    ] {
        out.push_str(&format!(
            "| {what} | {} | (target {} ms at N = 1,000) | | | {} | |\n",
            fmt_ms(f.ms(key)),
            if key == "cli/sql" { 20 } else { 10 },
            fmt_mb(f.rss(key)),
        ));
    }
    if f.ms.contains_key("cold/ours") {
        out.push_str(&format!(
            "| cold build, dependencies included (once) | {} | refinery app | {} | {} | | |\n",
            fmt_ms(f.ms("cold/ours")),
            fmt_ms(f.ms("cold/refinery")),
            fmt_ratio(f.ms("cold/ours") / f.ms("cold/refinery")),
        ));
    }
    out
}

fn machine_line(n: usize, f: &Figures) -> String {
    format!(
        "n={n} apply_ratio_vs_psql={} apply1_ratio_vs_psql={} apply_ratio_vs_refinery={} noop_ratio_vs_refinery={} down_ratio_vs_psql={} history_ms={} current_ms={} heads_ms={} sql_ms={} rebuild_ratio_vs_refinery={} add_ratio_vs_refinery={} clean_ratio_vs_refinery={}",
        fmt_ratio(f.ratio("apply/ours_tx", "apply/psql_tx")),
        fmt_ratio(f.ratio("apply/ours_single", "apply/psql_1")),
        fmt_ratio(f.ratio("apply/ours_tx", "apply/refinery")),
        fmt_ratio(f.ratio("noop/ours", "noop/refinery")),
        fmt_ratio(f.ratio("down/ours", "down/psql")),
        fmt_ms(f.ms("cli/history")),
        fmt_ms(f.ms("cli/current")),
        fmt_ms(f.ms("cli/heads")),
        fmt_ms(f.ms("cli/sql")),
        fmt_ratio(f.ratio("build/ours_edit", "build/refinery_edit")),
        fmt_ratio(f.ratio("build/ours_add", "build/refinery_add")),
        fmt_ratio(f.ratio("build/ours_clean", "build/refinery_clean")),
    )
}

fn bench(o: &Options) -> Result<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("workspace root")?
        .to_path_buf();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root.join(p) })
        .unwrap_or_else(|| root.join("target"));
    let bench_dir = target.join("bench");
    std::fs::create_dir_all(&bench_dir).map_err(|e| e.to_string())?;
    let env = Env {
        gen_target: bench_dir.join("target"),
        meter: Meter::new(&bench_dir),
        cargo: std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
        server: o.server.clone(),
        rt: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?,
        root,
        bench_dir,
    };
    let lock = env.root.join("Cargo.lock");
    let core = env.root.join("migrator-core");
    eprintln!(
        "migrator-bench: N = {:?}, {} runs; generated crates in {}, built into {}",
        o.ns,
        o.runs,
        env.bench_dir.display(),
        env.gen_target.display()
    );
    if !env.meter.has_rss() {
        eprintln!("migrator-bench: /usr/bin/time is missing: no peak RSS figures");
    }
    let mut report = String::new();
    report.push_str(&format!(
        "machine: {} cores, {}; {}; {}; refinery {} (runtime and app); tokio-postgres {}\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| s
                .lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned()))
            .unwrap_or_else(|| "?".into()),
        version_of("psql", "--version"),
        version_of(&env.cargo, "--version"),
        locked_version(&lock, "refinery"),
        locked_version(&lock, "tokio-postgres"),
    ));
    let mut last = String::new();
    for &n in &o.ns {
        let started = Instant::now();
        let paths = Paths::new(&env.bench_dir, n);
        workload::generate(&paths, n, &core, &lock)
            .map_err(|e| format!("generating W({n}): {e}"))?;
        workload::check_refinery(&paths, n)?;
        eprintln!("W({n}): building the two applications");
        env.build(&paths.app, &env.gen_target)?;
        env.build(&paths.refinery_app, &env.gen_target)?;
        let mut f = Figures::default();
        for run in 0..o.runs {
            eprintln!("W({n}): run {} of {} (runtime)", run + 1, o.runs);
            runtime_run(&env, o, n, &paths, run, &mut f)?;
        }
        for db in DATABASES {
            env.drop_db(db);
        }
        if o.compile {
            for run in 0..o.runs {
                eprintln!("W({n}): run {} of {} (compile)", run + 1, o.runs);
                compile_run(&env, n, &paths, run, &mut f)?;
            }
            // Back to W(n) as generated, built.
            workload::generate(&paths, n, &core, &lock).map_err(|e| e.to_string())?;
            env.build(&paths.app, &env.gen_target)?;
            env.build(&paths.refinery_app, &env.gen_target)?;
            if o.cold && Some(&n) == o.ns.iter().max() {
                eprintln!("W({n}): cold builds");
                cold_builds(&env, &paths, &mut f)?;
            }
        }
        let t = table(n, o, &f);
        eprintln!("{t}");
        report.push_str(&t);
        eprintln!("W({n}) took {:.0} s", started.elapsed().as_secs_f64());
        last = machine_line(n, &f);
    }
    report.push('\n');
    report.push_str(&last);
    Ok(report)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match bench(&options) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("migrator-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
