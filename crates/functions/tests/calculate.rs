//! The `calculate` tool on honest input: a table of expressions and their exact results, and a
//! call through the registry as a model would make it.

#![allow(
    clippy::unwrap_used,
    reason = "test fixtures: a failed setup step should fail the test"
)]
#![cfg(feature = "calculate")]

use serde_json::json;
use switchboard_functions::builtin::calculate::{Calculate, Limits, evaluate};
use switchboard_functions::{ToolCall, ToolRegistry};

fn show(e: &str) -> String {
    match evaluate(e, &Limits::default()) {
        Ok(o) => match o.fraction {
            Some(f) => format!("{e} = {} (exact: {}, fraction {f})", o.result, o.exact),
            None => format!("{e} = {} (exact: {})", o.result, o.exact),
        },
        Err(err) => format!("{e} -> error: {err}"),
    }
}

#[test]
fn expressions_and_errors() {
    let table = [
        "0.1 + 0.2",
        "-2^2",
        "2^3^2",
        "2**10",
        "1/3",
        "1/3*3",
        "2^-1",
        "10 mod 3",
        "-7 mod 3",
        "50%",
        "200 * 15%",
        "20!",
        "sqrt(16/9)",
        "sqrt(2)",
        "pi",
        "ln(e)",
        "log(1000)",
        "log(8, 2)",
        "round(2.345, 2)",
        "round(-2.5)",
        "floor(-1.5)",
        "ceil(sqrt(2))",
        "min(3, 1, 2)",
        "max(1/3, 0.3)",
        "abs(-5)",
        "1e3",
        "1.5e-3",
        "1_000_000 * 3",
        "2^100",
        "(1 + 2) * (3 + 4)",
        "10^10^10",
        "1/0",
        "5 mod 0",
        "sqrt(-1)",
        "ln(0)",
        "0^-1",
        "(-8)^(1/3)",
        "1 +",
        "(1 + 2",
        "1 2",
        "foo(1)",
        "10 % 3",
        "$",
        "",
        "3001!",
        "1e100000",
        "exp(1000)",
        "asin(2)",
        "1.2.3",
        "sqrt",
        "max()",
    ];
    let lines: Vec<String> = table.iter().map(|e| show(e)).collect();
    insta::assert_snapshot!(lines.join("\n"));
}

#[tokio::test]
async fn called_through_the_registry() {
    let registry = ToolRegistry::new();
    registry.register(Calculate::default()).unwrap();
    let ok = registry
        .call(ToolCall::new(
            "calculate",
            json!({"expression": "0.1 + 0.2"}),
        ))
        .await;
    assert!(!ok.is_error());
    assert_eq!(
        ok.outcome().unwrap(),
        &json!({"result": "0.3", "exact": true})
    );

    let err = registry
        .call(ToolCall::new("calculate", json!({"expression": "1/0"})))
        .await;
    assert!(err.is_error());
    assert!(
        err.content().contains("division by zero"),
        "{}",
        err.content()
    );

    let bad = registry
        .call(ToolCall::new("calculate", json!({"expr": "1"})))
        .await;
    assert!(
        bad.is_error(),
        "unknown argument names are refused by the schema"
    );
}

/// Many more concurrent calls than evaluator threads: each gets its own answer, and callers
/// that gave up (dropped futures) do not stop later calls from being answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_share_the_evaluator_threads() {
    use switchboard_functions::builtin::calculate::evaluate_on_own_thread;
    for i in 0..32 {
        // Started and cancelled at once: the job may already be queued.
        tokio::spawn(evaluate_on_own_thread(format!("{i}!"), Limits::default())).abort();
    }
    let calls = (0..200u64).map(|i| {
        tokio::spawn(evaluate_on_own_thread(
            format!("{i} * 3 + 1"),
            Limits::default(),
        ))
    });
    let answers = futures_util::future::join_all(calls).await;
    for (i, a) in answers.into_iter().enumerate() {
        assert_eq!(a.unwrap().unwrap().result, (i * 3 + 1).to_string());
    }
}
