//! The command-line interface: Alembic's verbs and output formats over the
//! runner and the revision graph. An application's `main` hands its
//! arguments over:
//!
//! ```no_run
//! use migrator_core::cli::{self, CliConfig};
//!
//! fn main() -> std::process::ExitCode {
//!     cli::main(
//!         CliConfig::default()
//!             .with_migrations_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/migrations"))
//!             .with_default_url("sqlite://my_app.db"),
//!     )
//! }
//! ```
//!
//! Results go to stdout, progress lines and errors to stderr; exit codes are
//! 0 (success), 1 (failure, with `error: <message>`: a [`CliError`]'s
//! message) and 2 (usage). A database password never appears in either.

mod args;
mod commands;
mod database;
mod error;
mod input;
mod output;
mod scaffold;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::{CommandFactory, FromArgMatches};

pub use error::CliError;

use crate::ops::NamingConvention;
use crate::registry::Registered;
use crate::run::RunConfig;

/// What the application tells the CLI: build it from the default and change
/// what differs (new settings may come in later versions).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CliConfig {
    /// Where `revision` and `merge` write new revision files.
    pub migrations_dir: PathBuf,
    /// The database used when neither `--database-url` nor `DATABASE_URL`
    /// is given, as a URL. The default, `sqlite://migrator.db`, is an SQLite
    /// file in the working directory: the CLI works with no server at all,
    /// and says in one line how to point it at PostgreSQL instead. (Built
    /// without the `sqlite` feature, the default is the local PostgreSQL
    /// server's database `migrator`.) When it
    /// is a PostgreSQL URL, `upgrade` and `stamp` create the database when
    /// it does not exist.
    pub default_url: String,
    /// The runner's settings (table names, default timeouts); the command
    /// line's options override them.
    pub run: RunConfig,
    /// The revisions to work with; `None`: every revision linked into the
    /// binary.
    pub revisions: Option<Vec<Registered>>,
    /// The program name shown in usage messages.
    pub program: String,
    /// The models `revision --autogenerate` compares with; `None`: every
    /// model linked into the binary.
    pub models: Option<Vec<crate::models::Model>>,
    /// The naming convention new revisions are written under (`revision`
    /// writes `naming = <path>` into their `#[migration]`) and the models
    /// are named with: the path revision files name it by, and its value.
    /// `None`: PostgreSQL's names. Revisions written before keep theirs.
    pub naming: Option<(String, &'static NamingConvention)>,
    /// The lint's rules and severities (`lint`).
    pub lint: crate::lint::LintConfig,
}

impl Default for CliConfig {
    fn default() -> Self {
        Self {
            migrations_dir: PathBuf::from("migrations"),
            default_url: if cfg!(feature = "sqlite") {
                "sqlite://migrator.db".to_owned()
            } else {
                database::local_postgres_url("migrator")
            },
            run: RunConfig::default(),
            revisions: None,
            program: "migrator".to_owned(),
            models: None,
            naming: None,
            lint: crate::lint::LintConfig::default(),
        }
    }
}

impl CliConfig {
    /// Sets [`migrations_dir`](Self::migrations_dir).
    pub fn with_migrations_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.migrations_dir = dir.into();
        self
    }

    /// Sets [`default_url`](Self::default_url).
    pub fn with_default_url(mut self, url: impl Into<String>) -> Self {
        self.default_url = url.into();
        self
    }

    /// Sets [`run`](Self::run), the runner's settings.
    pub fn with_run(mut self, run: RunConfig) -> Self {
        self.run = run;
        self
    }

    /// Works with `revisions` instead of every revision linked into the
    /// binary (an empty list: none at all, on purpose).
    pub fn with_revisions(mut self, revisions: Vec<Registered>) -> Self {
        self.revisions = Some(revisions);
        self
    }

    /// Compares with `models` instead of every model linked into the binary.
    pub fn with_models(mut self, models: Vec<crate::models::Model>) -> Self {
        self.models = Some(models);
        self
    }

    /// Sets [`naming`](Self::naming): new revisions are written under
    /// `convention`, named `path` in their files (as a revision module
    /// names it, e.g. `crate::NAMING`), and the models are named with it.
    /// `path` must name `convention`: nothing can check that the two agree.
    ///
    /// ```
    /// use migrator_core::cli::CliConfig;
    /// use migrator_core::ops::NamingConvention;
    /// pub const NAMING: NamingConvention = NamingConvention::sqlalchemy();
    /// let config = CliConfig::default().with_naming("crate::NAMING", &NAMING);
    /// assert_eq!(config.naming.unwrap().0, "crate::NAMING");
    /// ```
    pub fn with_naming(
        mut self,
        path: impl Into<String>,
        convention: &'static NamingConvention,
    ) -> Self {
        self.naming = Some((path.into(), convention));
        self
    }

    /// Sets [`lint`](Self::lint): the rules' severities.
    pub fn with_lint(mut self, lint: crate::lint::LintConfig) -> Self {
        self.lint = lint;
        self
    }

    /// Sets [`program`](Self::program), the name usage messages show.
    pub fn with_program(mut self, program: impl Into<String>) -> Self {
        self.program = program.into();
        self
    }
}

/// What one run printed, and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// 0 success, 1 failure, 2 usage.
    pub code: u8,
    /// What went to stdout.
    pub stdout: String,
    /// What went to stderr: progress lines and errors.
    pub stderr: String,
}

/// Runs the command line of this process and returns its exit code.
pub fn main(config: CliConfig) -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let stdout = std::io::stdout();
    let code = run_to(
        args,
        &config,
        &mut stdout.lock(),
        Sink::new(Arc::new(Mutex::new(std::io::stderr()))),
    );
    ExitCode::from(code)
}

