//! Per-tool concurrency caps: at most `limit` calls of one tool run at once; more fail fast.
//!
//! Failing fast, not queueing, is the point: a caller flooding an expensive tool
//! (`execute_code`, `query_database`, file scans) must not make the host hold a growing queue of
//! waiting calls and their arguments. The caller gets [`CallError::Busy`] and may retry.

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::CallError;

/// The slots of one tool with a concurrency limit.
pub(crate) struct CallSlots {
    semaphore: Semaphore,
    limit: usize,
}

impl CallSlots {
    /// Slots for `limit` concurrent calls; [`RegistryConfig`](crate::RegistryConfig) has
    /// clamped `limit` to at least 1 and at most [`Semaphore::MAX_PERMITS`].
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            semaphore: Semaphore::new(limit),
            limit,
        }
    }

    /// A slot for one call of `tool`, held until the permit is dropped (when the call ends,
    /// times out, is cancelled or its future is dropped), or [`CallError::Busy`] when all are
    /// taken.
    pub(crate) fn try_take(&self, tool: &str) -> Result<SemaphorePermit<'_>, CallError> {
        self.semaphore.try_acquire().map_err(|_| CallError::Busy {
            tool: tool.to_owned(),
            limit: self.limit,
        })
    }
}
