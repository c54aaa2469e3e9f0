//! Why a run failed. Every message names the revision and, for SQL, the
//! statement and PostgreSQL's message, detail and hint, and says what state
//! the database is left in.

use std::fmt;
use std::time::Duration;

use crate::graph::GraphError;
use crate::registry::{DowngradeError, RegistryError};
use crate::render::RenderError;

/// What the database said about a failed statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbMessage {
    /// PostgreSQL's SQLSTATE, like `42P01`, or SQLite's result code, like
    /// `SQLITE_CONSTRAINT`.
    pub code: String,
    /// The primary message.
    pub message: String,
    /// `DETAIL`, if any.
    pub detail: Option<String>,
    /// `HINT`, if any.
    pub hint: Option<String>,
}

impl DbMessage {
    pub(crate) fn of(e: &tokio_postgres::Error) -> DbMessage {
        match e.as_db_error() {
            Some(db) => {
                let code = db.code().code().to_owned();
                // PostgreSQL gives no hint for a missing privilege or an
                // empty search_path; say what to do.
                let hint = db.hint().map(str::to_owned).or_else(|| match code.as_str() {
                    "42501" => Some("the database role lacks a privilege: creating objects needs CREATE on their schema (GRANT CREATE ON SCHEMA <schema> TO <role>), altering or dropping a table needs to own it".to_owned()),
                    "3F000" => Some("the session's search_path names no existing schema (search_path = '' on the role?): give the tables a schema (RunConfig::version_table, e.g. public.migrator_version) or set the role's search_path".to_owned()),
                    _ => None,
                });
                DbMessage {
                    code,
                    message: db.message().to_owned(),
                    detail: db.detail().map(str::to_owned),
                    hint,
                }
            }
            None => DbMessage {
                code: String::new(),
                message: e.to_string(),
                detail: None,
                hint: None,
            },
        }
    }
}

impl fmt::Display for DbMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if self.code.starts_with("SQLITE") {
            write!(f, " ({})", self.code)?;
        } else if !self.code.is_empty() {
            write!(f, " (SQLSTATE {})", self.code)?;
        }
        if let Some(detail) = &self.detail {
            write!(f, "\n  DETAIL: {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  HINT: {hint}")?;
        }
        Ok(())
    }
}

