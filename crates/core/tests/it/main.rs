//! Integration tests of switchboard-core against real loopback servers.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod auth;
mod endpoints;
mod hooks;
mod limits;
mod props;
mod retries;
mod server;
mod ssrf;
mod tls;
mod tracing_events;
mod wire;

use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex},
    time::Duration,
};

use switchboard_core::{
    Client, ClientBuilder, RetryPolicy,
    retry::{Jitter, Sleeper},
};

/// A sleeper that records each requested delay and returns at once.
#[derive(Debug, Default, Clone)]
pub struct Recorder(Arc<Mutex<Vec<Duration>>>);

impl Recorder {
    pub fn delays(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

impl Sleeper for Recorder {
    fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        self.0.lock().unwrap().push(delay);
        Box::pin(async {})
    }
}

/// A builder with deterministic backoff (100 ms, 200 ms, …) and a recording sleeper.
pub fn builder(recorder: &Recorder) -> ClientBuilder {
    Client::builder()
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .base(Duration::from_millis(100))
                .jitter(Jitter::None),
        )
        .sleeper(Arc::new(recorder.clone()))
}
