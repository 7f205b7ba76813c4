//! A form generated from a tool's input schema: one field per top-level property (a text box,
//! a number, a yes/no choice, a list of the enum's values, or JSON for arrays and objects), the
//! arguments read back from it, and validation messages placed on the field they concern.
//!
//! The form only shapes input; the registry validates the arguments against the schema itself,
//! so a value the form lets through (a number out of range) is refused there and its message
//! lands on its field.

use serde_json::{Map, Value};

/// One generated field.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// The property's name.
    pub(crate) name: String,
    /// `text`, `number`, `integer`, `boolean`, `enum` or `json`.
    pub(crate) kind: &'static str,
    pub(crate) required: bool,
    pub(crate) description: String,
    /// For `enum`: each value as JSON text.
    pub(crate) options: Vec<String>,
    /// What was entered.
    pub(crate) value: String,
    /// What is wrong with it.
    pub(crate) error: Option<String>,
}

impl Field {
    /// The form input's name (prefixed, so a property cannot collide with `csrf` or `as`).
    pub(crate) fn input_name(&self) -> String {
        format!("arg.{}", self.name)
    }
}

/// The fields of an object schema's properties: the required ones first, each group by name.
pub(crate) fn fields(schema: &Value) -> Vec<Field> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out: Vec<Field> = properties
        .iter()
        .map(|(name, property)| Field {
            name: name.clone(),
            kind: kind(property),
            required: required.contains(&name.as_str()),
            description: property
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            options: property
                .get("enum")
                .and_then(Value::as_array)
                .map(|values| values.iter().map(Value::to_string).collect())
                .unwrap_or_default(),
            value: String::new(),
            error: None,
        })
        .collect();
    out.sort_by(|a, b| {
        b.required
            .cmp(&a.required)
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}

fn kind(property: &Value) -> &'static str {
    if property.get("enum").is_some_and(Value::is_array) {
        return "enum";
    }
    let ty = match property.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null"),
        _ => None,
    };
    match ty {
        Some("string") => "text",
        Some("integer") => "integer",
        Some("number") => "number",
        Some("boolean") => "boolean",
        _ => "json",
    }
}

/// The arguments the filled-in `fields` stand for; blank fields are left out. `None` when a
/// field cannot be read (JSON that does not parse), with the field's error set.
pub(crate) fn arguments(fields: &mut [Field]) -> Option<Map<String, Value>> {
    let mut out = Map::new();
    let mut ok = true;
    for field in fields.iter_mut() {
        let text = field.value.trim();
        if text.is_empty() {
            continue;
        }
        let value = match field.kind {
            "text" => Value::String(field.value.clone()),
            // Unparseable numbers go through as text: the schema check names the problem.
            "integer" | "number" => serde_json::from_str::<serde_json::Number>(text)
                .map_or_else(|_| Value::String(text.to_owned()), Value::Number),
            "boolean" => Value::Bool(text == "true"),
            _ => match serde_json::from_str(text) {
                Ok(value) => value,
                Err(e) => {
                    field.error = Some(format!("not JSON: {e}"));
                    ok = false;
                    continue;
                }
            },
        };
        out.insert(field.name.clone(), value);
    }
    ok.then_some(out)
}

/// Puts a validation `message` at JSON `pointer` on its field: `/name/…` is field `name`; a
/// message about the whole object (`""`, a missing required property) goes to the field it
/// quotes. Whether a field took it.
pub(crate) fn place(fields: &mut [Field], pointer: &str, message: &str) -> bool {
    let top = pointer.strip_prefix('/').map(|rest| {
        rest.split('/')
            .next()
            .unwrap_or(rest)
            .replace("~1", "/")
            .replace("~0", "~")
    });
    let target = match top {
        Some(name) => fields.iter_mut().find(|f| f.name == name),
        None => fields.iter_mut().find(|f| {
            message.contains(&format!("\"{}\"", f.name))
                || message.contains(&format!("`{}`", f.name))
        }),
    };
    match target {
        Some(field) => {
            field.error = Some(message.to_owned());
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "expression": {"type": "string", "description": "what"},
                "places": {"type": ["integer", "null"]},
                "mode": {"enum": ["fast", "exact"]},
                "flags": {"type": "array"},
                "strict": {"type": "boolean"}
            },
            "required": ["expression"]
        })
    }

    #[test]
    fn each_property_becomes_a_field_of_its_kind() {
        let f = fields(&schema());
        let kinds: Vec<(&str, &str, bool)> = f
            .iter()
            .map(|f| (f.name.as_str(), f.kind, f.required))
            .collect();
        assert_eq!(
            kinds,
            [
                ("expression", "text", true),
                ("flags", "json", false),
                ("mode", "enum", false),
                ("places", "integer", false),
                ("strict", "boolean", false),
            ]
        );
        assert_eq!(f[2].options, ["\"fast\"", "\"exact\""]);
    }

    #[test]
    fn arguments_are_typed_and_blanks_left_out() {
        let mut f = fields(&schema());
        f[0].value = "1 + 1".into();
        f[3].value = "3".into();
        f[2].value = "\"exact\"".into();
        f[4].value = "true".into();
        let args = arguments(&mut f).unwrap();
        assert_eq!(
            Value::Object(args),
            json!({"expression": "1 + 1", "places": 3, "mode": "exact", "strict": true})
        );
    }

    #[test]
    fn bad_json_is_an_error_on_its_field() {
        let mut f = fields(&schema());
        f[1].value = "[1,".into();
        assert!(arguments(&mut f).is_none());
        assert!(f[1].error.as_deref().unwrap().starts_with("not JSON"));
    }

    #[test]
    fn violations_land_on_their_field() {
        let mut f = fields(&schema());
        assert!(place(&mut f, "/places", "not an integer"));
        assert_eq!(f[3].error.as_deref(), Some("not an integer"));
        assert!(place(&mut f, "", "\"expression\" is a required property"));
        assert_eq!(
            f[0].error.as_deref(),
            Some("\"expression\" is a required property")
        );
        assert!(!place(&mut f, "", "something else"));
    }
}
