//! Connecting to PostgreSQL as libpq would: a connection string read into
//! an [`Endpoint`] (its TLS set up as `sslmode` says), the connection's
//! start-up bounded in time, and hints for what went wrong. Messages never
//! show the password.

use std::fmt;
use std::path::{Path, PathBuf};

#[cfg(feature = "tls")]
use rustls::CertificateError;
use tokio::task::JoinHandle;
#[cfg(feature = "tls")]
use tokio_postgres::config::Host;
use tokio_postgres::config::SslMode as PgSslMode;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Config, NoTls};
#[cfg(feature = "tls")]
use tokio_postgres_rustls::MakeRustlsConnect;

use super::conninfo::{SslMode, resolve, split};
#[cfg(feature = "tls")]
use super::tls::client_config;
use crate::run::error::RunError;
use crate::run::redact::redact;

/// Why a connection could not be made.
#[derive(Debug, thiserror::Error)]
pub(super) enum ConnectError {
    /// tokio-postgres could not read the connection string.
    #[error("invalid connection string: {0}")]
    Config(String),
    #[error("unknown sslmode {0:?}: use disable, allow, prefer, require, verify-ca or verify-full")]
    UnknownMode(String),
    #[cfg(feature = "tls")]
    #[error("sslsni must be 0 or 1, not {0:?}")]
    Sni(String),
    #[error(
        "{} not supported: migrator's TLS (rustls) reads sslmode, sslrootcert and sslsni only; remove {}",
        .0.join(", "),
        if .0.len() == 1 { "it" } else { "them" }
    )]
    Unsupported(Vec<String>),
    #[error(
        "sslrootcert=system (the operating system's trusted roots) is not supported; give the path of a root certificate file"
    )]
    SystemRoots,
    #[error(
        "sslmode={mode} checks the server's certificate against a root certificate, and there is none: {}. Give one with sslrootcert=/path/to/root.crt, or use sslmode=require to encrypt without checking the certificate",
        match .default { Some(p) => format!("sslrootcert is not set and the default, ~/.postgresql/root.crt ({}), does not exist", p.display()), None => "sslrootcert is not set and there is no home directory ($HOME) for the default ~/.postgresql/root.crt".to_owned() }
    )]
    NoRootCert {
        mode: &'static str,
        default: Option<PathBuf>,
    },
    #[cfg(feature = "tls")]
    #[error("cannot read the root certificate file {} (sslrootcert): {message}", .path.display())]
    RootCertUnreadable { path: PathBuf, message: String },
    #[cfg(feature = "tls")]
    #[error("the root certificate file {} (sslrootcert) holds no PEM certificate (-----BEGIN CERTIFICATE-----)", .path.display())]
    RootCertEmpty { path: PathBuf },
    #[cfg(feature = "tls")]
    #[error("the root certificate file {} (sslrootcert) holds a certificate rustls cannot use as a trust anchor: {message}", .path.display())]
    RootCertInvalid { path: PathBuf, message: String },
    #[cfg(feature = "tls")]
    #[error("setting up TLS: {0}")]
    Tls(String),
    /// TLS was asked for and this build has none.
    #[cfg(not(feature = "tls"))]
    #[error(
        "sslmode={0} needs TLS, and this program was built without migrator's `tls` feature: enable it (migrator-core = {{ features = [\"tls\"] }} in Cargo.toml), or use sslmode=disable or prefer"
    )]
    TlsNotBuilt(&'static str),
    /// Connecting failed.
    #[error("{}{}", chain(.error), .hint.as_ref().map(|h| format!("\n  HINT: {h}")).unwrap_or_default())]
    Server {
        error: tokio_postgres::Error,
        hint: Option<String>,
    },
}

impl ConnectError {
    /// The SQLSTATE of a server's refusal.
    pub(super) fn code(&self) -> Option<&SqlState> {
        match self {
            ConnectError::Server { error, .. } => error.code(),
            _ => None,
        }
    }
}

impl From<tokio_postgres::Error> for ConnectError {
    fn from(error: tokio_postgres::Error) -> Self {
        ConnectError::Server { error, hint: None }
    }
}

