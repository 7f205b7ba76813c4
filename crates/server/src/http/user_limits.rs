//! Per-user limits (`[tools.user_limits]`): a token bucket and a cap on calls running at once for
//! each Open WebUI user, over every token they call through.
//!
//! User ids come from callers: under a token that may assert users, whoever holds it can name
//! any number of users. So the table of counts is bounded (`max_users`) and least recently seen
//! first (an LRU map): a user whose bucket has refilled and who has nothing running is forgotten
//! as soon as they reach the cold end (nothing is lost: a fresh entry is the same); when the table
//! is full of active users, the least recently seen one is forgotten anyway, so memory stays
//! bounded at the price of that user's counts starting over. Both are counted in `/metrics`.
//!
//! The bucket arithmetic is [`super::limits::take`], with the clock passed in.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use hashlink::LruCache;
use tokio::sync::Semaphore;

use super::limits::{Admission, Bucket, Refusal, rate_limited, take};
use crate::config::UserLimitSettings;

/// How many idle users one call may forget at most (bounded work per call).
const SWEEP_PER_CALL: usize = 2;

/// One user's counts.
#[derive(Debug)]
struct UserState {
    bucket: Option<Bucket>,
    running: Option<Arc<Semaphore>>,
}

/// The per-user limits and the bounded table of their counts.
#[derive(Debug)]
pub struct UserLimiter {
    rate_per_minute: Option<u32>,
    max_concurrent: Option<u32>,
    table: Mutex<LruCache<Box<str>, UserState>>,
    forgotten_idle: AtomicU64,
    forgotten_full: AtomicU64,
}

impl UserLimiter {
    /// A limiter for `settings`, tracking at most `settings.max_users` users.
    pub fn new(settings: &UserLimitSettings) -> Self {
        UserLimiter {
            rate_per_minute: settings.rate_per_minute,
            max_concurrent: settings.max_concurrent,
            table: Mutex::new(LruCache::new(settings.max_users)),
            forgotten_idle: AtomicU64::new(0),
            forgotten_full: AtomicU64::new(0),
        }
    }

    /// Admits one call of `user` at `now`, or says why not; hold the [`Admission`] while the
    /// call runs. The concurrency slot is checked first, so a call refused for concurrency does
    /// not spend a rate token.
    ///
    /// # Errors
    /// The [`Refusal`], ready to answer.
    pub fn admit(&self, user: &str, now: Instant) -> Result<Admission, Refusal> {
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        self.sweep(&mut table, now);
        if !table.contains_key(user) {
            if table.len() >= table.capacity() && table.remove_lru().is_some() {
                self.forgotten_full.fetch_add(1, Ordering::Relaxed);
                tracing::debug!("per-user limit table full; forgot the least recently seen user");
            }
            let fresh = UserState {
                bucket: self.rate_per_minute.map(|r| Bucket::full(r, now)),
                running: self
                    .max_concurrent
                    .map(|n| Arc::new(Semaphore::new(n as usize))),
            };
            table.insert(user.into(), fresh);
        }
        let Some(state) = table.get_mut(user) else {
            // Only a capacity of 0 could lose the entry just inserted; config refuses that.
            return Ok(Admission::unlimited());
        };
        let permit = match &state.running {
            Some(slots) => Some(
                slots
                    .clone()
                    .try_acquire_owned()
                    .map_err(|_| Refusal::TooManyConcurrent)?,
            ),
            None => None,
        };
        if let (Some(per_minute), Some(bucket)) = (self.rate_per_minute, &mut state.bucket) {
            take(bucket, now, per_minute).map_err(rate_limited)?;
        }
        Ok(Admission::holding(permit))
    }

    /// Puts back the rate token [`UserLimiter::admit`] took for a call that another limit then
    /// refused, so a user is not charged for calls that never ran.
    pub fn give_back(&self, user: &str) {
        let Some(per_minute) = self.rate_per_minute else {
            return;
        };
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(bucket) = table.peek_mut(user).and_then(|s| s.bucket.as_mut()) {
            bucket.give_back(per_minute);
        }
    }

