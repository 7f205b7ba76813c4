//! Bulk replays run in the background: the console starts one per request, the operator
//! watches its progress on its own page, and the request that started it returns at once.
//!
//! A job walks every page of a message search with the manager's `messages` listing (the admin
//! API's) and replays each message with the manager's `replay` (the admin API's), up to
//! [`BULK`] messages. A message whose replay fails is counted and the walk goes on; a page that
//! cannot be listed ends the job as failed, with the reason.
//!
//! The registry is this process's memory, bounded: at most [`MAX_RUNNING`] jobs run at once
//! (another start is refused until one ends), a finished job is kept for [`KEEP`] so its page
//! still answers, and at most [`MAX_KEPT`] jobs are held. A job does not survive a restart; a
//! replay it already made stays made (deliveries still waiting are never duplicated, so
//! starting the same search again is safe).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use switchboard::webhooks::delivery::{EndpointId, MessageQuery};

use super::session::{Clock, NoRandomness, random_id};
use crate::http::AppState;
use crate::http::admin::{manager, manager_error};

/// Most bulk replays running at once.
pub(crate) const MAX_RUNNING: usize = 3;

/// How long a finished job stays visible.
pub(crate) const KEEP: Duration = Duration::from_secs(3600);

/// Most jobs held, running and finished.
pub(crate) const MAX_KEPT: usize = 32;

/// Most messages one bulk replay sends again.
pub(crate) const BULK: u64 = 10_000;

/// Where a job is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum State {
    Running,
    /// Every message the search found was tried.
    Done,
    /// Stopped after [`BULK`] messages; more matched.
    Capped,
    /// A page of the search could not be read.
    Failed(String),
}

/// What a job has done so far.
#[derive(Debug, Clone)]
pub(crate) struct Progress {
    /// Pages of the search read.
    pub(crate) pages: u64,
    /// Messages replayed.
    pub(crate) messages: u64,
    /// New deliveries those replays queued.
    pub(crate) deliveries: u64,
    /// Messages whose replay failed.
    pub(crate) failures: u64,
    /// Why the latest failed replay failed.
    pub(crate) last_failure: Option<String>,
    pub(crate) state: State,
    pub(crate) started: SystemTime,
    /// When it stopped running (wall time, for the page).
    pub(crate) finished: Option<SystemTime>,
}

/// One bulk replay: what it replays, and how far it is.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) id: String,
    /// The search it walks, as the Messages page's query string.
    pub(crate) search: String,
    progress: Mutex<Progress>,
    /// When it stopped running, on the registry's clock.
    ended: Mutex<Option<Instant>>,
}

impl Job {
    /// A copy of its progress.
    pub(crate) fn progress(&self) -> Progress {
        self.lock().clone()
    }

    fn running(&self) -> bool {
        self.lock().state == State::Running
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Progress> {
        // A panic while holding the lock leaves counts that are still consistent.
        self.progress
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Why a job was not started.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StartError {
    #[error(
        "{MAX_RUNNING} bulk replays are already running; start this one when one of them has finished"
    )]
    Busy,
    #[error(transparent)]
    NoRandomness(#[from] NoRandomness),
}

/// The jobs of this process.
pub(crate) struct Jobs {
    jobs: Mutex<Vec<Arc<Job>>>,
    clock: Clock,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs").finish_non_exhaustive()
    }
}

impl Jobs {
    /// An empty registry timed by `clock`.
    pub(crate) fn new(clock: Clock) -> Self {
        Jobs {
            jobs: Mutex::new(Vec::new()),
            clock,
        }
    }

    /// Starts replaying every message `query` selects (from its first page), each to
    /// `endpoint` or, without one, to every matching endpoint. `search` is the Messages page's
    /// query string for it.
    ///
    /// # Errors
    /// [`StartError::Busy`] when [`MAX_RUNNING`] jobs are running.
    pub(crate) fn start(
        self: &Arc<Self>,
        state: AppState,
        query: MessageQuery,
        endpoint: Option<EndpointId>,
        search: String,
    ) -> Result<Arc<Job>, StartError> {
        let job = self.admit(search)?;
        let (jobs, running) = (self.clone(), job.clone());
        tokio::spawn(async move {
            let end = walk(&state, query, endpoint.as_ref(), &running).await;
            jobs.finish(&running, end);
        });
        Ok(job)
    }

