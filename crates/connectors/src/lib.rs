//! `switchboard-connectors`: typed clients for the services an LLM application talks to, each
//! also offered as tools for `switchboard-functions`.
//!
//! Every client runs over `switchboard-core`'s `Client` (retries, rate-limit handling, SSRF
//! guard, secret redaction), takes a configurable base URL, keeps the service's error message
//! and code in a typed error, and decodes responses tolerantly: unknown fields are ignored,
//! unknown enum values are kept, and the raw JSON stays reachable.
//!
//! Every service has the same shape: a builder owning the core client, a
//! `register_tools(&registry, &client, &ToolOptions)` for its tools, and an error type whose
//! `kind()` is an [`ErrorKind`] shared by all services (an error status becomes a kind in
//! one place, [`ErrorKind::from_status`]).
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `github` | off | [`github`]: repositories (all pages), search issues and pull requests, read an issue with its comments, pull requests, files and commits; create an issue, comment |
//! | `slack` | off | [`slack`]: `chat.postMessage` with text or Block Kit blocks; list channels, read a channel's history in a time window and a thread's replies, with user names |
//! | `notion` | off | [`notion`]: search, read pages as text, query databases, append, create a page with long content |
//! | `jira` | off | [`jira`]: JQL search, read an issue with description and comments rendered from ADF, list and take transitions, comment, create an issue with an ADF description from text/Markdown |
//! | `google_calendar` | off | [`google_calendar`]: list events in a window, free/busy of several calendars; insert, update and delete events; OAuth2 refresh-token auth |
//! | `openweathermap` | off | [`openweathermap`]: current weather by city or coordinates; the 5 day / 3 hour forecast; place names through the Geocoding API |
//! | `notify` | off | [`notify`]: event notifications to Slack, Discord, Teams and Google Chat webhooks; `notify::subscribe` wires them into `switchboard-webhooks` handlers |
//! | `email` | off | `notify::EmailTarget`: SMTP via lettre (STARTTLS, implicit TLS, plain for localhost); implies `notify` |
//! | `zapier` | off | [`zapier`]: Catch Hook triggers and the Workflow API v2 (list Zaps) |
//! | `ifttt` | off | [`ifttt`]: Webhooks triggers with `value1..value3` or JSON |
//! | `web_search` | off | [`search`]: SearXNG, Brave and Tavily behind `WebSearch`, and the `web_search` tool |
//! | `fetch_url` | off | [`fetch_url`]: the `fetch_url` tool, a web page as readable text under the SSRF guard |

// On docs.rs (`--cfg docsrs`, nightly) every feature-gated item shows the features it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(any(
    feature = "github",
    feature = "slack",
    feature = "notion",
    feature = "jira",
    feature = "google_calendar",
    feature = "openweathermap",
    feature = "web_search",
    feature = "zapier",
    feature = "ifttt"
))]
mod common;
#[cfg(any(
    feature = "github",
    feature = "slack",
    feature = "notion",
    feature = "jira",
    feature = "google_calendar",
    feature = "openweathermap",
    feature = "web_search",
    feature = "zapier",
    feature = "ifttt"
))]
pub use common::{ErrorKind, InputError, ToolOptions};

#[cfg(feature = "fetch_url")]
pub mod fetch_url;
#[cfg(feature = "github")]
pub mod github;
#[cfg(feature = "google_calendar")]
pub mod google_calendar;
#[cfg(feature = "jira")]
pub mod jira;
#[cfg(feature = "notion")]
pub mod notion;
#[cfg(feature = "openweathermap")]
pub mod openweathermap;
#[cfg(feature = "slack")]
pub mod slack;

// -- issue 8 modules --
#[cfg(any(feature = "notify", feature = "zapier", feature = "ifttt"))]
mod hook_url;
#[cfg(any(feature = "notify", feature = "zapier", feature = "ifttt"))]
pub use hook_url::{InvalidHookUrl, WebhookUrl};
#[cfg(feature = "ifttt")]
pub mod ifttt;
#[cfg(any(feature = "notify", feature = "slack"))]
mod mrkdwn;
#[cfg(feature = "notify")]
pub mod notify;
#[cfg(feature = "web_search")]
pub mod search;
#[cfg(any(
    feature = "notify",
    feature = "zapier",
    feature = "ifttt",
    feature = "web_search",
    feature = "github",
    feature = "jira",
    feature = "notion",
    feature = "fetch_url",
    feature = "slack",
    feature = "google_calendar"
))]
mod text;
#[cfg(feature = "zapier")]
pub mod zapier;

/// Compiles the README's example as a doctest.
#[cfg(all(doctest, feature = "github"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
