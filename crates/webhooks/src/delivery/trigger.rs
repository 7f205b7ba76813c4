//! The optional parts of publishing an event: an idempotency key and channels.

/// What [`WebhookManager::trigger_event_with`](super::WebhookManager::trigger_event_with) takes
/// besides the type and data; `TriggerOptions::default()` is plain
/// [`trigger_event`](super::WebhookManager::trigger_event).
#[derive(Debug, Clone, Default)]
pub struct TriggerOptions {
    pub(crate) idempotency_key: Option<String>,
    pub(crate) channels: Vec<String>,
}

impl TriggerOptions {
    /// No key, no channels.
    pub fn new() -> Self {
        Self::default()
    }

    /// The same key within the idempotency window returns the first message's id and creates
    /// nothing new (handlers are not called again). 1 to 256 visible ASCII characters.
    #[must_use]
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Publishes on these channels (at most [`MAX_CHANNELS`](super::MAX_CHANNELS), each checked
    /// by [`validate_channels`](super::validate_channels)): endpoints with a channel filter
    /// receive the message only when they list one of them.
    #[must_use]
    pub fn channels<I, S>(mut self, channels: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.channels = channels.into_iter().map(Into::into).collect();
        self
    }
}
