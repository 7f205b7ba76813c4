//! `[audit]`: the audit trail of tool calls (`crate::audit`).

use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::{Problem, problem};

/// Days audit rows are kept when `retention_days` is not set.
pub const DEFAULT_AUDIT_RETENTION_DAYS: u64 = 30;

/// Longest accepted `redact_fields` entry.
const MAX_FIELD_LEN: usize = 128;

/// `[audit]`.
#[derive(Debug, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// Record every tool call (REST and MCP, refused ones included) in the store (default
    /// true). Recording never delays or fails a call: rows that find the writer's queue full are
    /// dropped and counted in `switchboard_audit_dropped_total`.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Days audit rows are kept (default 30; 0 keeps them forever). Older rows are deleted by
    /// an hourly job.
    #[serde(default)]
    pub retention_days: Option<u64>,
    /// Argument field names whose values are never stored, at any depth, compared without
    /// regard to case (`["password", "api_key"]`); fields a tool's schema marks `x-secret` are
    /// never stored either.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub redact_fields: Vec<Spanned<String>>,
}

/// `[audit]` after validation.
#[derive(Debug, Clone)]
pub struct AuditSettings {
    /// Whether calls are recorded.
    pub enabled: bool,
    /// How long rows are kept (`None`: forever).
    pub retention: Option<Duration>,
    /// Field names never stored, lowercased.
    pub redact_fields: Vec<String>,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            enabled: true,
            retention: retention(DEFAULT_AUDIT_RETENTION_DAYS),
            redact_fields: Vec::new(),
        }
    }
}

fn retention(days: u64) -> Option<Duration> {
    (days > 0).then(|| Duration::from_secs(days.saturating_mul(24 * 3600)))
}

impl AuditConfig {
    /// Checks the field names (non-empty, short, no duplicates) and applies the defaults.
    pub(super) fn validate(self) -> Result<AuditSettings, Problem> {
        let mut redact_fields: Vec<String> = Vec::with_capacity(self.redact_fields.len());
        for field in &self.redact_fields {
            let name = field.get_ref().trim().to_lowercase();
            let why = if name.is_empty() {
                Some("is empty".to_owned())
            } else if name.len() > MAX_FIELD_LEN {
                Some(format!("is longer than {MAX_FIELD_LEN} bytes"))
            } else if redact_fields.contains(&name) {
                Some("is listed twice".to_owned())
            } else {
                None
            };
            if let Some(why) = why {
                return Err(problem(
                    "audit.redact_fields",
                    field.span(),
                    format!("{:?} {why}", field.get_ref()),
                ));
            }
            redact_fields.push(name);
        }
        Ok(AuditSettings {
            enabled: self.enabled.unwrap_or(true),
            retention: retention(self.retention_days.unwrap_or(DEFAULT_AUDIT_RETENTION_DAYS)),
            redact_fields,
        })
    }
}
