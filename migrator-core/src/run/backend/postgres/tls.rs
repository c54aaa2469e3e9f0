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
//! The parameters come out of the connection string by
//! [`split`](super::conninfo::split).

use std::path::Path;
use std::sync::Arc;

use super::connect::ConnectError;
use super::conninfo::Check;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

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

pub(super) fn client_config(
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use tokio_postgres::Config;

    use super::super::connect::Endpoint;
    use super::super::conninfo::{SslMode, resolve, split};
    use super::*;

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
        let err = Endpoint::parse_with_home("host=db sslsni=yes", None).unwrap_err();
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
        let err = Endpoint::parse_with_home("host=db", Some(&home)).unwrap_err();
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
        let err = Endpoint::parse_with_home(
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
            Endpoint::parse_with_home(&format!("host=db sslrootcert={}", missing.display()), None)
                .is_err()
        );
        // ... but not with disable.
        assert!(
            Endpoint::parse_with_home(
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
        let err = Endpoint::parse_with_home(
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
}
