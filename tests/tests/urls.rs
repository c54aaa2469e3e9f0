//! Database URLs, well formed or not: every error path that prints one —
//! `redact`, `Database`'s `Debug` and `describe`, and the connection errors
//! of `Runner::upgrade`, `downgrade`, `stamp` and `current` — shows no part of
//! the password. Every server here is 127.0.0.1 on a closed port, a missing
//! host or a missing socket, so nothing leaves the machine.

use std::time::Duration;

use migrator_core::prelude::*;
use migrator_core::registry::{Downgrade, Registered, Upgrade};
use migrator_core::run::{Database, Migrations, RunConfig, RunError, Runner, redact};
use proptest::prelude::*;
use proptest::sample::select;

fn up(op: &mut Ops) {
    op.create_table("t", |t| {
        t.column::<i64>("id");
    });
}

static REVISION: Registered = Registered {
    id: "a1",
    down_revisions: &[],
    message: "create t",
    branch_labels: &[],
    depends_on: &[],
    upgrade: Upgrade::Ops(up),
    downgrade: Downgrade::Derived,
    naming: None,
    file: file!(),
    line: line!(),
};

/// A URL and the fragments of its password, none of which may be printed.
struct Case {
    url: &'static str,
    secrets: &'static [&'static str],
}

const CASES: &[Case] = &[
    // Well formed, on a closed port.
    Case {
        url: "postgres://app:Zq9s3cretKx7@127.0.0.1:1/db",
        secrets: &["Zq9s3cretKx7"],
    },
    Case {
        url: "postgresql://app:Zq9s3cretKx7@127.0.0.1:1/db?sslmode=disable",
        secrets: &["Zq9s3cretKx7"],
    },
    // No host, no user, no scheme, a mistyped scheme, another scheme.
    Case {
        url: "postgres://app:Zq9s3cretKx7@/",
        secrets: &["Zq9s3cretKx7"],
    },
    Case {
        url: "postgres://:Zq9s3cretKx7@127.0.0.1:1/db",
        secrets: &["Zq9s3cretKx7"],
    },
    Case {
        url: "app:Zq9s3cretKx7@127.0.0.1:1/db",
        secrets: &["Zq9s3cretKx7"],
    },
    Case {
        url: "postgres:/app:Zq9s3cretKx7@127.0.0.1:1/db",
        secrets: &["Zq9s3cretKx7"],
    },
    Case {
        url: "mysql://app:Zq9s3cretKx7@127.0.0.1:1/db",
        secrets: &["Zq9s3cretKx7"],
    },
    // key=value strings: plain, quoted with spaces and an escaped quote,
    // spaces around `=`, `&` in the value, upper case, an unterminated quote.
    Case {
        url: "host=127.0.0.1 port=1 user=app password=Zq9s3cretKx7 dbname=db",
        secrets: &["Zq9s3cretKx7"],
    },
    Case {
        url: r"host=127.0.0.1 port=1 password='Zq9 s3\'cret Kx7' dbname=db",
        secrets: &["Zq9", "s3", "cret", "Kx7"],
    },
    Case {
        url: "host=127.0.0.1 port=1 password = Zq9s3cretKx7 dbname=db",
        secrets: &["Zq9s3cretKx7"],
    },
    Case {
        url: "host=127.0.0.1 port=1 password=Zq9&Kx7",
        secrets: &["Zq9", "Kx7"],
    },
    Case {
        url: "host=127.0.0.1 port=1 PASSWORD=Zq9s3cretKx7",
        secrets: &["Zq9s3cretKx7"],
    },
    Case {
        url: "host=127.0.0.1 port=1 password='Zq9s3cretKx7",
        secrets: &["Zq9s3cretKx7"],
    },
    Case {
        url: "host=127.0.0.1 port=1 sslpassword=Zq9s3cretKx7",
        secrets: &["Zq9s3cretKx7"],
    },
    // Raw spaces in a password.
    Case {
        url: "host=127.0.0.1 port=1 password=Zq9 s3cret Kx7 dbname=db",
        secrets: &["Zq9", "s3cret", "Kx7"],
    },
    Case {
        url: "postgres://app:Zq9 s3cret Kx7@127.0.0.1:1/db",
        secrets: &["Zq9", "s3cret", "Kx7"],
    },
    // Percent-encoded: neither the encoded nor the decoded form.
    Case {
        url: "postgres://app:Zq9%40s3cr%2Fet%3AKx7@127.0.0.1:1/db",
        secrets: &["Zq9", "s3cr", "Kx7", "Zq9@s3cr/et:Kx7"],
    },
    // A raw `@` and `/` in the password (tokio-postgres cuts it at the
    // first `@`, so the host it tries is still 127.0.0.1:1).
    Case {
        url: "postgres://app:Zq9@127.0.0.1:1/Kx7@127.0.0.1:1/db",
        secrets: &["Zq9", "Kx7"],
    },
    Case {
        url: "postgres://app:Zq9?s3:cr#et@127.0.0.1:1/db",
        secrets: &["Zq9", "s3", "cr#et"],
    },
    // A password in the query, alone and next to one in the user info.
    Case {
        url: "postgres://app@127.0.0.1:1/db?password=Zq9s3cretKx7",
        secrets: &["Zq9s3cretKx7"],
    },
    Case {
        url: "postgres://app:Zq9aaa@127.0.0.1:1/db?password=Kx7bbb&sslmode=disable",
        secrets: &["Zq9aaa", "Kx7bbb"],
    },
    Case {
        url: "postgres://app@127.0.0.1:1/db?pass%77ord=Zq9s3cretKx7",
        secrets: &["Zq9s3cretKx7"],
    },
    // Other malformed parts: a bad port, bad percent-encoding, a missing
    // socket directory, several hosts, IPv6, a trailing newline.
    Case {
        url: "postgres://app:Zq9s3cretKx7@127.0.0.1:notaport/db",
        secrets: &["Zq9s3cretKx7"],
    },
    Case {
        url: "postgres://%FF:Zq9s3cretKx7@127.0.0.1:1/db",
        secrets: &["Zq9s3cretKx7"],
    },
    Case {
        url: "postgres://app:Zq9s3cretKx7@%2Fnonexistent%2Fsocket/db",
        secrets: &["Zq9s3cretKx7"],
    },
    Case {
        url: "postgres://app:Zq9s3cretKx7@127.0.0.1:1,127.0.0.1:2/db",
        secrets: &["Zq9s3cretKx7"],
    },
    Case {
        url: "postgres://app:Zq9s3cretKx7@[::1]:1/db",
        secrets: &["Zq9s3cretKx7"],
    },
    Case {
        url: "postgres://app:Zq9s3cretKx7@127.0.0.1:1/db\n",
        secrets: &["Zq9s3cretKx7"],
    },
];

