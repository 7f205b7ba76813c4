//! People's names for the user ids in Slack answers (`users.info`), looked up once per id and
//! per call, so that a model reads "Egon Spengler", not `U012AB3CDE`.
//!
//! A call looks up at most [`MAX_USER_LOOKUPS`] ids (Tier 4 allows 100+ a minute); ids beyond,
//! unknown ids and ids whose lookup Slack refuses stay as ids, and the answer's `warnings` says
//! why (e.g. the token lacks `users:read`). A failed lookup never fails the call: the messages
//! were read.

use std::collections::HashMap;

use serde::Deserialize;

use super::{
    client::Slack,
    error::{SlackError, SlackErrorCode},
    limits::MAX_USER_LOOKUPS,
    markup::to_plain,
    read::WireMessage,
};

#[derive(Deserialize)]
struct Profile {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
}

#[derive(Deserialize)]
struct WireUser {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default)]
    profile: Option<Profile>,
}

#[derive(Deserialize)]
struct Info {
    user: WireUser,
}

impl WireUser {
    /// The display name, else the real name, else the handle.
    fn best_name(self) -> Option<String> {
        let (display, real) = self
            .profile
            .map_or((None, None), |p| (p.display_name, p.real_name));
        [display, real, self.real_name, self.name]
            .into_iter()
            .flatten()
            .find(|n| !n.trim().is_empty())
    }
}

/// The names found during one call.
pub(super) struct UserNames<'a> {
    slack: &'a Slack,
    names: HashMap<String, Option<String>>,
    /// Why lookups stopped, when they did.
    stopped: Option<String>,
    /// Ids not looked up because the call's budget was spent.
    over_budget: usize,
}

impl<'a> UserNames<'a> {
    pub(super) fn new(slack: &'a Slack) -> Self {
        Self {
            slack,
            names: HashMap::new(),
            stopped: None,
            over_budget: 0,
        }
    }

    /// Looks up the ids not seen yet, one `users.info` call each, in order.
    pub(super) async fn resolve(&mut self, ids: Vec<&str>) {
        for id in ids {
            if self.names.contains_key(id) || !is_user_id(id) {
                continue;
            }
            if self.stopped.is_some() {
                continue;
            }
            if self.names.len() >= MAX_USER_LOOKUPS {
                self.over_budget += 1;
                self.names.insert(id.to_owned(), None);
                continue;
            }
            let name = match self
                .slack
                .get("users.info", &[("user", id.to_owned())])
                .await
            {
                Ok(json) => serde_json::from_value::<Info>(json)
                    .ok()
                    .and_then(|i| i.user.best_name()),
                Err(SlackError::Api(e)) if e.code == SlackErrorCode::UserNotFound => None,
                Err(e) => {
                    self.stopped = Some(format!("user names could not be looked up: {e}"));
                    None
                }
            };
            self.names.insert(id.to_owned(), name);
        }
    }

    /// Looks up the authors, repliers and `<@U…>` mentions of `messages`.
    pub(super) async fn resolve_messages(&mut self, messages: &[WireMessage]) {
        let mut ids: Vec<&str> = Vec::new();
        for m in messages {
            ids.extend(m.user.as_deref());
            ids.extend(m.reply_users.iter().map(String::as_str));
            ids.extend(mentioned_ids(&m.text));
        }
        self.resolve(ids).await;
    }

    /// The name of `id`, or the id itself when it has none here.
    pub(super) fn name(&self, id: &str) -> String {
        self.names
            .get(id)
            .cloned()
            .flatten()
            .unwrap_or_else(|| id.to_owned())
    }

    /// `text` as plain text, each `<@U…>` mention written as `@Name`.
    pub(super) fn in_text(&self, text: &str) -> String {
        to_plain(text, |id| self.names.get(id).cloned().flatten())
    }

    /// The notes for the answer's `warnings`.
    pub(super) fn into_warnings(self) -> Vec<String> {
        let mut out: Vec<String> = self.stopped.into_iter().collect();
        if self.over_budget > 0 {
            out.push(format!(
                "{} user ids are shown as ids: one call looks up at most {MAX_USER_LOOKUPS} names",
                self.over_budget
            ));
        }
        out
    }
}

/// Whether `id` looks like a user id (`U…` or `W…` for Enterprise Grid).
fn is_user_id(id: &str) -> bool {
    id.len() > 1
        && matches!(id.as_bytes()[0], b'U' | b'W')
        && id.bytes().all(|c| c.is_ascii_alphanumeric())
}

/// The user ids of the `<@U…>` / `<@U…|label>` mentions in `text`.
fn mentioned_ids(text: &str) -> impl Iterator<Item = &str> {
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            let start = from + text.get(from..)?.find("<@")?;
            let end = start + text[start..].find('>')?;
            from = end + 1;
            let inner = &text[start + 2..end];
            let id = inner.split_once('|').map_or(inner, |(id, _)| id);
            if is_user_id(id) {
                return Some(id);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentioned_ids_are_found_with_or_without_labels() {
        let found: Vec<_> =
            mentioned_ids("hi <@U1A>, <@W2|egon> and <#C1|general> <@bad id>").collect();
        assert_eq!(found, ["U1A", "W2"]);
    }

    #[test]
    fn an_unclosed_mention_is_left_alone() {
        assert_eq!(mentioned_ids("<@U1A").count(), 0);
    }
}
