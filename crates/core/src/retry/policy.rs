//! The retry policy: attempts, full-jitter exponential backoff, elapsed-time and delay caps.

use std::{
    collections::hash_map::RandomState,
    hash::{BuildHasher, Hasher},
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

/// How the backoff delay is randomised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Jitter {
    /// A uniformly random delay between zero and the exponential backoff ("full jitter").
    Full,
    /// Exactly the exponential backoff; for tests and single-client tools.
    None,
}

/// When and how often a request is retried.
///
/// The delay before retry `n` (1-based) is `min(cap, base · 2^(n-1))`, multiplied by a random
/// factor in `[0, 1)` with [`Jitter::Full`]. A server-sent delay (`Retry-After`,
/// `X-RateLimit-Reset`, or a [`RateLimitHook`](super::RateLimitHook)) replaces the backoff; if it
/// exceeds [`max_server_delay`](Self::max_server_delay) the request is not retried and the
/// response is returned as it is, so the caller sees the real wait.
///
/// ```
/// use std::time::Duration;
/// use switchboard_core::RetryPolicy;
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .base(Duration::from_millis(100))
///     .cap(Duration::from_secs(5))
///     .max_elapsed(Some(Duration::from_secs(20)));
/// assert_eq!(policy.attempts(), 5);
/// assert_eq!(RetryPolicy::none().attempts(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base: Duration,
    cap: Duration,
    max_elapsed: Option<Duration>,
    max_server_delay: Duration,
    jitter: Jitter,
}

impl Default for RetryPolicy {
    /// 3 attempts, base 250 ms, cap 10 s, at most 60 s elapsed, server delays up to 60 s, full
    /// jitter.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base: Duration::from_millis(250),
            cap: Duration::from_secs(10),
            max_elapsed: Some(Duration::from_secs(60)),
            max_server_delay: Duration::from_secs(60),
            jitter: Jitter::Full,
        }
    }
}

impl RetryPolicy {
    /// No retries: every request is sent exactly once.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Total attempts including the first (at least 1; 0 is taken as 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first backoff step.
    #[must_use]
    pub fn base(mut self, base: Duration) -> Self {
        self.base = base;
        self
    }

    /// The largest backoff step.
    #[must_use]
    pub fn cap(mut self, cap: Duration) -> Self {
        self.cap = cap;
        self
    }

    /// No retry starts once this much time has passed since the first attempt (including the
    /// wait before it); `None` for no limit.
    #[must_use]
    pub fn max_elapsed(mut self, limit: Option<Duration>) -> Self {
        self.max_elapsed = limit;
        self
    }

    /// The longest server-requested delay that is waited for; longer ones end retrying.
    #[must_use]
    pub fn max_server_delay(mut self, limit: Duration) -> Self {
        self.max_server_delay = limit;
        self
    }

    /// How the backoff is randomised.
    #[must_use]
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Total attempts including the first.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The elapsed-time limit.
    pub fn elapsed_limit(&self) -> Option<Duration> {
        self.max_elapsed
    }

    /// The longest server-requested delay that is honoured.
    pub fn server_delay_limit(&self) -> Duration {
        self.max_server_delay
    }

    /// The backoff before retry number `retry` (1 for the first retry).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(31);
        let step = self
            .base
            .checked_mul(1u32 << exp)
            .unwrap_or(self.cap)
            .min(self.cap);
        match self.jitter {
            Jitter::None => step,
            Jitter::Full => step.mul_f64(random_unit()),
        }
    }
}

/// A uniformly distributed number in `[0, 1)`, from a per-process random seed and a counter.
fn random_unit() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(n);
    // 53 random bits make an exactly representable fraction below 1.
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        let p = RetryPolicy::default()
            .base(Duration::from_millis(100))
            .cap(Duration::from_millis(350))
            .jitter(Jitter::None);
        let got: Vec<_> = (1..=5).map(|n| p.backoff(n).as_millis()).collect();
        assert_eq!(got, [100, 200, 350, 350, 350]);
        assert_eq!(p.backoff(200), Duration::from_millis(350));
    }

    #[test]
    fn full_jitter_stays_below_step() {
        let p = RetryPolicy::default()
            .base(Duration::from_millis(100))
            .cap(Duration::from_secs(1));
        let delays: Vec<_> = (0..200).map(|_| p.backoff(3)).collect();
        assert!(delays.iter().all(|d| *d < Duration::from_millis(400)));
        // Not all the same: it is random.
        assert!(delays.iter().any(|d| *d != delays[0]));
    }
}
