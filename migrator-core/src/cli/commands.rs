//! One function per verb. Each returns why it failed ([`CliError`]), or
//! nothing; output goes to `out`, progress lines through `tracing`.

use std::io::Write;

use super::args::{Cli, Command, Revision, Stamp};
use super::error::at;
use super::output::{self, Marks};
use super::scaffold::{self, NewRevision};
use super::{CliConfig, CliError, database, input};
use crate::graph::{Direction, Graph, name_problem};
use crate::ops::naming;
use crate::run::{Database, Migrations, RunConfig, Runner};

type Result<T = ()> = std::result::Result<T, CliError>;

/// What every verb works with.
struct Context<'a> {
    migrations: Migrations,
    config: &'a CliConfig,
    run: RunConfig,
    url: &'a str,
}

impl Context<'_> {
    fn graph(&self) -> &Graph {
        self.migrations.graph()
    }

    /// The models `check` compares the migrations with: those given, or
    /// the registered ones when the revisions are the registered ones too;
    /// `None` when there are none.
    fn models_to_compare(&self) -> Option<Vec<crate::models::Model>> {
        let models: Vec<crate::models::Model> = match (&self.config.models, &self.config.revisions)
        {
            (Some(list), _) => list.clone(),
            (None, None) => crate::models::registered().into_iter().cloned().collect(),
            (None, Some(_)) => Vec::new(),
        };
        (!models.is_empty()).then_some(models)
    }

    /// The convention the models are named with (and new revisions written
    /// under).
    fn naming(&self) -> Option<&'static crate::ops::NamingConvention> {
        self.config
            .naming
            .as_ref()
            .map(|(_, convention)| *convention)
    }

    fn runner(&self) -> Runner<'_> {
        Runner::new(&self.migrations, self.run.clone())
    }

    /// The database.
    fn database(&self) -> Database {
        Database::Url(self.url.to_owned())
    }

    /// Runs `f` against the database; when the database does not exist,
    /// creates it (with `create`, for the default database) and runs `f`
    /// again, or says which command creates it. No connection is spent on
    /// checking first.
    async fn with_database<T, F, Fut>(&self, create: bool, f: F) -> Result<T>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, crate::run::RunError>>,
    {
        match f().await {
            Err(e) if e.is_missing_database() => {
                // Only the databases the CLI names itself are created.
                let default = &self.config.default_url;
                let ours = self.url == default
                    || database::suggested_postgres(default).is_some_and(|p| p == self.url);
                crate::run::ensure_database(&self.database(), create && ours).await?;
                Ok(f().await?)
            }
            result => Ok(result?),
        }
    }

    /// The version table's rows.
    async fn current(&self) -> Result<Vec<String>> {
        let db = self.database();
        let runner = self.runner();
        self.with_database(false, || runner.current(&db)).await
    }

    fn registered(&self, id: &str) -> Option<&crate::registry::Registered> {
        self.migrations.get(id).ok()
    }
}

fn write_out(out: &mut dyn Write, text: &str) -> Result {
    out.write_all(text.as_bytes()).map_err(CliError::Output)
}

/// Writes text for a person to read (ids, labels and messages from files
/// and the version table), control characters escaped. Scripts go through
/// [`write_out`], unchanged.
fn write_shown(out: &mut dyn Write, text: &str) -> Result {
    write_out(out, &input::escape(text))
}

/// Refuses, before anything is read or written, a new revision's id or
/// branch label that would make a file the compiler refuses or a name
/// that cannot be typed back.
fn check_new_names(graph: &Graph, command: &Command) -> Result {
    let (rev_id, labels) = match command {
        Command::Revision(args) => (args.rev_id.as_deref(), &args.branch_label),
        Command::Merge {
            rev_id,
            branch_label,
            ..
        } => (rev_id.as_deref(), branch_label),
        _ => return Ok(()),
    };
    let problem = rev_id
        .and_then(|id| input::id_problem(graph, id))
        .or_else(|| labels.iter().find_map(|l| input::label_problem(l)));
    match problem {
        Some(problem) => Err(CliError::Input(problem)),
        None => Ok(()),
    }
}

