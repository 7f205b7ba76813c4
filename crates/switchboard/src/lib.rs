//! `switchboard`: the facade that re-exports the Switchboard crates behind features.

#[doc(inline)]
pub use switchboard_core as core;
