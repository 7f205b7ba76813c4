//! The in-memory store: for tests and ephemeral use; everything is lost when the process ends.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::types::{
    Claim, ClaimRequest, Enqueued, NewMessage, Published, StoreError, Subscriber, claim_of,
    fans_out_to, lease_token, new_delivery,
};
use super::{Applied, Decision, EndpointStore, JournalStore, QueueStore, SeenStore};
use crate::delivery::ids::{DeliveryId, EndpointId, MessageId};
use crate::delivery::model::to_millis;
use crate::delivery::model::{
    Attempt, Delivery, DeliveryStatus, DisabledReason, Endpoint, Message,
};
use crate::delivery::page::{Cursor, Direction, Listed, RowKey};
use crate::delivery::pattern::EventTypePattern;
use crate::delivery::query::{AttemptQuery, DeliveryQuery, MessageQuery, QueueDepth};

#[derive(Debug, Default)]
struct State {
    endpoints: BTreeMap<EndpointId, Endpoint>,
    messages: BTreeMap<MessageId, Message>,
    deliveries: BTreeMap<DeliveryId, Delivery>,
    leases: HashMap<DeliveryId, String>,
    attempts: Vec<Attempt>,
    idempotency: HashMap<String, (MessageId, SystemTime)>,
    /// `(source, digest)` of accepted ingest requests, with when each may be forgotten.
    seen: HashMap<(String, [u8; 32]), SystemTime>,
}

/// A [`Store`](super::Store) in memory: nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent data (every method mutates last).
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl State {
    fn name_taken(&self, name: &str, except: &EndpointId) -> bool {
        self.endpoints
            .values()
            .any(|e| e.name == name && &e.id != except)
    }

    fn is_due(&self, d: &Delivery, now: SystemTime) -> bool {
        let enabled = self
            .endpoints
            .get(&d.endpoint_id)
            .is_some_and(|e| e.enabled);
        enabled
            && match d.status {
                DeliveryStatus::Pending => d.next_attempt_at.is_some_and(|t| t <= now),
                DeliveryStatus::InFlight => d.lease_until.is_some_and(|t| t <= now),
                _ => false,
            }
    }

    /// The rule of in-order delivery (the SQL stores' `ORDERED_HEAD`): a delivery of an ordered
    /// endpoint may be claimed only while no unfinished delivery of that endpoint sorts before
    /// it (publication time in milliseconds, then id). It reads the endpoint's current setting,
    /// so queued deliveries follow a change of it at once: the SQL stores reach the same through
    /// the flag each unfinished delivery carries.
    fn is_head(&self, d: &Delivery) -> bool {
        let ordered = self
            .endpoints
            .get(&d.endpoint_id)
            .is_some_and(|e| e.ordered);
        let key = |x: &Delivery| (to_millis(x.created_at), x.id.as_str().to_owned());
        !ordered
            || !self.deliveries.values().any(|h| {
                h.endpoint_id == d.endpoint_id
                    && matches!(h.status, DeliveryStatus::Pending | DeliveryStatus::InFlight)
                    && key(h) < key(d)
            })
    }

    fn check_lease(&self, id: &DeliveryId, token: &str) -> Result<(), StoreError> {
        let held = self.leases.get(id).is_some_and(|t| t == token)
            && self
                .deliveries
                .get(id)
                .is_some_and(|d| d.status == DeliveryStatus::InFlight);
        if held {
            Ok(())
        } else {
            Err(StoreError::LeaseLost(id.clone()))
        }
    }

    fn open_delivery(&self, message: &MessageId, endpoint: &EndpointId) -> bool {
        self.deliveries.values().any(|d| {
            &d.message_id == message
                && &d.endpoint_id == endpoint
                && matches!(d.status, DeliveryStatus::Pending | DeliveryStatus::InFlight)
        })
    }
}

