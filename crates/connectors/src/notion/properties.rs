//! Notion property values as plain JSON values for a model: text as strings, selects as their
//! names, dates as `start` or `start → end`, people as names, relations as ids. A property of
//! a type not known here is named (`[type]`).

use serde_json::{Map, Value};

use super::block_text::plain;

/// Every property of a page (`properties` of a page object) as a plain value, by name.
pub(crate) fn plain_properties(properties: &Value) -> Map<String, Value> {
    properties
        .as_object()
        .map(|props| {
            props
                .iter()
                .map(|(name, prop)| (name.clone(), plain_value(prop)))
                .collect()
        })
        .unwrap_or_default()
}

/// The page's title: the text of its `title` property.
pub(crate) fn page_title(properties: &Value) -> String {
    properties
        .as_object()
        .and_then(|props| props.values().find(|p| p["type"] == "title"))
        .map(|p| plain(&p["title"]))
        .unwrap_or_default()
}

fn name_or_id(v: &Value) -> Value {
    v["name"]
        .as_str()
        .or_else(|| v["id"].as_str())
        .map_or(Value::Null, |s| Value::String(s.to_owned()))
}

fn each(v: &Value, f: impl Fn(&Value) -> Value) -> Value {
    Value::Array(
        v.as_array()
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(f)
            .collect(),
    )
}

fn date(v: &Value) -> Value {
    match (v["start"].as_str(), v["end"].as_str()) {
        (Some(start), Some(end)) => Value::String(format!("{start} → {end}")),
        (Some(start), None) => Value::String(start.to_owned()),
        _ => Value::Null,
    }
}

/// One property value (`{"type": "select", "select": {...}}`) as a plain value.
pub(crate) fn plain_value(prop: &Value) -> Value {
    let kind = prop["type"].as_str().unwrap_or("");
    let v = &prop[kind];
    match kind {
        "title" | "rich_text" => Value::String(plain(v)),
        "number" | "checkbox" | "url" | "email" | "phone_number" | "created_time"
        | "last_edited_time" => v.clone(),
        "select" | "status" => v["name"].clone(),
        "multi_select" | "people" | "files" => each(v, name_or_id),
        "created_by" | "last_edited_by" => name_or_id(v),
        "relation" => each(v, |r| r["id"].clone()),
        "date" => date(v),
        "formula" => {
            let inner = v["type"].as_str().unwrap_or("");
            if inner == "date" {
                date(&v["date"])
            } else {
                v[inner].clone()
            }
        }
        "rollup" => match v["type"].as_str().unwrap_or("") {
            "array" => each(&v["array"], plain_value),
            "date" => date(&v["date"]),
            inner => v[inner].clone(),
        },
        "unique_id" => match (v["prefix"].as_str(), v["number"].as_u64()) {
            (Some(prefix), Some(n)) => Value::String(format!("{prefix}-{n}")),
            (_, Some(n)) => Value::from(n),
            _ => Value::Null,
        },
        "verification" => v["state"].clone(),
        _ => Value::String(format!("[{kind}]")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn common_properties_become_plain_values() {
        let props = json!({
            "Name": {"id": "title", "type": "title", "title": [{"plain_text": "Launch"}]},
            "Status": {"id": "s", "type": "status", "status": {"id": "1", "name": "In progress", "color": "blue"}},
            "Tags": {"id": "t", "type": "multi_select", "multi_select": [{"id": "a", "name": "web"}, {"id": "b", "name": "q3"}]},
            "Due": {"id": "d", "type": "date", "date": {"start": "2024-05-01", "end": "2024-05-03", "time_zone": null}},
            "Owner": {"id": "o", "type": "people", "people": [{"object": "user", "id": "u1", "name": "Ada"}]},
            "Done": {"id": "c", "type": "checkbox", "checkbox": false},
            "Points": {"id": "n", "type": "number", "number": 3},
            "Score": {"id": "f", "type": "formula", "formula": {"type": "number", "number": 42}},
            "Ticket": {"id": "u", "type": "unique_id", "unique_id": {"prefix": "TASK", "number": 7}},
            "Button": {"id": "x", "type": "button", "button": {}}
        });
        assert_eq!(page_title(&props), "Launch");
        assert_eq!(
            Value::Object(plain_properties(&props)),
            json!({"Name": "Launch", "Status": "In progress", "Tags": ["web", "q3"],
                   "Due": "2024-05-01 → 2024-05-03", "Owner": ["Ada"], "Done": false,
                   "Points": 3, "Score": 42, "Ticket": "TASK-7", "Button": "[button]"})
        );
    }
}
