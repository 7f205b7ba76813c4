//! The sleeper retries wait with: tokio's timer by default, injectable for tests.

use std::{fmt, future::Future, pin::Pin, time::Duration};

/// Waits between retries. Inject one with
/// [`ClientBuilder::sleeper`](crate::ClientBuilder::sleeper) to observe or skip the delays.
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// A future that completes after `delay`.
    fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// Sleeps with `tokio::time::sleep` (so `tokio::time::pause` applies).
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(delay))
    }
}
