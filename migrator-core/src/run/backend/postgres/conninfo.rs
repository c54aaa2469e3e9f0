//! libpq's connection strings, a URL
//! (`postgres://db/app?sslmode=verify-full&sslrootcert=/etc/ca.crt`) or a
//! `key=value` string, and the TLS parameters they hold.
//!
//! tokio-postgres knows only `disable`, `prefer` and `require` and rejects
//! `sslrootcert`: [`split`] takes these out of the string before it parses
//! the rest.

use percent_encoding::percent_decode_str;

use std::path::{Path, PathBuf};

use tokio_postgres::config::SslMode as PgSslMode;

use super::connect::ConnectError;
use crate::run::redact::Chars;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub(super) fn parse(value: &str) -> Result<SslMode, ConnectError> {
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

    pub(super) fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    pub(super) fn verifies(self) -> bool {
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
pub(super) struct Split {
    /// The string without `sslmode`, `sslrootcert`, `sslsni`,
    /// `sslcompression` and the [`UNSUPPORTED`] ones, for tokio-postgres.
    pub(super) rest: String,
    /// `sslmode` as written (the last one, as libpq reads it).
    pub(super) sslmode: Option<String>,
    /// `sslrootcert` as written.
    pub(super) sslrootcert: Option<String>,
    /// `sslsni` as written.
    pub(super) sslsni: Option<String>,
    /// Unsupported TLS parameters given (keys only: values may be secret).
    pub(super) unsupported: Vec<String>,
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
pub(super) fn split(conn: &str) -> Split {
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

/// The password of a connection string (URL or `key=value`) as
/// tokio-postgres reads it (percent-decoded in a URL), if it has one; `None`
/// also for a string it cannot read.
#[cfg(feature = "cli")]
pub(crate) fn decoded_password(conn: &str) -> Option<String> {
    // tokio-postgres refuses libpq's TLS parameters: read the rest.
    let config = split(conn).rest.parse::<tokio_postgres::Config>().ok()?;
    config
        .get_password()
        .map(|password| String::from_utf8_lossy(password).into_owned())
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
            // Lossy: bytes that are not UTF-8 become U+FFFD (tokio-postgres
            // refuses them; a key so decoded is none of ours and is left to
            // it). A `+` stays a `+`, as in tokio-postgres.
            Some((key, value)) => out.take(
                &percent_decode_str(key).decode_utf8_lossy(),
                percent_decode_str(value).decode_utf8_lossy().into_owned(),
            ),
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

/// A `key = value ...` string: values quoted with `'` or running to the
/// next space, `\` escaping the next character, as tokio-postgres reads
/// them. Our parameters are cut out with the spaces before them.
fn split_key_values(text: &str, out: &mut Split) {
    let chars = Chars::new(text);
    let at = |i: usize| chars.at(i);
    let offset = |i: usize| chars.offset(i);
    let skip_ws = |i: usize| chars.skip_ws(i);
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

/// How the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Check {
    Nothing,
    Chain,
    ChainAndHost,
}

/// Mode, root certificate and check of a split string.
pub(super) fn resolve(
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

#[cfg(test)]
mod tests {
    use super::super::connect::Endpoint;
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
    fn url_values_keep_plus_signs_and_stray_percent_signs() {
        let got = s("postgres://db/x?sslrootcert=/a+b%zz%4&sslsni=%FF%31");
        assert_eq!(got.sslrootcert.as_deref(), Some("/a+b%zz%4"));
        // Bytes that are not UTF-8 are replaced, not refused.
        assert_eq!(got.sslsni.as_deref(), Some("\u{FFFD}1"));
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
        let err = Endpoint::parse_with_home("host=db sslpassword=hunter22", None).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("sslpassword not supported"), "{text}");
        assert!(!text.contains("hunter22"), "{text}");
        let got = s("postgres://db/x?sslcert=/c&sslkey=/k");
        assert_eq!(got.unsupported, ["sslcert", "sslkey"]);
        assert_eq!(got.rest, "postgres://db/x");
    }

    #[test]
    fn malformed_strings_are_left_to_tokio_postgres() {
        for bad in ["host=db sslmode", "host=db sslrootcert='/x"] {
            let got = s(bad);
            assert_eq!(got.rest, bad);
            assert!(Endpoint::parse_with_home(bad, None).is_err(), "{bad}");
        }
        let err =
            Endpoint::parse_with_home("postgres://app:s3cret@db:notaport/x", None).unwrap_err();
        assert!(
            err.to_string().starts_with("invalid connection string"),
            "{err}"
        );
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }
}
