//! JSON Schema generation (schemars, draft 2020-12), root checks, `$ref` inlining and
//! schema-guided walks over argument values (secret redaction, optional `null` removal).

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

use crate::error::RegisterError;

/// The schema keyword that marks a value as secret: `"x-secret": true`.
///
/// Values under a schema carrying it are replaced by [`REDACTED`] in call history and tracing,
/// and validation messages of tools with secret fields never quote argument values.
/// With schemars, mark a field with `#[schemars(extend("x-secret" = true))]`.
/// The keyword is removed from every exported definition.
pub const SECRET_KEYWORD: &str = "x-secret";

/// What a secret value is replaced with in history.
pub const REDACTED: &str = "[redacted]";

const MAX_DEPTH: usize = 64;

/// Generates the draft 2020-12 JSON Schema of `T` (doc comments become `description`s).
pub fn schema_for<T: JsonSchema + ?Sized>() -> Value {
    SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// Checks that `schema` is an object schema: a JSON object whose `type` is `"object"`.
pub(crate) fn check_root(tool: &str, schema: &Value) -> Result<(), RegisterError> {
    let found = match schema {
        Value::Object(map) => match map.get("type") {
            Some(Value::String(t)) if t == "object" => return Ok(()),
            Some(t) => format!("\"type\": {t}"),
            None if map.contains_key("oneOf") || map.contains_key("anyOf") => {
                "a oneOf/anyOf union (use a struct, or wrap the enum in a struct field)".to_owned()
            }
            None => "a schema without \"type\"".to_owned(),
        },
        Value::Bool(b) => format!("the boolean schema {b}"),
        other => format!("a JSON {}", json_type(other)),
    };
    Err(RegisterError::RootNotObject {
        tool: tool.to_owned(),
        found,
    })
}

pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The exported form of a parameter schema: no `$schema`, no root `title` (schemars sets it to
/// the Rust type name), no [`SECRET_KEYWORD`].
pub(crate) fn export_form(schema: &Value) -> Value {
    let mut out = schema.clone();
    if let Value::Object(map) = &mut out {
        map.remove("$schema");
        map.remove("title");
    }
    remove_keyword(&mut out, SECRET_KEYWORD);
    out
}

fn remove_keyword(v: &mut Value, keyword: &str) {
    match v {
        Value::Object(map) => {
            map.remove(keyword);
            for (k, child) in map.iter_mut() {
                // Keys of `properties`/`$defs` are names, not keywords: recurse into their values only.
                if k == "properties"
                    || k == "$defs"
                    || k == "definitions"
                    || k == "patternProperties"
                {
                    if let Value::Object(named) = child {
                        for s in named.values_mut() {
                            remove_keyword(s, keyword);
                        }
                    }
                } else if k != "enum" && k != "const" && k != "default" && k != "examples" {
                    remove_keyword(child, keyword);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                remove_keyword(item, keyword);
            }
        }
        _ => {}
    }
}

/// Whether any subschema carries `"x-secret": true`.
pub(crate) fn has_secret(schema: &Value) -> bool {
    match schema {
        Value::Object(map) => {
            map.get(SECRET_KEYWORD) == Some(&Value::Bool(true))
                || map.iter().any(|(k, v)| {
                    k != "enum"
                        && k != "const"
                        && k != "default"
                        && k != "examples"
                        && has_secret(v)
                })
        }
        Value::Array(items) => items.iter().any(has_secret),
        _ => false,
    }
}

/// Replaces every local `$ref` (`#/$defs/…`, `#/definitions/…`) by the schema it points to and
/// removes the definitions. Siblings of a `$ref` (such as `description`) win over the target's.
///
/// # Errors
/// Each problem as `(pointer, reason)`: a recursive type (a `$ref` reached again while inlining
/// itself), a `$ref` that is not local, or one that points nowhere.
pub fn inline_refs(schema: &Value) -> Result<Value, Vec<(String, String)>> {
    let mut problems = Vec::new();
    let mut stack = Vec::new();
    let mut out = inline_at(schema, schema, "", &mut stack, &mut problems);
    if let Value::Object(map) = &mut out {
        map.remove("$defs");
        map.remove("definitions");
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn inline_at(
    root: &Value,
    node: &Value,
    pointer: &str,
    stack: &mut Vec<String>,
    problems: &mut Vec<(String, String)>,
) -> Value {
    let Value::Object(map) = node else {
        return node.clone();
    };
    if let Some(Value::String(reference)) = map.get("$ref") {
        let Some(target_ptr) = reference.strip_prefix('#') else {
            problems.push((pointer.to_owned(), format!("non-local $ref {reference:?}")));
            return node.clone();
        };
        if stack.iter().any(|r| r == reference) {
            problems.push((
                pointer.to_owned(),
                format!("recursive $ref {reference:?} cannot be inlined"),
            ));
            return node.clone();
        }
        let Some(target) = root.pointer(target_ptr) else {
            problems.push((
                pointer.to_owned(),
                format!("$ref {reference:?} points nowhere"),
            ));
            return node.clone();
        };
        stack.push(reference.clone());
        let mut resolved = inline_at(root, target, pointer, stack, problems);
        stack.pop();
        let siblings: Map<String, Value> = map
            .iter()
            .filter(|(k, _)| k.as_str() != "$ref")
            .map(|(k, v)| {
                (
                    k.clone(),
                    inline_child(root, k, v, pointer, stack, problems),
                )
            })
            .collect();
        match &mut resolved {
            Value::Object(target_map) => {
                for (k, v) in siblings {
                    target_map.insert(k, v);
                }
            }
            Value::Bool(true) if !siblings.is_empty() => resolved = Value::Object(siblings),
            _ => {}
        }
        return resolved;
    }
    let mut out = Map::new();
    for (k, v) in map {
        if k == "$defs" || k == "definitions" {
            continue;
        }
        out.insert(
            k.clone(),
            inline_child(root, k, v, pointer, stack, problems),
        );
    }
    Value::Object(out)
}

fn inline_child(
    root: &Value,
    key: &str,
    value: &Value,
    pointer: &str,
    stack: &mut Vec<String>,
    problems: &mut Vec<(String, String)>,
) -> Value {
    let here = format!("{pointer}/{}", crate::json::escape_token(key));
    match (key, value) {
        ("enum" | "const" | "default" | "examples", v) => v.clone(),
        ("properties" | "patternProperties" | "dependentSchemas", Value::Object(named)) => {
            let mut out = Map::new();
            for (name, s) in named {
                let p = format!("{here}/{}", crate::json::escape_token(name));
                out.insert(name.clone(), inline_at(root, s, &p, stack, problems));
            }
            Value::Object(out)
        }
        (_, Value::Array(items)) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, s)| inline_at(root, s, &format!("{here}/{i}"), stack, problems))
                .collect(),
        ),
        (_, Value::Object(_)) => inline_at(root, value, &here, stack, problems),
        (_, v) => v.clone(),
    }
}

/// Follows local `$ref`s from `schema` until a schema without one (bounded hops).
pub(crate) fn resolve<'a>(root: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..MAX_DEPTH {
        let Some(Value::String(r)) = schema.get("$ref") else {
            return schema;
        };
        match r.strip_prefix('#').and_then(|p| root.pointer(p)) {
            Some(target) => schema = target,
            None => return schema,
        }
    }
    schema
}

