//! Which database the CLI talks to when none is given, and the secrets its
//! output must never show. (Creating a missing database is the backend's:
//! `run::ensure_database`.)

use crate::run::{decoded_password, is_sqlite_url, redact};

/// The URL of the database `name` on the local PostgreSQL server.
pub fn local_postgres_url(name: &str) -> String {
    format!("postgres://postgres@127.0.0.1:5432/{name}")
}

/// The PostgreSQL database the CLI suggests in place of the default
/// `default` (an SQLite file: the local server's database of the same name).
pub fn suggested_postgres(default: &str) -> Option<String> {
    if !is_sqlite_url(default) {
        return None;
    }
    let path = std::path::Path::new(default.get(7..)?.trim_start_matches('/'));
    let stem = path.file_stem()?.to_str()?;
    (!stem.is_empty() && stem != ":memory:").then(|| local_postgres_url(stem))
}

/// Says, in one line, which database the CLI uses when none was given, and
/// how to point it at PostgreSQL instead.
pub fn note_default(default: &str) {
    match suggested_postgres(default) {
        Some(postgres) => {
            let file = default
                .get(7..)
                .unwrap_or_default()
                .trim_start_matches("//");
            tracing::info!(
                "Using the SQLite database {file} (no --database-url or DATABASE_URL given); for PostgreSQL, set DATABASE_URL={postgres}"
            );
        }
        None => tracing::info!(
            "Using {} (no --database-url or DATABASE_URL given)",
            redact(default)
        ),
    }
}

/// The strings no output may contain: the password as written in `url`
/// and as decoded. Short ones are left out (masking them would garble
/// every message); `redact` covers those where a URL is shown.
pub fn secrets(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(password) = decoded_password(url) {
        out.push(password);
    }
    if let Some(rest) = url.split_once("://").map(|(_, r)| r) {
        let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
        if let Some((userinfo, _)) = authority.rsplit_once('@')
            && let Some((_, password)) = userinfo.split_once(':')
        {
            out.push(password.to_owned());
        }
    }
    out.retain(|s| s.len() >= 4);
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_of_urls() {
        assert_eq!(
            secrets("postgres://app:s3cr%40t@db/prod"),
            ["s3cr%40t", "s3cr@t"]
        );
        assert_eq!(secrets("host=db user=app password=hunter22"), ["hunter22"]);
        // libpq's TLS parameters, which tokio-postgres refuses, do not hide it.
        assert_eq!(
            secrets("host=db password=hunter22 sslmode=verify-full sslrootcert=/ca.crt"),
            ["hunter22"]
        );
        assert!(secrets("postgres://postgres@127.0.0.1:5432/app").is_empty());
    }
}