    /// Forgets up to [`SWEEP_PER_CALL`] users at the cold end of the table that have nothing left
    /// to count at `now`.
    fn sweep(&self, table: &mut LruCache<Box<str>, UserState>, now: Instant) {
        for _ in 0..SWEEP_PER_CALL {
            let idle = table
                .iter()
                .next()
                .is_some_and(|(_, state)| self.is_idle(state, now));
            if !idle {
                return;
            }
            table.remove_lru();
            self.forgotten_idle.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Whether forgetting `state` at `now` would change nothing: its bucket is full again and
    /// none of its calls is running.
    fn is_idle(&self, state: &UserState, now: Instant) -> bool {
        let bucket_full = match (self.rate_per_minute, &state.bucket) {
            (Some(per_minute), Some(bucket)) => bucket.is_full(now, per_minute),
            _ => true,
        };
        let nothing_running = match (self.max_concurrent, &state.running) {
            (Some(max), Some(slots)) => slots.available_permits() == max as usize,
            _ => true,
        };
        bucket_full && nothing_running
    }

    /// How many users are tracked.
    pub fn tracked(&self) -> usize {
        self.table
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// The table's gauge and counters in the Prometheus text format.
    pub fn render(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP switchboard_user_limit_users Users whose per-user limits are being counted.\n\
             # TYPE switchboard_user_limit_users gauge\n\
             switchboard_user_limit_users {}\n\
             # HELP switchboard_user_limit_forgotten_total Users dropped from the per-user limit table: idle (nothing left to count) or full (the table was full of active users).\n\
             # TYPE switchboard_user_limit_forgotten_total counter\n\
             switchboard_user_limit_forgotten_total{{reason=\"idle\"}} {}\n\
             switchboard_user_limit_forgotten_total{{reason=\"full\"}} {}",
            self.tracked(),
            self.forgotten_idle.load(Ordering::Relaxed),
            self.forgotten_full.load(Ordering::Relaxed),
        );
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn limiter(rate: Option<u32>, concurrent: Option<u32>, max_users: usize) -> UserLimiter {
        UserLimiter::new(&UserLimitSettings {
            rate_per_minute: rate,
            max_concurrent: concurrent,
            max_users,
        })
    }

    #[test]
    fn each_user_has_their_own_bucket() {
        let t0 = Instant::now();
        let users = limiter(Some(1), None, 10);
        users.admit("ada", t0).unwrap();
        assert_eq!(
            users.admit("ada", t0).unwrap_err(),
            Refusal::RateLimited { retry_after: 60 }
        );
        assert!(users.admit("bob", t0).is_ok());
    }

    #[test]
    fn each_user_has_their_own_concurrency_slots() {
        let t0 = Instant::now();
        let users = limiter(None, Some(1), 10);
        let running = users.admit("ada", t0).unwrap();
        assert_eq!(
            users.admit("ada", t0).unwrap_err(),
            Refusal::TooManyConcurrent
        );
        assert!(users.admit("bob", t0).is_ok());
        drop(running);
        assert!(users.admit("ada", t0).is_ok());
    }

    #[test]
    fn a_given_back_call_can_be_made_again() {
        let t0 = Instant::now();
        let users = limiter(Some(1), None, 10);
        users.admit("ada", t0).unwrap();
        users.give_back("ada");
        assert!(users.admit("ada", t0).is_ok());
    }

    #[test]
    fn random_user_ids_never_grow_the_table_beyond_its_bound() {
        let t0 = Instant::now();
        let users = limiter(Some(1), Some(1), 50);
        for i in 0..10_000 {
            // Each id spends its only call: none is idle within the minute.
            users.admit(&format!("attacker-{i}"), t0).unwrap();
            assert!(users.tracked() <= 50);
        }
        assert_eq!(users.tracked(), 50);
        assert_eq!(users.forgotten_full.load(Ordering::Relaxed), 10_000 - 50);
    }

    #[test]
    fn idle_users_are_forgotten_before_the_table_is_full() {
        let t0 = Instant::now();
        let users = limiter(Some(60), None, 100);
        for i in 0..10 {
            users.admit(&format!("u{i}"), t0).unwrap();
        }
        // A second later every bucket has its one call back: each call forgets two idle users.
        let t1 = t0 + Duration::from_secs(1);
        users.admit("late", t1).unwrap();
        assert_eq!(users.tracked(), 9);
        assert_eq!(users.forgotten_idle.load(Ordering::Relaxed), 2);
        assert_eq!(users.forgotten_full.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_user_with_a_running_call_is_not_idle() {
        let t0 = Instant::now();
        let users = limiter(None, Some(2), 100);
        let _running = users.admit("busy", t0).unwrap();
        users.admit("other", t0 + Duration::from_secs(5)).unwrap();
        // `busy` is at the cold end and holds a slot: the sweep stops there.
        assert_eq!(users.tracked(), 2);
        assert_eq!(users.forgotten_idle.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_forgotten_active_user_starts_over_with_a_full_bucket() {
        let t0 = Instant::now();
        let users = limiter(Some(1), None, 1);
        users.admit("ada", t0).unwrap();
        users.admit("bob", t0).unwrap();
        assert!(users.admit("ada", t0).is_ok());
    }

    #[test]
    fn the_metrics_show_the_table_size_and_what_was_forgotten() {
        let users = limiter(Some(1), None, 1);
        users.admit("ada", Instant::now()).unwrap();
        users.admit("bob", Instant::now()).unwrap();
        let mut out = String::new();
        users.render(&mut out);
        assert!(out.contains("switchboard_user_limit_users 1\n"), "{out}");
        assert!(
            out.contains("switchboard_user_limit_forgotten_total{reason=\"full\"} 1"),
            "{out}"
        );
    }
}