/// The schema itself plus its `allOf`/`anyOf`/`oneOf` branches (recursively), all resolved.
fn expand<'a>(root: &'a Value, schemas: &[&'a Value]) -> Vec<&'a Value> {
    let mut out = Vec::new();
    let mut todo: Vec<(&Value, usize)> = schemas.iter().map(|s| (*s, 0)).collect();
    while let Some((s, depth)) = todo.pop() {
        let s = resolve(root, s);
        out.push(s);
        if depth >= MAX_DEPTH {
            continue;
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = s.get(key) {
                todo.extend(branches.iter().map(|b| (b, depth + 1)));
            }
        }
    }
    out
}

fn child_schemas<'a>(expanded: &[&'a Value], key: &str) -> Vec<&'a Value> {
    let mut out = Vec::new();
    for s in expanded {
        if let Some(p) = s.get("properties").and_then(|p| p.get(key)) {
            out.push(p);
        } else if let Some(ap @ Value::Object(_)) = s.get("additionalProperties") {
            out.push(ap);
        }
    }
    out
}

fn item_schemas<'a>(expanded: &[&'a Value], index: usize) -> Vec<&'a Value> {
    let mut out = Vec::new();
    for s in expanded {
        if let Some(p) = s.get("prefixItems").and_then(|p| p.get(index)) {
            out.push(p);
        } else if let Some(items @ Value::Object(_)) = s.get("items") {
            out.push(items);
        }
    }
    out
}

