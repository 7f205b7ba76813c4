//! Gemini `parameters` sanitiser: the OpenAPI 3.0 subset Gemini accepts.
//!
//! `$ref`s are inlined (recursive types cannot be, and are reported: use
//! `parametersJsonSchema` for them), `const` becomes a one-value `enum`, `["T", "null"]` and
//! `null` branches become `nullable: true`, `oneOf` becomes `anyOf`, `allOf` is merged, and
//! keywords outside the subset are dropped. Dropped constraints stay enforced by the registry's
//! validator, so a violation comes back to the model as an error result.

use serde_json::{Map, Value};

use crate::error::ExportError;
use crate::schema::inline_refs;
use crate::tool::ToolDefinition;

const TARGET: &str = "Gemini `parameters` (use `parametersJsonSchema` instead)";

const KEPT: &[&str] = &[
    "type",
    "format",
    "description",
    "nullable",
    "enum",
    "minItems",
    "maxItems",
    "properties",
    "required",
    "minProperties",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "anyOf",
    "items",
];

/// The Gemini `parameters` form of `def`'s schema.
///
/// # Errors
/// [`ExportError`] for recursive types, non-local `$ref`s and untyped values.
pub fn gemini_parameters(def: &ToolDefinition) -> Result<Value, ExportError> {
    let inlined = inline_refs(def.parameters())
        .map_err(|problems| ExportError::new(def.name(), TARGET, problems))?;
    let mut problems = Vec::new();
    let out = sanitize(&inlined, "", &mut problems);
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(ExportError::new(def.name(), TARGET, problems))
    }
}

fn sanitize(node: &Value, ptr: &str, problems: &mut Vec<(String, String)>) -> Value {
    let Value::Object(src) = node else {
        problems.push((
            ptr.to_owned(),
            "an untyped value (any JSON) cannot be expressed".to_owned(),
        ));
        return Value::Object(Map::new());
    };
    let mut map = src.clone();
    // allOf: merge every branch into this node.
    if let Some(Value::Array(branches)) = map.remove("allOf") {
        for b in branches {
            if let Value::Object(b) = b {
                merge(&mut map, b);
            }
        }
    }
    if map.contains_key("prefixItems") {
        // Dropping it would leave `items` describing the wrong elements.
        problems.push((
            ptr.to_owned(),
            "`prefixItems` (tuples) cannot be expressed".to_owned(),
        ));
    }
    if let Some(one_of) = map.remove("oneOf") {
        map.entry("anyOf").or_insert(one_of);
    }
    if let Some(c) = map.remove("const") {
        map.insert("enum".to_owned(), Value::Array(vec![c]));
    }
    let mut nullable = false;
    match map.get("type").cloned() {
        Some(Value::Array(ts)) => {
            let non_null: Vec<Value> = ts.iter().filter(|t| *t != "null").cloned().collect();
            nullable = non_null.len() < ts.len();
            match non_null.len() {
                0 => {
                    map.remove("type");
                }
                1 => {
                    map.insert("type".to_owned(), non_null[0].clone());
                }
                _ => {
                    map.remove("type");
                    let branches = non_null
                        .into_iter()
                        .map(|t| serde_json::json!({ "type": t }))
                        .collect();
                    map.insert("anyOf".to_owned(), Value::Array(branches));
                }
            }
        }
        Some(Value::String(t)) if t == "null" => {
            nullable = true;
        }
        _ => {}
    }
    if let Some(Value::Array(branches)) = map.remove("anyOf") {
        let before = branches.len();
        let mut rest: Vec<Value> = branches
            .into_iter()
            .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"))
            .collect();
        nullable |= rest.len() < before;
        if rest.len() == 1 {
            if let Some(Value::Object(only)) = rest.pop() {
                let description = map.remove("description");
                merge(&mut map, only);
                if let Some(d) = description {
                    map.insert("description".to_owned(), d);
                }
                if nullable {
                    map.insert("nullable".to_owned(), Value::Bool(true));
                }
                // The merged branch may itself need rewriting (type arrays, const, enums).
                return sanitize(&Value::Object(map), ptr, problems);
            }
        } else if let Some((values, notes)) = string_choices(&rest) {
            // schemars writes enums with documented variants as a union of `const`s; Gemini
            // handles one string `enum` best, so the variant docs move into the description.
            map.insert("type".to_owned(), Value::from("string"));
            map.insert("enum".to_owned(), Value::Array(values));
            if !notes.is_empty() {
                let joined = notes.join("; ");
                let text = match map.get("description").and_then(Value::as_str) {
                    Some(d) => format!("{d} Values: {joined}."),
                    None => format!("Values: {joined}."),
                };
                map.insert("description".to_owned(), Value::from(text));
            }
        } else if !rest.is_empty() {
            map.insert("anyOf".to_owned(), Value::Array(rest));
        }
    }
    if let Some(Value::Array(values)) = map.get("enum").cloned() {
        nullable |= values.contains(&Value::Null);
        let strings: Vec<Value> = values.into_iter().filter(|v| !v.is_null()).collect();
        if strings.iter().all(Value::is_string) && !strings.is_empty() {
            map.insert("enum".to_owned(), Value::Array(strings));
            map.entry("type").or_insert_with(|| Value::from("string"));
            map.insert("format".to_owned(), Value::from("enum"));
        } else {
            // Gemini enums take strings only; keep the values' type and let the registry's
            // validator enforce the original enum.
            if !map.contains_key("type")
                && let Some(t) = common_type(&strings)
            {
                map.insert("type".to_owned(), Value::from(t));
            }
            map.remove("enum");
        }
    }
    if let Some(Value::String(f)) = map.get("format")
        && f != "enum"
        && f != "date-time"
    {
        map.remove("format");
    }
    let mut out = Map::new();
    for (k, v) in map {
        if !KEPT.contains(&k.as_str()) {
            continue;
        }
        let v = match (k.as_str(), v) {
            ("properties", Value::Object(props)) => Value::Object(
                props
                    .into_iter()
                    .map(|(name, s)| {
                        let p = format!("{ptr}/properties/{}", crate::json::escape_token(&name));
                        let s = sanitize(&s, &p, problems);
                        (name, s)
                    })
                    .collect(),
            ),
            ("items", items) => sanitize(&items, &format!("{ptr}/items"), problems),
            ("anyOf", Value::Array(branches)) => Value::Array(
                branches
                    .iter()
                    .enumerate()
                    .map(|(i, b)| sanitize(b, &format!("{ptr}/anyOf/{i}"), problems))
                    .collect(),
            ),
            (_, v) => v,
        };
        out.insert(k, v);
    }
    if nullable {
        out.insert("nullable".to_owned(), Value::Bool(true));
    }
    let is_object = out.get("type").and_then(Value::as_str) == Some("object");
    let no_properties = out
        .get("properties")
        .and_then(Value::as_object)
        .is_none_or(Map::is_empty);
    if out.get("type").and_then(Value::as_str) == Some("array") && !out.contains_key("items") {
        problems.push((
            ptr.to_owned(),
            "an array needs an `items` schema".to_owned(),
        ));
    }
    if is_object && no_properties && !ptr.is_empty() {
        // Gemini rejects an OBJECT without properties ("should be non-empty for OBJECT type");
        // maps and free-form objects have no OpenAPI-subset form.
        problems.push((
            ptr.to_owned(),
            "an object without fixed properties (a map or free-form object) cannot be expressed"
                .to_owned(),
        ));
    }
    if !out.contains_key("type") && !out.contains_key("anyOf") {
        problems.push((
            ptr.to_owned(),
            "an untyped value (no `type`) cannot be expressed".to_owned(),
        ));
    }
    Value::Object(out)
}

