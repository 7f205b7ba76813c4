//! `switchboard`: one dependency for the whole Switchboard toolkit, each part behind a feature.
//!
//! Switchboard connects LLM applications to the outside world: a safe HTTP client
//! ([`core`]), outgoing and incoming webhooks ([`webhooks`]), validated tools for every model
//! provider ([`functions`]) and typed clients for common services ([`connectors`]).
//! This crate re-exports each crate as a module; nothing but [`core`] is on by default.
//!
//! # Features
//!
//! | feature | enables | module |
//! |---|---|---|
//! | *(always)* | HTTP client, auth, retries, SSRF guard, secrets | [`core`] |
//! | `webhooks` | signing, verification, [`WebhookManager`](webhooks::delivery::WebhookManager) with the in-memory store | `webhooks` |
//! | `sqlite` | the embedded SQLite delivery store (implies `webhooks`) | `webhooks::delivery::store` |
//! | `postgres` | the Postgres delivery store for many nodes (implies `webhooks`) | `webhooks::delivery::store` |
//! | `functions` | tools, the registry, provider wire formats | `functions` |
//! | `calculate` | the built-in `calculate` tool (implies `functions`) | `functions::builtin::calculate` |
//! | `read_file` | the built-in `read_file` and `list_dir` tools (implies `functions`) | `functions::builtin::read_file` |
//! | `query_database` | the built-in read-only `query_database` tool (implies `functions`) | `functions::builtin::query_database` |
//! | `execute_code` | the built-in sandboxed `execute_code` tool, Linux only (implies `functions`) | `functions::builtin::execute_code` |
//! | `connectors` | the connectors crate with no service enabled | `connectors` |
//! | `github`, `slack`, `notion`, `jira`, `google_calendar`, `openweathermap`, `zapier`, `ifttt`, `web_search`, `fetch_url` | that service's client and tools (implies `connectors`) | `connectors::<service>` |
//! | `notify`, `email` | event notifications to Slack, Discord, Teams, Google Chat; `email` adds SMTP (implies `connectors`) | `connectors::notify` |
//! | `full` | all of the above | |
//!
//! The [`prelude`] brings the common types of every enabled part into scope.
//!
//! ```
//! use switchboard::prelude::*;
//!
//! let secret = Secret::new("sk-live-123");
//! assert_eq!(format!("{secret:?}"), format!("{:?}", Secret::new("other")));
//! ```
//!
//! Examples, one per family, live in `examples/`: `http_client` (always), `tools`
//! (`--features calculate`) and `webhooks` (`--features webhooks`).

// On docs.rs (`--cfg docsrs`, nightly) every feature-gated item shows the features it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[doc(inline)]
pub use switchboard_core as core;

#[cfg(feature = "webhooks")]
#[doc(inline)]
pub use switchboard_webhooks as webhooks;

#[cfg(feature = "functions")]
#[doc(inline)]
pub use switchboard_functions as functions;

#[cfg(feature = "connectors")]
#[doc(inline)]
pub use switchboard_connectors as connectors;

pub mod prelude;

/// Compiles the Rust examples of this crate's README, the workspace README and
/// `docs/getting-started.md` as doctests, so the documented code cannot rot.
#[cfg(all(doctest, feature = "calculate"))]
#[doc = include_str!("../README.md")]
#[doc = include_str!("../../../README.md")]
#[doc = include_str!("../../../docs/getting-started.md")]
pub struct ReadmeDoctests;
