//! Page creation arguments and the created page.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::content::{MAX_RICH_TEXT_PER_BLOCK, rich_text};
use crate::common::{InputError, WithRaw};

/// Where the page goes.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Parent {
    /// A database (`database_id`; for Notion-Version 2025-09-03 and later only databases with a
    /// single data source).
    Database(String),
    /// A data source (`data_source_id`, Notion-Version 2025-09-03 and later).
    DataSource(String),
    /// Another page (`page_id`); the title goes in the `title` property.
    Page(String),
}

impl Parent {
    fn to_json(&self) -> Result<Value, InputError> {
        let (kind, id) = match self {
            Self::Database(id) => ("database_id", id),
            Self::DataSource(id) => ("data_source_id", id),
            Self::Page(id) => ("page_id", id),
        };
        notion_id("parent/id", id)?;
        Ok(json!({"type": kind, kind: id}))
    }
}

/// Checks that `id` (the argument `field`) is a Notion id: 32 hex digits, dashes optional.
pub(crate) fn notion_id(field: &str, id: &str) -> Result<(), InputError> {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    if hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(InputError::new(
            field,
            format!("{id:?} is not a Notion id (32 hex digits, dashes optional)"),
        ))
    }
}

/// A new page.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NewPage {
    /// The parent.
    pub parent: Parent,
    /// The title.
    pub title: String,
    /// The name of the parent's title property (default `Name`; ignored for page parents,
    /// whose title property is `title`).
    #[serde(default)]
    pub title_property: Option<String>,
    /// The content: paragraphs separated by blank lines, any length.
    #[serde(default)]
    pub content: String,
    /// Other properties, in Notion's property-value format, matching the parent's schema.
    #[serde(default)]
    pub properties: Map<String, Value>,
}

impl NewPage {
    /// A page with a title and text content.
    pub fn new(parent: Parent, title: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            parent,
            title: title.into(),
            title_property: None,
            content: content.into(),
            properties: Map::new(),
        }
    }

    /// Names the parent's title property (default `Name`).
    #[must_use]
    pub fn title_property(mut self, name: impl Into<String>) -> Self {
        self.title_property = Some(name.into());
        self
    }

    /// The `parent` and `properties` of the create request.
    pub(crate) fn head(&self) -> Result<(Value, Map<String, Value>), InputError> {
        let parent = self.parent.to_json()?;
        if self.title.trim().is_empty() {
            return Err(InputError::new("title", "must not be blank"));
        }
        let title = rich_text(&self.title);
        if title.len() > MAX_RICH_TEXT_PER_BLOCK {
            return Err(InputError::new(
                "title",
                "longer than Notion's 100 rich-text pieces of 2000 characters",
            ));
        }
        let name = match (&self.parent, &self.title_property) {
            (Parent::Page(_), _) => "title".to_owned(),
            (_, Some(n)) if n.trim().is_empty() => {
                return Err(InputError::new("title_property", "must not be blank"));
            }
            (_, Some(n)) => n.clone(),
            (_, None) => "Name".to_owned(),
        };
        let mut props = Map::new();
        props.insert(name.clone(), json!({"title": title}));
        for (k, v) in &self.properties {
            if *k == name {
                return Err(InputError::new(
                    format!("properties/{k}"),
                    "is the title property, set by `title`",
                ));
            }
            if !v.is_object() {
                return Err(InputError::new(
                    format!("properties/{k}"),
                    "must be a Notion property value object",
                ));
            }
            props.insert(k.clone(), v.clone());
        }
        Ok((parent, props))
    }
}

/// A created page.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct CreatedPage {
    /// The page id.
    pub id: String,
    /// The page URL.
    #[serde(default)]
    pub url: String,
    /// Blocks written in total (create plus appends).
    #[serde(skip_deserializing)]
    pub blocks: usize,
    /// Requests used (1 + appends).
    #[serde(skip_deserializing)]
    pub requests: usize,
    #[serde(skip)]
    raw: Value,
}

impl CreatedPage {
    /// The page object Notion returned from the create call.
    pub fn raw(&self) -> &Value {
        &self.raw
    }
}

impl WithRaw for CreatedPage {
    fn set_raw(&mut self, raw: Value) {
        self.raw = raw;
    }
}