/// The first `limit` rows beyond `cursor`, ordered walking away from it (newest first without
/// one), by [`Listed::row_key`] as the SQL stores order them.
fn walk<'a, T: Listed + Clone + 'a>(
    rows: impl Iterator<Item = &'a T>,
    cursor: Option<&Cursor>,
    limit: usize,
) -> Vec<T> {
    let mut keyed: Vec<(RowKey, &T)> = rows
        .map(|r| (r.row_key(), r))
        .filter(|(k, _)| cursor.is_none_or(|c| c.admits(k)))
        .collect();
    match cursor.map(Cursor::direction) {
        Some(Direction::Newer) => keyed.sort_by(|a, b| a.0.cmp(&b.0)),
        _ => keyed.sort_by(|a, b| b.0.cmp(&a.0)),
    }
    keyed
        .into_iter()
        .take(limit)
        .map(|(_, r)| r.clone())
        .collect()
}

/// Whether `t` is in `[since, until)`, in whole milliseconds as the SQL stores compare.
fn within(t: SystemTime, since: Option<SystemTime>, until: Option<SystemTime>) -> bool {
    let t = to_millis(t);
    since.is_none_or(|s| t >= to_millis(s)) && until.is_none_or(|u| t < to_millis(u))
}

#[async_trait]
impl EndpointStore for MemoryStore {
    async fn insert_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError> {
        let mut s = self.lock();
        if s.endpoints.contains_key(&endpoint.id) {
            return Err(StoreError::Conflict(format!(
                "endpoint id {} exists",
                endpoint.id
            )));
        }
        if s.name_taken(&endpoint.name, &endpoint.id) {
            return Err(StoreError::Conflict(format!(
                "endpoint name {:?} is taken",
                endpoint.name
            )));
        }
        s.endpoints.insert(endpoint.id.clone(), endpoint.clone());
        Ok(())
    }

    async fn update_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError> {
        let mut s = self.lock();
        if !s.endpoints.contains_key(&endpoint.id) {
            return Err(StoreError::NotFound(format!("endpoint {}", endpoint.id)));
        }
        if s.name_taken(&endpoint.name, &endpoint.id) {
            return Err(StoreError::Conflict(format!(
                "endpoint name {:?} is taken",
                endpoint.name
            )));
        }
        let mut updated = endpoint.clone();
        if let Some(old) = s.endpoints.get(&endpoint.id) {
            // Settings only: the enabled state and the failure clock change through their own
            // calls.
            updated.enabled = old.enabled;
            updated.disabled_reason = old.disabled_reason;
            updated.failing_since = old.failing_since;
            updated.created_at = old.created_at;
        }
        s.endpoints.insert(endpoint.id.clone(), updated);
        Ok(())
    }

    async fn delete_endpoint(&self, id: &EndpointId) -> Result<bool, StoreError> {
        let mut s = self.lock();
        if s.endpoints.remove(id).is_none() {
            return Ok(false);
        }
        let gone: Vec<DeliveryId> = s
            .deliveries
            .values()
            .filter(|d| &d.endpoint_id == id)
            .map(|d| d.id.clone())
            .collect();
        for d in &gone {
            s.deliveries.remove(d);
            s.leases.remove(d);
        }
        s.attempts.retain(|a| &a.endpoint_id != id);
        Ok(true)
    }

    async fn get_endpoint(&self, id: &EndpointId) -> Result<Option<Endpoint>, StoreError> {
        Ok(self.lock().endpoints.get(id).cloned())
    }

    async fn list_endpoints(&self) -> Result<Vec<Endpoint>, StoreError> {
        let mut all: Vec<Endpoint> = self.lock().endpoints.values().cloned().collect();
        all.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(all)
    }

    async fn set_endpoint_enabled(
        &self,
        id: &EndpointId,
        enabled: bool,
        reason: Option<DisabledReason>,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        let mut s = self.lock();
        let Some(e) = s.endpoints.get_mut(id) else {
            return Ok(false);
        };
        e.enabled = enabled;
        e.updated_at = now;
        if enabled {
            e.disabled_reason = None;
            e.failing_since = None;
        } else {
            e.disabled_reason = Some(reason.unwrap_or(DisabledReason::Manual));
        }
        Ok(true)
    }
}