/// A tokio-postgres error with its causes (its `Display` shows none).
fn chain(error: &tokio_postgres::Error) -> String {
    let mut out = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        let text = s.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// A parsed connection string, ready to connect as libpq would.
#[derive(Clone)]
pub(super) struct Endpoint {
    /// tokio-postgres's settings (without the TLS ones it does not know).
    pub(super) config: Config,
    mode: SslMode,
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    root: Option<PathBuf>,
    #[cfg(feature = "tls")]
    tls: Option<MakeRustlsConnect>,
}

impl Endpoint {
    /// Reads `conn` and, unless `sslmode=disable`, the root certificate,
    /// and sets up TLS. Messages never show the password.
    pub(super) fn parse(conn: &str) -> Result<Endpoint, ConnectError> {
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        Self::parse_with_home(conn, home.as_deref())
    }

    pub(super) fn parse_with_home(
        conn: &str,
        home: Option<&Path>,
    ) -> Result<Endpoint, ConnectError> {
        let split = split(conn);
        if let Some(problem) = crate::run::database::unknown_form(conn) {
            return Err(ConnectError::Config(problem));
        }
        let config: Config = split.rest.parse().map_err(|e| {
            let text = chain(&e);
            // tokio-postgres's message starts with the words ours does.
            let text = text
                .strip_prefix("invalid connection string: ")
                .unwrap_or(&text);
            ConnectError::Config(redact(text))
        })?;
        let (mode, root, check) = resolve(&split, home, config.get_ssl_mode())?;
        // Without TLS in the build, as libpq built without SSL: `prefer` and
        // `allow` connect in the clear, the modes that need TLS are refused.
        #[cfg(not(feature = "tls"))]
        if !matches!(mode, SslMode::Disable | SslMode::Allow | SslMode::Prefer) {
            return Err(ConnectError::TlsNotBuilt(mode.as_str()));
        }
        #[cfg(not(feature = "tls"))]
        let _ = check;
        #[cfg(feature = "tls")]
        let tls = if mode == SslMode::Disable {
            None
        } else {
            let sni = match split.sslsni.as_deref() {
                None | Some("1") => true,
                Some("0") => false,
                Some(other) => return Err(ConnectError::Sni(other.to_owned())),
            };
            Some(MakeRustlsConnect::new(client_config(
                root.as_deref(),
                check,
                sni,
            )?))
        };
        Ok(Endpoint {
            config,
            mode,
            root,
            #[cfg(feature = "tls")]
            tls,
        })
    }

    /// Connects, as `sslmode` says, and drives the connection on a task of
    /// its own, which ends when the client is dropped.
    #[cfg(not(feature = "tls"))]
    pub(super) async fn connect(&self) -> Result<(Client, JoinHandle<()>), ConnectError> {
        self.plain().await
    }

    /// Connects, as `sslmode` says, and drives the connection on a task of
    /// its own, which ends when the client is dropped.
    #[cfg(feature = "tls")]
    pub(super) async fn connect(&self) -> Result<(Client, JoinHandle<()>), ConnectError> {
        let plain = || self.plain();
        match (self.mode, &self.tls) {
            (SslMode::Disable, _) | (_, None) => plain().await,
            (SslMode::Allow, Some(tls)) => match plain().await {
                Err(ConnectError::Server { error, .. }) if error.as_db_error().is_some() => {
                    self.secure(tls, PgSslMode::Require).await
                }
                other => other,
            },
            (SslMode::Prefer, Some(tls)) => match self.secure(tls, PgSslMode::Prefer).await {
                Err(ConnectError::Server { error, .. })
                    if error.to_string() == "error performing TLS handshake" =>
                {
                    tracing::debug!(
                        "sslmode=prefer: TLS handshake failed ({}); connecting without TLS",
                        chain(&error)
                    );
                    plain().await
                }
                other => other,
            },
            (_, Some(tls)) => self.secure(tls, PgSslMode::Require).await,
        }
    }

    async fn plain(&self) -> Result<(Client, JoinHandle<()>), ConnectError> {
        let mut config = self.config.clone();
        config.ssl_mode(PgSslMode::Disable);
        let (client, connection) = config
            .connect(NoTls)
            .await
            .map_err(|error| ConnectError::Server { hint: None, error })?;
        Ok((client, tokio::spawn(drive(connection))))
    }

    #[cfg(feature = "tls")]
    async fn secure(
        &self,
        tls: &MakeRustlsConnect,
        ssl_mode: PgSslMode,
    ) -> Result<(Client, JoinHandle<()>), ConnectError> {
        let mut config = self.config.clone();
        config.ssl_mode(ssl_mode);
        match config.connect(tls.clone()).await {
            Ok((client, connection)) => Ok((client, tokio::spawn(drive(connection)))),
            Err(error) => Err(ConnectError::Server {
                hint: self.hint(&error),
                error,
            }),
        }
    }

    /// What to do about a failed TLS connection.
    #[cfg(feature = "tls")]
    fn hint(&self, error: &tokio_postgres::Error) -> Option<String> {
        let mode = self.mode.as_str();
        let root = self.root.as_ref().map_or_else(
            || "the root certificate".to_owned(),
            |p| p.display().to_string(),
        );
        let host = match self.config.get_hosts().first() {
            Some(Host::Tcp(h)) => format!("{h:?}"),
            _ => "the host".to_owned(),
        };
        if chain(error).contains("server does not support TLS") {
            return Some(format!(
                "sslmode={mode} needs TLS and the server does not offer it: turn on ssl on the server, or use sslmode=prefer"
            ));
        }
        match rustls_error(error)? {
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            ) => Some(format!(
                "sslmode=verify-full checks that the server's certificate names the host connected to, and it does not name {host}: connect with a host name the certificate holds, or use sslmode=verify-ca to check only that it is signed by {root}"
            )),
            rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer | CertificateError::BadSignature,
            ) => Some(format!(
                "sslmode={mode}: the server's certificate is not signed by {root} (sslrootcert); give the root certificate that issued it"
            )),
            rustls::Error::InvalidCertificate(_) => Some(format!(
                "sslmode={mode}: the server's certificate was refused; check it against {root}, or use sslmode=require to encrypt without checking it"
            )),
            _ => None,
        }
    }
}

