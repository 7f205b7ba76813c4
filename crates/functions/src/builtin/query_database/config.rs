//! Operator configuration of one database: its name, engine and location, and the limits of every query.

use std::path::{Path, PathBuf};
use std::time::Duration;
use std::{fmt, str::FromStr};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::redact::{SecretUrl, redact_url};

/// Longest database name accepted.
const MAX_NAME_LEN: usize = 64;

/// Errors in the operator's database configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The name is empty, too long or uses characters other than ASCII letters, digits, `_` and `-`.
    #[error("invalid database name `{name}`: {reason}")]
    InvalidName {
        /// The rejected name (cut to 80 characters).
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two databases have the same name.
    #[error("database name `{name}` is configured twice")]
    DuplicateName {
        /// The repeated name.
        name: String,
    },
    /// The URL could not be used; the URL in this error has its credentials redacted.
    #[error("database `{name}`: invalid URL {url}: {reason}")]
    InvalidUrl {
        /// The database name.
        name: String,
        /// The URL with its password redacted.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A limit is zero or out of range.
    #[error("database `{name}`: invalid limit {field}: {reason}")]
    InvalidLimit {
        /// The database name.
        name: String,
        /// The limit (`max_rows`, `max_bytes`, `timeout`, `max_connections`).
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// The database engine, chosen by the operator's URL scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Engine {
    /// A SQLite file, opened read-only.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    Mysql,
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
        })
    }
}

/// Limits applied to every query on one database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most rows returned (the model may ask for fewer). Default 1000.
    pub max_rows: u32,
    /// Most bytes of rows returned, measured as JSON. Default 1 MiB.
    pub max_bytes: u64,
    /// Longest a query may run, including waiting for a connection or a lock. Default 5 s.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_rows: 1000,
            max_bytes: 1024 * 1024,
            timeout: Duration::from_secs(5),
        }
    }
}

/// Where a database lives. Credentials stay inside [`SecretUrl`].
#[derive(Debug, Clone)]
pub(super) enum Location {
    Sqlite(PathBuf),
    Postgres(SecretUrl),
    Mysql(SecretUrl),
}

/// One configured database. Built by the operator; the model only ever sees its name.
///
/// `Debug` shows the URL with the password replaced by `***`.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    name: String,
    description: Option<String>,
    location: Location,
    limits: Limits,
    max_connections: u32,
    allow_privileged_role: bool,
}

impl DatabaseConfig {
    /// A SQLite file at `path`. The file must exist; it is always opened read-only.
    pub fn sqlite(name: &str, path: impl Into<PathBuf>) -> Result<Self, ConfigError> {
        let path = path.into();
        validate_name(name)?;
        if path.as_os_str().is_empty() {
            return Err(ConfigError::InvalidUrl {
                name: name.to_owned(),
                url: String::new(),
                reason: "the SQLite path is empty".to_owned(),
            });
        }
        Ok(Self::with_location(name, Location::Sqlite(path)))
    }

    /// A database from a URL: `postgres://` or `postgresql://`, `mysql://` or `mariadb://`, or
    /// `sqlite:PATH` / `sqlite://PATH` (no query parameters: the file is always opened read-only).
    pub fn from_url(name: &str, url: &str) -> Result<Self, ConfigError> {
        validate_name(name)?;
        let invalid = |reason: String| ConfigError::InvalidUrl {
            name: name.to_owned(),
            url: redact_url(url),
            reason,
        };
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        let location = match scheme.as_deref() {
            Some("sqlite") => {
                let path = url["sqlite:".len()..].trim_start_matches("//");
                if path.is_empty() || path == ":memory:" {
                    return Err(invalid("a SQLite URL needs a file path".to_owned()));
                }
                if path.contains('?') {
                    return Err(invalid(
                        "query parameters are not supported in SQLite URLs; the file is always opened read-only"
                            .to_owned(),
                    ));
                }
                Location::Sqlite(PathBuf::from(path))
            }
            Some("postgres" | "postgresql") => {
                sqlx::postgres::PgConnectOptions::from_str(url)
                    .map_err(|e| invalid(SecretUrl::new(url).secrets().scrub(&e.to_string())))?;
                Location::Postgres(SecretUrl::new(url))
            }
            Some("mysql" | "mariadb") => {
                let normalized = normalize_mysql_scheme(url);
                sqlx::mysql::MySqlConnectOptions::from_str(&normalized)
                    .map_err(|e| invalid(SecretUrl::new(url).secrets().scrub(&e.to_string())))?;
                Location::Mysql(SecretUrl::new(&normalized))
            }
            _ => {
                return Err(invalid(
                    "unsupported scheme; use postgres://, mysql://, mariadb:// or sqlite:"
                        .to_owned(),
                ));
            }
        };
        Ok(Self::with_location(name, location))
    }

    fn with_location(name: &str, location: Location) -> Self {
        Self {
            name: name.to_owned(),
            description: None,
            location,
            limits: Limits::default(),
            max_connections: 4,
            allow_privileged_role: false,
        }
    }

    /// Sets the limits of every query on this database (checked by [`Databases::new`](super::Databases::new)).
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets a description shown to the model next to the name (what the data is about).
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the size of the connection pool (Postgres and MySQL; default 4).
    #[must_use]
    pub fn with_max_connections(mut self, max_connections: u32) -> Self {
        self.max_connections = max_connections;
        self
    }

