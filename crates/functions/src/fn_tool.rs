//! Closure tools: the Rust form of the seed's decorator (`register_fn(name, description, |args| …)`).

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::annotations::ToolAnnotations;
use crate::tool::Tool;

/// A tool made from a name, a description and an async closure over typed arguments.
///
/// [`ToolRegistry::register_fn`](crate::ToolRegistry::register_fn) is the short form;
/// build an `FnTool` directly to add annotations, an output schema or a timeout.
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
        Self {
            name: name.into(),
            description: description.into(),
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

impl<A, O, E, F, Fut> Tool for FnTool<A, O, E, F>
where
    A: DeserializeOwned + JsonSchema + Send + 'static,
    O: Serialize + Send + 'static,
    E: fmt::Display + Send + 'static,
    F: Fn(A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, E>> + Send + 'static,
{
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

    fn call(&self, args: A) -> impl Future<Output = Result<O, E>> + Send {
        (self.handler)(args)
    }
}
