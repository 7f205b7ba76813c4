//! Registry behaviour: registration rules, unknown tools, concurrency, timeouts, cancellation,
//! history bound and redaction. Time is paused, so nothing sleeps for real.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use switchboard_functions::{
    CallError, CancellationToken, DynamicTool, FnTool, Outcome, RegisterError, RegistryConfig,
    Tool, ToolCall, ToolRegistry,
};

use crate::fixtures::registry;

/// Sleep for `ms` milliseconds, then echo `tag`.
#[derive(Deserialize, JsonSchema)]
struct SleepArgs {
    ms: u64,
    tag: String,
}

fn sleeper(
    config: RegistryConfig,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
) -> ToolRegistry {
    let r = ToolRegistry::with_config(config);
    r.register_fn(
        "sleep",
        "Sleeps, then echoes its tag.",
        move |a: SleepArgs| {
            let running = running.clone();
            let peak = peak.clone();
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(a.ms)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, String>(a.tag)
            }
        },
    )
    .unwrap();
    r
}

fn sleep_call(ms: u64, tag: &str) -> ToolCall {
    ToolCall::new("sleep", json!({"ms": ms, "tag": tag})).with_id(format!("id-{tag}"))
}

#[test]
fn registration_rules() {
    let r = registry();
    let dup = r.register_fn(
        "get_weather",
        "again",
        |_: crate::fixtures::ListArgs| async { Ok::<_, String>(1) },
    );
    assert!(matches!(dup, Err(RegisterError::Duplicate { .. })));
    let bad = r.register_fn("get weather", "x", |_: crate::fixtures::ListArgs| async {
        Ok::<_, String>(1)
    });
    assert!(matches!(bad, Err(RegisterError::InvalidName { .. })));
    let empty = r.register_fn("x", " ", |_: crate::fixtures::ListArgs| async {
        Ok::<_, String>(1)
    });
    assert!(matches!(empty, Err(RegisterError::EmptyDescription { .. })));
    let not_object = r.register_fn("x", "takes a string", |_: String| async {
        Ok::<_, String>(1)
    });
    assert_eq!(
        not_object.unwrap_err().to_string(),
        r#"tool "x": the parameter schema must be an object schema (`"type": "object"` at the root), found "type": "string""#
    );
    let bad_schema = r.register_dynamic(DynamicTool::new(
        "y",
        "bad",
        json!({"type": "object", "properties": {"a": {"type": "strin"}}}),
        |v| async move { Ok::<_, String>(v) },
    ));
    assert!(
        matches!(bad_schema, Err(RegisterError::InvalidSchema { .. })),
        "{bad_schema:?}"
    );
    let remote = r.register_dynamic(DynamicTool::new(
        "z",
        "remote ref",
        json!({"type": "object", "properties": {"a": {"$ref": "https://example.com/s.json"}}}),
        |v| async move { Ok::<_, String>(v) },
    ));
    assert!(
        matches!(remote, Err(RegisterError::InvalidSchema { .. })),
        "{remote:?}"
    );
    assert!(r.unregister("list_items"));
    assert!(!r.names().contains(&"list_items".to_owned()));
}

#[tokio::test]
async fn unknown_tool_names_the_available_tools() {
    let r = registry();
    let res = r
        .call(ToolCall::new("get_wether", "{}").with_id("c9"))
        .await;
    assert_eq!(res.call_id(), Some("c9"));
    assert_eq!(
        res.content(),
        "Error: there is no tool named \"get_wether\". Available tools: create_contact, create_tree, \
         get_weather, list_items, login, search_docs."
    );
}

#[tokio::test]
async fn handler_errors_reach_the_model() {
    let r = registry();
    let res = r
        .call(ToolCall::new(
            "create_contact",
            json!({"name": "fail", "addresses": [],
            "channel": {"kind": "email", "address": "a@b.c"}}),
        ))
        .await;
    assert_eq!(
        res.content(),
        "Error: tool \"create_contact\" failed: the contact store is read-only"
    );
}

#[tokio::test]
async fn typed_tool_trait() {
    struct Add;
    #[derive(Deserialize, JsonSchema)]
    struct AddArgs {
        a: i64,
        b: i64,
    }
    impl Tool for Add {
        type Args = AddArgs;
        type Output = i64;
        type Error = String;
        fn name(&self) -> &str {
            "add"
        }
        fn description(&self) -> &str {
            "Adds."
        }
        async fn call(&self, args: AddArgs) -> Result<i64, String> {
            args.a
                .checked_add(args.b)
                .ok_or_else(|| "overflow".to_owned())
        }
    }
    let r = ToolRegistry::new();
    r.register(Add).unwrap();
    assert_eq!(
        r.invoke("add", r#"{"a": 2, "b": 40}"#).await.unwrap(),
        json!(42)
    );
    let err = r
        .invoke("add", json!({"a": i64::MAX, "b": 1}))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CallError::Failed {
            tool: "add".into(),
            message: "overflow".into()
        }
    );
}

