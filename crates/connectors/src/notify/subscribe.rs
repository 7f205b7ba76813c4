//! Wiring targets into `switchboard-webhooks`: one isolated local handler per target and event.

use std::sync::Arc;

use switchboard_webhooks::delivery::{HandlerError, HandlerId, WebhookManager};

use super::{Notification, NotifyError, NotifyTarget};

/// Pass as the only event type to subscribe to every event.
pub const ALL_EVENTS: &str = "*";

/// Registers `target` as a local handler of `manager` for each of `events` (or for every event
/// with [`ALL_EVENTS`]); returns the handler ids, so they can be removed with
/// `WebhookManager::remove_handler`.
///
/// Each event is turned into a [`Notification`] by its template and sent to the target.
/// Handlers add up: subscribing Slack, Discord and email to `error_occurred` makes all three
/// fire, each in its own handler with the manager's timeout and panic isolation, and a failure
/// is recorded in `WebhookManager::handler_runs` without its URL.
///
/// # Errors
/// [`NotifyError::InvalidInput`] when `events` is empty, or an event type is blank or has
/// more than 128 characters.
pub fn subscribe(
    manager: &WebhookManager,
    target: Arc<dyn NotifyTarget>,
    events: &[&str],
) -> Result<Vec<HandlerId>, NotifyError> {
    if events.is_empty() {
        return Err(NotifyError::InvalidInput {
            field: "events",
            reason: "no event types given (use ALL_EVENTS for every event)".into(),
        });
    }
    for (i, e) in events.iter().enumerate() {
        if e.trim().is_empty() || e.chars().count() > 128 {
            return Err(NotifyError::InvalidInput {
                field: "events",
                reason: format!("event type #{i} must have 1 to 128 characters"),
            });
        }
    }
    let name = format!("notify:{}", target.name());
    let mut ids = Vec::with_capacity(events.len());
    let all = events.contains(&ALL_EVENTS);
    let handler = move |target: Arc<dyn NotifyTarget>| {
        move |event: switchboard_webhooks::delivery::Event| {
            let target = Arc::clone(&target);
            async move {
                let n = Notification::from_event(&event.event_type, &event.data);
                target
                    .send(&n)
                    .await
                    .map_err(|e| Box::new(e) as HandlerError)
            }
        }
    };
    if all {
        ids.push(manager.on_any(&name, handler(Arc::clone(&target))));
    } else {
        let mut seen = std::collections::BTreeSet::new();
        for e in events {
            if seen.insert(*e) {
                ids.push(manager.on(e, &name, handler(Arc::clone(&target))));
            }
        }
    }
    Ok(ids)
}
