//! The dispatcher: claims due deliveries with a lease and runs attempts within limits.
//!
//! One dispatcher task per process claims in batches, respects the global and per-endpoint
//! concurrency limits (claims for a saturated endpoint are released at once), holds endpoints
//! that cannot be reached and probes them with one delivery ([`circuit`]), and sleeps until
//! it is woken (a new message, a finished attempt), the next delivery is due, or the poll
//! interval passes. Shutdown stops claiming, lets in-flight attempts finish within a grace
//! period, and releases the leases of those it had to cancel.

mod attempt;
mod circuit;
mod decide;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use switchboard_core::Client;
use tokio::sync::{Notify, watch};
use tokio::task::{Id, JoinSet};
use tracing::{debug, error, warn};

use super::clock::Clock;
use super::config::DeliveryConfig;
use super::endpoint::signer_for;
use super::events::OperationalEvent;
use super::ids::EndpointId;
use super::model::Attempt;
use super::observer::{AttemptReport, DeliveryOutcome, Observer};
use super::schedule::JitterDraw;
use super::store::{Claim, ClaimRequest, Decision, NextStep, Store, StoreError};
use circuit::{Admit, Circuits};
use decide::{EndpointHealth, decide};

/// State shared by the manager, the dispatcher and attempt tasks.
#[derive(Debug)]
pub(crate) struct Engine {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) client: Client,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: DeliveryConfig,
    observer: Option<Observer>,
    wake: Notify,
    stop: watch::Sender<bool>,
    running: AtomicBool,
    /// In-flight attempts per endpoint in this process, with the endpoint's limit.
    busy: Mutex<HashMap<EndpointId, (u32, u32)>>,
    /// Token buckets of rate-limited endpoints (clock time, so tests control them).
    buckets: Mutex<HashMap<EndpointId, Bucket>>,
    /// Attempts whose HTTP request is under way (what `max_in_flight` limits); attempts whose
    /// result is being stored no longer count.
    requesting: AtomicUsize,
    /// Endpoints held after connection failures, and their probes ([`circuit`]).
    circuits: Mutex<Circuits>,
}

/// One attempt's hold on its endpoint slot and on the process-wide request count; given back
/// when the request is answered, or when the task ends (cancelled or panicked) before that.
struct Slot {
    engine: Arc<Engine>,
    endpoint: Option<EndpointId>,
}

