//! Object-safe erasure: every kind of tool (typed, closure, dynamic) behind one trait object.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use crate::context::Context;
use crate::tool::Tool;

/// A boxed, sendable future.
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why an erased invocation produced no output (the registry adds the tool name).
#[derive(Debug)]
pub(crate) enum InvokeError {
    /// Validated arguments still did not deserialise into the tool's `Args`.
    Deserialize(String),
    /// The handler returned an error.
    Failed(String),
    /// The output did not serialise to JSON.
    Output(String),
}

/// The object-safe face of a tool: validated JSON in, JSON out.
pub(crate) trait ErasedTool: Send + Sync {
    fn invoke(&self, args: Value, ctx: Context) -> BoxFuture<'_, Result<Value, InvokeError>>;
}

/// Adapts a typed [`Tool`].
pub(crate) struct Typed<T>(pub(crate) T);

impl<T: Tool> ErasedTool for Typed<T> {
    fn invoke(&self, args: Value, ctx: Context) -> BoxFuture<'_, Result<Value, InvokeError>> {
        Box::pin(async move {
            let args: T::Args = serde_json::from_value(args)
                .map_err(|e| InvokeError::Deserialize(e.to_string()))?;
            let output = self
                .0
                .call_with_context(args, ctx)
                .await
                .map_err(|e| InvokeError::Failed(e.to_string()))?;
            serde_json::to_value(output).map_err(|e| InvokeError::Output(e.to_string()))
        })
    }
}
