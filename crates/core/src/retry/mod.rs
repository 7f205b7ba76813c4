//! Retrying: when (classification), how long to wait (backoff, `Retry-After`), and how much
//! (attempts, elapsed time, a shared retry budget).

mod budget;
pub(crate) mod classify;
mod hook;
mod policy;
pub(crate) mod retry_after;
mod sleep;

pub use budget::RetryBudget;
pub use classify::{is_idempotent, is_transient_status};
pub use hook::{RateLimitHook, RateLimited, ResponseView};
pub use policy::{Jitter, RetryPolicy};
pub use retry_after::{parse_rate_limit_reset, parse_retry_after};
pub use sleep::{Sleeper, TokioSleeper};