fn merge(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (k, v) in from {
        match (k.as_str(), into.get_mut(&k), v) {
            ("properties", Some(Value::Object(a)), Value::Object(b)) => a.extend(b),
            ("required", Some(Value::Array(a)), Value::Array(b)) => {
                for r in b {
                    if !a.contains(&r) {
                        a.push(r);
                    }
                }
            }
            (_, Some(_), _) => {}
            (_, None, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// The JSON type shared by all `values`, if there is one.
fn common_type(values: &[Value]) -> Option<&'static str> {
    let mut ty = None;
    for v in values {
        let t = match v {
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            _ => return None,
        };
        ty = match (ty, t) {
            (None, t) => Some(t),
            (Some(a), b) if a == b => Some(a),
            (Some("integer"), "number") | (Some("number"), "integer") => Some("number"),
            _ => return None,
        };
    }
    ty
}

/// If every branch is one string constant (`const` or a one-value `enum`, with at most a
/// `type` and a `description` beside it), the constants and `"value (description)"` notes.
fn string_choices(branches: &[Value]) -> Option<(Vec<Value>, Vec<String>)> {
    let mut values = Vec::new();
    let mut notes = Vec::new();
    for b in branches {
        let map = b.as_object()?;
        let value = match (map.get("const"), map.get("enum")) {
            (Some(Value::String(c)), None) => c.clone(),
            (None, Some(Value::Array(e))) if e.len() == 1 => e[0].as_str()?.to_owned(),
            _ => return None,
        };
        let extra = map
            .keys()
            .any(|k| !matches!(k.as_str(), "const" | "enum" | "type" | "description"));
        if extra || map.get("type").is_some_and(|t| t != "string") {
            return None;
        }
        if let Some(d) = map.get("description").and_then(Value::as_str) {
            notes.push(format!("{value} ({d})"));
        }
        values.push(Value::String(value));
    }
    Some((values, notes))
}
