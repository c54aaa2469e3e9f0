//! Naming conventions end to end: revisions registered by `#[migration]`
//! in this binary, one written before the application adopted a convention
//! (PostgreSQL's names) and two under SQLAlchemy's (`naming =
//! crate::NAMING`), applied and walked back on both engines with the
//! catalog read back as the model; the names fixed per revision (a later
//! convention leaves earlier revisions alone, and editing the convention of
//! an applied revision is a changed checksum, refused); a bad template
//! refused before anything runs; and `revision` (plain and
//! `--autogenerate`) writing new revisions under the application's
//! convention.

use std::collections::BTreeSet;

use migrator_core::cli::{self, CliConfig};
use migrator_core::ident::QualifiedName;
use migrator_core::models::Model;
use migrator_core::ops::{NamingConvention, naming};
use migrator_core::prelude::*;
use migrator_core::registry::{self, Registered};
use migrator_core::run::{Migrations, RunConfig, RunError, Runner};
use migrator_core::schema::Schema;
use migrator_tests::engine::TestTarget;
use migrator_tests::on_both_engines;

/// The convention the application adopted after its first revision.
pub const NAMING: NamingConvention = NamingConvention::sqlalchemy();

/// A convention the application might switch to later.
pub const NAMING_V2: NamingConvention = NamingConvention::new()
    .index("idx_%(table_name)s_%(column_0_N_name)s")
    .unique("%(table_name)s_%(column_0_N_name)s_uniq");

mod written_before {
    use migrator_core::prelude::*;

    #[migration(
        revision = "n1",
        down_revision = None,
        message = "accounts, before the convention",
        reversible
    )]
    impl Revision {
        fn upgrade(op: &mut Reversible) {
            op.create_table("accounts", |t| {
                t.column::<i64>("id").primary_key();
                t.column::<String>("code").unique();
            });
        }
    }
}

mod under_the_convention {
    use migrator_core::prelude::*;

    #[migration(
        revision = "n2",
        down_revision = "n1",
        message = "users, under the convention",
        naming = crate::NAMING,
        reversible
    )]
    impl Revision {
        fn upgrade(op: &mut Reversible) {
            op.create_table("users", |t| {
                t.column::<i64>("id").primary_key();
                t.column::<String>("email").unique();
                t.column::<i64>("account_id").references("accounts", "id");
                t.column::<i32>("age");
                t.check("age_positive", "age > 0");
                t.check("age_sane", "age < 200").named("users_age_sane");
            });
            op.create_index("users", ["account_id", "email"]);
        }
    }

    #[migration(
        revision = "n3",
        down_revision = "n2",
        message = "keys on accounts, with a written downgrade",
        naming = crate::NAMING
    )]
    impl Revision3 {
        fn upgrade(op: &mut Ops) {
            op.add_unique("accounts", ["code", "id"]);
            op.add_check("accounts", "code_short", "length(code) < 10");
            op.create_index("accounts", ["code"])
                .named("accounts_code_idx");
        }

        fn downgrade(op: &mut Ops) {
            op.drop_index("accounts_code_idx");
            op.drop_constraint("accounts", "ck_accounts_code_short");
            op.drop_constraint("accounts", "uq_accounts_code");
        }
    }
}

