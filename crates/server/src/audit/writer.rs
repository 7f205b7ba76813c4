//! The writer behind [`Audit`]: a bounded queue of finished calls, drained in batches into the
//! store by a thread of its own, and the retention job.
//!
//! The writer runs on its own thread (`sb-audit`, with a single-threaded runtime for the store's
//! async calls), not as a task among the requests: building a batch's rows (parsing, redacting
//! and hashing up to [`BATCH`] arguments) takes about a millisecond, which a task would spend
//! without yielding on a worker whose queued requests would wait for it. On its own thread the
//! operating system shares the cores between the writer and the requests, and the writer's CPU
//! time can be told apart from the requests' (the gateway bench reports the two).
//!
//! A Postgres store's pool is shared with the admin listing: a connection the writer opens is
//! driven by the writer's runtime wherever it is used later, so that runtime lives as long as
//! the thread, which ends only when the last [`Audit`] is dropped (at shutdown).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use switchboard::functions::ToolRegistry;
use tokio::sync::{Notify, mpsc, oneshot};

use super::row::{CallRecord, NewCall, micros};
use super::store::AuditStore;
use crate::config::AuditSettings;
use crate::http::metrics::Metrics;

/// Finished calls waiting for the writer; beyond this, rows are dropped (and counted).
const QUEUE: usize = 8192;

/// Most rows written by one transaction.
const BATCH: usize = 512;

/// How long the writer lets rows gather after the first of a batch before it writes them (a
/// flush does not wait).
const LINGER: Duration = Duration::from_millis(50);

/// The writer's thread (and its store calls' blocking threads), by name.
pub const WRITER_THREAD: &str = "sb-audit";

/// How often the retention job deletes rows older than `[audit] retention_days`.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);

/// A message to the writer.
#[derive(Debug)]
enum Message {
    /// Inline, not boxed: the queue keeps its slots in blocks it reuses, so the record itself
    /// costs no allocation (its tool name and arguments are still copies the writer frees).
    Call(CallRecord),
    /// Answered once everything queued before it is stored (or failed).
    Flush(oneshot::Sender<()>),
}

/// The audit trail of a running gateway: where dispatch sends finished calls.
#[derive(Debug)]
pub struct Audit {
    queue: mpsc::Sender<Message>,
    /// Wakes a lingering writer for a flush.
    flush_now: Arc<Notify>,
    store: AuditStore,
    metrics: Arc<Metrics>,
}

