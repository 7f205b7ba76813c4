//! The public API: argument validation, configuration errors, the schema, and credentials never leaking.

use std::time::Duration;

use switchboard_functions::builtin::query_database::{
    ConfigError, DatabaseConfig, Databases, Engine, Limits, QueryArgs, QueryError,
};

use crate::common::{args, env_url};

const PASSWORD: &str = "hunter2-Secret";

#[test]
fn args_schema_is_stable() {
    let schema = schemars::schema_for!(QueryArgs);
    insta::assert_snapshot!(
        "query_args_schema",
        serde_json::to_string_pretty(&schema).unwrap()
    );
}

#[test]
fn output_schema_is_stable() {
    let schema = schemars::schema_for!(switchboard_functions::builtin::query_database::QueryOutput);
    insta::assert_snapshot!(
        "query_output_schema",
        serde_json::to_string_pretty(&schema).unwrap()
    );
}

#[test]
fn config_rejects_bad_names_urls_and_limits() {
    let bad_names = ["", "has space", "semi;colon", &"x".repeat(65)];
    for name in bad_names {
        assert!(
            matches!(
                DatabaseConfig::sqlite(name, "/x.db"),
                Err(ConfigError::InvalidName { .. })
            ),
            "{name:?}"
        );
    }
    for url in [
        "http://example.com/db",
        "sqlite:",
        "sqlite::memory:",
        "sqlite:/x.db?mode=rw",
        "file:/etc/passwd",
    ] {
        assert!(
            matches!(
                DatabaseConfig::from_url("a", url),
                Err(ConfigError::InvalidUrl { .. })
            ),
            "{url}"
        );
    }
    let a = DatabaseConfig::sqlite("a", "/x.db").unwrap();
    assert!(matches!(
        Databases::new(vec![a.clone(), a.clone()]),
        Err(ConfigError::DuplicateName { .. })
    ));
    let zero = a.with_limits(Limits {
        max_rows: 0,
        ..Limits::default()
    });
    assert!(matches!(
        Databases::new(vec![zero]),
        Err(ConfigError::InvalidLimit {
            field: "max_rows",
            ..
        })
    ));
    assert_eq!(
        DatabaseConfig::from_url("m", "mariadb://u@h/db")
            .unwrap()
            .engine(),
        Engine::Mysql
    );
    assert_eq!(
        DatabaseConfig::from_url("s", "sqlite:///tmp/x.db")
            .unwrap()
            .sqlite_path()
            .and_then(|p| p.to_str()),
        Some("/tmp/x.db")
    );
}

#[test]
fn config_deserializes_from_operator_files() {
    let config: DatabaseConfig = serde_json::from_value(serde_json::json!({
        "name": "reports",
        "url": format!("postgres://reader:{PASSWORD}@db.internal/reports"),
        "description": "monthly sales",
        "max_rows": 50,
        "timeout_ms": 2500
    }))
    .unwrap();
    assert_eq!(config.limits().max_rows, 50);
    assert_eq!(config.limits().timeout, Duration::from_millis(2500));
    assert!(!format!("{config:?}").contains(PASSWORD));

    for url in [
        format!("postgres://u:{PASSWORD}@h:notaport/db"),
        format!("mysql://u:{PASSWORD}@h:notaport/db"),
        format!("postgres://u@h/db?password={PASSWORD}&sslmode=bogus"),
    ] {
        let err = DatabaseConfig::from_url("x", &url).unwrap_err();
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(PASSWORD), "{text}");
        }
    }

    let err = serde_json::from_value::<DatabaseConfig>(serde_json::json!({
        "name": "x", "url": format!("ftp://u:{PASSWORD}@h/"),
    }))
    .unwrap_err();
    assert!(!err.to_string().contains(PASSWORD), "{err}");
}

#[tokio::test]
async fn invalid_arguments_are_reported_with_pointers() {
    let dbs = Databases::new(vec![
        DatabaseConfig::sqlite("a", "/nonexistent.db").unwrap(),
        DatabaseConfig::sqlite("b", "/nonexistent.db").unwrap(),
    ])
    .unwrap();
    let err = dbs.query(args("c", "SELECT 1")).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown database `c`; configured databases: a, b"
    );
    let err = dbs.query(args("a", "  ")).await.unwrap_err();
    assert!(
        matches!(
            err,
            QueryError::InvalidArgument {
                pointer: "/query",
                ..
            }
        ),
        "{err}"
    );
    let err = dbs
        .query(QueryArgs {
            max_rows: Some(0),
            ..args("a", "SELECT 1")
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            QueryError::InvalidArgument {
                pointer: "/max_rows",
                ..
            }
        ),
        "{err}"
    );
    let err = dbs
        .query(args("a", &"x".repeat(200_000)))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            QueryError::InvalidArgument {
                pointer: "/query",
                ..
            }
        ),
        "{err}"
    );
    // Unknown fields in the model's arguments are rejected, not dropped.
    assert!(
        serde_json::from_str::<QueryArgs>(r#"{"database":"a","query":"x","url":"y"}"#).is_err()
    );
    insta::assert_snapshot!("tool_description", dbs.tool_description());
}

/// Unreachable servers: the error names the database, never the password.
#[tokio::test]
async fn credentials_never_leak_from_connection_errors() {
    let dbs = Databases::new(vec![
        DatabaseConfig::from_url("pg", &format!("postgres://app:{PASSWORD}@127.0.0.1:1/db"))
            .unwrap()
            .with_limits(Limits {
                timeout: Duration::from_millis(500),
                ..Limits::default()
            }),
        DatabaseConfig::from_url("my", &format!("mysql://app:{PASSWORD}@127.0.0.1:1/db"))
            .unwrap()
            .with_limits(Limits {
                timeout: Duration::from_millis(500),
                ..Limits::default()
            }),
    ])
    .unwrap();
    let shown = format!("{dbs:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(shown.contains("app:***@127.0.0.1"), "{shown}");
    for name in ["pg", "my"] {
        let err = dbs.query(args(name, "SELECT 1")).await.unwrap_err();
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(PASSWORD), "{text}");
        }
        assert!(
            matches!(
                err,
                QueryError::Unavailable { .. } | QueryError::Timeout { .. }
            ),
            "{err:?}"
        );
    }
}

/// Real servers rejecting the credentials: still no password in the error.
#[tokio::test]
async fn credentials_never_leak_from_auth_errors() {
    for (var, scheme) in [
        ("SWITCHBOARD_TEST_POSTGRES_URL", "postgres"),
        ("SWITCHBOARD_TEST_MYSQL_URL", "mysql"),
    ] {
        let Some(url) = env_url(var, "credentials_never_leak_from_auth_errors") else {
            continue;
        };
        let parsed = url::Url::parse(&url).unwrap();
        let host = parsed.host_str().unwrap();
        let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
        let bad = format!(
            "{scheme}://no_such_user_qdb:{PASSWORD}@{host}{port}{}",
            parsed.path()
        );
        let dbs = Databases::new(vec![DatabaseConfig::from_url("x", &bad).unwrap()]).unwrap();
        let err = dbs.query(args("x", "SELECT 1")).await.unwrap_err();
        for text in [err.to_string(), format!("{err:?}"), format!("{dbs:?}")] {
            assert!(!text.contains(PASSWORD), "{text}");
        }
    }
}
