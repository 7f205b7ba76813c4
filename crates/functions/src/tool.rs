//! The typed [`Tool`] trait, the exported [`ToolDefinition`], and tool-name rules.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::annotations::ToolAnnotations;
use crate::context::Context;
use crate::error::RegisterError;

/// A tool with typed arguments and output.
///
/// The argument schema is generated from `Args` with schemars (draft 2020-12; doc comments
/// become descriptions) and must be an object schema, so `Args` is normally a struct.
/// Arguments are validated against the schema before [`Tool::call`] runs, then deserialised.
///
/// ```
/// use schemars::JsonSchema;
/// use serde::Deserialize;
/// use switchboard_functions::Tool;
///
/// /// Arguments of `add`.
/// #[derive(Deserialize, JsonSchema)]
/// struct AddArgs {
///     /// First operand.
///     a: i64,
///     /// Second operand.
///     b: i64,
/// }
///
/// struct Add;
///
/// impl Tool for Add {
///     type Args = AddArgs;
///     type Output = i64;
///     type Error = String;
///
///     fn name(&self) -> &str { "add" }
///     fn description(&self) -> &str { "Adds two integers." }
///
///     async fn call(&self, args: AddArgs) -> Result<i64, String> {
///         args.a.checked_add(args.b).ok_or_else(|| "overflow".to_owned())
///     }
/// }
/// ```
pub trait Tool: Send + Sync + 'static {
    /// The arguments, deserialised from the model's JSON after validation.
    type Args: DeserializeOwned + JsonSchema + Send + 'static;
    /// The output, serialised to JSON for the model.
    type Output: Serialize + Send + 'static;
    /// The handler's error. Its `Display` text is shown to the model: keep secrets out of it.
    type Error: fmt::Display + Send + 'static;

    /// The tool name: 1–64 characters of `[A-Za-z0-9_-]`, unique in a registry.
    fn name(&self) -> &str;

    /// What the tool does, for the model.
    fn description(&self) -> &str;

    /// An optional JSON Schema of the output (exported to MCP as `outputSchema`);
    /// [`schema_for`](crate::schema::schema_for) builds one from a type.
    fn output_schema(&self) -> Option<Value> {
        None
    }

    /// A timeout for this tool, overriding the registry default.
    fn timeout(&self) -> Option<Duration> {
        None
    }

    /// The title and behaviour hints clients see (MCP `title` and `annotations`). The default
    /// is MCP's cautious one: no title, not read-only, destructive, open world — override it
    /// with what the tool really does.
    fn annotations(&self) -> ToolAnnotations {
        ToolAnnotations::default()
    }

    /// Runs the tool.
    fn call(
        &self,
        args: Self::Args,
    ) -> impl Future<Output = Result<Self::Output, Self::Error>> + Send;

    /// Runs the tool for the caller `ctx` ([`ToolCall::with_context`](crate::ToolCall::with_context);
    /// [`Context::default`] when the call named no one). The registry always calls this one.
    ///
    /// The default ignores `ctx` and runs [`call`](Self::call), so a tool that does not care who
    /// calls implements `call` only. A tool that does care overrides this method and makes
    /// `call` run it with `Context::default()` (what a direct `call` outside a registry means):
    ///
    /// ```
    /// use switchboard_functions::{Context, NoArgs, Tool};
    ///
    /// struct WhoAmI;
    ///
    /// impl Tool for WhoAmI {
    ///     type Args = NoArgs;
    ///     type Output = String;
    ///     type Error = String;
    ///
    ///     fn name(&self) -> &str { "who_am_i" }
    ///     fn description(&self) -> &str { "Says whom the call is made for." }
    ///
    ///     async fn call(&self, args: NoArgs) -> Result<String, String> {
    ///         self.call_with_context(args, Context::default()).await
    ///     }
    ///
    ///     async fn call_with_context(&self, _: NoArgs, ctx: Context) -> Result<String, String> {
    ///         Ok(ctx.on_behalf_of().unwrap_or_else(|| "nobody known".to_owned()))
    ///     }
    /// }
    /// ```
    fn call_with_context(
        &self,
        args: Self::Args,
        ctx: Context,
    ) -> impl Future<Output = Result<Self::Output, Self::Error>> + Send {
        drop(ctx);
        self.call(args)
    }
}

/// A tool's provider-neutral description: name, description, parameter schema, output schema,
/// title and behaviour hints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolDefinition {
    name: String,
    description: String,
    parameters: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_schema: Option<Value>,
    annotations: ToolAnnotations,
}

impl ToolDefinition {
    pub(crate) fn new(
        name: String,
        description: String,
        parameters: Value,
        output_schema: Option<Value>,
        annotations: ToolAnnotations,
    ) -> Self {
        Self {
            name,
            description,
            parameters,
            output_schema,
            annotations,
        }
    }

    /// The tool name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The description.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The parameter schema as exported: draft 2020-12, root `type: "object"`, local `$defs`,
    /// without `$schema`, the root `title` or the `x-secret` marker.
    pub fn parameters(&self) -> &Value {
        &self.parameters
    }

    /// The output schema, if the tool declared one.
    pub fn output_schema(&self) -> Option<&Value> {
        self.output_schema.as_ref()
    }

    /// The title and behaviour hints the tool declared.
    pub fn annotations(&self) -> &ToolAnnotations {
        &self.annotations
    }
}

/// Arguments of a tool that takes none: its schema is
/// `{"type":"object","properties":{},"additionalProperties":false}` (what MCP recommends).
///
/// `()` and unit structs are not object schemas, so use this instead.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

impl JsonSchema for NoArgs {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "NoArgs".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "object", "properties": {}, "additionalProperties": false})
    }
}

/// The longest tool name accepted.
pub const MAX_NAME_LEN: usize = 64;

/// Checks a tool name: 1–64 characters of `[A-Za-z0-9_-]` (the intersection of what OpenAI,
/// Anthropic, Gemini and MCP accept).
///
/// # Errors
/// [`RegisterError::InvalidName`] saying which rule was broken.
pub fn validate_name(name: &str) -> Result<(), RegisterError> {
    let reason = if name.is_empty() {
        Some("must not be empty".to_owned())
    } else if name.len() > MAX_NAME_LEN {
        Some(format!(
            "is {} characters long; at most {MAX_NAME_LEN} are allowed",
            name.chars().count()
        ))
    } else {
        name.char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
            .map(|(i, c)| format!("character {c:?} at byte {i} is not one of [A-Za-z0-9_-]"))
    };
    match reason {
        Some(reason) => Err(RegisterError::InvalidName {
            name: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_rules() {
        assert!(validate_name("get_weather-2").is_ok());
        assert!(validate_name(&"a".repeat(64)).is_ok());
        for bad in ["", "a b", "a.b", "é", &"a".repeat(65)] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }
}
