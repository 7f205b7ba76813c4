//! Register a closure tool and the built-in `calculate`, then run calls as a model would send them:
//! `cargo run -p switchboard --example tools --features calculate`.

#![allow(clippy::print_stdout, reason = "an example prints its result")]

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use switchboard::functions::builtin::calculate::Limits;
use switchboard::functions::providers::openai_chat;
use switchboard::prelude::*;

/// Arguments of `greet`.
#[derive(Deserialize, JsonSchema)]
struct Greet {
    /// Who to greet.
    name: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let registry = ToolRegistry::new();
    registry.register(Calculate::new(Limits::default()))?;
    registry.register_fn(
        "greet",
        "Greets someone by name.",
        |args: Greet| async move { Ok::<_, String>(format!("Hello, {}!", args.name)) },
    )?;

    // What goes into an OpenAI Chat Completions request.
    let tools = openai_chat::tools(&registry.definitions());
    println!("{}", serde_json::to_string_pretty(&tools)?);

    let ok = registry
        .call(ToolCall::new(
            "calculate",
            json!({"expression": "(1 + 2) * 3^2"}),
        ))
        .await;
    println!("calculate -> {}", ok.content());

    // Invalid arguments never reach the handler; the model gets every violation.
    let bad = registry
        .call(ToolCall::new("greet", json!({"name": 7})))
        .await;
    assert!(bad.is_error());
    println!("greet -> {}", bad.content());
    Ok(())
}
