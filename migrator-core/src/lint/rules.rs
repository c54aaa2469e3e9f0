//! The rules: each a function of one op as the lint sees it (the op, the
//! schema before it, its statements' claims), under squawk's name.

use super::{Seen, Severity};
use crate::ident::QualifiedName;
use crate::ops::{ColumnDef, Constraint, Op};
use crate::render::{Effect, Statement};
use crate::types::ColumnType;

/// What a finding says: why, and what to write instead.
pub(crate) struct Advice {
    pub why: String,
    pub fix: String,
}

/// `name` as a builder call takes it: `"fees"` or `("billing", "fees")`.
fn q(name: &QualifiedName) -> String {
    crate::ops::source::qname(name)
}

fn advice(why: impl Into<String>, fix: impl Into<String>) -> Option<Advice> {
    Some(Advice {
        why: why.into(),
        fix: fix.into(),
    })
}

/// A lint rule.
#[derive(Debug)]
#[non_exhaustive]
pub struct Rule {
    /// Its name: squawk's, where squawk has the rule.
    pub name: &'static str,
    /// Its severity unless the application sets another.
    pub severity: Severity,
    /// Whether squawk has a rule of this name.
    pub squawk: bool,
    /// What it finds, in a line.
    pub summary: &'static str,
    pub(crate) check: fn(&Seen<'_>) -> Option<Advice>,
}

/// Every rule, in the order findings are reported for one op.
pub static RULES: &[Rule] = &[
    Rule {
        name: "adding-field-with-default",
        severity: Severity::Warning,
        squawk: true,
        summary: "a new column that rewrites the table (volatile default, identity, stored generated column)",
        check: adding_field_with_default,
    },
    Rule {
        name: "adding-required-field",
        severity: Severity::Warning,
        squawk: true,
        summary: "a NOT NULL column without a default on an existing table: fails if it has rows",
        check: adding_required_field,
    },
    Rule {
        name: "adding-not-nullable-field",
        severity: Severity::Warning,
        squawk: true,
        summary: "SET NOT NULL that reads every row under ACCESS EXCLUSIVE (not when a validated check proves it)",
        check: adding_not_nullable_field,
    },
    Rule {
        name: "changing-column-type",
        severity: Severity::Warning,
        squawk: true,
        summary: "a type change that rewrites or scans the table (not one that keeps the bytes, such as widening a varchar)",
        check: changing_column_type,
    },
    Rule {
        name: "adding-foreign-key-constraint",
        severity: Severity::Warning,
        squawk: true,
        summary: "a foreign key added without NOT VALID to an existing table",
        check: adding_foreign_key_constraint,
    },
    Rule {
        name: "constraint-missing-not-valid",
        severity: Severity::Warning,
        squawk: true,
        summary: "a check constraint added without NOT VALID to an existing table",
        check: constraint_missing_not_valid,
    },
    Rule {
        name: "disallowed-unique-constraint",
        severity: Severity::Warning,
        squawk: true,
        summary: "a unique constraint or primary key that builds its index under ACCESS EXCLUSIVE",
        check: disallowed_unique_constraint,
    },
    Rule {
        name: "adding-exclusion-constraint",
        severity: Severity::Warning,
        squawk: false,
        summary: "an exclusion constraint added to an existing table: its index built and every row checked under ACCESS EXCLUSIVE",
        check: adding_exclusion_constraint,
    },
    Rule {
        name: "require-concurrent-index-creation",
        severity: Severity::Warning,
        squawk: true,
        summary: "CREATE INDEX without CONCURRENTLY on an existing table",
        check: require_concurrent_index_creation,
    },
    Rule {
        name: "require-concurrent-index-deletion",
        severity: Severity::Warning,
        squawk: true,
        summary: "DROP INDEX without CONCURRENTLY on an existing table",
        check: require_concurrent_index_deletion,
    },
    Rule {
        name: "ban-drop-column",
        severity: Severity::Warning,
        squawk: true,
        summary: "dropping a column the running application may use",
        check: ban_drop_column,
    },
    Rule {
        name: "ban-drop-table",
        severity: Severity::Warning,
        squawk: true,
        summary: "dropping a table the running application may use",
        check: ban_drop_table,
    },
    Rule {
        name: "ban-drop-not-null",
        severity: Severity::Warning,
        squawk: true,
        summary: "DROP NOT NULL: readers may not expect NULLs",
        check: ban_drop_not_null,
    },
    Rule {
        name: "renaming-column",
        severity: Severity::Warning,
        squawk: true,
        summary: "renaming a column the running application uses by its old name",
        check: renaming_column,
    },
    Rule {
        name: "renaming-table",
        severity: Severity::Warning,
        squawk: true,
        summary: "renaming a table the running application uses by its old name",
        check: renaming_table,
    },
    Rule {
        name: "ban-char-field",
        severity: Severity::Warning,
        squawk: true,
        summary: "char(n): blank-padded, and no faster than text",
        check: ban_char_field,
    },
    Rule {
        name: "prefer-bigint-over-int",
        severity: Severity::Warning,
        squawk: true,
        summary: "a 32-bit integer column, which can run out",
        check: prefer_bigint_over_int,
    },
    Rule {
        name: "prefer-bigint-over-smallint",
        severity: Severity::Warning,
        squawk: true,
        summary: "a 16-bit integer column, which can run out",
        check: prefer_bigint_over_smallint,
    },
    Rule {
        name: "prefer-identity",
        severity: Severity::Warning,
        squawk: true,
        summary: "a serial column instead of an identity",
        check: prefer_identity,
    },
    Rule {
        name: "prefer-text-field",
        severity: Severity::Warning,
        squawk: true,
        summary: "varchar(n): making n smaller later rewrites the table; a check on text is replaced NOT VALID (a brief lock, no scan)",
        check: prefer_text_field,
    },
    Rule {
        name: "prefer-timestamptz",
        severity: Severity::Warning,
        squawk: true,
        summary: "timestamp without time zone",
        check: prefer_timestamptz,
    },
];

/// The strongest effect of `statements`.
fn effect(statements: &[Statement]) -> Effect {
    statements
        .iter()
        .map(|s| s.effect)
        .max()
        .unwrap_or(Effect::None)
}

fn op_table(op: &Op) -> Option<&QualifiedName> {
    Some(match op {
        Op::AddColumn(o) => &o.table,
        Op::AlterColumn(o) => &o.table,
        Op::DropColumn(o) => &o.table,
        Op::RenameColumn(o) => &o.table,
        Op::AddConstraint(o) => &o.table,
        Op::DropTable(o) => &o.name,
        Op::RenameTable(o) => &o.name,
        Op::CreateIndex(o) => &o.index.table,
        _ => return None,
    })
}

/// The table the op changes, when it exists before the plan.
fn existing_table<'a>(seen: &Seen<'a>) -> Option<&'a QualifiedName> {
    op_table(seen.op).filter(|t| seen.existing(t))
}

