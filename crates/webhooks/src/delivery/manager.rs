//! `WebhookManager`: the seed's API — endpoints, handlers, `trigger_event` — made durable.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime};

use switchboard_core::{Client, NetPolicy, Redirects, RetryPolicy, redact_url};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::info;

use super::channel::validate_channels;
use super::clock::{Clock, SystemClock};
use super::config::DeliveryConfig;
use super::endpoint::{
    EndpointSpec, EndpointUpdate, key_from, rotated, validate_event_type, validate_settings,
};
use super::engine::Engine;
use super::envelope::envelope;
use super::error::ManagerError;
use super::events::{ENDPOINT_ENABLED, enabled_data};
use super::handler::{Event, HandlerError, HandlerId, HandlerRun, Handlers};
use super::ids::{DeliveryId, EndpointId, MessageId};
use super::model::{Attempt, Delivery, DisabledReason, Endpoint, EndpointKey, Message};
use super::observer::DeliveryObserver;
use super::page::Page;
use super::publish::observer;
use super::query::{AttemptQuery, DeliveryQuery, MessageQuery, QueueDepth};
use super::store::{NewMessage, Store, StoreError};
use super::trigger::TriggerOptions;

/// Builds a [`WebhookManager`].
#[must_use]
pub struct WebhookManagerBuilder {
    store: Arc<dyn Store>,
    config: DeliveryConfig,
    clock: Arc<dyn Clock>,
    net: NetPolicy,
    observer: Option<Arc<dyn DeliveryObserver>>,
    operational_events: bool,
}

impl fmt::Debug for WebhookManagerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookManagerBuilder")
            .field("store", &self.store)
            .field("config", &self.config)
            .field("clock", &self.clock)
            .field("net", &self.net)
            .field("observer", &self.observer.is_some())
            .field("operational_events", &self.operational_events)
            .finish()
    }
}

impl WebhookManagerBuilder {
    /// Delivery settings (schedule, timeouts, limits, retention).
    pub fn config(mut self, config: DeliveryConfig) -> Self {
        self.config = config;
        self
    }

    /// The clock for schedules and leases; tests pass a [`ManualClock`](super::ManualClock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Where endpoints may point. Defaults to [`NetPolicy::public_only`] (the SSRF guard);
    /// allow-list internal receivers with `allow_cidr` / `allow_host`.
    pub fn net_policy(mut self, policy: NetPolicy) -> Self {
        self.net = policy;
        self
    }