fn assert_hidden(case: &Case, what: &str, text: &str) {
    for secret in case.secrets {
        assert!(
            !text.contains(secret),
            "{what} of {:?} shows {secret:?}:\n{text}",
            case.url
        );
    }
}

/// The error of a run that must fail, promptly.
async fn failure<T>(run: impl Future<Output = Result<T, RunError>>) -> RunError {
    match tokio::time::timeout(Duration::from_secs(20), run).await {
        Ok(Err(e)) => e,
        Ok(Ok(_)) => panic!("a run on an unreachable server succeeded"),
        Err(_) => panic!("a run on an unreachable server hung"),
    }
}

#[tokio::test]
async fn no_error_path_prints_the_password() {
    let migrations = Migrations::new(vec![&REVISION]).expect("a valid graph");
    let config = RunConfig::default().with_lock_wait(Some(Duration::from_secs(1)));
    let runner = Runner::new(&migrations, config);
    for case in CASES {
        let db = Database::Url(case.url.to_owned());
        assert_hidden(case, "redact", &redact(case.url));
        assert_hidden(case, "Database's Debug", &format!("{db:?}"));
        assert_hidden(case, "Database::describe", &db.describe());

        let errors = [
            failure(runner.upgrade(&db, "head")).await,
            failure(runner.downgrade(&db, "base")).await,
            failure(runner.stamp(&db, "head", false)).await,
            failure(runner.current(&db)).await,
        ];
        for err in errors {
            let shown = err.to_string();
            assert_hidden(case, "the error", &shown);
            assert_hidden(case, "the error's Debug", &format!("{err:?}"));
            match &err {
                RunError::Connect { url, .. } => {
                    assert_eq!(*url, redact(case.url));
                    assert!(
                        shown.starts_with(&format!("cannot connect to {url}: ")),
                        "unclear error for {:?}: {shown}",
                        case.url
                    );
                }
                other => panic!("{:?} gave {other:?}, not a connection error", case.url),
            }
        }
    }
}