/// The table the op changes, when it and its `column` exist before the
/// revision (the running application cannot use a column the revision
/// adds).
fn existing_column<'a>(seen: &Seen<'a>, column: &str) -> Option<&'a QualifiedName> {
    let table = existing_table(seen)?;
    let added = seen.added.contains(&(table.key(), column.to_owned()));
    (!added).then_some(table)
}

fn adding_field_with_default(seen: &Seen<'_>) -> Option<Advice> {
    let Op::AddColumn(o) = seen.op else {
        return None;
    };
    if effect(seen.statements) != Effect::Rewrite {
        return None;
    }
    let c = &o.column;
    let (what, fix) = if c.identity.is_some() || c.ty.is_serial() {
        (
            "an identity or serial column is filled in every row",
            "add a plain bigint column, backfill it in batches, set NOT NULL through a validated check, then alter_column(…).add_identity(…)",
        )
    } else if c.generated.is_some() {
        (
            "a stored generated column is computed for every row",
            "add it in a quiet window, or add a plain column that the application (or a trigger) fills, backfilled in batches",
        )
    } else {
        (
            "its default is volatile, so it is computed for every row",
            "add the column nullable without the default, backfill the rows in batches, then set the default (and NOT NULL through a validated check)",
        )
    };
    advice(
        format!(
            "rewrites {} and its indexes under ACCESS EXCLUSIVE: {what}",
            o.table
        ),
        fix,
    )
}

