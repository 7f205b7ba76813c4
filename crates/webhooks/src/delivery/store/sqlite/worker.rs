//! The SQLite writer thread: owns the connection and commits queued jobs in groups.
//!
//! Every store call becomes a job sent to this thread. The thread takes the first job, then
//! every job already waiting (up to a batch limit), runs each inside its own savepoint of one
//! `BEGIN IMMEDIATE` transaction, commits once, and only then answers the callers. One fsync
//! thus covers many operations, and a caller never hears "done" before its data is durable.

use std::sync::mpsc;

use rusqlite::Connection;
use tokio::sync::oneshot;
use tracing::{error, warn};

use crate::delivery::store::StoreError;

/// A unit of work for the thread.
pub(super) trait Job: Send {
    /// Runs against the connection inside a savepoint; returns whether it succeeded.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Answers the caller once the transaction's fate is known.
    fn finish(self: Box<Self>, commit: Result<(), String>);
}

type Work<T> = Box<dyn FnOnce(&Connection) -> Result<T, StoreError> + Send>;

struct TypedJob<T> {
    work: Option<Work<T>>,
    result: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T: Send> Job for TypedJob<T> {
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let result = work(conn);
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, commit: Result<(), String>) {
        let answer = match (commit, self.result) {
            (Ok(()), Some(result)) => result,
            (_, Some(Err(e))) => Err(e),
            // The batch failed (begin, savepoint or commit): nothing of this job was kept.
            (Err(e), _) => Err(StoreError::Database(e.into())),
            (Ok(()), None) => Err(StoreError::Closed),
        };
        // The caller may have gone away (cancelled); nothing to do then.
        let _ = self.reply.send(answer);
    }
}

/// Sends jobs to the writer thread.
#[derive(Debug, Clone)]
pub(super) struct Handle {
    tx: mpsc::Sender<Box<dyn Job>>,
}

impl Handle {
    /// Runs `work` on the writer thread and waits for the commit.
    pub(super) async fn call<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, rx) = oneshot::channel();
        let job = TypedJob {
            work: Some(Box::new(work)),
            result: None,
            reply,
        };
        self.tx
            .send(Box::new(job))
            .map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }
}

/// Starts the thread over an open, migrated connection.
pub(super) fn spawn(conn: Connection, batch_max: usize, name: String) -> std::io::Result<Handle> {
    let (tx, rx) = mpsc::channel::<Box<dyn Job>>();
    std::thread::Builder::new()
        .name(name)
        .spawn(move || run(conn, rx, batch_max.max(1)))?;
    Ok(Handle { tx })
}

fn run(conn: Connection, rx: mpsc::Receiver<Box<dyn Job>>, batch_max: usize) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(batch_max);
    while let Ok(first) = rx.recv() {
        batch.push(first);
        while batch.len() < batch_max {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let commit = run_batch(&conn, &mut batch);
        if let Err(e) = &commit {
            error!(error = %e, jobs = batch.len(), "SQLite delivery store: commit failed");
        }
        for job in batch.drain(..) {
            job.finish(commit.clone());
        }
    }
}

fn run_batch(conn: &Connection, batch: &mut [Box<dyn Job>]) -> Result<(), String> {
    conn.execute_batch("BEGIN IMMEDIATE")
        .map_err(|e| format!("begin: {e}"))?;
    for job in batch.iter_mut() {
        if let Err(e) = conn
            .prepare_cached("SAVEPOINT job")
            .and_then(|mut s| s.execute([]))
        {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(format!("savepoint: {e}"));
        }
        let ok = job.run(conn);
        let end = if ok {
            conn.prepare_cached("RELEASE job")
                .and_then(|mut s| s.execute([]))
                .map(|_| ())
        } else {
            conn.execute_batch("ROLLBACK TO job; RELEASE job")
        };
        if let Err(e) = end {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(format!("savepoint end: {e}"));
        }
    }
    conn.execute_batch("COMMIT").map_err(|e| {
        if let Err(rollback) = conn.execute_batch("ROLLBACK") {
            warn!(error = %rollback, "SQLite delivery store: rollback after failed commit");
        }
        format!("commit: {e}")
    })
}