/// Separators a password may hold raw, each a way to end it too early.
const SEPARATORS: &[&str] = &[
    "@", "/", ":", "?", "#", "&", "=", " ", "%40", "%", "'", "\\", "@/", "::", "[", "]", ",",
];

/// A password made of segments that each hold the marker `§`, found
/// nowhere else, joined by separators: no `§` may survive redaction.
fn password(separators: &'static [&'static str]) -> impl Strategy<Value = String> {
    let segment = prop::collection::vec(select(&["a", "Z", "9", "_", "-", ".", "é"][..]), 0..4)
        .prop_map(|p| format!("§{}", p.concat()));
    prop::collection::vec((segment, select(separators)), 1..5).prop_map(|parts| {
        parts
            .into_iter()
            .enumerate()
            .map(|(i, (seg, sep))| if i == 0 { seg } else { format!("{sep}{seg}") })
            .collect()
    })
}

/// How a libpq `key=value` string writes a value: quoted with `\` escapes.
fn quoted(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// URLs with user info, with or without (or with a mistyped) scheme.
    #[test]
    fn redact_masks_user_info(
        scheme in select(&["postgres://", "postgresql://", "", "postgres:/", "postgres:", "mysql://"][..]),
        user in select(&["", "app", "me@corp", "APP_1"][..]),
        pw in password(SEPARATORS),
        host in select(&["db", "127.0.0.1:5432", "[::1]:1", "h1,h2:5433", "", "%2Ftmp"][..]),
        path in select(&["", "/", "/db", "/d@b", "/db?sslmode=disable", "/db?application_name=a:b"][..]),
    ) {
        let url = format!("{scheme}{user}:{pw}@{host}{path}");
        let shown = redact(&url);
        prop_assert!(!shown.contains('§'), "{:?} -> {:?}", url, shown);
    }

    /// A password in a URL's query, under any secret key.
    #[test]
    fn redact_masks_query_passwords(
        key in select(&["password", "PASSWORD", "sslpassword", "pass%77ord", "Password"][..]),
        pw in password(&["@", "/", ":", "?", "#", "&", " ", "%40", "'", "@/"]),
        userinfo in select(&["", "app@", "app:§x@", "app:§x:§y@"][..]),
        before in select(&["", "sslmode=disable&"][..]),
        after in select(&["", "&sslmode=disable", "&application_name=x"][..]),
    ) {
        let url = format!("postgres://{userinfo}127.0.0.1:1/db?{before}{key}={pw}{after}");
        let shown = redact(&url);
        prop_assert!(!shown.contains('§'), "{:?} -> {:?}", url, shown);
    }

    /// libpq `key=value` strings: quoted, escaped or raw values, spaces
    /// around `=`, any case, anywhere in the string.
    #[test]
    fn redact_masks_key_value_passwords(
        key in select(&["password", "PASSWORD", "sslpassword", "Password"][..]),
        pw in password(SEPARATORS),
        form in 0..3u8,
        eq in select(&["=", " = ", "= ", " ="][..]),
        before in select(&["", "host=db ", "host=127.0.0.1 port=1 user=app "][..]),
        after in select(&["", " dbname=db", " user=me sslmode=disable"][..]),
    ) {
        let value = match form {
            0 => quoted(&pw),
            // Escaped the way tokio-postgres reads an unquoted value.
            1 => pw.chars().flat_map(|c| {
                let escape = c.is_whitespace() || c == '\\' || c == '\'';
                escape.then_some('\\').into_iter().chain([c])
            }).collect(),
            // Raw, as a user might paste it: only `=` would end it.
            _ => pw.replace(['=', '\''], "-"),
        };
        let text = format!("{before}{key}{eq}{value}{after}");
        let shown = redact(&text);
        prop_assert!(!shown.contains('§'), "{:?} -> {:?}", text, shown);
    }

    /// What is not secret — user, host, port, database, other parameters —
    /// is shown as it was.
    #[test]
    fn redact_keeps_what_is_not_secret(
        host in select(&["db", "127.0.0.1:5432", "[::1]:1"][..]),
        db in select(&["", "/app", "/app?sslmode=disable"][..]),
    ) {
        let url = format!("postgres://app:pw@{host}{db}");
        prop_assert_eq!(redact(&url), format!("postgres://app:***@{host}{db}"));
        let bare = format!("postgres://app@{host}{db}");
        prop_assert_eq!(redact(&bare), bare.clone());
    }
}
