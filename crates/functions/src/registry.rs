//! The [`ToolRegistry`]: registration, definitions, validated dispatch with timeouts,
//! cancellation, bounded concurrency (per batch and per tool), call history and tracing.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::annotations::ToolAnnotations;
use crate::call::{Arguments, ToolCall, ToolResult};
use crate::concurrency::CallSlots;
use crate::context::Context;
use crate::dynamic::DynamicTool;
use crate::erased::{ErasedTool, InvokeError, Typed};
use crate::error::{CallError, RegisterError, Violation};
use crate::fn_tool::FnTool;
use crate::history::{CallHistory, HistoryEntry, Outcome};
use crate::schema;
use crate::tool::{Tool, ToolDefinition, validate_name};
use crate::validate::{self, ArgumentValidator};

/// Registry settings.
#[derive(Debug, Clone)]
pub struct RegistryConfig {
    default_timeout: Duration,
    max_concurrency: usize,
    history_capacity: usize,
    tool_concurrency: HashMap<String, usize>,
}

impl Default for RegistryConfig {
    /// 30 s default timeout, 8 concurrent calls in [`ToolRegistry::call_many`], 256 history entries.
    fn default() -> Self {
        Self {
            default_timeout: Duration::from_secs(30),
            max_concurrency: 8,
            history_capacity: 256,
            tool_concurrency: HashMap::new(),
        }
    }
}

impl RegistryConfig {
    /// The timeout for tools that do not set their own.
    #[must_use]
    pub fn with_default_timeout(mut self, timeout: Duration) -> Self {
        self.default_timeout = timeout;
        self
    }

    /// How many calls [`ToolRegistry::call_many`] runs at once (clamped to at least 1 and at
    /// most Tokio's semaphore limit, [`Semaphore::MAX_PERMITS`]).
    #[must_use]
    pub fn with_max_concurrency(mut self, n: usize) -> Self {
        self.max_concurrency = n.clamp(1, Semaphore::MAX_PERMITS);
        self
    }

    /// How many calls the history keeps (0 disables it).
    #[must_use]
    pub fn with_history_capacity(mut self, n: usize) -> Self {
        self.history_capacity = n;
        self
    }

    /// At most `limit` calls of the tool `name` run at once (clamped like
    /// [`with_max_concurrency`](Self::with_max_concurrency)); a call beyond that fails at once
    /// with [`CallError::Busy`] rather than waiting, so a flood of calls to an expensive tool
    /// cannot pile up memory. Applies to the tool registered under `name` after this config is
    /// given to the registry; tools without a limit run unbounded.
    #[must_use]
    pub fn with_tool_concurrency(mut self, name: &str, limit: usize) -> Self {
        self.tool_concurrency
            .insert(name.to_owned(), limit.clamp(1, Semaphore::MAX_PERMITS));
        self
    }

    /// The concurrency limit of the tool `name`, if it has one.
    pub fn tool_concurrency(&self, name: &str) -> Option<usize> {
        self.tool_concurrency.get(name).copied()
    }

    /// The default timeout.
    pub fn default_timeout(&self) -> Duration {
        self.default_timeout
    }

    /// The concurrency limit of `call_many`.
    pub fn max_concurrency(&self) -> usize {
        self.max_concurrency
    }

    /// The history capacity.
    pub fn history_capacity(&self) -> usize {
        self.history_capacity
    }
}

/// What a tool declares about itself, whatever its kind.
struct Declared {
    name: String,
    description: String,
    schema: Value,
    output_schema: Option<Value>,
    annotations: ToolAnnotations,
    timeout: Option<Duration>,
}

struct Entry {
    definition: ToolDefinition,
    /// The schema as registered (with `x-secret` markers), for redaction and `null` handling.
    schema: Value,
    validator: ArgumentValidator,
    /// The declared output schema, checked on every output (MCP: servers MUST conform).
    output_validator: Option<ArgumentValidator>,
    secret: bool,
    timeout: Option<Duration>,
    /// Present when the tool has a concurrency limit.
    slots: Option<CallSlots>,
    tool: Box<dyn ErasedTool>,
}

/// Holds tools of every kind and dispatches calls to them.
///
/// Every call is looked up by name, its arguments parsed and validated against the schema
/// compiled at registration, then run under a timeout and recorded in the history.
/// Calls must run inside a Tokio runtime with the time driver enabled.
///
/// **Cancellation.** Two ways, both drop the handler's future at its next `.await`:
/// pass a [`CancellationToken`] to [`call_with_cancel`](Self::call_with_cancel) /
/// [`call_many_with_cancel`](Self::call_many_with_cancel) to get [`CallError::Cancelled`]
/// results back, or simply drop the call's future (recorded in history as
/// [`Outcome::Dropped`]). A handler that blocks the thread without awaiting cannot be
/// interrupted either way.
pub struct ToolRegistry {
    config: RegistryConfig,
    tools: RwLock<HashMap<String, Arc<Entry>>>,
    history: CallHistory,
}

