//! End-to-end tests of the `switchboard` binary: each starts the real gateway on a free port in
//! a temporary directory and talks to it over HTTP and MCP.

#![allow(clippy::unwrap_used, reason = "tests")]

mod admin;
mod admin_lists;
mod admin_openapi;
mod assistant_connectors;
mod attribution;
mod audit;
mod audit_pages;
mod audit_store;
mod browser_guard;
mod builtin_tools;
mod channels;
mod cli;
mod connectors;
mod console;
mod console_browser;
mod console_pages;
mod console_sign_in;
mod endpoints;
mod identity;
mod ingest;
mod limits;
mod mcp;
mod mcp_direct;
mod mcp_nodes;
mod mcp_peers;
mod open_webui;
mod operational_events;
mod policy;
mod reconcile;
mod restart;
mod server;
mod tools_http;
