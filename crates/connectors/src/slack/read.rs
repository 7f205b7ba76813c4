//! Reading Slack: the conversations the bot can see (`conversations.list`), a channel's
//! messages in a time window (`conversations.history`) and a thread (`conversations.replies`).
//! Lists return one page with the `cursor` that continues them; messages carry people's names
//! (see [`super::users`]) and times in RFC 3339 beside Slack's `ts`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{client::Slack, error::SlackError, users::UserNames};
use crate::common::{InputError, format_rfc3339, open_enum, parse_iso8601};
use crate::text::cut_chars;

/// Most items one page can hold here (Slack allows more; a model reads these).
pub const MAX_PAGE: u32 = 200;
/// Characters of a message's text kept.
pub const MESSAGE_CHARS: usize = 4000;

open_enum! {
    /// A conversation's type, as `conversations.list`'s `types` names them.
    pub enum ConversationType {
        /// A public channel.
        PublicChannel = "public_channel",
        /// A private channel.
        PrivateChannel = "private_channel",
        /// A group direct message.
        Mpim = "mpim",
        /// A direct message.
        Im = "im",
    }
}

impl JsonSchema for ConversationType {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ConversationType".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "enum": ["public_channel", "private_channel", "mpim", "im"],
        })
    }
}

/// A conversation as listed.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SlackChannel {
    /// The id (`C…`, `G…` or `D…`), what the other tools take as `channel`.
    pub id: String,
    /// The name without `#`; absent for direct messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `public_channel`, `private_channel`, `mpim` or `im`.
    #[serde(rename = "type")]
    pub kind: ConversationType,
    /// For a direct message: the other person's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Whether the bot is a member (it can read only channels it is in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_member: Option<bool>,
    /// Whether the channel is archived.
    pub is_archived: bool,
    /// The topic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The purpose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// How many members it has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_members: Option<u64>,
    /// When it was created (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
}

/// One page of conversations.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SlackChannels {
    /// The conversations of this page.
    pub channels: Vec<SlackChannel>,
    /// True when more follow.
    pub truncated: bool,
    /// The `cursor` that gets the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Notes, e.g. names that could not be looked up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A message, its people named.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SlackMessage {
    /// Slack's timestamp, the message's id in its channel (a thread is named by its first ts).
    pub ts: String,
    /// When it was posted (RFC 3339, UTC).
    pub time: String,
    /// The author's name (display name, else real name), or the bot's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The author's user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The text as plain text (`<@U…>` mentions as `@Name`, links as `label (url)`); at most
    /// [`MESSAGE_CHARS`] characters.
    pub text: String,
    /// True when the text was cut.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub text_truncated: bool,
    /// The subtype (`bot_message`, `channel_join`, …); absent for plain messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    /// The thread this message is in or starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_ts: Option<String>,
    /// For a thread's first message: how many replies it has (read them with
    /// slack_thread_replies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_count: Option<u64>,
    /// For a thread's first message: the names of those who replied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reply_users: Vec<String>,
    /// Names of attached files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
}

/// One page of messages.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SlackMessages {
    /// The channel id.
    pub channel: String,
    /// The messages, as Slack orders them: newest first for a channel's history, oldest
    /// first (the thread's first message first) for a thread.
    pub messages: Vec<SlackMessage>,
    /// True when more messages are in the window.
    pub truncated: bool,
    /// The `cursor` that gets the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Notes, e.g. names that could not be looked up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A page request: how many items and where to continue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// Items per page, 1–[`MAX_PAGE`].
    pub limit: u32,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

impl Page {
    fn query(&self, q: &mut Vec<(&'static str, String)>) -> Result<(), InputError> {
        if self.limit == 0 || self.limit > MAX_PAGE {
            return Err(InputError::new(
                "limit",
                format!("{} is not within 1–{MAX_PAGE}", self.limit),
            ));
        }
        q.push(("limit", self.limit.to_string()));
        if let Some(c) = self.cursor.as_deref().filter(|c| !c.is_empty()) {
            q.push(("cursor", c.to_owned()));
        }
        Ok(())
    }
}

/// A time window of messages: `oldest`/`latest` as Slack ts or RFC 3339 times.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Window {
    /// Only messages after this.
    pub oldest: Option<String>,
    /// Only messages before this.
    pub latest: Option<String>,
}

