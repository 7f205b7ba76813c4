//! How many more attempts a call may make, and after what delay.

use std::{fmt, time::Duration};

use tokio::time::Instant;

use crate::{client::ClientInner, retry::RetryPolicy};

/// Why a retry was not made (for the debug log).
pub(super) enum Stop {
    Attempts,
    Elapsed,
    Deadline,
    Budget,
    ServerDelayTooLong(Duration),
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Attempts => f.write_str("attempts exhausted"),
            Self::Elapsed => f.write_str("retry time limit reached"),
            Self::Deadline => f.write_str("deadline reached"),
            Self::Budget => f.write_str("retry budget exhausted"),
            Self::ServerDelayTooLong(d) => {
                write!(f, "server asked to wait {d:?}, beyond the allowed maximum")
            }
        }
    }
}

pub(super) struct Plan<'a> {
    pub(super) inner: &'a ClientInner,
    pub(super) policy: &'a RetryPolicy,
    pub(super) started: Instant,
    pub(super) deadline: Option<Instant>,
    pub(super) spent: u32,
}

impl Plan<'_> {
    /// The delay before the next attempt, or why there is none.
    pub(super) fn next(
        &mut self,
        attempt: u32,
        server_delay: Option<Duration>,
        after_timeout: bool,
    ) -> Result<Duration, Stop> {
        if attempt >= self.policy.attempts() {
            return Err(Stop::Attempts);
        }
        let delay = match server_delay {
            Some(d) if d > self.policy.server_delay_limit() => {
                return Err(Stop::ServerDelayTooLong(d));
            }
            Some(d) => d,
            None => self.policy.backoff(attempt),
        };
        let now = Instant::now();
        if let Some(limit) = self.policy.elapsed_limit()
            && now.duration_since(self.started) + delay > limit
        {
            return Err(Stop::Elapsed);
        }
        if let Some(deadline) = self.deadline
            && now + delay >= deadline
        {
            return Err(Stop::Deadline);
        }
        match self.inner.budget.try_acquire(after_timeout) {
            Some(cost) => {
                self.spent = self.spent.saturating_add(cost);
                Ok(delay)
            }
            None => Err(Stop::Budget),
        }
    }
}