impl fmt::Debug for ToolRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolRegistry")
            .field("config", &self.config)
            .field("tools", &self.names())
            .finish_non_exhaustive()
    }
}

impl Default for ToolRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl ToolRegistry {
    /// An empty registry with [`RegistryConfig::default`].
    pub fn new() -> Self {
        Self::with_config(RegistryConfig::default())
    }

    /// An empty registry with `config`.
    pub fn with_config(config: RegistryConfig) -> Self {
        Self {
            history: CallHistory::new(config.history_capacity),
            config,
            tools: RwLock::new(HashMap::new()),
        }
    }

    /// The settings.
    pub fn config(&self) -> &RegistryConfig {
        &self.config
    }

    /// Registers a typed tool.
    ///
    /// # Errors
    /// An invalid or duplicate name, an empty description, contradictory annotations, a
    /// non-object argument schema or a schema (or output schema) that does not compile.
    pub fn register<T: Tool>(&self, tool: T) -> Result<(), RegisterError> {
        let declared = Declared {
            name: tool.name().to_owned(),
            description: tool.description().to_owned(),
            schema: schema::schema_for::<T::Args>(),
            output_schema: tool.output_schema(),
            annotations: tool.annotations(),
            timeout: tool.timeout(),
        };
        self.insert(declared, Box::new(Typed(tool)))
    }