impl Slot {
    fn give_back(&mut self) {
        if let Some(endpoint) = self.endpoint.take() {
            self.engine.free_slot(&endpoint);
            self.engine.requesting.fetch_sub(1, Ordering::SeqCst);
            // A request slot is free: the dispatcher may claim more.
            self.engine.wake();
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.give_back();
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: SystemTime,
}

impl Engine {
    pub(crate) fn new(
        store: Arc<dyn Store>,
        client: Client,
        clock: Arc<dyn Clock>,
        config: DeliveryConfig,
        observer: Option<Observer>,
    ) -> Self {
        Self {
            store,
            client,
            clock,
            config,
            observer,
            wake: Notify::new(),
            stop: watch::Sender::new(false),
            running: AtomicBool::new(false),
            busy: Mutex::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
            requesting: AtomicUsize::new(0),
            circuits: Mutex::new(Circuits::default()),
        }
    }

    /// Wakes the dispatcher: new work may be due.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Marks the engine started; `false` when it already was.
    pub(crate) fn mark_running(&self) -> bool {
        !self.running.swap(true, Ordering::SeqCst)
    }

    /// Asks the dispatcher and the pruner to stop.
    pub(crate) fn request_stop(&self) {
        self.stop.send_replace(true);
    }

    fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    fn busy(&self) -> std::sync::MutexGuard<'_, HashMap<EndpointId, (u32, u32)>> {
        self.busy
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes a slot of the claim's endpoint; `false` when it is at its limit.
    fn take_slot(&self, claim: &Claim) -> bool {
        let mut busy = self.busy();
        let entry = busy
            .entry(claim.endpoint.id.clone())
            .or_insert((0, claim.endpoint.max_in_flight.max(1)));
        entry.1 = claim.endpoint.max_in_flight.max(1);
        if entry.0 >= entry.1 {
            return false;
        }
        entry.0 += 1;
        true
    }

    /// Takes a token of the claim's endpoint rate limit, or says how long until one is free.
    fn take_token(&self, claim: &Claim, now: SystemTime) -> Result<(), Duration> {
        let Some(rate) = claim.endpoint.rate_limit else {
            return Ok(());
        };
        let rate = f64::from(rate.max(1));
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = buckets.entry(claim.endpoint.id.clone()).or_insert(Bucket {
            tokens: rate,
            at: now,
        });
        if let Ok(elapsed) = now.duration_since(bucket.at) {
            bucket.tokens = (bucket.tokens + elapsed.as_secs_f64() * rate).min(rate);
            bucket.at = now;
        }
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }

    fn free_slot(&self, endpoint: &EndpointId) {
        let mut busy = self.busy();
        if let Some(entry) = busy.get_mut(endpoint) {
            entry.0 = entry.0.saturating_sub(1);
            if entry.0 == 0 {
                busy.remove(endpoint);
            }
        }
    }

    fn circuits(&self) -> std::sync::MutexGuard<'_, Circuits> {
        self.circuits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Endpoints not to claim for now: saturated ones, and those held after connection
    /// failures.
    fn excluded(&self, now: SystemTime) -> Vec<EndpointId> {
        let mut out: Vec<EndpointId> = self
            .busy()
            .iter()
            .filter(|(_, (n, max))| n >= max)
            .map(|(id, _)| id.clone())
            .collect();
        for id in self.circuits().held(now) {
            if !out.contains(id) {
                out.push(id.clone());
            }
        }
        out
    }

    /// Hands a claim back without an attempt, due at `due`.
    async fn give_back(&self, claim: &Claim, due: SystemTime) {
        if let Err(e) = self.store.release(claim, due).await {
            warn!(error = %e, delivery = %claim.delivery.id, "releasing a claim failed");
        }
    }

    /// The dispatcher loop; returns after a stop request once in-flight work is settled.
    pub(crate) async fn run(self: Arc<Self>, grace: watch::Receiver<Duration>) {
        let mut tasks: JoinSet<()> = JoinSet::new();
        let mut claims: HashMap<Id, Arc<Claim>> = HashMap::new();
        let mut stop = self.stop.subscribe();
        let signal = self.store.work_signal();
        loop {
            while let Some(done) = tasks.try_join_next_with_id() {
                self.reap(done, &mut claims);
            }
            if self.stopping() {
                break;
            }
            // `max_in_flight` bounds requests under way; attempts that are only storing their
            // result (waiting for a commit) do not hold a request slot, up to as many again.
            let free = if tasks.len() >= 2 * self.config.max_in_flight {
                0
            } else {
                self.config
                    .max_in_flight
                    .saturating_sub(self.requesting.load(Ordering::SeqCst))
            };
            let mut claimed_full = false;
            // Whether this round started an attempt: its completion wakes the loop again, so
            // there is no need to ask the store when the next delivery is due.
            let mut started = false;
            // Claim a worthwhile batch: one claim per finished attempt would cost a store round
            // trip (a transaction) per delivery. When nothing is in flight, claim anyway.
            let low_water = (self.config.claim_batch.min(self.config.max_in_flight) / 4).max(1);
            let should_claim = free > 0 && (free >= low_water || tasks.is_empty());
            if !should_claim && !tasks.is_empty() {
                started = true;
            }
            if should_claim {
                let limit = free.min(self.config.claim_batch);
                let request = ClaimRequest {
                    now: self.clock.now(),
                    limit,
                    lease: self.config.lease,
                    exclude: self.excluded(self.clock.now()),
                };
                match self.store.claim_due(&request).await {
                    Ok(batch) => {
                        claimed_full = batch.len() == limit;
                        let mut signers: HashMap<EndpointId, Arc<attempt::Signer>> = HashMap::new();
                        for claim in batch {
                            let endpoint = &claim.endpoint.id;
                            if self.circuits().admit(endpoint, request.now) == Admit::Hold {
                                // Held, or its probe is under way: back untouched, due as it
                                // was, claimed again once the endpoint is reachable.
                                self.give_back(&claim, request.now).await;
                                continue;
                            }
                            if !self.take_slot(&claim) {
                                // Saturated endpoint: hand it back, due now, for a later round.
                                self.circuits().give_back(endpoint, request.now);
                                self.give_back(&claim, request.now).await;
                                continue;
                            }
                            if let Err(wait) = self.take_token(&claim, request.now) {
                                // Over its rate limit: due again when a token is free.
                                self.free_slot(endpoint);
                                self.circuits().give_back(endpoint, request.now);
                                self.give_back(&claim, request.now + wait).await;
                                continue;
                            }
                            self.requesting.fetch_add(1, Ordering::SeqCst);
                            let slot = Slot {
                                engine: self.clone(),
                                endpoint: Some(claim.endpoint.id.clone()),
                            };
                            let this = self.clone();
                            // Shared with the task: kept here only to release it if cancelled.
                            let claim = Arc::new(claim);
                            let task_claim = claim.clone();
                            let signer = signers
                                .entry(claim.endpoint.id.clone())
                                .or_insert_with(|| Arc::new(signer_for(&claim.endpoint.keys)))
                                .clone();
                            let handle = tasks
                                .spawn(async move { this.deliver(task_claim, signer, slot).await });
                            claims.insert(handle.id(), claim);
                            started = true;
                        }
                    }
                    Err(e) => {
                        error!(error = %e, "claiming deliveries failed; retrying after the poll interval")
                    }
                }
            }
            if claimed_full {
                continue;
            }
            let now = self.clock.now();
            let poll = now + self.config.poll_interval;
            let deadline = if started {
                poll
            } else {
                match self.store.next_due().await {
                    Ok(Some(at)) if at > now => at.min(poll),
                    _ => poll,
                }
            };
            // A held endpoint's probe is due when its hold ends.
            let deadline = match self.circuits().next_probe() {
                Some(probe) if probe > now => deadline.min(probe),
                _ => deadline,
            };
            let sleep = self.clock.sleep_until(deadline);
            let elsewhere = async {
                match &signal {
                    Some(s) => s.notified().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = self.wake.notified() => {}
                () = elsewhere => {}
                () = sleep => {}
                Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => self.reap(done, &mut claims),
                _ = stop.changed() => {}
            }
        }
        let grace = *grace.borrow();
        self.settle(tasks, claims, grace).await;
    }

    /// Waits up to `grace` for in-flight attempts, then cancels the rest and releases them.
    async fn settle(
        &self,
        mut tasks: JoinSet<()>,
        mut claims: HashMap<Id, Arc<Claim>>,
        grace: Duration,
    ) {
        let deadline = tokio::time::Instant::now() + grace;
        while !tasks.is_empty() {
            match tokio::time::timeout_at(deadline, tasks.join_next_with_id()).await {
                Ok(Some(done)) => self.reap(done, &mut claims),
                Ok(None) => break,
                Err(_) => break,
            }
        }
        tasks.abort_all();
        while let Some(done) = tasks.join_next_with_id().await {
            self.reap(done, &mut claims);
        }
        let now = self.clock.now();
        for (_, claim) in claims {
            // Cancelled mid-attempt: the receiver may or may not have it. Release so another
            // worker retries now (at-least-once, same webhook-id).
            match self.store.release(&claim, now).await {
                Ok(()) | Err(StoreError::LeaseLost(_)) => {}
                Err(e) => {
                    warn!(error = %e, delivery = %claim.delivery.id, "could not release a cancelled delivery; its lease will expire")
                }
            }
        }
    }

    async fn deliver(
        self: Arc<Self>,
        claim: Arc<Claim>,
        signer: Arc<attempt::Signer>,
        mut slot: Slot,
    ) {
        let now = self.clock.now();
        let outcome = attempt::attempt(&self.client, &self.config, &claim, &signer, now).await;
        let health = EndpointHealth::of(&claim.endpoint);
        let decision = decide(
            &claim,
            outcome,
            health,
            &self.config,
            now,
            JitterDraw::random(),
        );
        // The endpoint's health is known before its slot is free, so no claim slips through
        // to a receiver that was just found unreachable.
        self.circuits()
            .record(&claim.endpoint.id, decision.attempt.error_kind, now);
        // The receiver answered: its slot is free while the result is stored.
        slot.give_back();
        log_attempt(&claim, &decision);
        let (outcome, events) = self.record(&decision).await;
        // The store may now have a retry or a released endpoint to hand out.
        self.wake();
        if let Some(observer) = &self.observer {
            self.report(observer, &claim, &decision.attempt, outcome, &events);
        }
    }

    /// Stores `decision`; what became of the delivery, and the operational events that happened.
    async fn record(&self, decision: &Decision) -> (DeliveryOutcome, Vec<OperationalEvent>) {
        match self.store.complete(decision).await {
            Ok(applied) => {
                let events: Vec<OperationalEvent> = decision.emitted(applied).cloned().collect();
                log_events(&events);
                let outcome = if applied.disabled {
                    DeliveryOutcome::EndpointDisabled
                } else {
                    match decision.delivery.next {
                        NextStep::Delivered => DeliveryOutcome::Delivered,
                        NextStep::Retry { .. } => DeliveryOutcome::Retrying,
                        NextStep::DeadLetter => DeliveryOutcome::DeadLettered,
                    }
                };
                (outcome, events)
            }
            Err(StoreError::LeaseLost(id)) => {
                warn!(
                    delivery = %id,
                    "lease expired before the attempt was recorded; another worker retries it"
                );
                (DeliveryOutcome::NotRecorded, Vec::new())
            }
            Err(e) => {
                error!(
                    error = %e,
                    delivery = %decision.delivery.id,
                    "recording an attempt failed; the delivery is retried when its lease expires"
                );
                (DeliveryOutcome::NotRecorded, Vec::new())
            }
        }
    }

    /// Tells the observer about a finished attempt; a panic in it is caught and logged.
    fn report(
        &self,
        observer: &Observer,
        claim: &Claim,
        a: &Attempt,
        outcome: DeliveryOutcome,
        events: &[OperationalEvent],
    ) {
        let since_created = self
            .clock
            .now()
            .duration_since(claim.message.created_at)
            .unwrap_or_default();
        let report = AttemptReport {
            outcome,
            endpoint_id: &claim.endpoint.id,
            endpoint_name: &claim.endpoint.name,
            message_id: &claim.message.id,
            delivery_id: &claim.delivery.id,
            attempt: a.number,
            status: a.status,
            error_kind: a.error_kind,
            http_duration: a.latency,
            since_created,
            events,
        };
        let observed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            observer.0.attempt_finished(&report);
        }));
        if observed.is_err() {
            error!(delivery = %claim.delivery.id, "the delivery observer panicked; ignored");
        }
    }

