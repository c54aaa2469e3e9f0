//! The example application: the school-fees schema, written with migrator's
//! op builder.
//!
//! `cargo run -- sql` prints each revision's upgrade and derived downgrade as
//! PostgreSQL SQL, with the locks each statement takes. The runner
//! (`cargo run -- upgrade`) is the next step of the project.

mod migrations;

use std::process::ExitCode;

use migrator_core::ops::{Ops, inverse::invert_all};
use migrator_core::prelude::*;
use migrator_core::render::{Statement, render_ops};

fn print(statements: &[Vec<Statement>]) {
    for statement in statements.iter().flatten() {
        let mut notes = Vec::new();
        if let Some(lock) = statement.strongest_lock() {
            notes.push(format!("takes {}", lock.as_str()));
        }
        if statement.effect != migrator_core::render::Effect::None {
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
    let mut schema = Schema::new();
    for revision in migrations::all() {
        let mut op = Ops::new();
        (revision.upgrade)(&mut op);
        let up = render_ops(&Postgres, op.ops(), &schema)
            .map_err(|e| format!("revision {}: {e}", revision.id))?;
        let down_ops =
            invert_all(op.ops(), &schema).map_err(|e| format!("revision {}: {e}", revision.id))?;
        schema
            .apply_all(op.ops())
            .map_err(|e| format!("revision {}: {e}", revision.id))?;
        let down = render_ops(&Postgres, &down_ops, &schema)
            .map_err(|e| format!("revision {} (downgrade): {e}", revision.id))?;
        println!(
            "-- Revision {}: {}\n-- upgrade",
            revision.id, revision.message
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
