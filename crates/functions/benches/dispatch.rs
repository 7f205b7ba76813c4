//! Dispatch overhead: lookup + validate + deserialize + call + history for a small tool,
//! beside jsonschema `is_valid` alone on the same arguments, and the same tool made by
//! `#[tool]` beside the hand-written one.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use futures_util::FutureExt;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use switchboard_functions::schema::schema_for;
use switchboard_functions::{RegistryConfig, ToolCall, ToolRegistry, tool};

/// Arguments of `add`.
#[derive(Deserialize, JsonSchema)]
struct AddArgs {
    /// First operand.
    a: i64,
    /// Second operand.
    b: i64,
}

async fn add(args: AddArgs) -> Result<i64, String> {
    Ok(args.a.wrapping_add(args.b))
}

/// Adds two integers.
#[tool(name = "add")]
async fn add_macro(
    /// First operand.
    a: i64,
    /// Second operand.
    b: i64,
) -> Result<i64, String> {
    Ok(a.wrapping_add(b))
}

/// `add` hand-written (`register_fn` over `AddArgs`), or made by `#[tool]`.
fn registry(history: usize, by_macro: bool) -> ToolRegistry {
    let r = ToolRegistry::with_config(RegistryConfig::default().with_history_capacity(history));
    if by_macro {
        r.register(AddMacro).unwrap();
    } else {
        r.register_fn("add", "Adds two integers.", add).unwrap();
    }
    // A few neighbours so the lookup is not trivially the only entry.
    for i in 0..16 {
        r.register_fn(format!("tool_{i}"), "Another tool.", add)
            .unwrap();
    }
    r
}

fn dispatch(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let _guard = rt.enter();
    let args = json!({"a": 20, "b": 22});

    let mut g = c.benchmark_group("dispatch");
    g.bench_function("handler_only", |b| {
        b.iter(|| {
            add(black_box(AddArgs { a: 20, b: 22 }))
                .now_or_never()
                .unwrap()
        })
    });
    let validator = jsonschema::validator_for(&schema_for::<AddArgs>()).unwrap();
    g.bench_function("jsonschema_is_valid_only", |b| {
        b.iter(|| validator.is_valid(black_box(&args)))
    });

    for (label, history, by_macro) in [
        ("registry_call_value_history", 256, false),
        ("registry_call_value_no_history", 0, false),
        ("registry_call_value_no_history_macro", 0, true),
    ] {
        let r = registry(history, by_macro);
        let call = ToolCall::new("add", args.clone()).with_id("call_1");
        g.bench_function(label, |b| {
            b.iter_batched(
                || call.clone(),
                |call| r.call(call).now_or_never().unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    let r = registry(256, false);
    let call = ToolCall::new("add", r#"{"a":20,"b":22}"#).with_id("call_1");
    g.bench_function("registry_call_text_history", |b| {
        b.iter_batched(
            || call.clone(),
            |call| r.call(call).now_or_never().unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, dispatch);
criterion_main!(benches);
