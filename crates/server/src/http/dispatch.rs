//! The one path every tool call takes, from `POST /tools/{name}` and MCP `tools/call` alike:
//! the policy ([`policy::decide`], before the arguments are validated), then the user's and the
//! token's limits, then the registry (validation, the tool, its timeout and cancellation), then
//! the metrics and the audit trail. Each transport only turns the [`Outcome`] into its wire
//! format.
//!
//! Every call is recorded once its outcome is known, refusals included, by [`Recording`]: the
//! count by caller class, and the row handed to the audit writer ([`crate::audit`], queued
//! without waiting). A call whose caller went away before it ended is recorded as `dropped`.
//!
//! A refusal tells the caller that a policy rule or a limit refused, never which rule: the rule
//! set stays with the operator, who finds the deciding rule's name in the log.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use switchboard::functions::{Arguments, CallError, CancellationToken, ToolCall, ToolResult};

use super::AppState;
use super::caller::Caller;
use super::error::ApiError;
use super::limits::{self, Admission};
use crate::audit::{CallRecord, Transport};
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

impl Outcome {
    /// How the call ended, as the audit trail and `switchboard_tool_calls_by_caller_total`
    /// name it: `ok`, the registry's error kind, or `refused_…` (one of
    /// [`crate::audit::OUTCOMES`]).
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Refused(Refused::Policy { .. }) => "refused_policy",
            Outcome::Refused(Refused::Limit(limits::Refusal::RateLimited { .. })) => {
                "refused_rate_limited"
            }
            Outcome::Refused(Refused::Limit(limits::Refusal::TooManyConcurrent)) => {
                "refused_too_many_concurrent_calls"
            }
            Outcome::Ran(result) => match result.outcome() {
                Ok(_) => "ok",
                Err(err) => err.kind(),
            },
        }
    }

    /// Bytes of the tool's output as compact JSON (0 when it failed or did not run).
    fn result_bytes(&self) -> u64 {
        match self {
            Outcome::Ran(result) => match result.outcome() {
                Ok(value) => json_len(value),
                Err(_) => 0,
            },
            Outcome::Refused(_) => 0,
        }
    }
}

/// Runs `call` for `caller` if the policy and the limits let it, counts it and records it in
/// the audit trail. `cancel` stops a running call (MCP cancellation); without it the call stops
/// when its future is dropped.
pub async fn dispatch(
    state: &AppState,
    caller: &Arc<Caller>,
    transport: Transport,
    call: ToolCall,
    cancel: Option<&CancellationToken>,
) -> Outcome {
    let mut recording = Recording::begin(state, caller, transport, &call);
    let outcome = run(state, caller, call, cancel).await;
    recording.end(outcome.kind(), || outcome.result_bytes());
    outcome
}

/// The policy, the limits, then the registry.
async fn run(
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

/// One call being recorded: what is known when it arrives, kept until its outcome is (or until
/// it is dropped unfinished, recorded then as `dropped`).
struct Recording<'a> {
    state: &'a AppState,
    caller: &'a Arc<Caller>,
    transport: Transport,
    /// The row's start, present while the call is unrecorded and the audit trail is on.
    pending: Option<Pending>,
    ended: bool,
}

struct Pending {
    at: SystemTime,
    started: Instant,
    tool: String,
    /// A copy: the registry consumes the call's own.
    arguments: Arguments,
}

impl<'a> Recording<'a> {
    fn begin(
        state: &'a AppState,
        caller: &'a Arc<Caller>,
        transport: Transport,
        call: &ToolCall,
    ) -> Self {
        let pending = state.audit.is_some().then(|| Pending {
            at: SystemTime::now(),
            started: Instant::now(),
            tool: call.name().to_owned(),
            arguments: call.arguments().clone(),
        });
        Recording {
            state,
            caller,
            transport,
            pending,
            ended: false,
        }
    }

    /// Counts the call and, when the audit trail is on, queues its row (`result_bytes` is only
    /// measured then).
    fn end(&mut self, outcome: &'static str, result_bytes: impl FnOnce() -> u64) {
        self.ended = true;
        let class = if self.caller.user.is_some() {
            "user"
        } else if self.caller.token_name().is_some() {
            "token"
        } else {
            "anonymous"
        };
        self.state.metrics.call_by_caller(class, outcome);
        if let (Some(audit), Some(pending)) = (&self.state.audit, self.pending.take()) {
            audit.record(CallRecord {
                at: pending.at,
                caller: self.caller.clone(),
                tool: pending.tool,
                transport: self.transport,
                outcome,
                duration: pending.started.elapsed(),
                arguments: pending.arguments,
                result_bytes: result_bytes(),
            });
        }
    }
}

impl Drop for Recording<'_> {
    fn drop(&mut self) {
        if !self.ended {
            self.end("dropped", || 0);
        }
    }
}

/// Bytes of `value` as compact JSON, counted without building the text.
fn json_len(value: &serde_json::Value) -> u64 {
    struct Count(u64);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        Err(_) => 0,
    }
}
