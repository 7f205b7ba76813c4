//! The OpenAPI document as Open WebUI loads it: a faithful Rust port of
//! `convert_openapi_to_tool_payload` and `resolve_schema` from
//! `backend/open_webui/utils/tools.py`, applied to the live document and to tools with `$defs`.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use switchboard::functions::{DynamicTool, ToolRegistry};
use switchboard_server::http::openapi;

use crate::server::{Server, client};

/// `resolve_schema(schema, components)`: follows `$ref` by walking `components` with the ref's
/// path minus its first segment, recursing only into `properties` and `items`.
fn resolve_schema(schema: &Value, components: &Value) -> Value {
    let Some(obj) = schema.as_object().filter(|o| !o.is_empty()) else {
        return json!({});
    };
    if let Some(reference) = obj.get("$ref").and_then(Value::as_str) {
        let parts: Vec<&str> = reference
            .trim_matches(|c| c == '#' || c == '/')
            .split('/')
            .collect();
        let mut resolved = components.clone();
        for part in parts.iter().skip(1) {
            resolved = resolved.get(*part).cloned().unwrap_or_else(|| json!({}));
        }
        return resolve_schema(&resolved, components);
    }
    let mut out = obj.clone();
    if let Some(Value::Object(props)) = out.get_mut("properties") {
        for v in props.values_mut() {
            *v = resolve_schema(v, components);
        }
    }
    if let Some(items) = out.get("items").cloned() {
        out.insert("items".into(), resolve_schema(&items, components));
    }
    Value::Object(out)
}

/// `convert_openapi_to_tool_payload(openapi_spec)`.
fn convert_openapi_to_tool_payload(spec: &Value) -> Vec<Value> {
    let mut tools = Vec::new();
    let empty = Map::new();
    for (_path, methods) in spec["paths"].as_object().unwrap_or(&empty) {
        for (_method, operation) in methods.as_object().unwrap_or(&empty) {
            let Some(op_id) = operation.get("operationId").filter(|v| truthy(v)) else {
                continue;
            };
            // operation.get("description", operation.get("summary", "No description available."))
            let description = operation
                .get("description")
                .or_else(|| operation.get("summary"))
                .cloned()
                .unwrap_or_else(|| json!("No description available."));
            let mut properties = Map::new();
            let mut required: Vec<Value> = Vec::new();
            for param in operation["parameters"].as_array().unwrap_or(&Vec::new()) {
                let name = param["name"].as_str().unwrap().to_owned();
                let schema = param.get("schema").cloned().unwrap_or_else(|| json!({}));
                let mut desc = schema["description"].as_str().unwrap_or("").to_owned();
                if desc.is_empty() {
                    desc = param["description"].as_str().unwrap_or("").to_owned();
                }
                if let Some(values) = schema["enum"].as_array().filter(|a| !a.is_empty()) {
                    let joined: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
                    desc.push_str(&format!(". Possible values: {}", joined.join(", ")));
                }
                let mut prop = json!({"type": schema.get("type").cloned().unwrap_or(Value::Null), "description": desc});
                if schema["type"] == "array" && schema.get("items").is_some() {
                    prop["items"] = schema["items"].clone();
                }
                properties.insert(name.clone(), prop);
                if truthy(&param["required"]) {
                    required.push(name.into());
                }
            }
            let mut parameters = json!({"type": "object", "properties": {}, "required": []});
            let mut replaced = false;
            if let Some(body) = operation.get("requestBody").filter(|v| truthy(v))
                && let Some(schema) = body
                    .get("content")
                    .and_then(|c| c.get("application/json"))
                    .and_then(|j| j.get("schema"))
                    .filter(|v| truthy(v))
            {
                let resolved = resolve_schema(schema, spec.get("components").unwrap_or(&json!({})));
                if resolved.get("properties").is_some_and(truthy) {
                    for (k, v) in resolved["properties"].as_object().unwrap() {
                        properties.insert(k.clone(), v.clone());
                    }
                    if let Some(req) = resolved.get("required").and_then(Value::as_array) {
                        let set: BTreeSet<String> = required
                            .iter()
                            .chain(req.iter())
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect();
                        required = set.into_iter().map(Value::from).collect();
                    }
                } else if resolved["type"] == "array" {
                    parameters = resolved;
                    replaced = true;
                }
            }
            if !replaced {
                parameters["properties"] = Value::Object(properties);
                parameters["required"] = Value::Array(required);
            }
            tools
                .push(json!({"name": op_id, "description": description, "parameters": parameters}));
        }
    }
    tools
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Number(_) => true,
    }
}

