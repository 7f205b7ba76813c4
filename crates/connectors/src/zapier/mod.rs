//! Zapier: trigger a Zap through its Catch Hook URL, and list Zaps through the Workflow API v2.
//!
//! There is no public API to run a Zap by id: the `api.zapier.com/v1/zaps/{id}/execute`
//! endpoint some examples call does not exist, so it is not offered. A Zap is started by
//! posting to its "Webhooks by Zapier" Catch Hook, whose URL is the credential.
//!
//! ```no_run
//! use switchboard_connectors::{WebhookUrl, zapier::CatchHook};
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let hook =
//!     CatchHook::builder(WebhookUrl::parse("https://hooks.zapier.com/hooks/catch/123/abcdef/")?)
//!         .build()?;
//! let receipt = hook.trigger(&serde_json::json!({"order": 42})).await?;
//! println!("accepted as {:?}", receipt.request_id);
//! # Ok(()) }
//! ```

mod api;
mod error;
mod hook;
mod tool;

pub use api::{ListZaps, Zap, ZapPage, ZapierApi, ZapierApiBuilder};
pub use error::{ZapierApiError, ZapierError};
pub use hook::{CatchHook, CatchHookBuilder, HookReceipt};
pub use tool::{TriggerArgs, TriggerOutput, register_tools};
