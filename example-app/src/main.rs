//! The example application: the school-fees schema, written with migrator.
//!
//! `cargo run -- sql` prints every revision's upgrade and downgrade as
//! PostgreSQL SQL, in the order an upgrade from base to head applies them,
//! with the locks each statement takes. The runner (`cargo run -- upgrade`)
//! is the next step of the project.

use std::process::ExitCode;

use migrator_core::render::{Effect, Statement, render_ops};
use migrator_core::{prelude::*, registry};

// Links the library, and with it every revision it registers.
use example_app as _;

fn print(statements: &[Vec<Statement>]) {
    for statement in statements.iter().flatten() {
        let mut notes = Vec::new();
        if let Some(lock) = statement.strongest_lock() {
            notes.push(format!("takes {}", lock.as_str()));
        }
        if statement.effect != Effect::None {
            notes.push(format!("{:?}", statement.effect).to_lowercase());
        }
        if !statement.transactional {
            notes.push("outside a transaction".into());
        }
        if !notes.is_empty() {
            println!("-- {}", notes.join(", "));
        }
        println!("{};\n", statement.sql);
    }
}

fn sql() -> Result<(), String> {
    let graph = registry::graph().map_err(|e| e.to_string())?;
    let plan = graph
        .upgrade(Vec::<String>::new(), "heads")
        .map_err(|e| e.to_string())?;
    let mut schema = Schema::new();
    for step in &plan.steps {
        let revision = registry::get(&step.revision)
            .ok_or_else(|| format!("revision {} is not registered", step.revision))?;
        let up_ops = revision.upgrade_ops();
        let up = render_ops(&Postgres, &up_ops, &schema)
            .map_err(|e| format!("revision {}: {e}", revision.id))?;
        let down_ops = revision.downgrade_ops(&schema).map_err(|e| e.to_string())?;
        schema
            .apply_all(&up_ops)
            .map_err(|e| format!("revision {}: {e}", revision.id))?;
        let down = render_ops(&Postgres, &down_ops, &schema)
            .map_err(|e| format!("revision {} (downgrade): {e}", revision.id))?;
        println!(
            "-- Revision {}: {} ({})\n-- upgrade",
            revision.id,
            revision.message,
            revision.location()
        );
        print(&up);
        println!("-- downgrade");
        print(&down);
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("sql") => match sql() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        other => {
            if let Some(verb) = other {
                eprintln!("error: unknown command {verb:?}");
            }
            eprintln!(
                "usage: cargo run -- sql\n\n\
                 Prints the example's migrations as PostgreSQL SQL. The runner verbs\n\
                 (upgrade, downgrade, current, history) are not built yet."
            );
            ExitCode::from(2)
        }
    }
}