/// Runs one command line (`args` without the program name, as a user types
/// it) and returns what it printed: the same path as [`main`], for tests.
pub fn run<I, S>(args: I, config: &CliConfig) -> Output
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut stdout = Vec::new();
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let code = run_to(
        args.into_iter().map(Into::into).collect(),
        config,
        &mut stdout,
        Sink::new(stderr.clone()),
    );
    let stderr = stderr.lock().map(|b| b.clone()).unwrap_or_default();
    Output {
        code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Stderr, shared with the progress log, with the database password masked.
#[derive(Clone)]
struct Sink {
    inner: Arc<Mutex<dyn Write + Send>>,
    secrets: Arc<Mutex<Vec<String>>>,
}

impl Sink {
    fn new(inner: Arc<Mutex<dyn Write + Send>>) -> Self {
        Self {
            inner,
            secrets: Arc::default(),
        }
    }

    fn hide(&self, secrets: Vec<String>) {
        if let Ok(mut s) = self.secrets.lock() {
            *s = secrets;
        }
    }
}

/// Masks each secret in `text`.
fn scrub(text: &str, secrets: &[String]) -> String {
    secrets
        .iter()
        .fold(text.to_owned(), |t, s| t.replace(s.as_str(), "***"))
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let secrets = self.secrets.lock().map(|s| s.clone()).unwrap_or_default();
        let text = scrub(&String::from_utf8_lossy(buf), &secrets);
        // Nothing a user typed or a file holds reaches the terminal raw.
        let text = input::escape(&text);
        let mut inner = self
            .inner
            .lock()
            .map_err(|_| std::io::Error::other("stderr lock poisoned"))?;
        inner.write_all(text.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.inner.lock() {
            Ok(mut inner) => inner.flush(),
            Err(_) => Ok(()),
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Sink {
    type Writer = Sink;
    fn make_writer(&'a self) -> Sink {
        self.clone()
    }
}

/// Stdout that remembers whether its reader went away (`history | head`):
/// the command then stops at its next write and the run ends quietly.
struct Stdout<'a> {
    inner: &'a mut dyn Write,
    closed: bool,
}

impl Write for Stdout<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.write(buf).inspect_err(|e| self.note(e))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush().inspect_err(|e| self.note(e))
    }
}

impl Stdout<'_> {
    fn note(&mut self, error: &std::io::Error) {
        self.closed |= error.kind() == std::io::ErrorKind::BrokenPipe;
    }
}

fn run_to(args: Vec<String>, config: &CliConfig, out: &mut dyn Write, err: Sink) -> u8 {
    let mut out = Stdout {
        inner: out,
        closed: false,
    };
    let code = run_with(args, config, &mut out, err);
    let _ = out.flush();
    if out.closed { 0 } else { code }
}

/// The command line's definition, with the help that depends on the
/// application's configuration.
fn command(config: &CliConfig) -> clap::Command {
    args::Cli::command().mut_arg("database_url", |arg| {
        arg.help(args::database_url_help(&config.default_url))
    })
}

fn run_with(args: Vec<String>, config: &CliConfig, out: &mut Stdout<'_>, mut err: Sink) -> u8 {
    let parsed = command(config)
        .try_get_matches_from(std::iter::once(config.program.clone()).chain(args))
        .and_then(|matches| args::Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                write!(err, "{text}")
            } else {
                write!(out, "{text}")
            };
            return u8::try_from(e.exit_code()).unwrap_or(2);
        }
    };
    let url = cli
        .database_url
        .clone()
        .unwrap_or_else(|| config.default_url.clone());
    err.hide(database::secrets(&url));
    let level = if cli.quiet {
        tracing::Level::WARN
    } else {
        tracing::Level::INFO
    };
    let subscriber = tracing_subscriber::fmt()
        .with_writer(err.clone())
        .with_max_level(level)
        .without_time()
        .with_target(false)
        .with_level(false)
        .with_ansi(false)
        .finish();
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
        .and_then(|runtime| {
            tracing::subscriber::with_default(subscriber, || {
                if cli.database_url.is_none() && needs_database(&cli) {
                    database::note_default(&url);
                }
                runtime.block_on(commands::dispatch(&cli, config, &url, out))
            })
        });
    let _ = out.flush();
    match result {
        Ok(()) => 0,
        // The reader of stdout went away: nothing more to say to anyone.
        Err(_) if out.closed => 0,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            e.exit_code()
        }
    }
}

/// Whether the command talks to the database (offline `--sql` and the
/// verbs that only read the revision graph do not).
fn needs_database(cli: &args::Cli) -> bool {
    use args::Command;
    match &cli.command {
        Command::Upgrade { sql, .. } | Command::Downgrade { sql, .. } => !sql,
        Command::Stamp(stamp) => !stamp.sql,
        Command::Current { .. } | Command::Check { .. } => true,
        Command::History {
            indicate_current, ..
        } => *indicate_current,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_exit_2_and_help_exits_0() {
        let config = CliConfig::default();
        let out = run(["frobnicate"], &config);
        assert_eq!(out.code, 2);
        assert!(
            out.stderr.contains("unrecognized subcommand"),
            "{}",
            out.stderr
        );
        let out = run(["--help"], &config);
        assert_eq!(out.code, 0);
        assert!(out.stdout.contains("upgrade"), "{}", out.stdout);
        assert_eq!(run(["downgrade"], &config).code, 2);
    }

    #[test]
    fn scrubs_secrets() {
        assert_eq!(
            scrub("pw hunter22 here", &["hunter22".to_owned()]),
            "pw *** here"
        );
    }
}
