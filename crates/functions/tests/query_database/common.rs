//! Shared helpers: unique names, env-gated URLs, and the attack-case runner.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use switchboard_functions::builtin::query_database::{
    DatabaseConfig, Databases, Limits, QueryArgs, QueryError, QueryOutput, TruncatedReason,
};

/// A name unique to this test process and call, e.g. `qdb_1234_7`.
pub(crate) fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "qdb_{prefix}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The URL in `var`, or `None` after printing that the test is skipped.
pub(crate) fn env_url(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("skipped {test}: {var} is not set");
            None
        }
    }
}

/// Short limits so that the whole run stays fast.
pub(crate) fn test_limits() -> Limits {
    Limits {
        max_rows: 1000,
        max_bytes: 256 * 1024,
        timeout: Duration::from_millis(1000),
    }
}

pub(crate) fn databases(config: DatabaseConfig) -> Databases {
    Databases::new(vec![config.with_limits(test_limits())]).unwrap()
}

pub(crate) fn args(database: &str, query: &str) -> QueryArgs {
    QueryArgs {
        database: database.to_owned(),
        query: query.to_owned(),
        max_rows: None,
    }
}

/// What an attack must end in.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Expect {
    /// Refused by a guard.
    Refused,
    /// Stopped by the timeout.
    Timeout,
    /// Returned but cut by the row cap.
    TruncatedRows,
    /// Returned but cut by the byte cap.
    TruncatedBytes,
}

/// One hostile query.
#[derive(Debug)]
pub(crate) struct Attack {
    pub(crate) name: &'static str,
    pub(crate) sql: String,
    pub(crate) expect: Expect,
}

pub(crate) fn attack(name: &'static str, sql: impl Into<String>, expect: Expect) -> Attack {
    Attack {
        name,
        sql: sql.into(),
        expect,
    }
}

/// Checks one attack's outcome; returns a description of the failure, if any.
pub(crate) fn judge(attack: &Attack, res: &Result<QueryOutput, QueryError>) -> Option<String> {
    let ok = match (attack.expect, res) {
        (Expect::Refused, Err(e)) => e.is_refused(),
        (Expect::Timeout, Err(e)) => e.is_timeout(),
        (Expect::TruncatedRows, Ok(out)) => {
            out.truncated && matches!(out.truncated_reason, Some(TruncatedReason::MaxRows { .. }))
        }
        (Expect::TruncatedBytes, Ok(out)) => {
            out.truncated
                && matches!(out.truncated_reason, Some(TruncatedReason::MaxBytes { .. }))
                && serde_json::to_string(&out.rows).unwrap().len() as u64 <= test_limits().max_bytes
        }
        _ => false,
    };
    if ok {
        None
    } else {
        let got = match res {
            Ok(out) => format!(
                "Ok(rows: {}, truncated: {:?})",
                out.row_count, out.truncated_reason
            ),
            Err(e) => format!("Err({e})"),
        };
        Some(format!(
            "attack `{}` ({}) expected {:?}, got {got}",
            attack.name, attack.sql, attack.expect
        ))
    }
}
