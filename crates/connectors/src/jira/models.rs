//! `POST /issue` arguments and answer.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::adf::text_to_adf;
use crate::common::{InputError, WithRaw};

/// Jira's limit on the summary length.
pub(crate) const MAX_SUMMARY: usize = 255;

/// A new issue.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NewIssue {
    /// The project key, e.g. `PROJ`.
    pub project_key: String,
    /// The issue type name, e.g. `Task`, `Bug`, `Story`.
    pub issue_type: String,
    /// The summary (one line, at most 255 characters).
    pub summary: String,
    /// The description as plain text or Markdown; converted to ADF.
    #[serde(default)]
    pub description: Option<String>,
    /// Labels (no spaces).
    #[serde(default)]
    pub labels: Vec<String>,
    /// Priority name, e.g. `High`.
    #[serde(default)]
    pub priority: Option<String>,
    /// Other fields by id, sent as given (e.g. `customfield_10010`).
    #[serde(default)]
    pub extra_fields: Map<String, Value>,
    /// A last plain-text paragraph of the description ([`NewIssue::footer`]); never taken from
    /// the arguments a model sends.
    #[serde(skip)]
    #[schemars(skip)]
    footer: Option<String>,
}

impl NewIssue {
    /// An issue of `issue_type` in `project_key`.
    pub fn new(
        project_key: impl Into<String>,
        issue_type: impl Into<String>,
        summary: impl Into<String>,
    ) -> Self {
        Self {
            project_key: project_key.into(),
            issue_type: issue_type.into(),
            summary: summary.into(),
            description: None,
            labels: Vec::new(),
            priority: None,
            extra_fields: Map::new(),
            footer: None,
        }
    }

    /// Ends the description with `text` as a plain paragraph, taken literally (not read as
    /// Markdown): for a note the model does not write, such as who the issue was created for.
    #[must_use]
    pub fn footer(mut self, text: impl Into<String>) -> Self {
        self.footer = Some(text.into());
        self
    }

    /// Sets the description (plain text or Markdown).
    #[must_use]
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Adds a label.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.labels.push(label.into());
        self
    }

    /// The request body, after checking the fields.
    pub(crate) fn body(&self) -> Result<Value, InputError> {
        let blank = |field: &str, v: &str| {
            if v.trim().is_empty() {
                Err(InputError::new(field, "must not be blank"))
            } else {
                Ok(())
            }
        };
        blank("project_key", &self.project_key)?;
        blank("issue_type", &self.issue_type)?;
        blank("summary", &self.summary)?;
        if self.summary.contains(['\n', '\r']) {
            return Err(InputError::new(
                "summary",
                "must be one line (Jira rejects newlines)",
            ));
        }
        let n = self.summary.chars().count();
        if n > MAX_SUMMARY {
            return Err(InputError::new(
                "summary",
                format!("{n} characters; Jira accepts at most {MAX_SUMMARY}"),
            ));
        }
        for (i, l) in self.labels.iter().enumerate() {
            if l.is_empty() || l.contains(char::is_whitespace) {
                return Err(InputError::new(
                    format!("labels/{i}"),
                    format!("{l:?}: labels cannot be empty or contain spaces"),
                ));
            }
        }
        let mut fields = Map::new();
        fields.insert("project".into(), json!({"key": self.project_key}));
        fields.insert("issuetype".into(), json!({"name": self.issue_type}));
        fields.insert("summary".into(), json!(self.summary));
        let mut description = match &self.description {
            Some(d) => {
                blank("description", d)?;
                Some(text_to_adf(d))
            }
            None => None,
        };
        if let Some(footer) = &self.footer {
            let doc = description.get_or_insert_with(|| text_to_adf(""));
            if let Some(content) = doc["content"].as_array_mut() {
                content.push(
                    json!({"type": "paragraph", "content": [{"type": "text", "text": footer}]}),
                );
            }
        }
        if let Some(doc) = description {
            fields.insert("description".into(), doc);
        }
        if !self.labels.is_empty() {
            fields.insert("labels".into(), json!(self.labels));
        }
        if let Some(p) = &self.priority {
            blank("priority", p)?;
            fields.insert("priority".into(), json!({"name": p}));
        }
        for (k, v) in &self.extra_fields {
            if fields.contains_key(k) {
                return Err(InputError::new(
                    format!("extra_fields/{k}"),
                    "is set by a dedicated argument",
                ));
            }
            fields.insert(k.clone(), v.clone());
        }
        Ok(json!({"fields": fields}))
    }
}

/// A created issue.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct CreatedIssue {
    /// The numeric id, as a string.
    pub id: String,
    /// The key, e.g. `PROJ-24`.
    pub key: String,
    /// The REST URL of the issue.
    #[serde(rename = "self")]
    pub self_url: String,
    #[serde(skip)]
    raw: Value,
}

impl CreatedIssue {
    /// The JSON Jira sent (`transition` and anything new are here).
    pub fn raw(&self) -> &Value {
        &self.raw
    }
}

impl WithRaw for CreatedIssue {
    fn set_raw(&mut self, raw: Value) {
        self.raw = raw;
    }
}