#[tokio::test(start_paused = true)]
async fn many_calls_run_concurrently_within_the_limit_and_keep_call_order() {
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let r = sleeper(
        RegistryConfig::default().with_max_concurrency(2),
        running,
        peak.clone(),
    );
    let start = tokio::time::Instant::now();
    let calls = vec![
        sleep_call(300, "a"),
        sleep_call(100, "b"),
        ToolCall::new("nope", "{}").with_id("id-x"),
        sleep_call(200, "c"),
        sleep_call(100, "d"),
    ];
    let results = r.call_many(calls).await;
    let tags: Vec<String> = results.iter().map(|r| r.content()).collect();
    assert_eq!(tags[0], "a");
    assert_eq!(tags[1], "b");
    assert!(results[2].is_error());
    assert_eq!(tags[3], "c");
    assert_eq!(tags[4], "d");
    let ids: Vec<_> = results
        .iter()
        .map(|r| r.call_id().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["id-a", "id-b", "id-x", "id-c", "id-d"]);
    assert_eq!(peak.load(Ordering::SeqCst), 2);
    // a(300) runs beside b(100) then c(200) then d(100): all done at 400 ms, not 700 ms.
    assert_eq!(start.elapsed(), Duration::from_millis(400));
}

#[tokio::test(start_paused = true)]
async fn default_and_per_tool_timeouts() {
    let r = ToolRegistry::with_config(
        RegistryConfig::default().with_default_timeout(Duration::from_secs(1)),
    );
    r.register_fn(
        "slow",
        "Sleeps a minute.",
        |_: crate::fixtures::ListArgs| async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok::<_, String>("done")
        },
    )
    .unwrap();
    r.register(
        FnTool::new(
            "patient",
            "Sleeps 5 s.",
            |_: crate::fixtures::ListArgs| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                Ok::<_, String>("done")
            },
        )
        .with_timeout(Duration::from_secs(10)),
    )
    .unwrap();
    let err = r.invoke("slow", "{}").await.unwrap_err();
    assert_eq!(
        err,
        CallError::Timeout {
            tool: "slow".into(),
            after: Duration::from_secs(1)
        }
    );
    assert_eq!(
        err.model_message(),
        "Error: tool \"slow\" timed out after 1s."
    );
    assert_eq!(r.invoke("patient", "{}").await.unwrap(), json!("done"));
    let h = r.history();
    assert_eq!(h[0].duration(), Duration::from_secs(1));
    assert_eq!(h[1].duration(), Duration::from_secs(5));
    assert!(matches!(
        h[0].outcome(),
        Outcome::Error {
            kind: "timeout",
            ..
        }
    ));
}

#[tokio::test(start_paused = true)]
async fn cancellation_token_stops_running_and_pending_calls() {
    let running = Arc::new(AtomicUsize::new(0));
    let r = Arc::new(sleeper(
        RegistryConfig::default().with_max_concurrency(1),
        running.clone(),
        Arc::default(),
    ));
    let token = CancellationToken::new();
    let t2 = token.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        t2.cancel();
    });
    let results = r
        .call_many_with_cancel(
            vec![
                sleep_call(100, "a"),
                sleep_call(100, "b"),
                sleep_call(100, "c"),
            ],
            &token,
        )
        .await;
    assert_eq!(results[0].content(), "a");
    assert_eq!(
        results[1].outcome().unwrap_err(),
        &CallError::Cancelled {
            tool: "sleep".into()
        }
    );
    assert_eq!(
        results[2].outcome().unwrap_err(),
        &CallError::Cancelled {
            tool: "sleep".into()
        }
    );
    // The cancelled handler future was dropped: nothing is left running.
    assert_eq!(
        running.load(Ordering::SeqCst),
        1,
        "the dropped handler never reached its decrement"
    );
    let h = r.history();
    assert_eq!(h[1].duration(), Duration::from_millis(50));
    assert_eq!(h[2].duration(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_future_is_recorded() {
    let r = sleeper(RegistryConfig::default(), Arc::default(), Arc::default());
    let res = tokio::time::timeout(Duration::from_millis(10), r.call(sleep_call(1000, "a"))).await;
    assert!(res.is_err());
    let h = r.history();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].outcome(), &Outcome::Dropped);
    assert_eq!(h[0].duration(), Duration::from_millis(10));
}

