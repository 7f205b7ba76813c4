//! `#[tool]` and `#[tools]`: what the generated tools declare (name, description, schema,
//! annotations, output schema) and how they run (arguments, errors, the injected context).

use std::sync::atomic::{AtomicU64, Ordering};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use switchboard_functions::{Context, Tool, ToolCall, ToolRegistry, tool, tools};

/// Adds two integers.
///
/// This second paragraph is for readers of the code, not for the model.
#[tool(read_only, open_world = false, title = "Add")]
async fn add(
    /// First operand.
    a: i64,
    /// Second operand.
    b: i64,
) -> Result<i64, String> {
    a.checked_add(b).ok_or_else(|| "overflow".to_owned())
}

/// How loud.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Volume {
    /// Quietly.
    Soft,
    /// Loudly.
    Loud,
}

/// A greeting.
#[derive(Debug, Serialize, JsonSchema)]
struct Greeting {
    /// The text.
    text: String,
}

/// Greets someone.
#[tool(name = "say_hello", output_schema, destructive = false)]
fn greet(
    #[arg(description = "Who to greet.")] name: String,
    /// How loud (default soft).
    #[serde(default)]
    volume: Option<Volume>,
    /// How many exclamation marks.
    #[serde(default = "one")]
    marks: usize,
) -> Greeting {
    let text = format!("Hello, {name}{}", "!".repeat(marks));
    Greeting {
        text: match volume {
            Some(Volume::Loud) => text.to_uppercase(),
            _ => text,
        },
    }
}

fn one() -> usize {
    1
}

/// Names the caller.
#[tool]
async fn who(ctx: Context) -> String {
    ctx.on_behalf_of().unwrap_or_else(|| "nobody".to_owned())
}

/// A counter shared by its tools.
#[derive(Default)]
struct Counter {
    n: AtomicU64,
}

#[tools]
impl Counter {
    /// Adds `by` to the counter and returns the new value.
    #[tool(destructive = false)]
    async fn bump(
        &self,
        /// How much to add.
        by: u64,
    ) -> u64 {
        self.n.fetch_add(by, Ordering::SeqCst) + by
    }

    /// Reads the counter, saying for whom.
    #[tool(read_only, name = "counter_read")]
    fn read(&self, ctx: Context) -> String {
        format!(
            "{} for {}",
            self.n.load(Ordering::SeqCst),
            ctx.token().unwrap_or("-")
        )
    }

    /// Not a tool: left as it is.
    fn reset(&self) {
        self.n.store(0, Ordering::SeqCst);
    }
}

fn registry() -> ToolRegistry {
    let r = ToolRegistry::new();
    r.register(Add).unwrap();
    r.register(Greet).unwrap();
    r.register(Who).unwrap();
    Counter::default().register_tools(&r).unwrap();
    r
}

#[test]
fn the_definitions_come_from_the_signatures_and_docs() {
    let defs = registry().definitions();
    insta::assert_json_snapshot!("macro_tool_definitions", defs);
}

#[test]
fn the_function_stays_callable_as_written() {
    assert_eq!(greet("Ada".into(), None, 2).text, "Hello, Ada!!");
    Counter::default().reset();
}

#[tokio::test]
async fn an_async_tool_runs_with_validated_arguments() {
    let r = registry();
    assert_eq!(
        r.invoke("add", json!({"a": 20, "b": 22})).await.unwrap(),
        json!(42)
    );
    let err = r.invoke("add", json!({"a": "x"})).await.unwrap_err();
    assert_eq!(err.kind(), "invalid_arguments");
}

#[tokio::test]
async fn a_handler_error_reaches_the_model() {
    let err = registry()
        .invoke("add", json!({"a": i64::MAX, "b": 1}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("overflow"), "{err}");
}

#[tokio::test]
async fn defaults_and_enums_apply() {
    let r = registry();
    let out = r.invoke("say_hello", json!({"name": "Ada"})).await.unwrap();
    assert_eq!(out, json!({"text": "Hello, Ada!"}));
    let out = r
        .invoke(
            "say_hello",
            json!({"name": "Ada", "volume": "loud", "marks": 0}),
        )
        .await
        .unwrap();
    assert_eq!(out, json!({"text": "HELLO, ADA"}));
}

#[tokio::test]
async fn a_context_parameter_is_injected_not_exposed() {
    let r = registry();
    let def = r.definition("who").unwrap();
    assert_eq!(def.parameters()["properties"], json!({}));
    let ctx = Context::default().with_user({
        let mut u = switchboard_functions::User::new("u-1");
        u.name = Some("Ada".into());
        u
    });
    let out = r
        .call(ToolCall::new("who", json!({})).with_context(ctx))
        .await;
    assert_eq!(out.outcome().unwrap(), &json!("Ada"));
    assert_eq!(r.invoke("who", json!({})).await.unwrap(), json!("nobody"));
    assert_eq!(
        Who.call(switchboard_functions::NoArgs {}).await.unwrap(),
        "nobody"
    );
}

#[tokio::test]
async fn the_tools_of_an_impl_block_share_the_value() {
    let r = registry();
    assert_eq!(r.invoke("bump", json!({"by": 2})).await.unwrap(), json!(2));
    assert_eq!(r.invoke("bump", json!({"by": 3})).await.unwrap(), json!(5));
    let call = ToolCall::new("counter_read", json!({}))
        .with_context(Context::default().with_token("owui"));
    assert_eq!(r.call(call).await.outcome().unwrap(), &json!("5 for owui"));
}
