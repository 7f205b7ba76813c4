//! The OpenAPI 3.1 document that makes the gateway an Open WebUI tool server.
//!
//! One `POST /tools/{name}` per tool, `operationId` = the tool name, `summary` = its title, the
//! request body = the tool's input schema, and `x-tool-annotations` = its behaviour hints in
//! MCP's shape (`readOnlyHint`, …; OpenAPI tools such as Open WebUI ignore `x-` fields).
//!
//! Open WebUI resolves `$ref`s only under `#/components/...` and only through
//! `properties`/`items` (older versions without a cycle guard), so local `$defs` are inlined,
//! and a recursive type is cut where it recurs (see [`document`]).

use serde_json::{Map, Value, json};
use switchboard::functions::ToolDefinition;
use switchboard::functions::providers::mcp;
use switchboard::functions::schema::inline_refs;

/// The OpenAPI document for `defs`. With `bearer_auth`, every tool operation requires
/// `Authorization: Bearer …`.
pub fn document(defs: &[ToolDefinition], bearer_auth: bool) -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new(); // shared schemas only; tool schemas are inlined
    schemas.insert("Error".into(), error_schema());
    for def in defs {
        let body = request_schema(def);
        let mut op = Map::new();
        op.insert("operationId".into(), def.name().into());
        let annotations = def.annotations();
        let summary = annotations
            .title
            .clone()
            .unwrap_or_else(|| summary(def.description()));
        op.insert("summary".into(), summary.into());
        op.insert("description".into(), def.description().into());
        op.insert(
            "x-tool-annotations".into(),
            mcp::tool_annotations(annotations),
        );
        op.insert("tags".into(), json!(["tools"]));
        op.insert(
            "requestBody".into(),
            json!({"required": true, "content": {"application/json": {"schema": body}}}),
        );
        let output = def.output_schema().map_or_else(
            || json!({"description": "The tool's output (any JSON value)."}),
            |s| inline_refs(s).unwrap_or_else(|_| json!({"description": "The tool's output."})),
        );
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({"description": "The tool's output.", "content": {"application/json": {"schema": output}}}),
        );
        for (status, name) in [
            ("400", "BadRequest"),
            ("401", "Unauthorized"),
            ("404", "UnknownTool"),
            ("413", "TooLarge"),
            ("422", "InvalidArguments"),
            ("500", "ToolFailed"),
            ("504", "Timeout"),
        ] {
            if status == "401" && !bearer_auth {
                continue;
            }
            responses.insert(
                status.into(),
                json!({"$ref": format!("#/components/responses/{name}")}),
            );
        }
        op.insert("responses".into(), Value::Object(responses));
        if bearer_auth {
            op.insert("security".into(), json!([{"bearer": []}]));
        }
        paths.insert(
            format!("/tools/{}", def.name()),
            json!({ "post": Value::Object(op) }),
        );
    }
    let error_response = |description: &str| json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut components = json!({
        "schemas": Value::Object(schemas),
        "responses": {
            "BadRequest": error_response("The body is not a JSON object."),
            "Unauthorized": error_response("Missing or wrong bearer token."),
            "UnknownTool": error_response("No tool of that name."),
            "TooLarge": error_response("The body is larger than the configured limit."),
            "InvalidArguments": error_response("The arguments break the tool's schema; `violations` lists each with its JSON pointer."),
            "ToolFailed": error_response("The tool ran and failed."),
            "Timeout": error_response("The tool did not finish within the configured timeout."),
        },
    });
    if bearer_auth {
        components["securitySchemes"] = json!({"bearer": {"type": "http", "scheme": "bearer"}});
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Switchboard tools",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Tools served by the Switchboard gateway. Each operation runs one tool; the request body is the tool's arguments.",
        },
        "paths": Value::Object(paths),
        "components": components,
    })
}

/// The first sentence of a description (at most 120 characters), for tools without a title.
fn summary(description: &str) -> String {
    let first = description
        .split_once(". ")
        .map_or(description, |(s, _)| s)
        .trim_end_matches('.');
    if first.chars().count() <= 120 {
        first.to_owned()
    } else {
        let cut: String = first.chars().take(117).collect();
        format!("{cut}...")
    }
}

/// The tool's parameters with local `$ref`s inlined. A recursive type is inlined once per path;
/// where it would recur, its schema is cut to `{"type": …}` with a note, because Open WebUI's
/// resolver has no cycle guard in older versions. The registry still validates calls against
/// the full schema, so nothing is loosened on the server side.
fn request_schema(def: &ToolDefinition) -> Value {
    let params = def.parameters();
    if let Ok(inlined) = inline_refs(params) {
        return inlined;
    }
    let mut stack = Vec::new();
    let mut out = inline_cut(params, params, &mut stack);
    if let Value::Object(map) = &mut out {
        map.remove("$defs");
        map.remove("definitions");
    }
    out
}

fn inline_cut(root: &Value, node: &Value, stack: &mut Vec<String>) -> Value {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                let target = reference
                    .strip_prefix('#')
                    .and_then(|p| root.pointer(p))
                    .cloned();
                let Some(target) = target else {
                    return json!({"description": format!("unresolvable reference {reference}")});
                };
                let name = reference.rsplit('/').next().unwrap_or(reference).to_owned();
                let mut merged = if stack.contains(reference) {
                    let mut cut = Map::new();
                    if let Some(ty) = target.get("type") {
                        cut.insert("type".into(), ty.clone());
                    }
                    cut.insert(
                        "description".into(),
                        format!("A nested {name} (same shape as its parent {name}).").into(),
                    );
                    cut
                } else {
                    stack.push(reference.clone());
                    let inlined = inline_cut(root, &target, stack);
                    stack.pop();
                    match inlined {
                        Value::Object(m) => m,
                        other => return other,
                    }
                };
                for (k, v) in map {
                    if k != "$ref" {
                        merged.insert(k.clone(), inline_cut(root, v, stack));
                    }
                }
                return Value::Object(merged);
            }
            Value::Object(
                map.iter()
                    .filter(|(k, _)| *k != "$defs" && *k != "definitions")
                    .map(|(k, v)| (k.clone(), inline_cut(root, v, stack)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|i| inline_cut(root, i, stack)).collect())
        }
        other => other.clone(),
    }
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["kind", "message"],
                "properties": {
                    "kind": {"type": "string", "description": "Stable error kind, e.g. `invalid_arguments`, `timeout`, `failed`."},
                    "message": {"type": "string", "description": "What went wrong, written for the model."},
                    "violations": {
                        "type": "array",
                        "description": "For `invalid_arguments`: each schema violation.",
                        "items": {
                            "type": "object",
                            "required": ["pointer", "message"],
                            "properties": {
                                "pointer": {"type": "string", "description": "JSON pointer into the arguments."},
                                "message": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    })
}