#[async_trait]
impl QueueStore for MemoryStore {
    async fn insert_message(
        &self,
        message: NewMessage,
        now: SystemTime,
        due_at: SystemTime,
        idempotency_window: Duration,
    ) -> Result<Enqueued, StoreError> {
        let mut s = self.lock();
        if let Some(key) = &message.idempotency_key
            && let Some((id, at)) = s.idempotency.get(key)
            && now
                .duration_since(*at)
                .map_or(true, |age| age < idempotency_window)
            && s.messages.contains_key(id)
        {
            return Ok(Enqueued {
                message_id: id.clone(),
                created: false,
                deliveries: Vec::new(),
            });
        }
        if s.messages.contains_key(&message.id) {
            return Err(StoreError::Conflict(format!(
                "message id {} exists",
                message.id
            )));
        }
        let targets: Vec<EndpointId> = s
            .endpoints
            .values()
            .filter(|e| {
                e.enabled
                    && fans_out_to(
                        Subscriber::of(e),
                        Published {
                            event_type: &message.event_type,
                            channels: &message.channels,
                            excluded: message.exclude_endpoint.as_ref(),
                        },
                    )
            })
            .map(|e| e.id.clone())
            .collect();
        let mut deliveries = Vec::with_capacity(targets.len());
        for endpoint in &targets {
            let d = new_delivery(&message.id, endpoint, now, due_at);
            deliveries.push(d.id.clone());
            s.deliveries.insert(d.id.clone(), d);
        }
        if let Some(key) = &message.idempotency_key {
            s.idempotency.insert(key.clone(), (message.id.clone(), now));
        }
        s.messages.insert(
            message.id.clone(),
            Message {
                id: message.id.clone(),
                event_type: message.event_type,
                channels: message.channels,
                payload: message.payload,
                idempotency_key: message.idempotency_key,
                created_at: now,
            },
        );
        Ok(Enqueued {
            message_id: message.id,
            created: true,
            deliveries,
        })
    }

    async fn claim_due(&self, request: &ClaimRequest) -> Result<Vec<Claim>, StoreError> {
        let mut s = self.lock();
        let now = request.now;
        let mut due: Vec<(SystemTime, DeliveryId)> = s
            .deliveries
            .values()
            .filter(|d| {
                s.is_due(d, now) && !request.exclude.contains(&d.endpoint_id) && s.is_head(d)
            })
            .map(|d| {
                let at = match d.status {
                    DeliveryStatus::InFlight => d.lease_until,
                    _ => d.next_attempt_at,
                };
                (at.unwrap_or(now), d.id.clone())
            })
            .collect();
        due.sort();
        due.truncate(request.limit);
        let token = lease_token();
        let mut claims = Vec::with_capacity(due.len());
        for (_, id) in due {
            let Some(d) = s.deliveries.get_mut(&id) else {
                continue;
            };
            d.status = DeliveryStatus::InFlight;
            d.lease_until = Some(now + request.lease);
            d.updated_at = now;
            let delivery = d.clone();
            s.leases.insert(id.clone(), token.clone());
            let (Some(message), Some(endpoint)) = (
                s.messages.get(&delivery.message_id).cloned(),
                s.endpoints.get(&delivery.endpoint_id).cloned(),
            ) else {
                return Err(StoreError::Corrupt {
                    table: "deliveries",
                    detail: format!("delivery {id} has no message or endpoint"),
                });
            };
            claims.push(claim_of(delivery, message, endpoint, &token));
        }
        Ok(claims)
    }

    async fn release(&self, claim: &Claim, at: SystemTime) -> Result<(), StoreError> {
        let mut s = self.lock();
        let id = &claim.delivery.id;
        s.check_lease(id, &claim.lease_token)?;
        s.leases.remove(id);
        if let Some(d) = s.deliveries.get_mut(id) {
            d.status = DeliveryStatus::Pending;
            d.next_attempt_at = Some(at);
            d.lease_until = None;
        }
        Ok(())
    }

