//! Publishing operational events as events: an observer the manager installs next to the
//! caller's.

use std::sync::{Arc, Weak};

use tracing::warn;

use super::manager::{Inner, WebhookManager};
use super::observer::{AttemptReport, DeliveryObserver, Observer};
use super::trigger::TriggerOptions;

/// The engine's observer: a [`Publisher`] for `manager` when given, then the caller's own.
pub(super) fn observer(
    manager: Option<Weak<Inner>>,
    caller: Option<Arc<dyn DeliveryObserver>>,
) -> Option<Observer> {
    let mut observers: Vec<Arc<dyn DeliveryObserver>> = Vec::new();
    if let Some(manager) = manager {
        observers.push(Arc::new(Publisher { manager }));
    }
    observers.extend(caller);
    let one: Arc<dyn DeliveryObserver> = match observers.len() {
        0 => return None,
        1 => observers.pop()?,
        _ => Arc::new(Observers(observers)),
    };
    Some(Observer(one))
}

/// Publishes each operational event of an attempt through the manager that made the attempt,
/// excluding the endpoint it is about. Holds the manager weakly: the manager owns it.
struct Publisher {
    manager: Weak<Inner>,
}

impl DeliveryObserver for Publisher {
    fn attempt_finished(&self, report: &AttemptReport<'_>) {
        if report.events.is_empty() {
            return;
        }
        let (Some(inner), Ok(runtime)) = (
            self.manager.upgrade(),
            tokio::runtime::Handle::try_current(),
        ) else {
            return;
        };
        let manager = WebhookManager::from_inner(inner);
        let events: Vec<_> = report
            .events
            .iter()
            .map(|e| (e.event_type(), e.data(report), e.endpoint_id().clone()))
            .collect();
        runtime.spawn(async move {
            for (event_type, data, about) in events {
                if let Err(e) = manager
                    .trigger(event_type, data, TriggerOptions::default(), Some(about))
                    .await
                {
                    warn!(error = %e, event_type, "could not publish an operational event");
                }
            }
        });
    }
}

/// Several observers as one, called in order.
struct Observers(Vec<Arc<dyn DeliveryObserver>>);

impl DeliveryObserver for Observers {
    fn attempt_finished(&self, report: &AttemptReport<'_>) {
        for observer in &self.0 {
            observer.attempt_finished(report);
        }
    }
}
