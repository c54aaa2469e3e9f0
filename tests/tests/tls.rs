//! TLS to the local PostgreSQL, which `scripts/ensure-postgres` sets up
//! with a test CA and a server certificate for `localhost` only: libpq's
//! `sslmode` (disable, prefer, require, verify-ca, verify-full) and
//! `sslrootcert`, through `migrator_core::run::connect`, the runner and the
//! CLI. All traffic stays on 127.0.0.1 / localhost.

use std::path::PathBuf;

use migrator_core::cli::{self, CliConfig};
use migrator_core::prelude::*;
use migrator_core::registry::{Downgrade, Registered};
use migrator_core::run::{self, Migrations, RunConfig, Runner};
use migrator_tests::db::{DEFAULT_URL, TestDb, URL_VAR};

/// Where the tests find the CA that signed the server's certificate.
const ROOT_VAR: &str = "MIGRATOR_TEST_SSLROOTCERT";
/// Where `scripts/ensure-postgres` puts it.
const DEFAULT_ROOT: &str = "/var/lib/postgresql/migrator-tls/ca.crt";

/// A self-signed CA that signed nothing the server has (valid to 2126).
const UNRELATED_CA: &str = "-----BEGIN CERTIFICATE-----
MIIBsTCCAVegAwIBAgIUUCWASgS7l/HSH2Q7PL2EejT3KsgwCgYIKoZIzj0EAwIw
JTEjMCEGA1UEAwwabWlncmF0b3IgdW5yZWxhdGVkIHRlc3QgQ0EwIBcNMjYxMTI1
MTg1NTU3WhgPMjEyNjExMDExODU1NTdaMCUxIzAhBgNVBAMMGm1pZ3JhdG9yIHVu
cmVsYXRlZCB0ZXN0IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEAAJClh5Z
ph0znS81HF39ipXMeDdgEG1bqgFBTJEQwkOdkB3xQVM0qEIk/2dEz9r7tWM/6jmT
vRXZBjiutAIKqKNjMGEwHQYDVR0OBBYEFFzR2BUdGype+xpsJy5PJGijm42zMB8G
A1UdIwQYMBaAFFzR2BUdGype+xpsJy5PJGijm42zMA8GA1UdEwEB/wQFMAMBAf8w
DgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMCA0gAMEUCIQCwgCOJ2zm7mFtZl+wH
X2WfRhmd0hwXzoUe6wM/HL7nPwIgQcBBjYevJo3Rb+obPZ//Y2MpWjhf6Di8o0z6
r/oeFu8=
-----END CERTIFICATE-----
";

const FIX: &str = "run `sudo bash scripts/ensure-postgres` to give the local PostgreSQL \
                   the project's test certificate (or set MIGRATOR_TEST_SSLROOTCERT to the CA \
                   that signed a certificate for localhost)";

/// A test database on a server that serves TLS with the project's
/// certificate, and the CA's path; panics saying what to run otherwise.
async fn setup() -> (TestDb, String) {
    let root = std::env::var(ROOT_VAR).unwrap_or_else(|_| DEFAULT_ROOT.to_owned());
    if !PathBuf::from(&root).is_file() {
        panic!("the test CA {root} does not exist: {FIX}");
    }
    let db = TestDb::new().await;
    let ssl: String = db.client.query_one("SHOW ssl", &[]).await.unwrap().get(0);
    assert_eq!(ssl, "on", "the test PostgreSQL does not serve TLS: {FIX}");
    (db, root)
}

/// The test server's user and port.
fn server() -> (String, u16) {
    let url = std::env::var(URL_VAR).unwrap_or_else(|_| DEFAULT_URL.to_owned());
    let config: tokio_postgres::Config = url.parse().unwrap();
    let user = config.get_user().unwrap_or("postgres").to_owned();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    (user, port)
}

/// A `key=value` connection string to `db` on `host`, with `extra`.
fn conn(db: &TestDb, host: &str, extra: &str) -> String {
    let (user, port) = server();
    format!(
        "host={host} port={port} user={user} dbname={} {extra}",
        db.name
    )
}