    async fn complete(&self, decision: &Decision) -> Result<Applied, StoreError> {
        let mut s = self.lock();
        let update = &decision.delivery;
        s.check_lease(&update.id, &update.lease_token)?;
        s.leases.remove(&update.id);
        if let Some(d) = s.deliveries.get_mut(&update.id) {
            d.status = update.next.status();
            d.attempts = update.attempts;
            d.failed_in_round = update.failed_in_round;
            d.next_attempt_at = update.next.next_attempt_at();
            d.lease_until = None;
            d.updated_at = decision.now;
        }
        s.attempts.push(decision.attempt.clone());
        Ok(s.endpoints
            .get_mut(&decision.endpoint_id)
            .map(|e| decision.endpoint.apply_to(e, decision.now))
            .unwrap_or_default())
    }

    async fn next_due(&self) -> Result<Option<SystemTime>, StoreError> {
        let s = self.lock();
        Ok(s.deliveries
            .values()
            .filter(|d| s.endpoints.get(&d.endpoint_id).is_some_and(|e| e.enabled))
            .filter_map(|d| match d.status {
                DeliveryStatus::Pending => d.next_attempt_at,
                DeliveryStatus::InFlight => d.lease_until,
                _ => None,
            })
            .min())
    }

    async fn queue_depth(&self, now: SystemTime) -> Result<QueueDepth, StoreError> {
        let s = self.lock();
        let mut depth = QueueDepth::default();
        for d in s.deliveries.values() {
            if !matches!(d.status, DeliveryStatus::Pending | DeliveryStatus::InFlight) {
                continue;
            }
            let enabled = s.endpoints.get(&d.endpoint_id).is_some_and(|e| e.enabled);
            let slot = if !enabled {
                &mut depth.paused
            } else if s.is_due(d, now) {
                &mut depth.due
            } else if d.status == DeliveryStatus::Pending {
                &mut depth.scheduled
            } else {
                &mut depth.in_flight
            };
            *slot += 1;
        }
        Ok(depth)
    }

    async fn replay(
        &self,
        message: &MessageId,
        endpoint: Option<&EndpointId>,
        now: SystemTime,
    ) -> Result<Vec<DeliveryId>, StoreError> {
        let mut s = self.lock();
        let Some(m) = s.messages.get(message) else {
            return Err(StoreError::NotFound(format!("message {message}")));
        };
        let targets: Vec<EndpointId> = match endpoint {
            Some(id) => {
                if !s.endpoints.contains_key(id) {
                    return Err(StoreError::NotFound(format!("endpoint {id}")));
                }
                vec![id.clone()]
            }
            None => s
                .endpoints
                .values()
                .filter(|e| {
                    let published = Published {
                        event_type: &m.event_type,
                        channels: &m.channels,
                        excluded: None,
                    };
                    e.enabled && fans_out_to(Subscriber::of(e), published)
                })
                .map(|e| e.id.clone())
                .collect(),
        };
        let mut created = Vec::new();
        for target in targets {
            if s.open_delivery(message, &target) {
                continue;
            }
            let d = new_delivery(message, &target, now, now);
            created.push(d.id.clone());
            s.deliveries.insert(d.id.clone(), d);
        }
        Ok(created)
    }

    async fn recover(
        &self,
        endpoint: &EndpointId,
        since: SystemTime,
        now: SystemTime,
    ) -> Result<u64, StoreError> {
        let mut s = self.lock();
        let mut n = 0;
        for d in s.deliveries.values_mut() {
            if &d.endpoint_id == endpoint
                && d.status == DeliveryStatus::DeadLetter
                && d.updated_at >= since
            {
                d.status = DeliveryStatus::Pending;
                d.failed_in_round = 0;
                d.next_attempt_at = Some(now);
                d.updated_at = now;
                n += 1;
            }
        }
        Ok(n)
    }
}

