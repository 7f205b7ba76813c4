//! The writer task behind [`Audit`]: a bounded queue of finished calls, drained in batches into
//! the store, and the retention job.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use switchboard::functions::ToolRegistry;
use tokio::sync::{mpsc, oneshot};

use super::row::{CallRecord, micros};
use super::store::AuditStore;
use crate::config::AuditSettings;
use crate::http::metrics::Metrics;

/// Finished calls waiting for the writer; beyond this, rows are dropped (and counted).
const QUEUE: usize = 8192;

/// Most rows inserted by one statement.
const BATCH: usize = 512;

/// Longest a queued row waits for others to share its commit (a flush does not wait).
const LINGER: Duration = Duration::from_millis(50);

/// How often the retention job deletes rows older than `[audit] retention_days`.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);

/// A message to the writer.
#[derive(Debug)]
enum Message {
    Call(Box<CallRecord>),
    /// Answered once everything queued before it is stored (or failed).
    Flush(oneshot::Sender<()>),
}

/// The audit trail of a running gateway: where dispatch sends finished calls.
#[derive(Debug)]
pub struct Audit {
    queue: mpsc::Sender<Message>,
    store: AuditStore,
    metrics: Arc<Metrics>,
}

impl Audit {
    /// Starts the writer over `store` and, when `settings` keep rows for a limited time, the
    /// retention job. Must run inside a Tokio runtime.
    pub fn start(
        store: AuditStore,
        registry: Arc<ToolRegistry>,
        settings: &AuditSettings,
        metrics: Arc<Metrics>,
    ) -> Audit {
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(write_loop(
            rx,
            store.clone(),
            registry,
            settings.redact_fields.clone(),
            metrics.clone(),
        ));
        if let Some(retention) = settings.retention {
            tokio::spawn(retention_loop(store.clone(), retention));
        }
        Audit {
            queue,
            store,
            metrics,
        }
    }

    /// Queues `record` for the writer without waiting: when the queue is full the row is
    /// dropped, counted in `switchboard_audit_dropped_total`, and logged (the first, then every
    /// thousandth).
    pub fn record(&self, record: CallRecord) {
        if let Err(e) = self.queue.try_send(Message::Call(Box::new(record))) {
            let dropped = self.metrics.audit_dropped();
            if dropped % 1000 == 1 {
                let why = match e {
                    mpsc::error::TrySendError::Full(_) => "the writer's queue is full",
                    mpsc::error::TrySendError::Closed(_) => "the writer has stopped",
                };
                tracing::warn!(dropped, "audit row dropped: {why}");
            }
        }
    }

    /// Waits until every call recorded before is stored (or its batch failed and was logged).
    /// The admin listing calls it first, so it shows this gateway's calls so far; shutdown
    /// calls it last.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.queue.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }

    /// The store the rows go to.
    pub fn store(&self) -> &AuditStore {
        &self.store
    }
}

async fn write_loop(
    mut rx: mpsc::Receiver<Message>,
    store: AuditStore,
    registry: Arc<ToolRegistry>,
    redact_fields: Vec<String>,
    metrics: Arc<Metrics>,
) {
    let mut messages = Vec::with_capacity(BATCH);
    let mut batch = Vec::with_capacity(BATCH);
    let mut flushes = Vec::new();
    while rx.recv_many(&mut messages, BATCH).await > 0 {
        // Gather a batch for up to LINGER after its first call: every commit costs about as
        // much as a few rows, so committing each call alone would cost each call a commit.
        let deadline = tokio::time::Instant::now() + LINGER;
        loop {
            for message in messages.drain(..) {
                match message {
                    Message::Call(record) => {
                        batch.push(record.into_row(&registry, &redact_fields));
                    }
                    Message::Flush(done) => flushes.push(done),
                }
            }
            if !flushes.is_empty() || batch.len() >= BATCH {
                break;
            }
            let room = BATCH - batch.len();
            match tokio::time::timeout_at(deadline, rx.recv_many(&mut messages, room)).await {
                Ok(n) if n > 0 => {}
                _ => break,
            }
        }
        let rows = batch.len();
        if let Err(e) = store.insert(std::mem::take(&mut batch)).await {
            metrics.audit_failed(rows);
            tracing::warn!(rows, error = %format!("{e:#}"), "audit rows not stored");
        }
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
    }
}

async fn retention_loop(store: AuditStore, retention: Duration) {
    let mut ticks = tokio::time::interval(RETENTION_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match apply_retention(&store, retention, SystemTime::now()).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "audit rows past retention deleted"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "audit retention failed"),
        }
    }
}

/// The retention step: deletes the rows older than `retention` at `now`; returns how many.
///
/// # Errors
/// The store failed.
pub async fn apply_retention(
    store: &AuditStore,
    retention: Duration,
    now: SystemTime,
) -> anyhow::Result<u64> {
    let cutoff = now.checked_sub(retention).unwrap_or(SystemTime::UNIX_EPOCH);
    store.delete_before(micros(cutoff)).await
}