/// Whether the session of `client` is encrypted, as the server sees it.
async fn encrypted(client: &tokio_postgres::Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

/// Connects as the runner does; true if the session is encrypted.
async fn connects(url: &str) -> bool {
    let client = run::connect(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    encrypted(&client).await
}

/// Connecting fails; the message.
async fn refused(url: &str) -> String {
    match run::connect(url).await {
        Ok(_) => panic!("{url} connected"),
        Err(e) => e.to_string(),
    }
}

/// A file holding the unrelated CA.
fn unrelated_ca() -> String {
    let path =
        std::env::temp_dir().join(format!("migrator-unrelated-ca-{}.crt", std::process::id()));
    std::fs::write(&path, UNRELATED_CA).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn verify_full_succeeds_on_the_certificates_host_name() {
    let (db, root) = setup().await;
    assert!(
        connects(&conn(
            &db,
            "localhost",
            &format!("sslmode=verify-full sslrootcert={root}")
        ))
        .await
    );
    // The URL form too.
    let (user, port) = server();
    let url = format!(
        "postgres://{user}@localhost:{port}/{}?sslmode=verify-full&sslrootcert={root}",
        db.name
    );
    assert!(connects(&url).await);
}

#[tokio::test]
async fn verify_full_fails_on_another_host_name() {
    let (db, root) = setup().await;
    // The certificate names localhost only, not 127.0.0.1.
    let message = refused(&conn(
        &db,
        "127.0.0.1",
        &format!("sslmode=verify-full sslrootcert={root}"),
    ))
    .await;
    assert!(
        message.contains("certificate not valid for name \"127.0.0.1\""),
        "{message}"
    );
    assert!(
        message.contains("HINT: sslmode=verify-full checks that the server's certificate names the host connected to, and it does not name \"127.0.0.1\""),
        "{message}"
    );
    // A host name the certificate does not hold, reached at 127.0.0.1.
    let message = refused(&conn(
        &db,
        "db.example.invalid",
        &format!("hostaddr=127.0.0.1 sslmode=verify-full sslrootcert={root}"),
    ))
    .await;
    assert!(
        message.contains("not valid for name \"db.example.invalid\""),
        "{message}"
    );
}

#[tokio::test]
async fn verify_ca_succeeds_with_either_host() {
    let (db, root) = setup().await;
    for host in ["localhost", "127.0.0.1"] {
        assert!(
            connects(&conn(
                &db,
                host,
                &format!("sslmode=verify-ca sslrootcert={root}")
            ))
            .await,
            "{host}"
        );
    }
}

#[tokio::test]
async fn verify_ca_fails_with_a_root_certificate_that_did_not_sign_the_server_s() {
    let (db, _) = setup().await;
    let wrong = unrelated_ca();
    for mode in ["verify-ca", "verify-full", "require"] {
        // require with a root certificate checks the chain, as libpq's does.
        let message = refused(&conn(
            &db,
            "localhost",
            &format!("sslmode={mode} sslrootcert={wrong}"),
        ))
        .await;
        assert!(
            message.contains("invalid peer certificate: UnknownIssuer"),
            "{mode}: {message}"
        );
        assert!(
            message.contains(&format!(
                "HINT: sslmode={mode}: the server's certificate is not signed by {wrong}"
            )),
            "{mode}: {message}"
        );
    }
}

#[tokio::test]
async fn require_encrypts_without_a_root_certificate() {
    let (db, _) = setup().await;
    for host in ["localhost", "127.0.0.1"] {
        assert!(
            connects(&conn(&db, host, "sslmode=require")).await,
            "{host}"
        );
    }
}

#[tokio::test]
async fn disable_does_not_encrypt() {
    let (db, root) = setup().await;
    assert!(!connects(&conn(&db, "127.0.0.1", "sslmode=disable")).await);
    // The root certificate is not even read.
    assert!(
        !connects(&conn(
            &db,
            "127.0.0.1",
            "sslmode=disable sslrootcert=/nonexistent.crt"
        ))
        .await
    );
    assert!(
        !connects(&conn(
            &db,
            "localhost",
            &format!("sslmode=disable sslrootcert={root}")
        ))
        .await
    );
}

#[tokio::test]
async fn allow_uses_a_plain_session_when_the_server_accepts_one() {
    let (db, _) = setup().await;
    assert!(!connects(&conn(&db, "127.0.0.1", "sslmode=allow")).await);
}

#[tokio::test]
async fn prefer_encrypts_when_the_server_offers_tls() {
    let (db, root) = setup().await;
    // prefer is the default, as in libpq.
    assert!(connects(&db.url()).await);
    assert!(connects(&conn(&db, "127.0.0.1", "sslmode=prefer")).await);
    assert!(
        connects(&conn(
            &db,
            "127.0.0.1",
            &format!("sslmode=prefer sslrootcert={root}")
        ))
        .await
    );
    // A handshake that fails (here: a certificate the root does not
    // accept) falls back to a plain session, as libpq's prefer does.
    let wrong = unrelated_ca();
    assert!(
        !connects(&conn(
            &db,
            "127.0.0.1",
            &format!("sslmode=prefer sslrootcert={wrong}")
        ))
        .await
    );
}

#[tokio::test]
async fn messages_never_show_the_password() {
    let (db, root) = setup().await;
    let (user, port) = server();
    // trust authentication ignores the password; the host name check fails.
    let url = format!(
        "postgres://{user}:Sup3rSecretPw@127.0.0.1:{port}/{}?sslmode=verify-full&sslrootcert={root}",
        db.name
    );
    let message = refused(&url).await;
    assert!(message.contains("not valid for name"), "{message}");
    assert!(!message.contains("Sup3rSecretPw"), "{message}");
    let message = refused(&format!("{url}&sslmode=verify-everything")).await;
    assert!(
        message.contains("unknown sslmode \"verify-everything\""),
        "{message}"
    );
    assert!(!message.contains("Sup3rSecretPw"), "{message}");
    let message = refused(
        "host=127.0.0.1 password=Sup3rSecretPw sslmode=verify-ca sslrootcert=/nonexistent/ca.crt",
    )
    .await;
    assert!(
        message.contains("cannot read the root certificate file /nonexistent/ca.crt"),
        "{message}"
    );
    assert!(!message.contains("Sup3rSecretPw"), "{message}");
}

fn rev(id: &'static str, parents: &'static [&'static str], up: fn(&mut Ops)) -> Registered {
    migrator_tests::revisions::revision(id, parents, up, Downgrade::Derived)
}

fn up_accounts(op: &mut Ops) {
    op.create_table("accounts", |t| {
        t.column::<i64>("id").identity().primary_key();
        t.column::<String>("email").unique();
    });
}

fn up_index(op: &mut Ops) {
    op.create_index("accounts", ["email"])
        .named("ix_accounts_email_c")
        .concurrently();
}

fn revisions() -> Vec<Registered> {
    vec![rev("a1", &[], up_accounts), rev("b2", &["a1"], up_index)]
}

#[tokio::test]
async fn the_runner_upgrades_over_verify_full() {
    let (db, root) = setup().await;
    let (user, port) = server();
    let url = format!(
        "postgres://{user}@localhost:{port}/{}?sslmode=verify-full&sslrootcert={root}",
        db.name
    );
    let migrations = Migrations::new(revisions()).unwrap();
    let runner = Runner::new(&migrations, RunConfig::default());
    let report = runner.upgrade(&url.as_str().into(), "head").await.unwrap();
    assert_eq!(report.steps.len(), 2);
    let at: Vec<String> = db
        .client
        .query("SELECT version_num FROM migrator_version", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(at, ["b2"]);
    // Over the wrong host name, nothing runs.
    let wrong = url.replace("@localhost:", "@127.0.0.1:");
    let err = runner
        .downgrade(&wrong.as_str().into(), "base")
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("not valid for name \"127.0.0.1\""),
        "{err}"
    );
    let tables: i64 = db
        .client
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE tablename = 'accounts'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 1);
}

#[test]
fn the_cli_connects_over_verify_full() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (db, root) = rt.block_on(setup());
    let (user, port) = server();
    let config = CliConfig::default().with_revisions(revisions());
    let url = |host: &str, name: &str| {
        format!(
            "postgres://{user}:Sup3rSecretPw@{host}:{port}/{name}?sslmode=verify-full&sslrootcert={root}"
        )
    };
    let ok = cli::run(
        ["--database-url", &url("localhost", &db.name), "upgrade"],
        &config,
    );
    assert_eq!(ok.code, 0, "{ok:?}");
    let wrong = cli::run(
        ["--database-url", &url("127.0.0.1", &db.name), "current"],
        &config,
    );
    assert_eq!(wrong.code, 1, "{wrong:?}");
    assert!(
        wrong.stderr.contains("not valid for name \"127.0.0.1\""),
        "{}",
        wrong.stderr
    );
    assert!(!wrong.stderr.contains("Sup3rSecretPw"), "{}", wrong.stderr);
    // The check for a missing database connects with the same settings.
    let missing = format!("{}_missing", db.name);
    let out = cli::run(
        ["--database-url", &url("localhost", &missing), "current"],
        &config,
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains(&format!("database \"{missing}\" does not exist"))
            && out.stderr.contains(&format!(
                "createdb -h localhost -p {port} -U {user} {missing}"
            )),
        "{}",
        out.stderr
    );
    drop(db);
}