#[tokio::test]
async fn history_is_bounded_and_redacted() {
    let r = ToolRegistry::with_config(RegistryConfig::default().with_history_capacity(3));
    r.register_fn(
        "login",
        "Logs in.",
        |a: crate::fixtures::LoginArgs| async move { Ok::<_, String>(a.user) },
    )
    .unwrap();
    for i in 0..5 {
        let call = ToolCall::new(
            "login",
            json!({"user": format!("u{i}"), "password": "correct horse"}),
        );
        assert!(!r.call(call.with_id(format!("c{i}"))).await.is_error());
    }
    let h = r.history();
    assert_eq!(h.len(), 3);
    let ids: Vec<_> = h.iter().map(|e| e.call_id().unwrap()).collect();
    assert_eq!(ids, ["c2", "c3", "c4"]);
    assert_eq!(
        h[2].arguments().unwrap(),
        &json!({"user": "u4", "password": "[redacted]"})
    );
    assert_eq!(h[2].outcome(), &Outcome::Success);
    // Invalid arguments are recorded (redacted) too.
    let _ = r
        .invoke("login", json!({"user": 1, "password": "pw1"}))
        .await;
    let last = r.history().pop().unwrap();
    assert_eq!(
        last.arguments().unwrap(),
        &json!({"user": 1, "password": "[redacted]"})
    );
    assert!(!format!("{last:?}").contains("pw1"));
    r.clear_history();
    assert!(r.history().is_empty());
}

#[tokio::test]
async fn history_can_be_disabled() {
    let r = ToolRegistry::with_config(RegistryConfig::default().with_history_capacity(0));
    r.register_fn("n", "No-op.", |_: crate::fixtures::ListArgs| async {
        Ok::<_, String>(())
    })
    .unwrap();
    r.invoke("n", "{}").await.unwrap();
    assert!(r.history().is_empty());
}

#[tokio::test]
async fn dynamic_tool_secret_marker_and_validation() {
    let r = ToolRegistry::new();
    r.register_dynamic(DynamicTool::new(
        "store_key",
        "Stores an API key.",
        json!({"type": "object", "required": ["service", "key"], "additionalProperties": false,
               "properties": {"service": {"type": "string"}, "key": {"type": "string", "x-secret": true}}}),
        |v| async move { Ok::<_, String>(json!({"stored": v["service"]})) },
    ))
    .unwrap();
    assert_eq!(
        r.invoke("store_key", json!({"service": "gh", "key": "ghp_x"}))
            .await
            .unwrap(),
        json!({"stored": "gh"})
    );
    assert_eq!(
        r.history()[0].arguments().unwrap(),
        &json!({"service": "gh", "key": "[redacted]"})
    );
    // The marker is not exported.
    assert!(
        !r.definition("store_key")
            .unwrap()
            .parameters()
            .to_string()
            .contains("x-secret")
    );
}

#[tokio::test]
async fn outputs_are_checked_against_the_declared_output_schema() {
    let r = ToolRegistry::new();
    r.register(
        FnTool::new(
            "count",
            "Counts.",
            |a: crate::fixtures::ListArgs| async move {
                Ok::<_, String>(json!({"count": a.limit.map_or(-1, i64::from)}))
            },
        )
        .with_output_schema(
            json!({"type": "object", "properties": {"count": {"type": "integer", "minimum": 0}},
                                   "required": ["count"]}),
        ),
    )
    .unwrap();
    assert_eq!(
        r.invoke("count", json!({"limit": 3})).await.unwrap(),
        json!({"count": 3})
    );
    let err = r.invoke("count", "{}").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "tool \"count\" returned an unusable output: the output does not match the declared output schema: \
         /count: -1 is less than the minimum of 0"
    );
}

#[tokio::test]
async fn registry_and_call_futures_are_send_for_spawning() {
    fn assert_send<T: Send + 'static>(t: T) -> T {
        t
    }
    let r = Arc::new(registry());
    let r2 = r.clone();
    let handle = tokio::spawn(assert_send(async move {
        r2.call(ToolCall::new("list_items", "{}").with_id("s1"))
            .await
    }));
    assert!(!handle.await.unwrap().is_error());
    assert_eq!(r.history().len(), 1);
}

#[tokio::test]
async fn extreme_settings_are_clamped() {
    let config = RegistryConfig::default()
        .with_max_concurrency(usize::MAX)
        .with_history_capacity(usize::MAX)
        .with_default_timeout(Duration::MAX);
    let r = sleeper(config, Arc::default(), Arc::default());
    let results = r.call_many(vec![sleep_call(0, "a")]).await;
    assert_eq!(results[0].content(), "a");
    let none = ToolRegistry::with_config(RegistryConfig::default().with_max_concurrency(0));
    assert_eq!(none.config().max_concurrency(), 1);
}

