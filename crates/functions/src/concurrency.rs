//! Per-tool concurrency caps: at most `limit` calls of one tool run at once; more fail fast.
//!
//! Failing fast, not queueing, is the point: a caller flooding an expensive tool
//! (`execute_code`, `query_database`, file scans) must not make the host hold a growing queue of
//! waiting calls and their arguments. The caller gets [`CallError::Busy`] and may retry.
//!
//! A call's slot is held while its future runs, and also by blocking work the tool hands to
//! [`spawn_blocking`]: dropping a call (a client that disconnects, a timeout) cannot free the
//! slot while the work it started is still running on a blocking thread.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::CallError;

tokio::task_local! {
    /// The slot of the limited tool call running on this task.
    static CALL_SLOT: Arc<OwnedSemaphorePermit>;
}

/// The slots of one tool with a concurrency limit.
pub(crate) struct CallSlots {
    semaphore: Arc<Semaphore>,
    limit: usize,
}

/// One taken slot; free again once the call and the blocking work it started have ended.
pub(crate) struct Slot(Arc<OwnedSemaphorePermit>);

impl CallSlots {
    /// Slots for `limit` concurrent calls; [`RegistryConfig`](crate::RegistryConfig) has
    /// clamped `limit` to at least 1 and at most [`Semaphore::MAX_PERMITS`].
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            semaphore: Arc::new(Semaphore::new(limit)),
            limit,
        }
    }

    /// A slot for one call of `tool`, or [`CallError::Busy`] when all are taken.
    pub(crate) fn try_take(&self, tool: &str) -> Result<Slot, CallError> {
        match Arc::clone(&self.semaphore).try_acquire_owned() {
            Ok(permit) => Ok(Slot(Arc::new(permit))),
            Err(_) => Err(CallError::Busy {
                tool: tool.to_owned(),
                limit: self.limit,
            }),
        }
    }
}

impl Slot {
    /// Runs the call's future with this slot visible to [`spawn_blocking`].
    pub(crate) async fn hold_during<F: Future>(self, call: F) -> F::Output {
        CALL_SLOT.scope(self.0, call).await
    }
}

/// [`tokio::task::spawn_blocking`] that keeps the current tool call's concurrency slot (if it
/// has one) taken until `work` returns, even when the call's future is dropped first.
#[cfg(any(test, feature = "read_file", feature = "query_database"))]
pub(crate) fn spawn_blocking<T, F>(work: F) -> tokio::task::JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let slot = CALL_SLOT.try_with(Arc::clone).ok();
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        work()
    })
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use serde_json::json;

    use crate::{NoArgs, RegistryConfig, ToolRegistry};

    /// `scan` hands its work to a blocking thread that waits for `release`, then answers; its
    /// calls time out after 50 ms of real time (blocking work keeps paused time from advancing).
    fn blocking_scan() -> (
        ToolRegistry,
        mpsc::Sender<()>,
        tokio::sync::mpsc::UnboundedReceiver<()>,
    ) {
        let r = ToolRegistry::with_config(
            RegistryConfig::default()
                .with_tool_concurrency("scan", 1)
                .with_default_timeout(Duration::from_millis(50)),
        );
        let (release, wait) = mpsc::channel::<()>();
        let wait = std::sync::Arc::new(std::sync::Mutex::new(wait));
        let (started_tx, started) = tokio::sync::mpsc::unbounded_channel();
        r.register_fn("scan", "Scans on a blocking thread.", move |_: NoArgs| {
            let wait = wait.clone();
            let started_tx = started_tx.clone();
            async move {
                super::spawn_blocking(move || {
                    started_tx.send(()).unwrap();
                    wait.lock().unwrap().recv().unwrap();
                })
                .await
                .map_err(|e| e.to_string())
            }
        })
        .unwrap();
        (r, release, started)
    }

    #[tokio::test]
    async fn blocking_work_keeps_the_slot_after_its_call_times_out() {
        let (r, release, mut started) = blocking_scan();
        let err = r.invoke("scan", "{}").await.unwrap_err();
        assert_eq!(err.kind(), "timeout");
        started.recv().await.unwrap();
        // The call is gone, its blocking work is not: the slot is still taken.
        let err = r.invoke("scan", "{}").await.unwrap_err();
        assert_eq!(err.kind(), "busy", "{err}");
        // Once the work ends the slot is free (polled: the blocking thread frees it when done).
        release.send(()).unwrap();
        let next = loop {
            match r.invoke("scan", "{}").await {
                Err(e) if e.kind() == "busy" => tokio::task::yield_now().await,
                other => break other,
            }
        };
        assert_eq!(next.unwrap_err().kind(), "timeout", "it ran");
        started.recv().await.unwrap();
        release.send(()).unwrap();
    }

    #[tokio::test]
    async fn blocking_work_of_an_unlimited_tool_runs_without_a_slot() {
        let r = ToolRegistry::new();
        r.register_fn("plain", "Blocking work, no cap.", |_: NoArgs| async {
            super::spawn_blocking(|| 7).await.map_err(|e| e.to_string())
        })
        .unwrap();
        assert_eq!(r.invoke("plain", "{}").await.unwrap(), json!(7));
    }
}