impl Audit {
    /// Starts the writer thread over `store` and, when `settings` keep rows for a limited time,
    /// the retention job. Must run inside a Tokio runtime (the retention job's). The writer
    /// thread ends once every clone of the returned queue is dropped and the queue is drained.
    ///
    /// # Errors
    /// The writer's thread or runtime could not be created.
    pub fn start(
        store: AuditStore,
        registry: Arc<ToolRegistry>,
        settings: &AuditSettings,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Audit> {
        let (queue, rx) = mpsc::channel(QUEUE);
        let flush_now = Arc::new(Notify::new());
        let writer = write_loop(
            rx,
            store.clone(),
            registry,
            settings.redact_fields.clone(),
            metrics.clone(),
            flush_now.clone(),
        );
        // Time for the linger, I/O for the connections a Postgres store opens from here, and one
        // blocking thread for a SQLite store's statements, kept rather than started again after
        // every idle spell.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name(WRITER_THREAD)
            .max_blocking_threads(1)
            .thread_keep_alive(Duration::from_secs(24 * 3600))
            .build()
            .map_err(|e| anyhow::anyhow!("cannot start the audit writer's runtime: {e}"))?;
        std::thread::Builder::new()
            .name(WRITER_THREAD.to_owned())
            .spawn(move || runtime.block_on(writer))
            .map_err(|e| anyhow::anyhow!("cannot start the audit writer's thread: {e}"))?;
        if let Some(retention) = settings.retention {
            tokio::spawn(retention_loop(store.clone(), retention));
        }
        Ok(Audit {
            queue,
            flush_now,
            store,
            metrics,
        })
    }

    /// Queues `record` for the writer without waiting: when the queue is full the row is
    /// dropped, counted in `switchboard_audit_dropped_total`, and logged (the first, then every
    /// thousandth).
    pub fn record(&self, record: CallRecord) {
        if let Err(e) = self.queue.try_send(Message::Call(record)) {
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
            self.flush_now.notify_one();
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
    flush_now: Arc<Notify>,
) {
    let mut messages = Vec::with_capacity(BATCH);
    let mut rows = Vec::with_capacity(BATCH);
    let mut flushes = Vec::new();
    while rx.recv_many(&mut messages, BATCH).await > 0 {
        // Short of a full batch, the writer lingers: the rows queue meanwhile without waking it
        // (a call costs no wake-up), and one transaction stores them all. A flush cuts the wait
        // short.
        if messages.len() < BATCH && !messages.iter().any(|m| matches!(m, Message::Flush(_))) {
            tokio::select! {
                () = tokio::time::sleep(LINGER) => {}
                () = flush_now.notified() => {}
            }
        }
        loop {
            for message in messages.drain(..) {
                match message {
                    Message::Call(record) => {
                        rows.push(record.into_row(&registry, &redact_fields));
                    }
                    Message::Flush(done) => flushes.push(done),
                }
            }
            if rows.len() < BATCH && !rx.is_empty() {
                // Ready at once: what queued while the writer lingered or built rows.
                rx.recv_many(&mut messages, BATCH - rows.len()).await;
                continue;
            }
            insert(&store, &metrics, &mut rows).await;
            // Every row queued before these flushes was in that insert.
            for done in flushes.drain(..) {
                let _ = done.send(());
            }
            // A full batch waiting is written at once; fewer rows wait for the next linger. (A
            // writer that wrote whatever queued during its last insert would, under steady load,
            // commit a handful of rows at a time, paying a transaction's fixed cost for each
            // handful.)
            if rx.len() < BATCH {
                break;
            }
            rx.recv_many(&mut messages, BATCH).await;
        }
    }
}

/// Inserts `rows` (emptying it); a failure is counted and logged, never retried.
async fn insert(store: &AuditStore, metrics: &Metrics, rows: &mut Vec<NewCall>) {
    let n = rows.len();
    if let Err(e) = store.insert(std::mem::take(rows)).await {
        metrics.audit_failed(n);
        tracing::warn!(rows = n, error = %format!("{e:#}"), "audit rows not stored");
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

#[cfg(test)]
mod tests {
    use switchboard::functions::Arguments;

    use super::*;
    use crate::audit::{CallQuery, Transport};
    use crate::config::Settings;
    use crate::http::caller::Identity;

    #[tokio::test]
    async fn a_burst_of_several_batches_is_stored_in_full_before_a_flush_answers() {
        let dir = tempfile::tempdir().unwrap();
        let store = AuditStore::sqlite(&dir.path().join("audit.db"))
            .await
            .unwrap();
        let settings = Settings::defaults().unwrap();
        let audit = Audit::start(
            store.clone(),
            Arc::new(ToolRegistry::new()),
            &settings.audit,
            Arc::new(Metrics::default()),
        )
        .unwrap();
        let caller = Identity::new(&settings).base_callers().remove(0);
        // Three full batches and a remainder, queued faster than one linger (recent enough for
        // the retention job, which runs at once).
        let n = BATCH * 3 + 7;
        let start = SystemTime::now();
        for i in 0..n {
            audit.record(CallRecord {
                at: start + Duration::from_millis(i as u64),
                caller: caller.clone(),
                tool: "calculate".to_owned(),
                transport: Transport::Rest,
                outcome: "ok",
                duration: Duration::from_micros(5),
                arguments: Arguments::Text(format!("{{\"i\":{i}}}")),
                result_bytes: 1,
            });
        }
        audit.flush().await;
        let mut query = CallQuery {
            limit: 1000,
            ..CallQuery::default()
        };
        let mut stored = Vec::new();
        loop {
            let page = store.list(&query).await.unwrap();
            stored.extend(page.data.iter().map(|r| r.arguments.clone().unwrap()));
            match page.next {
                Some(cursor) => query.cursor = Some(cursor),
                None => break,
            }
        }
        let expected: Vec<String> = (0..n).rev().map(|i| format!("{{\"i\":{i}}}")).collect();
        assert_eq!(stored, expected);
    }
}
