//! Settings of the delivery engine and the manager.

use std::time::Duration;

use super::schedule::RetrySchedule;

/// How the manager delivers. `Default` gives the documented production values.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// When attempts are due; dead-letter after the last.
    pub schedule: RetrySchedule,
    /// Time limit of one HTTP attempt, connect to last body byte (default 15 s).
    pub request_timeout: Duration,
    /// How long a claim is held; must exceed `request_timeout` (default 60 s). A worker that
    /// dies loses its claims after this long, and they are attempted again.
    pub lease: Duration,
    /// Most attempts in flight in this process (default 64).
    pub max_in_flight: usize,
    /// Most deliveries claimed per store round trip (default 64).
    pub claim_batch: usize,
    /// How often the dispatcher looks for work created elsewhere (other processes, expired
    /// leases) when nothing wakes it (default 1 s).
    pub poll_interval: Duration,
    /// An endpoint failing continuously this long, with no success in between, is disabled
    /// (default 5 days).
    pub disable_after: Duration,
    /// Least wait after a 429 or 503, whatever `Retry-After` says (default 60 s).
    pub throttle_floor: Duration,
    /// How much of a response body is kept in the attempt log (default 4 KiB).
    pub response_body_limit: usize,
    /// Largest accepted event payload, envelope included (default 1 MiB).
    pub max_payload_bytes: usize,
    /// How long an idempotency key maps to its first message (default 24 h).
    pub idempotency_window: Duration,
    /// Time limit of one local handler call (default 30 s).
    pub handler_timeout: Duration,
    /// How many handler outcomes are kept for inspection (default 1,000).
    pub handler_log_size: usize,
    /// Messages older than this, with every delivery finished, are deleted; `None` keeps
    /// everything (default 30 days).
    pub retention: Option<Duration>,
    /// How often the retention job runs (default 1 h).
    pub prune_interval: Duration,
    /// The `User-Agent` of delivery requests.
    pub user_agent: String,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            schedule: RetrySchedule::default(),
            request_timeout: Duration::from_secs(15),
            lease: Duration::from_secs(60),
            max_in_flight: 64,
            claim_batch: 64,
            poll_interval: Duration::from_secs(1),
            disable_after: Duration::from_secs(5 * 24 * 3600),
            throttle_floor: Duration::from_secs(60),
            response_body_limit: 4096,
            max_payload_bytes: 1 << 20,
            idempotency_window: Duration::from_secs(24 * 3600),
            handler_timeout: Duration::from_secs(30),
            handler_log_size: 1000,
            retention: Some(Duration::from_secs(30 * 24 * 3600)),
            prune_interval: Duration::from_secs(3600),
            user_agent: concat!("switchboard-webhooks/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

impl DeliveryConfig {
    /// Checks the values fit together; says which field is wrong.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.request_timeout.is_zero() {
            return Err("request_timeout must be positive".into());
        }
        if self.lease <= self.request_timeout {
            return Err(format!(
                "lease ({:?}) must be longer than request_timeout ({:?})",
                self.lease, self.request_timeout
            ));
        }
        if self.max_in_flight == 0 || self.claim_batch == 0 {
            return Err("max_in_flight and claim_batch must be at least 1".into());
        }
        if self.poll_interval.is_zero() || self.prune_interval.is_zero() {
            return Err("poll_interval and prune_interval must be positive".into());
        }
        if self.handler_timeout.is_zero() {
            return Err("handler_timeout must be positive".into());
        }
        Ok(())
    }
}