    fn reap(
        &self,
        done: Result<(Id, ()), tokio::task::JoinError>,
        claims: &mut HashMap<Id, Arc<Claim>>,
    ) {
        match done {
            Ok((id, ())) => {
                claims.remove(&id);
            }
            Err(e) if e.is_cancelled() => {
                // Keep the claim: `settle` releases it.
            }
            Err(e) => {
                // An attempt task panicked: its lease will expire and the delivery is retried.
                // Its slot was given back as the task unwound.
                error!(error = %e, "delivery task panicked");
                claims.remove(&e.id());
            }
        }
    }

    /// The retention job: prunes finished messages older than the retention period.
    pub(crate) async fn prune_loop(self: Arc<Self>) {
        let Some(retention) = self.config.retention else {
            return;
        };
        let mut stop = self.stop.subscribe();
        loop {
            if self.stopping() {
                return;
            }
            let now = self.clock.now();
            if let Some(cutoff) = now.checked_sub(retention) {
                match self.store.prune(cutoff).await {
                    Ok(0) => {}
                    Ok(n) => debug!(messages = n, "pruned finished messages past retention"),
                    Err(e) => warn!(error = %e, "pruning failed"),
                }
            }
            let sleep = self.clock.sleep_until(now + self.config.prune_interval);
            tokio::select! {
                () = sleep => {}
                _ = stop.changed() => {}
            }
        }
    }
}

