//! Closure tools: the Rust form of the seed's decorator (`register_fn(name, description, |args| …)`),
//! and closures that also take the caller's [`Context`] (`register_fn_with_context`).

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::annotations::ToolAnnotations;
use crate::context::Context;
use crate::error::RegisterError;
use crate::registry::ToolRegistry;
use crate::tool::Tool;

/// A tool made from a name, a description and an async closure over typed arguments (and, made
/// with [`FnTool::new_with_context`], the caller's [`Context`]).
///
/// [`ToolRegistry::register_fn`] and [`ToolRegistry::register_fn_with_context`] are the short
/// forms; build an `FnTool` directly to add annotations, an output schema or a timeout.
pub struct FnTool<A, O, E, F> {
    name: String,
    description: String,
    output_schema: Option<Value>,
    timeout: Option<Duration>,
    annotations: ToolAnnotations,
    handler: F,
    _types: PhantomData<fn(A) -> (O, E)>,
}

impl<A, O, E, F> fmt::Debug for FnTool<A, O, E, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnTool")
            .field("name", &self.name)
            .field("description", &self.description)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The handler of an [`FnTool`] made by [`FnTool::new_with_context`]: a closure taking the
/// arguments and the caller's [`Context`].
#[derive(Debug, Clone, Copy)]
pub struct ContextFn<F>(F);

impl<A, O, E, F, Fut> FnTool<A, O, E, F>
where
    A: DeserializeOwned + JsonSchema + Send + 'static,
    O: Serialize + Send + 'static,
    E: fmt::Display + Send + 'static,
    F: Fn(A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, E>> + Send + 'static,
{
    /// A tool named `name` that runs `handler`.
    pub fn new(name: impl Into<String>, description: impl Into<String>, handler: F) -> Self {
        Self::from_handler(name.into(), description.into(), handler)
    }
}

impl<A, O, E, F, Fut> FnTool<A, O, E, ContextFn<F>>
where
    A: DeserializeOwned + JsonSchema + Send + 'static,
    O: Serialize + Send + 'static,
    E: fmt::Display + Send + 'static,
    F: Fn(A, Context) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, E>> + Send + 'static,
{
    /// A tool named `name` that runs `handler` with the arguments and the caller's [`Context`]
    /// ([`Context::default`] when the call named no one).
    pub fn new_with_context(
        name: impl Into<String>,
        description: impl Into<String>,
        handler: F,
    ) -> Self {
        Self::from_handler(name.into(), description.into(), ContextFn(handler))
    }
}

impl<A, O, E, F> FnTool<A, O, E, F> {
    fn from_handler(name: String, description: String, handler: F) -> Self {
        Self {
            name,
            description,
            output_schema: None,
            timeout: None,
            annotations: ToolAnnotations::default(),
            handler,
            _types: PhantomData,
        }
    }

    /// Declares the output schema (for example `schema_for::<O>()`).
    #[must_use]
    pub fn with_output_schema(mut self, schema: Value) -> Self {
        self.output_schema = Some(schema);
        self
    }

    /// Sets this tool's timeout, overriding the registry default.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Declares the title and behaviour hints (MCP's cautious defaults otherwise).
    #[must_use]
    pub fn with_annotations(mut self, annotations: ToolAnnotations) -> Self {
        self.annotations = annotations;
        self
    }
}

/// The metadata half of both [`Tool`] impls (they differ only in how the handler is called).
macro_rules! fn_tool_metadata {
    () => {
        type Args = A;
        type Output = O;
        type Error = E;

        fn name(&self) -> &str {
            &self.name
        }

        fn description(&self) -> &str {
            &self.description
        }

        fn output_schema(&self) -> Option<Value> {
            self.output_schema.clone()
        }

        fn timeout(&self) -> Option<Duration> {
            self.timeout
        }

        fn annotations(&self) -> ToolAnnotations {
            self.annotations.clone()
        }
    };
}

impl<A, O, E, F, Fut> Tool for FnTool<A, O, E, F>
where
    A: DeserializeOwned + JsonSchema + Send + 'static,
    O: Serialize + Send + 'static,
    E: fmt::Display + Send + 'static,
    F: Fn(A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, E>> + Send + 'static,
{
    fn_tool_metadata!();

    fn call(&self, args: A) -> impl Future<Output = Result<O, E>> + Send {
        (self.handler)(args)
    }
}

impl<A, O, E, F, Fut> Tool for FnTool<A, O, E, ContextFn<F>>
where
    A: DeserializeOwned + JsonSchema + Send + 'static,
    O: Serialize + Send + 'static,
    E: fmt::Display + Send + 'static,
    F: Fn(A, Context) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, E>> + Send + 'static,
{
    fn_tool_metadata!();

    /// Runs the handler with [`Context::default`].
    fn call(&self, args: A) -> impl Future<Output = Result<O, E>> + Send {
        (self.handler.0)(args, Context::default())
    }

    fn call_with_context(
        &self,
        args: A,
        ctx: Context,
    ) -> impl Future<Output = Result<O, E>> + Send {
        (self.handler.0)(args, ctx)
    }
}

impl ToolRegistry {
    /// Registers an async closure over typed arguments and the caller's [`Context`] as a tool;
    /// calls made without [`ToolCall::with_context`](crate::ToolCall::with_context) pass
    /// [`Context::default`].
    ///
    /// ```
    /// # use switchboard_functions::{Context, NoArgs, ToolRegistry};
    /// let registry = ToolRegistry::new();
    /// registry.register_fn_with_context("whoami", "Names the caller.", |_: NoArgs, ctx: Context| async move {
    ///     Ok::<_, String>(ctx.on_behalf_of().unwrap_or_default())
    /// })?;
    /// # Ok::<(), switchboard_functions::RegisterError>(())
    /// ```
    ///
    /// # Errors
    /// As for [`register`](Self::register).
    pub fn register_fn_with_context<A, O, E, F, Fut>(
        &self,
        name: impl Into<String>,
        description: impl Into<String>,
        handler: F,
    ) -> Result<(), RegisterError>
    where
        A: DeserializeOwned + JsonSchema + Send + 'static,
        O: Serialize + Send + 'static,
        E: fmt::Display + Send + 'static,
        F: Fn(A, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O, E>> + Send + 'static,
    {
        self.register(FnTool::new_with_context(name, description, handler))
    }
}
