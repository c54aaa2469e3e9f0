//! TLS to PostgreSQL over rustls (ring provider), with libpq's `sslmode`
//! and `sslrootcert` read from the connection string, URL
//! (`?sslmode=verify-full&sslrootcert=/etc/ca.crt`) or `key=value` form.
//!
//! | `sslmode`          | TLS                                         | server certificate checked                  |
//! |--------------------|---------------------------------------------|---------------------------------------------|
//! | `disable`          | never                                       | —                                           |
//! | `allow`            | only if the server refuses a plain session  | chain, if a root certificate is at hand     |
//! | `prefer` (default) | if the server offers it; a failed handshake falls back to plain | chain, if a root certificate is at hand |
//! | `require`          | always                                      | chain, if a root certificate is at hand; else none |
//! | `verify-ca`        | always                                      | chain against the root certificate          |
//! | `verify-full`      | always                                      | chain, and the host name against the certificate |
//!
//! The root certificate is `sslrootcert`, else libpq's default
//! `~/.postgresql/root.crt` when that file exists. As in libpq, `require`
//! with a root certificate at hand behaves as `verify-ca`. Unlike libpq, an
//! `sslrootcert` given explicitly that cannot be read is an error in every
//! mode but `disable`, never silently skipped.
//!
//! tokio-postgres knows only `disable`, `prefer` and `require` and rejects
//! `sslrootcert`: [`split`] takes these out of the string before it parses
//! the rest.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio::task::JoinHandle;
use tokio_postgres::config::{Host, SslMode as PgSslMode};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Config, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::error::RunError;
use super::redact::redact;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode, ConnectError> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => return Err(ConnectError::UnknownMode(other.to_owned())),
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    fn verifies(self) -> bool {
        matches!(self, SslMode::VerifyCa | SslMode::VerifyFull)
    }
}

/// libpq's TLS parameters that it does not support (yet): refused with a
/// clear error rather than ignored.
const UNSUPPORTED: &[&str] = &[
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcertmode",
    "sslcrl",
    "sslcrldir",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "requirepeer",
    "gssencmode",
];

/// A connection string with its TLS parameters taken out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Split {
    /// The string without `sslmode`, `sslrootcert`, `sslsni`,
    /// `sslcompression` and the [`UNSUPPORTED`] ones, for tokio-postgres.
    pub(crate) rest: String,
    /// `sslmode` as written (the last one, as libpq reads it).
    pub(crate) sslmode: Option<String>,
    /// `sslrootcert` as written.
    pub(crate) sslrootcert: Option<String>,
    /// `sslsni` as written.
    pub(crate) sslsni: Option<String>,
    /// Unsupported TLS parameters given (keys only: values may be secret).
    pub(crate) unsupported: Vec<String>,
}

impl Split {
    fn take(&mut self, key: &str, value: String) -> bool {
        match key {
            "sslmode" => self.sslmode = Some(value),
            "sslrootcert" => self.sslrootcert = Some(value),
            "sslsni" => self.sslsni = Some(value),
            // Ignored by libpq since PostgreSQL 14.
            "sslcompression" => {}
            k if UNSUPPORTED.contains(&k) => {
                if !self.unsupported.iter().any(|u| u == k) {
                    self.unsupported.push(k.to_owned());
                }
            }
            _ => return false,
        }
        true
    }
}

/// Takes libpq's TLS parameters out of a connection string, URL or
/// `key=value`, reading it as tokio-postgres does. Never fails: a string
/// it cannot read is returned whole, for tokio-postgres to report.
pub(crate) fn split(conn: &str) -> Split {
    let mut out = Split::default();
    let prefix = ["postgres://", "postgresql://"]
        .into_iter()
        .find(|p| conn.starts_with(p));
    match prefix {
        Some(prefix) => split_url(conn, prefix.len(), &mut out),
        None => split_key_values(conn, &mut out),
    }
    out
}

