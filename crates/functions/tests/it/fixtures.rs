//! Tools used across the tests: nested structs, enums, optional fields, vectors, maps,
//! recursion and a secret field.
#![allow(
    dead_code,
    reason = "argument fields exist to shape the schemas; handlers read only some"
)]

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use switchboard_functions::{
    DynamicTool, FnTool, ToolAnnotations, ToolRegistry, schema::schema_for,
};

/// Temperature unit.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Unit {
    Celsius,
    Fahrenheit,
}

/// How precise the forecast should be.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Detail {
    /// One line per day.
    Summary,
    /// Every hour.
    Hourly,
}

/// Arguments of `get_weather`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WeatherArgs {
    /// City name, e.g. "Tokyo".
    pub(crate) city: String,
    /// Unit for temperatures.
    pub(crate) unit: Option<Unit>,
    /// Days of forecast.
    #[schemars(range(min = 1, max = 14))]
    pub(crate) days: Option<u8>,
    /// Level of detail.
    #[serde(default)]
    pub(crate) detail: Option<Detail>,
}

/// The forecast.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct Forecast {
    /// City.
    pub(crate) city: String,
    /// Temperature in the requested unit.
    pub(crate) temperature: f64,
    /// Unit used.
    pub(crate) unit: Unit,
}

/// A postal address.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct Address {
    /// Street and number.
    pub(crate) street: String,
    /// City.
    pub(crate) city: String,
    /// ISO 3166-1 alpha-2 country code.
    #[schemars(length(equal = 2))]
    pub(crate) country: String,
}

/// How to reach a contact.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Channel {
    /// By email.
    Email {
        /// Email address.
        address: String,
    },
    /// By phone.
    Phone {
        /// E.164 number.
        number: String,
    },
}

/// Arguments of `create_contact`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct ContactArgs {
    /// Full name.
    pub(crate) name: String,
    /// Postal addresses.
    pub(crate) addresses: Vec<Address>,
    /// Free-form labels.
    #[serde(default)]
    pub(crate) labels: BTreeMap<String, String>,
    /// Preferred channel.
    pub(crate) channel: Channel,
    /// Optional note.
    pub(crate) note: Option<String>,
}

/// A node of a tree.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct TreeNode {
    /// Node label.
    pub(crate) label: String,
    /// Child nodes.
    #[serde(default)]
    pub(crate) children: Vec<TreeNode>,
}

/// Arguments of `create_tree`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct TreeArgs {
    /// The root node.
    pub(crate) root: TreeNode,
}

impl TreeNode {
    fn count(&self) -> usize {
        1 + self.children.iter().map(TreeNode::count).sum::<usize>()
    }
}

/// Arguments of `login`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct LoginArgs {
    /// User name.
    pub(crate) user: String,
    /// Password; redacted in history.
    #[schemars(extend("x-secret" = true), length(min = 8))]
    pub(crate) password: String,
}

/// Arguments of `list_items`: everything optional.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct ListArgs {
    /// Maximum number of items.
    #[serde(default)]
    pub(crate) limit: Option<u32>,
}

/// A registry holding every fixture tool.
pub(crate) fn registry() -> ToolRegistry {
    let r = ToolRegistry::new();
    r.register(
        FnTool::new(
            "get_weather",
            "Current weather for a city.",
            |a: WeatherArgs| async move {
                let unit = a.unit.unwrap_or(Unit::Celsius);
                let temperature = match unit {
                    Unit::Celsius => 18.5,
                    Unit::Fahrenheit => 65.3,
                };
                Ok::<_, String>(Forecast {
                    city: a.city,
                    temperature,
                    unit,
                })
            },
        )
        .with_output_schema(schema_for::<Forecast>())
        .with_annotations(ToolAnnotations::read_only("Get the weather")),
    )
    .unwrap();
    r.register_fn(
        "create_contact",
        "Creates a contact.",
        |a: ContactArgs| async move {
            if a.name == "fail" {
                return Err("the contact store is read-only".to_owned());
            }
            Ok(format!(
                "created {} with {} address(es)",
                a.name,
                a.addresses.len()
            ))
        },
    )
    .unwrap();
    r.register_fn("create_tree", "Stores a tree.", |a: TreeArgs| async move {
        Ok::<_, String>(json!({ "nodes": a.root.count() }))
    })
    .unwrap();
    r.register_fn("login", "Logs in.", |a: LoginArgs| async move {
        Ok::<_, String>(format!("welcome {}", a.user))
    })
    .unwrap();
    r.register_fn("list_items", "Lists items.", |a: ListArgs| async move {
        Ok::<_, String>(json!({ "items": [], "limit": a.limit }))
    })
    .unwrap();
    r
        .register_dynamic(
            DynamicTool::new(
                "search_docs",
                "Full-text search over the docs (defined at run time).",
                json!({
                    "type": "object",
                    "properties": {
                        "query": {"type": "string", "minLength": 1, "description": "Search terms."},
                        "top_k": {"type": "integer", "minimum": 1, "maximum": 50, "default": 5},
                        "lang": {"const": "en"}
                    },
                    "required": ["query"],
                    "additionalProperties": false
                }),
                |args: Value| async move {
                    Ok::<_, String>(json!({"hits": [], "query": args["query"]}))
                },
            )
            .with_annotations(ToolAnnotations::read_only("Search the docs").closed_world()),
        )
        .unwrap();
    r
}
