//! The SQLite writer thread: owns the connection and commits queued jobs in groups.
//!
//! Every store call becomes a job sent to this thread. The thread takes the first job, then
//! every job already waiting (up to a batch limit), runs them all in one `BEGIN IMMEDIATE`
//! transaction, commits once, and only then answers the callers. One fsync
//! thus covers many operations, and a caller never hears "done" before its data is durable.

use std::sync::mpsc;

use rusqlite::Connection;
use tokio::sync::oneshot;
use tracing::{error, warn};

use crate::delivery::store::StoreError;

/// A unit of work for the thread.
pub(super) trait Job: Send {
    /// Runs against the connection inside the batch's transaction; returns whether it
    /// succeeded. A job that fails must fail before changing a row, or the batch is rolled
    /// back (see `run_batch`).
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
            // The batch failed (begin, a job failing halfway, or commit): nothing of this job was kept.
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
        let before = conn.total_changes();
        if job.run(conn) {
            continue;
        }
        // A job that failed before changing a row (a lost lease, a conflict, a missing row:
        // every refusal the stores make) left nothing to undo, and the batch goes on. One that
        // failed after changing rows (an I/O error halfway) cannot be undone alone: that would
        // take a savepoint around every job, which costs two statements and a copy of every
        // page the job touches that the batch had already changed. The whole batch is rolled
        // back instead, and every caller in it hears an error; nothing of it was kept.
        if conn.total_changes() != before || conn.is_autocommit() {
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            return Err("an operation failed halfway; its whole batch was rolled back".into());
        }
    }
    conn.execute_batch("COMMIT").map_err(|e| {
        if let Err(rollback) = conn.execute_batch("ROLLBACK") {
            warn!(error = %rollback, "SQLite delivery store: rollback after failed commit");
        }
        format!("commit: {e}")
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// A writer thread over a fresh file with one table `t (x)`.
    fn writer(name: &str) -> (Handle, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "sb-sqlite-worker-{name}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let conn = Connection::open(dir.join("w.db")).unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        (spawn(conn, 16, "test-writer".into()).unwrap(), dir)
    }

    fn insert(conn: &Connection, x: i64) -> Result<(), StoreError> {
        conn.execute("INSERT INTO t (x) VALUES (?1)", [x])
            .map(|_| ())
            .map_err(|e| StoreError::Database(e.into()))
    }

    /// Runs `jobs` in one batch: a first call holds the thread until all of them are queued,
    /// so the thread then takes them together. Returns each job's result and the rows
    /// committed.
    async fn one_batch(
        handle: &Handle,
        jobs: Vec<Work<()>>,
    ) -> (Vec<Result<(), StoreError>>, Vec<i64>) {
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let hold = tokio::spawn({
            let handle = handle.clone();
            async move {
                handle
                    .call(move |_| {
                        let _ = wait.recv();
                        Ok(())
                    })
                    .await
            }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut tasks = Vec::new();
        for work in jobs {
            let handle = handle.clone();
            tasks.push(tokio::spawn(async move { handle.call(work).await }));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        go.send(()).unwrap();
        hold.await.unwrap().unwrap();
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.unwrap());
        }
        let rows = handle
            .call(|conn| {
                let mut stmt = conn.prepare("SELECT x FROM t ORDER BY x").unwrap();
                let rows = stmt.query_map([], |r| r.get(0)).unwrap();
                Ok(rows.map(Result::unwrap).collect::<Vec<i64>>())
            })
            .await
            .unwrap();
        (results, rows)
    }

    #[tokio::test]
    async fn a_job_refused_before_writing_leaves_the_rest_of_its_batch_committed() {
        let (handle, dir) = writer("refused");
        let (results, rows) = one_batch(
            &handle,
            vec![
                Box::new(|conn| insert(conn, 1)),
                Box::new(|_| Err(StoreError::NotFound("nothing".into()))),
                Box::new(|conn| insert(conn, 3)),
            ],
        )
        .await;
        assert!(results[0].is_ok());
        assert!(matches!(results[1], Err(StoreError::NotFound(_))));
        assert!(results[2].is_ok());
        assert_eq!(rows, vec![1, 3]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_job_failing_after_a_write_rolls_back_its_whole_batch() {
        let (handle, dir) = writer("halfway");
        let (results, rows) = one_batch(
            &handle,
            vec![
                Box::new(|conn| insert(conn, 1)),
                Box::new(|conn| {
                    insert(conn, 2)?;
                    Err(StoreError::NotFound("after a write".into()))
                }),
                Box::new(|conn| insert(conn, 3)),
            ],
        )
        .await;
        assert!(matches!(results[0], Err(StoreError::Database(_))));
        assert!(matches!(results[1], Err(StoreError::NotFound(_))));
        assert!(matches!(results[2], Err(StoreError::Database(_))));
        assert_eq!(rows, Vec::<i64>::new());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
