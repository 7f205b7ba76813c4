//! The one path every tool call takes, from `POST /tools/{name}` and MCP `tools/call` alike:
//! the policy ([`policy::decide`], before the arguments are validated), then the user's and the
//! token's limits, then the registry (validation, the tool, its timeout and cancellation), then
//! the metrics. Each transport only turns the [`Outcome`] into its wire format.
//!
//! A refusal tells the caller that a policy rule or a limit refused, never which rule: the rule
//! set stays with the operator, who finds the deciding rule's name in the log.

use std::time::Instant;

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use switchboard::functions::{CallError, CancellationToken, ToolCall, ToolResult};

use super::AppState;
use super::caller::Caller;
use super::error::ApiError;
use super::limits::{self, Admission};
use crate::policy::{self, CallArguments};

/// How a dispatched call ended.
#[derive(Debug)]
pub enum Outcome {
    /// The policy or a limit refused the call; nothing ran.
    Refused(Refused),
    /// The call went to the registry: its output, or why it failed (unknown tool, invalid
    /// arguments, the tool's own error, a timeout, …).
    Ran(ToolResult),
}

/// Why a call was refused before it ran.
#[derive(Debug)]
pub enum Refused {
    /// A policy rule refused the caller this tool (or these arguments).
    Policy {
        /// The tool asked for.
        tool: String,
    },
    /// A rate or concurrency limit, the user's or the token's.
    Limit(limits::Refusal),
}

impl Refused {
    /// What the caller (and so the model) is told: the tool, or when to retry; no rule.
    pub fn message(&self) -> String {
        match self {
            Refused::Policy { tool } => {
                format!(
                    "this caller may not use tool `{tool}`: a gateway policy rule refused the call"
                )
            }
            Refused::Limit(refusal) => refusal.message(),
        }
    }
}

impl IntoResponse for Refused {
    /// `403 forbidden_tool`, or `429` with `Retry-After` for a limit.
    fn into_response(self) -> Response {
        match self {
            Refused::Policy { .. } => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden_tool", self.message())
                    .into_response()
            }
            Refused::Limit(refusal) => refusal.into_response(),
        }
    }
}

/// Which limit refused a call (for the log).
#[derive(Debug, Clone, Copy)]
enum LimitOf {
    User,
    Token,
}

/// Runs `call` for `caller` if the policy and the limits let it, and counts it. `cancel` stops
/// a running call (MCP cancellation); without it the call stops when its future is dropped.
pub async fn dispatch(
    state: &AppState,
    caller: &Caller,
    call: ToolCall,
    cancel: Option<&CancellationToken>,
) -> Outcome {
    let who = caller.principal();
    let tool = call.name();
    let args = CallArguments::from(call.arguments());
    if let Some(refusal) = policy::decide(&state.policy, &who, tool, &args).refusal() {
        tracing::info!(
            tool,
            token = who.token,
            user = who.user_id,
            rule = refusal.rule(),
            refused_by = %refusal,
            "tool call refused by policy"
        );
        state
            .metrics
            .tool_refused(state.catalog.label(tool), "forbidden");
        return Outcome::Refused(Refused::Policy {
            tool: tool.to_owned(),
        });
    }
    // Held until the call ends: they are the user's and the token's concurrency slots.
    let _admissions = match admit(state, caller, Instant::now()) {
        Ok(admissions) => admissions,
        Err((limit, refusal)) => {
            tracing::info!(
                tool,
                token = who.token,
                user = who.user_id,
                ?limit,
                ?refusal,
                "tool call refused by a limit"
            );
            state
                .metrics
                .tool_refused(state.catalog.label(tool), refusal.kind());
            return Outcome::Refused(Refused::Limit(refusal));
        }
    };
    tracing::debug!(tool, token = who.token, user = who.user_id, "tool call");
    let call = call.with_context(caller.context());
    let started = Instant::now();
    let result = match cancel {
        Some(cancel) => state.registry.call_with_cancel(call, cancel).await,
        None => state.registry.call(call).await,
    };
    let seconds = started.elapsed().as_secs_f64();
    match result.outcome() {
        Ok(_) => state.metrics.tool_call(result.name(), "ok", seconds),
        Err(err) => {
            // Unknown names are not counted per name: the label set must stay bounded.
            let label = match err {
                CallError::UnknownTool { .. } => "(unknown)",
                _ => result.name(),
            };
            state.metrics.tool_call(label, err.kind(), seconds);
            tracing::info!(tool = result.name(), kind = err.kind(), "tool call failed");
        }
    }
    Outcome::Ran(result)
}

/// Takes the user's limits, then the token's. A call the token refuses gives the user's rate
/// token back, so one user over the shared token's limit is not charged for calls that never
/// ran; a user over their own limit is refused without touching the token's.
fn admit(
    state: &AppState,
    caller: &Caller,
    now: Instant,
) -> Result<(Admission, Admission), (LimitOf, limits::Refusal)> {
    let user = state.user_limits.as_deref().zip(caller.user_id());
    let for_user = match user {
        Some((limits, id)) => limits.admit(id, now).map_err(|r| (LimitOf::User, r))?,
        None => Admission::unlimited(),
    };
    let for_token = match caller.token_limiter() {
        Some(limiter) => limiter.admit(now).map_err(|r| {
            if let Some((limits, id)) = user {
                limits.give_back(id);
            }
            (LimitOf::Token, r)
        })?,
        None => Admission::unlimited(),
    };
    Ok((for_user, for_token))
}