fn state_at(rows: &[String]) -> String {
    if rows.is_empty() {
        "base (no revision applied)".to_owned()
    } else {
        rows.join(", ")
    }
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The registered revisions do not form a graph.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The target or the version table does not fit the graph.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// An earlier run's `CREATE INDEX CONCURRENTLY` is still building the
    /// index this revision would build.
    #[error(
        "revision {revision}: index {index} is still being built by backend pid {pid} (an earlier run's CREATE INDEX CONCURRENTLY, whose client is gone); waited {waited:?}. Nothing was changed: run again once it has finished (raise --lock-wait to wait longer), or stop it with SELECT pg_cancel_backend({pid}) and run again to build it anew"
    )]
    BuildInProgress {
        /// The revision.
        revision: String,
        /// The index.
        index: String,
        /// The backend building it.
        pid: i32,
        /// How long this runner waited.
        waited: Duration,
    },
    /// The database cannot be reached.
    #[error("cannot connect to {url}: {message}")]
    Connect {
        /// The URL, without its password.
        url: String,
        /// Why.
        message: String,
        /// The SQLSTATE, when the server answered (`3D000`: no such database).
        code: Option<String>,
    },
    /// A verb that only reads was pointed at an SQLite file that does not
    /// exist (nothing was created).
    #[error(
        "there is no SQLite database at {database} (nothing was created): check the path, or run `upgrade` to create it"
    )]
    NoDatabase {
        /// The file's path.
        database: String,
    },
    /// The version table's name has no schema and the session's
    /// search_path names none, so it cannot be looked up.
    #[error(
        "cannot look for the version table {table}: its name has no schema and the session's search_path names no existing schema (search_path = '' on the role?). Give the table a schema (RunConfig::version_table, e.g. public.{table}) or set the role's search_path (ALTER ROLE … SET search_path = public)"
    )]
    NoSchema {
        /// The version table's name.
        table: String,
    },
    /// The version table names applied revisions, but the history table,
    /// which holds their checksums, is missing.
    #[error(
        "the version table says the database is at {}, but the history table {table} is missing (dropped by hand?), so no checksum can be compared. Restore it from a backup, or record the revisions' checksums as they are now with `stamp {} --purge`", state_at(.at), .at.join(" ")
    )]
    NoHistory {
        /// The history table's name.
        table: String,
        /// The version-table rows.
        at: Vec<String>,
    },
    /// A statement of the runner's own (version table, lock) failed.
    #[error("{context}: {message}")]
    Database {
        /// What the runner was doing.
        context: String,
        /// What PostgreSQL said.
        message: DbMessage,
    },
    /// Another runner held the migration lock for longer than allowed.
    #[error("another runner holds the migration lock (advisory lock {key}{}); gave up after {waited:?}. Run again when it has finished, or raise --lock-wait", holder.map(|p| format!(", held by backend pid {p}")).unwrap_or_default())]
    LockWait {
        /// The advisory lock key.
        key: i64,
        /// The backend holding it, if known.
        holder: Option<i32>,
        /// How long this runner waited.
        waited: Duration,
    },
    /// Another runner held an SQLite database's migration lock for longer
    /// than allowed.
    #[error(
        "another runner holds the migration lock on {database} (lock file {lock_file}); gave up after {waited:?}. Run again when it has finished, or raise --lock-wait"
    )]
    Busy {
        /// The database, without secrets.
        database: String,
        /// The lock file.
        lock_file: String,
        /// How long this runner waited.
        waited: Duration,
    },
    /// An applied revision's ops have changed since it ran.
    #[error(
        "revision {revision} has changed since it was applied (checksum {applied} when applied, {now} now). Restore it, or accept the change with --accept-changed"
    )]
    Changed {
        /// The revision.
        revision: String,
        /// The checksum recorded when it was applied.
        applied: String,
        /// Its checksum now.
        now: String,
    },
    /// A revision mixes ops that need a transaction with ops that cannot run in one.
    #[error(
        "revision {revision} mixes {outside}, which cannot run inside a transaction, with {inside}, which must; move one of them to a revision of its own"
    )]
    Mixed {
        /// The revision.
        revision: String,
        /// An op that must run outside a transaction.
        outside: String,
        /// An op that must run inside one.
        inside: String,
    },
    /// A revision's ops do not apply to the schema or cannot be rendered.
    #[error("revision {revision}: {source}")]
    Invalid {
        /// The revision.
        revision: String,
        /// Why.
        source: Box<RenderError>,
    },
    /// A revision cannot be undone.
    #[error(transparent)]
    Downgrade(#[from] DowngradeError),
    /// A statement failed; the revision was rolled back.
    #[error("revision {revision} failed at {op}:\n  {sql}\n{message}\nNothing of revision {revision} was applied; the database is at {}", state_at(.at))]
    Statement {
        /// The revision.
        revision: String,
        /// The op the statement belongs to.
        op: String,
        /// The statement.
        sql: String,
        /// What PostgreSQL said.
        message: DbMessage,
        /// The version-table rows the database is left at.
        at: Vec<String>,
    },
    /// A statement of a revision run outside a transaction failed part way.
    #[error("revision {revision} runs outside a transaction and failed at {op}:\n  {sql}\n{message}\nThe statements before it stay applied and the version table still says {}; fix the cause and run the upgrade again (each statement is safe to retry only if written with IF NOT EXISTS)", state_at(.at))]
    NonTransactional {
        /// The revision.
        revision: String,
        /// The op the statement belongs to.
        op: String,
        /// The statement.
        sql: String,
        /// What PostgreSQL said.
        message: DbMessage,
        /// The version-table rows the database is left at.
        at: Vec<String>,
    },
    /// A Rust data step failed; the revision was rolled back.
    #[error("revision {revision}: data step {step:?} failed: {message}\nNothing of revision {revision} was applied; the database is at {}", state_at(.at))]
    DataStep {
        /// The revision.
        revision: String,
        /// The step's name.
        step: String,
        /// Its error.
        message: String,
        /// The version-table rows the database is left at.
        at: Vec<String>,
    },
    /// A revision's own SQL (or data step) ended the transaction the runner
    /// opened for it; what ran before may be committed.
    #[error("revision {revision}: {op} ended the transaction the runner opened for the revision (a COMMIT or ROLLBACK in it):\n  {sql}\nWhat the revision ran before that point is committed if it was a COMMIT (undone if a ROLLBACK); nothing after it ran, and the version table still says {}. Look at the database, then either finish the revision by hand and run `stamp {revision}`, or undo what was committed; and take COMMIT and ROLLBACK out of the revision: each revision already runs in a transaction of its own", state_at(.at))]
    TransactionEnded {
        /// The revision.
        revision: String,
        /// The op whose SQL ended the transaction.
        op: String,
        /// Its SQL.
        sql: String,
        /// The version-table rows the database is left at.
        at: Vec<String>,
    },
    /// The version table no longer held what the step was planned from:
    /// another runner moved the database meanwhile.
    #[error("another runner moved the database while this one ran: revision {revision} was planned from {}, which the version table no longer holds. Nothing of revision {revision} was applied (it was rolled back). Run `current` to see where the database is now, then run the command again", state_at(.planned))]
    Moved {
        /// The revision.
        revision: String,
        /// The version-table rows it was planned from.
        planned: Vec<String>,
    },
    /// The migration lock was lost during the run.
    #[error("the migration lock was lost during the run ({why}); stopped{} so that no other runner applies a revision twice. The database is at {}; run the command again", .next.as_ref().map(|n| format!(" before revision {n}")).unwrap_or_default(), state_at(.at))]
    LockLost {
        /// Why the lock is no longer held.
        why: String,
        /// The revision that would have run next.
        next: Option<String>,
        /// The version-table rows the database is left at.
        at: Vec<String>,
    },
    /// An offline downgrade given a target instead of a range.
    #[error(
        "with --sql a downgrade needs a range FROM:TO, e.g. `downgrade head:base --sql` or `downgrade head:-1 --sql` (`{target}` alone would start from the version table, and offline there is none to read)"
    )]
    OfflineDowngrade {
        /// The target given.
        target: String,
    },
    /// A Rust data step in offline mode.
    #[error(
        "revision {revision} runs the Rust data step {step:?}, which cannot be written as SQL; run it online"
    )]
    Offline {
        /// The revision.
        revision: String,
        /// The step.
        step: String,
    },
    /// The plan would hold more locks in one transaction than the server has room for.
    #[error(
        "running these {steps} revisions in one transaction would hold about {needed} locks until COMMIT, more than half of the server's shared lock table ({capacity} = max_locks_per_transaction × (max_connections + max_prepared_transactions)); nothing was run. Run without --single-transaction, upgrade in smaller steps (a target such as +100), or raise max_locks_per_transaction"
    )]
    TooManyLocks {
        /// How many revisions the plan has.
        steps: usize,
        /// About how many locks they take.
        needed: usize,
        /// The lock table's size.
        capacity: i64,
    },
    /// A revision the graph names is not registered (a registry bug).
    #[error("revision {0} is in the graph but not registered")]
    Missing(String),
}