/// A URL: the query starts at the first `?` after the user info, which
/// tokio-postgres ends at the first `@`.
fn split_url(url: &str, after_scheme: usize, out: &mut Split) {
    let rest = &url[after_scheme..];
    let authority_start = after_scheme + rest.find('@').map_or(0, |at| at + 1);
    let Some(q) = url[authority_start..]
        .find('?')
        .map(|q| authority_start + q)
    else {
        out.rest = url.to_owned();
        return;
    };
    let mut kept: Vec<&str> = Vec::new();
    let query = &url[q + 1..];
    let mut pos = 0;
    while pos < query.len() {
        let end = query[pos..].find('&').map_or(query.len(), |a| pos + a);
        let param = &query[pos..end];
        let taken = match param.split_once('=') {
            Some((key, value)) => {
                out.take(&percent_decode(key), percent_decode(value).into_owned())
            }
            None => false,
        };
        if !taken {
            kept.push(param);
        }
        pos = end + 1;
    }
    out.rest = url[..q].to_owned();
    if !kept.is_empty() {
        out.rest.push('?');
        out.rest.push_str(&kept.join("&"));
    }
}

fn percent_decode(text: &str) -> Cow<'_, str> {
    if !text.contains('%') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
            (b'%', Some(hi), Some(lo)) => {
                out.extend(u8::try_from(hi * 16 + lo).ok());
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// A `key = value ...` string: values quoted with `'` or running to the
/// next space, `\` escaping the next character, as tokio-postgres reads
/// them. Our parameters are cut out with the spaces before them.
fn split_key_values(text: &str, out: &mut Split) {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let offset = |i: usize| chars.get(i).map_or(text.len(), |&(o, _)| o);
    let skip_ws = |mut i: usize| {
        while at(i).is_some_and(char::is_whitespace) {
            i += 1;
        }
        i
    };
    let mut cut: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    loop {
        let param_start = i;
        i = skip_ws(i);
        if i >= chars.len() {
            break;
        }
        let key_start = i;
        while at(i).is_some_and(|c| !c.is_whitespace() && c != '=') {
            i += 1;
        }
        let key = &text[offset(key_start)..offset(i)];
        i = skip_ws(i);
        if key.is_empty() || at(i) != Some('=') {
            // Not something tokio-postgres reads either: leave it the error.
            out.rest = text.to_owned();
            return;
        }
        i = skip_ws(i + 1);
        let mut value = String::new();
        if at(i) == Some('\'') {
            i += 1;
            loop {
                match at(i) {
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some('\\') => {
                        value.extend(at(i + 1));
                        i += 2;
                    }
                    Some(c) => {
                        value.push(c);
                        i += 1;
                    }
                    None => {
                        out.rest = text.to_owned();
                        return;
                    }
                }
            }
        } else {
            while let Some(c) = at(i) {
                if c.is_whitespace() {
                    break;
                }
                if c == '\\' {
                    value.extend(at(i + 1));
                    i += 2;
                } else {
                    value.push(c);
                    i += 1;
                }
            }
            i = i.min(chars.len());
        }
        if out.take(key, value) {
            cut.push((offset(param_start), offset(i)));
        }
    }
    let mut rest = String::with_capacity(text.len());
    let mut done = 0;
    for (start, end) in cut {
        rest.push_str(&text[done..start]);
        done = end;
    }
    rest.push_str(&text[done..]);
    out.rest = rest.trim().to_owned();
}

/// Why a connection could not be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectError {
    /// tokio-postgres could not read the connection string.
    #[error("invalid connection string: {0}")]
    Config(String),
    #[error("unknown sslmode {0:?}: use disable, allow, prefer, require, verify-ca or verify-full")]
    UnknownMode(String),
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
    #[error("cannot read the root certificate file {} (sslrootcert): {message}", .path.display())]
    RootCertUnreadable { path: PathBuf, message: String },
    #[error("the root certificate file {} (sslrootcert) holds no PEM certificate (-----BEGIN CERTIFICATE-----)", .path.display())]
    RootCertEmpty { path: PathBuf },
    #[error("the root certificate file {} (sslrootcert) holds a certificate rustls cannot use as a trust anchor: {message}", .path.display())]
    RootCertInvalid { path: PathBuf, message: String },
    #[error("setting up TLS: {0}")]
    Tls(String),
    /// Connecting failed.
    #[error("{}{}", chain(.error), .hint.as_ref().map(|h| format!("\n  HINT: {h}")).unwrap_or_default())]
    Server {
        error: tokio_postgres::Error,
        hint: Option<String>,
    },
}

