//! Bounded call history: a ring buffer of recent calls with redacted arguments.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde_json::Value;

/// How a recorded call ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// The handler returned an output.
    Success,
    /// The call failed; `kind` is [`CallError::kind`](crate::CallError::kind).
    Error {
        /// The error kind.
        kind: &'static str,
        /// The error's text.
        message: String,
    },
    /// The caller dropped the call's future before it finished.
    Dropped,
}

/// One recorded call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    pub(crate) tool: String,
    pub(crate) call_id: Option<String>,
    pub(crate) started_at: SystemTime,
    pub(crate) duration: Duration,
    pub(crate) arguments: Option<Value>,
    pub(crate) outcome: Outcome,
}

impl HistoryEntry {
    /// The tool name as called.
    pub fn tool(&self) -> &str {
        &self.tool
    }

    /// The provider's call id.
    pub fn call_id(&self) -> Option<&str> {
        self.call_id.as_deref()
    }

    /// Wall-clock time the call started.
    pub fn started_at(&self) -> SystemTime {
        self.started_at
    }

    /// How long the call took (Tokio clock, so paused time in tests is exact).
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// The parsed arguments with secret-marked values replaced by `"[redacted]"`;
    /// `None` when they could not be parsed or the tool is unknown (no schema says what is secret).
    pub fn arguments(&self) -> Option<&Value> {
        self.arguments.as_ref()
    }

    /// How the call ended.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }
}

/// A ring buffer holding the last `capacity` calls.
#[derive(Debug)]
pub(crate) struct CallHistory {
    capacity: usize,
    entries: Mutex<VecDeque<HistoryEntry>>,
}

impl CallHistory {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.capacity > 0
    }

    pub(crate) fn push(&self, entry: HistoryEntry) {
        if self.capacity == 0 {
            return;
        }
        // A panic while holding this lock cannot leave the deque inconsistent; keep recording.
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub(crate) fn snapshot(&self) -> Vec<HistoryEntry> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.iter().cloned().collect()
    }

    pub(crate) fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}
