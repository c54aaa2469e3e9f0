//! Which database the CLI talks to, creating the default one when it is
//! missing, and the secrets its output must never show.

use tokio_postgres::config::Host;

use crate::ident::quote_ident;
use crate::run::tls::{ConnectError, Target, split};
use crate::run::{is_sqlite_url, redact};

/// SQLSTATE `invalid_catalog_name`: the database does not exist.
const NO_DATABASE: &str = "3D000";
/// SQLSTATE `duplicate_database`.
const DUPLICATE_DATABASE: &str = "42P04";

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
    // tokio-postgres refuses libpq's TLS parameters: read the rest.
    if let Ok(config) = split(url).rest.parse::<tokio_postgres::Config>()
        && let Some(password) = config.get_password()
    {
        out.push(String::from_utf8_lossy(password).into_owned());
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

/// The command that creates the database of `config`.
fn createdb_command(config: &tokio_postgres::Config, name: &str) -> String {
    let mut cmd = String::from("createdb");
    if let Some(Host::Tcp(host)) = config.get_hosts().first() {
        cmd.push_str(&format!(" -h {host}"));
    }
    if let Some(port) = config.get_ports().first() {
        cmd.push_str(&format!(" -p {port}"));
    }
    if let Some(user) = config.get_user() {
        cmd.push_str(&format!(" -U {user}"));
    }
    format!("{cmd} {name}")
}

/// Makes sure the database of `url` exists. When it does not and `create`
/// is set, creates it from the server's `postgres` database and says so;
/// otherwise the error says which command creates it. Other connection
/// failures are left to the runner, which reports them.
pub async fn ensure(url: &str, create: bool) -> Result<(), String> {
    let Ok(target) = Target::parse(url) else {
        return Ok(());
    };
    let error = match target.connect().await {
        Ok((client, task)) => {
            drop(client);
            let _ = task.await;
            return Ok(());
        }
        Err(e) => e,
    };
    if error.code().map(|c| c.code()) != Some(NO_DATABASE) {
        return Ok(());
    }
    let config = &target.config;
    let name = config.get_dbname().unwrap_or("postgres").to_owned();
    let how = createdb_command(config, &name);
    if !create {
        return Err(format!(
            "database {name:?} does not exist on {}; create it with `{how}`",
            redact(url)
        ));
    }
    let mut admin = target.clone();
    admin.config.dbname("postgres");
    let created = async {
        let (client, task) = admin.connect().await?;
        let result = client
            .batch_execute(&format!("CREATE DATABASE {}", quote_ident(&name)))
            .await;
        drop(client);
        let _ = task.await;
        result.map_err(ConnectError::from)
    }
    .await;
    match created {
        Ok(()) => {
            tracing::info!("Created database {name:?} ({})", redact(url));
            Ok(())
        }
        Err(e) if e.code().map(|c| c.code()) == Some(DUPLICATE_DATABASE) => Ok(()),
        Err(e) => Err(format!(
            "database {name:?} does not exist on {} and could not be created ({}); create it with `{how}`",
            redact(url),
            redact(&e.to_string())
        )),
    }
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

    #[test]
    fn createdb_commands() {
        let config: tokio_postgres::Config =
            "postgres://postgres@127.0.0.1:5433/app".parse().unwrap();
        assert_eq!(
            createdb_command(&config, "app"),
            "createdb -h 127.0.0.1 -p 5433 -U postgres app"
        );
    }
}
