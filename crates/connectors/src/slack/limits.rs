//! Slack's per-method rate tiers.
//!
//! Slack limits each Web API method per workspace and app by its tier (Tier 1: 1+ calls a
//! minute … Tier 4: 100+), and answers an excess with 429 and `Retry-After` in seconds. Core's
//! retry loop waits for `Retry-After` (within the policy's limit on server delays); what is
//! still refused becomes [`SlackError::RateLimited`](super::SlackError::RateLimited) naming the
//! method's tier. The tier also bounds the work one tool call may do: the number of `users.info`
//! lookups per call stays well under Tier 4's per-minute allowance.
//!
//! Slack gives apps not approved for its Marketplace far less on `conversations.history` and
//! `conversations.replies` (1 call a minute, at most 15 messages a call): a page then holds
//! fewer messages than asked, and its `next_cursor` continues it.

use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;
use switchboard_core::{http::HeaderMap, retry::parse_retry_after};

/// A Web API method's rate tier, as Slack's method reference lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlackTier {
    /// 1+ calls a minute.
    Tier1,
    /// 20+ calls a minute.
    Tier2,
    /// 50+ calls a minute.
    Tier3,
    /// 100+ calls a minute.
    Tier4,
    /// A method-specific limit (`chat.postMessage`: about one message a second per channel).
    Special,
}

impl SlackTier {
    /// The tier of a method this client calls; methods it does not know count as Tier 2, the
    /// common tier of read methods.
    pub fn of(method: &str) -> Self {
        match method {
            "chat.postMessage" => Self::Special,
            "conversations.history" | "conversations.replies" => Self::Tier3,
            "users.info" => Self::Tier4,
            _ => Self::Tier2,
        }
    }

    /// The calls a minute Slack allows at least.
    pub fn per_minute(self) -> u32 {
        match self {
            Self::Tier1 => 1,
            Self::Tier2 => 20,
            Self::Tier3 => 50,
            Self::Tier4 => 100,
            Self::Special => 60,
        }
    }

    /// E.g. "Tier 3, 50+ calls a minute".
    pub(crate) fn describe(self) -> String {
        match self {
            Self::Special => "a special limit, about one call a second".to_owned(),
            t => {
                let n = match t {
                    Self::Tier1 => 1,
                    Self::Tier2 => 2,
                    Self::Tier3 => 3,
                    _ => 4,
                };
                format!("Tier {n}, {}+ calls a minute", t.per_minute())
            }
        }
    }
}

/// Slack's stricter limit on `method` for apps not approved for the Slack Marketplace (new
/// apps since May 2025, every installation since September 2025), when it has one.
pub(crate) fn marketplace_note(method: &str) -> Option<&'static str> {
    matches!(method, "conversations.history" | "conversations.replies").then_some(
        "apps not approved for the Slack Marketplace get 1 call a minute and at most 15 \
         messages a call",
    )
}

/// Most `users.info` lookups one tool call makes: half of Tier 4's minute, so that a few calls
/// in a row stay within it. Ids beyond are shown as ids.
pub(crate) const MAX_USER_LOOKUPS: usize = 50;

/// The `Retry-After` of a 429 answer.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()))
}
