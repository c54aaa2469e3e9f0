//! The schema the application wants, as models: `cargo run -- revision
//! --autogenerate -m "…"` writes the revision that takes the migrations
//! there (and says "No changes detected" while they agree, as now; `check`
//! fails when they do not).

use std::time::SystemTime;

use migrator_core::prelude::*;

/// Fees move from pending to paid, or become late.
#[derive(Debug, Clone, Copy, PartialEq, Eq, DbEnum)]
#[db_enum(name = "fee_status")]
pub enum FeeStatus {
    /// Not paid yet.
    Pending,
    /// Paid in full.
    Paid,
    /// Past its due date and not paid.
    Late,
}

/// A student.
#[derive(Debug, Clone, Model)]
#[model(table = "students")]
pub struct Student {
    /// Its key.
    #[model(primary_key, identity)]
    pub id: i64,
    /// Full name.
    pub name: String,
    /// Contact address, unique when given.
    #[model(unique)]
    pub email: Option<String>,
    /// When the row was made.
    #[model(sql_type = "timestamptz", default_sql = "now()")]
    pub created_at: SystemTime,
}

/// What a student owes.
#[derive(Debug, Clone, Model)]
#[model(
    table = "fees",
    check(name = "fees_amount_positive", expr = "amount > 0")
)]
pub struct Fee {
    /// Its key.
    #[model(primary_key, identity)]
    pub id: i64,
    /// The student who owes it.
    #[model(references = "students.id", on_delete = "cascade", index)]
    pub student_id: i64,
    /// How much, in the currency's units.
    #[model(sql_type = "numeric(10,2)")]
    pub amount: f64,
    /// Where it stands.
    #[model(default = "pending", index)]
    pub status: FeeStatus,
    /// When it is due.
    #[model(sql_type = "date")]
    pub due_date: String,
    /// When the row was made.
    #[model(sql_type = "timestamptz", default_sql = "now()")]
    pub created_at: SystemTime,
    /// When the row last changed.
    #[model(sql_type = "timestamptz", default_sql = "now()")]
    pub updated_at: SystemTime,
    /// What the fee is for.
    #[model(comment = "what the fee is for")]
    pub description: Option<String>,
}

/// A payment against a fee.
#[derive(Debug, Clone, Model)]
#[model(
    table = "payments",
    check(name = "payments_amount_positive", expr = "amount > 0")
)]
pub struct Payment {
    /// Its key.
    #[model(primary_key, identity)]
    pub id: i64,
    /// The fee it pays.
    #[model(references = "fees.id", on_delete = "cascade", index)]
    pub fee_id: i64,
    /// How much.
    #[model(sql_type = "numeric(10,2)")]
    pub amount: f64,
    /// When it was paid.
    #[model(sql_type = "timestamptz", default_sql = "now()")]
    pub paid_at: SystemTime,
}

/// What each fee has been paid: the `fee_balances` view.
pub const FEE_BALANCES: &str = "SELECT f.id AS fee_id, f.student_id, f.amount, \
     coalesce(sum(p.amount), 0) AS paid \
     FROM fees f LEFT JOIN payments p ON p.fee_id = f.id \
     GROUP BY f.id, f.student_id, f.amount";

migrator_core::model! {
    /// Students are found by e-mail address whatever its case, and fees
    /// are shown with what has been paid. (The trigram index and the
    /// `updated_at` trigger are each engine's own: they live in the
    /// migrations' `op.on` blocks, which the engine-neutral models leave
    /// out.)
    pub fn search_and_balances(op: &mut Ops) {
        op.create_index("students", [IndexKey::expr("lower(email)")])
            .named("ix_students_lower_email");
        op.create_view("fee_balances", FEE_BALANCES);
    }
}