#[async_trait]
impl JournalStore for MemoryStore {
    async fn get_message(&self, id: &MessageId) -> Result<Option<Message>, StoreError> {
        Ok(self.lock().messages.get(id).cloned())
    }

    async fn list_messages(&self, q: &MessageQuery) -> Result<Vec<Message>, StoreError> {
        let s = self.lock();
        let rows = s.messages.values().filter(|m| {
            q.event_type
                .as_ref()
                .is_none_or(|t| EventTypePattern::parse(t).matches(&m.event_type))
                && q.channel.as_ref().is_none_or(|c| m.channels.contains(c))
                && within(m.created_at, q.since, q.until)
                && (q.endpoint.is_none() && q.status.is_none()
                    || s.deliveries.values().any(|d| {
                        d.message_id == m.id
                            && q.endpoint.as_ref().is_none_or(|e| &d.endpoint_id == e)
                            && q.status.is_none_or(|st| d.status == st)
                    }))
        });
        Ok(walk(rows, q.cursor.as_ref(), q.effective_limit()))
    }

    async fn list_deliveries(&self, q: &DeliveryQuery) -> Result<Vec<Delivery>, StoreError> {
        let s = self.lock();
        let rows = s.deliveries.values().filter(|d| {
            q.endpoint.as_ref().is_none_or(|e| &d.endpoint_id == e)
                && q.message.as_ref().is_none_or(|m| &d.message_id == m)
                && q.status.is_none_or(|st| d.status == st)
                && within(d.created_at, q.since, q.until)
        });
        Ok(walk(rows, q.cursor.as_ref(), q.effective_limit()))
    }

    async fn list_attempts(&self, q: &AttemptQuery) -> Result<Vec<Attempt>, StoreError> {
        let s = self.lock();
        let rows = s.attempts.iter().filter(|a| {
            q.endpoint.as_ref().is_none_or(|e| &a.endpoint_id == e)
                && q.message.as_ref().is_none_or(|m| &a.message_id == m)
                && q.delivery.as_ref().is_none_or(|d| &a.delivery_id == d)
                && within(a.at, q.since, q.until)
        });
        Ok(walk(rows, q.cursor.as_ref(), q.effective_limit()))
    }

    async fn prune(&self, cutoff: SystemTime) -> Result<u64, StoreError> {
        let mut s = self.lock();
        let old: Vec<MessageId> = s
            .messages
            .values()
            .filter(|m| m.created_at < cutoff)
            .filter(|m| {
                !s.deliveries.values().any(|d| {
                    d.message_id == m.id
                        && matches!(d.status, DeliveryStatus::Pending | DeliveryStatus::InFlight)
                })
            })
            .map(|m| m.id.clone())
            .collect();
        for id in &old {
            s.messages.remove(id);
        }
        s.deliveries.retain(|_, d| !old.contains(&d.message_id));
        s.attempts.retain(|a| !old.contains(&a.message_id));
        s.idempotency.retain(|_, (id, _)| !old.contains(id));
        Ok(old.len() as u64)
    }
}

#[async_trait]
impl SeenStore for MemoryStore {
    async fn mark_seen(
        &self,
        source: &str,
        digest: &[u8; 32],
        now: SystemTime,
        expires_at: SystemTime,
    ) -> Result<bool, StoreError> {
        let mut s = self.lock();
        // A full sweep per call: this store holds test-sized data.
        s.seen.retain(|_, until| *until > now);
        let key = (source.to_owned(), *digest);
        if s.seen.contains_key(&key) {
            return Ok(false);
        }
        s.seen.insert(key, expires_at);
        Ok(true)
    }

    async fn unmark_seen(&self, source: &str, digest: &[u8; 32]) -> Result<(), StoreError> {
        self.lock().seen.remove(&(source.to_owned(), *digest));
        Ok(())
    }
}
