//! Moving a Jira issue through its workflow: the transitions it offers now
//! (`GET /rest/api/3/issue/{key}/transitions`) and taking one by name
//! (`POST …/transitions`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{client::Jira, error::JiraError, read::issue_key};
use crate::common::{InputError, join};

/// A transition an issue can take now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct JiraTransition {
    /// The transition id.
    pub id: String,
    /// The transition name, e.g. `Start Progress`.
    pub name: String,
    /// The status the issue moves to, e.g. `In Progress`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_status: Option<String>,
}

/// The transitions of one issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct JiraTransitions {
    /// The issue key.
    pub key: String,
    /// The transitions available to the caller now.
    pub transitions: Vec<JiraTransition>,
}

/// What a transition did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct JiraTransitioned {
    /// The issue key.
    pub key: String,
    /// The transition taken.
    pub transition: String,
    /// The status the issue moved to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_status: Option<String>,
}

#[derive(Deserialize)]
struct WireStatus {
    name: String,
}

#[derive(Deserialize)]
struct WireTransition {
    id: String,
    name: String,
    #[serde(default)]
    to: Option<WireStatus>,
}

#[derive(Deserialize)]
struct WireTransitions {
    #[serde(default)]
    transitions: Vec<WireTransition>,
}

/// The transition named `name` (compared case-insensitively, surrounding spaces ignored).
///
/// # Errors
/// When none has that name: the message lists the names there are.
fn by_name<'t>(
    transitions: &'t [JiraTransition],
    name: &str,
) -> Result<&'t JiraTransition, InputError> {
    let wanted = name.trim().to_lowercase();
    transitions
        .iter()
        .find(|t| t.name.to_lowercase() == wanted)
        .ok_or_else(|| {
            let names: Vec<&str> = transitions.iter().map(|t| t.name.as_str()).collect();
            let available = if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            };
            InputError::new(
                "transition",
                format!("no transition named {name:?} here; available now: {available}"),
            )
        })
}

impl Jira {
    /// `GET /rest/api/3/issue/{key}/transitions`: the transitions the caller can take now,
    /// with the status each leads to.
    pub async fn transitions(&self, key: &str) -> Result<JiraTransitions, JiraError> {
        issue_key(key)?;
        let url = join(&self.api, &["issue", key, "transitions"])?;
        let res = self.send(self.http.get(url.as_str())).await?;
        let wire: WireTransitions = serde_json::from_slice(&res.body).map_err(JiraError::Decode)?;
        Ok(JiraTransitions {
            key: key.to_owned(),
            transitions: wire
                .transitions
                .into_iter()
                .map(|t| JiraTransition {
                    id: t.id,
                    name: t.name,
                    to_status: t.to.map(|s| s.name),
                })
                .collect(),
        })
    }

    /// Takes the transition named `name` (case-insensitive): reads the available transitions,
    /// then `POST /rest/api/3/issue/{key}/transitions` with its id.
    ///
    /// # Errors
    /// [`JiraError::InvalidInput`] listing the available names when none is called `name`.
    pub async fn transition_issue(
        &self,
        key: &str,
        name: &str,
    ) -> Result<JiraTransitioned, JiraError> {
        if name.trim().is_empty() {
            return Err(InputError::new("transition", "must not be blank").into());
        }
        let available = self.transitions(key).await?;
        let chosen = by_name(&available.transitions, name)?;
        let url = join(&self.api, &["issue", key, "transitions"])?;
        let body = json!({"transition": {"id": chosen.id}});
        self.send(self.http.post(url.as_str()).json(&body)).await?;
        Ok(JiraTransitioned {
            key: available.key.clone(),
            transition: chosen.name.clone(),
            to_status: chosen.to_status.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(id: &str, name: &str) -> JiraTransition {
        JiraTransition {
            id: id.into(),
            name: name.into(),
            to_status: None,
        }
    }

    #[test]
    fn a_transition_is_found_by_name_whatever_the_case() {
        let all = [t("11", "To Do"), t("21", "In Progress")];
        assert_eq!(by_name(&all, " in progress ").unwrap().id, "21");
    }

    #[test]
    fn an_unknown_name_lists_the_available_ones() {
        let all = [t("11", "To Do"), t("21", "In Progress")];
        let err = by_name(&all, "Done").unwrap_err();
        assert!(
            err.to_string()
                .contains("available now: To Do, In Progress"),
            "{err}"
        );
    }
}