#[tokio::test]
async fn tools_without_arguments() {
    use switchboard_functions::NoArgs;
    let r = ToolRegistry::new();
    r.register_fn("now", "The time.", |_: NoArgs| async {
        Ok::<_, String>("noon")
    })
    .unwrap();
    assert_eq!(
        r.definition("now").unwrap().parameters(),
        &json!({"type": "object", "properties": {}, "additionalProperties": false})
    );
    assert_eq!(r.invoke("now", "").await.unwrap(), json!("noon"));
    let err = r.invoke("now", json!({"x": 1})).await.unwrap_err();
    assert_eq!(err.violations().len(), 1);
}

/// A registry whose `gate` tool (limited to `limit` concurrent calls) reports each start on
/// `started`, then blocks until `open` gets a permit; `free` has no limit.
fn gated(
    limit: usize,
) -> (
    Arc<ToolRegistry>,
    Arc<tokio::sync::Semaphore>,
    tokio::sync::mpsc::UnboundedReceiver<()>,
) {
    use switchboard_functions::NoArgs;
    let r =
        ToolRegistry::with_config(RegistryConfig::default().with_tool_concurrency("gate", limit));
    let open = Arc::new(tokio::sync::Semaphore::new(0));
    let (tx, started) = tokio::sync::mpsc::unbounded_channel();
    let gate = open.clone();
    r.register_fn("gate", "Blocks until opened.", move |_: NoArgs| {
        let gate = gate.clone();
        let tx = tx.clone();
        async move {
            tx.send(()).unwrap();
            gate.acquire().await.unwrap().forget();
            Ok::<_, String>("through")
        }
    })
    .unwrap();
    r.register_fn("free", "Runs at once.", |_: NoArgs| async {
        Ok::<_, String>("free")
    })
    .unwrap();
    (Arc::new(r), open, started)
}

#[tokio::test(start_paused = true)]
async fn a_call_beyond_a_tools_concurrency_limit_fails_at_once_as_busy() {
    let (r, open, mut started) = gated(2);
    let mut running = Vec::new();
    for _ in 0..2 {
        let r = r.clone();
        running.push(tokio::spawn(async move { r.invoke("gate", "{}").await }));
        started.recv().await.unwrap();
    }
    let err = r.invoke("gate", "{}").await.unwrap_err();
    assert_eq!(
        err,
        CallError::Busy {
            tool: "gate".into(),
            limit: 2
        }
    );
    assert_eq!(err.kind(), "busy");
    assert_eq!(
        err.model_message(),
        "Error: tool \"gate\" is busy: 2 calls are already running, the most it runs at once. Try again in a moment."
    );
    assert!(started.try_recv().is_err(), "the busy call never ran");
    // Other tools are not limited by it.
    assert_eq!(r.invoke("free", "{}").await.unwrap(), json!("free"));

    // A finished call frees its slot for the next one.
    open.add_permits(1);
    let first_done = futures_util::future::select_all(running).await;
    assert_eq!(first_done.0.unwrap().unwrap(), json!("through"));
    let r2 = r.clone();
    let next = tokio::spawn(async move { r2.invoke("gate", "{}").await });
    started.recv().await.unwrap();
    open.add_permits(2);
    assert_eq!(next.await.unwrap().unwrap(), json!("through"));
}

#[tokio::test(start_paused = true)]
async fn a_timed_out_call_frees_its_concurrency_slot() {
    let (r, _open, _started) = gated(1);
    // Nothing opens the gate: each call runs into the 30 s default timeout (paused time).
    for _ in 0..2 {
        let err = r.invoke("gate", "{}").await.unwrap_err();
        assert_eq!(err.kind(), "timeout", "{err}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_call_frees_its_concurrency_slot() {
    let (r, open, mut started) = gated(1);
    let cancel = CancellationToken::new();
    let (first, _) = tokio::join!(
        r.call_with_cancel(ToolCall::new("gate", "{}"), &cancel),
        async {
            started.recv().await.unwrap();
            cancel.cancel();
        }
    );
    assert_eq!(first.into_outcome().unwrap_err().kind(), "cancelled");
    open.add_permits(1);
    assert_eq!(r.invoke("gate", "{}").await.unwrap(), json!("through"));
}

#[test]
fn tool_concurrency_limits_are_clamped_to_at_least_one() {
    let config = RegistryConfig::default()
        .with_tool_concurrency("a", 0)
        .with_tool_concurrency("b", 3);
    assert_eq!(config.tool_concurrency("a"), Some(1));
    assert_eq!(config.tool_concurrency("b"), Some(3));
    assert_eq!(config.tool_concurrency("c"), None);
}
