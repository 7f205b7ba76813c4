//! Sending one notification to several targets at once, each failure kept to its target.

use std::sync::Arc;

use super::{Notification, NotifyError, NotifyTarget};

/// How one target fared.
#[derive(Debug)]
pub struct TargetOutcome {
    /// The target's name.
    pub target: String,
    /// Delivered, or why not.
    pub result: Result<(), NotifyError>,
}

/// A set of targets that each receive every notification.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    targets: Vec<Arc<dyn NotifyTarget>>,
}

impl Notifier {
    /// No targets yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a target.
    #[must_use]
    pub fn with(mut self, target: Arc<dyn NotifyTarget>) -> Self {
        self.targets.push(target);
        self
    }

    /// The targets, in order.
    pub fn targets(&self) -> &[Arc<dyn NotifyTarget>] {
        &self.targets
    }

    /// Sends `n` to every target concurrently; one outcome per target, in target order. A
    /// failing or slow target does not stop the others.
    pub async fn send(&self, n: &Notification) -> Vec<TargetOutcome> {
        let sends = self.targets.iter().map(|t| async move {
            let result = t.send(n).await;
            if let Err(e) = &result {
                tracing::warn!(target_name = t.name(), error = %e, "notification not delivered");
            }
            TargetOutcome {
                target: t.name().to_owned(),
                result,
            }
        });
        futures_util::future::join_all(sends).await
    }

    /// Builds the notification for an event with [`Notification::from_event`] and sends it.
    pub async fn send_event(
        &self,
        event_type: &str,
        data: &serde_json::Value,
    ) -> Vec<TargetOutcome> {
        self.send(&Notification::from_event(event_type, data)).await
    }
}
