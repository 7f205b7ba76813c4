//! The OpenAPI 3.1 document that makes the gateway an Open WebUI tool server.
//!
//! One `POST /tools/{name}` per tool, `operationId` = the tool name, the request body = the
//! tool's input schema. Open WebUI resolves `$ref`s only under `#/components/...` and only
//! through `properties`/`items`, so local `$defs` are inlined; a recursive type, which cannot be
//! inlined, is moved under `components/schemas` (as `{tool}.{Name}`) with its refs rewritten.

use serde_json::{Map, Value, json};
use switchboard::functions::ToolDefinition;
use switchboard::functions::schema::inline_refs;

/// The OpenAPI document for `defs`. With `bearer_auth`, every tool operation requires
/// `Authorization: Bearer …`.
pub fn document(defs: &[ToolDefinition], bearer_auth: bool) -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    schemas.insert("Error".into(), error_schema());
    for def in defs {
        let body = request_schema(def, &mut schemas);
        let mut op = Map::new();
        op.insert("operationId".into(), def.name().into());
        op.insert("summary".into(), summary(def.description()).into());
        op.insert("description".into(), def.description().into());
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

/// The first sentence of a description (at most 120 characters).
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

/// The tool's parameters with `$defs` inlined, or moved to `components/schemas` when recursive.
fn request_schema(def: &ToolDefinition, schemas: &mut Map<String, Value>) -> Value {
    let params = def.parameters();
    if let Ok(inlined) = inline_refs(params) {
        return inlined;
    }
    let mut body = params.clone();
    let mut defs = Map::new();
    if let Value::Object(map) = &mut body {
        for key in ["$defs", "definitions"] {
            if let Some(Value::Object(d)) = map.remove(key) {
                for (name, schema) in d {
                    defs.insert(format!("{key}/{name}"), schema);
                }
            }
        }
    }
    let tool = def.name();
    let rename = |local: &str| {
        let name = local.rsplit('/').next().unwrap_or(local);
        format!("{tool}.{name}")
    };
    rewrite_refs(&mut body, &rename);
    for (local, mut schema) in defs {
        rewrite_refs(&mut schema, &rename);
        schemas.insert(rename(&local), schema);
    }
    body
}

fn rewrite_refs(v: &mut Value, rename: &dyn Fn(&str) -> String) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some(local) = r
                    .strip_prefix("#/$defs/")
                    .or_else(|| r.strip_prefix("#/definitions/"))
            {
                *r = format!("#/components/schemas/{}", rename(local));
            }
            for child in map.values_mut() {
                rewrite_refs(child, rename);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| rewrite_refs(i, rename)),
        _ => {}
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