fn adding_required_field(seen: &Seen<'_>) -> Option<Advice> {
    let Op::AddColumn(o) = seen.op else {
        return None;
    };
    let c = &o.column;
    let filled = c.nullable
        || c.default.is_some()
        || c.identity.is_some()
        || c.ty.is_serial()
        || c.generated.is_some();
    if filled || !seen.existing(&o.table) {
        return None;
    }
    advice(
        format!(
            "fails if {} has rows: a NOT NULL column without a default has no value for them",
            o.table
        ),
        ".default(…) on the column, or add it nullable, backfill it, then set NOT NULL",
    )
}

fn adding_not_nullable_field(seen: &Seen<'_>) -> Option<Advice> {
    let Op::AlterColumn(o) = seen.op else {
        return None;
    };
    if o.nullable != Some(false) || o.ty.is_some() || effect(seen.statements) < Effect::Scan {
        return None;
    }
    existing_table(seen)?;
    let given = format!("{}_not_null", o.column);
    let expr = format!("{} IS NOT NULL", crate::ident::quote_ident(&o.column));
    // The name the check gets, under a naming convention too.
    let name = crate::ops::Check::new(&o.table, &given, &expr).name;
    advice(
        format!(
            "SET NOT NULL reads every row of {} under ACCESS EXCLUSIVE, blocking reads and writes",
            o.table
        ),
        format!(
            "add_check({t}, {given:?}, {expr:?}).not_valid(), validate_constraint({t}, {name:?}) in a later revision, then alter_column(…).set_nullable(false) (PostgreSQL skips the scan once the check is validated) and drop the check",
            t = q(&o.table),
        ),
    )
}

fn changing_column_type(seen: &Seen<'_>) -> Option<Advice> {
    let Op::AlterColumn(o) = seen.op else {
        return None;
    };
    // A new collation is a type change to PostgreSQL (the column's indexes
    // are built again).
    if o.ty.is_none() && o.collation.is_none() {
        return None;
    }
    let verb = match effect(seen.statements) {
        Effect::Rewrite => "rewrites",
        Effect::Scan => "reads every row of",
        _ => return None,
    };
    let table = existing_table(seen)?;
    advice(
        format!(
            "changing the type of {table}.{} {verb} {table} under ACCESS EXCLUSIVE",
            o.column
        ),
        "add a column of the new type, backfill it in batches, switch the application to it, then drop the old one",
    )
}

fn adding_foreign_key_constraint(seen: &Seen<'_>) -> Option<Advice> {
    let Op::AddConstraint(o) = seen.op else {
        return None;
    };
    let Constraint::ForeignKey(fk) = &o.constraint else {
        return None;
    };
    if fk.not_valid {
        return None;
    }
    let table = existing_table(seen)?;
    advice(
        format!(
            "checks every row of {table} while holding SHARE ROW EXCLUSIVE on it and on {}, blocking writes to both",
            fk.ref_table
        ),
        format!(
            ".not_valid() on the foreign key, then validate_constraint({}, {:?}) in a later revision (SHARE UPDATE EXCLUSIVE: writes go on)",
            q(table),
            fk.name
        ),
    )
}

fn constraint_missing_not_valid(seen: &Seen<'_>) -> Option<Advice> {
    let Op::AddConstraint(o) = seen.op else {
        return None;
    };
    let Constraint::Check(check) = &o.constraint else {
        return None;
    };
    if check.not_valid {
        return None;
    }
    let table = existing_table(seen)?;
    advice(
        format!("checks every row of {table} under ACCESS EXCLUSIVE, blocking reads and writes"),
        format!(
            ".not_valid() on the check, then validate_constraint({}, {:?}) in a later revision (SHARE UPDATE EXCLUSIVE: writes go on)",
            q(table),
            check.name
        ),
    )
}