    /// Reports every finished attempt to `observer` (outcome, endpoint, attempt number,
    /// durations), for metrics. See [`DeliveryObserver`].
    pub fn observer(mut self, observer: Arc<dyn DeliveryObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Publishes [`OperationalEvent`](super::OperationalEvent)s (`endpoint.disabled`,
    /// `message.attempt.exhausted`, `message.attempt.failing`) and `endpoint.enabled` as events,
    /// so endpoints and handlers subscribe to them by type like to any other. The endpoint an
    /// event is about never gets a delivery of it. Off by default.
    pub fn publish_operational_events(mut self, on: bool) -> Self {
        self.operational_events = on;
        self
    }

    /// Builds the manager; call [`WebhookManager::start`] to begin delivering.
    pub fn build(self) -> Result<WebhookManager, ManagerError> {
        self.config.validate().map_err(ManagerError::Config)?;
        let client = Client::builder()
            .user_agent(self.config.user_agent.clone())
            .timeout(Some(self.config.request_timeout))
            .connect_timeout(Some(
                self.config.request_timeout.min(Duration::from_secs(10)),
            ))
            .retry(RetryPolicy::none())
            .redirects(Redirects::none())
            .net_policy(self.net.clone())
            .pool_max_idle_per_host(self.config.max_in_flight.max(1))
            .build()
            .map_err(|e| ManagerError::Config(format!("building the HTTP client: {e}")))?;
        let handlers = Arc::new(Handlers::new(
            self.config.handler_timeout,
            self.config.handler_log_size,
        ));
        let inner = Arc::new_cyclic(|manager: &Weak<Inner>| {
            let publisher = self.operational_events.then(|| manager.clone());
            Inner {
                engine: Arc::new(Engine::new(
                    self.store,
                    client,
                    self.clock,
                    self.config,
                    observer(publisher, self.observer),
                )),
                handlers,
                net: self.net,
                tasks: Mutex::new(None),
                grace: watch::Sender::new(Duration::ZERO),
                operational_events: self.operational_events,
            }
        });
        Ok(WebhookManager { inner })
    }
}

pub(super) struct Inner {
    engine: Arc<Engine>,
    handlers: Arc<Handlers>,
    net: NetPolicy,
    tasks: Mutex<Option<(JoinHandle<()>, JoinHandle<()>)>>,
    grace: watch::Sender<Duration>,
    operational_events: bool,
}

/// Registers endpoints and handlers, accepts events, and delivers them durably.
///
/// Cheap to clone; clones share everything.
///
/// ```no_run
/// use std::sync::Arc;
/// use switchboard_webhooks::delivery::store::MemoryStore;
/// use switchboard_webhooks::delivery::{EndpointSpec, WebhookManager};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let manager = WebhookManager::builder(Arc::new(MemoryStore::new())).build()?;
/// manager.start()?;
/// let endpoint = manager
///     .register(EndpointSpec::new("crm", "https://crm.example.com/hooks").events(["user.joined"]))
///     .await?;
/// println!("share this secret with the receiver: {}", endpoint.keys[0].secret.expose());
/// manager.on("user.joined", "audit", |event| async move {
///     println!("{} joined", event.data["name"]);
///     Ok(())
/// });
/// let id = manager
///     .trigger_event("user.joined", serde_json::json!({"name": "Ada"}))
///     .await?;
/// println!("stored as {id}; delivered in the background");
/// manager.shutdown(std::time::Duration::from_secs(10)).await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct WebhookManager {
    inner: Arc<Inner>,
}

impl fmt::Debug for WebhookManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookManager")
            .field("store", &self.inner.engine.store)
            .field("handlers", &self.inner.handlers)
            .finish_non_exhaustive()
    }
}

fn not_found(e: StoreError, id: &EndpointId) -> ManagerError {
    match e {
        StoreError::NotFound(_) => ManagerError::UnknownEndpoint(id.clone()),
        StoreError::Conflict(text) => ManagerError::NameTaken(text),
        other => ManagerError::Store(other),
    }
}

impl WebhookManager {
    /// A builder over `store`, with default settings, the system clock and the SSRF guard on.
    pub fn builder(store: Arc<dyn Store>) -> WebhookManagerBuilder {
        WebhookManagerBuilder {
            store,
            config: DeliveryConfig::default(),
            clock: Arc::new(SystemClock),
            net: NetPolicy::public_only(),
            observer: None,
            operational_events: false,
        }
    }