    /// Allows a Postgres/MySQL role that can read or write server files or run programs (a Postgres
    /// superuser or member of `pg_read_server_files`, `pg_write_server_files`,
    /// `pg_execute_server_program`; a MySQL user with `FILE` or `SUPER`).
    ///
    /// By default such a role is refused at the first query, because then only the parser pre-check
    /// stands between the model and `COPY … TO PROGRAM` or `pg_read_file`. Use a SELECT-only role instead.
    #[must_use]
    pub fn with_privileged_role_allowed(mut self, allowed: bool) -> Self {
        self.allow_privileged_role = allowed;
        self
    }

    /// The name the model uses.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The description shown to the model, if any.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The engine.
    pub fn engine(&self) -> Engine {
        match self.location {
            Location::Sqlite(_) => Engine::Sqlite,
            Location::Postgres(_) => Engine::Postgres,
            Location::Mysql(_) => Engine::Mysql,
        }
    }

    /// The limits of every query.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The SQLite path, for SQLite databases.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.location {
            Location::Sqlite(path) => Some(path),
            _ => None,
        }
    }

    pub(super) fn location(&self) -> &Location {
        &self.location
    }

    pub(super) fn max_connections(&self) -> u32 {
        self.max_connections
    }

    pub(super) fn allow_privileged_role(&self) -> bool {
        self.allow_privileged_role
    }

    pub(super) fn validate_limits(&self) -> Result<(), ConfigError> {
        let invalid = |field, reason| ConfigError::InvalidLimit {
            name: self.name.clone(),
            field,
            reason,
        };
        if self.limits.max_rows == 0 {
            return Err(invalid("max_rows", "must be at least 1"));
        }
        if self.limits.max_bytes < 64 {
            return Err(invalid("max_bytes", "must be at least 64"));
        }
        if self.limits.timeout < Duration::from_millis(1) {
            return Err(invalid("timeout", "must be at least 1 ms"));
        }
        if self.limits.timeout > Duration::from_secs(3600) {
            return Err(invalid("timeout", "must be at most one hour"));
        }
        if self.max_connections == 0 {
            return Err(invalid("max_connections", "must be at least 1"));
        }
        Ok(())
    }
}

/// The serde form of a [`DatabaseConfig`], for operator config files.
///
/// Its doc comments are the documentation of the keys (the gateway's generated config reference).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawDatabaseConfig {
    /// The name the model uses to pick this database (`[A-Za-z0-9_-]`, at most 64 characters).
    name: String,
    /// `postgres://`, `postgresql://`, `mysql://`, `mariadb://` or `sqlite:PATH` (SQLite is always
    /// opened read-only); put the password in an environment variable.
    url: String,
    /// What the database holds, shown to the model with its name.
    #[serde(default)]
    description: Option<String>,
    /// Most rows one query returns (default 1000).
    #[serde(default)]
    max_rows: Option<u32>,
    /// Most bytes of rows one query returns, as JSON (default 1 MiB).
    #[serde(default)]
    max_bytes: Option<u64>,
    /// Statement timeout in milliseconds (default 5000).
    #[serde(default)]
    timeout_ms: Option<u64>,
    /// Connection pool size for Postgres and MySQL (default 4).
    #[serde(default)]
    max_connections: Option<u32>,
    /// Accept a privileged role (Postgres superuser, MySQL `FILE`/`SUPER`); refused by default.
    #[serde(default)]
    allow_privileged_role: bool,
}

/// The schema of the config-file form (`{ name, url, description?, … }`).
impl JsonSchema for DatabaseConfig {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DatabaseConfig".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        RawDatabaseConfig::json_schema(generator)
    }
}

impl fmt::Debug for RawDatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawDatabaseConfig")
            .field("name", &self.name)
            .field("url", &redact_url(&self.url))
            .finish_non_exhaustive()
    }
}

impl TryFrom<RawDatabaseConfig> for DatabaseConfig {
    type Error = ConfigError;

    fn try_from(raw: RawDatabaseConfig) -> Result<Self, ConfigError> {
        let defaults = Limits::default();
        let mut config = DatabaseConfig::from_url(&raw.name, &raw.url)?.with_limits(Limits {
            max_rows: raw.max_rows.unwrap_or(defaults.max_rows),
            max_bytes: raw.max_bytes.unwrap_or(defaults.max_bytes),
            timeout: raw
                .timeout_ms
                .map_or(defaults.timeout, Duration::from_millis),
        });
        if let Some(description) = raw.description {
            config = config.with_description(description);
        }
        if let Some(n) = raw.max_connections {
            config = config.with_max_connections(n);
        }
        config = config.with_privileged_role_allowed(raw.allow_privileged_role);
        config.validate_limits()?;
        Ok(config)
    }
}

impl<'de> Deserialize<'de> for DatabaseConfig {
    /// Reads `{ name, url, description?, max_rows?, max_bytes?, timeout_ms?, max_connections?, allow_privileged_role? }`.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawDatabaseConfig::deserialize(deserializer)?;
        DatabaseConfig::try_from(raw).map_err(serde::de::Error::custom)
    }
}

fn normalize_mysql_scheme(url: &str) -> String {
    match url.split_once(':') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("mariadb") => format!("mysql:{rest}"),
        _ => url.to_owned(),
    }
}

pub(super) fn validate_name(name: &str) -> Result<(), ConfigError> {
    let invalid = |reason| ConfigError::InvalidName {
        name: name.chars().take(80).collect(),
        reason,
    };
    if name.is_empty() {
        return Err(invalid("the name is empty"));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(invalid("the name is longer than 64 bytes"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(invalid(
            "only ASCII letters, digits, `_` and `-` are allowed",
        ));
    }
    Ok(())
}
