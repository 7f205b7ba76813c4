//! Argument preparation (JSON text or value, `null`/empty as `{}`) and schema validation with
//! validators compiled once at registration.

use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use crate::call::Arguments;
use crate::error::{CallError, RegisterError, Violation};
use crate::json::parse_checked;

/// A compiled argument validator.
pub(crate) struct ArgumentValidator {
    validator: jsonschema::Validator,
    /// Do not quote argument values in messages (the tool has secret fields).
    mask: bool,
}

impl std::fmt::Debug for ArgumentValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArgumentValidator")
            .field("mask", &self.mask)
            .finish_non_exhaustive()
    }
}

impl ArgumentValidator {
    /// Compiles `schema`. No retriever is configured, so remote or file `$ref`s fail here.
    pub(crate) fn compile(tool: &str, schema: &Value, mask: bool) -> Result<Self, RegisterError> {
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(schema)
            .map_err(|e| RegisterError::InvalidSchema {
                tool: tool.to_owned(),
                pointer: e.instance_path().as_str().to_owned(),
                message: e.to_string(),
            })?;
        Ok(Self { validator, mask })
    }

    /// Checks `args`, listing every violation.
    pub(crate) fn check(&self, tool: &str, args: &Value) -> Result<(), CallError> {
        if self.validator.is_valid(args) {
            return Ok(());
        }
        let violations = self
            .validator
            .iter_errors(args)
            .map(|e| Violation::new(e.instance_path().as_str(), self.message(&e)))
            .collect();
        Err(CallError::InvalidArguments {
            tool: tool.to_owned(),
            violations,
        })
    }
}

impl ArgumentValidator {
    /// The error text; for a failed union (`anyOf`/`oneOf`), why each branch failed, so the
    /// model learns the allowed values rather than "not valid under any of the schemas".
    fn message(&self, e: &jsonschema::ValidationError<'_>) -> String {
        let mut out = self.text(e);
        let branches = match e.kind() {
            ValidationErrorKind::AnyOf { context }
            | ValidationErrorKind::OneOfNotValid { context } => context,
            _ => return out,
        };
        let here = e.instance_path().as_str();
        let reasons: Vec<String> = branches
            .iter()
            .filter_map(|errors| {
                let parts: Vec<String> = errors
                    .iter()
                    .map(|b| {
                        let at = b.instance_path().as_str();
                        match at.strip_prefix(here) {
                            Some(rest) if !rest.is_empty() => format!("{rest}: {}", self.text(b)),
                            _ => self.text(b),
                        }
                    })
                    .collect();
                (!parts.is_empty()).then(|| parts.join(", "))
            })
            .collect();
        if !reasons.is_empty() {
            out.push_str(" (");
            out.push_str(&reasons.join("; or "));
            out.push(')');
        }
        out
    }

    fn text(&self, e: &jsonschema::ValidationError<'_>) -> String {
        if self.mask {
            e.masked().to_string()
        } else {
            e.to_string()
        }
    }
}

/// Turns received arguments into a JSON value: text is parsed (duplicate keys are an error),
/// and `null`, an empty string or the text `null` become `{}`.
pub(crate) fn prepare(tool: &str, arguments: Arguments) -> Result<Value, CallError> {
    let malformed = |message: String| CallError::MalformedCall {
        tool: tool.to_owned(),
        message,
    };
    match arguments {
        Arguments::Value(Value::Null) => Ok(Value::Object(Default::default())),
        Arguments::Value(v) => Ok(v),
        Arguments::Malformed { message } => Err(malformed(message)),
        Arguments::Text(text) => {
            let trimmed = text.trim();
            if trimmed.is_empty() || trimmed == "null" {
                return Ok(Value::Object(Default::default()));
            }
            match parse_checked(trimmed) {
                Ok((_, dups)) if !dups.is_empty() => Err(malformed(format!(
                    "duplicate key{} at {}",
                    if dups.len() == 1 { "" } else { "s" },
                    dups.join(", ")
                ))),
                Ok((v, _)) => Ok(v),
                Err(e) => Err(malformed(format!("arguments are not valid JSON: {e}"))),
            }
        }
    }
}