/// Runs the verb `cli` names.
pub(super) async fn dispatch(
    cli: &Cli,
    config: &CliConfig,
    url: &str,
    out: &mut dyn Write,
) -> Result {
    if let Some((path, convention)) = &config.naming
        && let Some(problem) = convention.problem()
    {
        return Err(CliError::Naming {
            path: path.clone(),
            problem,
        });
    }
    let migrations = match &config.revisions {
        Some(list) => Migrations::new(list.clone()),
        // The first revision of a project is written with none linked yet.
        None if matches!(cli.command, Command::Revision(_)) => {
            Migrations::new(crate::registry::registered())
        }
        None => Migrations::registered(),
    }?;
    let mut run = config.run.clone();
    if cli.lock_wait.is_some() {
        run.lock_wait = cli.lock_wait;
    }
    if let Some(t) = cli.lock_timeout {
        run.lock_timeout = (!t.is_zero()).then_some(t);
    }
    if let Some(t) = cli.statement_timeout {
        run.statement_timeout = (!t.is_zero()).then_some(t);
    }
    if let Some(n) = cli.lock_retries {
        run.lock_retries = n;
    }
    run.single_transaction |= cli.single_transaction;
    run.accept_changed |= cli.accept_changed;
    check_new_names(migrations.graph(), &cli.command)?;
    let cx = Context {
        migrations,
        config,
        run,
        url,
    };
    match &cli.command {
        Command::Upgrade { target, sql } => migrate(&cx, Direction::Up, target, *sql, out).await,
        Command::Downgrade { target, sql } => {
            migrate(&cx, Direction::Down, target, *sql, out).await
        }
        Command::Current {
            verbose,
            check_heads,
        } => current(&cx, *verbose, *check_heads, out).await,
        Command::History {
            rev_range,
            verbose,
            indicate_current,
        } => history(&cx, rev_range.as_deref(), *verbose, *indicate_current, out).await,
        Command::Heads { verbose } => heads(&cx, *verbose, out),
        Command::Branches { verbose } => {
            let text = output::branches(cx.graph(), *verbose, |id| cx.registered(id));
            write_shown(out, &text)
        }
        Command::Show { rev } => show(&cx, rev, out).await,
        Command::Stamp(args) => stamp(&cx, args, out).await,
        Command::Merge {
            revs,
            message,
            branch_label,
            rev_id,
        } => merge(&cx, revs, message, branch_label, rev_id.as_deref(), out),
        Command::Revision(args) => revision(&cx, args, out).await,
        Command::Lint { range, rules } => lint(&cx, range, *rules, out),
        Command::Check {
            allow_multiple_heads,
        } => check(&cx, *allow_multiple_heads, out).await,
    }
}