    /// Registers an async closure over typed arguments as a tool: the Rust form of a
    /// `@function` decorator.
    ///
    /// ```
    /// # use schemars::JsonSchema; use serde::Deserialize;
    /// # use switchboard_functions::ToolRegistry;
    /// #[derive(Deserialize, JsonSchema)]
    /// struct Greet { /// Who to greet.
    ///     name: String }
    ///
    /// let registry = ToolRegistry::new();
    /// registry.register_fn("greet", "Greets someone.", |args: Greet| async move {
    ///     Ok::<_, String>(format!("Hello, {}!", args.name))
    /// })?;
    /// # Ok::<(), switchboard_functions::RegisterError>(())
    /// ```
    ///
    /// # Errors
    /// As for [`register`](Self::register).
    pub fn register_fn<A, O, E, F, Fut>(
        &self,
        name: impl Into<String>,
        description: impl Into<String>,
        handler: F,
    ) -> Result<(), RegisterError>
    where
        A: DeserializeOwned + JsonSchema + Send + 'static,
        O: Serialize + Send + 'static,
        E: fmt::Display + Send + 'static,
        F: Fn(A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O, E>> + Send + 'static,
    {
        self.register(FnTool::new(name, description, handler))
    }

    /// Registers a tool described by a raw JSON Schema.
    ///
    /// # Errors
    /// As for [`register`](Self::register).
    pub fn register_dynamic(&self, tool: DynamicTool) -> Result<(), RegisterError> {
        let declared = Declared {
            name: tool.name.clone(),
            description: tool.description.clone(),
            schema: tool.schema.clone(),
            output_schema: tool.output_schema.clone(),
            annotations: tool.annotations.clone(),
            timeout: tool.timeout,
        };
        self.insert(declared, Box::new(tool))
    }

    fn insert(&self, declared: Declared, tool: Box<dyn ErasedTool>) -> Result<(), RegisterError> {
        let Declared {
            name,
            description,
            schema,
            output_schema,
            annotations,
            timeout,
        } = declared;
        validate_name(&name)?;
        if description.trim().is_empty() {
            return Err(RegisterError::EmptyDescription { tool: name });
        }
        if let Some(reason) = annotations.contradiction() {
            return Err(RegisterError::InvalidAnnotations { tool: name, reason });
        }
        schema::check_root(&name, &schema)?;
        let secret = schema::has_secret(&schema);
        let validator = ArgumentValidator::compile(&name, &schema, secret)?;
        let output_validator = match &output_schema {
            Some(out) => Some(ArgumentValidator::compile(&name, out, false)?),
            None => None,
        };
        let definition = ToolDefinition::new(
            name.clone(),
            description,
            schema::export_form(&schema),
            output_schema.as_ref().map(schema::export_form),
            annotations,
        );
        let entry = Arc::new(Entry {
            definition,
            schema,
            validator,
            output_validator,
            secret,
            timeout,
            slots: self.config.tool_concurrency(&name).map(CallSlots::new),
            tool,
        });
        let mut tools = self.tools.write().unwrap_or_else(PoisonError::into_inner);
        if tools.contains_key(&name) {
            return Err(RegisterError::Duplicate { name });
        }
        tools.insert(name, entry);
        Ok(())
    }

    /// Removes a tool; returns whether it was registered. Calls already running finish.
    pub fn unregister(&self, name: &str) -> bool {
        self.tools
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(name)
            .is_some()
    }

    /// The registered names, sorted.
    pub fn names(&self) -> Vec<String> {
        let tools = self.tools.read().unwrap_or_else(PoisonError::into_inner);
        let mut names: Vec<String> = tools.keys().cloned().collect();
        names.sort();
        names
    }

    /// All definitions, sorted by name.
    pub fn definitions(&self) -> Vec<ToolDefinition> {
        let tools = self.tools.read().unwrap_or_else(PoisonError::into_inner);
        let mut defs: Vec<ToolDefinition> = tools.values().map(|e| e.definition.clone()).collect();
        defs.sort_by(|a, b| a.name().cmp(b.name()));
        defs
    }

    /// One tool's definition.
    pub fn definition(&self, name: &str) -> Option<ToolDefinition> {
        self.lookup(name).map(|e| e.definition.clone())
    }

    fn lookup(&self, name: &str) -> Option<Arc<Entry>> {
        self.tools
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned()
    }

    /// Runs one call. Never panics on bad input: every failure is an error [`ToolResult`].
    pub async fn call(&self, call: ToolCall) -> ToolResult {
        self.run(call, None, None).await
    }

    /// Runs one call that `cancel` can stop; a cancelled call yields [`CallError::Cancelled`].
    pub async fn call_with_cancel(&self, call: ToolCall, cancel: &CancellationToken) -> ToolResult {
        self.run(call, Some(cancel), None).await
    }

    /// Calls `name` with `arguments` and returns the output or the error.
    ///
    /// # Errors
    /// Any [`CallError`].
    pub async fn invoke(
        &self,
        name: &str,
        arguments: impl Into<Arguments>,
    ) -> Result<Value, CallError> {
        self.run(ToolCall::new(name, arguments), None, None)
            .await
            .into_outcome()
    }

    /// Runs several calls concurrently, at most [`RegistryConfig::max_concurrency`] at once,
    /// and returns their results in call order (one result per call, always).
    pub async fn call_many(&self, calls: impl IntoIterator<Item = ToolCall>) -> Vec<ToolResult> {
        self.run_many(calls, None).await
    }

    /// [`call_many`](Self::call_many) with a cancellation token shared by all the calls.
    pub async fn call_many_with_cancel(
        &self,
        calls: impl IntoIterator<Item = ToolCall>,
        cancel: &CancellationToken,
    ) -> Vec<ToolResult> {
        self.run_many(calls, Some(cancel)).await
    }

    async fn run_many(
        &self,
        calls: impl IntoIterator<Item = ToolCall>,
        cancel: Option<&CancellationToken>,
    ) -> Vec<ToolResult> {
        // A fair semaphore, not `buffered`: a slow first call must not hold back later ones.
        let slots = Semaphore::new(self.config.max_concurrency);
        futures_util::future::join_all(
            calls
                .into_iter()
                .map(|call| self.run(call, cancel, Some(&slots))),
        )
        .await
    }

    /// The recorded calls, oldest first.
    pub fn history(&self) -> Vec<HistoryEntry> {
        self.history.snapshot()
    }

    /// `arguments` for tool `name` with every value its schema marks `x-secret` replaced by
    /// `"[redacted]"`, as the history keeps them (returned as they are for a tool without
    /// secret fields, or not registered).
    pub fn redact_arguments(&self, name: &str, arguments: Value) -> Value {
        match self.lookup(name) {
            Some(entry) if entry.secret => schema::redact(&entry.schema, &arguments),
            _ => arguments,
        }
    }

    /// Forgets the recorded calls.
    pub fn clear_history(&self) {
        self.history.clear();
    }

    async fn run(
        &self,
        call: ToolCall,
        cancel: Option<&CancellationToken>,
        slots: Option<&Semaphore>,
    ) -> ToolResult {
        let (id, name, arguments, context) = call.into_parts();
        // Debug, not info: at the default log level a call then costs no span at all (formatting
        // its fields was a fifth of a gateway `calculate` call). The per-call record a service
        // keeps is its own (the gateway's audit trail and metrics); this span is for debugging.
        let span = tracing::debug_span!(
            "tool_call",
            tool = %name,
            call_id = id.as_deref().unwrap_or(""),
            outcome = tracing::field::Empty,
        );
        let mut recorder = Recorder {
            history: &self.history,
            pending: self.history.enabled().then(|| Pending {
                tool: name.clone(),
                call_id: id.clone(),
                started_at: SystemTime::now(),
                start: Instant::now(),
                arguments: None,
            }),
        };
        let outcome = self
            .execute(&name, arguments, context, cancel, slots, &mut recorder)
            .instrument(span.clone())
            .await;
        match &outcome {
            Ok(_) => {
                span.record("outcome", "success");
            }
            Err(e) => {
                span.record("outcome", e.kind());
                let _entered = span.enter();
                tracing::debug!(error = %e, "tool call failed");
            }
        }
        recorder.finish(&outcome);
        ToolResult::new(id, name, outcome)
    }

    async fn execute(
        &self,
        name: &str,
        arguments: Arguments,
        context: Context,
        cancel: Option<&CancellationToken>,
        slots: Option<&Semaphore>,
        recorder: &mut Recorder<'_>,
    ) -> Result<Value, CallError> {
        if let Arguments::Malformed { message } = arguments {
            // A call the provider parser could not read (possibly without a name).
            return Err(CallError::MalformedCall {
                tool: name.to_owned(),
                message,
            });
        }
        let entry = self.lookup(name).ok_or_else(|| CallError::UnknownTool {
            name: name.to_owned(),
            available: self.names(),
        })?;
        let mut args = validate::prepare(name, arguments)?;
        if schema::contains_null(&args) {
            schema::strip_null_optionals(&entry.schema, &mut args);
        }
        if let Some(pending) = &mut recorder.pending {
            pending.arguments = Some(if entry.secret {
                schema::redact(&entry.schema, &args)
            } else {
                args.clone()
            });
        }
        entry.validator.check(name, &args)?;
        let cancelled = || CallError::Cancelled {
            tool: name.to_owned(),
        };
        // Wait for a concurrency slot (call_many); the history measures from when the call runs.
        let permit = match (slots, cancel) {
            (Some(slots), Some(token)) => Some(
                token
                    .run_until_cancelled(slots.acquire())
                    .await
                    .ok_or_else(cancelled)?,
            ),
            (Some(slots), None) => Some(slots.acquire().await),
            (None, _) => None,
        };
        let slot = match &entry.slots {
            Some(slots) => Some(slots.try_take(name)?),
            None => None,
        };
        if permit.is_some()
            && let Some(p) = &mut recorder.pending
        {
            p.started_at = SystemTime::now();
            p.start = Instant::now();
        }
        let timeout = entry.timeout.unwrap_or(self.config.default_timeout);
        let invoke = entry.tool.invoke(args, context);
        let run = tokio::time::timeout(timeout, async move {
            match slot {
                Some(slot) => slot.hold_during(invoke).await,
                None => invoke.await,
            }
        });
        let res = match cancel {
            Some(token) => token.run_until_cancelled(run).await.ok_or_else(cancelled)?,
            None => run.await,
        };
        match res {
            Err(_elapsed) => Err(CallError::Timeout {
                tool: name.to_owned(),
                after: timeout,
            }),
            Ok(Ok(v)) => match &entry.output_validator {
                Some(check) => match check.check(name, &v) {
                    Ok(()) => Ok(v),
                    Err(e) => Err(CallError::Output {
                        tool: name.to_owned(),
                        message: format!(
                            "the output does not match the declared output schema: {}",
                            e.violations()
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join("; ")
                        ),
                    }),
                },
                None => Ok(v),
            },
            Ok(Err(InvokeError::Deserialize(message))) => Err(CallError::InvalidArguments {
                tool: name.to_owned(),
                violations: vec![Violation::new(
                    "",
                    if entry.secret {
                        "the arguments do not match the tool's parameter types".to_owned()
                    } else {
                        message
                    },
                )],
            }),
            Ok(Err(InvokeError::Failed(message))) => Err(CallError::Failed {
                tool: name.to_owned(),
                message,
            }),
            Ok(Err(InvokeError::Output(message))) => Err(CallError::Output {
                tool: name.to_owned(),
                message,
            }),
        }
    }
}

struct Pending {
    tool: String,
    call_id: Option<String>,
    started_at: SystemTime,
    start: Instant,
    arguments: Option<Value>,
}

/// Writes the history entry when the call ends, or as `Dropped` if its future is dropped.
struct Recorder<'a> {
    history: &'a CallHistory,
    pending: Option<Pending>,
}

impl Recorder<'_> {
    fn finish(&mut self, outcome: &Result<Value, CallError>) {
        let outcome = match outcome {
            Ok(_) => Outcome::Success,
            Err(e) => Outcome::Error {
                kind: e.kind(),
                message: e.to_string(),
            },
        };
        self.record(outcome);
    }

    fn record(&mut self, outcome: Outcome) {
        if let Some(p) = self.pending.take() {
            self.history.push(HistoryEntry {
                tool: p.tool,
                call_id: p.call_id,
                started_at: p.started_at,
                duration: p.start.elapsed(),
                arguments: p.arguments,
                outcome,
            });
        }
    }
}

impl Drop for Recorder<'_> {
    fn drop(&mut self) {
        self.record(Outcome::Dropped);
    }
}