/// The names of a table's constraints and indexes in `schema`.
fn names(schema: &Schema, table: &str) -> BTreeSet<String> {
    let name = QualifiedName::from(table);
    let def = schema.table(&name).expect("table in the model");
    def.constraints
        .iter()
        .map(|c| c.name().to_owned())
        .chain(
            schema
                .indexes()
                .filter(|i| i.table.key() == name.key())
                .map(|i| i.name.clone()),
        )
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

on_both_engines!(each_revision_keeps_the_names_of_its_convention);

async fn each_revision_keeps_the_names_of_its_convention(t: TestTarget) {
    let m = Migrations::registered().unwrap();
    let runner = Runner::new(&m, RunConfig::default());
    let db = t.database();
    runner.upgrade(&db, "heads").await.unwrap();
    t.assert_schema_at(&m, &["n3"]).await;
    let model = m.schema_at(&["n3"]).unwrap();
    // The revision written before the convention keeps PostgreSQL's names;
    // n3, under it, adds SQLAlchemy's (and a name given with .named()).
    assert_eq!(
        names(&model, "accounts"),
        set(&[
            "accounts_pkey",
            "accounts_code_key",
            "uq_accounts_code",
            "ck_accounts_code_short",
            "accounts_code_idx",
        ])
    );
    assert_eq!(
        names(&model, "users"),
        set(&[
            "pk_users",
            "uq_users_email",
            "fk_users_account_id_accounts",
            "ck_users_age_positive",
            "users_age_sane",
            "ix_users_account_id",
        ])
    );
    if t.engine() == Engine::Postgres {
        // What the server holds, asked directly.
        let on_server = t
            .column(
                "SELECT conname::text FROM pg_constraint WHERE conrelid = 'users'::regclass \
                 UNION SELECT indexname::text FROM pg_indexes WHERE tablename = 'users' \
                 AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY 1",
            )
            .await;
        assert_eq!(
            on_server,
            [
                "ck_users_age_positive",
                "fk_users_account_id_accounts",
                "ix_users_account_id",
                "pk_users",
                "uq_users_email",
                "users_age_sane",
            ]
        );
    }
    // The written downgrade drops the names its convention gave.
    runner.downgrade(&db, "n2").await.unwrap();
    t.assert_schema_at(&m, &["n2"]).await;
    runner.downgrade(&db, "base").await.unwrap();
    t.assert_schema_at(&m, &[]).await;
}

/// The registered revisions, with `n2` recorded under `naming` instead.
fn with_n2_under(naming: &'static NamingConvention) -> Vec<Registered> {
    registry::registered()
        .into_iter()
        .map(|r| {
            let mut r = r.clone();
            if r.id == "n2" {
                r.naming = Some(naming);
            }
            r
        })
        .collect()
}

on_both_engines!(editing_an_applied_revisions_convention_is_a_changed_revision);

async fn editing_an_applied_revisions_convention_is_a_changed_revision(t: TestTarget) {
    let m = Migrations::registered().unwrap();
    let db = t.database();
    Runner::new(&m, RunConfig::default())
        .upgrade(&db, "n2")
        .await
        .unwrap();
    let edited = Migrations::new(with_n2_under(&NAMING_V2)).unwrap();
    let err = Runner::new(&edited, RunConfig::default())
        .upgrade(&db, "heads")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RunError::Changed { revision, .. } if revision == "n2"),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("revision n2 has changed since it was applied"),
        "{err}"
    );
    // Under the convention it was applied with, it runs on.
    Runner::new(&m, RunConfig::default())
        .upgrade(&db, "heads")
        .await
        .unwrap();
    t.assert_schema_at(&m, &["n3"]).await;
}

#[test]
fn a_later_convention_leaves_earlier_revisions_alone() {
    // n1 has no convention: its names are PostgreSQL's whatever the
    // application uses now; n2's come from the constant it names.
    let m = Migrations::new(with_n2_under(&NAMING_V2)).unwrap();
    let model = m.schema_at(&["n2"]).unwrap();
    assert_eq!(
        names(&model, "accounts"),
        set(&["accounts_pkey", "accounts_code_key"])
    );
    assert_eq!(
        names(&model, "users"),
        set(&[
            "users_pkey",
            "users_email_uniq",
            "users_account_id_fkey",
            "age_positive",
            "users_age_sane",
            "idx_users_account_id_email",
        ])
    );
}

#[test]
fn a_bad_template_is_refused_before_anything_runs() {
    static BAD: NamingConvention = NamingConvention::new().foreign_key("fk_%(table)s");
    let Err(err) = Migrations::new(with_n2_under(&BAD)) else {
        panic!("a bad template is refused")
    };
    let err = err.to_string();
    assert!(
        err.starts_with("revision n2 (at tests/tests/naming.rs:")
            && err.ends_with(
                "is written under a naming convention that does not work: the fk template \"fk_%(table)s\": unknown token %(table)s (known: table_name, column_0_name, column_0_N_name, column_0N_name, column_0_label, column_0_key, referred_table_name, referred_column_0_name, constraint_name); fix the constant its #[migration(naming = …)] names"
            ),
        "{err}"
    );
}

#[test]
fn a_bad_application_convention_is_refused_before_any_verb_runs() {
    static BAD: NamingConvention = NamingConvention::new().unique("uq_%(referred_table_name)s");
    let config = CliConfig::default().with_naming("crate::BAD", &BAD);
    let out = cli::run(["--database-url", "sqlite::memory:", "heads"], &config);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(
            "the naming convention crate::BAD (CliConfig::with_naming) does not work: the uq template \"uq_%(referred_table_name)s\": %(referred_table_name)s names what a foreign key references; only the fk template can use it; fix that constant"
        ),
        "{}",
        out.stderr
    );
}

