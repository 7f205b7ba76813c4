//! Per-caller limits: a token bucket (`rate_per_minute`) and a cap on calls running at once
//! (`max_concurrent`) for each `[[tools.tokens]]` entry (per user: `super::user_limits`).
//!
//! [`take`] is the policy: a pure function of the bucket, the time and the rate, so tests drive
//! it with an injected clock. [`Limiter`] holds one token's state and is asked once per tool
//! call; a refusal tells the caller to wait, never which rule or numbers refused it.
//!
//! Limits are per gateway process: several gateways behind one address each count on their own.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::ApiError;

/// A token bucket: `tokens` whole or fractional calls available as of `at`.
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// A full bucket for `per_minute` calls (the burst is the per-minute rate).
    pub fn full(per_minute: u32, now: Instant) -> Self {
        Bucket {
            tokens: f64::from(per_minute),
            at: now,
        }
    }
}

impl Bucket {
    /// Whether the bucket has refilled to its burst by `now`: a full bucket is the same as a
    /// fresh one, so forgetting it loses nothing.
    pub fn is_full(&self, now: Instant, per_minute: u32) -> bool {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens + elapsed * f64::from(per_minute) / 60.0 >= f64::from(per_minute)
    }

    /// Puts back one call taken by [`take`] for a call that was refused elsewhere.
    pub fn give_back(&mut self, per_minute: u32) {
        self.tokens = (self.tokens + 1.0).min(f64::from(per_minute));
    }
}

/// Takes one call from `bucket` at `now`, refilling it continuously at `per_minute` calls per
/// minute up to `per_minute`: `Ok` when a call was available, else how long until one is.
///
/// # Errors
/// The wait until the next call is allowed (never zero).
pub fn take(bucket: &mut Bucket, now: Instant, per_minute: u32) -> Result<(), Duration> {
    let capacity = f64::from(per_minute);
    let per_second = capacity / 60.0;
    // A clock that went backwards (or an older `now`) refills nothing rather than panicking.
    let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
    bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
    bucket.at = now.max(bucket.at);
    if bucket.tokens >= 1.0 {
        bucket.tokens -= 1.0;
        return Ok(());
    }
    let wait = (1.0 - bucket.tokens) / per_second;
    Err(Duration::from_secs_f64(wait).max(Duration::from_millis(1)))
}

/// The refusal for a rate wait: whole seconds, rounded up, at least 1.
pub fn rate_limited(wait: Duration) -> Refusal {
    Refusal::RateLimited {
        retry_after: wait.as_secs_f64().ceil().max(1.0) as u64,
    }
}

/// Why a call was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Over the rate; retry after this many whole seconds (rounded up, at least 1).
    RateLimited {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// As many calls as allowed are running.
    TooManyConcurrent,
}

impl Refusal {
    /// What the caller (or the model) is told: when to retry, not the rule set.
    pub fn message(self) -> String {
        match self {
            Refusal::RateLimited { retry_after } => {
                format!("this caller is over its rate limit; retry after {retry_after} s")
            }
            Refusal::TooManyConcurrent => {
                "this caller has too many calls running at once; retry after 1 s".to_owned()
            }
        }
    }

    /// Seconds for `Retry-After`.
    pub fn retry_after(self) -> u64 {
        match self {
            Refusal::RateLimited { retry_after } => retry_after,
            Refusal::TooManyConcurrent => 1,
        }
    }

    /// The stable error kind (`rate_limited`, `too_many_concurrent_calls`).
    pub fn kind(self) -> &'static str {
        match self {
            Refusal::RateLimited { .. } => "rate_limited",
            Refusal::TooManyConcurrent => "too_many_concurrent_calls",
        }
    }
}

impl IntoResponse for Refusal {
    /// `429` with `Retry-After` and the usual JSON error body.
    fn into_response(self) -> Response {
        let mut response =
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, self.kind(), self.message())
                .into_response();
        response.headers_mut().insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from(self.retry_after()),
        );
        response
    }
}

/// Held while an admitted call runs; dropping it frees the concurrency slot.
#[derive(Debug)]
pub struct Admission {
    _permit: Option<OwnedSemaphorePermit>,
}

impl Admission {
    /// The admission of a caller without limits.
    pub fn unlimited() -> Self {
        Admission { _permit: None }
    }

    /// The admission holding `permit` (a concurrency slot).
    pub fn holding(permit: Option<OwnedSemaphorePermit>) -> Self {
        Admission { _permit: permit }
    }
}

/// One token's limits and their state.
#[derive(Debug)]
pub struct Limiter {
    rate: Option<(u32, Mutex<Bucket>)>,
    running: Option<Arc<Semaphore>>,
}

impl Limiter {
    /// A limiter for `rate_per_minute` and `max_concurrent`; `None` when neither is set, so an
    /// unlimited token costs nothing per call.
    pub fn new(rate_per_minute: Option<u32>, max_concurrent: Option<u32>) -> Option<Self> {
        if rate_per_minute.is_none() && max_concurrent.is_none() {
            return None;
        }
        Some(Limiter {
            rate: rate_per_minute.map(|r| (r, Mutex::new(Bucket::full(r, Instant::now())))),
            running: max_concurrent.map(|n| Arc::new(Semaphore::new(n as usize))),
        })
    }

