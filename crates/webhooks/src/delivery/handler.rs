//! Local handlers: in-process functions called for each triggered event, each isolated.
//!
//! Every call runs in its own task with a time limit; a handler that fails, panics or hangs
//! is recorded and traced, and never stops other handlers or the deliveries.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use tracing::{debug, warn};

use super::ids::MessageId;

/// The error a handler returns.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// The future a handler returns.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send>>;

type HandlerFn = Arc<dyn Fn(Event) -> HandlerFuture + Send + Sync>;

/// An event as handlers see it.
#[derive(Debug, Clone)]
pub struct Event {
    /// The message id (the `webhook-id` of its deliveries).
    pub message_id: MessageId,
    /// The event type.
    pub event_type: String,
    /// When it was triggered.
    pub timestamp: SystemTime,
    /// The event data.
    pub data: Arc<serde_json::Value>,
}

/// Identifies a registered handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HandlerId(u64);

/// How one handler call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandlerOutcome {
    /// It returned `Ok`.
    Ok,
    /// It returned an error (its text).
    Failed(String),
    /// It panicked (the panic message, when it was a string).
    Panicked(String),
    /// It ran past the handler timeout and was cancelled.
    TimedOut,
}

/// A record of one handler call.
#[derive(Debug, Clone)]
pub struct HandlerRun {
    /// The handler.
    pub handler: HandlerId,
    /// Its name, as registered.
    pub name: String,
    /// The message it handled.
    pub message_id: MessageId,
    /// The event type.
    pub event_type: String,
    /// How it ended.
    pub outcome: HandlerOutcome,
    /// How long it ran.
    pub duration: Duration,
}

struct Registered {
    id: HandlerId,
    name: String,
    /// `None` for a catch-all handler.
    event_type: Option<String>,
    call: HandlerFn,
}

/// The handler registry and the bounded log of outcomes.
pub(crate) struct Handlers {
    next: AtomicU64,
    list: RwLock<Vec<Registered>>,
    log: Mutex<VecDeque<HandlerRun>>,
    log_size: usize,
    timeout: Duration,
}

impl fmt::Debug for Handlers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.list.read().map(|l| l.len()).unwrap_or(0);
        f.debug_struct("Handlers")
            .field("registered", &count)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Handlers {
    pub(crate) fn new(timeout: Duration, log_size: usize) -> Self {
        Self {
            next: AtomicU64::new(1),
            list: RwLock::new(Vec::new()),
            log: Mutex::new(VecDeque::new()),
            log_size,
            timeout,
        }
    }

    pub(crate) fn add(
        &self,
        name: String,
        event_type: Option<String>,
        call: HandlerFn,
    ) -> HandlerId {
        let id = HandlerId(self.next.fetch_add(1, Ordering::Relaxed));
        let mut list = self
            .list
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        list.push(Registered {
            id,
            name,
            event_type,
            call,
        });
        id
    }

    pub(crate) fn remove(&self, id: HandlerId) -> bool {
        let mut list = self
            .list
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let before = list.len();
        list.retain(|h| h.id != id);
        list.len() != before
    }

    pub(crate) fn runs(&self) -> Vec<HandlerRun> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    fn record(&self, run: HandlerRun) {
        let mut log = self
            .log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if log.len() >= self.log_size.max(1) {
            log.pop_front();
        }
        log.push_back(run);
    }

    /// Starts every matching handler in its own task; returns how many were started.
    pub(crate) fn dispatch(self: &Arc<Self>, event: &Event) -> usize {
        let matching: Vec<(HandlerId, String, HandlerFn)> = {
            let list = self
                .list
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            list.iter()
                .filter(|h| h.event_type.as_ref().is_none_or(|t| *t == event.event_type))
                .map(|h| (h.id, h.name.clone(), h.call.clone()))
                .collect()
        };
        for (id, name, call) in &matching {
            let this = self.clone();
            let event = event.clone();
            let (id, name, call) = (*id, name.clone(), call.clone());
            tokio::spawn(async move {
                let started = Instant::now();
                let message_id = event.message_id.clone();
                let event_type = event.event_type.clone();
                // The inner task is where a panic lands; the outer one enforces the timeout.
                let mut task = tokio::spawn(call(event));
                let outcome = match tokio::time::timeout(this.timeout, &mut task).await {
                    Ok(Ok(Ok(()))) => HandlerOutcome::Ok,
                    Ok(Ok(Err(e))) => HandlerOutcome::Failed(e.to_string()),
                    Ok(Err(join)) if join.is_panic() => {
                        let payload = join.into_panic();
                        let text = payload
                            .downcast_ref::<&str>()
                            .map(|s| (*s).to_owned())
                            .or_else(|| payload.downcast_ref::<String>().cloned())
                            .unwrap_or_else(|| "non-string panic payload".to_owned());
                        HandlerOutcome::Panicked(text)
                    }
                    Ok(Err(_)) => HandlerOutcome::Failed("handler task was cancelled".into()),
                    Err(_) => {
                        task.abort();
                        HandlerOutcome::TimedOut
                    }
                };
                let duration = started.elapsed();
                match &outcome {
                    HandlerOutcome::Ok => {
                        debug!(handler = %name, message_id = %message_id, ?duration, "handler finished");
                    }
                    other => {
                        warn!(handler = %name, message_id = %message_id, outcome = ?other, ?duration, "handler failed");
                    }
                }
                this.record(HandlerRun {
                    handler: id,
                    name,
                    message_id,
                    event_type,
                    outcome,
                    duration,
                });
            });
        }
        matching.len()
    }
}
