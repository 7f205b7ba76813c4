//! `switchboard-server`: the Switchboard gateway behind the `switchboard` binary.
//!
//! - [`config`]: embedded defaults and the TOML file;
//! - [`tools`]: the registry built from the settings;
//! - [`audit`]: the audit trail of tool calls in the store;
//! - [`http`]: the router — OpenAPI tool server, `/mcp`, `/healthz`, `/metrics`;
//! - [`notify`]: `[[notify]]` targets subscribed to events;
//! - [`cli`]: the command line and its exit codes;
//! - [`serve`]: starting and stopping the server.
//!
//! `docs/gateway.md` is the user guide.

pub mod audit;
pub mod cli;
pub mod config;
pub mod http;
pub mod notify;
pub mod policy;
pub mod serve;
pub mod tools;
pub mod verifiers;
pub mod webhooks;
