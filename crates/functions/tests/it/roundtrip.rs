//! Per provider: a recorded response → calls → results → the provider's result message.

use insta::assert_json_snapshot;
use serde_json::{Value, json};
use switchboard_functions::providers::{
    anthropic, gemini, mcp, ollama, openai_chat, openai_responses,
};
use switchboard_functions::{Arguments, ResultFormatError, ToolCall, ToolResult};

use crate::fixtures::registry;

fn view(calls: &[ToolCall]) -> Value {
    Value::Array(
        calls
            .iter()
            .map(|c| {
                let args = match c.arguments() {
                    Arguments::Text(t) => json!({ "text": t }),
                    Arguments::Value(v) => json!({ "value": v }),
                    Arguments::Malformed { message } => json!({ "malformed": message }),
                    other => json!({ "other": format!("{other:?}") }),
                };
                json!({"id": c.id(), "name": c.name(), "arguments": args})
            })
            .collect(),
    )
}

#[tokio::test]
async fn openai_chat_round_trip() {
    let body = include_str!("../fixtures/openai_chat_response.json");
    let calls = openai_chat::parse_response_str(body).unwrap();
    assert_eq!(calls.len(), 6, "every call is kept");
    assert_json_snapshot!("openai_chat_calls", view(&calls));
    let results = registry().call_many(calls).await;
    assert_json_snapshot!(
        "openai_chat_messages",
        openai_chat::tool_messages(&results).unwrap()
    );
}

#[tokio::test]
async fn openai_chat_value_parser_sees_the_same_calls() {
    let body: Value =
        serde_json::from_str(include_str!("../fixtures/openai_chat_response.json")).unwrap();
    let calls = openai_chat::parse_response(&body).unwrap();
    assert_eq!(calls.len(), 6);
    // Argument text is kept verbatim, so the registry still catches the duplicate key.
    let r = registry().call(calls[3].clone()).await;
    assert!(
        r.content().contains("duplicate key at /city"),
        "{}",
        r.content()
    );
}

#[test]
fn openai_chat_rejects_several_choices_and_bad_shapes() {
    let two = json!({"choices": [{"message": {}}, {"message": {}}]});
    assert!(
        openai_chat::parse_response(&two)
            .unwrap_err()
            .to_string()
            .contains("2 choices")
    );
    assert!(openai_chat::parse_response(&json!([1])).is_err());
    assert!(openai_chat::parse_response_str("{not json").is_err());
    let no_calls = json!({"choices": [{"message": {"role": "assistant", "content": "hi"}}]});
    assert!(openai_chat::parse_response(&no_calls).unwrap().is_empty());
    let weird = json!({"role": "assistant", "tool_calls": [{"id": "c", "type": "function",
        "function": {"name": "get_weather", "arguments": 7}}]});
    let calls = openai_chat::parse_message(&weird).unwrap();
    assert!(matches!(calls[0].arguments(), Arguments::Malformed { .. }));
}

#[test]
fn result_without_call_id_is_reported() {
    let r = ToolResult::new(None, "get_weather", Ok(json!(1)));
    assert_eq!(
        openai_chat::tool_messages(&[r]).unwrap_err(),
        ResultFormatError::MissingCallId {
            tool: "get_weather".into(),
            provider: "OpenAI Chat Completions"
        }
    );
}

#[tokio::test]
async fn openai_responses_round_trip() {
    let body = include_str!("../fixtures/openai_responses_response.json");
    let calls = openai_responses::parse_response_str(body).unwrap();
    assert_json_snapshot!("responses_calls", view(&calls));
    let reg = registry();
    let results = reg.call_many(calls).await;
    assert_json_snapshot!(
        "responses_items",
        openai_responses::function_call_outputs(&results).unwrap()
    );
    // The secret never reaches history.
    assert!(!format!("{:?}", reg.history()).contains("s3cret-pass"));
}

#[tokio::test]
async fn anthropic_round_trip() {
    let body = include_str!("../fixtures/anthropic_response.json");
    let calls = anthropic::parse_response_str(body).unwrap();
    assert_json_snapshot!("anthropic_calls", view(&calls));
    let results = registry().call_many(calls).await;
    assert_json_snapshot!(
        "anthropic_message",
        anthropic::tool_result_message(&results).unwrap()
    );
}

#[tokio::test]
async fn gemini_round_trip() {
    let body = include_str!("../fixtures/gemini_response.json");
    let calls = gemini::parse_response_str(body).unwrap();
    assert_json_snapshot!("gemini_calls", view(&calls));
    let results = registry().call_many(calls).await;
    assert_json_snapshot!(
        "gemini_content",
        gemini::function_response_content(&results)
    );
}

#[tokio::test]
async fn ollama_round_trip() {
    let body = include_str!("../fixtures/ollama_response.json");
    let calls = ollama::parse_response_str(body).unwrap();
    assert_json_snapshot!("ollama_calls", view(&calls));
    let results = registry().call_many(calls).await;
    assert_json_snapshot!("ollama_messages", ollama::tool_messages(&results));
}

#[tokio::test]
async fn mcp_round_trip() {
    let requests: Vec<Value> =
        serde_json::from_str(include_str!("../fixtures/mcp_requests.json")).unwrap();
    let reg = registry();
    let mut responses = Vec::new();
    for req in requests {
        let call = mcp::parse_call_params(&req["params"]).unwrap();
        let result = reg.call(call).await;
        responses.push(match mcp::call_tool_result(&result) {
            Ok(res) => json!({"jsonrpc": "2.0", "id": req["id"], "result": res}),
            Err(e) => json!({"jsonrpc": "2.0", "id": req["id"], "error": e.to_value()}),
        });
    }
    assert_json_snapshot!("mcp_responses", responses);
    assert!(mcp::parse_call_params(&json!({"arguments": {}})).is_err());
    assert!(mcp::parse_call_params(&json!({"name": "x", "arguments": [1]})).is_err());
}

#[tokio::test]
async fn openai_chat_stream_round_trip() {
    use switchboard_functions::providers::openai_chat::ToolCallStream;
    let chunks = [
        json!({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"role": "assistant", "content": null}}]}),
        json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "call_a", "type": "function",
            "function": {"name": "get_weather", "arguments": ""}}]}}]}),
        json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\":"}}]}}]}),
        json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 1, "id": "call_b", "type": "function",
            "function": {"name": "list_items", "arguments": "{}"}}]}}]}),
        json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "\"Oslo\"}"}}]}}]}),
        json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 2, "id": "call_c", "type": "function",
            "function": {"arguments": "{}"}}]}}]}),
        json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}),
        json!({"choices": [], "usage": {"prompt_tokens": 90, "completion_tokens": 30}}),
    ];
    let mut stream = ToolCallStream::new();
    for chunk in &chunks {
        stream.push_chunk(chunk).unwrap();
    }
    let calls = stream.finish();
    assert_json_snapshot!("openai_chat_stream_calls", view(&calls));
    let results = registry().call_many(calls).await;
    assert_json_snapshot!(
        "openai_chat_stream_messages",
        openai_chat::tool_messages(&results).unwrap()
    );

    let mut bad = ToolCallStream::new();
    assert!(
        bad.push_chunk(&json!({"choices": [{"index": 1, "delta": {}}]}))
            .is_err()
    );
    assert!(
        bad.push_chunk(&json!({"choices": [{"delta": {"tool_calls": [{"id": "x"}]}}]}))
            .is_err()
    );
}
