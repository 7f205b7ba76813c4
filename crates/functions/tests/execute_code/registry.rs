//! `execute_code` registered in a `ToolRegistry` and called the way a model calls it.

use serde_json::json;
use switchboard_functions::builtin::execute_code::ExecuteCode;
use switchboard_functions::{ToolCall, ToolRegistry};

use crate::support::sandbox;

#[tokio::test]
async fn a_model_call_runs_in_the_sandbox() {
    let registry = ToolRegistry::new();
    registry
        .register(ExecuteCode::new(sandbox().await.clone()))
        .unwrap();
    let result = registry
        .call(ToolCall::new(
            "execute_code",
            json!({"language": "shell", "code": "echo $((6 * 7))"}),
        ))
        .await;
    assert!(!result.is_error(), "{}", result.content());
    let out = result.outcome().unwrap();
    assert_eq!(out["stdout"], "42\n");
    assert_eq!(out["exit_code"], 0);

    let bad = registry
        .call(ToolCall::new(
            "execute_code",
            json!({"language": "cobol", "code": "DISPLAY 'HI'."}),
        ))
        .await;
    assert!(
        bad.is_error(),
        "an unknown language is refused by the schema"
    );
}
