//! The audit trail's store in process: a gateway with a tool that takes a secret argument,
//! served over loopback, writing to a real SQLite file whose bytes must never hold the secret
//! values; and the retention step, run with an injected clock.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use switchboard::functions::{DynamicTool, ToolRegistry};
use switchboard_server::audit::{Audit, AuditStore, CallQuery, CallRow, apply_retention};
use switchboard_server::config::Settings;
use switchboard_server::http::{AppState, router};
use tokio_util::sync::CancellationToken;

use crate::server::client;

const SECRET_VALUE: &str = "s3cr3t-api-key-never-stored";
const PASSWORD_VALUE: &str = "hunter2-password-never-stored";

/// The registry with `connect`, whose `api_key` is marked `x-secret`.
fn registry() -> ToolRegistry {
    let registry = ToolRegistry::new();
    let schema = json!({
        "type": "object",
        "properties": {
            "service": {"type": "string"},
            "api_key": {"type": "string", "x-secret": true},
            "options": {"type": "object"}
        },
        "required": ["service", "api_key"]
    });
    registry
        .register_dynamic(DynamicTool::new(
            "connect",
            "Connects to a service.",
            schema,
            |_| async { Ok::<_, String>(json!({"connected": true})) },
        ))
        .unwrap();
    registry
}

/// Every file SQLite keeps for `db` (the database, its WAL and shared-memory index), as bytes.
fn store_bytes(db: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        if let Ok(b) = std::fs::read(Path::new(&name)) {
            bytes.extend(b);
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn secret_and_configured_fields_never_reach_the_store_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("switchboard.db");
    let settings = Settings::parse("[audit]\nredact_fields = [\"Password\"]\n", &|_| None).unwrap();
    let state = AppState::new(&settings, registry());
    let audit = Arc::new(
        Audit::start(
            AuditStore::sqlite(&db).await.unwrap(),
            state.registry.clone(),
            &settings.audit,
            state.metrics.clone(),
        )
        .unwrap(),
    );
    let shutdown = CancellationToken::new();
    let app = router(&settings, state.with_audit(audit.clone()), shutdown.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/tools/connect", listener.local_addr().unwrap());
    let stop = shutdown.clone();
    tokio::spawn(switchboard_server::serve::serve_http(
        listener,
        app,
        async move {
            stop.cancelled().await;
        },
    ));

    let arguments = json!({
        "service": "crm",
        "api_key": SECRET_VALUE,
        "options": {"nested": [{"password": PASSWORD_VALUE}]}
    });
    let res = client().post(&url).json(&arguments).send().await.unwrap();
    assert_eq!(res.status(), 200);
    audit.flush().await;
    shutdown.cancel();

    let page = audit.store().list(&CallQuery::default()).await.unwrap();
    assert_eq!(page.data.len(), 1);
    let stored: Value = serde_json::from_str(page.data[0].arguments.as_deref().unwrap()).unwrap();
    assert_eq!(
        stored,
        json!({"service": "crm", "api_key": "[redacted]",
               "options": {"nested": [{"password": "[redacted]"}]}})
    );
    let bytes = store_bytes(&db);
    assert!(
        contains(&bytes, "[redacted]"),
        "the row is in the files read"
    );
    assert!(
        !contains(&bytes, SECRET_VALUE),
        "the x-secret value is in the store"
    );
    assert!(
        !contains(&bytes, PASSWORD_VALUE),
        "the redact_fields value is in the store"
    );
}

pub(crate) fn row_at(at: SystemTime, tool: &str) -> CallRow {
    CallRow {
        id: 0,
        at_us: i64::try_from(
            at.duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_micros(),
        )
        .unwrap(),
        token: Some("ops".to_owned()),
        user_id: None,
        email: None,
        user_name: None,
        role: None,
        chat_id: None,
        message_id: None,
        tool: tool.to_owned(),
        transport: "rest".to_owned(),
        outcome: "ok".to_owned(),
        duration_us: 10,
        arguments_sha256: None,
        arguments: None,
        result_bytes: 2,
    }
}

#[tokio::test]
async fn retention_deletes_the_rows_older_than_the_retention() {
    let dir = tempfile::tempdir().unwrap();
    let store = AuditStore::sqlite(&dir.path().join("switchboard.db"))
        .await
        .unwrap();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let day = Duration::from_secs(24 * 3600);
    store
        .insert(vec![
            row_at(now - 40 * day, "old"),
            row_at(now - 31 * day, "older_than_30_days"),
            row_at(now - 29 * day, "recent"),
            row_at(now, "now"),
        ])
        .await
        .unwrap();
    let deleted = apply_retention(&store, 30 * day, now).await.unwrap();
    assert_eq!(deleted, 2);
    let page = store.list(&CallQuery::default()).await.unwrap();
    let tools: Vec<&str> = page.data.iter().map(|r| r.tool.as_str()).collect();
    assert_eq!(tools, ["now", "recent"]);
}