async fn drive<S, T>(connection: tokio_postgres::Connection<S, T>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    if let Err(e) = connection.await {
        tracing::debug!("connection closed: {}", chain(&e));
    }
}

/// The rustls error behind a failed handshake, if that is what it was.
#[cfg(feature = "tls")]
fn rustls_error(error: &tokio_postgres::Error) -> Option<&rustls::Error> {
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        if let Some(e) = s.downcast_ref::<rustls::Error>() {
            return Some(e);
        }
        if let Some(e) = s
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .and_then(|e| e.downcast_ref::<rustls::Error>())
        {
            return Some(e);
        }
        source = s.source();
    }
    None
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("mode", &self.mode)
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// Connects to `url` (a `postgres://` URL or a `key=value` string) as the
/// runner does: TLS as libpq's `sslmode` says (`prefer` when absent) with
/// the root certificate of `sslrootcert` (or `~/.postgresql/root.crt`).
/// The connection is driven on a task of its own. Errors never show the
/// password.
pub async fn connect(url: &str) -> Result<Client, RunError> {
    let failed = |e: ConnectError| RunError::Connect {
        url: redact(url),
        message: redact(&e.to_string()),
        code: e.code().map(|c| c.code().to_owned()),
    };
    let endpoint = Endpoint::parse(url).map_err(failed)?;
    // tokio-postgres bounds only the TCP connect by connect_timeout: a
    // server that accepts and never answers would hang the run forever.
    // The whole start-up (TLS and authentication too) is bounded here, per
    // host tried.
    let per_host = endpoint
        .config
        .get_connect_timeout()
        .copied()
        .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
    let hosts = u32::try_from(endpoint.config.get_hosts().len().max(1)).unwrap_or(u32::MAX);
    let bound = per_host.saturating_mul(hosts);
    match tokio::time::timeout(bound, endpoint.connect()).await {
        Ok(connected) => Ok(connected.map_err(failed)?.0),
        Err(_) => Err(RunError::Connect {
            url: redact(url),
            message: format!(
                "{} did not finish the connection's start-up (TLS, authentication) within {} s; check the host and port (is it a PostgreSQL server?), or raise connect_timeout in the URL (without it, migrator waits {} s per host)",
                hosts_of(&endpoint.config),
                bound.as_secs_f64(),
                DEFAULT_CONNECT_TIMEOUT.as_secs()
            ),
            code: None,
        }),
    }
}

