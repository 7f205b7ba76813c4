//! IFTTT Webhooks: fire an applet's event with `value1..value3`, or with any JSON through the
//! `/json/` variant. The key is part of the URL path and is never shown.
//!
//! ```no_run
//! use switchboard_connectors::ifttt::{Ifttt, Values};
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let ifttt = Ifttt::builder("my-maker-key")
//!     .allowed_events(["door_opened"])
//!     .build()?;
//! ifttt.trigger("door_opened", &Values::new().value1("front")).await?;
//! # Ok(()) }
//! ```

mod client;
mod error;
mod tool;

pub use client::{Ifttt, IftttBuilder, Values};
pub use error::{IftttApiError, IftttError};
pub use tool::{TriggerArgs, register_tools};
