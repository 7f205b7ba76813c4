//! Property tests: no input makes a parser or the registry panic, and no call is lost.

use proptest::prelude::*;
use serde_json::{Value, json};
use switchboard_functions::ToolCall;
use switchboard_functions::providers::{anthropic, gemini, ollama, openai_chat, openai_responses};

use crate::fixtures::registry;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-z\"{}:,]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parsers_never_panic_on_any_body(body in "\\PC{0,200}") {
        let _ = openai_chat::parse_response_str(&body);
        let _ = openai_responses::parse_response_str(&body);
        let _ = anthropic::parse_response_str(&body);
        let _ = gemini::parse_response_str(&body);
        let _ = ollama::parse_response_str(&body);
    }

    #[test]
    fn parsers_keep_every_call_entry(entries in prop::collection::vec(arb_json(), 0..6)) {
        // Whatever each entry holds, one call comes out per entry.
        let chat = json!({"choices": [{"message": {"tool_calls": entries}}]});
        prop_assert_eq!(openai_chat::parse_response(&chat).unwrap().len(), entries.len());
        let ollama_body = json!({"message": {"tool_calls": entries}});
        prop_assert_eq!(ollama::parse_response(&ollama_body).unwrap().len(), entries.len());
        let blocks: Vec<Value> = entries.iter().map(|e| json!({"type": "tool_use", "id": "x", "input": e})).collect();
        prop_assert_eq!(anthropic::parse_response(&json!({"content": blocks})).unwrap().len(), entries.len());
    }

    #[test]
    fn registry_answers_every_call(args in prop::collection::vec(("\\PC{0,40}", arb_json()), 0..6)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let r = registry();
        let names = ["get_weather", "create_contact", "create_tree", "login", "list_items", "search_docs", "nope"];
        let calls: Vec<ToolCall> = args
            .iter()
            .enumerate()
            .flat_map(|(i, (text, value))| {
                let name = names[i % names.len()];
                [
                    ToolCall::new(name, text.as_str()).with_id(format!("t{i}")),
                    ToolCall::new(name, value.clone()).with_id(format!("v{i}")),
                ]
            })
            .collect();
        let n = calls.len();
        let results = rt.block_on(r.call_many(calls));
        prop_assert_eq!(results.len(), n);
    }
}