/// `lint`: the findings of `range`, one a line, then a count; or the rules.
fn lint(cx: &Context<'_>, range: &str, list: bool, out: &mut dyn Write) -> Result {
    use crate::lint::{RULES, Severity};
    let mut text = String::new();
    if list {
        for rule in RULES {
            text.push_str(&format!(
                "{:<36} {:<8} {:<7} {}\n",
                rule.name,
                cx.config.lint.severity(rule).as_str(),
                if rule.squawk { "squawk" } else { "-" },
                rule.summary
            ));
        }
        return write_out(out, &text);
    }
    let findings = cx.migrations.lint(range, &cx.config.lint)?;
    for finding in &findings {
        text.push_str(&format!("{finding}\n"));
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    text.push_str(&format!(
        "{} finding(s): {errors} error(s), {} warning(s)\n",
        findings.len(),
        findings.len() - errors
    ));
    write_shown(out, &text)?;
    if errors > 0 {
        return Err(CliError::LintErrors { errors });
    }
    Ok(())
}

async fn migrate(
    cx: &Context<'_>,
    direction: Direction,
    target: &str,
    sql: bool,
    out: &mut dyn Write,
) -> Result {
    let runner = cx.runner();
    if sql {
        let script = runner.sql(cx.database().engine(), direction, target)?;
        return write_out(out, &script);
    }
    let db = cx.database();
    let report = cx
        .with_database(direction == Direction::Up, || async {
            match direction {
                Direction::Up => runner.upgrade(&db, target).await,
                Direction::Down => runner.downgrade(&db, target).await,
            }
        })
        .await?;
    let total: u128 = report.steps.iter().map(|(_, d)| d.as_millis()).sum();
    if !report.steps.is_empty() {
        // In one transaction the runner has printed the run's time (COMMIT
        // included): a sum of the steps beside it would be a second figure.
        let took = if cx.run.single_transaction {
            String::new()
        } else {
            format!(" in {total} ms")
        };
        tracing::info!(
            "{} {} revision(s){took}; the database is at {}",
            if direction == Direction::Up {
                "Applied"
            } else {
                "Undid"
            },
            report.steps.len(),
            at(&report.plan.after)
        );
    }
    Ok(())
}

async fn current(
    cx: &Context<'_>,
    verbose: bool,
    check_heads: bool,
    out: &mut dyn Write,
) -> Result {
    let rows = cx.current().await?;
    let graph = cx.graph();
    graph.applied(&rows)?;
    let mut text = String::new();
    for id in &rows {
        if verbose {
            text.push_str(&output::block(graph, cx.registered(id), id, true));
        } else {
            text.push_str(&output::one_line(
                graph,
                id,
                Marks {
                    tree: true,
                    ..Marks::default()
                },
            ));
        }
        text.push('\n');
    }
    write_shown(out, &text)?;
    if check_heads {
        let heads = graph.version_rows(graph.heads())?;
        if rows != heads {
            return Err(CliError::NotAtHeads {
                current: rows,
                heads,
            });
        }
    }
    Ok(())
}

async fn history(
    cx: &Context<'_>,
    range: Option<&str>,
    verbose: bool,
    indicate_current: bool,
    out: &mut dyn Write,
) -> Result {
    // `current`, and a relative step with no anchor (`-2:`), stand for
    // where the database is, as in Alembic.
    let needs_db = indicate_current
        || range.is_some_and(|r| {
            r.contains("current") || r.split(':').any(|side| side.starts_with(['-', '+']))
        });
    let rows = if needs_db {
        cx.current().await?
    } else {
        Vec::new()
    };
    let shown: &[String] = if indicate_current { &rows } else { &[] };
    let entries = cx.graph().history(range, &rows)?;
    let mut text = String::new();
    for entry in entries {
        let id = entry.revision.id.as_str();
        if verbose {
            let current = shown.iter().any(|r| r == id);
            text.push_str(&output::block(cx.graph(), cx.registered(id), id, current));
            text.push('\n');
        } else if indicate_current {
            text.push_str(&format!("{entry}\n"));
        } else {
            // Marked only on request, as Alembic does.
            let mut plain = entry.clone();
            plain.is_current = false;
            text.push_str(&format!("{plain}\n"));
        }
    }
    write_shown(out, &text)
}

fn heads(cx: &Context<'_>, verbose: bool, out: &mut dyn Write) -> Result {
    let graph = cx.graph();
    let mut text = String::new();
    for id in graph.heads() {
        if verbose {
            text.push_str(&output::block(graph, cx.registered(id), id, false));
        } else {
            text.push_str(&output::one_line(
                graph,
                id,
                Marks {
                    labels: true,
                    ..Marks::default()
                },
            ));
        }
        text.push('\n');
    }
    write_shown(out, &text)
}

async fn show(cx: &Context<'_>, rev: &str, out: &mut dyn Write) -> Result {
    let rows = if rev.contains("current") {
        cx.current().await?
    } else {
        Vec::new()
    };
    let ids = cx.graph().resolve(&rows, rev)?;
    if ids.is_empty() {
        return Err(CliError::ShowBase {
            target: rev.to_owned(),
        });
    }
    let mut text = String::new();
    for id in &ids {
        text.push_str(&output::block(cx.graph(), cx.registered(id), id, false));
        text.push('\n');
    }
    write_shown(out, text.trim_end_matches('\n'))?;
    write_out(out, "\n")
}

async fn stamp(cx: &Context<'_>, args: &Stamp, out: &mut dyn Write) -> Result {
    let runner = cx.runner();
    if args.sql {
        let script = runner.stamp_sql(cx.database().engine(), &args.target, args.purge)?;
        return write_out(out, &script);
    }
    let db = cx.database();
    let rows = cx
        .with_database(true, || runner.stamp(&db, &args.target, args.purge))
        .await?;
    tracing::info!("Stamped the database at {}", at(&rows));
    Ok(())
}

/// Checks a new id or label: valid and not taken.
fn check_name(graph: &Graph, name: &str, what: &'static str) -> Result {
    if let Some(problem) = name_problem(name) {
        return Err(CliError::InvalidName {
            what,
            name: name.to_owned(),
            problem,
        });
    }
    if graph.get(name).is_some() || graph.label_revision(name).is_some() {
        return Err(CliError::NameTaken {
            what,
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// A revision to write, before it has an id.
struct Draft<'a> {
    parents: Vec<String>,
    message: &'a str,
    labels: &'a [String],
    depends_on: Vec<String>,
    rev_id: Option<&'a str>,
    generated: Option<scaffold::Generated>,
}

/// Writes a new revision file and says where.
fn create(cx: &Context<'_>, draft: Draft<'_>, out: &mut dyn Write) -> Result {
    let graph = cx.graph();
    let id = match draft.rev_id {
        Some(id) => {
            check_name(graph, id, "revision id")?;
            id.to_owned()
        }
        None => scaffold::fresh_id(|id| graph.get(id).is_some()).map_err(CliError::RandomId)?,
    };
    for label in draft.labels {
        check_name(graph, label, "branch label")?;
    }
    let revision = NewRevision {
        id,
        parents: draft.parents,
        message: draft.message.to_owned(),
        branch_labels: draft.labels.to_vec(),
        depends_on: draft.depends_on,
        created: scaffold::now(),
        generated: draft.generated,
        naming: cx.config.naming.as_ref().map(|(path, _)| path.clone()),
    };
    let dir = &cx.config.migrations_dir;
    let path = scaffold::write(dir, &revision).map_err(|source| CliError::WriteRevision {
        dir: dir.clone(),
        source,
    })?;
    write_out(out, &format!("Generating {} ... done\n", path.display()))
}

fn merge(
    cx: &Context<'_>,
    revs: &[String],
    message: &str,
    labels: &[String],
    rev_id: Option<&str>,
    out: &mut dyn Write,
) -> Result {
    let none: [&str; 0] = [];
    let mut parents: Vec<String> = Vec::new();
    for rev in revs {
        for id in cx.graph().resolve(none, rev)? {
            if !parents.contains(&id) {
                parents.push(id);
            }
        }
    }
    if parents.len() < 2 {
        return Err(CliError::MergeNeedsTwo {
            revs: revs.to_vec(),
            parents,
        });
    }
    // Revisions some revision already merges would only gain a redundant
    // merge and a second head.
    let graph = cx.graph();
    for candidate in graph.merge_points() {
        let below = graph.applied([candidate])?;
        if !parents.iter().any(|p| p == candidate) && parents.iter().all(|p| below.contains(p)) {
            return Err(CliError::AlreadyMerged {
                parents,
                by: candidate.to_owned(),
            });
        }
    }
    let draft = Draft {
        parents,
        message,
        labels,
        depends_on: Vec::new(),
        rev_id,
        generated: None,
    };
    create(cx, draft, out)
}

async fn revision(cx: &Context<'_>, args: &Revision, out: &mut dyn Write) -> Result {
    let graph = cx.graph();
    let none: [&str; 0] = [];
    let parents = if graph.is_empty() && args.head == "head" {
        Vec::new()
    } else {
        graph.resolve(none, &args.head)?
    };
    let heads = graph.heads();
    if let Some(inner) = parents.iter().find(|p| !heads.contains(&p.as_str()))
        && !args.splice
    {
        return Err(CliError::NotAHead {
            revision: inner.clone(),
        });
    }
    let mut depends_on = Vec::new();
    for dep in &args.depends_on {
        if graph.get(dep).is_some() || graph.label_revision(dep).is_some() {
            depends_on.push(dep.clone());
        } else {
            depends_on.extend(graph.resolve(none, dep)?);
        }
    }
    let generated = if args.autogenerate {
        match autogenerate(cx, &parents, args.no_renames, args.from_database).await? {
            Some(generated) => Some(generated),
            None => return write_out(out, "No changes detected\n"),
        }
    } else {
        None
    };
    let draft = Draft {
        parents,
        message: &args.message,
        labels: &args.branch_label,
        depends_on,
        rev_id: args.rev_id.as_deref(),
        generated,
    };
    create(cx, draft, out)
}

/// What `revision --autogenerate` writes on top of `parents`: the ops from
/// the migrations' schema there to the models', with the header's notes
/// and the downgrade; `None` when nothing differs. Guessed renames are
/// asked about on a terminal; elsewhere they are listed, not applied.
async fn autogenerate(
    cx: &Context<'_>,
    parents: &[String],
    no_renames: bool,
    from_database: bool,
) -> Result<Option<scaffold::Generated>> {
    use crate::schema::{diff, diff_renaming, guess_renames};
    use std::io::IsTerminal;

    let models: Vec<crate::models::Model> = match &cx.config.models {
        Some(list) => list.clone(),
        None => crate::models::registered().into_iter().cloned().collect(),
    };
    if models.is_empty() {
        return Err(CliError::NoModels);
    }
    let naming = cx.naming();
    let target = naming::within(naming, || crate::models::target_schema(&models))?;
    let mut notes = Vec::new();
    let (current, target) = if from_database {
        let heads = cx.graph().heads();
        if parents.len() != heads.len() {
            return Err(CliError::FromDatabaseOnBranch {
                heads: heads.iter().map(|h| h.to_string()).collect(),
            });
        }
        let (catalog, target) = cx
            .runner()
            .align_to_database(&cx.database(), &target)
            .await?;
        notes.extend(
            catalog
                .unmodelled
                .iter()
                .map(|u| format!("- not compared (the schema model cannot describe it): {u}")),
        );
        (catalog.schema, target)
    } else {
        (cx.migrations.schema_at(parents)?, target)
    };
    let guesses = if no_renames {
        Vec::new()
    } else {
        guess_renames(&current, &target)
    };
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let mut accepted = Vec::new();
    for guess in guesses {
        if interactive && confirm(&format!("Did you rename {guess}? [y/N] ")) {
            notes.push(format!(
                "- review: {guess} is a rename (confirmed), not a drop and an add"
            ));
            accepted.push(guess);
        } else if !matches!(guess, crate::schema::Rename::EnumValue { .. }) {
            // (An enum value not renamed is refused by the diff, which says why.)
            notes.push(format!(
                "- review: {guess} may be a rename; written as a drop and an add (losing the data): {}",
                if interactive { "you said no" } else { "confirm on a terminal, or write rename_* by hand" }
            ));
        }
    }
    let ops = diff_renaming(&current, &target, &accepted).map_err(CliError::Diff)?;
    if ops.is_empty() {
        return Ok(None);
    }
    // Never write a revision that would not replay to the models.
    let mut replayed = current.clone();
    if let Err(e) = replayed.apply_all(&ops) {
        return Err(CliError::Diff(crate::schema::DiffError {
            changes: vec![format!(
                "the generated ops do not replay ({e}); this is a bug in migrator's diff, please report it with the models"
            )],
        }));
    }
    if replayed.normalized() != target.normalized() {
        return Err(CliError::Diff(crate::schema::DiffError {
            changes: vec!["the generated ops do not reach the models' schema; this is a bug in migrator's diff, please report it with the models".to_owned()],
        }));
    }
    let mut header = vec![if from_database {
        "Generated by `revision --autogenerate --from-database` (the models compared with the live database):".to_owned()
    } else {
        "Generated by `revision --autogenerate`:".to_owned()
    }];
    header.extend(ops.iter().map(|o| format!("- {}", o.describe())));
    for o in &ops {
        match o {
            crate::ops::Op::DropTable(_) | crate::ops::Op::DropColumn(_) => {
                notes.push(format!("- review: {} loses its data", o.describe()))
            }
            crate::ops::Op::AlterColumn(a) if a.ty.is_some() => notes.push(format!(
                "- review: {} changes the type; it fails if a row does not convert",
                o.describe()
            )),
            crate::ops::Op::AddColumn(a)
                if !a.column.nullable
                    && a.column.default.is_none()
                    && a.column.identity.is_none() =>
            {
                notes.push(format!(
                    "- review: {} is NOT NULL without a default; it fails if the table has rows",
                    o.describe()
                ))
            }
            _ => {}
        }
    }
    header.extend(notes);
    // Written as the revision will record it: under its naming convention.
    let source = |ops: &[crate::ops::Op]| {
        naming::within(naming, || crate::ops::rust_source(ops)).expect("a diff holds no data step")
    };
    let upgrade = source(&ops);
    let invertible = crate::ops::invert_all(&ops, &current).is_ok()
        && !ops
            .iter()
            .any(|o| matches!(o, crate::ops::Op::AddEnumValue(_)));
    let downgrade = if invertible {
        scaffold::GeneratedDowngrade::Derived
    } else {
        match diff(&replayed, &current) {
            Ok(back) => scaffold::GeneratedDowngrade::Written(source(&back)),
            Err(why) => {
                let added: Vec<String> = ops
                    .iter()
                    .filter_map(|o| match o {
                        crate::ops::Op::AddEnumValue(a) => {
                            Some(format!("{:?} to {}", a.value, a.name))
                        }
                        _ => None,
                    })
                    .collect();
                scaffold::GeneratedDowngrade::Irreversible(if added.is_empty() {
                    why.changes.join("; ")
                } else {
                    format!(
                        "it adds enum value(s) ({}), and PostgreSQL cannot remove a value from an enum: undo it by hand (a new enum without them, the columns altered to it, the old one dropped)",
                        added.join(", ")
                    )
                })
            }
        }
    };
    Ok(Some(scaffold::Generated {
        notes: header,
        upgrade,
        downgrade,
    }))
}

/// Asks `question` on the terminal; true for an answer starting with y.
fn confirm(question: &str) -> bool {
    eprint!("{question}");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok()
        && answer.trim_start().to_ascii_lowercase().starts_with('y')
}

/// What the checksum comparison covered, in words.
fn checksum_summary(v: &crate::run::Verification) -> String {
    if v.applied == 0 {
        return "nothing is applied, so no checksum was compared".to_owned();
    }
    let mut text = if v.compared == v.applied {
        format!(
            "the checksums of all {} applied revision(s) match",
            v.compared
        )
    } else {
        format!(
            "checksums compared for {} of {} applied revision(s)",
            v.compared, v.applied
        )
    };
    if !v.changed.is_empty() {
        text = format!(
            "checksums compared for {} applied revision(s), {} changed",
            v.compared,
            v.changed.len()
        );
    }
    if !v.stamped.is_empty() {
        text.push_str(&format!(
            "; recorded only by a stamp (their ops never ran here; checked against their ops when stamped): {}",
            v.stamped.join(", ")
        ));
    }
    if !v.unrecorded.is_empty() {
        text.push_str(&format!(
            "; no checksum recorded (stamped by an older migrator; `stamp <heads> --purge` records them): {}",
            v.unrecorded.join(", ")
        ));
    }
    text
}

async fn check(cx: &Context<'_>, allow_multiple_heads: bool, out: &mut dyn Write) -> Result {
    let graph = cx.graph();
    let mut problems = Vec::new();
    let heads = graph.heads();
    if heads.len() > 1 && !allow_multiple_heads {
        problems.push(format!(
            "the graph has {} heads ({}); merge them with `merge heads -m \"merge heads\"`",
            heads.len(),
            heads.join(", ")
        ));
    }
    let rows = cx.current().await?;
    let db = cx.database();
    let runner = cx.runner();
    let mut notes = Vec::new();
    // Version-table rows the graph does not know: that is the problem, and
    // `upgrade heads` would fail on it too.
    if let Err(e) = graph.applied(&rows) {
        problems.push(e.to_string());
    } else {
        let wanted = graph.version_rows(&heads)?;
        if rows != wanted {
            problems.push(format!(
                "the database is at {}, not at the heads ({}); run `upgrade heads`",
                at(&rows),
                at(&wanted)
            ));
        }
        match runner.verify(&db).await {
            Ok(v) => {
                for c in &v.changed {
                    let line = format!(
                        "revision {} has changed since it was applied (checksum {} then, {} now)",
                        c.revision, c.applied, c.now
                    );
                    if cx.run.accept_changed {
                        notes.push(format!("{line}, accepted by --accept-changed"));
                    } else {
                        problems.push(format!(
                            "{line}; restore it, or accept the change with --accept-changed"
                        ));
                    }
                }
                notes.push(checksum_summary(&v));
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    if graph.applied(&rows).is_ok() {
        match runner.drift(&db).await {
            Ok(drift) if drift.is_empty() => notes.push(match drift.unmodelled.len() {
                0 => "the database's schema matches the migrations".to_owned(),
                n => format!(
                    "the database's schema matches the migrations ({n} object(s) the schema model cannot describe not compared: {})",
                    drift.unmodelled.join(", ")
                ),
            }),
            Ok(drift) => problems.push(format!(
                "{drift}\nUndo the change by hand, or make the migrations say it: `revision --autogenerate --from-database -m \"…\"` writes a revision from the database"
            )),
            Err(e) => problems.push(e.to_string()),
        }
    }
    if let Some(models) = cx.models_to_compare() {
        match naming::within(cx.naming(), || cx.migrations.compare_models(&models)) {
            Ok(ops) if ops.is_empty() => {
                notes.push(format!("the {} model(s) match the migrations", models.len()))
            }
            Ok(ops) => problems.push(format!(
                "the models and the migrations disagree; new upgrade operations detected: {}; write them with `revision --autogenerate -m \"…\"`",
                ops.iter().map(|o| o.describe()).collect::<Vec<_>>().join(", ")
            )),
            Err(e) => problems.push(e.to_string()),
        }
    }
    if problems.is_empty() {
        return write_out(
            out,
            &format!(
                "No problems found: {} revision(s), database at {}; {}\n",
                graph.len(),
                at(&rows),
                notes.join("; ")
            ),
        );
    }
    Err(CliError::Check(problems))
}
