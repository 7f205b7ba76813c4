//! A small pool of evaluator threads with large stacks, shared by every `calculate` call.
//!
//! The evaluator recurses (bounded by [`Limits::max_depth`](super::Limits::max_depth)), so it
//! runs on threads whose stack size is known ([`EVAL_STACK_SIZE`](super::EVAL_STACK_SIZE))
//! rather than on the caller's. Starting such a thread per call cost more than most
//! evaluations; the pool starts its threads once, on first use.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, OnceLock};

use super::{CalcError, CalculateOutput, EVAL_STACK_SIZE, Limits, evaluate};

/// One evaluation and where its answer goes.
struct Job {
    expression: String,
    limits: Limits,
    reply: tokio::sync::oneshot::Sender<Result<CalculateOutput, CalcError>>,
}

/// The queue feeding the pool's threads (`None` when no thread could be started).
fn queue() -> Option<&'static Sender<Job>> {
    static QUEUE: OnceLock<Option<Sender<Job>>> = OnceLock::new();
    QUEUE.get_or_init(start).as_ref()
}

/// Threads: one per core, at least 2 (one slow evaluation must not stall every call) and at
/// most 8.
fn start() -> Option<Sender<Job>> {
    let threads = std::thread::available_parallelism()
        .map_or(2, std::num::NonZeroUsize::get)
        .clamp(2, 8);
    let (tx, rx) = channel::<Job>();
    let rx = Arc::new(Mutex::new(rx));
    let mut started = 0;
    for i in 0..threads {
        let rx = Arc::clone(&rx);
        let spawned = std::thread::Builder::new()
            .name(format!("calculate-{i}"))
            .stack_size(EVAL_STACK_SIZE)
            .spawn(move || work(&rx));
        if spawned.is_ok() {
            started += 1;
        }
    }
    (started > 0).then_some(tx)
}

fn work(rx: &Mutex<Receiver<Job>>) {
    loop {
        let job = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        // A caller that gave up (timeout, cancellation) no longer needs the answer.
        if job.reply.is_closed() {
            continue;
        }
        let _ = job.reply.send(evaluate(&job.expression, &job.limits));
    }
}

/// Runs [`evaluate`] on the pool.
pub(super) async fn run(expression: String, limits: Limits) -> Result<CalculateOutput, CalcError> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    let job = Job {
        expression,
        limits,
        reply,
    };
    let sent = queue().is_some_and(|q| q.send(job).is_ok());
    if !sent {
        return Err(CalcError::Unavailable);
    }
    answer.await.unwrap_or(Err(CalcError::Unavailable))
}