fn log_attempt(claim: &Claim, decision: &Decision) {
    let a = &decision.attempt;
    debug!(
        delivery = %claim.delivery.id,
        message = %claim.message.id,
        endpoint = %claim.endpoint.name,
        attempt = a.number,
        status = ?a.status,
        error_kind = ?a.error_kind,
        latency_ms = a.latency.as_millis() as u64,
        next = ?decision.delivery.next,
        "delivery attempt"
    );
    if let Some(kind) = a.error_kind {
        warn!(
            delivery = %claim.delivery.id,
            endpoint = %claim.endpoint.name,
            attempt = a.number,
            kind = kind.as_str(),
            error = a.error.as_deref().unwrap_or_default(),
            "delivery attempt failed"
        );
    }
}

fn log_events(events: &[OperationalEvent]) {
    for event in events {
        match event {
            OperationalEvent::EndpointDisabled {
                endpoint_id,
                reason,
                ..
            } => warn!(
                endpoint = %endpoint_id,
                reason = reason.as_str(),
                "endpoint disabled (410 Gone, or failing for too long); its pending deliveries are kept"
            ),
            OperationalEvent::AttemptExhausted {
                delivery_id,
                attempts,
                ..
            } => warn!(
                delivery = %delivery_id,
                attempts,
                "delivery dead-lettered: every attempt of the schedule failed"
            ),
            _ => {
                debug!(event = event.event_type(), endpoint = %event.endpoint_id(), "operational event")
            }
        }
    }
}
