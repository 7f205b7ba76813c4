//! Integration tests of the `execute_code` sandbox: real interpreters, real processes, real kernel layers.
//!
//! Tests needing a layer or language the machine lacks print why and return early, unless
//! `SWITCHBOARD_REQUIRE_SANDBOX` is set (to `all` or a comma-separated list of layers), in which case
//! a missing layer fails the test.
#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "tests")]

mod api;
mod escape;
mod gateway;
mod honest;
mod registry;
mod support;
