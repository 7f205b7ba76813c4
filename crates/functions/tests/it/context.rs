//! The caller's [`Context`] reaches the tools that ask for it: typed tools overriding
//! `call_with_context`, closures and dynamic tools taking a `Context`; tools that don't ask
//! run exactly as before.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_functions::{Context, DynamicTool, NoArgs, Tool, ToolCall, ToolRegistry, User};

fn ada() -> Context {
    let mut user = User::new("u-42");
    user.name = Some("Ada Lovelace".into());
    user.email = Some("ada@example.com".into());
    user.role = Some("admin".into());
    Context::default()
        .with_token("owui")
        .with_user(user)
        .with_chat_id("chat-1")
        .with_message_id("msg-1")
}

/// What a tool saw of its caller, as JSON.
fn seen(ctx: &Context) -> Value {
    json!({
        "token": ctx.token(),
        "user": ctx.user().map(|u| &u.id),
        "role": ctx.user().and_then(|u| u.role.as_deref()),
        "chat": ctx.chat_id(),
        "message": ctx.message_id(),
        "on_behalf_of": ctx.on_behalf_of(),
    })
}

fn nobody() -> Value {
    seen(&Context::default())
}

/// A typed tool that reports its caller.
struct WhoAmI;

impl Tool for WhoAmI {
    type Args = NoArgs;
    type Output = Value;
    type Error = String;

    fn name(&self) -> &str {
        "who_am_i"
    }

    fn description(&self) -> &str {
        "Reports the caller."
    }

    async fn call(&self, args: NoArgs) -> Result<Value, String> {
        self.call_with_context(args, Context::default()).await
    }

    async fn call_with_context(&self, _: NoArgs, ctx: Context) -> Result<Value, String> {
        Ok(seen(&ctx))
    }
}

/// Arguments of `echo`.
#[derive(Deserialize, JsonSchema)]
struct EchoArgs {
    /// Text to echo.
    text: String,
}

/// A typed tool that does not care who calls.
struct Echo;

impl Tool for Echo {
    type Args = EchoArgs;
    type Output = String;
    type Error = String;

    fn name(&self) -> &str {
        "echo"
    }

    fn description(&self) -> &str {
        "Echoes the text."
    }

    async fn call(&self, args: EchoArgs) -> Result<String, String> {
        Ok(args.text)
    }
}

#[tokio::test]
async fn a_typed_tool_overriding_call_with_context_sees_the_caller() {
    let r = ToolRegistry::new();
    r.register(WhoAmI).unwrap();
    let result = r
        .call(ToolCall::new("who_am_i", json!({})).with_context(ada()))
        .await;
    let out = result.into_outcome().unwrap();
    assert_eq!(
        out,
        json!({
            "token": "owui", "user": "u-42", "role": "admin", "chat": "chat-1",
            "message": "msg-1", "on_behalf_of": "Ada Lovelace <ada@example.com>",
        })
    );
}

#[tokio::test]
async fn a_call_without_a_context_gives_the_tool_the_default() {
    let r = ToolRegistry::new();
    r.register(WhoAmI).unwrap();
    let out = r.invoke("who_am_i", json!({})).await.unwrap();
    assert_eq!(out, nobody());
}

#[tokio::test]
async fn a_context_aware_typed_tool_called_directly_runs_with_the_default() {
    assert_eq!(WhoAmI.call(NoArgs {}).await.unwrap(), nobody());
}

#[tokio::test]
async fn a_tool_that_does_not_override_answers_the_same_with_or_without_a_caller() {
    let r = ToolRegistry::new();
    r.register(Echo).unwrap();
    r.register_fn("echo_fn", "Echoes the text.", |a: EchoArgs| async move {
        Ok::<_, String>(a.text)
    })
    .unwrap();
    for tool in ["echo", "echo_fn"] {
        let plain = r.call(ToolCall::new(tool, json!({"text": "hi"}))).await;
        let attributed = r
            .call(ToolCall::new(tool, json!({"text": "hi"})).with_context(ada()))
            .await;
        assert_eq!(plain.outcome().unwrap(), &json!("hi"), "{tool}");
        assert_eq!(plain.outcome(), attributed.outcome(), "{tool}");
    }
}

#[tokio::test]
async fn a_closure_taking_a_context_sees_the_caller() {
    let r = ToolRegistry::new();
    r.register_fn_with_context(
        "who",
        "Reports the caller.",
        |_: NoArgs, ctx: Context| async move { Ok::<_, String>(seen(&ctx)) },
    )
    .unwrap();
    let out = r
        .call(ToolCall::new("who", json!({})).with_context(ada()))
        .await
        .into_outcome()
        .unwrap();
    assert_eq!(out["on_behalf_of"], "Ada Lovelace <ada@example.com>");
    assert_eq!(out["token"], "owui");
    assert_eq!(r.invoke("who", json!({})).await.unwrap(), nobody());
}

#[tokio::test]
async fn a_dynamic_tool_taking_a_context_sees_the_caller() {
    let r = ToolRegistry::new();
    let tool = DynamicTool::new_with_context(
        "who_dyn",
        "Reports the caller.",
        json!({"type": "object"}),
        |_: Value, ctx: Context| async move { Ok::<_, String>(seen(&ctx)) },
    );
    r.register_dynamic(tool).unwrap();
    let out = r
        .call(ToolCall::new("who_dyn", json!({})).with_context(ada()))
        .await
        .into_outcome()
        .unwrap();
    assert_eq!(out["user"], "u-42");
    assert_eq!(out["chat"], "chat-1");
    assert_eq!(r.invoke("who_dyn", json!({})).await.unwrap(), nobody());
}

#[tokio::test]
async fn each_call_of_a_batch_carries_its_own_caller() {
    let r = ToolRegistry::new();
    r.register(WhoAmI).unwrap();
    let results = r
        .call_many([
            ToolCall::new("who_am_i", json!({})).with_context(ada()),
            ToolCall::new("who_am_i", json!({})),
            ToolCall::new("who_am_i", json!({}))
                .with_context(Context::default().with_token("script")),
        ])
        .await;
    let tokens: Vec<Value> = results
        .into_iter()
        .map(|r| r.into_outcome().unwrap()["token"].clone())
        .collect();
    assert_eq!(tokens, [json!("owui"), Value::Null, json!("script")]);
}
