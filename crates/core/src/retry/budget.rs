//! A retry budget: a token bucket shared by all requests of a client, so an outage does not
//! multiply traffic with retries.

use std::sync::{
    Arc,
    atomic::{AtomicU32, Ordering},
};

/// A token bucket that every retry draws from (the AWS SDK "standard" design).
///
/// A retry costs [`retry_cost`](Self::retry_cost) tokens, a retry after a timeout costs
/// [`timeout_cost`](Self::timeout_cost); when the bucket cannot pay, the request is not retried.
/// A request that succeeds on its first attempt puts one token back; one that succeeds after
/// retries puts back what its retries cost. Clones share the same bucket.
///
/// ```
/// use switchboard_core::RetryBudget;
/// let budget = RetryBudget::new(10).retry_cost(5);
/// assert_eq!(budget.available(), 10);
/// ```
#[derive(Debug, Clone)]
pub struct RetryBudget {
    tokens: Option<Arc<AtomicU32>>,
    capacity: u32,
    retry_cost: u32,
    timeout_cost: u32,
}

impl Default for RetryBudget {
    /// Capacity 500, retry cost 5, timeout cost 10.
    fn default() -> Self {
        Self::new(500)
    }
}

impl RetryBudget {
    /// A full bucket of `capacity` tokens with the default costs (5 per retry, 10 after a timeout).
    pub fn new(capacity: u32) -> Self {
        Self {
            tokens: Some(Arc::new(AtomicU32::new(capacity))),
            capacity,
            retry_cost: 5,
            timeout_cost: 10,
        }
    }

    /// A budget that never runs out.
    pub fn unlimited() -> Self {
        Self {
            tokens: None,
            capacity: u32::MAX,
            retry_cost: 0,
            timeout_cost: 0,
        }
    }

    /// Tokens a retry costs.
    #[must_use]
    pub fn retry_cost(mut self, cost: u32) -> Self {
        self.retry_cost = cost;
        self
    }

    /// Tokens a retry after a timeout costs.
    #[must_use]
    pub fn timeout_cost(mut self, cost: u32) -> Self {
        self.timeout_cost = cost;
        self
    }

    /// Tokens currently in the bucket.
    pub fn available(&self) -> u32 {
        self.tokens
            .as_ref()
            .map_or(u32::MAX, |t| t.load(Ordering::Relaxed))
    }

    /// Takes the cost of one retry; returns the tokens taken, or `None` when the bucket is short.
    pub(crate) fn try_acquire(&self, after_timeout: bool) -> Option<u32> {
        let Some(tokens) = &self.tokens else {
            return Some(0);
        };
        let cost = if after_timeout {
            self.timeout_cost
        } else {
            self.retry_cost
        };
        tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .ok()
            .map(|_| cost)
    }

    /// Returns tokens after a success: `spent` if it took retries, else one.
    pub(crate) fn on_success(&self, spent: u32) {
        let Some(tokens) = &self.tokens else {
            return;
        };
        let refund = if spent == 0 { 1 } else { spent };
        let capacity = self.capacity;
        let _ = tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
            (t < capacity).then(|| t.saturating_add(refund).min(capacity))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drains_and_refills() {
        let b = RetryBudget::new(12).retry_cost(5).timeout_cost(10);
        assert_eq!(b.try_acquire(false), Some(5));
        assert_eq!(b.try_acquire(false), Some(5));
        assert_eq!(b.try_acquire(false), None);
        assert_eq!(b.available(), 2);
        b.on_success(10);
        assert_eq!(b.available(), 12);
        b.on_success(0);
        assert_eq!(b.available(), 12);
        assert_eq!(b.try_acquire(true), Some(10));
        assert_eq!(RetryBudget::unlimited().try_acquire(true), Some(0));
    }
}
