//! OpenAI strict-mode schema transform: `additionalProperties: false` everywhere, every property
//! required with optional ones made nullable, unsupported keywords removed or reported.
//!
//! Removed keywords are constraints OpenAI does not support (`minLength`, `default`, Rust
//! numeric `format`s …); the registry still validates every call against the original schema,
//! so a violation comes back to the model as an error result instead of being accepted.
//! Keywords whose removal would change which values are *expressible* (`allOf`, `not`,
//! conditionals, maps, untyped values) make the tool not strict-compatible: an [`ExportError`].
//! `oneOf` is written as `anyOf` (the registry still enforces "exactly one").
//! The registry treats `null` for an optional, non-nullable property as "absent", which is how
//! strict mode asks the model to omit a value.

use serde_json::{Map, Value, json};

use crate::error::ExportError;
use crate::tool::ToolDefinition;

const TARGET: &str = "OpenAI strict mode";
const MAX_PROPERTIES: usize = 5000;
const MAX_NESTING: usize = 10;
const MAX_ENUM_VALUES: usize = 1000;
const MAX_SCHEMA_CHARS: usize = 120_000;

/// Keywords removed because strict mode rejects them; the registry's validator still enforces them.
const REMOVED: &[&str] = &[
    "$schema",
    "$comment",
    "title",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "minLength",
    "maxLength",
    "minProperties",
    "maxProperties",
    "uniqueItems",
    "contains",
    "minContains",
    "maxContains",
    "contentEncoding",
    "contentMediaType",
];

/// Keywords that cannot be expressed in strict mode at all.
const UNSUPPORTED: &[&str] = &[
    "allOf",
    "not",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "patternProperties",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "prefixItems",
    "$dynamicRef",
    "$dynamicAnchor",
];

const FORMATS: &[&str] = &[
    "date-time",
    "time",
    "date",
    "duration",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uuid",
];

/// The strict form of `def`'s parameter schema.
///
/// # Errors
/// [`ExportError`] listing every construct strict mode cannot express, with schema pointers.
pub fn strict_parameters(def: &ToolDefinition) -> Result<Value, ExportError> {
    let mut schema = def.parameters().clone();
    let mut cx = Cx::default();
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        cx.problem("", "the root must be an object schema");
    }
    transform(&mut schema, "", 0, &mut cx);
    if let Some(Value::Object(defs)) = schema.get_mut("$defs") {
        for (name, s) in defs.iter_mut() {
            let p = format!("/$defs/{}", crate::json::escape_token(name));
            transform(s, &p, 0, &mut cx);
        }
    }
    if cx.properties > MAX_PROPERTIES {
        cx.problem(
            "",
            &format!(
                "{} properties; at most {MAX_PROPERTIES} are allowed",
                cx.properties
            ),
        );
    }
    let chars = schema.to_string().chars().count();
    if chars > MAX_SCHEMA_CHARS {
        cx.problem(
            "",
            &format!("the schema is {chars} characters; at most {MAX_SCHEMA_CHARS} are allowed"),
        );
    }
    if cx.problems.is_empty() {
        Ok(schema)
    } else {
        Err(ExportError::new(def.name(), TARGET, cx.problems))
    }
}

#[derive(Default)]
struct Cx {
    problems: Vec<(String, String)>,
    properties: usize,
}

impl Cx {
    fn problem(&mut self, pointer: &str, message: &str) {
        self.problems.push((pointer.to_owned(), message.to_owned()));
    }
}

