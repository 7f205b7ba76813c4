//! Cost of turning an event into each target's payload (template + formatter + truncation).
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use switchboard_connectors::notify::{
    DiscordWebhook, GoogleChatWebhook, Notification, SlackWebhook, TeamsWebhook,
};

fn bench(c: &mut Criterion) {
    let data =
        json!({"chat_id": "c-42", "title": "Trip plans", "user_name": "Ada", "model": "llama3"});
    let small = Notification::from_event("chat_completed", &data);
    let long = Notification::new("note", "Long", "aé€🦀 ".repeat(2_000));
    c.bench_function("from_event chat_completed", |b| {
        b.iter(|| Notification::from_event("chat_completed", std::hint::black_box(&data)))
    });
    for (name, n) in [("small", &small), ("10k chars", &long)] {
        c.bench_function(&format!("slack format {name}"), |b| {
            b.iter(|| SlackWebhook::format(std::hint::black_box(n)))
        });
        c.bench_function(&format!("discord format {name}"), |b| {
            b.iter(|| DiscordWebhook::format(std::hint::black_box(n), None))
        });
        c.bench_function(&format!("teams format {name}"), |b| {
            b.iter(|| TeamsWebhook::format(std::hint::black_box(n)))
        });
        c.bench_function(&format!("google chat format {name}"), |b| {
            b.iter(|| GoogleChatWebhook::format(std::hint::black_box(n)))
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