/// The schema at n3 as models: the keys n1 made before the convention
/// keep their names with `.named(…)`; the rest is named by the convention.
fn models_at_n3(op: &mut Ops) {
    op.create_table("accounts", |t| {
        t.column::<i64>("id");
        t.column::<String>("code");
        t.primary_key(["id"]).named("accounts_pkey");
        t.unique(["code"]).named("accounts_code_key");
        t.unique(["code", "id"]);
        t.check("code_short", "length(code) < 10");
    });
    op.create_index("accounts", ["code"])
        .named("accounts_code_idx");
    op.create_table("users", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<String>("email").unique();
        t.column::<i64>("account_id").references("accounts", "id");
        t.column::<i32>("age");
        t.check("age_positive", "age > 0");
        t.check("age_sane", "age < 200").named("users_age_sane");
    });
    op.create_index("users", ["account_id", "email"]);
}

#[test]
fn check_compares_models_named_under_the_convention() {
    let file = migrator_tests::engine::SqliteFile::new();
    let url = file.url();
    let models = || {
        vec![Model {
            name: "n3",
            declare: models_at_n3,
            file: file!(),
            line: line!(),
        }]
    };
    let run =
        |config: &CliConfig, verb: &str| cli::run(["--database-url", url.as_str(), verb], config);
    let named = CliConfig::default()
        .with_models(models())
        .with_naming("crate::NAMING", &NAMING);
    assert_eq!(run(&named, "upgrade").code, 0);
    let out = run(&named, "check");
    assert_eq!(out.code, 0, "{out:?}");
    // Without the convention the models name their keys otherwise.
    let out = run(&CliConfig::default().with_models(models()), "check");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("the models and the migrations disagree"),
        "{}",
        out.stderr
    );
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("migrator_naming_{}_{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tags(op: &mut Ops) {
    op.create_table("accounts", |t| {
        t.column::<i64>("id").primary_key();
    });
    op.create_table("tags", |t| {
        t.column::<i64>("id").primary_key();
        t.column::<String>("label").unique();
        t.column::<i64>("account_id").references("accounts", "id");
        t.check("label_not_empty", "label <> ''");
    });
    op.create_index("tags", ["account_id"]);
}

#[test]
fn new_revisions_are_written_under_the_applications_convention() {
    let dir = temp_dir("revision");
    let config = CliConfig::default()
        .with_migrations_dir(dir.clone())
        .with_naming("crate::NAMING", &NAMING);
    let run = |args: &[&str]| {
        let mut all = vec!["--database-url", "sqlite::memory:"];
        all.extend_from_slice(args);
        cli::run(all, &config)
    };
    let out = run(&["revision", "-m", "next", "--rev-id", "n4"]);
    assert_eq!(out.code, 0, "{out:?}");
    let text = std::fs::read_to_string(dir.join("n4_next.rs")).unwrap();
    assert!(
        text.contains(
            "#[migration(\n    revision = \"n4\",\n    down_revision = \"n3\",\n    message = \"next\",\n    naming = crate::NAMING\n)]\n"
        ),
        "{text}"
    );

    // Models are named under the convention too, and autogenerate writes
    // no `.named(…)` where the convention gives the name the revision
    // will record.
    let dir = temp_dir("autogenerate");
    let models = vec![Model {
        name: "tags",
        declare: tags,
        file: file!(),
        line: line!(),
    }];
    let config = config
        .with_migrations_dir(dir.clone())
        .with_revisions(Vec::new())
        .with_models(models);
    let run = |args: &[&str]| {
        let mut all = vec!["--database-url", "sqlite::memory:"];
        all.extend_from_slice(args);
        cli::run(all, &config)
    };
    let out = run(&["revision", "--autogenerate", "-m", "tags", "--rev-id", "n5"]);
    assert_eq!(out.code, 0, "{out:?}");
    let text = std::fs::read_to_string(dir.join("n5_tags.rs")).unwrap();
    assert!(text.contains("    naming = crate::NAMING,\n"), "{text}");
    assert!(
        text.contains("t.unique([\"label\"]);")
            && text.contains("t.check(\"label_not_empty\", \"label <> ''\");")
            && text.contains("op.create_index(\"tags\", [\"account_id\"]);")
            && !text.contains(".named("),
        "{text}"
    );
    // The body, recorded under the convention, names what the models name.
    let model = naming::within(Some(&NAMING), || {
        let mut op = Ops::new();
        tags(&mut op);
        op.into_ops()
    });
    let sql = format!("{model:?}");
    for name in [
        "pk_accounts",
        "pk_tags",
        "uq_tags_label",
        "fk_tags_account_id_accounts",
        "ck_tags_label_not_empty",
        "ix_tags_account_id",
    ] {
        assert!(sql.contains(name), "{name}: {sql}");
    }
}