impl RunError {
    /// Whether the server said the database does not exist (3D000).
    pub fn is_missing_database(&self) -> bool {
        matches!(self, RunError::Connect { code: Some(code), .. } if code == "3D000")
    }

    pub(crate) fn db(context: impl Into<String>, e: &tokio_postgres::Error) -> RunError {
        RunError::Database {
            context: context.into(),
            message: DbMessage::of(e),
        }
    }
}

/// A database URL with its password masked, for messages and logs.
///
/// Masked are the password of a URL's user info (from the first `:` of the
/// user info to the URL's last `@`, so a password with a raw `@`, `/`, `?`
/// or `:` is masked whole), also when the scheme is missing or mistyped
/// (`app:pw@host/db`), and the value of every `key=value` parameter whose
/// key contains `pass` (`password`, `sslpassword`, any case), in a URL's
/// query (percent-encoded keys included) or a `key=value` string (quoted
/// values and spaces around `=` included). When in doubt, more is masked.
///
/// ```
/// use migrator_core::run::redact;
/// assert_eq!(redact("postgres://app:s3cret@db:5432/prod"), "postgres://app:***@db:5432/prod");
/// assert_eq!(redact("postgres://app:p@ss/w0rd@db/prod"), "postgres://app:***@db/prod");
/// assert_eq!(redact("app:s3cret@db/prod"), "app:***@db/prod");
/// assert_eq!(redact("postgres://app@db/prod?password=s3cret&sslmode=disable"),
///     "postgres://app@db/prod?password=***&sslmode=disable");
/// assert_eq!(redact("host=db password=s3cret user=app"), "host=db password=*** user=app");
/// assert!(!redact("host=db user=app password=ab://cd").contains("ab://cd"));
/// assert_eq!(redact(r"host=db password = 'it\'s secret' user=app"), "host=db password = *** user=app");
/// ```
pub fn redact(url: &str) -> String {
    let spans = match url.find("://") {
        // `://` may also stand inside a value of a key=value string (whose
        // pairs are separated by spaces): mask its password keys too
        // (`mask` merges overlapping spans).
        Some(i) => userinfo_span(url, i + 3)
            .into_iter()
            .chain(query_spans(url))
            .chain(key_value_in(url))
            .collect(),
        None if userinfo_like(url) => userinfo_span(url, 0)
            .into_iter()
            .chain(query_spans(url))
            .chain(key_value_in(url))
            .collect(),
        None => key_value_spans(url),
    };
    mask(url, spans)
}

/// The password spans of `text` read as a key=value string, if it has the
/// spaces one has.
fn key_value_in(text: &str) -> Vec<(usize, usize)> {
    if text.contains(char::is_whitespace) {
        key_value_spans(text)
    } else {
        Vec::new()
    }
}