impl Window {
    fn query(&self, q: &mut Vec<(&'static str, String)>) -> Result<(), InputError> {
        let oldest = self
            .oldest
            .as_deref()
            .map(|v| slack_ts("oldest", v))
            .transpose()?;
        let latest = self
            .latest
            .as_deref()
            .map(|v| slack_ts("latest", v))
            .transpose()?;
        if let (Some((o, os)), Some((l, ls))) = (&oldest, &latest)
            && os >= ls
        {
            return Err(InputError::new(
                "latest",
                format!("{l} is not after oldest {o}"),
            ));
        }
        q.extend(oldest.map(|(v, _)| ("oldest", v)));
        q.extend(latest.map(|(v, _)| ("latest", v)));
        Ok(())
    }
}

/// A Slack ts (`1512085950.000216`) as given, or an RFC 3339 time as a ts; with its seconds.
fn slack_ts(field: &str, value: &str) -> Result<(String, f64), InputError> {
    let v = value.trim();
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    let is_ts = match v.split_once('.') {
        Some((s, f)) => digits(s) && digits(f),
        None => digits(v),
    };
    if is_ts {
        return Ok((v.to_owned(), v.parse().unwrap_or(0.0)));
    }
    let secs = parse_iso8601(v).ok_or_else(|| {
        InputError::new(
            field,
            format!(
                "{value:?} is neither a Slack ts (1512085950.000216) nor an RFC 3339 time \
                 (2025-06-01T09:00:00Z)"
            ),
        )
    })?;
    Ok((format!("{secs:.6}"), secs))
}

fn channel_id(channel: &str) -> Result<(), InputError> {
    let ok = !channel.is_empty() && channel.chars().all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(InputError::new(
            "channel",
            format!(
                "{channel:?} is not a channel id like C0123456789 (slack_list_channels lists them)"
            ),
        ))
    }
}

// -- Slack's JSON --

#[derive(Deserialize)]
struct Text {
    #[serde(default)]
    value: Option<String>,
}

#[derive(Deserialize)]
struct WireChannel {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    is_im: bool,
    #[serde(default)]
    is_mpim: bool,
    #[serde(default)]
    is_private: bool,
    #[serde(default)]
    is_group: bool,
    #[serde(default)]
    is_member: Option<bool>,
    #[serde(default)]
    is_archived: bool,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    topic: Option<Text>,
    #[serde(default)]
    purpose: Option<Text>,
    #[serde(default)]
    num_members: Option<u64>,
    #[serde(default)]
    created: Option<i64>,
}

#[derive(Deserialize)]
struct WireFile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

#[derive(Deserialize)]
struct BotProfile {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WireMessage {
    ts: String,
    #[serde(default)]
    pub(super) user: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    bot_profile: Option<BotProfile>,
    #[serde(default)]
    pub(super) text: String,
    #[serde(default)]
    subtype: Option<String>,
    #[serde(default)]
    thread_ts: Option<String>,
    #[serde(default)]
    reply_count: Option<u64>,
    #[serde(default)]
    pub(super) reply_users: Vec<String>,
    #[serde(default)]
    files: Vec<WireFile>,
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(default)]
    next_cursor: Option<String>,
}

