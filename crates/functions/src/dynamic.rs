//! Dynamic tools: a raw JSON Schema and a handler over `serde_json::Value`, for tools known
//! only at run time (proxied MCP servers, configuration files).

use std::fmt;
use std::future::Future;
use std::time::Duration;

use serde_json::Value;

use crate::annotations::ToolAnnotations;
use crate::context::Context;
use crate::erased::{BoxFuture, ErasedTool, InvokeError};

type Handler =
    Box<dyn Fn(Value, Context) -> BoxFuture<'static, Result<Value, String>> + Send + Sync>;

/// A tool described by a raw JSON Schema (draft 2020-12 unless its `$schema` says otherwise).
///
/// The schema's root must be `"type": "object"`; it is compiled once at registration and the
/// handler only sees arguments that passed it. Mark secret fields with `"x-secret": true`.
pub struct DynamicTool {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) schema: Value,
    pub(crate) output_schema: Option<Value>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) annotations: ToolAnnotations,
    handler: Handler,
}

impl fmt::Debug for DynamicTool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynamicTool")
            .field("name", &self.name)
            .field("description", &self.description)
            .field("schema", &self.schema)
            .field("timeout", &self.timeout)
            .field("annotations", &self.annotations)
            .finish_non_exhaustive()
    }
}

impl DynamicTool {
    /// A tool named `name` with parameter `schema`, running `handler`.
    /// The handler's error `Display` text is shown to the model.
    pub fn new<F, Fut, E>(
        name: impl Into<String>,
        description: impl Into<String>,
        schema: Value,
        handler: F,
    ) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, E>> + Send + 'static,
        E: fmt::Display + Send + 'static,
    {
        Self::new_with_context(name, description, schema, move |args, _: Context| {
            handler(args)
        })
    }

    /// A tool named `name` with parameter `schema`, running `handler` with the arguments and
    /// the caller's [`Context`] ([`Context::default`] when the call named no one).
    /// The handler's error `Display` text is shown to the model.
    pub fn new_with_context<F, Fut, E>(
        name: impl Into<String>,
        description: impl Into<String>,
        schema: Value,
        handler: F,
    ) -> Self
    where
        F: Fn(Value, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, E>> + Send + 'static,
        E: fmt::Display + Send + 'static,
    {
        Self {
            name: name.into(),
            description: description.into(),
            schema,
            output_schema: None,
            timeout: None,
            annotations: ToolAnnotations::default(),
            handler: Box::new(move |args, ctx| {
                let fut = handler(args, ctx);
                Box::pin(async move { fut.await.map_err(|e| e.to_string()) })
            }),
        }
    }

    /// Declares the output schema.
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

    /// Declares the title and behaviour hints (MCP's cautious defaults otherwise; a proxied
    /// MCP tool passes on what its server listed).
    #[must_use]
    pub fn with_annotations(mut self, annotations: ToolAnnotations) -> Self {
        self.annotations = annotations;
        self
    }
}

impl ErasedTool for DynamicTool {
    fn invoke(&self, args: Value, ctx: Context) -> BoxFuture<'_, Result<Value, InvokeError>> {
        let fut = (self.handler)(args, ctx);
        Box::pin(async move { fut.await.map_err(InvokeError::Failed) })
    }
}
