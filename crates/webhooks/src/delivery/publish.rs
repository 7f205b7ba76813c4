//! Publishing operational events as events: an observer the manager installs next to the
//! caller's.

use std::sync::{Arc, Weak};

use tracing::warn;

use super::manager::{Inner, WebhookManager};
use super::observer::{AttemptReport, DeliveryObserver};

/// Publishes each operational event of an attempt through the manager that made the attempt,
/// excluding the endpoint it is about. Holds the manager weakly: the manager owns it.
pub(super) struct Publisher {
    pub(super) manager: Weak<Inner>,
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
                if let Err(e) = manager.trigger(event_type, data, None, Some(about)).await {
                    warn!(error = %e, event_type, "could not publish an operational event");
                }
            }
        });
    }
}

/// Several observers as one, called in order.
pub(super) struct Observers(pub(super) Vec<Arc<dyn DeliveryObserver>>);

impl DeliveryObserver for Observers {
    fn attempt_finished(&self, report: &AttemptReport<'_>) {
        for observer in &self.0 {
            observer.attempt_finished(report);
        }
    }
}