/// A copy of `value` with every value under an `x-secret` schema replaced by [`REDACTED`].
pub(crate) fn redact(root: &Value, value: &Value) -> Value {
    redact_at(root, &[root], value, 0)
}

fn redact_at(root: &Value, schemas: &[&Value], value: &Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::String(REDACTED.to_owned());
    }
    let expanded = expand(root, schemas);
    if expanded
        .iter()
        .any(|s| s.get(SECRET_KEYWORD) == Some(&Value::Bool(true)))
    {
        return Value::String(REDACTED.to_owned());
    }
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let children = child_schemas(&expanded, k);
                    (k.clone(), redact_at(root, &children, v, depth + 1))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| redact_at(root, &item_schemas(&expanded, i), v, depth + 1))
                .collect(),
        ),
        other => other.clone(),
    }
}

pub(crate) fn contains_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().any(contains_null),
        Value::Object(map) => map.values().any(contains_null),
        _ => false,
    }
}

/// Removes object members whose value is `null` when the member is optional (not in `required`)
/// and its schema does not accept `null`: the model wrote "absent" the way OpenAI strict mode
/// asks (every property present, optional ones nullable).
pub(crate) fn strip_null_optionals(root: &Value, value: &mut Value) {
    strip_at(root, &[root], value, 0);
}

fn strip_at(root: &Value, schemas: &[&Value], value: &mut Value, depth: usize) {
    if depth > MAX_DEPTH || schemas.is_empty() {
        return;
    }
    let expanded = expand(root, schemas);
    match value {
        Value::Object(map) => {
            let required = |key: &str| {
                expanded.iter().any(|s| {
                    s.get("required")
                        .and_then(Value::as_array)
                        .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(key)))
                })
            };
            map.retain(|k, v| {
                if !v.is_null() || required(k) {
                    return true;
                }
                let children = child_schemas(&expanded, k);
                children.is_empty() || children.iter().any(|c| admits_null(root, c, 0))
            });
            for (k, v) in map.iter_mut() {
                if contains_null(v) {
                    let children = child_schemas(&expanded, k);
                    strip_at(root, &children, v, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                if contains_null(v) {
                    let children = item_schemas(&expanded, i);
                    strip_at(root, &children, v, depth + 1);
                }
            }
        }
        _ => {}
    }
}

fn admits_null(root: &Value, schema: &Value, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return true;
    }
    let s = resolve(root, schema);
    let Value::Object(map) = s else {
        return s != &Value::Bool(false);
    };
    if let Some(t) = map.get("type") {
        let by_type = match t {
            Value::String(t) => t == "null",
            Value::Array(ts) => ts.iter().any(|t| t == "null"),
            _ => false,
        };
        if !by_type {
            return false;
        }
    }
    if let Some(Value::Array(e)) = map.get("enum")
        && !e.contains(&Value::Null)
    {
        return false;
    }
    if let Some(c) = map.get("const")
        && !c.is_null()
    {
        return false;
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = map.get(key)
            && !branches.iter().any(|b| admits_null(root, b, depth + 1))
        {
            return false;
        }
    }
    if let Some(Value::Array(branches)) = map.get("allOf")
        && !branches.iter().all(|b| admits_null(root, b, depth + 1))
    {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn inlines_refs_and_reports_recursion() {
        let s = json!({"type":"object","properties":{"a":{"$ref":"#/$defs/A","description":"d"}},
            "$defs":{"A":{"type":"string","description":"x"}}});
        assert_eq!(
            inline_refs(&s).unwrap(),
            json!({"type":"object","properties":{"a":{"type":"string","description":"d"}}})
        );
        let r = json!({"type":"object","properties":{"n":{"$ref":"#/$defs/N"}},
            "$defs":{"N":{"type":"object","properties":{"next":{"$ref":"#/$defs/N"}}}}});
        let err = inline_refs(&r).unwrap_err();
        assert_eq!(err[0].0, "/properties/n/properties/next");
    }

    #[test]
    fn strips_null_only_where_not_admitted() {
        let s = json!({"type":"object","required":["r"],"properties":{
            "r":{"type":"integer"},"o":{"type":"integer"},"n":{"type":["integer","null"]}}});
        let mut v = json!({"r":null,"o":null,"n":null});
        strip_null_optionals(&s, &mut v);
        assert_eq!(v, json!({"r":null,"n":null}));
    }
}