    pub(super) fn from_inner(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    fn now(&self) -> SystemTime {
        self.engine().clock.now()
    }

    /// Starts the dispatcher and the retention job on the current tokio runtime.
    /// Calling it again does nothing.
    pub fn start(&self) -> Result<(), ManagerError> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| ManagerError::Runtime("start must be called inside a tokio runtime"))?;
        if !self.inner.engine.mark_running() {
            return Ok(());
        }
        let dispatcher = runtime.spawn(self.inner.engine.clone().run(self.inner.grace.subscribe()));
        let pruner = runtime.spawn(self.inner.engine.clone().prune_loop());
        *self
            .inner
            .tasks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((dispatcher, pruner));
        info!("webhook delivery started");
        Ok(())
    }

    /// Stops claiming new work, waits up to `grace` for attempts in flight, cancels the rest
    /// and releases their leases so they are retried at once (by this process after a restart,
    /// or by another).
    pub async fn shutdown(&self, grace: Duration) {
        self.inner.grace.send_replace(grace);
        self.inner.engine.request_stop();
        let tasks = self
            .inner
            .tasks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some((dispatcher, pruner)) = tasks {
            let _ = dispatcher.await;
            let _ = pruner.await;
        }
        info!("webhook delivery stopped");
    }

    // ---- endpoints ----

    /// Registers an endpoint; returns it with its id and keys (a `whsec_` secret is generated
    /// when none was given).
    pub async fn register(&self, spec: EndpointSpec) -> Result<Endpoint, ManagerError> {
        let now = self.now();
        let mut endpoint = Endpoint {
            id: EndpointId::generate(),
            name: spec.name.clone(),
            description: spec.description,
            url: spec.url,
            events: spec.events,
            channels: spec.channels,
            keys: Vec::new(),
            headers: spec.headers,
            enabled: spec.enabled,
            disabled_reason: (!spec.enabled).then_some(DisabledReason::Manual),
            failing_since: None,
            max_in_flight: spec.max_in_flight,
            rate_limit: spec.rate_limit,
            ordered: spec.ordered,
            metadata: spec.metadata,
            origin: spec.origin,
            created_at: now,
            updated_at: now,
        };
        validate_settings(&mut endpoint, &self.inner.net)?;
        endpoint.keys = vec![EndpointKey {
            secret: key_from(spec.secret.as_ref())?,
            valid_until: None,
        }];
        match self.engine().store.insert_endpoint(&endpoint).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => return Err(ManagerError::NameTaken(spec.name)),
            Err(e) => return Err(e.into()),
        }
        info!(endpoint = %endpoint.name, url = %redact_url(&endpoint.url), "endpoint registered");
        Ok(endpoint)
    }

    /// Changes an endpoint's settings, checked as [`register`](Self::register) checks them,
    /// keeping its id, signing keys, origin and history. Deliveries still waiting go out with
    /// the new settings (URL, headers, limits) from their next attempt on. Returns the
    /// endpoint as updated.
    pub async fn update(
        &self,
        id: &EndpointId,
        update: EndpointUpdate,
    ) -> Result<Endpoint, ManagerError> {
        let mut endpoint = self.endpoint(id).await?;
        update.apply_to(&mut endpoint);
        validate_settings(&mut endpoint, &self.inner.net)?;
        endpoint.updated_at = self.now();
        self.engine()
            .store
            .update_endpoint(&endpoint)
            .await
            .map_err(|e| not_found(e, id))?;
        match update.enabled {
            Some(true) if !endpoint.enabled => self.enable(id).await?,
            Some(false) if endpoint.enabled => self.disable(id).await?,
            _ => self.engine().wake(),
        }
        info!(endpoint = %endpoint.name, url = %redact_url(&endpoint.url), "endpoint updated");
        self.endpoint(id).await
    }

    /// Removes an endpoint with its deliveries and attempt history. Use
    /// [`disable`](Self::disable) to stop deliveries but keep them.
    pub async fn unregister(&self, id: &EndpointId) -> Result<(), ManagerError> {
        if self.engine().store.delete_endpoint(id).await? {
            Ok(())
        } else {
            Err(ManagerError::UnknownEndpoint(id.clone()))
        }
    }

    /// Enables an endpoint (clearing its failure clock); its waiting deliveries resume. When
    /// it was disabled and operational events are published, publishes `endpoint.enabled`.
    pub async fn enable(&self, id: &EndpointId) -> Result<(), ManagerError> {
        let before = self.endpoint(id).await?;
        let now = self.now();
        if !self
            .engine()
            .store
            .set_endpoint_enabled(id, true, None, now)
            .await?
        {
            return Err(ManagerError::UnknownEndpoint(id.clone()));
        }
        self.engine().wake();
        if self.inner.operational_events && !before.enabled {
            self.trigger(
                ENDPOINT_ENABLED,
                enabled_data(&before, now),
                TriggerOptions::default(),
                None,
            )
            .await?;
        }
        Ok(())
    }

    /// Disables an endpoint; its deliveries wait (they are never dropped).
    pub async fn disable(&self, id: &EndpointId) -> Result<(), ManagerError> {
        let now = self.now();
        if self
            .engine()
            .store
            .set_endpoint_enabled(id, false, Some(DisabledReason::Manual), now)
            .await?
        {
            Ok(())
        } else {
            Err(ManagerError::UnknownEndpoint(id.clone()))
        }
    }

    /// Every endpoint, oldest first.
    pub async fn list(&self) -> Result<Vec<Endpoint>, ManagerError> {
        Ok(self.engine().store.list_endpoints().await?)
    }

    /// One endpoint.
    pub async fn endpoint(&self, id: &EndpointId) -> Result<Endpoint, ManagerError> {
        self.engine()
            .store
            .get_endpoint(id)
            .await?
            .ok_or_else(|| ManagerError::UnknownEndpoint(id.clone()))
    }

    /// Makes `new_secret` (or a generated `whsec_` secret) the endpoint's current key; the
    /// old key keeps signing alongside it for `overlap`, so receivers can switch without
    /// rejecting anything. Returns the updated endpoint.
    ///
    /// # Errors
    /// [`ManagerError::InvalidEndpoint`] for `overlap` when the old key's expiry (`now +
    /// overlap`) is past any time the stores hold (milliseconds since 1970 in an `i64`), or
    /// for `secret` when the new secret is malformed or too many retired keys are active.
    pub async fn rotate_secret(
        &self,
        id: &EndpointId,
        new_secret: Option<String>,
        overlap: Duration,
    ) -> Result<Endpoint, ManagerError> {
        let mut endpoint = self.endpoint(id).await?;
        let new = key_from(new_secret.map(switchboard_core::Secret::new).as_ref())?;
        let now = self.now();
        let old_valid_until = key_expiry(now, overlap)?;
        endpoint.keys = rotated(&endpoint.keys, new, now, old_valid_until)?;
        endpoint.updated_at = now;
        self.engine()
            .store
            .update_endpoint(&endpoint)
            .await
            .map_err(|e| not_found(e, id))?;
        Ok(endpoint)
    }

    // ---- handlers ----

    /// Calls `handler` for every event of `event_type`. Several handlers may share a type;
    /// each call is isolated (time limit, panics caught, outcome recorded).
    pub fn on<F, Fut>(&self, event_type: &str, name: &str, handler: F) -> HandlerId
    where
        F: Fn(Event) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        self.inner.handlers.add(
            name.to_owned(),
            Some(event_type.to_owned()),
            Arc::new(move |e| Box::pin(handler(e))),
        )
    }

    /// Calls `handler` for every event, whatever its type.
    pub fn on_any<F, Fut>(&self, name: &str, handler: F) -> HandlerId
    where
        F: Fn(Event) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        self.inner.handlers.add(
            name.to_owned(),
            None,
            Arc::new(move |e| Box::pin(handler(e))),
        )
    }

    /// Removes a handler; `false` when it was not registered.
    pub fn remove_handler(&self, id: HandlerId) -> bool {
        self.inner.handlers.remove(id)
    }

    /// The most recent handler outcomes, oldest first.
    pub fn handler_runs(&self) -> Vec<HandlerRun> {
        self.inner.handlers.runs()
    }

    // ---- events ----

    /// Accepts an event: stores the message and one delivery per matching enabled endpoint in
    /// one transaction, then wakes the dispatcher and starts the local handlers. When this
    /// returns `Ok`, the event is durable. Returns the message id.
    pub async fn trigger_event(
        &self,
        event_type: &str,
        data: serde_json::Value,
    ) -> Result<MessageId, ManagerError> {
        self.trigger_event_with(event_type, data, TriggerOptions::default())
            .await
    }

    /// Like [`trigger_event`](Self::trigger_event), but the same `idempotency_key` within the
    /// idempotency window returns the first message's id and creates nothing new (handlers
    /// are not called again).
    pub async fn trigger_event_idempotent(
        &self,
        event_type: &str,
        data: serde_json::Value,
        idempotency_key: &str,
    ) -> Result<MessageId, ManagerError> {
        let options = TriggerOptions::new().idempotency_key(idempotency_key);
        self.trigger_event_with(event_type, data, options).await
    }

    /// [`trigger_event`](Self::trigger_event) with [`TriggerOptions`]: an idempotency key (as
    /// [`trigger_event_idempotent`](Self::trigger_event_idempotent)) and channels.
    pub async fn trigger_event_with(
        &self,
        event_type: &str,
        data: serde_json::Value,
        options: TriggerOptions,
    ) -> Result<MessageId, ManagerError> {
        if let Some(key) = &options.idempotency_key
            && (key.is_empty() || key.len() > 256 || !key.bytes().all(|b| b.is_ascii_graphic()))
        {
            return Err(ManagerError::InvalidEvent {
                field: "idempotency_key",
                reason: "must be 1 to 256 visible ASCII characters".into(),
            });
        }
        validate_channels(&options.channels).map_err(|reason| ManagerError::InvalidEvent {
            field: "channels",
            reason,
        })?;
        self.trigger(event_type, data, options, None).await
    }

    /// Stores and dispatches an event; `exclude_endpoint` gets no delivery of it.
    pub(super) async fn trigger(
        &self,
        event_type: &str,
        data: serde_json::Value,
        options: TriggerOptions,
        exclude_endpoint: Option<EndpointId>,
    ) -> Result<MessageId, ManagerError> {
        let TriggerOptions {
            idempotency_key,
            channels,
        } = options;
        validate_event_type(event_type).map_err(|reason| ManagerError::InvalidEvent {
            field: "type",
            reason,
        })?;
        let engine = self.engine();
        let now = engine.clock.now();
        let payload = envelope(event_type, now, &data).map_err(|e| ManagerError::InvalidEvent {
            field: "data",
            reason: format!("cannot be serialised as JSON: {e}"),
        })?;
        if payload.len() > engine.config.max_payload_bytes {
            return Err(ManagerError::InvalidEvent {
                field: "data",
                reason: format!(
                    "the envelope is {} bytes; the limit is {}",
                    payload.len(),
                    engine.config.max_payload_bytes
                ),
            });
        }
        let id = MessageId::generate();
        let due = now + engine.config.schedule.initial_delay();
        let enqueued = engine
            .store
            .insert_message(
                NewMessage {
                    id,
                    event_type: event_type.to_owned(),
                    channels,
                    payload,
                    idempotency_key,
                    exclude_endpoint,
                },
                now,
                due,
                engine.config.idempotency_window,
            )
            .await?;
        if !enqueued.created {
            return Ok(enqueued.message_id);
        }
        if !enqueued.deliveries.is_empty() {
            engine.wake();
        }
        if tokio::runtime::Handle::try_current().is_ok() {
            self.inner.handlers.dispatch(&Event {
                message_id: enqueued.message_id.clone(),
                event_type: event_type.to_owned(),
                timestamp: now,
                data: Arc::new(data),
            });
        }
        Ok(enqueued.message_id)
    }

    // ---- queries and recovery ----

    /// One message with its payload.
    pub async fn message(&self, id: &MessageId) -> Result<Message, ManagerError> {
        self.engine()
            .store
            .get_message(id)
            .await?
            .ok_or_else(|| ManagerError::UnknownMessage(id.clone()))
    }

    /// A page of messages, newest first, from the query's cursor on.
    pub async fn messages(&self, query: &MessageQuery) -> Result<Page<Message>, ManagerError> {
        let limit = query.effective_limit();
        let probe = MessageQuery {
            limit: limit.saturating_add(1),
            ..query.clone()
        };
        let rows = self.engine().store.list_messages(&probe).await?;
        Ok(Page::from_rows(rows, limit, query.cursor.as_ref()))
    }

    /// A page of deliveries, newest first, from the query's cursor on.
    pub async fn deliveries(&self, query: &DeliveryQuery) -> Result<Page<Delivery>, ManagerError> {
        let limit = query.effective_limit();
        let probe = DeliveryQuery {
            limit: limit.saturating_add(1),
            ..query.clone()
        };
        let rows = self.engine().store.list_deliveries(&probe).await?;
        Ok(Page::from_rows(rows, limit, query.cursor.as_ref()))
    }

    /// A page of attempts, newest first, from the query's cursor on.
    pub async fn attempts(&self, query: &AttemptQuery) -> Result<Page<Attempt>, ManagerError> {
        let limit = query.effective_limit();
        let probe = AttemptQuery {
            limit: limit.saturating_add(1),
            ..query.clone()
        };
        let rows = self.engine().store.list_attempts(&probe).await?;
        Ok(Page::from_rows(rows, limit, query.cursor.as_ref()))
    }

    /// Sends a message again, to one endpoint or to every enabled endpoint that matches, with
    /// the same `webhook-id`. Deliveries still waiting are not duplicated.
    pub async fn replay(
        &self,
        message: &MessageId,
        endpoint: Option<&EndpointId>,
    ) -> Result<Vec<DeliveryId>, ManagerError> {
        let now = self.now();
        let created = self
            .engine()
            .store
            .replay(message, endpoint, now)
            .await
            .map_err(|e| match (e, endpoint) {
                (StoreError::NotFound(text), Some(ep)) if text.starts_with("endpoint") => {
                    ManagerError::UnknownEndpoint(ep.clone())
                }
                (StoreError::NotFound(_), _) => ManagerError::UnknownMessage(message.clone()),
                (other, _) => ManagerError::Store(other),
            })?;
        self.engine().wake();
        Ok(created)
    }

    /// Requeues every dead-lettered delivery of `endpoint` that failed at or after `since`,
    /// with a fresh schedule. Returns how many. Enable the endpoint first if it is disabled.
    pub async fn recover(
        &self,
        endpoint: &EndpointId,
        since: SystemTime,
    ) -> Result<u64, ManagerError> {
        self.endpoint(endpoint).await?;
        let now = self.now();
        let n = self.engine().store.recover(endpoint, since, now).await?;
        self.engine().wake();
        Ok(n)
    }

    /// How many unfinished deliveries wait, by state (due, scheduled retries, in flight,
    /// paused behind a disabled endpoint), across every process sharing the store. For a
    /// queue-depth gauge; it counts rows, so call it per scrape, not per request.
    pub async fn queue_depth(&self) -> Result<QueueDepth, ManagerError> {
        let now = self.now();
        Ok(self.engine().store.queue_depth(now).await?)
    }

    /// Runs the retention job now; returns how many messages were deleted.
    pub async fn prune(&self) -> Result<u64, ManagerError> {
        let Some(retention) = self.engine().config.retention else {
            return Ok(0);
        };
        let Some(cutoff) = self.now().checked_sub(retention) else {
            return Ok(0);
        };
        Ok(self.engine().store.prune(cutoff).await?)
    }
}

/// When the previous key stops verifying after a rotation at `now`: `now + overlap`, which
/// must be a time every store can hold (milliseconds since 1970 in an `i64`); a longer overlap
/// is refused rather than cut short.
fn key_expiry(now: SystemTime, overlap: Duration) -> Result<SystemTime, ManagerError> {
    let fits = |t: SystemTime| {
        t.duration_since(SystemTime::UNIX_EPOCH)
            .is_ok_and(|d| i64::try_from(d.as_millis()).is_ok())
    };
    now.checked_add(overlap)
        .filter(|t| fits(*t))
        .ok_or_else(|| ManagerError::InvalidEndpoint {
            field: "overlap",
            reason: format!(
                "{} s is too long: the previous key's expiry would be past any time the store \
                 can hold",
                overlap.as_secs()
            ),
        })
}