#[derive(Deserialize)]
struct WireList {
    #[serde(default)]
    channels: Vec<WireChannel>,
    #[serde(default)]
    response_metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct WireMessages {
    #[serde(default)]
    messages: Vec<WireMessage>,
    #[serde(default)]
    has_more: bool,
    #[serde(default)]
    response_metadata: Option<Metadata>,
}

/// The next cursor, `None` when empty (Slack's "last page").
fn next_cursor(meta: Option<Metadata>) -> Option<String> {
    meta.and_then(|m| m.next_cursor).filter(|c| !c.is_empty())
}

fn ts_time(ts: &str) -> String {
    let secs = ts
        .split('.')
        .next()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    format_rfc3339(secs, 0)
}

impl WireChannel {
    fn kind(&self) -> ConversationType {
        if self.is_im {
            ConversationType::Im
        } else if self.is_mpim {
            ConversationType::Mpim
        } else if self.is_private || self.is_group {
            ConversationType::PrivateChannel
        } else {
            ConversationType::PublicChannel
        }
    }
}

impl Slack {
    /// `conversations.list`: one page of the conversations of `types` the bot can see
    /// (Slack's default: public channels), archived ones only with `include_archived`.
    pub async fn list_channels(
        &self,
        types: &[ConversationType],
        include_archived: bool,
        page: &Page,
    ) -> Result<SlackChannels, SlackError> {
        let mut q = Vec::new();
        page.query(&mut q)?;
        if !types.is_empty() {
            let names: Vec<&str> = types.iter().map(ConversationType::as_str).collect();
            q.push(("types", names.join(",")));
        }
        q.push(("exclude_archived", (!include_archived).to_string()));
        let json = self.get("conversations.list", &q).await?;
        let list: WireList = serde_json::from_value(json).map_err(SlackError::Decode)?;
        let mut names = UserNames::new(self);
        let ids: Vec<&str> = list
            .channels
            .iter()
            .filter_map(|c| c.user.as_deref())
            .collect();
        names.resolve(ids).await;
        let channels = list
            .channels
            .into_iter()
            .map(|c| SlackChannel {
                kind: c.kind(),
                user: c.user.as_deref().map(|u| names.name(u)),
                id: c.id,
                name: c.name,
                is_member: c.is_member,
                is_archived: c.is_archived,
                topic: c.topic.and_then(|t| t.value).filter(|t| !t.is_empty()),
                purpose: c.purpose.and_then(|t| t.value).filter(|t| !t.is_empty()),
                num_members: c.num_members,
                created: c.created.map(|s| format_rfc3339(s, 0)),
            })
            .collect();
        let next = next_cursor(list.response_metadata);
        Ok(SlackChannels {
            channels,
            truncated: next.is_some(),
            next_cursor: next,
            warnings: names.into_warnings(),
        })
    }

    /// `conversations.history`: one page of a channel's messages in `window`, newest first.
    pub async fn channel_history(
        &self,
        channel: &str,
        window: &Window,
        page: &Page,
    ) -> Result<SlackMessages, SlackError> {
        channel_id(channel)?;
        let mut q = vec![("channel", channel.to_owned())];
        window.query(&mut q)?;
        page.query(&mut q)?;
        let json = self.get("conversations.history", &q).await?;
        self.messages(channel, json).await
    }

    /// `conversations.replies`: one page of the thread that starts at `thread_ts` (its first
    /// message first), limited to `window`.
    pub async fn thread_replies(
        &self,
        channel: &str,
        thread_ts: &str,
        window: &Window,
        page: &Page,
    ) -> Result<SlackMessages, SlackError> {
        channel_id(channel)?;
        let (ts, _) = slack_ts("thread_ts", thread_ts)?;
        if !ts.contains('.') {
            return Err(InputError::new(
                "thread_ts",
                format!("{thread_ts:?} is not a message ts like 1512085950.000216"),
            )
            .into());
        }
        let mut q = vec![("channel", channel.to_owned()), ("ts", ts)];
        window.query(&mut q)?;
        page.query(&mut q)?;
        let json = self.get("conversations.replies", &q).await?;
        self.messages(channel, json).await
    }

    /// The view of a `messages` answer, its people named.
    async fn messages(&self, channel: &str, json: Value) -> Result<SlackMessages, SlackError> {
        let wire: WireMessages = serde_json::from_value(json).map_err(SlackError::Decode)?;
        let mut names = UserNames::new(self);
        names.resolve_messages(&wire.messages).await;
        let messages = wire
            .messages
            .into_iter()
            .map(|m| {
                let user = m
                    .user
                    .as_deref()
                    .map(|u| names.name(u))
                    .or(m.username)
                    .or(m.bot_profile.and_then(|b| b.name));
                let (text, text_truncated) = cut_chars(names.in_text(&m.text), MESSAGE_CHARS);
                SlackMessage {
                    time: ts_time(&m.ts),
                    ts: m.ts,
                    user,
                    user_id: m.user,
                    text,
                    text_truncated,
                    subtype: m.subtype,
                    thread_ts: m.thread_ts,
                    reply_count: m.reply_count,
                    reply_users: m.reply_users.iter().map(|u| names.name(u)).collect(),
                    files: m
                        .files
                        .into_iter()
                        .filter_map(|f| f.title.or(f.name))
                        .collect(),
                }
            })
            .collect();
        let next = next_cursor(wire.response_metadata);
        Ok(SlackMessages {
            channel: channel.to_owned(),
            messages,
            truncated: wire.has_more || next.is_some(),
            next_cursor: next,
            warnings: names.into_warnings(),
        })
    }
}