/// `text` with each byte range of `spans` (merged where they overlap)
/// replaced by `***`.
fn mask(text: &str, mut spans: Vec<(usize, usize)>) -> String {
    spans.retain(|(start, end)| start < end);
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (start, end) in spans {
        if end <= done {
            continue;
        }
        out.push_str(&text[done..start.max(done)]);
        if start >= done {
            out.push_str("***");
        }
        done = end;
    }
    out.push_str(&text[done..]);
    out
}

/// A URL without (or with a mistyped) scheme: a first word without spaces
/// or `=`, then `:`, and an `@` somewhere after it (`app:pw@host/db`).
fn userinfo_like(text: &str) -> bool {
    text.find(':').is_some_and(|colon| {
        !text[..colon].contains(|c: char| c.is_whitespace() || c == '=')
            && text[colon..].contains('@')
    })
}

/// The password of the user info after `start`: from the first `:` to the
/// last `@` (a raw `@`, `/` or `?` in the password stays inside).
fn userinfo_span(url: &str, start: usize) -> Option<(usize, usize)> {
    let rest = &url[start..];
    let at = rest.rfind('@')?;
    let colon = rest[..at].find(':')?;
    Some((start + colon + 1, start + at))
}

/// Whether a parameter's key names a secret.
fn secret_key(key: &str) -> bool {
    key.to_lowercase().contains("pass")
}

/// Whether `text` starts a query parameter: a key, then `=`.
fn starts_param(text: &str) -> bool {
    let key = text.split(['=', '&']).next().unwrap_or("");
    !key.is_empty()
        && text[key.len()..].starts_with('=')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '%')
}

/// The values of secret parameters after each `?` (a raw `?` in a password
/// does not hide the real query). A value runs to the next `&` that starts
/// another parameter, so a raw `&` in a password stays inside.
fn query_spans(url: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    for (q, _) in url.match_indices('?') {
        let mut pos = q + 1;
        while pos < url.len() {
            let mut end = pos;
            loop {
                match url[end..].find('&') {
                    Some(amp) if starts_param(&url[end + amp + 1..]) => {
                        end += amp;
                        break;
                    }
                    Some(amp) => end += amp + 1,
                    None => {
                        end = url.len();
                        break;
                    }
                }
            }
            let param = &url[pos..end];
            if let Some((key, _)) = param.split_once('=')
                && secret_key(&percent_decode(key))
            {
                spans.push((pos + key.len() + 1, end));
            }
            pos = end + 1;
        }
    }
    spans
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The values of secret `key = value` parameters of a libpq-style string,
/// read the way tokio-postgres reads them: spaces around `=`, a value quoted
/// with `'` or ending at a space, `\` escaping the next character. An
/// unquoted value also takes the words after it up to the next `key=`, in
/// case the password held a raw space. Words that are not parameters are
/// skipped, so a message that quotes such a string is masked too.
fn key_value_spans(text: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let offset = |i: usize| chars.get(i).map_or(text.len(), |&(o, _)| o);
    let skip_ws = |mut i: usize| {
        while at(i).is_some_and(char::is_whitespace) {
            i += 1;
        }
        i
    };
    // The end of an unquoted word (escapes included) starting at `i`.
    let word_end = |mut i: usize| {
        while let Some(c) = at(i) {
            if c.is_whitespace() || c == '=' {
                break;
            }
            i += if c == '\\' { 2 } else { 1 };
        }
        i.min(chars.len())
    };
    let mut spans = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        i = skip_ws(i);
        let key_start = i;
        i = word_end(i).max(i + 1).min(chars.len());
        let key = &text[offset(key_start)..offset(i)];
        let eq = skip_ws(i);
        if at(eq) != Some('=') {
            continue;
        }
        let value_start = skip_ws(eq + 1);
        i = value_start;
        if at(i) == Some('\'') {
            i += 1;
            while let Some(c) = at(i) {
                i += if c == '\\' { 2 } else { 1 };
                if c == '\'' {
                    break;
                }
            }
            i = i.min(chars.len());
        } else {
            // The value proper may hold `=`; the words after it may not.
            while let Some(c) = at(i) {
                if c.is_whitespace() {
                    break;
                }
                i += if c == '\\' { 2 } else { 1 };
            }
            i = i.min(chars.len());
            loop {
                let next = skip_ws(i);
                if next >= chars.len() {
                    break;
                }
                let end = word_end(next);
                if at(skip_ws(end)) == Some('=') || end == next {
                    break;
                }
                i = end;
            }
        }
        if secret_key(key) {
            spans.push((offset(value_start), offset(i)));
        }
    }
    spans
}