    /// Registers a new running job, unless [`MAX_RUNNING`] already run.
    fn admit(&self, search: String) -> Result<Arc<Job>, StartError> {
        let mut jobs = self.lock();
        self.prune(&mut jobs);
        if jobs.iter().filter(|j| j.running()).count() >= MAX_RUNNING {
            return Err(StartError::Busy);
        }
        let job = Arc::new(Job {
            id: random_id()?,
            search,
            progress: Mutex::new(Progress {
                pages: 0,
                messages: 0,
                deliveries: 0,
                failures: 0,
                last_failure: None,
                state: State::Running,
                started: SystemTime::now(),
                finished: None,
            }),
            ended: Mutex::new(None),
        });
        jobs.push(job.clone());
        Ok(job)
    }

    /// Marks `job` as ended in `end`; it is kept for [`KEEP`] from now.
    fn finish(&self, job: &Job, end: State) {
        let mut progress = job.lock();
        progress.state = end;
        progress.finished = Some(SystemTime::now());
        drop(progress);
        *job.ended
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((self.clock)());
    }

    /// The job with this id, while it is kept.
    pub(crate) fn get(&self, id: &str) -> Option<Arc<Job>> {
        let mut jobs = self.lock();
        self.prune(&mut jobs);
        jobs.iter().find(|j| j.id == id).cloned()
    }

    /// The jobs kept, newest first.
    pub(crate) fn recent(&self) -> Vec<Arc<Job>> {
        let mut jobs = self.lock();
        self.prune(&mut jobs);
        jobs.iter().rev().cloned().collect()
    }

    /// Drops finished jobs older than [`KEEP`], then the oldest finished ones past
    /// [`MAX_KEPT`] (running ones are never dropped; at most [`MAX_RUNNING`] run).
    fn prune(&self, jobs: &mut Vec<Arc<Job>>) {
        let now = (self.clock)();
        let ended = |j: &Job| {
            *j.ended
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        jobs.retain(|j| ended(j).is_none_or(|at| now < at + KEEP));
        while jobs.len() >= MAX_KEPT {
            match jobs.iter().position(|j| ended(j).is_some()) {
                Some(oldest) => jobs.remove(oldest),
                None => break,
            };
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Arc<Job>>> {
        self.jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Walks the search page by page, replaying each message; how the job ended.
async fn walk(
    state: &AppState,
    mut query: MessageQuery,
    endpoint: Option<&EndpointId>,
    job: &Job,
) -> State {
    let m = match manager(state) {
        Ok(m) => m,
        Err(e) => return State::Failed(e.message().to_owned()),
    };
    let mut seen = 0u64;
    loop {
        let page = match m.messages(&query).await {
            Ok(page) => page,
            Err(e) => {
                let reason = manager_error(&e);
                let n = job.lock().pages + 1;
                return State::Failed(format!("reading page {n}: {}", reason.message()));
            }
        };
        job.lock().pages += 1;
        for message in &page.data {
            if seen >= BULK {
                return State::Capped;
            }
            seen += 1;
            let result = m.replay(&message.id, endpoint).await;
            let mut progress = job.lock();
            match result {
                Ok(created) => {
                    progress.messages += 1;
                    progress.deliveries += created.len() as u64;
                }
                Err(e) => {
                    progress.failures += 1;
                    progress.last_failure = Some(format!(
                        "{}: {}",
                        message.id.as_str(),
                        manager_error(&e).message()
                    ));
                }
            }
        }
        match page.next {
            Some(next) => query.cursor = Some(next),
            None => return State::Done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_a_few_run_at_once_and_finished_ones_are_kept_for_a_while() {
        let now = Arc::new(Mutex::new(Instant::now()));
        let read = now.clone();
        let jobs = Jobs::new(Arc::new(move || *read.lock().unwrap()));
        let running: Vec<_> = (0..MAX_RUNNING)
            .map(|i| jobs.admit(format!("job {i}")).unwrap())
            .collect();
        assert!(matches!(
            jobs.admit("one more".into()),
            Err(StartError::Busy)
        ));
        jobs.finish(&running[0], State::Done);
        let next = jobs.admit("one more".into()).unwrap();
        assert_eq!(jobs.recent()[0].id, next.id, "newest first");
        assert!(jobs.get(&running[0].id).is_some(), "a finished job is kept");
        *now.lock().unwrap() += KEEP;
        assert!(
            jobs.get(&running[0].id).is_none(),
            "and dropped after a while"
        );
        assert!(jobs.get(&running[1].id).is_some(), "a running one never is");
    }

    #[test]
    fn the_registry_holds_at_most_max_kept_jobs() {
        let jobs = Jobs::new(Arc::new(Instant::now));
        for i in 0..MAX_KEPT * 2 {
            let job = jobs.admit(format!("job {i}")).unwrap();
            jobs.finish(&job, State::Done);
        }
        assert!(jobs.recent().len() <= MAX_KEPT);
        assert_eq!(jobs.recent()[0].search, format!("job {}", MAX_KEPT * 2 - 1));
    }
}
