// #[derive(Model)] and #[derive(DbEnum)] with every key: the schema they
// declare equals the one written with the builder, and the structs stay
// ordinary structs other derives share (serde's, with its own attributes
// on the same fields).
use migrator_core::models;
use migrator_core::prelude::*;
use migrator_core::schema::Schema;

#[derive(Debug, Clone, Copy, PartialEq, DbEnum)]
#[db_enum(name = "fee_state", schema = "billing")]
enum State {
    Open,
    #[db_enum(rename = "settled")]
    Closed,
    WrittenOff,
}

#[derive(Debug, Clone, Default, PartialEq, Model, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[model(
    table = "accounts",
    schema = "billing",
    comment = "who pays",
    primary_key = ["region", "number"],
    unique(columns = ["email"], name = "accounts_email_unique"),
    check(name = "accounts_number_positive", expr = "number > 0"),
    index(columns = ["email", "region"], name = "ix_accounts_lookup", unique, method = "btree", where = "email IS NOT NULL", include = ["opened"])
)]
struct Account {
    region: String,
    number: i32,
    email: Option<String>,
    #[model(column = "opened", sql_type = "timestamp with time zone", default_sql = "now()", comment = "when it opened")]
    #[serde(rename = "openedOn")]
    opened_at: u64,
    #[model(default = true)]
    active: bool,
    #[model(skip)]
    #[serde(skip)]
    cached_balance: f64,
}

#[derive(Debug, Model)]
#[model(schema = "billing")]
struct Invoice {
    #[model(primary_key, identity_always)]
    id: i64,
    #[model(references = "billing.accounts.email", fk_name = "invoice_account", on_delete = "restrict", on_update = "cascade")]
    account_email: String,
    #[model(default = "open", index)]
    state: State,
    #[model(default = 0, unique)]
    sequence: i64,
    #[model(nullable, sql_type = "text[]")]
    tags: Vec<String>,
    #[model(sql_type = "jsonb")]
    extra: Option<String>,
}

fn main() {
    let _ = Account::default().cached_balance;
    // The struct stays serde's as well: its attributes and ours side by side.
    fn is_serde<T: serde::Serialize + for<'de> serde::Deserialize<'de>>() {}
    is_serde::<Account>();
    let mut op = Ops::new();
    op.create_schema("billing");
    op.create_enum(("billing", "fee_state"), ["open", "settled", "written_off"]);
    op.create_table(("billing", "accounts"), |t| {
        t.column::<String>("region");
        t.column::<i32>("number");
        t.column::<Option<String>>("email");
        t.column_as("opened", ColumnType::TimestampTz).default_sql("now()").comment("when it opened");
        t.column::<bool>("active").default(true);
        t.primary_key(["region", "number"]);
        t.unique(["email"]).named("accounts_email_unique");
        t.check("accounts_number_positive", "number > 0");
        t.comment("who pays");
    });
    op.create_index(("billing", "accounts"), ["email", "region"])
        .named("ix_accounts_lookup")
        .unique()
        .where_sql("email IS NOT NULL")
        .include(["opened"]);
    op.create_table(("billing", "invoice"), |t| {
        t.column::<i64>("id").identity_always().primary_key();
        t.column::<String>("account_email");
        t.column_as("state", ColumnType::enumeration(("billing", "fee_state"))).default("open");
        t.column::<i64>("sequence").default(0).unique();
        t.column_as("tags", ColumnType::array(ColumnType::Text)).nullable();
        t.column_as("extra", ColumnType::Jsonb).nullable();
    });
    op.add_foreign_key(("billing", "invoice"), ["account_email"], ("billing", "accounts"), ["email"])
        .named("invoice_account")
        .on_delete(RefAction::Restrict)
        .on_update(RefAction::Cascade);
    op.create_index(("billing", "invoice"), ["state"]);
    let expected = Schema::replay(op.ops()).unwrap();
    let declared = models::target_schema(&models::registered()).unwrap();
    assert_eq!(declared.normalized(), expected.normalized());
    assert_eq!(models::registered().len(), 3);
}