#[tokio::test]
async fn live_document_loads_in_open_webui() {
    let server = Server::start(None);
    // Open WebUI's request: GET {url}/openapi.json with JSON accept/content-type headers.
    let res = client()
        .get(server.url("/openapi.json"))
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    insta::assert_json_snapshot!("openapi_default", doc, {".info.version" => "[version]"});

    let tools = convert_openapi_to_tool_payload(&doc);
    assert_eq!(tools.len(), 1);
    let tool = &tools[0];
    assert_eq!(tool["name"], "calculate");
    assert!(
        tool["description"]
            .as_str()
            .unwrap()
            .starts_with("Evaluates an arithmetic expression")
    );
    assert_eq!(tool["parameters"]["required"], json!(["expression"]));
    assert_eq!(
        tool["parameters"]["properties"]["expression"]["type"],
        "string"
    );
    assert!(
        tool["parameters"]["properties"]["expression"]["description"]
            .as_str()
            .unwrap()
            .contains("expression")
    );

    // Open WebUI then POSTs all of the model's arguments as the JSON body.
    let res = client()
        .post(server.url("/tools/calculate"))
        .json(&json!({"expression": "2+3"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[test]
fn defs_are_resolvable_by_open_webui() {
    let registry = ToolRegistry::new();
    let schema = json!({
        "type": "object",
        "properties": {
            "owner": {"$ref": "#/$defs/Person"},
            "watchers": {"type": "array", "items": {"$ref": "#/$defs/Person"}},
        },
        "required": ["owner"],
        "$defs": {
            "Person": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "email": {"type": "string"}},
                "required": ["name"],
            },
        },
    });
    registry
        .register_dynamic(DynamicTool::new(
            "assign",
            "Assigns an owner.",
            schema,
            |v| async move { Ok::<_, String>(v) },
        ))
        .unwrap();
    let tree = json!({
        "type": "object",
        "properties": {"root": {"$ref": "#/$defs/Node"}},
        "required": ["root"],
        "$defs": {"Node": {"type": "object", "properties": {
            "label": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
        }}},
    });
    registry
        .register_dynamic(DynamicTool::new(
            "tree",
            "Takes a tree.",
            tree,
            |v| async move { Ok::<_, String>(v) },
        ))
        .unwrap();
    let doc = openapi::document(&registry.definitions(), false);
    let tools = convert_openapi_to_tool_payload(&doc);
    let assign = tools.iter().find(|t| t["name"] == "assign").unwrap();
    assert_eq!(
        assign["parameters"]["properties"]["owner"]["properties"]["name"],
        json!({"type": "string"})
    );
    assert_eq!(
        assign["parameters"]["properties"]["watchers"]["items"]["required"],
        json!(["name"])
    );
    assert_eq!(assign["description"], "Assigns an owner.");
    // A recursive type is inlined once and cut where it recurs, so resolution terminates.
    let tree = tools.iter().find(|t| t["name"] == "tree").unwrap();
    let root = &tree["parameters"]["properties"]["root"];
    assert_eq!(root["properties"]["label"], json!({"type": "string"}));
    assert_eq!(root["properties"]["children"]["items"]["type"], "object");
    assert!(
        root["properties"]["children"]["items"]
            .get("properties")
            .is_none()
    );
    assert!(!doc.to_string().contains("$defs"));
}