    /// Admits one call at `now`, or says why not. The concurrency slot is checked first, so a
    /// call refused for concurrency does not spend a rate token.
    ///
    /// # Errors
    /// The [`Refusal`], ready to answer.
    pub fn admit(&self, now: Instant) -> Result<Admission, Refusal> {
        let permit = match &self.running {
            Some(slots) => Some(
                slots
                    .clone()
                    .try_acquire_owned()
                    .map_err(|_| Refusal::TooManyConcurrent)?,
            ),
            None => None,
        };
        if let Some((per_minute, bucket)) = &self.rate {
            // A poisoned lock only means another call panicked mid-update; the bucket is plain
            // numbers and still usable.
            let mut bucket = bucket
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            take(&mut bucket, now, *per_minute).map_err(rate_limited)?;
        }
        Ok(Admission { _permit: permit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_full_bucket_allows_a_burst_of_the_per_minute_rate_then_refuses() {
        let t0 = Instant::now();
        let mut bucket = Bucket::full(3, t0);
        for _ in 0..3 {
            assert_eq!(take(&mut bucket, t0, 3), Ok(()));
        }
        assert!(take(&mut bucket, t0, 3).is_err());
    }

    #[test]
    fn an_empty_bucket_says_how_long_until_the_next_call() {
        let t0 = Instant::now();
        let mut bucket = Bucket::full(2, t0);
        take(&mut bucket, t0, 2).unwrap();
        take(&mut bucket, t0, 2).unwrap();
        // Two a minute: one token every 30 s.
        let wait = take(&mut bucket, t0, 2).unwrap_err();
        assert_eq!(wait.as_secs_f64().round(), 30.0);
        let wait = take(&mut bucket, t0 + Duration::from_secs(20), 2).unwrap_err();
        assert_eq!(wait.as_secs_f64().round(), 10.0);
    }

    #[test]
    fn the_bucket_refills_continuously() {
        let t0 = Instant::now();
        let mut bucket = Bucket::full(60, t0);
        for _ in 0..60 {
            take(&mut bucket, t0, 60).unwrap();
        }
        assert!(take(&mut bucket, t0 + Duration::from_millis(500), 60).is_err());
        assert_eq!(take(&mut bucket, t0 + Duration::from_secs(1), 60), Ok(()));
    }

    #[test]
    fn a_long_idle_bucket_refills_only_to_its_burst() {
        let t0 = Instant::now();
        let mut bucket = Bucket::full(2, t0);
        take(&mut bucket, t0, 2).unwrap();
        let later = t0 + 10 * MINUTE;
        assert_eq!(take(&mut bucket, later, 2), Ok(()));
        assert_eq!(take(&mut bucket, later, 2), Ok(()));
        assert!(take(&mut bucket, later, 2).is_err());
    }

    #[test]
    fn a_clock_that_goes_backwards_refills_nothing() {
        let t0 = Instant::now() + MINUTE;
        let mut bucket = Bucket::full(1, t0);
        take(&mut bucket, t0, 1).unwrap();
        assert!(take(&mut bucket, t0 - Duration::from_secs(30), 1).is_err());
    }

    #[test]
    fn a_rate_refusal_rounds_the_wait_up_to_whole_seconds() {
        let t0 = Instant::now();
        let limiter = Limiter::new(Some(7), None).unwrap();
        for _ in 0..7 {
            limiter.admit(t0).unwrap();
        }
        // Seven a minute: 8.57 s per token.
        let refusal = limiter.admit(t0).unwrap_err();
        assert_eq!(refusal, Refusal::RateLimited { retry_after: 9 });
        assert_eq!(
            refusal.message(),
            "this caller is over its rate limit; retry after 9 s"
        );
    }

    #[test]
    fn a_concurrency_slot_is_held_until_the_admission_is_dropped() {
        let limiter = Limiter::new(None, Some(1)).unwrap();
        let first = limiter.admit(Instant::now()).unwrap();
        assert_eq!(
            limiter.admit(Instant::now()).unwrap_err(),
            Refusal::TooManyConcurrent
        );
        drop(first);
        assert!(limiter.admit(Instant::now()).is_ok());
    }

    #[test]
    fn a_call_refused_for_concurrency_spends_no_rate_token() {
        let t0 = Instant::now();
        let limiter = Limiter::new(Some(2), Some(1)).unwrap();
        let running = limiter.admit(t0).unwrap();
        for _ in 0..5 {
            assert_eq!(limiter.admit(t0).unwrap_err(), Refusal::TooManyConcurrent);
        }
        drop(running);
        assert!(limiter.admit(t0).is_ok());
    }

    #[test]
    fn a_token_without_limits_has_no_limiter() {
        assert!(Limiter::new(None, None).is_none());
    }

    #[test]
    fn refusals_name_no_rule_or_number_beyond_the_wait() {
        let message = Refusal::TooManyConcurrent.message();
        assert!(!message.contains("max_concurrent"), "{message}");
        let message = Refusal::RateLimited { retry_after: 4 }.message();
        assert!(!message.contains("per_minute"), "{message}");
        assert_eq!(Refusal::TooManyConcurrent.retry_after(), 1);
    }
}