fn disallowed_unique_constraint(seen: &Seen<'_>) -> Option<Advice> {
    let Op::AddConstraint(o) = seen.op else {
        return None;
    };
    let (kind, using) = match &o.constraint {
        Constraint::Unique(_) => ("unique constraint", "add_unique_using_index"),
        Constraint::PrimaryKey(_) => ("primary key", "add_primary_key_using_index"),
        _ => return None,
    };
    let table = existing_table(seen)?;
    advice(
        format!(
            "the {kind} builds its index under ACCESS EXCLUSIVE, blocking reads and writes of {table}"
        ),
        format!(
            "create_index({t}, […]).unique().concurrently() in a revision of its own, then {using}({t}, <the index>)",
            t = q(table)
        ),
    )
}

fn adding_exclusion_constraint(seen: &Seen<'_>) -> Option<Advice> {
    let Op::AddConstraint(o) = seen.op else {
        return None;
    };
    let Constraint::Exclusion(_) = &o.constraint else {
        return None;
    };
    let table = existing_table(seen)?;
    advice(
        format!(
            "builds its index and checks every row of {table} under ACCESS EXCLUSIVE, blocking reads and writes (it cannot be added NOT VALID, nor from an index built beforehand)"
        ),
        "add it in a quiet window, in a revision of its own with a short lock timeout (--lock-timeout)",
    )
}

fn require_concurrent_index_creation(seen: &Seen<'_>) -> Option<Advice> {
    let Op::CreateIndex(o) = seen.op else {
        return None;
    };
    if o.concurrently {
        return None;
    }
    let table = existing_table(seen)?;
    advice(
        format!("builds under SHARE: writes to {table} wait until the index is built"),
        ".concurrently() (it runs outside a transaction: give it a revision of its own)",
    )
}

fn require_concurrent_index_deletion(seen: &Seen<'_>) -> Option<Advice> {
    let Op::DropIndex(o) = seen.op else {
        return None;
    };
    if o.concurrently {
        return None;
    }
    let index = seen.before.index(&o.name)?;
    if !seen.existing(&index.table) {
        return None;
    }
    advice(
        format!(
            "takes ACCESS EXCLUSIVE on {}, blocking reads and writes",
            index.table
        ),
        ".concurrently() (it runs outside a transaction: give it a revision of its own)",
    )
}

fn ban_drop_column(seen: &Seen<'_>) -> Option<Advice> {
    let Op::DropColumn(o) = seen.op else {
        return None;
    };
    let table = existing_column(seen, &o.column)?;
    advice(
        format!(
            "the running application may still read or write {table}.{}, and its data is lost",
            o.column
        ),
        "stop using the column in the application and deploy that first; then drop it",
    )
}

fn ban_drop_table(seen: &Seen<'_>) -> Option<Advice> {
    let table = match seen.op {
        Op::DropTable(_) => existing_table(seen)?,
        _ => return None,
    };
    advice(
        format!("the running application may still use {table}, and its rows are lost"),
        "stop using the table in the application and deploy that first; then drop it",
    )
}

fn ban_drop_not_null(seen: &Seen<'_>) -> Option<Advice> {
    let Op::AlterColumn(o) = seen.op else {
        return None;
    };
    if o.nullable != Some(true) {
        return None;
    }
    let table = existing_column(seen, &o.column)?;
    advice(
        format!("code reading {table}.{} may not expect NULLs", o.column),
        "make every reader handle NULL and deploy that first",
    )
}

fn renaming_column(seen: &Seen<'_>) -> Option<Advice> {
    let Op::RenameColumn(o) = seen.op else {
        return None;
    };
    let table = existing_column(seen, &o.from)?;
    advice(
        format!(
            "the running application still uses {table}.{} by its old name",
            o.from
        ),
        "add the new column, write both, backfill, switch readers, then drop the old one (or rename in a release that stops using the old name)",
    )
}