/// How long a connection's start-up may take per host when the URL sets
/// no `connect_timeout` (libpq waits forever; a deploy must not).
pub const DEFAULT_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// `host:port` of each host the config names, for messages.
fn hosts_of(config: &Config) -> String {
    let ports = config.get_ports();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let port = ports
                .get(i)
                .or_else(|| ports.first())
                .copied()
                .unwrap_or(5432);
            match host {
                tokio_postgres::config::Host::Tcp(h) => format!("{h}:{port}"),
                #[cfg(unix)]
                tokio_postgres::config::Host::Unix(p) => {
                    format!("{}/.s.PGSQL.{port}", p.display())
                }
            }
        })
        .collect();
    if hosts.is_empty() {
        "the server".to_owned()
    } else {
        hosts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Built without TLS, as libpq built without SSL: the modes that need
    /// TLS are refused with the feature to enable; `prefer` (the default)
    /// connects in the clear. (CI runs this in its PostgreSQL-only build.)
    #[cfg(not(feature = "tls"))]
    #[test]
    fn without_tls_the_modes_that_need_it_are_refused_by_name() {
        for mode in ["require", "verify-ca", "verify-full"] {
            let conn = format!("postgres://app@db/app?sslmode={mode}&sslrootcert=/nonexistent");
            let err = match Endpoint::parse_with_home(&conn, None) {
                Err(e) => e.to_string(),
                Ok(_) => panic!("sslmode={mode} was accepted without TLS"),
            };
            assert!(
                err.contains("built without migrator's `tls` feature"),
                "{err}"
            );
        }
        let err = Endpoint::parse_with_home("postgres://app@db/app?sslmode=require", None)
            .err()
            .expect("require needs TLS")
            .to_string();
        assert!(err.starts_with("sslmode=require needs TLS, and this program was built without migrator's `tls` feature"), "{err}");
        let plain =
            Endpoint::parse_with_home("postgres://app@db/app", None).expect("prefer is plain");
        assert_eq!(plain.mode, SslMode::Prefer);
    }

    #[test]
    fn unknown_schemes_and_bare_paths_name_the_forms_that_exist() {
        let err = Endpoint::parse_with_home("mysql://app:hunter22@db/app", None)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("invalid connection string: `mysql://` is not a scheme migrator knows: use `postgres://"),
            "{err}"
        );
        assert!(
            err.contains("sqlite::memory:") && !err.contains("hunter22"),
            "{err}"
        );
        let err = Endpoint::parse_with_home("app.db", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("write `sqlite://app.db`"), "{err}");
        let err = Endpoint::parse_with_home("/srv/app.sqlite3", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("write `sqlite:///srv/app.sqlite3`"), "{err}");
        let err = Endpoint::parse_with_home("host=db sslmode", None)
            .unwrap_err()
            .to_string();
        assert_eq!(err.matches("invalid connection string").count(), 1, "{err}");
    }

    #[cfg(feature = "tls")]
    #[test]
    fn tokio_postgres_gets_a_string_it_accepts() {
        let endpoint = Endpoint::parse_with_home(
            "postgres://app@db/x?sslmode=require&connect_timeout=5&sslsni=0",
            None,
        )
        .unwrap();
        assert_eq!(endpoint.mode, SslMode::Require);
        assert_eq!(endpoint.config.get_dbname(), Some("x"));
        assert_eq!(
            endpoint.config.get_connect_timeout(),
            Some(&std::time::Duration::from_secs(5))
        );
        let endpoint = Endpoint::parse_with_home("host=db dbname=x sslmode=disable", None).unwrap();
        assert_eq!(endpoint.mode, SslMode::Disable);
        assert!(endpoint.tls.is_none());
    }
}
