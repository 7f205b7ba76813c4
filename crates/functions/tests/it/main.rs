//! Integration tests of `switchboard-functions` through its public API.
#![allow(clippy::unwrap_used)]

mod annotations;
mod context;
mod exports;
mod fixtures;
#[cfg(feature = "macros")]
mod macros;
mod registry;
mod robustness;
mod roundtrip;
mod validation;