fn renaming_table(seen: &Seen<'_>) -> Option<Advice> {
    let Op::RenameTable(o) = seen.op else {
        return None;
    };
    let table = existing_table(seen)?;
    advice(
        format!("the running application still uses {table} by its old name"),
        format!(
            "rename in a release that no longer uses {t}, or leave a view named {t} over {:?} for the old code",
            o.to,
            t = q(table)
        ),
    )
}

/// The columns an op defines or retypes, with what they become.
fn typed_columns(op: &Op) -> Vec<(String, ColumnType)> {
    let of = |table: &QualifiedName, c: &ColumnDef| (format!("{table}.{}", c.name), c.ty.clone());
    match op {
        Op::CreateTable(t) => t
            .table
            .columns
            .iter()
            .map(|c| of(&t.table.name, c))
            .collect(),
        Op::AddColumn(o) => vec![of(&o.table, &o.column)],
        Op::AlterColumn(o) => {
            o.ty.iter()
                .map(|t| (format!("{}.{}", o.table, o.column), t.ty.clone()))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The first column of the op whose type `bad` picks, and what it says.
fn typed(
    seen: &Seen<'_>,
    bad: impl Fn(&ColumnType) -> Option<&'static str>,
) -> Option<(String, &'static str)> {
    typed_columns(seen.op)
        .into_iter()
        .find_map(|(column, ty)| bad(&ty).map(|what| (column, what)))
}

fn ban_char_field(seen: &Seen<'_>) -> Option<Advice> {
    let (column, _) = typed(seen, |t| matches!(t, ColumnType::Char(_)).then_some("char"))?;
    advice(
        format!("{column} is char(n): values are blank-padded to n, and it is no faster than text"),
        "ColumnType::Text (with a check on length(…) if the length matters)",
    )
}

fn prefer_bigint_over_int(seen: &Seen<'_>) -> Option<Advice> {
    let (column, what) = typed(seen, |t| match t {
        ColumnType::Integer => Some("integer"),
        ColumnType::Serial => Some("serial"),
        _ => None,
    })?;
    advice(
        format!("{column} is {what}: 32 bits run out at 2,147,483,647"),
        "ColumnType::BigInt (i64)",
    )
}

fn prefer_bigint_over_smallint(seen: &Seen<'_>) -> Option<Advice> {
    let (column, what) = typed(seen, |t| match t {
        ColumnType::SmallInt => Some("smallint"),
        ColumnType::SmallSerial => Some("smallserial"),
        _ => None,
    })?;
    advice(
        format!("{column} is {what}: 16 bits run out at 32,767"),
        "ColumnType::BigInt (i64)",
    )
}

fn prefer_identity(seen: &Seen<'_>) -> Option<Advice> {
    let (column, _) = typed(seen, |t| t.is_serial().then_some("serial"))?;
    advice(
        format!(
            "{column} is a serial type: its sequence is a separate object with its own permissions, and a copy of the table shares it"
        ),
        "a bigint column with .identity() (GENERATED BY DEFAULT AS IDENTITY)",
    )
}

fn prefer_text_field(seen: &Seen<'_>) -> Option<Advice> {
    let (column, _) = typed(seen, |t| {
        matches!(t, ColumnType::Varchar(Some(_))).then_some("varchar")
    })?;
    advice(
        format!(
            "{column} is varchar(n): making n smaller later rewrites the table under ACCESS EXCLUSIVE"
        ),
        "ColumnType::Text with a check on length(…), which can be replaced NOT VALID",
    )
}

fn prefer_timestamptz(seen: &Seen<'_>) -> Option<Advice> {
    let (column, _) = typed(seen, |t| {
        matches!(t, ColumnType::Timestamp).then_some("timestamp")
    })?;
    advice(
        format!(
            "{column} is timestamp without time zone: the same instant reads differently in each session's time zone"
        ),
        "ColumnType::TimestampTz",
    )
}