impl ConnectError {
    /// The SQLSTATE of a server's refusal.
    pub(crate) fn code(&self) -> Option<&SqlState> {
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

/// How the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Nothing,
    Chain,
    ChainAndHost,
}

/// Mode, root certificate and check of a split string.
fn resolve(
    split: &Split,
    home: Option<&Path>,
    tokio_mode: PgSslMode,
) -> Result<(SslMode, Option<PathBuf>, Check), ConnectError> {
    if !split.unsupported.is_empty() {
        return Err(ConnectError::Unsupported(split.unsupported.clone()));
    }
    let mode = match &split.sslmode {
        Some(m) => SslMode::parse(m)?,
        // A sslmode this reader missed but tokio-postgres saw: honour it,
        // never downgrade.
        None if tokio_mode == PgSslMode::Require => SslMode::Require,
        None if tokio_mode == PgSslMode::Disable => SslMode::Disable,
        None => SslMode::Prefer,
    };
    if mode == SslMode::Disable {
        return Ok((mode, None, Check::Nothing));
    }
    let root = match split.sslrootcert.as_deref() {
        Some("system") => return Err(ConnectError::SystemRoots),
        Some(path) => Some(PathBuf::from(path)),
        None => {
            let default = home.map(|h| h.join(".postgresql").join("root.crt"));
            match default {
                Some(path) if path.exists() => Some(path),
                default if mode.verifies() => {
                    return Err(ConnectError::NoRootCert {
                        mode: mode.as_str(),
                        default,
                    });
                }
                _ => None,
            }
        }
    };
    let check = match (mode, &root) {
        (SslMode::VerifyFull, _) => Check::ChainAndHost,
        (_, Some(_)) => Check::Chain,
        (_, None) => Check::Nothing,
    };
    Ok((mode, root, check))
}

fn load_roots(path: &Path) -> Result<RootCertStore, ConnectError> {
    let bytes = std::fs::read(path).map_err(|e| ConnectError::RootCertUnreadable {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&bytes) {
        let cert = cert.map_err(|e| ConnectError::RootCertInvalid {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        roots.add(cert).map_err(|e| ConnectError::RootCertInvalid {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
    }
    if roots.is_empty() {
        return Err(ConnectError::RootCertEmpty {
            path: path.to_owned(),
        });
    }
    Ok(roots)
}

/// Checks the chain against the roots (when there are any) but not the
/// host name; always checks the handshake's signatures.
#[derive(Debug)]
struct ChainOnly {
    roots: Option<Arc<RootCertStore>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(roots) = &self.roots {
            let cert = rustls::server::ParsedCertificate::try_from(end_entity)?;
            rustls::client::verify_server_cert_signed_by_trust_anchor(
                &cert,
                roots,
                intermediates,
                now,
                self.algorithms.all,
            )?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A parsed connection string, ready to connect as libpq would.
#[derive(Clone)]
pub(crate) struct Target {
    /// tokio-postgres's settings (without the TLS ones it does not know).
    pub(crate) config: Config,
    mode: SslMode,
    root: Option<PathBuf>,
    tls: Option<MakeRustlsConnect>,
}

impl Target {
    /// Reads `conn` and, unless `sslmode=disable`, the root certificate,
    /// and sets up TLS. Messages never show the password.
    pub(crate) fn parse(conn: &str) -> Result<Target, ConnectError> {
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        Self::parse_with_home(conn, home.as_deref())
    }

    fn parse_with_home(conn: &str, home: Option<&Path>) -> Result<Target, ConnectError> {
        let split = split(conn);
        if let Some(problem) = super::database::unknown_form(conn) {
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
        Ok(Target {
            config,
            mode,
            root,
            tls,
        })
    }

    /// Connects, as `sslmode` says, and drives the connection on a task of
    /// its own, which ends when the client is dropped.
    pub(crate) async fn connect(&self) -> Result<(Client, JoinHandle<()>), ConnectError> {
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

fn client_config(
    root: Option<&Path>,
    check: Check,
    sni: bool,
) -> Result<ClientConfig, ConnectError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = root.map(load_roots).transpose()?.map(Arc::new);
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ConnectError::Tls(e.to_string()))?;
    let mut config = match (check, roots) {
        (Check::ChainAndHost, Some(roots)) => builder.with_root_certificates(roots),
        // resolve() never asks for host checking without a root certificate.
        (Check::ChainAndHost, None) => {
            return Err(ConnectError::Tls(
                "verify-full needs a root certificate".to_owned(),
            ));
        }
        (check, roots) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(ChainOnly {
                roots: roots.filter(|_| check == Check::Chain),
                algorithms: provider.signature_verification_algorithms,
            })),
    }
    .with_no_client_auth();
    config.enable_sni = sni;
    Ok(config)
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
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
    let target = Target::parse(url).map_err(failed)?;
    // tokio-postgres bounds only the TCP connect by connect_timeout: a
    // server that accepts and never answers would hang the run forever.
    // The whole start-up (TLS and authentication too) is bounded here, per
    // host tried.
    let per_host = target
        .config
        .get_connect_timeout()
        .copied()
        .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
    let hosts = u32::try_from(target.config.get_hosts().len().max(1)).unwrap_or(u32::MAX);
    let bound = per_host.saturating_mul(hosts);
    match tokio::time::timeout(bound, target.connect()).await {
        Ok(connected) => Ok(connected.map_err(failed)?.0),
        Err(_) => Err(RunError::Connect {
            url: redact(url),
            message: format!(
                "{} did not finish the connection's start-up (TLS, authentication) within {} s; check the host and port (is it a PostgreSQL server?), or raise connect_timeout in the URL (without it, migrator waits {} s per host)",
                hosts_of(&target.config),
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

    fn s(conn: &str) -> Split {
        split(conn)
    }

    #[test]
    fn url_query_parameters_are_taken_out() {
        let got = s(
            "postgres://app:pw@db:5432/prod?sslmode=verify-full&application_name=x&sslrootcert=/etc/ca.crt",
        );
        assert_eq!(
            got.rest,
            "postgres://app:pw@db:5432/prod?application_name=x"
        );
        assert_eq!(got.sslmode.as_deref(), Some("verify-full"));
        assert_eq!(got.sslrootcert.as_deref(), Some("/etc/ca.crt"));

        let got = s("postgresql://db/prod?sslmode=require");
        assert_eq!(got.rest, "postgresql://db/prod");
        assert_eq!(got.sslmode.as_deref(), Some("require"));

        let got = s("postgres://db/prod");
        assert_eq!(
            got,
            Split {
                rest: "postgres://db/prod".into(),
                ..Split::default()
            }
        );
    }

    #[test]
    fn url_values_are_percent_decoded_and_the_last_wins() {
        let got = s(
            "postgres://db/x?sslrootcert=%2Ftmp%2Fmy%20ca.pem&ssl%6Dode=prefer&sslmode=verify-ca",
        );
        assert_eq!(got.sslrootcert.as_deref(), Some("/tmp/my ca.pem"));
        assert_eq!(got.sslmode.as_deref(), Some("verify-ca"));
        assert_eq!(got.rest, "postgres://db/x");
    }

    #[test]
    fn a_question_mark_in_the_password_is_not_the_query() {
        let got = s("postgres://app:p?w@db/x?sslmode=disable");
        assert_eq!(got.rest, "postgres://app:p?w@db/x");
        assert_eq!(got.sslmode.as_deref(), Some("disable"));
    }

    #[test]
    fn key_value_parameters_are_taken_out() {
        let got =
            s("host=db sslmode=verify-full  user=app sslrootcert='/etc/my ca.crt' password=x\\ y");
        assert_eq!(got.rest, "host=db  user=app password=x\\ y");
        assert_eq!(got.sslmode.as_deref(), Some("verify-full"));
        assert_eq!(got.sslrootcert.as_deref(), Some("/etc/my ca.crt"));

        let got = s("sslmode = require host=db");
        assert_eq!(got.rest, "host=db");
        assert_eq!(got.sslmode.as_deref(), Some("require"));

        let got = s("host=db sslrootcert=/a\\ b.crt sslsni=0");
        assert_eq!(got.rest, "host=db");
        assert_eq!(got.sslrootcert.as_deref(), Some("/a b.crt"));
        assert_eq!(got.sslsni.as_deref(), Some("0"));
    }

    #[test]
    fn unsupported_parameters_are_named_without_their_values() {
        let got = s("host=db sslkey=/k sslpassword=hunter22 sslcert=/c sslcompression=1");
        assert_eq!(got.rest, "host=db");
        assert_eq!(got.unsupported, ["sslkey", "sslpassword", "sslcert"]);
        let err = Target::parse_with_home("host=db sslpassword=hunter22", None).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("sslpassword not supported"), "{text}");
        assert!(!text.contains("hunter22"), "{text}");
        let got = s("postgres://db/x?sslcert=/c&sslkey=/k");
        assert_eq!(got.unsupported, ["sslcert", "sslkey"]);
        assert_eq!(got.rest, "postgres://db/x");
    }

    #[test]
    fn unknown_schemes_and_bare_paths_name_the_forms_that_exist() {
        let err = Target::parse_with_home("mysql://app:hunter22@db/app", None)
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
        let err = Target::parse_with_home("app.db", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("write `sqlite://app.db`"), "{err}");
        let err = Target::parse_with_home("/srv/app.sqlite3", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("write `sqlite:///srv/app.sqlite3`"), "{err}");
        let err = Target::parse_with_home("host=db sslmode", None)
            .unwrap_err()
            .to_string();
        assert_eq!(err.matches("invalid connection string").count(), 1, "{err}");
    }

    #[test]
    fn malformed_strings_are_left_to_tokio_postgres() {
        for bad in ["host=db sslmode", "host=db sslrootcert='/x"] {
            let got = s(bad);
            assert_eq!(got.rest, bad);
            assert!(Target::parse_with_home(bad, None).is_err(), "{bad}");
        }
        let err = Target::parse_with_home("postgres://app:s3cret@db:notaport/x", None).unwrap_err();
        assert!(
            err.to_string().starts_with("invalid connection string"),
            "{err}"
        );
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }

    fn mode_of(
        conn: &str,
        home: Option<&Path>,
    ) -> Result<(SslMode, Option<PathBuf>, Check), ConnectError> {
        let split = split(conn);
        let config: Config = split.rest.parse().unwrap();
        resolve(&split, home, config.get_ssl_mode())
    }

    #[test]
    fn modes_as_libpq_means_them() {
        let none = Some(Path::new("/nonexistent-home"));
        assert_eq!(
            mode_of("host=db", none).unwrap(),
            (SslMode::Prefer, None, Check::Nothing)
        );
        assert_eq!(
            mode_of("host=db sslmode=disable sslrootcert=/nope", none).unwrap(),
            (SslMode::Disable, None, Check::Nothing)
        );
        assert_eq!(
            mode_of("host=db sslmode=allow", none).unwrap(),
            (SslMode::Allow, None, Check::Nothing)
        );
        assert_eq!(
            mode_of("host=db sslmode=require", none).unwrap(),
            (SslMode::Require, None, Check::Nothing)
        );
        // require with a root certificate is verify-ca, as in libpq.
        assert_eq!(
            mode_of("host=db sslmode=require sslrootcert=/ca.crt", none).unwrap(),
            (SslMode::Require, Some("/ca.crt".into()), Check::Chain)
        );
        assert_eq!(
            mode_of("host=db sslmode=verify-ca sslrootcert=/ca.crt", none).unwrap(),
            (SslMode::VerifyCa, Some("/ca.crt".into()), Check::Chain)
        );
        assert_eq!(
            mode_of(
                "postgres://db/x?sslmode=verify-full&sslrootcert=/ca.crt",
                none
            )
            .unwrap(),
            (
                SslMode::VerifyFull,
                Some("/ca.crt".into()),
                Check::ChainAndHost
            )
        );
    }

    #[test]
    fn unknown_modes_and_system_roots_are_refused() {
        let err = mode_of("host=db sslmode=verify_full", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown sslmode \"verify_full\": use disable, allow, prefer, require, verify-ca or verify-full"
        );
        let err = mode_of("host=db sslmode=verify-full sslrootcert=system", None).unwrap_err();
        assert!(err.to_string().contains("sslrootcert=system"), "{err}");
        let err = Target::parse_with_home("host=db sslsni=yes", None).unwrap_err();
        assert!(err.to_string().contains("sslsni must be 0 or 1"), "{err}");
    }

    #[test]
    fn verify_without_a_root_certificate_names_the_default() {
        let home = Path::new("/nonexistent-home");
        let err = mode_of("host=db sslmode=verify-full", Some(home)).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("sslmode=verify-full"), "{text}");
        assert!(
            text.contains(
                "~/.postgresql/root.crt (/nonexistent-home/.postgresql/root.crt), does not exist"
            ),
            "{text}"
        );
        assert!(text.contains("sslrootcert=/path/to/root.crt"), "{text}");
        let err = mode_of("host=db sslmode=verify-ca", None).unwrap_err();
        assert!(err.to_string().contains("no home directory"), "{err}");
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("migrator-tls-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_default_root_certificate_is_used_when_it_exists() {
        let home = temp_dir("home");
        std::fs::create_dir_all(home.join(".postgresql")).unwrap();
        let root = home.join(".postgresql/root.crt");
        std::fs::write(&root, "x").unwrap();
        assert_eq!(
            mode_of("host=db sslmode=require", Some(&home)).unwrap(),
            (SslMode::Require, Some(root.clone()), Check::Chain)
        );
        assert_eq!(
            mode_of("host=db sslmode=verify-full", Some(&home)).unwrap(),
            (SslMode::VerifyFull, Some(root.clone()), Check::ChainAndHost)
        );
        // It is read: not a certificate, so an error that names it.
        let err = Target::parse_with_home("host=db", Some(&home)).unwrap_err();
        assert!(
            err.to_string().contains("holds no PEM certificate"),
            "{err}"
        );
        assert!(
            err.to_string().contains(&root.display().to_string()),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&home);
    }

    #[test]
    fn root_certificate_files_that_cannot_be_used() {
        let dir = temp_dir("roots");
        let missing = dir.join("missing.crt");
        let err = Target::parse_with_home(
            &format!(
                "host=db sslmode=verify-ca sslrootcert={}",
                missing.display()
            ),
            None,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read the root certificate file"),
            "{err}"
        );
        assert!(err.to_string().contains("missing.crt"), "{err}");
        // An explicit root certificate is read in require and prefer too.
        assert!(
            Target::parse_with_home(&format!("host=db sslrootcert={}", missing.display()), None)
                .is_err()
        );
        // ... but not with disable.
        assert!(
            Target::parse_with_home(
                &format!("host=db sslmode=disable sslrootcert={}", missing.display()),
                None
            )
            .is_ok()
        );
        let garbage = dir.join("garbage.crt");
        std::fs::write(
            &garbage,
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let err = Target::parse_with_home(
            &format!(
                "host=db sslmode=verify-ca sslrootcert={}",
                garbage.display()
            ),
            None,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("cannot use as a trust anchor"),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn tokio_postgres_gets_a_string_it_accepts() {
        let target = Target::parse_with_home(
            "postgres://app@db/x?sslmode=require&connect_timeout=5&sslsni=0",
            None,
        )
        .unwrap();
        assert_eq!(target.mode, SslMode::Require);
        assert_eq!(target.config.get_dbname(), Some("x"));
        assert_eq!(
            target.config.get_connect_timeout(),
            Some(&std::time::Duration::from_secs(5))
        );
        let target = Target::parse_with_home("host=db dbname=x sslmode=disable", None).unwrap();
        assert_eq!(target.mode, SslMode::Disable);
        assert!(target.tls.is_none());
    }
}
