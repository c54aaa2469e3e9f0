//! The command line: global options and one subcommand per verb (Alembic's).

use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// Schema migrations for PostgreSQL, with Alembic's verbs.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// The database to migrate (the help shows the forms and the
    /// application's default: see [`database_url_help`]).
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Print no progress lines (errors still go to stderr).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Give up after waiting this long for another runner's migration lock
    /// (seconds, or with a unit: `500ms`, `2m`); default: wait as long as it takes.
    #[arg(long, value_name = "SECONDS", global = true, value_parser = duration, allow_negative_numbers = true)]
    pub lock_wait: Option<Duration>,
    /// `lock_timeout` for each revision's statements (default 5s; `0`: the server's).
    #[arg(long, value_name = "SECONDS", global = true, value_parser = duration, allow_negative_numbers = true)]
    pub lock_timeout: Option<Duration>,
    /// `statement_timeout` for each revision's statements (default: the server's).
    #[arg(long, value_name = "SECONDS", global = true, value_parser = duration, allow_negative_numbers = true)]
    pub statement_timeout: Option<Duration>,
    /// How many times a revision is retried after a lock timeout, with
    /// backoff, before the run gives up (default 5).
    #[arg(long, value_name = "N", global = true)]
    pub lock_retries: Option<u32>,
    /// Run the whole plan in one transaction (refused when a revision
    /// cannot run in a transaction).
    #[arg(long, global = true)]
    pub single_transaction: bool,
    /// Go on although an applied revision's ops changed since it ran.
    #[arg(long, global = true)]
    pub accept_changed: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply revisions up to TARGET.
    Upgrade {
        /// `head`, `heads`, a revision id or prefix, `label@head`, `+N`, `rev+N`…
        /// (`from:to` with --sql).
        #[arg(default_value = "head", allow_negative_numbers = true)]
        target: String,
        /// Print the SQL script instead of running it (no database connection).
        #[arg(long)]
        sql: bool,
    },
    /// Undo revisions down to TARGET.
    Downgrade {
        /// `base`, a revision id or prefix, `-N`, `label@base`… (`from:to` with --sql).
        #[arg(allow_negative_numbers = true)]
        target: String,
        /// Print the SQL script instead of running it (no database connection).
        #[arg(long)]
        sql: bool,
    },
    /// Show the revisions the database is at.
    Current {
        /// Show each revision in full.
        #[arg(short, long)]
        verbose: bool,
        /// Fail (exit 1) unless the database is at the heads.
        #[arg(long)]
        check_heads: bool,
    },
    /// List revisions, newest first.
    History {
        /// `from:to` (either side optional, `current` allowed; `-r -2:` works).
        #[arg(short = 'r', long, allow_hyphen_values = true)]
        rev_range: Option<String>,
        /// Show each revision in full.
        #[arg(short, long)]
        verbose: bool,
        /// Mark the revisions the database is at.
        #[arg(short = 'i', long)]
        indicate_current: bool,
    },
    /// Show the heads (revisions nothing builds on).
    Heads {
        /// Show each revision in full.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Show the branch points.
    Branches {
        /// Show each revision in full.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Show one revision in full.
    Show {
        /// A revision id or prefix, `head`, a branch label…
        #[arg(allow_negative_numbers = true)]
        rev: String,
    },
    /// Set the version table to TARGET without running any revision.
    Stamp(Stamp),
    /// Write a revision that merges REVS.
    Merge {
        /// The revisions to merge (`heads` for every head).
        #[arg(required = true)]
        revs: Vec<String>,
        /// The new revision's message.
        #[arg(short, long)]
        message: String,
        /// A branch label for the new revision.
        #[arg(long)]
        branch_label: Vec<String>,
        /// The new revision's id (default: 12 random hex digits).
        #[arg(long)]
        rev_id: Option<String>,
    },
    /// Write a new, empty revision file into the migrations directory.
    Revision(Revision),
    /// Lint the revisions an upgrade of RANGE would run: what each
    /// statement does to a busy PostgreSQL server (locks, scans,
    /// rewrites), under squawk's rule names, with the fix. Exit 1 when a
    /// finding is an error. No database connection.
    Lint {
        /// A target (from an empty database) or `from:to`.
        #[arg(default_value = "heads", allow_negative_numbers = true)]
        range: String,
        /// List the rules, their severity and whether squawk has them.
        #[arg(long)]
        rules: bool,
    },
    /// Check that the graph has one head, the database is at it and no
    /// applied revision changed.
    Check {
        /// Accept several heads.
        #[arg(long)]
        allow_multiple_heads: bool,
    },
}

/// `stamp`'s arguments.
#[derive(Debug, Args)]
pub struct Stamp {
    /// The revision(s) the version table will hold (`from:to` with --sql).
    #[arg(allow_negative_numbers = true)]
    pub target: String,
    /// Empty the version table first, whatever it holds (even unknown ids).
    #[arg(long)]
    pub purge: bool,
    /// Print the SQL script instead of running it (no database connection).
    #[arg(long)]
    pub sql: bool,
}

/// `revision`'s arguments.
#[derive(Debug, Args)]
pub struct Revision {
    /// The new revision's message.
    #[arg(short, long)]
    pub message: String,
    /// The revision to build on (`base` for a new base).
    #[arg(long, default_value = "head")]
    pub head: String,
    /// Build on a revision that is not a head, starting a branch.
    #[arg(long)]
    pub splice: bool,
    /// A branch label for the new revision.
    #[arg(long)]
    pub branch_label: Vec<String>,
    /// A revision (or branch label) that must be applied first, without being a parent.
    #[arg(long)]
    pub depends_on: Vec<String>,
    /// The new revision's id (default: 12 random hex digits).
    #[arg(long)]
    pub rev_id: Option<String>,
    /// Write the ops that take the migrations' schema (at the parent) to
    /// the models' (no database needed; see --from-database); "No changes
    /// detected" writes nothing.
    #[arg(long)]
    pub autogenerate: bool,
    /// With --autogenerate: never guess that a dropped and an added table
    /// (or column) are one renamed.
    #[arg(long, requires = "autogenerate")]
    pub no_renames: bool,
    /// With --autogenerate: compare the models with the live database
    /// (--database-url), which must be at the heads, instead of with the
    /// schema the migrations give.
    #[arg(long, requires = "autogenerate")]
    pub from_database: bool,
}

/// The longest duration the options take: PostgreSQL's `lock_timeout` and
/// `statement_timeout` and SQLite's busy timeout are an `int` of
/// milliseconds (2,147,483,647 ms, about 24.8 days).
pub const MAX_DURATION: Duration = Duration::from_millis(i32::MAX as u64);

/// The help of `--database-url`: the URL forms of both engines and the
/// default the application gives (`default`, shown without its password).
pub fn database_url_help(default: &str) -> String {
    format!(
        "The database to migrate. PostgreSQL: `postgres://user@host:5432/db`, `postgresql://…` \
         or a libpq `key=value` string. SQLite: `sqlite://path/app.db` (relative to the working \
         directory), `sqlite:///abs/path/app.db` or `sqlite::memory:`. Default: {}",
        crate::run::redact(default)
    )
}

/// Parses `5`, `1.5`, `500ms`, `5s` or `2m`: from 0 to [`MAX_DURATION`],
/// and not between 0 and 1 ms (the engines count whole milliseconds, and 0
/// means something else).
fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else {
        (text, 1.0)
    };
    let max = MAX_DURATION.as_secs_f64();
    let range = format!(
        "give 0 to {max} seconds (about 24.8 days: the engines take timeouts as an int of milliseconds), \
         as seconds (`5`, `1.5`) or with a unit (`500ms`, `5s`, `2m`)"
    );
    let Ok(n) = number.trim().parse::<f64>() else {
        return Err(format!("{text:?} is not a duration: {range}"));
    };
    let seconds = n * scale;
    if !seconds.is_finite() || !(0.0..=max).contains(&seconds) {
        return Err(format!("{text:?} is out of range: {range}"));
    }
    if seconds > 0.0 && seconds < 0.001 {
        return Err(format!(
            "{text:?} is less than a millisecond, which the engines cannot wait: give at least `1ms`, or 0"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations() {
        assert_eq!(duration("5"), Ok(Duration::from_secs(5)));
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(duration("2147483.647"), Ok(MAX_DURATION));
        for bad in [
            "-1",
            "soon",
            "1e300",
            "1e300m",
            "inf",
            "NaN",
            "-0.5ms",
            "2147483.648",
            "0.1ms",
        ] {
            let err = duration(bad).unwrap_err();
            assert!(err.contains(bad), "{err}");
        }
        assert!(
            duration("1e300")
                .unwrap_err()
                .contains("0 to 2147483.647 seconds")
        );
    }
}
