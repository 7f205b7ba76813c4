//! IFTTT Webhooks: fire an applet's event with `value1..value3`, or with any JSON through the
//! `/json/` variant. The key is part of the URL path and is never shown.
//!
//! ```no_run
//! use switchboard_connectors::ifttt::{Ifttt, Values};
//! use switchboard_core::Client;
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let ifttt = Ifttt::new(Client::builder().build()?, "my-maker-key")?;
//! ifttt.trigger("door_opened", &Values::new().value1("front")).await?;
//! # Ok(()) }
//! ```

mod client;
mod error;
mod tool;

pub use client::{Ifttt, Values};
pub use error::IftttError;
pub use tool::{TriggerArgs, register_tools};