fn transform(node: &mut Value, ptr: &str, depth: usize, cx: &mut Cx) {
    let map = match node {
        Value::Object(map) => map,
        Value::Bool(true) => {
            cx.problem(
                ptr,
                "an untyped value (any JSON) cannot be expressed in strict mode",
            );
            return;
        }
        _ => {
            cx.problem(
                ptr,
                "a schema that accepts nothing cannot be expressed in strict mode",
            );
            return;
        }
    };
    if depth > MAX_NESTING {
        cx.problem(ptr, &format!("nested deeper than {MAX_NESTING} levels"));
        return;
    }
    for k in REMOVED {
        map.remove(*k);
    }
    if let Some(Value::String(f)) = map.get("format")
        && !FORMATS.contains(&f.as_str())
    {
        map.remove("format");
    }
    for k in UNSUPPORTED {
        if map.contains_key(*k) {
            cx.problem(ptr, &format!("`{k}` is not supported in strict mode"));
        }
    }
    if let Some(one_of) = map.remove("oneOf") {
        match map.get_mut("anyOf") {
            Some(_) => cx.problem(ptr, "`oneOf` next to `anyOf` cannot be rewritten"),
            None => {
                map.insert("anyOf".to_owned(), one_of);
            }
        }
    }
    if let Some(c) = map.remove("const") {
        map.insert("enum".to_owned(), Value::Array(vec![c]));
    }
    if let Some(Value::Array(e)) = map.get("enum")
        && e.len() > MAX_ENUM_VALUES
    {
        cx.problem(
            ptr,
            &format!(
                "{} enum values; at most {MAX_ENUM_VALUES} are allowed",
                e.len()
            ),
        );
    }
    if map.contains_key("$ref") && map.len() > 1 {
        // `$ref` siblings are not allowed: keep the annotations on a one-branch `anyOf`.
        if let Some(r) = map.remove("$ref") {
            if map.contains_key("anyOf") {
                cx.problem(ptr, "`$ref` next to `anyOf` cannot be rewritten");
            } else {
                map.insert("anyOf".to_owned(), json!([{ "$ref": r }]));
            }
        }
    }
    let typed = ["type", "$ref", "anyOf", "enum"]
        .iter()
        .any(|k| map.contains_key(*k));
    if !typed {
        cx.problem(
            ptr,
            "an untyped value (no `type`) cannot be expressed in strict mode",
        );
    }
    let types = type_names(map);
    if types.iter().any(|t| t == "object") || map.contains_key("properties") {
        object(map, ptr, depth, cx);
    }
    if types.iter().any(|t| t == "array") {
        match map.get_mut("items") {
            Some(items) => transform(items, &format!("{ptr}/items"), depth + 1, cx),
            None => cx.problem(ptr, "arrays need an `items` schema in strict mode"),
        }
    }
    if let Some(Value::Array(branches)) = map.get_mut("anyOf") {
        for (i, b) in branches.iter_mut().enumerate() {
            transform(b, &format!("{ptr}/anyOf/{i}"), depth, cx);
        }
    }
}

fn type_names(map: &Map<String, Value>) -> Vec<String> {
    match map.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn object(map: &mut Map<String, Value>, ptr: &str, depth: usize, cx: &mut Cx) {
    match map.get("additionalProperties") {
        None | Some(Value::Bool(_)) => {}
        Some(_) => cx.problem(
            ptr,
            "maps (`additionalProperties` with a schema) cannot be expressed in strict mode",
        ),
    }
    map.insert("additionalProperties".to_owned(), Value::Bool(false));
    let required: Vec<String> = map
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let props = map
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(props) = props else {
        cx.problem(ptr, "`properties` is not an object");
        return;
    };
    cx.properties += props.len();
    let mut all = Vec::with_capacity(props.len());
    for (name, prop) in props.iter_mut() {
        let p = format!("{ptr}/properties/{}", crate::json::escape_token(name));
        transform(prop, &p, depth + 1, cx);
        if !required.contains(name) {
            make_nullable(prop);
        }
        all.push(Value::String(name.clone()));
    }
    map.insert("required".to_owned(), Value::Array(all));
}

fn make_nullable(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    if let Some(Value::Array(e)) = map.get_mut("enum")
        && !e.contains(&Value::Null)
    {
        e.push(Value::Null);
    }
    match map.get_mut("type") {
        Some(Value::String(t)) => {
            if t != "null" {
                let t = std::mem::take(t);
                map.insert("type".to_owned(), json!([t, "null"]));
            }
            return;
        }
        Some(Value::Array(ts)) => {
            if !ts.iter().any(|t| t == "null") {
                ts.push(Value::from("null"));
            }
            return;
        }
        _ => {}
    }
    if let Some(Value::Array(branches)) = map.get_mut("anyOf") {
        let has_null = branches
            .iter()
            .any(|b| b.get("type").and_then(Value::as_str) == Some("null"));
        if !has_null {
            branches.push(json!({"type": "null"}));
        }
        return;
    }
    if let Some(r) = map.remove("$ref") {
        map.insert("anyOf".to_owned(), json!([{ "$ref": r }, {"type": "null"}]));
    }
}
